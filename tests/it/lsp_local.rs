//! The whole LSP flow against the embedded engine (no API key): initialize → indexing
//! progress → ask → Answer, answer file, showDocument, hints, code actions, re-index on save.

use crate::support;

use serde_json::{Value, json};
use support::lsp_client::{TestClient, file_uri, sample_workspace};

async fn ready_client(ws: &std::path::Path, cache: &std::path::Path) -> TestClient {
    let client = support::lsp_client::in_process(support::env(cache));
    let init = client.initialize(&[ws], json!({})).await;
    let commands = &init["capabilities"]["executeCommandProvider"]["commands"];
    for c in [
        "potpie.ask",
        "potpie.explain",
        "potpie.reparse",
        "potpie.status",
        "potpie.clearHints",
    ] {
        assert!(
            commands.as_array().unwrap().contains(&json!(c)),
            "{c} missing: {commands}"
        );
    }
    client.wait_status("ready").await;
    client
}

/// Whether an answer to `question` cites `uri` within about 5 s: a re-index runs in the
/// background, so the test asks until it shows.
async fn cited_soon(client: &TestClient, question: &str, uri: &str) -> bool {
    for _ in 0..50 {
        let answer = client
            .execute("potpie.ask", json!({"question": question}))
            .await
            .unwrap();
        if answer["citations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["uri"] == uri)
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn indexing_is_reported_then_questions_are_answered_three_ways() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = ready_client(ws.path(), cache.path()).await;

    // Parsing progress: begin with the contract's title, then end.
    let progress = client.notifications("$/progress");
    let begin = progress
        .iter()
        .find(|p| p["value"]["kind"] == "begin")
        .expect("a progress begin");
    assert!(
        begin["value"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Potpie: parsing "),
        "{begin}"
    );
    let status = client.execute("potpie.status", json!({})).await.unwrap();
    assert_eq!(status["backend"], "local");
    assert_eq!(status["state"], "ready");

    let answer = client
        .execute(
            "potpie.ask",
            json!({"question": "Where is the password verified?"}),
        )
        .await
        .expect("an answer");
    assert_eq!(answer["backend"], "local");
    assert_eq!(answer["agent"], "codebase_qna_agent");
    assert!(!answer["markdown"].as_str().unwrap().is_empty());
    let citations = answer["citations"].as_array().unwrap();
    assert!(!citations.is_empty(), "{answer}");
    let auth_uri = file_uri(&ws.path().join("src/auth.rs"));
    assert_eq!(citations[0]["uri"], auth_uri, "{answer}");
    // verify_password is lines 4-7 (0-based 3..6)
    assert_eq!(citations[0]["range"]["start"]["line"], 3, "{answer}");

    // 1. the answer file exists, with relative links, and was shown.
    let answer_uri = answer["answerUri"]
        .as_str()
        .expect("an answer file")
        .to_string();
    let path = answer_uri.strip_prefix("file://").unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("src/auth.rs#L4"), "{text}");
    assert!(path.starts_with(cache.path().canonicalize().unwrap().to_str().unwrap()));
    client
        .wait_for("showDocument", |m| {
            m["method"] == "window/showDocument" && m["params"]["uri"] == answer_uri
        })
        .await;
    // 2. chunks carried the answer id.
    let chunks = client.notifications("potpie/answerChunk");
    assert!(chunks.iter().all(|c| c["answerId"] == answer["answerId"]));
    let streamed: String = chunks
        .iter()
        .map(|c| c["delta"].as_str().unwrap())
        .collect();
    assert_eq!(streamed, answer["markdown"].as_str().unwrap());
    // 3. hints on the cited file, pointing back at the answer.
    let diags = client
        .wait_for("hints", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == auth_uri
                && !m["params"]["diagnostics"].as_array().unwrap().is_empty()
        })
        .await;
    let d = &diags["params"]["diagnostics"][0];
    assert_eq!(d["severity"], 4);
    assert_eq!(d["source"], "potpie");
    assert_eq!(d["relatedInformation"][0]["location"]["uri"], answer_uri);

    // clearHints removes them.
    let before = client
        .notifications("textDocument/publishDiagnostics")
        .len();
    assert_eq!(
        client
            .execute("potpie.clearHints", json!({}))
            .await
            .unwrap(),
        Value::Null
    );
    let cleared = client.notifications("textDocument/publishDiagnostics");
    assert!(cleared.len() > before);
    assert!(
        cleared[before..]
            .iter()
            .any(|p| p["uri"] == auth_uri && p["diagnostics"] == json!([]))
    );
    client.shutdown().await;
}

#[tokio::test]
async fn code_actions_answer_from_the_open_document() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = ready_client(ws.path(), cache.path()).await;
    let uri = file_uri(&ws.path().join("src/server.rs"));
    let text = std::fs::read_to_string(ws.path().join("src/server.rs")).unwrap();
    client
        .notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": text}}),
        )
        .await;
    let titles = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect()
    };
    // A selection: explain, tests, debug.
    let sel = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 3, "character": 0}, "end": {"line": 6, "character": 1}}, "context": {"diagnostics": []}}),
        )
        .await
        .unwrap();
    let t = titles(&sel);
    for want in [
        "Potpie: Explain this code",
        "Potpie: Write unit tests for this",
        "Potpie: Debug this",
    ] {
        assert!(t.contains(&want.to_string()), "{t:?}");
    }
    let tests = sel
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Potpie: Write unit tests for this")
        .unwrap();
    assert_eq!(tests["command"]["arguments"][0]["agent"], "unit_test_agent");
    // The potpie: comment line.
    let comment = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 4, "character": 8}, "end": {"line": 4, "character": 8}}, "context": {"diagnostics": []}}),
        )
        .await
        .unwrap();
    assert!(
        titles(&comment)
            .contains(&"Potpie: Ask \"why is the password compared here?\"".to_string()),
        "{comment}"
    );
    // An identifier under the cursor.
    let ident = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 5, "character": 10}, "end": {"line": 5, "character": 10}}, "context": {"diagnostics": []}}),
        )
        .await
        .unwrap();
    assert!(
        titles(&ident).contains(&"Potpie: Where is verify_password used?".to_string()),
        "{ident}"
    );

    // Running the explain action's command answers about the selection.
    let explain = sel
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Potpie: Explain this code")
        .unwrap();
    let answer = client
        .execute("potpie.explain", explain["command"]["arguments"][0].clone())
        .await
        .expect("explain answers");
    assert!(
        !answer["citations"].as_array().unwrap().is_empty(),
        "{answer}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn a_saved_edit_is_reflected_in_the_next_answer() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = ready_client(ws.path(), cache.path()).await;
    let file = ws.path().join("src/billing.rs");
    std::fs::write(
        &file,
        "/// Charges a customer's credit card for an invoice.\npub fn charge_invoice(amount_cents: u64) -> bool {\n    amount_cents > 0\n}\n",
    )
    .unwrap();
    let uri = file_uri(&file);
    client
        .notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert!(
        cited_soon(
            &client,
            "Where is the invoice charged to the credit card?",
            &uri
        )
        .await,
        "the saved file never appeared in answers"
    );
    client.shutdown().await;
}

