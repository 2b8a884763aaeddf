//! Threads and follow-ups on both backends, threads across a restart, and living citations:
//! hints that follow their code as the cited file is edited.

use crate::support;

use std::time::Duration;

use serde_json::{Value, json};
use support::fake_potpie::{FakeConfig, FakePotpie, Route};
use support::lsp_client::{TestClient, file_uri, sample_workspace};
use support::reliability::eventually;

async fn potpie(fake: &FakePotpie, ws: &std::path::Path, cache: &std::path::Path) -> TestClient {
    let client = support::lsp_client::in_process(support::env(cache));
    client
        .initialize(&[ws], json!({"apiKey": fake.key(), "baseUrl": fake.url()}))
        .await;
    client.wait_status("ready").await;
    client
}

async fn local(ws: &std::path::Path, cache: &std::path::Path) -> TestClient {
    let client = support::lsp_client::in_process(support::env(cache));
    client.initialize(&[ws], json!({"backend": "local"})).await;
    client.wait_status("ready").await;
    client
}

async fn ask(client: &TestClient, args: Value) -> Value {
    client
        .execute("potpie.ask", args)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn conversation_of(fake: &FakePotpie, message: usize) -> String {
    let path = &fake.requests_to(Route::Message)[message].path;
    path.split('/').nth(4).unwrap().to_string()
}

#[tokio::test]
async fn with_potpie_a_follow_up_goes_to_the_same_conversation_and_a_new_question_does_not() {
    let fake = FakeConfig::new()
        .ready_after(1)
        .answer_text("Passwords are checked by `verify_password` in `src/auth.rs`.")
        .start()
        .await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = potpie(&fake, ws.path(), cache.path()).await;
    let first = ask(
        &client,
        json!({"question": "Where is the password checked?"}),
    )
    .await;
    let thread = first["threadId"].as_str().unwrap().to_string();
    assert!(!thread.is_empty());
    let follow = ask(
        &client,
        json!({"question": "And who calls it?", "threadId": thread}),
    )
    .await;
    assert_eq!(follow["threadId"], thread.as_str());
    let last = ask(&client, json!({"question": "And why?", "threadId": "last"})).await;
    assert_eq!(last["threadId"], thread.as_str());
    let fresh = ask(&client, json!({"question": "Where are settings loaded?"})).await;
    assert_ne!(fresh["threadId"], thread.as_str());
    assert_eq!(fake.count(Route::Conversations), 2, "one per thread");
    let c: Vec<String> = (0..4).map(|i| conversation_of(&fake, i)).collect();
    assert!(c[0] == c[1] && c[1] == c[2] && c[3] != c[0], "{c:?}");
    // A follow-up's transcript holds the whole thread.
    let transcript = follow["transcriptUri"].as_str().unwrap();
    let path = transcript.strip_prefix("file://").unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains("## Where is the password checked?") && text.contains("## And who calls it?")
    );
    // An unknown thread is refused with what to do.
    let e = client
        .execute("potpie.ask", json!({"question": "q", "threadId": "t-none"}))
        .await
        .unwrap_err();
    assert!(
        e["message"].as_str().unwrap().contains("potpie.threads"),
        "{e}"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn threads_outlive_a_restart() {
    let fake = FakeConfig::new().ready_after(1).start().await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = potpie(&fake, ws.path(), cache.path()).await;
    let a = ask(&client, json!({"question": "First question"})).await;
    let b = ask(&client, json!({"question": "Second question"})).await;
    client.shutdown().await;

    let client = potpie(&fake, ws.path(), cache.path()).await;
    let threads = client.execute("potpie.threads", json!([])).await.unwrap();
    let listed = threads.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["threadId"], b["threadId"], "most recent first");
    assert_eq!(listed[1]["threadId"], a["threadId"]);
    assert_eq!(listed[0]["title"], "Second question");
    assert_eq!(listed[0]["answers"], 1);
    assert_eq!(listed[0]["backend"], "potpie");
    assert!(listed[0]["updatedAt"].as_str().unwrap().ends_with('Z'));
    assert!(
        listed[0]["transcriptUri"]
            .as_str()
            .unwrap()
            .ends_with(".md")
    );
    // The first thread continues in its own conversation after the restart.
    let follow = ask(
        &client,
        json!({"question": "More?", "threadId": a["threadId"]}),
    )
    .await;
    assert_eq!(follow["threadId"], a["threadId"]);
    assert_eq!(conversation_of(&fake, 2), conversation_of(&fake, 0));
    client.shutdown().await;
}

#[tokio::test]
async fn b6_a_gone_conversation_is_replaced_once() {
    let fake = FakeConfig::new()
        .ready_after(1)
        .answer_text("In `src/auth.rs`.")
        .start()
        .await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = potpie(&fake, ws.path(), cache.path()).await;
    let first = ask(&client, json!({"question": "Where?"})).await;
    let gone = conversation_of(&fake, 0);
    fake.delete_conversation(&gone);
    let follow = ask(
        &client,
        json!({"question": "And then?", "threadId": first["threadId"]}),
    )
    .await;
    assert_eq!(follow["markdown"], "In `src/auth.rs`.");
    assert_eq!(fake.count(Route::Conversations), 2, "replaced once");
    let replaced = conversation_of(&fake, 2);
    assert_ne!(replaced, gone);
    // The thread now continues in the new conversation.
    ask(
        &client,
        json!({"question": "Last one", "threadId": first["threadId"]}),
    )
    .await;
    assert_eq!(conversation_of(&fake, 3), replaced);
    assert_eq!(fake.count(Route::Conversations), 2);
    client.shutdown().await;
}

#[tokio::test]
async fn with_the_local_engine_a_follow_up_is_about_what_the_thread_cited() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = local(ws.path(), cache.path()).await;
    let first = ask(
        &client,
        json!({"question": "Where is the password checked?"}),
    )
    .await;
    let top = first["citations"][0]["uri"].as_str().unwrap();
    assert!(top.ends_with("src/auth.rs"), "{first}");
    let follow = ask(
        &client,
        json!({"question": "Who calls it?", "threadId": first["threadId"]}),
    )
    .await;
    let markdown = follow["markdown"].as_str().unwrap();
    assert!(
        markdown.starts_with("_Following up on `verify_password`._"),
        "{markdown}"
    );
    // The caller of verify_password is handle_login in src/server.rs.
    let cited: Vec<&str> = follow["citations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["uri"].as_str())
        .collect();
    assert!(
        cited.iter().take(2).any(|u| u.ends_with("src/server.rs")),
        "{follow}"
    );
    client.shutdown().await;
}

/// The published hints of `path` as `(start line, end line, stale)`, 0-based.
fn hints_of(client: &TestClient, uri: &str) -> Vec<(u64, u64, bool)> {
    client
        .notifications("textDocument/publishDiagnostics")
        .iter()
        .rev()
        .find(|n| n["uri"] == uri)
        .map(|n| {
            n["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["range"]["start"]["line"].as_u64().unwrap(),
                        d["range"]["end"]["line"].as_u64().unwrap(),
                        d["data"]["stale"].as_bool().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn hints_follow_their_code_as_the_file_is_edited() {
    let fake = FakeConfig::new()
        .ready_after(1)
        .answer_text("Passwords are checked by `verify_password` in `src/auth.rs:4-7`.")
        .start()
        .await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = potpie(&fake, ws.path(), cache.path()).await;
    let path = ws.path().join("src/auth.rs");
    let uri = file_uri(&path);
    let original = std::fs::read_to_string(&path).unwrap();
    let answer = ask(
        &client,
        json!({"question": "Where is the password checked?"}),
    )
    .await;
    assert_eq!(hints_of(&client, &uri), [(3, 6, false)]);
    let diag = client
        .notifications("textDocument/publishDiagnostics")
        .into_iter()
        .rev()
        .find(|n| n["uri"] == uri.as_str())
        .unwrap();
    assert_eq!(
        diag["diagnostics"][0]["data"]["answerId"],
        answer["answerId"]
    );
    client
        .notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": original}}),
        )
        .await;
    let edit = |version: i64, text: String| {
        let client = &client;
        let uri = uri.clone();
        async move {
            client
                .notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
                )
                .await;
        }
    };
    let wait = |want: Vec<(u64, u64, bool)>| {
        let client = &client;
        let uri = uri.clone();
        async move {
            assert!(
                eventually(Duration::from_secs(10), || hints_of(client, &uri) == want).await,
                "hints {:?}, want {want:?}",
                hints_of(client, &uri)
            );
        }
    };
    // Lines inserted above.
    let above = format!("// a\n// b\n{original}");
    edit(2, above.clone()).await;
    wait(vec![(5, 8, false)]).await;
    let moved = client.notifications("potpie/citations");
    let last = moved.last().unwrap();
    assert_eq!(last["answerId"], answer["answerId"]);
    assert_eq!(last["threadId"], answer["threadId"]);
    assert_eq!(last["citations"][0]["range"]["start"]["line"], 5);
    // An edit inside the function.
    let inside = above.replace(
        "    stored == hash(password)\n",
        "    let ok = stored == hash(password);\n    ok\n",
    );
    edit(3, inside.clone()).await;
    wait(vec![(5, 9, false)]).await;
    // The function moved to the end of the file.
    let func = "/// Checks a user's password against the stored hash.\npub fn verify_password(user: &str, password: &str) -> bool {\n    let stored = load_hash(user);\n    let ok = stored == hash(password);\n    ok\n}\n";
    let moved_text = format!("{}\n{func}", inside.replace(func, ""));
    edit(4, moved_text.clone()).await;
    let start = moved_text
        .lines()
        .position(|l| l.starts_with("pub fn verify_password"))
        .unwrap() as u64;
    wait(vec![(start, start + 4, false)]).await;
    // Deleted: kept, marked stale.
    edit(5, moved_text.replace(func, "")).await;
    let deadline = eventually(Duration::from_secs(10), || {
        hints_of(&client, &uri).first().is_some_and(|h| h.2)
    })
    .await;
    assert!(deadline, "{:?}", hints_of(&client, &uri));
    let stale = client
        .notifications("textDocument/publishDiagnostics")
        .into_iter()
        .rev()
        .find(|n| n["uri"] == uri.as_str())
        .unwrap();
    assert!(
        stale["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(changed since the answer)")
    );
    // Saved to disk: the thread's transcript follows too.
    std::fs::write(&path, &moved_text).unwrap();
    client
        .notify(
            "textDocument/didSave",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let transcript = answer["transcriptUri"]
        .as_str()
        .unwrap()
        .strip_prefix("file://")
        .unwrap()
        .to_string();
    let want = format!("src/auth.rs#L{}-L{})", start + 1, start + 5);
    assert!(
        eventually(Duration::from_secs(10), || std::fs::read_to_string(
            &transcript
        )
        .is_ok_and(|t| t.contains(&want)))
        .await,
        "{}",
        std::fs::read_to_string(&transcript).unwrap_or_default()
    );
    client.shutdown().await;
}
