//! Answers from the first second, through the real server:
//! `cargo bench --bench first_answer -- DIR [QUESTION …]`.
//!
//! Starts `potpie-lsp` over stdio with an empty cache, opens DIR as its only workspace folder
//! and asks at once. Prints how long after the start the first answer came and whether it was
//! partial (index still building), when the index was ready, the server's peak RSS, and the
//! latency of questions asked once it is ready (p50/p95 over three rounds, LSP round trip
//! included). Run it on a large folder (a million lines) to see the partial answer.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use potpie_test_support::lsp_client::TestClient;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_potpie-lsp");

const QUESTIONS: &[&str] = &[
    "Where is the configuration loaded?",
    "How are errors handled and reported?",
    "How does the cache work?",
    "How are requests parsed?",
    "What happens when a timeout expires?",
    "How are tasks scheduled?",
];

fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn first_line(answer: &Value) -> String {
    answer["markdown"]
        .as_str()
        .unwrap_or("")
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(100)
        .collect()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(dir) = args.first().map(std::path::PathBuf::from) else {
        eprintln!("usage: cargo bench --bench first_answer -- DIR [QUESTION …]");
        return;
    };
    let questions: Vec<String> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        QUESTIONS.iter().map(|q| q.to_string()).collect()
    };
    let cache = tempfile::tempdir().expect("cache dir");

    let t0 = Instant::now();
    let mut child = tokio::process::Command::new(BIN)
        .env("POTPIE_LSP_CACHE_DIR", cache.path())
        .env_remove("POTPIE_API_KEY")
        .env(
            "POTPIE_LSP_LOG",
            std::env::var("POTPIE_LSP_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(
            std::fs::File::create(std::env::temp_dir().join("first_answer.stderr"))
                .map_or_else(|_| Stdio::null(), Stdio::from),
        )
        .kill_on_drop(true)
        .spawn()
        .expect("spawn potpie-lsp");
    let pid = child.id().unwrap_or(0);
    let client = TestClient::over(
        child.stdout.take().expect("stdout"),
        child.stdin.take().expect("stdin"),
    );
    client
        .initialize(&[dir.as_path()], json!({"backend": "local"}))
        .await;
    let first = client
        .execute("potpie.ask", json!({"question": questions[0]}))
        .await;
    let t_first = t0.elapsed();
    let first = first.unwrap_or_else(|e| json!({"markdown": format!("error: {e}")}));
    let n_cited = first["citations"].as_array().map_or(0, Vec::len);

    // Wait for the index (polling: a large folder takes longer than the client's own timeout).
    let deadline = Instant::now() + Duration::from_secs(900);
    let ready = loop {
        let done = client
            .notifications("potpie/status")
            .into_iter()
            .find(|s| s["state"] == "ready" || s["state"] == "error");
        if let Some(s) = done {
            break s;
        }
        if Instant::now() > deadline {
            eprintln!("the index was not ready after 15 minutes");
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let t_ready = t0.elapsed();
    let peak_kb = status_kb(pid, "VmHWM:");

    let mut lat = Vec::new();
    for _ in 0..3 {
        for q in &questions {
            let t = Instant::now();
            let r = client.execute("potpie.ask", json!({"question": q})).await;
            lat.push(t.elapsed());
            assert!(r.is_ok(), "{r:?}");
        }
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    let rss_kb = status_kb(pid, "VmRSS:");
    client.shutdown().await;

    println!("folder        {}", dir.display());
    println!(
        "first answer  {:.2} s after the server started ({} citations): {}",
        t_first.as_secs_f64(),
        n_cited,
        first_line(&first)
    );
    println!(
        "index ready   {:.2} s after the server started: {}",
        t_ready.as_secs_f64(),
        ready["message"].as_str().unwrap_or("")
    );
    println!(
        "memory        peak RSS {:.0} MB, RSS when ready and asked {:.0} MB",
        peak_kb as f64 / 1024.0,
        rss_kb as f64 / 1024.0
    );
    println!(
        "questions     p50 {:.1} ms  p95 {:.1} ms  ({} questions x3 through the server)",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        questions.len()
    );
}
