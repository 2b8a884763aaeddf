//! A small functional version of the load bench (`examples/load.rs`): concurrent questions
//! across several workspace folders of the real binary all complete, code actions keep
//! answering meanwhile, and afterwards no stream is left open at the service. No timing
//! assertions here; the figures come from the bench.

use crate::support;
use crate::support::reliability as reliability_support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reliability_support::{bin, eventually};
use serde_json::json;
use support::fake_potpie::{FAKE_KEY, FakeConfig, Route};
use support::lsp_client::{TestClient, file_uri, sample_workspace};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_questions_across_folders_all_complete() {
    let fake = FakeConfig::new()
        .ready_after(1)
        .answer_text("Passwords are checked by `verify_password` in `src/auth.rs:4-7`.")
        .delta_chars(8)
        .chunk_delay(Duration::from_millis(5))
        .start()
        .await;
    let dirs: Vec<tempfile::TempDir> = (0..3)
        .map(|i| {
            let d = sample_workspace();
            std::fs::write(
                d.path().join(".git/config"),
                format!("[remote \"origin\"]\n\turl = https://github.com/load/ws{i}.git\n"),
            )
            .unwrap();
            d
        })
        .collect();
    let roots: Vec<PathBuf> = dirs
        .iter()
        .map(|d| std::fs::canonicalize(d.path()).unwrap())
        .collect();
    let cache = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(bin())
        .env("POTPIE_LSP_CACHE_DIR", cache.path())
        .env_remove("POTPIE_API_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = Arc::new(TestClient::over(
        child.stdout.take().unwrap(),
        child.stdin.take().unwrap(),
    ));
    let refs: Vec<&std::path::Path> = roots.iter().map(PathBuf::as_path).collect();
    client
        .initialize(
            &refs,
            json!({"apiKey": FAKE_KEY, "baseUrl": fake.url(), "openAnswers": false}),
        )
        .await;
    client
        .wait_for("all ready", |_| {
            client
                .notifications("potpie/status")
                .iter()
                .filter(|s| s["state"] == "ready")
                .count()
                >= roots.len()
        })
        .await;
    let mut tasks = Vec::new();
    for q in 0..15 {
        let client = client.clone();
        let uri = file_uri(&roots[q % roots.len()].join("src/auth.rs"));
        tasks.push(tokio::spawn(async move {
            client
                .execute(
                    "potpie.ask",
                    json!({"question": format!("question {q}"), "uri": uri}),
                )
                .await
        }));
    }
    // Code actions answer while the questions run.
    let doc = file_uri(&roots[0].join("src/auth.rs"));
    for _ in 0..20 {
        let r = client
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 3, "character": 8}, "end": {"line": 4, "character": 0}}, "context": {"diagnostics": []}}),
            )
            .await;
        assert!(r.is_ok(), "{r:?}");
    }
    for t in tasks {
        let answer = t.await.unwrap().expect("answered");
        assert!(
            answer["markdown"]
                .as_str()
                .unwrap()
                .contains("verify_password")
        );
    }
    assert_eq!(fake.count(Route::Message), 15);
    assert!(eventually(Duration::from_secs(5), || fake.open_streams() == 0).await);
    client.shutdown().await;
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
}
