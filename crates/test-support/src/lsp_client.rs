//! An LSP client for tests: talks to the real server over any pair of byte streams (a child
//! process's stdio, or in-memory pipes to a server in the test's own process), frames messages with `Content-Length`, answers the server's
//! requests (`window/workDoneProgress/create`, `window/showDocument`, `client/registerCapability`)
//! and records every notification.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, oneshot};

pub const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Shared {
    pending: HashMap<i64, oneshot::Sender<Value>>,
    /// Every message the server sent that was not a response, in order.
    received: Vec<Value>,
}

pub struct TestClient {
    writer: Arc<tokio::sync::Mutex<Box<dyn AsyncWrite + Unpin + Send>>>,
    shared: Arc<Mutex<Shared>>,
    notify: Arc<Notify>,
    next_id: std::sync::atomic::AtomicI64,
    /// Whether to answer `window/showDocument` with success.
    pub show_document_ok: Arc<std::sync::atomic::AtomicBool>,
    /// Replies to server requests by method (`{"result": …}` or `{"error": …}`), for requests
    /// the client answers other than by default (`null`).
    replies: Arc<Mutex<HashMap<String, Value>>>,
}

impl TestClient {
    pub fn over<R, W>(read: R, write: W) -> TestClient
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let client = TestClient {
            writer: Arc::new(tokio::sync::Mutex::new(Box::new(write))),
            shared: Arc::new(Mutex::new(Shared::default())),
            notify: Arc::new(Notify::new()),
            next_id: std::sync::atomic::AtomicI64::new(1),
            show_document_ok: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            replies: Arc::new(Mutex::new(HashMap::new())),
        };
        let shared = client.shared.clone();
        let notify = client.notify.clone();
        let (reply_tx, mut reply_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
        let show_ok = client.show_document_ok.clone();
        let replies = client.replies.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(read);
            while let Some(msg) = read_message(&mut reader).await {
                let is_response = msg.get("id").is_some() && msg.get("method").is_none();
                if is_response {
                    let id = msg["id"].as_i64().unwrap_or(-1);
                    let tx = shared.lock().unwrap().pending.remove(&id);
                    if let Some(tx) = tx {
                        let _ = tx.send(msg);
                    }
                    continue;
                }
                if let (Some(id), Some(method)) =
                    (msg.get("id"), msg.get("method").and_then(Value::as_str))
                {
                    let configured = replies.lock().unwrap().get(method).cloned();
                    let mut reply = configured.unwrap_or_else(|| {
                        json!({"result": match method {
                            "window/showDocument" => {
                                json!({ "success": show_ok.load(std::sync::atomic::Ordering::SeqCst) })
                            }
                            "workspace/configuration" => json!([]),
                            _ => Value::Null,
                        }})
                    });
                    reply["jsonrpc"] = json!("2.0");
                    reply["id"] = id.clone();
                    let _ = reply_tx.send(reply);
                }
                shared.lock().unwrap().received.push(msg);
                notify.notify_waiters();
            }
        });
        // Replies to server requests share the writer with the test's own messages.
        let writer = client.writer.clone();
        tokio::spawn(async move {
            while let Some(reply) = reply_rx.recv().await {
                write_framed(&writer, &reply).await;
            }
        });
        client
    }

    /// Answers every later `method` request from the server with `result`.
    pub fn reply_with(&self, method: &str, result: Value) {
        self.replies
            .lock()
            .unwrap()
            .insert(method.to_string(), json!({ "result": result }));
    }

    /// Answers every later `method` request from the server with a JSON-RPC error, as a client
    /// that does not implement it (`-32601`, method not found).
    pub fn refuse(&self, method: &str) {
        self.replies.lock().unwrap().insert(
            method.to_string(),
            json!({ "error": {"code": -32601, "message": format!("Method not found: {method}")} }),
        );
    }

    async fn write(&self, msg: &Value) {
        write_framed(&self.writer, msg).await;
    }

    /// Writes raw bytes (for malformed-input tests).
    pub async fn write_raw(&self, bytes: &[u8]) {
        let mut w = self.writer.lock().await;
        let _ = w.write_all(bytes).await;
        let _ = w.flush().await;
    }

    pub fn next_id(&self) -> i64 {
        self.next_id
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    /// Sends a request and returns its id and a receiver of the whole response message.
    pub async fn start_request(
        &self,
        method: &str,
        params: Value,
    ) -> (i64, oneshot::Receiver<Value>) {
        let id = self.next_id();
        let (tx, rx) = oneshot::channel();
        self.shared.lock().unwrap().pending.insert(id, tx);
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        (id, rx)
    }

    /// The response message (`result` or `error`) of a request.
    pub async fn request_raw(&self, method: &str, params: Value) -> Value {
        let (_, rx) = self.start_request(method, params).await;
        tokio::time::timeout(TIMEOUT, rx)
            .await
            .unwrap_or_else(|_| panic!("no response to {method} within {TIMEOUT:?}"))
            .expect("response channel closed")
    }

    /// `Ok(result)` or `Err(error object)`.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, Value> {
        let msg = self.request_raw(method, params).await;
        match msg.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    pub async fn notify(&self, method: &str, params: Value) {
        self.write(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Everything the server sent besides responses.
    pub fn received(&self) -> Vec<Value> {
        self.shared.lock().unwrap().received.clone()
    }

    pub fn notifications(&self, method: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|m| m.get("method").and_then(Value::as_str) == Some(method))
            .map(|m| m.get("params").cloned().unwrap_or(Value::Null))
            .collect()
    }

    /// Waits until some received message satisfies `pred`; returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let notified = self.notify.notified();
            if let Some(m) = self.received().into_iter().find(|m| pred(m)) {
                return m;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let methods: Vec<String> = self
                    .received()
                    .iter()
                    .map(|m| {
                        m.get("method")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_string()
                    })
                    .collect();
                panic!("timed out waiting for {what}; received: {methods:?}");
            }
        }
    }

    /// Waits for a `potpie/status` with this state.
    pub async fn wait_status(&self, state: &str) -> Value {
        let m = self
            .wait_for(&format!("potpie/status {state}"), |m| {
                m["method"] == "potpie/status" && m["params"]["state"] == state
            })
            .await;
        m["params"].clone()
    }

    /// `initialize` + `initialized` with a client that supports everything we use.
    pub async fn initialize(&self, roots: &[&Path], options: Value) -> Value {
        self.initialize_with(roots, options, full_capabilities())
            .await
    }

    pub async fn initialize_with(
        &self,
        roots: &[&Path],
        options: Value,
        capabilities: Value,
    ) -> Value {
        self.initialize_as(roots, options, capabilities, Value::Null)
            .await
    }

    /// `initialize` with a `clientInfo` (`{"name", "version"}`), for behaviour keyed by client.
    pub async fn initialize_as(
        &self,
        roots: &[&Path],
        options: Value,
        capabilities: Value,
        client_info: Value,
    ) -> Value {
        let folders: Vec<Value> = roots
            .iter()
            .map(|r| json!({"uri": file_uri(r), "name": r.file_name().unwrap().to_string_lossy()}))
            .collect();
        let result = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": roots.first().map(|r| file_uri(r)),
                    "capabilities": capabilities,
                    "clientInfo": client_info,
                    "workspaceFolders": folders,
                    "initializationOptions": options,
                }),
            )
            .await
            .expect("initialize failed");
        self.notify("initialized", json!({})).await;
        result
    }

    pub async fn execute(&self, command: &str, args: Value) -> Result<Value, Value> {
        self.request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": [args]}),
        )
        .await
    }

    pub async fn shutdown(&self) {
        let _ = self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
    }
}

