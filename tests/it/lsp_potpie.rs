//! The whole LSP flow against a fake Potpie server on 127.0.0.1 that follows potpie-api.md:
//! parse progress, streamed answers, citations from the Markdown, cancel with /stop, errors.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_potpie::{FakeConfig, FakePotpie, FakeToolCall, Forced, Route};
use support::lsp_client::{TestClient, file_uri, full_capabilities, sample_workspace};

const ANSWER: &str = "Passwords are checked by `verify_password` in `src/auth.rs`, called from `src/server.rs:4-7`.\n\nSettings are loaded by `load_settings` in app/config.py. Nothing in ../../etc/passwd or /etc/shadow.";

fn options(fake: &FakePotpie) -> Value {
    json!({"apiKey": fake.key(), "baseUrl": fake.url()})
}

async fn started(
    config: FakeConfig,
) -> (FakePotpie, tempfile::TempDir, tempfile::TempDir, TestClient) {
    let fake = config.start().await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    client.initialize(&[ws.path()], options(&fake)).await;
    (fake, ws, cache, client)
}

#[tokio::test]
async fn parse_progress_then_a_streamed_answer_with_citations_from_the_text() {
    let config = FakeConfig::new()
        .answer_text(ANSWER)
        .tool_calls(vec![FakeToolCall::new(
            "fetch_file",
            "Reading file: src/auth.rs",
        )])
        .ready_after(3);
    let (fake, ws, _cache, client) = started(config).await;
    let ready = client.wait_status("ready").await;
    assert_eq!(ready["backend"], "potpie");
    assert_eq!(ready["repoName"], "acme/widgets");
    assert_eq!(ready["branchName"], "main");
    assert!(ready["projectId"].is_string());
    // The parse request carried what git says; progress showed the statuses.
    let parse = &fake.requests_to(Route::Parse)[0];
    assert_eq!(parse.json().unwrap()["repo_name"], "acme/widgets");
    assert_eq!(parse.json().unwrap()["branch_name"], "main");
    let messages: Vec<String> = client
        .notifications("$/progress")
        .iter()
        .filter_map(|p| p["value"]["message"].as_str().map(str::to_string))
        .collect();
    assert!(messages.iter().any(|m| m == "submitted"), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.starts_with("inferring")),
        "{messages:?}"
    );
    let begin = client
        .notifications("$/progress")
        .into_iter()
        .find(|p| p["value"]["kind"] == "begin")
        .unwrap();
    assert_eq!(begin["value"]["title"], "Potpie: parsing acme/widgets");

    let answer = client
        .execute(
            "potpie.ask",
            json!({"question": "How are passwords checked?"}),
        )
        .await
        .expect("an answer");
    assert_eq!(answer["backend"], "potpie");
    assert_eq!(answer["markdown"], ANSWER);
    let cited: Vec<(String, u64, u64)> = answer["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["uri"].as_str().unwrap().to_string(),
                c["range"]["start"]["line"].as_u64().unwrap() + 1,
                c["range"]["end"]["line"].as_u64().unwrap() + 1,
            )
        })
        .collect();
    let uri = |p: &str| file_uri(&ws.path().join(p));
    assert_eq!(
        cited,
        vec![
            (uri("src/auth.rs"), 4, 7),     // file-only: pointed at verify_password
            (uri("src/server.rs"), 4, 7),   // explicit range
            (uri("app/config.py"), 11, 12), // file-only: pointed at load_settings
        ],
        "{answer}"
    );
    // Chunks streamed with the answer id, and the tool activity became progress.
    let streamed: String = client
        .notifications("potpie/answerChunk")
        .iter()
        .map(|c| c["delta"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(streamed, ANSWER);
    let reports: Vec<String> = client
        .notifications("$/progress")
        .iter()
        .filter_map(|p| p["value"]["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        reports.iter().any(|m| m == "Reading file: src/auth.rs"),
        "{reports:?}"
    );

    // A question without a thread starts its own conversation, and names its run.
    client
        .execute("potpie.ask", json!({"question": "again?"}))
        .await
        .unwrap();
    assert_eq!(fake.count(Route::Conversations), 2);
    let runs: Vec<Option<String>> = fake
        .requests_to(Route::Message)
        .iter()
        .map(|r| r.query_param("session_id"))
        .collect();
    assert!(
        runs.iter().all(Option::is_some) && runs[0] != runs[1],
        "{runs:?}"
    );
    client
        .execute(
            "potpie.ask",
            json!({"question": "debug?", "agent": "debugging_agent"}),
        )
        .await
        .unwrap();
    assert_eq!(fake.count(Route::Conversations), 3);
    let bodies: Vec<Value> = fake
        .requests_to(Route::Conversations)
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(bodies[2]["agent_ids"], json!(["debugging_agent"]));

    // The key went only in the header, and never came back in anything the server sent.
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("x-api-key") == Some(fake.key().as_str()))
    );
    let everything = serde_json::to_string(&client.received()).unwrap();
    assert!(!everything.contains(&fake.key()));
    client.shutdown().await;
}

