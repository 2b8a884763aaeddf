//! The fault matrix, end to end: the real binary over stdio, a `potpie.ask` from the editor,
//! and the fake Potpie breaking in one way per test. Each test checks that the user gets one
//! clear line (no debug dump, no key) within a bound, and that the server answers the next
//! request normally. The messages users see are listed in docs/reliability.md; run with
//! `--nocapture` to print them (`FAULT <name>: <message>`).
//!
//! Timeouts are shrunk with the hidden `POTPIE_LSP_HEADERS_TIMEOUT_MS` /
//! `POTPIE_LSP_READ_TIMEOUT_MS` variables so that a 35 s header wait or a stalled stream is
//! tested in seconds.

use crate::support;
use crate::support::reliability as reliability_support;

use std::time::{Duration, Instant};

use reliability_support::{Launch, Server, assert_user_message, closed_port, eventually};
use serde_json::{Value, json};
use support::fake_potpie::{FAKE_KEY, FakeConfig, FakePotpie, Forced, Route};

fn options(url: &str) -> Value {
    json!({"apiKey": FAKE_KEY, "baseUrl": url})
}

/// A fake that is ready after one poll and answers with plain text in small deltas, no tool
/// calls (so that the first objects after the placeholder are text).
fn base() -> FakeConfig {
    FakeConfig::new()
        .ready_after(1)
        .tool_calls(vec![])
        .delta_chars(8)
        .answer_text("Passwords are checked by `verify_password` in `src/auth.rs:4-7`.")
}

async fn ready(config: FakeConfig, env: &[(&str, &str)]) -> (FakePotpie, Server) {
    let fake = config.start().await;
    let mut launch = Launch::new(options(&fake.url()));
    for (k, v) in env {
        launch = launch.env(k, v);
    }
    let server = launch.start().await;
    server.client.wait_status("ready").await;
    (fake, server)
}

fn report(name: &str, message: &str, took: Duration) {
    eprintln!("FAULT {name} ({took:.1?}): {message}");
}

/// The next question after the fault is answered normally.
async fn next_question_works(server: &Server) {
    let answer = server
        .client
        .execute("potpie.ask", json!({"question": "and now?"}))
        .await
        .expect("the next question is answered");
    assert!(
        answer["markdown"]
            .as_str()
            .unwrap()
            .contains("verify_password")
    );
}