async fn write_framed(
    writer: &tokio::sync::Mutex<Box<dyn AsyncWrite + Unpin + Send>>,
    msg: &Value,
) {
    let body = serde_json::to_vec(msg).unwrap();
    let mut w = writer.lock().await;
    let _ = w
        .write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await;
    let _ = w.write_all(&body).await;
    let _ = w.flush().await;
}

pub fn full_capabilities() -> Value {
    json!({
        "window": {"workDoneProgress": true, "showDocument": {"support": true}},
        "textDocument": {"publishDiagnostics": {"relatedInformation": true}},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}, "workspaceFolders": true}
    })
}

pub fn file_uri(path: &Path) -> String {
    let p = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let s = p.to_string_lossy();
    let mut out = String::from("file://");
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Reads one `Content-Length` framed message; `None` at end of stream.
pub async fn read_message<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0u8; len?];
    reader.read_exact(&mut body).await.ok()?;
    serde_json::from_slice(&body).ok()
}

/// A small real workspace: a Rust file, a Python file, a git config with a remote.
/// The HEAD commit of [`sample_workspace`] (pushed: `origin/main` is the same).
pub const SAMPLE_HEAD: &str = "5a3c1f0e9d8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c";

pub fn sample_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "src/auth.rs",
        "//! Authentication.\n\n/// Checks a user's password against the stored hash.\npub fn verify_password(user: &str, password: &str) -> bool {\n    let stored = load_hash(user);\n    stored == hash(password)\n}\n\nfn load_hash(user: &str) -> String {\n    format!(\"hash-of-{user}\")\n}\n\nfn hash(p: &str) -> String {\n    format!(\"hash-of-{p}\")\n}\n",
    );
    w(
        "src/server.rs",
        "use crate::auth::verify_password;\n\n/// Handles a login request.\npub fn handle_login(user: &str, password: &str) -> &'static str {\n    // potpie: why is the password compared here?\n    if verify_password(user, password) { \"ok\" } else { \"denied\" }\n}\n",
    );
    w(
        "app/config.py",
        "import os\n\n\nclass Settings:\n    \"\"\"Application settings read from the environment.\"\"\"\n\n    def __init__(self):\n        self.debug = os.environ.get(\"DEBUG\") == \"1\"\n\n\ndef load_settings():\n    return Settings()\n",
    );
    w(".git/HEAD", "ref: refs/heads/main\n");
    // HEAD is pushed: origin/main is the same commit.
    w(".git/refs/heads/main", &format!("{SAMPLE_HEAD}\n"));
    w(".git/refs/remotes/origin/main", &format!("{SAMPLE_HEAD}\n"));
    w(
        ".git/config",
        "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = git@github.com:acme/widgets.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
    );
    dir
}
