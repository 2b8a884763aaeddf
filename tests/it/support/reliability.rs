//! The real binary over stdio, for the reliability tests: every byte it writes to stdout and
//! stderr is kept (to grep for secrets and debug dumps), and its environment can carry the
//! hidden timeout overrides (`POTPIE_LSP_*_TIMEOUT_MS`).
#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::support::lsp_client::{TestClient, file_uri, sample_workspace};

pub const BIN: &str = env!("CARGO_BIN_EXE_potpie-lsp");

/// The binary under test: `POTPIE_LSP_TEST_BIN` (e.g. a release build) or the one cargo built.
pub fn bin() -> String {
    std::env::var("POTPIE_LSP_TEST_BIN").unwrap_or_else(|_| BIN.to_string())
}

/// Copies everything read through it into a shared buffer.
pub struct Tee<R> {
    inner: R,
    copy: Arc<Mutex<Vec<u8>>>,
}

impl<R: AsyncRead + Unpin> AsyncRead for Tee<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            let new = buf.filled()[before..].to_vec();
            self.copy.lock().unwrap().extend_from_slice(&new);
        }
        r
    }
}

/// The server's stdin, which a test can close while the client still holds the writer.
#[derive(Clone)]
pub struct Stdin(Arc<Mutex<Option<tokio::process::ChildStdin>>>);

impl Stdin {
    /// Closes the pipe: the server sees end of input, as when an editor dies.
    pub fn close(&self) {
        self.0.lock().unwrap().take();
    }
}

impl tokio::io::AsyncWrite for Stdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.0.lock().unwrap().as_mut() {
            Some(w) => Pin::new(w).poll_write(cx, buf),
            None => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.0.lock().unwrap().as_mut() {
            Some(w) => Pin::new(w).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.0.lock().unwrap().as_mut() {
            Some(w) => Pin::new(w).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

/// A running `potpie-lsp` process with its client, workspace and cache.
pub struct Server {
    pub client: TestClient,
    pub child: tokio::process::Child,
    pub stdout: Arc<Mutex<Vec<u8>>>,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    pub stdin: Stdin,
    pub ws: tempfile::TempDir,
    pub cache: tempfile::TempDir,
}

pub struct Launch {
    pub env: Vec<(String, String)>,
    pub options: Value,
    pub log: String,
    pub ws: Option<tempfile::TempDir>,
    pub roots: usize,
    /// Replies to server requests, set before `initialize` (see `TestClient::reply_with`).
    pub replies: Vec<(String, Value)>,
    /// Server requests the client answers with "method not found".
    pub refused: Vec<String>,
}

impl Launch {
    pub fn new(options: Value) -> Launch {
        Launch {
            env: Vec::new(),
            options,
            log: "debug".into(),
            ws: None,
            roots: 1,
            replies: Vec::new(),
            refused: Vec::new(),
        }
    }
    /// The client answers the server's `method` requests with "method not found", as a client
    /// that does not implement them.
    pub fn refusing(mut self, method: &str) -> Launch {
        self.refused.push(method.into());
        self
    }
    /// The client answers the server's `method` requests with `result`.
    pub fn reply(mut self, method: &str, result: Value) -> Launch {
        self.replies.push((method.into(), result));
        self
    }
    pub fn env(mut self, name: &str, value: &str) -> Launch {
        self.env.push((name.into(), value.into()));
        self
    }
    pub fn log(mut self, filter: &str) -> Launch {
        self.log = filter.into();
        self
    }
    pub fn workspace(mut self, ws: tempfile::TempDir) -> Launch {
        self.ws = Some(ws);
        self
    }

    /// Spawns the binary and runs `initialize`/`initialized`.
    pub async fn start(self) -> Server {
        let ws = self.ws.unwrap_or_else(sample_workspace);
        let cache = tempfile::tempdir().unwrap();
        let mut cmd = tokio::process::Command::new(bin());
        cmd.env("POTPIE_LSP_CACHE_DIR", cache.path())
            .env("POTPIE_LSP_CONFIG_DIR", cache.path().join("config"))
            .env_remove("POTPIE_API_KEY")
            .env_remove("POTPIE_BASE_URL")
            .env("POTPIE_LSP_LOG", &self.log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout_pipe = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        {
            let stderr = stderr.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                loop {
                    match stderr_pipe.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => stderr.lock().unwrap().extend_from_slice(&buf[..n]),
                    }
                }
            });
        }
        let tee = Tee {
            inner: stdout_pipe,
            copy: stdout.clone(),
        };
        let stdin = Stdin(Arc::new(Mutex::new(Some(stdin))));
        let client = TestClient::over(tee, stdin.clone());
        for (method, result) in self.replies {
            client.reply_with(&method, result);
        }
        for method in self.refused {
            client.refuse(&method);
        }
        client.initialize(&[ws.path()], self.options).await;
        Server {
            client,
            child,
            stdout,
            stderr,
            stdin,
            ws,
            cache,
        }
    }
}

impl Server {
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// `potpie.ask`, returning its error object's message and how long it took.
    pub async fn ask_error(&self, question: &str) -> (String, Duration) {
        let started = Instant::now();
        let e = self
            .client
            .execute("potpie.ask", json!({ "question": question }))
            .await
            .expect_err("the question should fail");
        let message = e["message"].as_str().unwrap_or_default().to_string();
        (message, started.elapsed())
    }

