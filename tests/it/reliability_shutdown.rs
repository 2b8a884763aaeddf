//! Shutdown: `shutdown` then `exit` ends the real process within 1 s even with questions in
//! flight; a closed stdin ends it too; no answer file is ever left half-written (answers are
//! written to a temporary file and renamed).

use crate::support;
use crate::support::reliability as reliability_support;

use std::time::{Duration, Instant};

use reliability_support::{Launch, Server, all_files};
use serde_json::{Value, json};
use support::fake_potpie::{FAKE_KEY, FakeConfig, FakePotpie};

const LIMIT: Duration = Duration::from_secs(1);

async fn busy_server(questions: usize) -> (FakePotpie, Server, tempfile::TempDir) {
    let fake = FakeConfig::new()
        .ready_after(1)
        .tool_calls(vec![])
        .answer_text(&"slow words about `src/auth.rs:4` ".repeat(400))
        .delta_chars(40)
        .chunk_delay(Duration::from_millis(20))
        .start()
        .await;
    let answers = tempfile::tempdir().unwrap();
    let server = Launch::new(
        json!({"apiKey": FAKE_KEY, "baseUrl": fake.url(), "answersDir": answers.path()}),
    )
    .start()
    .await;
    server.client.wait_status("ready").await;
    for i in 0..questions {
        // Responses are never awaited: the questions are in flight when the server stops.
        let _ = server
            .client
            .start_request(
                "workspace/executeCommand",
                json!({"command": "potpie.ask", "arguments": [{"question": format!("question {i}")}]}),
            )
            .await;
    }
    server
        .client
        .wait_for("answers streaming", |m| m["method"] == "potpie/answerChunk")
        .await;
    (fake, server, answers)
}

/// Every `answer-*.md` present is whole: it ends like a complete answer file does.
fn assert_no_half_written_answer(dir: &std::path::Path) -> usize {
    let mut whole = 0;
    for (p, bytes) in all_files(dir) {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("answer-") && name.ends_with(".md") {
            let text = String::from_utf8(bytes).expect("an answer file is UTF-8");
            assert!(text.starts_with("# "), "{name}");
            assert!(text.ends_with('\n'), "{name} is cut short");
            whole += 1;
        } else {
            // Only the server's own temporary files may be left by a kill mid-write.
            assert!(
                name.starts_with(".answer-") && name.ends_with(".md.tmp"),
                "{name}"
            );
        }
    }
    whole
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_then_exit_ends_the_process_within_1_s_with_questions_in_flight() {
    let (_fake, mut server, answers) = busy_server(5).await;
    let started = Instant::now();
    let reply = server.client.request_raw("shutdown", Value::Null).await;
    assert!(reply.get("error").is_none(), "{reply}");
    server.client.notify("exit", Value::Null).await;
    let status = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .expect("the process ends")
        .unwrap();
    let took = started.elapsed();
    eprintln!("SHUTDOWN shutdown+exit with 5 questions in flight: {took:?} ({status})");
    assert!(took < LIMIT, "{took:?}");
    assert!(status.success(), "{status}");
    assert_no_half_written_answer(answers.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdin_ends_the_process_within_1_s_with_questions_in_flight() {
    let (_fake, server, answers) = busy_server(5).await;
    let mut server = server;
    let started = Instant::now();
    // The editor went away without a word.
    server.stdin.close();
    let status = tokio::time::timeout(Duration::from_secs(10), server.child.wait())
        .await
        .expect("the process ends")
        .unwrap();
    let took = started.elapsed();
    eprintln!("SHUTDOWN closed stdin with 5 questions in flight: {took:?} ({status})");
    assert!(took < LIMIT, "{took:?}");
    assert_no_half_written_answer(answers.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_while_answer_files_are_being_written_leaves_none_half_written() {
    // Several 300 kB answers finishing close together; `exit` (without `shutdown`) as soon as
    // the first file appears, while the others are mid-write. Each file present is whole.
    let mut total_whole = 0;
    for round in 0..4 {
        let fake = FakeConfig::new()
            .ready_after(1)
            .tool_calls(vec![])
            .huge_answer(300_000)
            .start()
            .await;
        let answers = tempfile::tempdir().unwrap();
        let mut server = Launch::new(json!({"apiKey": FAKE_KEY, "baseUrl": fake.url(), "answersDir": answers.path(), "openAnswers": false}))
            .start()
            .await;
        server.client.wait_status("ready").await;
        for i in 0..6 {
            let _ = server
                .client
                .start_request(
                    "workspace/executeCommand",
                    json!({"command": "potpie.ask", "arguments": [{"question": format!("q{i}")}]}),
                )
                .await;
        }
        let dir = answers.path().to_path_buf();
        let any_file = || {
            all_files(&dir).iter().any(|(p, _)| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("answer-"))
            })
        };
        assert!(reliability_support::eventually(Duration::from_secs(120), any_file).await);
        server.client.notify("exit", Value::Null).await;
        let _ = tokio::time::timeout(Duration::from_secs(10), server.child.wait()).await;
        let whole = assert_no_half_written_answer(answers.path());
        eprintln!(
            "SHUTDOWN round {round}: exit right after the first of 6 answer files: {whole} whole files, none partial"
        );
        total_whole += whole;
    }
    assert!(total_whole >= 4);
}
