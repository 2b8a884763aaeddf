//! LSP responsiveness of the real binary over stdio, against the fake Potpie server:
//!
//! - time to answer `initialize` (process already running, and including process start);
//! - time from a stream write by the service to the matching `potpie/answerChunk`;
//! - `textDocument/codeAction` p50/p99 while 5 slow questions are in flight;
//! - `$/cancelRequest` latency for a running question;
//! - idle RSS after initialization (local engine ready, and Potpie backend ready).
//!
//! Run: `cargo bench --bench lsp` (prints a table; asserts nothing).

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use potpie_test_support as support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use support::fake_potpie::{FakeConfig, FakePotpie};
use support::lsp_client::{TestClient, file_uri, sample_workspace};

const BIN: &str = env!("CARGO_BIN_EXE_potpie-lsp");

struct Server {
    child: tokio::process::Child,
    client: TestClient,
}

fn spawn(cache: &std::path::Path) -> Server {
    let mut child = tokio::process::Command::new(BIN)
        .env("POTPIE_LSP_CACHE_DIR", cache)
        .env_remove("POTPIE_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn potpie-lsp");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    Server {
        client: TestClient::over(stdout, stdin),
        child,
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

async fn potpie_server(fake: &FakePotpie, ws: &std::path::Path, cache: &std::path::Path) -> Server {
    let s = spawn(cache);
    s.client
        .initialize(
            &[ws],
            json!({"apiKey": fake.key(), "baseUrl": fake.url(), "openAnswers": false}),
        )
        .await;
    s.client.wait_status("ready").await;
    s
}

#[tokio::main]
async fn main() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();

    // --- initialize --------------------------------------------------------------------
    let mut with_start = Vec::new();
    let mut init_only = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        let s = spawn(cache.path());
        let t1 = Instant::now();
        s.client.initialize(&[ws.path()], json!({})).await;
        let done = Instant::now();
        with_start.push(done - t0);
        init_only.push(done - t1);
        s.client.shutdown().await;
    }
    with_start.sort();
    init_only.sort();

    // --- idle RSS (local engine) --------------------------------------------------------
    let s = spawn(cache.path());
    s.client.initialize(&[ws.path()], json!({})).await;
    s.client.wait_status("ready").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_local = rss_kb(s.child.id().unwrap_or(0));
    s.client.shutdown().await;

    // --- chunk → potpie/answerChunk -------------------------------------------------------
    let fake = FakeConfig::new()
        .answer_text(&"word ".repeat(400))
        .delta_chars(40)
        .chunk_delay(Duration::from_millis(20))
        .ready_after(1)
        .start()
        .await;
    let s = potpie_server(&fake, ws.path(), cache.path()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_potpie = rss_kb(s.child.id().unwrap_or(0));
    let (_, rx) = s
        .client
        .start_request(
            "workspace/executeCommand",
            json!({"command": "potpie.ask", "arguments": [{"question": "q"}]}),
        )
        .await;
    // Record arrival times of chunk notifications as they come.
    let mut arrivals = Vec::new();
    let mut seen = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut rx = rx;
    loop {
        let n = s.client.notifications("potpie/answerChunk").len();
        let now = Instant::now();
        for _ in seen..n {
            arrivals.push(now);
        }
        seen = n;
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_micros(200), &mut rx).await {
            break;
        }
        if now > deadline {
            break;
        }
    }
    let writes = fake.stream_write_times();
    let mut chunk_latency: Vec<Duration> = arrivals
        .iter()
        .filter_map(|a| writes.iter().filter(|w| *w <= a).max().map(|w| *a - *w))
        .collect();
    chunk_latency.sort();
    s.client.shutdown().await;
    drop(fake);

    // --- codeAction while 5 slow questions run; cancel latency ---------------------------
    let fake = FakeConfig::new()
        .answer_text(&"slow ".repeat(2000))
        .delta_chars(10)
        .chunk_delay(Duration::from_millis(10))
        .ready_after(1)
        .start()
        .await;
    let s = potpie_server(&fake, ws.path(), cache.path()).await;
    let uri = file_uri(&ws.path().join("src/server.rs"));
    let text = std::fs::read_to_string(ws.path().join("src/server.rs")).unwrap();
    s.client
        .notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": text}}),
        )
        .await;
    let mut inflight = Vec::new();
    for i in 0..5 {
        inflight.push(
            s.client
                .start_request("workspace/executeCommand", json!({"command": "potpie.ask", "arguments": [{"question": format!("slow {i}")}]}))
                .await,
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut action = Vec::new();
    for i in 0..1000u32 {
        let line = i % 6;
        let t = Instant::now();
        let r = s
            .client
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": {"start": {"line": line, "character": 2}, "end": {"line": line + 1, "character": 0}}, "context": {"diagnostics": []}}),
            )
            .await;
        action.push(t.elapsed());
        assert!(r.is_ok());
    }
    action.sort();
    let still_running = s.client.notifications("potpie/answerChunk").len();
    let mut cancel = Vec::new();
    for (id, rx) in inflight {
        let t = Instant::now();
        s.client.notify("$/cancelRequest", json!({"id": id})).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
        cancel.push(t.elapsed());
    }
    for _ in 0..15 {
        let (id, rx) = s
            .client
            .start_request(
                "workspace/executeCommand",
                json!({"command": "potpie.ask", "arguments": [{"question": "to cancel"}]}),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let t = Instant::now();
        s.client.notify("$/cancelRequest", json!({"id": id})).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
        cancel.push(t.elapsed());
    }
    cancel.sort();
    s.client.shutdown().await;

    println!("potpie-lsp LSP benchmark (real binary over stdio, fake Potpie on 127.0.0.1)");
    println!(
        "initialize response, server already started : p50 {}  p95 {}",
        ms(pct(&init_only, 50.0)),
        ms(pct(&init_only, 95.0))
    );
    println!(
        "initialize response, including process start: p50 {}  p95 {}",
        ms(pct(&with_start, 50.0)),
        ms(pct(&with_start, 95.0))
    );
    println!(
        "stream write → potpie/answerChunk ({} chunks): p50 {}  p99 {}  max {}",
        chunk_latency.len(),
        ms(pct(&chunk_latency, 50.0)),
        ms(pct(&chunk_latency, 99.0)),
        ms(chunk_latency.last().copied().unwrap_or_default())
    );
    println!(
        "codeAction with 5 slow questions in flight ({} requests, {} chunks streamed meanwhile): p50 {}  p99 {}  max {}",
        action.len(),
        still_running,
        ms(pct(&action, 50.0)),
        ms(pct(&action, 99.0)),
        ms(action.last().copied().unwrap_or_default())
    );
    println!(
        "$/cancelRequest → error response ({} questions): p50 {}  p99 {}",
        cancel.len(),
        ms(pct(&cancel, 50.0)),
        ms(pct(&cancel, 99.0))
    );
    println!(
        "idle RSS: local engine ready {} KiB; Potpie backend ready {} KiB",
        rss_local, rss_potpie
    );
}
