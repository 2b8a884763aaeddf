//! Bad LSP input: malformed frames, unknown methods, wrong parameter types, commands with
//! missing or wrong arguments, a 50 MB document, invalid UTF-8, positions outside a document.
//! Each gets a JSON-RPC error or is ignored, and the server keeps serving.

use crate::support;

use serde_json::{Value, json};
use support::lsp_client::{TestClient, file_uri, sample_workspace};

struct Fixture {
    client: TestClient,
    ws: tempfile::TempDir,
    _cache: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    client.initialize(&[ws.path()], json!({})).await;
    client.wait_status("ready").await;
    Fixture {
        client,
        ws,
        _cache: cache,
    }
}

impl Fixture {
    fn uri(&self, rel: &str) -> String {
        file_uri(&self.ws.path().join(rel))
    }

    /// The server still answers normally.
    async fn serving(&self) {
        let st = self
            .client
            .execute("potpie.status", json!({}))
            .await
            .expect("status answers");
        assert_eq!(st["state"], "ready", "{st}");
        let actions = self
            .client
            .request(
                "textDocument/codeAction",
                json!({
                    "textDocument": {"uri": self.uri("src/auth.rs")},
                    "range": {"start": {"line": 3, "character": 7}, "end": {"line": 3, "character": 7}},
                    "context": {"diagnostics": []}
                }),
            )
            .await
            .expect("codeAction answers");
        assert!(actions.is_array());
    }

    async fn open(&self, rel: &str, text: &str) {
        self.client
            .notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": self.uri(rel), "languageId": "rust", "version": 1, "text": text}}),
            )
            .await;
    }
}