#[tokio::test]
async fn the_selection_goes_along_as_context() {
    let (fake, ws, _cache, client) =
        started(FakeConfig::new().answer_text(ANSWER).ready_after(1)).await;
    client.wait_status("ready").await;
    let uri = file_uri(&ws.path().join("src/auth.rs"));
    client
        .execute(
            "potpie.explain",
            json!({"uri": uri, "range": {"start": {"line": 3, "character": 0}, "end": {"line": 7, "character": 0}}}),
        )
        .await
        .unwrap();
    let body = fake.requests_to(Route::Message)[0].json().unwrap();
    let content = body["content"].as_str().unwrap();
    assert!(content.contains("src/auth.rs"), "{content}");
    assert!(content.contains("lines 4-7"), "{content}");
    assert!(
        content.contains("pub fn verify_password(user: &str, password: &str) -> bool {"),
        "{content}"
    );
    client.shutdown().await;
}

/// An answer that streams for about five seconds.
fn slow_answer() -> FakeConfig {
    FakeConfig::new()
        .answer_text(&"slow words ".repeat(200))
        .delta_chars(5)
        .chunk_delay(Duration::from_millis(50))
        .ready_after(1)
}

/// Waits (bounded) until the fake has seen a `/stop`.
async fn wait_for_stop(fake: &FakePotpie) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while fake.count(Route::Stop) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn cancel_request_stops_the_question_and_calls_stop() {
    let (fake, _ws, _cache, client) = started(slow_answer()).await;
    client.wait_status("ready").await;
    let (id, response) = client
        .start_request(
            "workspace/executeCommand",
            json!({"command": "potpie.ask", "arguments": [{"question": "take your time"}]}),
        )
        .await;
    client
        .wait_for("first chunk", |m| m["method"] == "potpie/answerChunk")
        .await;
    let sent = Instant::now();
    client.notify("$/cancelRequest", json!({"id": id})).await;
    let reply = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .unwrap()
        .unwrap();
    let latency = sent.elapsed();
    assert_eq!(reply["error"]["code"], -32800, "{reply}");
    assert!(latency < Duration::from_secs(2), "{latency:?}");
    // The agent run is stopped on the service.
    wait_for_stop(&fake).await;
    assert_eq!(fake.count(Route::Stop), 1);
    // And the server goes on serving.
    assert_eq!(
        client.execute("potpie.status", json!({})).await.unwrap()["state"],
        "ready"
    );
    client.shutdown().await;
}

#[tokio::test]
async fn progress_cancel_stops_the_question_too() {
    let (fake, _ws, _cache, client) = started(slow_answer()).await;
    client.wait_status("ready").await;
    let (_, response) = client
        .start_request(
            "workspace/executeCommand",
            json!({"command": "potpie.ask", "arguments": [{"question": "take your time"}]}),
        )
        .await;
    let begin = client
        .wait_for("question progress", |m| {
            m["method"] == "$/progress"
                && m["params"]["value"]["kind"] == "begin"
                && m["params"]["value"]["title"] == "Potpie: codebase_qna_agent"
        })
        .await;
    assert_eq!(begin["params"]["value"]["cancellable"], true);
    let token = begin["params"]["token"].clone();
    // Cancel once the agent run is under way on the service.
    client
        .wait_for("first chunk", |m| m["method"] == "potpie/answerChunk")
        .await;
    client
        .notify("window/workDoneProgress/cancel", json!({"token": token}))
        .await;
    let reply = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .unwrap()
        .unwrap();
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cancelled"),
        "{reply}"
    );
    wait_for_stop(&fake).await;
    assert_eq!(fake.count(Route::Stop), 1);
    client.shutdown().await;
}