/// `potpie.reparse`, then wait until the workspace reports `ready` again.
async fn reparse_until_ready(server: &Server) {
    server
        .client
        .execute("potpie.reparse", json!({}))
        .await
        .expect("reparse starts");
    assert!(
        eventually(Duration::from_secs(20), || server
            .client
            .notifications("potpie/status")
            .last()
            .is_some_and(|s| s["state"] == "ready"))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = Launch::new(options(&url)).start().await;
    let status = server.client.wait_status("error").await;
    let status_msg = status["message"].as_str().unwrap().to_string();
    assert_user_message(&status_msg, FAKE_KEY);
    assert!(status_msg.contains("127.0.0.1"), "{status_msg}");
    let (message, took) = server.ask_error("q").await;
    report("connection refused", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(message.to_lowercase().contains("refused"), "{message}");
    // Parse is safe to repeat: it was retried with backoff, so this takes seconds, not minutes.
    assert!(took < Duration::from_secs(20), "{took:?}");
    server.still_serves().await;
    // The service comes back on that port: after potpie.reparse the next question answers.
    let _fake = base().port(port).start().await;
    reparse_until_ready(&server).await;
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_after_parsing() {
    let (fake, server) = ready(base(), &[]).await;
    drop(fake);
    let (message, took) = server.ask_error("q").await;
    report("connection refused (mid-session)", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    server.still_serves().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_failure_fails_fast() {
    // `.invalid` never resolves (RFC 2606); the resolver answers without network traffic. The
    // origin comes from the environment, so it is the user's and the key may go there.
    let started = Instant::now();
    let server = Launch::new(json!({"apiKey": FAKE_KEY}))
        .env("POTPIE_BASE_URL", "https://potpie-lsp-test.invalid:8001")
        .start()
        .await;
    let status = server.client.wait_status("error").await;
    let first = started.elapsed();
    let status_msg = status["message"].as_str().unwrap().to_string();
    assert_user_message(&status_msg, FAKE_KEY);
    assert!(
        status_msg.contains("potpie-lsp-test.invalid"),
        "{status_msg}"
    );
    let (message, took) = server.ask_error("q").await;
    report(&format!("dns (status after {first:.1?})"), &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(took < Duration::from_secs(20), "{took:?}");
    server.still_serves().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_failure() {
    // https:// to the fake's plain-HTTP port: the TLS handshake fails.
    let fake = base().start().await;
    let url = format!("https://127.0.0.1:{}", fake.addr().port());
    let server = Launch::new(options(&url)).start().await;
    let status = server.client.wait_status("error").await;
    let status_msg = status["message"].as_str().unwrap().to_string();
    assert_user_message(&status_msg, FAKE_KEY);
    let (message, took) = server.ask_error("q").await;
    report("tls", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(
        message.contains("TLS") || message.to_lowercase().contains("secure"),
        "{message}"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    server.still_serves().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_that_take_35_s_time_out_with_a_clear_message() {
    let (fake, server) = ready(
        base().delay_headers(Route::Message, Duration::from_secs(35)),
        &[("POTPIE_LSP_HEADERS_TIMEOUT_MS", "1500")],
    )
    .await;
    let (message, took) = server.ask_error("q").await;
    report("headers after 35 s (timeout 1.5 s)", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(message.contains("did not start answering"), "{message}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // The message was sent: a timeout waiting for its answer must not send it again.
    assert_eq!(fake.count(Route::Message), 1);
    fake.update(|c| {
        c.header_delay.clear();
    });
    server.still_serves().await;
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_within_the_timeout_are_waited_for() {
    let (fake, server) = ready(
        base().delay_headers(Route::Message, Duration::from_secs(2)),
        &[("POTPIE_LSP_HEADERS_TIMEOUT_MS", "6000")],
    )
    .await;
    next_question_works(&server).await;
    assert_eq!(fake.count(Route::Message), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_stalls_mid_answer() {
    let (fake, server) = ready(
        base().stall_after(3),
        &[("POTPIE_LSP_READ_TIMEOUT_MS", "1500")],
    )
    .await;
    let (message, took) = server.ask_error("q").await;
    report("stall mid-answer (read timeout 1.5 s)", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(message.contains("broke off"), "{message}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Text had streamed: the question is never silently sent again.
    assert_eq!(fake.count(Route::Message), 1);
    // What arrived was streamed to the editor and saved.
    assert!(!server.client.notifications("potpie/answerChunk").is_empty());
    assert!(message.contains("saved in file://"), "{message}");
    fake.update(|c| c.faults.stall_after = None);
    server.still_serves().await;
    next_question_works(&server).await;
    server.stop().await;
}

/// The question's message started one run; the client re-attached to it once (`cursor`,
/// same `session_id`), and when that broke as well it stopped exactly that run.
async fn assert_one_run_reattached_then_stopped(fake: &FakePotpie) {
    let sent = fake.requests_to(Route::Message);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let run = sent[0].query_param("session_id");
    assert!(run.is_some() && sent[0].query_param("cursor").is_none());
    assert_eq!(sent[1].query_param("session_id"), run);
    assert_eq!(sent[1].query_param("cursor").as_deref(), Some("0-0"));
    // The stop goes out in the background, right after the error.
    assert!(
        eventually(Duration::from_secs(10), || fake
            .requests_to(Route::Stop)
            .iter()
            .any(|s| s.query_param("session_id") == run))
        .await,
        "{:?}",
        fake.requests_to(Route::Stop)
    );
    assert!(fake.running().is_empty(), "{:?}", fake.running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset_mid_stream() {
    let (fake, server) = ready(base().reset_after(3), &[]).await;
    let (message, took) = server.ask_error("q").await;
    report("reset mid-stream", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(message.contains("broke off"), "{message}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_one_run_reattached_then_stopped(&fake).await;
    fake.update(|c| c.faults.reset_after = None);
    server.still_serves().await;
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset_before_any_text() {
    let (fake, server) = ready(base().reset_after(1), &[]).await;
    let (message, took) = server.ask_error("q").await;
    report("reset after the placeholder", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(took < Duration::from_secs(10), "{took:?}");
    // The request reached the service (it answered with the placeholder): not sent again,
    // only re-attached to, and the run was stopped when that broke too.
    assert_one_run_reattached_then_stopped(&fake).await;
    fake.update(|c| c.faults.reset_after = None);
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_with_only_the_placeholder() {
    let (fake, server) = ready(base().placeholder_only(), &[]).await;
    let (message, took) = server.ask_error("q").await;
    report("placeholder only", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(
        message.contains("the agent returned no answer")
            || message.contains("The agent returned no answer"),
        "{message}"
    );
    assert_eq!(fake.count(Route::Message), 1);
    fake.update(|c| c.faults.placeholder_only = false);
    server.still_serves().await;
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_object_mid_stream_is_skipped_and_noted() {
    let (fake, server) = ready(base().malformed_after(3), &[]).await;
    let started = Instant::now();
    let answer = server
        .client
        .execute("potpie.ask", json!({"question": "q"}))
        .await
        .expect("the rest of the answer is kept");
    let md = answer["markdown"].as_str().unwrap();
    let note = md.lines().last().unwrap_or_default();
    report(
        "malformed object mid-stream (answer kept, note)",
        note,
        started.elapsed(),
    );
    assert!(md.contains("verify_password"), "{md}");
    assert!(md.contains("could not be read"), "{md}");
    assert_user_message(note, FAKE_KEY);
    assert_eq!(fake.count(Route::Message), 1);
    server.still_serves().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5_mb_answer() {
    let (fake, server) = ready(base().huge_answer(5_000_000), &[]).await;
    let started = Instant::now();
    // The test client's usual 30 s wait is too short for an unoptimised build.
    let (_, response) = server
        .client
        .start_request(
            "workspace/executeCommand",
            json!({"command": "potpie.ask", "arguments": [{"question": "q"}]}),
        )
        .await;
    let reply = tokio::time::timeout(Duration::from_secs(300), response)
        .await
        .expect("a 5 MB answer arrives")
        .unwrap();
    let took = started.elapsed();
    let answer = reply["result"].clone();
    assert!(reply.get("error").is_none(), "{reply}");
    report("5 MB answer (answered)", "-", took);
    assert!(answer["markdown"].as_str().unwrap().len() >= 5_000_000);
    let file = answer["answerUri"]
        .as_str()
        .unwrap()
        .strip_prefix("file://")
        .unwrap()
        .to_string();
    assert!(std::fs::metadata(&file).unwrap().len() >= 5_000_000);
    assert_eq!(fake.count(Route::Message), 1);
    server.still_serves().await;
    server.stop().await;
}

/// One HTTP error on the message route; checks the sentence, that the message was sent once,
/// and that the next question works.
async fn http_error(name: &str, forced: Forced, expect: &str) {
    let (fake, server) = ready(base(), &[]).await;
    fake.force(Route::Message, forced.times(1));
    let (message, took) = server.ask_error("q").await;
    report(name, &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(
        message.to_lowercase().contains(&expect.to_lowercase()),
        "{name}: {message}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(fake.count(Route::Message), 1, "{name}: re-sent");
    server.still_serves().await;
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_401() {
    http_error(
        "401",
        Forced::detail(401, "Invalid API key").header("WWW-Authenticate", "ApiKey"),
        "POTPIE_API_KEY",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_402() {
    http_error("402", Forced::out_of_credits(), "credit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_404() {
    http_error(
        "404",
        Forced::detail(404, "Conversation not found"),
        "not found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_422() {
    http_error(
        "422",
        Forced::json(
            422,
            json!({"detail": [{"type": "missing", "loc": ["body", "content"], "msg": "Field required"}]}),
        ),
        "content",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_500_json() {
    http_error(
        "500 JSON",
        Forced::detail(500, "An internal error occurred."),
        "internal error",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_500_plain_text() {
    http_error(
        "500 plain text",
        Forced::plain(500, "Internal Server Error"),
        "500",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_503() {
    http_error(
        "503",
        Forced::detail(503, "Hatchet agent backend unavailable"),
        "unavailable",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_of_safe_requests_are_retried() {
    // Parsing-status is a GET: two 503s and a reset connection are retried with backoff and
    // the workspace still becomes ready.
    let fake = base()
        .ready_after(2)
        .force(Route::ParsingStatus, Forced::detail(503, "busy").times(2))
        .force(Route::Parse, Forced::plain(502, "Bad Gateway").times(1))
        .start()
        .await;
    let started = Instant::now();
    let server = Launch::new(options(&fake.url())).start().await;
    server.client.wait_status("ready").await;
    let took = started.elapsed();
    report(
        "parse 502 once + status 503 twice (retried, ready)",
        "-",
        took,
    );
    assert_eq!(fake.count(Route::Parse), 2);
    assert!(fake.count(Route::ParsingStatus) >= 4);
    // The waits grew: backoff, not a hot loop (first retry delay is 0.5 s with jitter).
    assert!(took >= Duration::from_millis(700), "{took:?}");
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parsing_that_ends_in_error() {
    let fake = base().parse_ends_in_error().start().await;
    let server = Launch::new(options(&fake.url())).start().await;
    let status = server.client.wait_status("error").await;
    let status_msg = status["message"].as_str().unwrap().to_string();
    assert_user_message(&status_msg, FAKE_KEY);
    let (message, took) = server.ask_error("q").await;
    report("parsing ends in error", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(message.contains("potpie.reparse"), "{message}");
    assert_eq!(fake.count(Route::Message), 0);
    server.still_serves().await;
    fake.update(|c| c.final_status = "ready".into());
    reparse_until_ready(&server).await;
    next_question_works(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_deleted_while_a_question_runs() {
    let (fake, server) = ready(base().delete_project_after(1), &[]).await;
    let (message, took) = server.ask_error("q").await;
    report("project deleted mid-question", &message, took);
    assert_user_message(&message, FAKE_KEY);
    assert!(message.contains("potpie.reparse"), "{message}");
    assert!(message.contains("no longer exists"), "{message}");
    assert_eq!(fake.count(Route::Message), 1);
    let status = server.still_serves().await;
    assert_eq!(status["state"], "error", "{status}");
    // Re-parsing brings it back.
    fake.update(|c| c.faults.delete_project_after = None);
    server
        .client
        .execute("potpie.reparse", json!({}))
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(20), || server
            .client
            .notifications("potpie/status")
            .last()
            .is_some_and(|s| s["state"] == "ready"))
        .await
    );
    next_question_works(&server).await;
    server.stop().await;
}
