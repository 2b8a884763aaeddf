//! The real binary: LSP over stdio, and the CLI.

use crate::support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use support::lsp_client::{TestClient, sample_workspace};

const BIN: &str = env!("CARGO_BIN_EXE_potpie-lsp");

#[tokio::test]
async fn serves_lsp_over_stdio_and_exits_promptly() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(BIN)
        .env("POTPIE_LSP_CACHE_DIR", cache.path())
        .env_remove("POTPIE_API_KEY")
        .env("POTPIE_LSP_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let client = TestClient::over(stdout, stdin);
    let shutdown_took = ask_then_exit(&client, &mut child, ws.path()).await;
    assert!(
        shutdown_took < Duration::from_secs(3),
        "took {shutdown_took:?}"
    );
}

/// Initializes, asks one question of the local engine, shuts down; returns how long the
/// process took to exit after `shutdown`.
async fn ask_then_exit(
    client: &TestClient,
    child: &mut tokio::process::Child,
    root: &std::path::Path,
) -> Duration {
    client.initialize(&[root], json!({})).await;
    client.wait_status("ready").await;
    let answer = client
        .execute(
            "potpie.ask",
            json!({"question": "How are application settings loaded?"}),
        )
        .await
        .unwrap();
    assert_eq!(answer["backend"], "local");
    assert!(answer["markdown"].as_str().unwrap().len() > 10);
    let started = Instant::now();
    client.shutdown().await;
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("the server exits after exit")
        .unwrap();
    assert!(status.success());
    started.elapsed()
}

/// VS Code and Neovim (libuv) connect with socket pairs, which the server reads and writes
/// through the event loop, as it does pipes (the other tests).
#[tokio::test]
async fn serves_lsp_over_a_socket_pair_as_neovim_connects() {
    use std::os::fd::OwnedFd;
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let theirs_out = theirs.try_clone().unwrap();
    let mut child = tokio::process::Command::new(BIN)
        .env("POTPIE_LSP_CACHE_DIR", cache.path())
        .env_remove("POTPIE_API_KEY")
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::from(OwnedFd::from(theirs_out)))
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    ours.set_nonblocking(true).unwrap();
    let (read, write) = tokio::net::UnixStream::from_std(ours).unwrap().into_split();
    let client = TestClient::over(read, write);
    ask_then_exit(&client, &mut child, ws.path()).await;
}

/// Standard output that is neither a pipe nor a socket (a file here, a terminal by hand) is
/// written through tokio's blocking `stdout()` instead, and must work the same.
#[test]
fn serves_lsp_to_a_file_on_stdout() {
    use std::io::Write;
    use std::os::fd::OwnedFd;
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.txt");
    let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut child = std::process::Command::new(BIN)
        .env("POTPIE_LSP_CACHE_DIR", dir.path().join("cache"))
        .env_remove("POTPIE_API_KEY")
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut send = |v: serde_json::Value| {
        let body = v.to_string();
        write!(ours, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    };
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    let read_out = || std::fs::read_to_string(&out_path).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !read_out().contains("\"id\":1") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(read_out().contains("capabilities"), "{}", read_out());
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    send(json!({"jsonrpc": "2.0", "method": "exit"}));
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    assert!(
        read_out().contains("\"id\":2"),
        "shutdown answered: {}",
        read_out()
    );
}

/// `potpie-lsp ask --backend local --json --root ROOT ARGS…` run from the cache folder, which
/// must succeed; its JSON answer.
fn ask_local_json(
    root: &std::path::Path,
    cache: &std::path::Path,
    args: &[&str],
) -> serde_json::Value {
    let out = std::process::Command::new(BIN)
        .args(["ask", "--backend", "local", "--json", "--root"])
        .arg(root)
        .args(args)
        .env("POTPIE_LSP_CACHE_DIR", cache)
        .env_remove("POTPIE_API_KEY")
        .current_dir(cache)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn cli_ask_prints_one_json_answer_with_citations() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let v = ask_local_json(
        ws.path(),
        cache.path(),
        &["Where is the password verified?"],
    );
    assert_eq!(v["backend"], "local");
    assert_eq!(v["agent"], "codebase_qna_agent");
    let first = &v["citations"][0];
    assert_eq!(first["path"], "src/auth.rs", "{v}");
    assert!(first["startLine"].as_u64().unwrap() >= 1);
    assert!(first["endLine"].as_u64().unwrap() >= first["startLine"].as_u64().unwrap());
}

#[test]
fn cli_follow_ups_continue_the_last_thread() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let ask = |args: &[&str]| ask_local_json(ws.path(), cache.path(), args);
    let first = ask(&["Where is the password verified?"]);
    let thread = first["threadId"].as_str().unwrap().to_string();
    let follow = ask(&["--thread", "last", "Who calls it?"]);
    assert_eq!(follow["threadId"], thread.as_str());
    assert!(
        follow["markdown"]
            .as_str()
            .unwrap()
            .starts_with("_Following up on `verify_password`._"),
        "{follow}"
    );
    // Asked with the name: the definition and its caller lead.
    let paths: Vec<&str> = follow["citations"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert!(paths.contains(&"src/server.rs"), "{follow}");
    let by_id = ask(&["--thread", &thread, "And what does it return?"]);
    assert_eq!(by_id["threadId"], thread.as_str());
    // An unknown thread: exit 1 with one line that says what to do.
    let out = std::process::Command::new(BIN)
        .args(["ask", "--backend", "local", "--thread", "t-nope", "--root"])
        .arg(ws.path())
        .arg("q")
        .env("POTPIE_LSP_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("potpie.threads") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn cli_index_reports_what_it_found() {
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args(["index", "--json", "--root"])
        .arg(ws.path())
        .env("POTPIE_LSP_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"], 3, "{v}");
    assert!(v["symbols"].as_u64().unwrap() >= 6, "{v}");
    assert_eq!(v["languages"]["rust"], 2, "{v}");
    assert!(v["millis"].is_u64());
}

#[test]
fn cli_failures_exit_1_with_one_line_and_bad_usage_exits_2() {
    let out = std::process::Command::new(BIN)
        .args(["ask", "--backend", "potpie", "--root", "/", "hi"])
        .env_remove("POTPIE_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("POTPIE_API_KEY"), "{err}");
    let out = std::process::Command::new(BIN)
        .args(["ask"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(BIN)
        .args(["ask", "--root", "/definitely/not/here", "q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn cli_ask_against_potpie_streams_the_same_answer_and_citations() {
    use support::fake_potpie::FakeConfig;
    let fake = FakeConfig::new()
        .answer_text("Passwords are checked by `verify_password` in `src/auth.rs`.")
        .ready_after(1)
        .spawn();
    let ws = sample_workspace();
    let cache = tempfile::tempdir().unwrap();
    let run = |json: bool| {
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(["ask", "--root"]).arg(ws.path());
        if json {
            cmd.arg("--json");
        }
        cmd.arg("How are passwords checked?")
            .env("POTPIE_API_KEY", fake.key())
            .env("POTPIE_BASE_URL", fake.url())
            .env("POTPIE_LSP_CACHE_DIR", cache.path())
            .output()
            .unwrap()
    };
    let out = run(true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["backend"], "potpie");
    assert_eq!(v["citations"][0]["path"], "src/auth.rs");
    assert_eq!(v["citations"][0]["startLine"], 4);
    assert_eq!(v["citations"][0]["endLine"], 7);
    let out = run(false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Passwords are checked by"), "{text}");
    assert!(text.contains("src/auth.rs:4-7"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&fake.key()) && !text.contains(&fake.key()));
}