fn error_code(e: &Value) -> i64 {
    e["code"].as_i64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_are_dropped_and_the_server_goes_on() {
    let f = fixture().await;
    let frames: Vec<Vec<u8>> = vec![
        b"Content-Length: 5\r\n\r\n{oops".to_vec(),
        b"Content-Length: 7\r\n\r\n{\"a\":1}".to_vec(),
        b"Content-Length: abc\r\n\r\n".to_vec(),
        b"Garbage-Header\r\n\r\n".to_vec(),
        b"Content-Length: 4\r\n\r\nnull".to_vec(),
        b"Content-Length: 2\r\n\r\n[]".to_vec(),
        // Invalid UTF-8 inside a JSON string.
        {
            let body = b"{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"file:///x\",\"languageId\":\"rust\",\"version\":1,\"text\":\"\xff\xfe\xc3\x28\"}}}";
            let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            v.extend_from_slice(body);
            v
        },
        // A method that is not a string; an id that is an object.
        {
            let body = br#"{"jsonrpc":"2.0","id":{"x":1},"method":5}"#;
            let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            v.extend_from_slice(body);
            v
        },
        // Header says more than the JSON, followed by the next frame: resynchronise.
        b"Content-Length: 0\r\n\r\n".to_vec(),
    ];
    for frame in frames {
        f.client.write_raw(&frame).await;
        f.serving().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_methods_and_wrong_params_get_json_rpc_errors() {
    let f = fixture().await;
    let e = f
        .client
        .request("potpie/noSuchMethod", json!({}))
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), -32601, "{e}");
    f.client
        .notify("potpie/noSuchNotification", json!({}))
        .await;
    f.client.notify("$/whatever", json!({"x": 1})).await;
    f.serving().await;

    for (method, params) in [
        ("textDocument/codeAction", json!({"textDocument": 5})),
        ("textDocument/codeAction", json!([1, 2, 3])),
        ("textDocument/codeAction", json!(null)),
        ("workspace/executeCommand", json!({"command": 5})),
        ("workspace/executeCommand", json!("potpie.ask")),
    ] {
        let e = f.client.request(method, params.clone()).await.unwrap_err();
        assert_eq!(error_code(&e), -32602, "{method} {params}: {e}");
    }
    // Notifications with wrong params are ignored.
    f.client
        .notify("textDocument/didOpen", json!({"textDocument": 5}))
        .await;
    f.client
        .notify("textDocument/didChange", json!({"contentChanges": "x"}))
        .await;
    f.client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": [1, 2]}),
        )
        .await;
    f.client
        .notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": {"added": [{"uri": "not a uri", "name": 5}], "removed": "x"}}),
        )
        .await;
    f.serving().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_with_missing_or_wrong_arguments() {
    let f = fixture().await;
    let far = json!({"start": {"line": 100000, "character": 5}, "end": {"line": 200000, "character": 99999}});
    let cases: Vec<(&str, Value)> = vec![
        ("potpie.ask", json!([])),
        ("potpie.ask", json!([5])),
        ("potpie.ask", json!([{"question": 5}])),
        ("potpie.ask", json!([{"question": ""}])),
        ("potpie.ask", json!([{"question": "   \n"}])),
        ("potpie.ask", json!([{"question": "q", "range": "all"}])),
        ("potpie.ask", json!([{"question": "q", "uri": 7}])),
        ("potpie.explain", json!([])),
        ("potpie.explain", json!([{"uri": f.uri("src/auth.rs")}])),
        (
            "potpie.explain",
            json!([{"uri": "file:///etc/passwd", "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}]),
        ),
        (
            "potpie.explain",
            json!([{"uri": f.uri("src/auth.rs"), "range": far}]),
        ),
        (
            "potpie.explain",
            json!([{"uri": f.uri("nope.rs"), "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}]),
        ),
        (
            "potpie.explain",
            json!([{"uri": "https://example.invalid/x.rs", "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}]),
        ),
        ("potpie.nonsense", json!([{}])),
        ("", json!([])),
    ];
    for (command, args) in cases {
        let reply = f
            .client
            .request(
                "workspace/executeCommand",
                json!({"command": command, "arguments": args}),
            )
            .await;
        match reply {
            Err(e) => {
                let code = error_code(&e);
                assert!(code == -32602 || code == -32001, "{command} {args}: {e}");
                let m = e["message"].as_str().unwrap();
                assert!(!m.contains('\n') && !m.is_empty(), "{m:?}");
            }
            // A few of these are still answerable (an ask whose bad optional fields are
            // ignored); an answer is fine, a crash or a hang is not.
            Ok(v) => assert!(v.is_object() || v.is_null(), "{command}: {v}"),
        }
    }
    // Optional-argument commands tolerate junk.
    for args in [json!([5]), json!(["x"]), json!([{"uri": 5}]), json!(null)] {
        let r = f
            .client
            .request(
                "workspace/executeCommand",
                json!({"command": "potpie.status", "arguments": args}),
            )
            .await;
        assert!(
            r.is_ok() || error_code(&r.clone().unwrap_err()) == -32602,
            "{r:?}"
        );
    }
    f.serving().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_outside_a_document_are_clamped() {
    let f = fixture().await;
    let text = "fn a() {}\n// potpie: what is 😀 here?\nlet é = \"😀😀\";\n";
    f.open("src/pos.rs", text).await;
    let ranges = [
        json!({"start": {"line": 99999, "character": 0}, "end": {"line": 99999, "character": 5}}),
        json!({"start": {"line": 1, "character": 99999}, "end": {"line": 0, "character": 0}}),
        json!({"start": {"line": 2, "character": 10}, "end": {"line": 2, "character": 11}}), // inside a surrogate pair
        json!({"start": {"line": 4294967295u32, "character": 4294967295u32}, "end": {"line": 4294967295u32, "character": 4294967295u32}}),
        json!({"start": {"line": 1, "character": 12}, "end": {"line": 2, "character": 13}}),
    ];
    for range in &ranges {
        let r = f
            .client
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": f.uri("src/pos.rs")}, "range": range, "context": {"diagnostics": []}}),
            )
            .await;
        assert!(r.is_ok(), "{range}: {r:?}");
    }
    // Negative numbers are not positions: a JSON-RPC error.
    let e = f
        .client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": f.uri("src/pos.rs")}, "range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
        )
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), -32602);
    // Explain over a range that ends past the document: the selection is clamped.
    let r = f
        .client
        .execute(
            "potpie.explain",
            json!({"uri": f.uri("src/pos.rs"), "range": {"start": {"line": 1, "character": 5}, "end": {"line": 500, "character": 500}}}),
        )
        .await;
    assert!(
        r.is_ok() || r.as_ref().unwrap_err()["message"].is_string(),
        "{r:?}"
    );
    // An incremental change (we asked for full sync) and a change to an unopened document.
    f.client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": f.uri("src/pos.rs"), "version": 2}, "contentChanges": [{"range": {"start": {"line": 900, "character": 0}, "end": {"line": 901, "character": 0}}, "text": "x"}]}),
        )
        .await;
    f.client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": f.uri("never-opened.rs"), "version": 2}, "contentChanges": [{"text": "x"}]}),
        )
        .await;
    f.client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": f.uri("never-opened-either.rs")}}),
        )
        .await;
    f.serving().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_document_is_accepted_and_the_server_goes_on() {
    let f = fixture().await;
    let line = "let x = \"a fairly ordinary line of code\"; // potpie: why?\n";
    let text = line.repeat(50_000_000 / line.len() + 1);
    assert!(text.len() >= 50_000_000);
    f.open("src/huge.rs", &text).await;
    let r = f
        .client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": f.uri("src/huge.rs")}, "range": {"start": {"line": 800000, "character": 3}, "end": {"line": 800001, "character": 0}}, "context": {"diagnostics": []}}),
        )
        .await
        .expect("codeAction on a huge document");
    assert!(!r.as_array().unwrap().is_empty());
    // The same size again as a full change, then closed.
    f.client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": f.uri("src/huge.rs"), "version": 2}, "contentChanges": [{"text": text}]}),
        )
        .await;
    drop(text);
    f.client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": f.uri("src/huge.rs")}}),
        )
        .await;
    f.serving().await;
}