/// Each error class of the message route becomes one clear sentence, and the server keeps
/// serving afterwards.
#[tokio::test]
async fn each_error_class_is_one_clear_sentence() {
    let (fake, _ws, _cache, client) =
        started(FakeConfig::new().answer_text(ANSWER).ready_after(1)).await;
    client.wait_status("ready").await;
    let cases: Vec<(Forced, &str)> = vec![
        (
            Forced::detail(401, "Invalid API key").header("WWW-Authenticate", "ApiKey"),
            "POTPIE_API_KEY",
        ),
        (Forced::out_of_credits(), "credit"),
        (Forced::detail(404, "Conversation not found"), "not found"),
        (
            Forced::json(
                422,
                json!({"detail": [{"type": "missing", "loc": ["body", "content"], "msg": "Field required"}]}),
            ),
            "content",
        ),
        (
            Forced::detail(500, "An internal error occurred."),
            "An internal error occurred",
        ),
        (Forced::plain(500, "Internal Server Error"), "500"),
        (
            Forced::detail(503, "Hatchet agent backend unavailable"),
            "unavailable",
        ),
    ];
    for (forced, expect) in cases {
        fake.force(Route::Message, forced.clone().times(1));
        let e = client
            .execute("potpie.ask", json!({"question": "q"}))
            .await
            .unwrap_err();
        let message = e["message"].as_str().unwrap();
        assert!(
            message.to_lowercase().contains(&expect.to_lowercase()),
            "{forced:?}: {message}"
        );
        assert!(!message.contains("reqwest"), "{message}");
        assert!(!message.contains(&fake.key()), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    // Still serving, and the next question works.
    let answer = client
        .execute("potpie.ask", json!({"question": "q"}))
        .await
        .unwrap();
    assert_eq!(answer["markdown"], ANSWER);
    client.shutdown().await;
}

#[tokio::test]
async fn a_rejected_key_is_an_error_status_that_says_what_to_do() {
    let fake = FakeConfig::new().start().await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    client
        .initialize(
            &[ws.path()],
            json!({"apiKey": "sk-wrong", "baseUrl": fake.url()}),
        )
        .await;
    let status = client.wait_status("error").await;
    let message = status["message"].as_str().unwrap();
    assert!(
        message.contains("401") && message.contains("POTPIE_API_KEY"),
        "{message}"
    );
    assert!(!message.contains("sk-wrong"));
    client
        .wait_for("an error message", |m| m["method"] == "window/showMessage")
        .await;
    client.shutdown().await;
}

#[tokio::test]
async fn parsing_that_ends_in_error_is_shown_and_reparse_retries() {
    let fake = FakeConfig::new()
        .ready_after(1)
        .parse_ends_in_error()
        .start()
        .await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    client.initialize(&[ws.path()], options(&fake)).await;
    let status = client.wait_status("error").await;
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("potpie.reparse"),
        "{status}"
    );
    let e = client
        .execute("potpie.ask", json!({"question": "q"}))
        .await
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("not ready"), "{e}");
    // The service recovers; reparse succeeds.
    fake.update(|c| c.final_status = "ready".into());
    let before = client.notifications("potpie/status").len();
    let st = client.execute("potpie.reparse", json!({})).await.unwrap();
    assert_eq!(st["state"], "parsing");
    client
        .wait_for("ready after reparse", |m| {
            m["method"] == "potpie/status" && m["params"]["state"] == "ready"
        })
        .await;
    assert!(client.notifications("potpie/status").len() > before);
    client
        .execute("potpie.ask", json!({"question": "q"}))
        .await
        .unwrap();
    client.shutdown().await;
}

