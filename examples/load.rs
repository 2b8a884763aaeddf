//! Load: the real `potpie-lsp` binary with 5 workspace folders, against the fake Potpie on
//! 127.0.0.1. Rounds of 50 concurrent questions (10 per folder) run while a second loop sends
//! `textDocument/codeAction` requests and times each round trip. Before and after, the
//! server's VmRSS, thread count and open file descriptors are read from /proc, and the fake's
//! open streams are counted, to show that nothing leaks once the questions are done.
//!
//! ```text
//! cargo build --release --bin potpie-lsp --example load
//! target/release/examples/load [--rounds 3] [--questions 50] [--bin target/release/potpie-lsp]
//! ```
//!
//! Everything stays on this machine; request loops are bounded in count and time.

// Its output is the report.
#![allow(clippy::print_stdout)]

use potpie_test_support::{fake_potpie, lsp_client};

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fake_potpie::{FAKE_KEY, FakeConfig};
use lsp_client::{TestClient, file_uri};
use serde_json::{Value, json};

const FOLDERS: usize = 5;

struct Args {
    rounds: usize,
    questions: usize,
    bin: PathBuf,
}

fn args() -> Args {
    let mut out = Args {
        rounds: 3,
        questions: 50,
        bin: std::env::current_exe()
            .ok()
            .and_then(|p| Some(p.parent()?.parent()?.join("potpie-lsp")))
            .unwrap_or_else(|| PathBuf::from("potpie-lsp")),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--rounds" => out.rounds = value.parse().unwrap_or(out.rounds),
            "--questions" => out.questions = value.parse().unwrap_or(out.questions),
            "--bin" => out.bin = PathBuf::from(value),
            other => {
                eprintln!("load: unknown flag {other}");
                std::process::exit(2);
            }
        }
    }
    out
}

/// One workspace folder: a few source files and its own git remote.
fn workspace(i: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    w(
        "src/auth.rs",
        "//! Authentication.\n\n/// Checks a password.\npub fn verify_password(user: &str, password: &str) -> bool {\n    // potpie: why is this compared here?\n    user.len() == password.len()\n}\n",
    );
    for k in 0..20 {
        w(
            &format!("src/mod{k}.rs"),
            &format!("pub fn f{k}(x: u32) -> u32 {{\n    x + {k}\n}}\n"),
        );
    }
    w(".git/HEAD", "ref: refs/heads/main\n");
    w(
        ".git/config",
        &format!("[remote \"origin\"]\n\turl = https://github.com/load/ws{i}.git\n"),
    );
    dir
}

#[derive(Debug, Clone, Copy)]
struct Proc {
    rss_kb: u64,
    threads: u64,
    fds: usize,
}

