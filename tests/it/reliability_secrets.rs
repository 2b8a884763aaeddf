//! Secrets: the real binary at `POTPIE_LSP_LOG=trace`, taken through parse, ask, errors, a
//! cancel and shutdown, with the key given by init options and by the environment. Every byte
//! it wrote (stdout, stderr, answer files, the cache folder) is searched for the key. And the
//! key goes to no host but the configured base URL: not to the LLM endpoint, not through a
//! redirect to another origin.

use crate::support;
use crate::support::reliability as reliability_support;

use std::time::Duration;

use reliability_support::{Launch, Server, all_files, contains, eventually, stub};
use serde_json::{Value, json};
use support::fake_potpie::{FakeConfig, FakePotpie, Forced, Route};

/// A key no other test uses, so any occurrence is a leak.
const KEY: &str = "sk-5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e7abcd";
const LLM_KEY: &str = "sk-11111111111111111111111111111111111111111111111111111111llmkey";

fn fake_config() -> FakeConfig {
    FakeConfig::new()
        .key(KEY)
        .ready_after(2)
        .answer_text("Passwords are checked by `verify_password` in `src/auth.rs:4-7`.")
}

/// Asks, fails in several ways (one of which quotes the key back), cancels, re-parses.
async fn exercise(server: &Server, fake: &FakePotpie) {
    server.client.wait_status("ready").await;
    server
        .client
        .execute(
            "potpie.ask",
            json!({"question": "How are passwords checked?"}),
        )
        .await
        .expect("an answer");
    let echo = format!("the key {KEY} is not valid here");
    for forced in [
        Forced::detail(401, "Invalid API key"),
        Forced::detail(500, &echo),
        Forced::plain(500, &echo),
        Forced::json(
            422,
            json!({"detail": [{"type": "x", "loc": ["header", "x-api-key"], "msg": echo, "input": KEY}]}),
        ),
        Forced::detail(403, &echo),
        Forced::detail(400, &echo),
    ] {
        fake.force(Route::Message, forced.times(1));
        let e = server
            .client
            .execute("potpie.ask", json!({"question": "q"}))
            .await
            .expect_err("fails");
        assert!(!e.to_string().contains(KEY), "{e}");
    }
    // A cancelled question (the run is stopped on the service with /stop).
    fake.update(|c| {
        c.answer.text = "slow words ".repeat(100);
        c.answer.delta_chars = 5;
        c.answer.chunk_delay = Duration::from_millis(30);
    });
    let chunks_before = server.client.notifications("potpie/answerChunk").len();
    let (id, response) = server
        .client
        .start_request(
            "workspace/executeCommand",
            json!({"command": "potpie.ask", "arguments": [{"question": "slow"}]}),
        )
        .await;
    // Cancel once this question's answer is streaming (the run exists on the service).
    assert!(
        eventually(Duration::from_secs(10), || server
            .client
            .notifications("potpie/answerChunk")
            .len()
            > chunks_before + 2)
        .await
    );
    server
        .client
        .notify("$/cancelRequest", json!({"id": id}))
        .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), response).await;
    assert!(eventually(Duration::from_secs(10), || fake.count(Route::Stop) >= 1).await);
    // Re-parse, and a parse that is refused.
    fake.force(
        Route::Parse,
        Forced::detail(401, "Invalid API key").times(1),
    );
    let _ = server.client.execute("potpie.reparse", json!({})).await;
    let _ = server.client.execute("potpie.status", json!({})).await;
}

/// Stops the server and searches everything it wrote for `secrets`.
async fn assert_nothing_leaked(server: Server, secrets: &[&str], answered: bool) {
    let mut server = server;
    server.client.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), server.child.wait()).await;
    // Let the stderr reader drain.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stdout = server.stdout.lock().unwrap().clone();
    let stderr = server.stderr.lock().unwrap().clone();
    // The log level really was the most verbose one.
    assert!(
        stderr.len() > 500 && (contains(&stderr, "TRACE") || contains(&stderr, "DEBUG")),
        "trace logging produced {} bytes",
        stderr.len()
    );
    assert!(!stdout.is_empty());
    let mut files = all_files(server.cache.path());
    files.extend(all_files(server.ws.path()));
    if answered {
        assert!(
            files
                .iter()
                .any(|(p, _)| p.extension().is_some_and(|e| e == "md")),
            "an answer file was written"
        );
    }
    for secret in secrets {
        assert!(!contains(&stdout, secret), "key in stdout");
        if contains(&stderr, secret) {
            let text = String::from_utf8_lossy(&stderr);
            let line = text.lines().find(|l| l.contains(secret)).unwrap_or("");
            panic!("key in stderr: {line}");
        }
        for (p, bytes) in &files {
            assert!(!contains(bytes, secret), "key in {}", p.display());
        }
    }
    eprintln!(
        "SECRETS: searched {} bytes of stdout, {} bytes of stderr, {} files",
        stdout.len(),
        stderr.len(),
        files.len()
    );
}