#[tokio::test]
async fn a_stream_with_only_the_placeholder_is_no_answer() {
    let (_fake, _ws, _cache, client) =
        started(FakeConfig::new().ready_after(1).placeholder_only()).await;
    client.wait_status("ready").await;
    let e = client
        .execute("potpie.ask", json!({"question": "q"}))
        .await
        .unwrap_err();
    assert!(e["message"].as_str().unwrap().contains("no answer"), "{e}");
    client.shutdown().await;
}

/// Helix 25.07: no relatedInformation, ignores command results, never cancels, gives up after
/// 20 s, and opens `window/showDocument` files without advertising it (its capabilities, from
/// helix-lsp/src/client.rs, have `window.workDoneProgress` only). The answer must still reach
/// the user by the file and the hints, whose messages say what each place is.
#[tokio::test]
async fn a_helix_like_client_still_gets_the_answer_file_and_hints() {
    let fake = FakeConfig::new()
        .answer_text(ANSWER)
        .chunk_delay(Duration::from_millis(5))
        .ready_after(1)
        .start()
        .await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    let helix_caps = json!({
        "window": {"workDoneProgress": true},
        "textDocument": {"publishDiagnostics": {"versionSupport": true}},
        "workspace": {"executeCommand": {}, "workspaceFolders": true, "didChangeWatchedFiles": {"dynamicRegistration": true}}
    });
    client
        .initialize_as(
            &[ws.path()],
            options(&fake),
            helix_caps,
            json!({"name": "helix", "version": "25.7.1"}),
        )
        .await;
    client.wait_status("ready").await;
    let (_id, response) = client
        .start_request("workspace/executeCommand", json!({"command": "potpie.ask", "arguments": [{"question": "How are passwords checked?"}]}))
        .await;
    // Helix drops the result: don't look at it, only wait (at most 20 s) for the side effects.
    drop(response);
    let shown = tokio::time::timeout(
        Duration::from_secs(20),
        client.wait_for("showDocument", |m| m["method"] == "window/showDocument"),
    )
    .await
    .expect("answer file shown within Helix's 20 s");
    let path = shown["params"]["uri"]
        .as_str()
        .unwrap()
        .strip_prefix("file://")
        .unwrap()
        .to_string();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("verify_password")
    );
    let auth = file_uri(&ws.path().join("src/auth.rs"));
    let hint = client
        .wait_for("hint", |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == auth
        })
        .await;
    let d = &hint["params"]["diagnostics"][0];
    assert_eq!(d["severity"], 4);
    assert!(
        d.get("relatedInformation").is_none() || d["relatedInformation"].is_null(),
        "{d}"
    );
    // what the place is: the symbol there, in the answer's words
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("verify_password"), "{message}");
    assert!(!message.contains("citation 1"), "{message}");
    client.shutdown().await;
}