fn proc_stats(pid: u32) -> Proc {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    Proc {
        rss_kb: field("VmRSS:"),
        threads: field("Threads:"),
        fds,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn ask_round(client: &Arc<TestClient>, roots: &[PathBuf], n: usize) -> (usize, usize) {
    let mut tasks = Vec::new();
    for q in 0..n {
        let client = client.clone();
        let uri = file_uri(&roots[q % roots.len()].join("src/auth.rs"));
        tasks.push(tokio::spawn(async move {
            client
                .request(
                    "workspace/executeCommand",
                    json!({"command": "potpie.ask", "arguments": [{"question": format!("question {q}: how are passwords checked?"), "uri": uri}]}),
                )
                .await
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        match t.await {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                failed += 1;
                let m = e["message"].as_str().unwrap_or("");
                // A clean failure is one line for the user.
                assert!(!m.is_empty() && !m.contains('\n'), "unclean failure: {e}");
            }
            Err(e) => panic!("client task failed: {e}"),
        }
    }
    (ok, failed)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    if !args.bin.exists() {
        eprintln!(
            "load: no server binary at {} (build it with `cargo build --release --bin potpie-lsp`, or pass --bin)",
            args.bin.display()
        );
        std::process::exit(2);
    }
    let fake = FakeConfig::new()
        .ready_after(1)
        .answer_text(&format!(
            "Passwords are checked by `verify_password` in `src/auth.rs:4-7`. {}",
            "More words about the code and `src/mod3.rs`. ".repeat(40)
        ))
        .delta_chars(64)
        .chunk_delay(Duration::from_millis(10))
        // On its own thread and runtime: the fake's 50 streams must not share a task queue
        // with the client that times the code actions, or the figure measures the load
        // generator instead of the server.
        .spawn();
    let dirs: Vec<tempfile::TempDir> = (0..FOLDERS).map(workspace).collect();
    let roots: Vec<PathBuf> = dirs
        .iter()
        .map(|d| std::fs::canonicalize(d.path()).expect("canonical"))
        .collect();
    let cache = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new(&args.bin)
        .env("POTPIE_LSP_CACHE_DIR", cache.path())
        .env_remove("POTPIE_API_KEY")
        .env("POTPIE_LSP_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the server");
    let pid = child.id().expect("pid");
    let client = Arc::new(TestClient::over(
        child.stdout.take().expect("stdout"),
        child.stdin.take().expect("stdin"),
    ));
    let root_refs: Vec<&Path> = roots.iter().map(PathBuf::as_path).collect();
    client
        .initialize(
            &root_refs,
            json!({"apiKey": FAKE_KEY, "baseUrl": fake.url(), "openAnswers": false}),
        )
        .await;
    // All folders parsed.
    client
        .wait_for("every folder ready", |_| {
            client
                .notifications("potpie/status")
                .iter()
                .filter(|s| s["state"] == "ready")
                .count()
                >= FOLDERS
        })
        .await;
    let doc = roots[0].join("src/auth.rs");
    let doc_uri = file_uri(&doc);
    client
        .notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": doc_uri, "languageId": "rust", "version": 1, "text": std::fs::read_to_string(&doc).expect("read")}}),
        )
        .await;

    // Warm-up: one small round so that lazy allocations (conversations, indexes, TLS-free
    // HTTP pools) exist before the baseline is taken.
    let (ok, failed) = ask_round(&client, &roots, FOLDERS * 2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = proc_stats(pid);
    println!(
        "warm-up: {ok} ok, {failed} failed; baseline VmRSS {} kB, {} threads, {} fds",
        baseline.rss_kb, baseline.threads, baseline.fds
    );

    let mut all_latencies: Vec<Duration> = Vec::new();
    let mut peak_rss = baseline.rss_kb;
    let mut after = baseline;
    for round in 1..=args.rounds {
        let running = Arc::new(AtomicBool::new(true));
        // The code-action loop: one request at a time, as an editor sends them while typing.
        let probe = {
            let client = client.clone();
            let running = running.clone();
            let uri = doc_uri.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let deadline = Instant::now() + Duration::from_secs(120);
                while running.load(Ordering::SeqCst) && Instant::now() < deadline {
                    let t = Instant::now();
                    let r = client
                        .request(
                            "textDocument/codeAction",
                            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 4, "character": 8}, "end": {"line": 5, "character": 0}}, "context": {"diagnostics": []}}),
                        )
                        .await;
                    lat.push(t.elapsed());
                    assert!(r.is_ok(), "codeAction failed: {r:?}");
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                lat
            })
        };
        let sampler = {
            let running = running.clone();
            tokio::spawn(async move {
                let mut peak = 0;
                while running.load(Ordering::SeqCst) {
                    peak = peak.max(proc_stats(pid).rss_kb);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                peak
            })
        };
        let started = Instant::now();
        let (ok, failed) = ask_round(&client, &roots, args.questions).await;
        let took = started.elapsed();
        running.store(false, Ordering::SeqCst);
        let mut lat = probe.await.expect("probe");
        peak_rss = peak_rss.max(sampler.await.expect("sampler"));
        lat.sort();
        // Let spawned work (stops, hint publishing, answer files) settle.
        tokio::time::sleep(Duration::from_secs(2)).await;
        after = proc_stats(pid);
        println!(
            "round {round}: {ok} ok, {failed} failed in {took:.2?}; codeAction n={} p50={:.2?} p99={:.2?} max={:.2?}; after: VmRSS {} kB, {} threads, {} fds; fake open streams {}",
            lat.len(),
            percentile(&lat, 0.50),
            percentile(&lat, 0.99),
            lat.last().copied().unwrap_or_default(),
            after.rss_kb,
            after.threads,
            after.fds,
            fake.open_streams(),
        );
        all_latencies.extend(lat);
    }
    all_latencies.sort();
    // Idle blocking-pool threads (answer files, citations) exit after tokio's 10 s keep-alive;
    // what is left after that is what the finished questions still hold.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let idle = proc_stats(pid);
    println!(
        "idle 12 s later: VmRSS {} kB, {} threads, {} fds; fake open streams {}",
        idle.rss_kb,
        idle.threads,
        idle.fds,
        fake.open_streams()
    );
    let status: Value = client
        .execute("potpie.status", json!({}))
        .await
        .unwrap_or(Value::Null);
    println!(
        "SUMMARY rounds={} questions/round={} folders={FOLDERS}: VmRSS before={} kB after-last-round={} kB idle={} kB (delta {:+} kB, peak {} kB); threads {}->{}->{}; fds {}->{}; codeAction n={} p50={:.2?} p99={:.2?} max={:.2?}; status={}",
        args.rounds,
        args.questions,
        baseline.rss_kb,
        after.rss_kb,
        idle.rss_kb,
        idle.rss_kb as i64 - baseline.rss_kb as i64,
        peak_rss,
        baseline.threads,
        after.threads,
        idle.threads,
        baseline.fds,
        idle.fds,
        all_latencies.len(),
        percentile(&all_latencies, 0.50),
        percentile(&all_latencies, 0.99),
        all_latencies.last().copied().unwrap_or_default(),
        status["state"],
    );
    client.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
}