    /// The server still answers: a code action on an open document and `potpie.status`.
    pub async fn still_serves(&self) -> Value {
        let uri = file_uri(&self.ws.path().join("src/auth.rs"));
        let text = std::fs::read_to_string(self.ws.path().join("src/auth.rs")).unwrap();
        self.client
            .notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": text}}),
            )
            .await;
        let actions = self
            .client
            .request(
                "textDocument/codeAction",
                json!({
                    "textDocument": {"uri": uri},
                    "range": {"start": {"line": 3, "character": 0}, "end": {"line": 6, "character": 0}},
                    "context": {"diagnostics": []}
                }),
            )
            .await
            .expect("codeAction answers");
        assert!(actions.is_array(), "{actions}");
        self.client
            .execute("potpie.status", json!({}))
            .await
            .expect("potpie.status answers")
    }

    /// `shutdown` + `exit`, and the process ends.
    pub async fn stop(mut self) {
        self.client.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// What a user may be shown: one line, a sentence, no debug dump, no key.
pub fn assert_user_message(message: &str, key: &str) {
    assert!(!message.trim().is_empty(), "empty message");
    assert!(!message.contains('\n'), "more than one line: {message:?}");
    assert!(message.len() < 600, "too long: {message:?}");
    for dump in [
        "reqwest::Error",
        "Error {",
        "kind:",
        "source:",
        "hyper::",
        "Os {",
        "Custom {",
    ] {
        assert!(
            !message.contains(dump),
            "debug dump ({dump}) in {message:?}"
        );
    }
    assert!(!message.contains(key), "the key leaked into {message:?}");
}

/// Every file under `dir` (recursively), with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file()
                && let Ok(bytes) = std::fs::read(&p)
            {
                out.push((p, bytes));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty() && haystack.windows(n.len()).any(|w| w == n)
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Waits (polling) until `f` holds or `limit` passes; returns whether it held.
pub async fn eventually(limit: Duration, f: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    f()
}

/// A tiny HTTP server that records each raw request and answers every one with `status`,
/// `body` and `headers` (e.g. an OpenAI-compatible chat reply, or a redirect target).
pub struct Stub {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

pub async fn stub(status: u16, body: String, headers: String) -> Stub {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let log = log.clone();
            let body = body.clone();
            let headers = headers.clone();
            tokio::spawn(async move {
                let request = crate::support::read_http_request(&mut sock).await;
                log.lock().unwrap().push(request);
                let resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Stub { url, requests }
}