/// A file changed outside the editor (a `git pull`) in any language the engine reads reaches
/// the index: the server asks to watch every such extension, Ruby's and Erlang's too, not
/// only the grammar languages', and a watched change re-indexes the file.
#[tokio::test]
async fn a_file_changed_outside_the_editor_is_watched_and_indexed() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = ready_client(ws.path(), cache.path()).await;
    let registration = client
        .wait_for("watcher registration", |m| {
            m["method"] == "client/registerCapability"
        })
        .await;
    let glob =
        registration["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"]
            .as_str()
            .expect("a glob")
            .to_string();
    let watched: Vec<&str> = glob
        .strip_prefix("**/*.{")
        .and_then(|g| g.strip_suffix('}'))
        .expect("one brace group of extensions")
        .split(',')
        .collect();
    for ext in ["rs", "tsx", "rb", "erl", "nim", "php", "kt", "sh"] {
        assert!(watched.contains(&ext), "{ext}: {glob}");
    }
    let file = ws.path().join("lib/billing.rb");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "class Billing\n  # Charges a customer's credit card for an invoice.\n  \
         def charge_invoice(amount_cents)\n    amount_cents > 0\n  end\nend\n",
    )
    .unwrap();
    let uri = file_uri(&file);
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri, "type": 1}]}),
        )
        .await;
    assert!(
        cited_soon(
            &client,
            "Where is the invoice charged to the credit card?",
            &uri
        )
        .await,
        "the file written on disk never appeared in answers"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_an_error_and_the_server_keeps_serving() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = ready_client(ws.path(), cache.path()).await;
    // Unknown command, missing and wrong arguments.
    let e = client.execute("potpie.nope", json!({})).await.unwrap_err();
    assert!(
        e["message"].as_str().unwrap().contains("Unknown command"),
        "{e}"
    );
    let e = client
        .request(
            "workspace/executeCommand",
            json!({"command": "potpie.ask", "arguments": []}),
        )
        .await
        .unwrap_err();
    assert_eq!(e["code"], -32602, "{e}");
    let e = client
        .execute("potpie.ask", json!({"question": 42}))
        .await
        .unwrap_err();
    assert_eq!(e["code"], -32602, "{e}");
    let e = client
        .execute("potpie.ask", json!({"question": "  "}))
        .await
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("non-empty"), "{e}");
    let e = client
        .execute("potpie.explain", json!({"uri": file_uri(&ws.path().join("missing.rs")), "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}))
        .await
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("range"), "{e}");
    // Malformed JSON-RPC and an unknown method.
    client
        .write_raw(b"Content-Length: 9\r\n\r\n{not json")
        .await;
    let e = client
        .request("potpie/unknownMethod", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e["code"], -32601, "{e}");
    // Positions far outside the document.
    let uri = file_uri(&ws.path().join("src/auth.rs"));
    client
        .notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": "fn a() {}\n"}}))
        .await;
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 900, "character": 70}, "end": {"line": 901, "character": 2}}, "context": {"diagnostics": []}}),
        )
        .await
        .unwrap();
    assert!(actions.is_array());
    // Still serving.
    let status = client.execute("potpie.status", json!({})).await.unwrap();
    assert_eq!(status["state"], "ready");
    client.shutdown().await;
}