#[tokio::test]
async fn multi_root_folders_are_separate_projects_and_documents_route_by_longest_root() {
    let fake = FakeConfig::new()
        .answer_text(ANSWER)
        .ready_after(1)
        .start()
        .await;
    let outer = sample_workspace();
    // A nested folder that is its own repository.
    let inner_root = outer.path().join("vendor/lib");
    std::fs::create_dir_all(inner_root.join(".git")).unwrap();
    std::fs::write(inner_root.join(".git/HEAD"), "ref: refs/heads/dev\n").unwrap();
    std::fs::write(
        inner_root.join(".git/config"),
        "[remote \"origin\"]\n\turl = https://user:tok@github.com/other/lib\n",
    )
    .unwrap();
    std::fs::write(inner_root.join("lib.rs"), "pub fn inner() {}\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    client
        .initialize_with(
            &[outer.path(), &inner_root],
            options(&fake),
            full_capabilities(),
        )
        .await;
    // Both parse.
    client
        .wait_for("two ready", |_| {
            client
                .notifications("potpie/status")
                .iter()
                .filter(|s| s["state"] == "ready")
                .count()
                >= 2
        })
        .await;
    let repos: Vec<String> = fake
        .requests_to(Route::Parse)
        .iter()
        .map(|r| r.json().unwrap()["repo_name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        repos.contains(&"acme/widgets".to_string()) && repos.contains(&"other/lib".to_string()),
        "{repos:?}"
    );
    let inner_status = client
        .execute(
            "potpie.status",
            json!({"uri": file_uri(&inner_root.join("lib.rs"))}),
        )
        .await
        .unwrap();
    assert_eq!(inner_status["repoName"], "other/lib");
    assert_eq!(inner_status["branchName"], "dev");
    let outer_status = client
        .execute(
            "potpie.status",
            json!({"uri": file_uri(&outer.path().join("src/auth.rs"))}),
        )
        .await
        .unwrap();
    assert_eq!(outer_status["repoName"], "acme/widgets");
    client.shutdown().await;
}

#[tokio::test]
async fn configuration_changes_switch_backends_and_keep_what_was_not_resent() {
    let fake = FakeConfig::new()
        .answer_text(ANSWER)
        .ready_after(1)
        .start()
        .await;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    // No key: the local engine answers.
    client
        .initialize(&[ws.path()], json!({"baseUrl": fake.url()}))
        .await;
    client.wait_status("ready").await;
    assert_eq!(
        client.execute("potpie.status", json!({})).await.unwrap()["backend"],
        "local"
    );
    // A key arrives: the folder is re-prepared with Potpie.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"potpie": {"apiKey": fake.key()}}}),
        )
        .await;
    client
        .wait_for("potpie ready", |m| {
            m["method"] == "potpie/status"
                && m["params"]["backend"] == "potpie"
                && m["params"]["state"] == "ready"
        })
        .await;
    // Only `hints` changes: the key and base URL given earlier are kept.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"potpie": {"hints": false}}}),
        )
        .await;
    let answer = client
        .execute("potpie.ask", json!({"question": "q"}))
        .await
        .unwrap();
    assert_eq!(answer["backend"], "potpie");
    assert_eq!(answer["markdown"], ANSWER);
    // A wrong-typed value is reported and ignored, not fatal.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"potpie": {"openAnswers": "sometimes"}}}),
        )
        .await;
    let warning = client
        .wait_for("a warning", |m| {
            m["method"] == "window/showMessage"
                && m["params"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("potpie.openAnswers")
        })
        .await;
    assert_eq!(warning["params"]["type"], 2);
    assert_eq!(
        client.execute("potpie.status", json!({})).await.unwrap()["backend"],
        "potpie"
    );
    client.shutdown().await;
}

/// A file-only citation from Potpie points at the symbol through the local index, whose
/// definition ranges are exact (a Python definition starts at its first decorator).
#[tokio::test]
async fn the_local_index_points_file_only_citations_at_the_named_symbol() {
    let ws = sample_workspace();
    std::fs::write(
        ws.path().join("app/views.py"),
        "import functools\n\n\ndef helper():\n    return 1\n\n\n@functools.lru_cache(maxsize=None)\n@functools.wraps(helper)\ndef login_view(request):\n    return helper()\n",
    )
    .unwrap();
    let config = FakeConfig::new()
        .answer_text("Logins are served by `login_view` in app/views.py.")
        .ready_after(1);
    let fake = config.start().await;
    let cache = tempfile::tempdir().unwrap();
    let client = support::lsp_client::in_process(support::env(cache.path()));
    client.initialize(&[ws.path()], options(&fake)).await;
    client.wait_status("ready").await;
    // The index is built in the background next to the parse; ask until it is used (bounded).
    let want = (7u64, 10u64); // 0-based lines of the decorated definition
    let mut got = None;
    for _ in 0..50 {
        let answer = client
            .execute(
                "potpie.ask",
                json!({"question": "Where are logins served?"}),
            )
            .await
            .unwrap();
        let c = &answer["citations"][0];
        got = Some((
            c["range"]["start"]["line"].as_u64().unwrap(),
            c["range"]["end"]["line"].as_u64().unwrap(),
        ));
        if got == Some(want) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(got, Some(want));
    client.shutdown().await;
}
