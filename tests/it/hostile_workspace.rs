//! A repository the user opens plays the attacker: its settings name an origin for the key
//! (`baseUrl`, `llm.baseUrl`). The real binary runs with `HTTPS_PROXY`/`HTTP_PROXY` pointing
//! at a recorder on loopback that logs every connection and answers 502, so nothing leaves the
//! machine and every attempt to reach the hostile origin is seen.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::support;
use crate::support::reliability::{Launch, Server, bin, eventually};

const KEY: &str = "sk-hostile-test-00000000000000000000000000000000000000000000000000000";

/// Every request head that reached the proxy (`CONNECT host:443 …` for https, the whole
/// request line and headers for plain http).
#[derive(Clone)]
struct Recorder {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let log = heads.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let head = support::read_http_request(&mut sock).await;
                    log.lock().unwrap().push(head);
                    let _ = sock
                        .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        Recorder { url, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// A server whose every outgoing HTTP(S) connection goes through this recorder.
    fn launch(&self, options: Value) -> Launch {
        Launch::new(options)
            .env("HTTPS_PROXY", &self.url)
            .env("HTTP_PROXY", &self.url)
            .env("ALL_PROXY", &self.url)
            .env("NO_PROXY", "")
    }
}

fn hostile(base_url: &str) -> Value {
    json!({"apiKey": KEY, "baseUrl": base_url})
}

/// The `window/showMessageRequest`s the server sent.
fn prompts(server: &Server) -> Vec<Value> {
    server
        .client
        .received()
        .into_iter()
        .filter(|m| m["method"] == "window/showMessageRequest")
        .collect()
}

async fn ask(server: &Server) -> Value {
    server
        .client
        .execute(
            "potpie.ask",
            json!({"question": "Where is the password checked?"}),
        )
        .await
        .unwrap_or_else(|e| panic!("the local engine should answer: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_the_user_did_not_approve_gets_nothing() {
    let proxy = Recorder::start().await;
    // The user dismisses the prompt.
    let server = proxy
        .launch(hostile("https://evil.test"))
        .reply("window/showMessageRequest", Value::Null)
        .start()
        .await;
    let status = server.client.wait_status("ready").await;
    assert_eq!(status["backend"], "local", "{status}");
    let message = status["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("potpie-lsp trust https://evil.test"),
        "the status says how to approve: {message}"
    );
    let prompt = server
        .client
        .wait_for("the approval prompt", |m| {
            m["method"] == "window/showMessageRequest"
        })
        .await;
    let text = prompt["params"]["message"].as_str().unwrap_or_default();
    assert!(
        text.contains("https://evil.test") && text.contains("Potpie API key"),
        "{text}"
    );
    let titles: Vec<&str> = prompt["params"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    assert_eq!(titles, ["Once", "Always", "No"]);

    let answer = ask(&server).await;
    assert_eq!(answer["backend"], "local");
    let first_line = answer["markdown"].as_str().unwrap().lines().next().unwrap();
    assert!(
        first_line.contains("local engine") && first_line.contains("https://evil.test"),
        "the answer's first line says why: {first_line}"
    );
    assert!(
        !answer["citations"].as_array().unwrap().is_empty(),
        "a real answer"
    );
    assert_eq!(prompts(&server).len(), 1, "asked once");
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_cannot_ask_is_told_how_to_approve() {
    let proxy = Recorder::start().await;
    let launch = proxy.launch(hostile("https://evil.test"));
    let server = launch.refusing("window/showMessageRequest").start().await;
    server.client.wait_status("ready").await;
    let shown = server
        .client
        .wait_for("the message that says how to approve", |m| {
            m["method"] == "window/showMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("potpie-lsp trust https://evil.test"))
        })
        .await;
    assert!(!shown["params"]["message"].as_str().unwrap().contains(KEY));
    ask(&server).await;
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_once_sends_the_key_there_and_nothing_is_saved() {
    let proxy = Recorder::start().await;
    let server = proxy
        .launch(hostile("https://evil.test"))
        .reply("window/showMessageRequest", json!({"title": "Once"}))
        .start()
        .await;
    let p = proxy.clone();
    assert!(
        eventually(Duration::from_secs(20), move || !p.heads().is_empty()).await,
        "after the approval the server connects"
    );
    let head = &proxy.heads()[0];
    assert!(head.starts_with("CONNECT evil.test:443 "), "{head}");
    assert!(
        !head.contains(KEY),
        "the key travels inside the tunnel only"
    );
    let approvals = server.cache.path().join("config/trusted-origins");
    assert!(!approvals.exists(), "\"Once\" is not written down");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_from_the_command_line_is_kept_and_used() {
    let config = tempfile::tempdir().unwrap();
    let trust = |args: &[&str]| {
        std::process::Command::new(bin())
            .arg("trust")
            .args(args)
            .env("POTPIE_LSP_CONFIG_DIR", config.path())
            .output()
            .unwrap()
    };
    let out = trust(&["https://evil.test/some/path"]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Approved https://evil.test"));
    let listed = trust(&[]);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "https://evil.test"
    );
    let plain = trust(&["http://evil.test"]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&plain.stderr).contains("plain http"));

    // A client that cannot ask (like Helix 25.07) uses the approval without a prompt.
    let proxy = Recorder::start().await;
    let server = proxy
        .launch(hostile("https://evil.test"))
        .env("POTPIE_LSP_CONFIG_DIR", &config.path().to_string_lossy())
        .refusing("window/showMessageRequest")
        .start()
        .await;
    let p = proxy.clone();
    assert!(eventually(Duration::from_secs(20), move || !p.heads().is_empty()).await);
    assert!(proxy.heads()[0].starts_with("CONNECT evil.test:443 "));
    assert!(prompts(&server).is_empty());
    server.stop().await;

    let revoked = trust(&["--revoke", "https://evil.test"]);
    assert!(String::from_utf8_lossy(&revoked.stdout).contains("Withdrew"));
    assert!(String::from_utf8_lossy(&trust(&[]).stdout).contains("No approved origins"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_machine_is_refused_even_when_approved() {
    let proxy = Recorder::start().await;
    let server = proxy
        .launch(hostile("http://evil.test"))
        .reply("window/showMessageRequest", json!({"title": "Always"}))
        .start()
        .await;
    std::fs::create_dir_all(server.cache.path().join("config")).unwrap();
    std::fs::write(
        server.cache.path().join("config/trusted-origins"),
        "http://evil.test\n",
    )
    .unwrap();
    let status = server.client.wait_status("ready").await;
    assert_eq!(status["backend"], "local");
    assert!(
        status["message"].as_str().unwrap().contains("plain http"),
        "{status}"
    );
    // Re-parsing reads the approvals again; plain http stays refused.
    server
        .client
        .execute("potpie.reparse", json!([]))
        .await
        .unwrap();
    ask(&server).await;
    assert!(prompts(&server).is_empty(), "nothing to approve");
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_llm_endpoint_the_user_did_not_choose_gets_nothing() {
    let proxy = Recorder::start().await;
    let options = json!({
        "backend": "local",
        "llm": {"baseUrl": "https://evil-llm.test/v1", "model": "m", "apiKey": KEY},
    });
    let server = proxy
        .launch(options)
        .reply("window/showMessageRequest", json!({"title": "No"}))
        .start()
        .await;
    server.client.wait_status("ready").await;
    let answer = ask(&server).await;
    let first_line = answer["markdown"].as_str().unwrap().lines().next().unwrap();
    assert!(
        first_line.contains("LLM was not used") && first_line.contains("https://evil-llm.test"),
        "{first_line}"
    );
    let prompt = &prompts(&server)[0];
    assert!(
        prompt["params"]["message"]
            .as_str()
            .unwrap()
            .contains("your LLM key")
    );
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_service_and_the_users_environment_need_no_prompt() {
    let proxy = Recorder::start().await;
    // The hosted service: the key goes there without a question.
    let server = proxy.launch(json!({"apiKey": KEY})).start().await;
    let p = proxy.clone();
    assert!(eventually(Duration::from_secs(20), move || !p.heads().is_empty()).await);
    assert!(proxy.heads()[0].starts_with("CONNECT production-api.potpie.ai:443 "));
    assert!(prompts(&server).is_empty());
    server.stop().await;

    // POTPIE_BASE_URL is set by the user outside any repository.
    let proxy = Recorder::start().await;
    let server = proxy
        .launch(json!({"apiKey": KEY}))
        .env("POTPIE_BASE_URL", "https://potpie.corp.test")
        .start()
        .await;
    let p = proxy.clone();
    assert!(eventually(Duration::from_secs(20), move || !p.heads().is_empty()).await);
    assert!(proxy.heads()[0].starts_with("CONNECT potpie.corp.test:443 "));
    assert!(prompts(&server).is_empty());
    server.stop().await;
}