#[tokio::test]
async fn a_ruby_workspace_is_answered_with_its_methods() {
    // A language without a grammar here: its definitions are read from its lines.
    let ws = tempfile::tempdir().unwrap();
    let ruby = "module Shop\n  class Cart\n    # Adds an item, merging it with one already in the cart.\n    def add(item)\n      @items[item.sku] = item\n    end\n\n    # Applies the discount code to the total price.\n    def apply_discount(code)\n      @total -= code.amount\n    end\n  end\nend\n";
    std::fs::create_dir_all(ws.path().join("lib")).unwrap();
    std::fs::write(ws.path().join("lib/cart.rb"), ruby).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let client = ready_client(ws.path(), cache.path()).await;
    let answer = client
        .execute(
            "potpie.ask",
            json!({"question": "How is a discount code applied to the price?"}),
        )
        .await
        .expect("an answer");
    let citations = answer["citations"].as_array().unwrap();
    assert_eq!(
        citations[0]["uri"],
        file_uri(&ws.path().join("lib/cart.rb")),
        "{answer}"
    );
    // `def apply_discount` … `end`: lines 9-11, 0-based 8..10.
    assert_eq!(citations[0]["range"]["start"]["line"], 8, "{answer}");
    assert_eq!(citations[0]["range"]["end"]["line"], 10, "{answer}");
    assert!(
        answer["markdown"]
            .as_str()
            .unwrap()
            .contains("Shop.Cart.apply_discount"),
        "{answer}"
    );
    client.shutdown().await;
}