fn key_only_in_headers_to_the_fake(fake: &FakePotpie) {
    let requests = fake.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.header("x-api-key"), Some(KEY));
        let body: Value = r.json().unwrap_or(Value::Null);
        assert!(!body.to_string().contains(KEY), "key in a request body");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_from_init_options_never_leaks_at_trace_level() {
    let fake = fake_config().start().await;
    let server = Launch::new(json!({"apiKey": KEY, "baseUrl": fake.url()}))
        .log("trace")
        .start()
        .await;
    exercise(&server, &fake).await;
    key_only_in_headers_to_the_fake(&fake);
    assert_nothing_leaked(server, &[KEY], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_from_env_never_leaks_at_trace_level() {
    let fake = fake_config().start().await;
    let server = Launch::new(json!({}))
        .env("POTPIE_API_KEY", KEY)
        .env("POTPIE_BASE_URL", &fake.url())
        .log("trace")
        .start()
        .await;
    exercise(&server, &fake).await;
    key_only_in_headers_to_the_fake(&fake);
    assert_nothing_leaked(server, &[KEY], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_key_never_leaks_either() {
    // The fake accepts another key: every request is a 401.
    let fake = FakeConfig::new().ready_after(1).start().await;
    let server = Launch::new(json!({"apiKey": KEY, "baseUrl": fake.url()}))
        .log("trace")
        .start()
        .await;
    let status = server.client.wait_status("error").await;
    assert!(!status.to_string().contains(KEY));
    let e = server
        .client
        .execute("potpie.ask", json!({"question": "q"}))
        .await
        .expect_err("401");
    assert!(!e.to_string().contains(KEY));
    assert_nothing_leaked(server, &[KEY], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_llm_endpoint_gets_only_its_own_key() {
    let fake = fake_config().start().await;
    let reply = json!({"choices": [{"message": {"role": "assistant", "content": "It is `verify_password` in src/auth.rs:4-7."}}]});
    let llm = stub(200, reply.to_string(), String::new()).await;
    let server = Launch::new(json!({
        "backend": "local",
        "apiKey": KEY,
        "baseUrl": fake.url(),
        "llm": {"baseUrl": llm.url, "model": "test-model", "apiKey": LLM_KEY},
    }))
    .log("trace")
    .start()
    .await;
    server.client.wait_status("ready").await;
    server
        .client
        .execute(
            "potpie.ask",
            json!({"question": "How are passwords checked?"}),
        )
        .await
        .expect("an answer");
    let seen = llm.requests.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the LLM endpoint was asked");
    for r in &seen {
        assert!(!r.contains(KEY), "the Potpie key went to the LLM endpoint");
        assert!(
            r.to_ascii_lowercase().contains(&format!(
                "authorization: bearer {}",
                LLM_KEY.to_ascii_lowercase()
            )),
            "{r}"
        );
    }
    // The local backend never talks to Potpie.
    assert!(fake.requests().is_empty());
    assert_nothing_leaked(server, &[KEY, LLM_KEY], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_origin_does_not_carry_the_key() {
    // Another origin on this machine, that records what it gets.
    let elsewhere = stub(
        200,
        json!({"project_id": "p1", "status": "ready"}).to_string(),
        String::new(),
    )
    .await;
    let fake = fake_config().start().await;
    for route in [Route::Parse, Route::ParsingStatus] {
        let path = match route {
            Route::Parse => "/api/v2/parse",
            _ => "/api/v2/parsing-status/p1",
        };
        for status in [307u16, 308, 302, 301] {
            fake.force(
                route,
                Forced::detail(status, "moved")
                    .header("location", &format!("{}{path}", elsewhere.url))
                    .times(1),
            );
        }
    }
    let server = Launch::new(json!({"apiKey": KEY, "baseUrl": fake.url()}))
        .log("trace")
        .start()
        .await;
    // Whatever the outcome, give the server time to follow anything it would follow.
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        server.client.wait_for("a final status", |m| {
            m["method"] == "potpie/status"
                && (m["params"]["state"] == "error" || m["params"]["state"] == "ready")
        }),
    )
    .await;
    let _ = server.client.execute("potpie.status", json!({})).await;
    let seen = elsewhere.requests.lock().unwrap().clone();
    for r in &seen {
        assert!(
            !r.contains(KEY),
            "the key followed a redirect to another origin:\n{r}"
        );
    }
    assert_nothing_leaked(server, &[KEY], false).await;
}
