//! Hostile answers: an answer (text and `citations` list) that points everywhere outside the
//! workspace. None of it may reach `citations`, the hints, or a link in the answer file, and
//! answer files go only into `answersDir` under names the server picks.

use crate::support;
use crate::support::reliability as reliability_support;

use std::path::{Path, PathBuf};

use reliability_support::{Launch, all_files};
use serde_json::{Value, json};
use support::fake_potpie::{FAKE_KEY, FakeConfig};
use support::lsp_client::{file_uri, sample_workspace};

/// A workspace with symlinks that lead out, and a secret file outside it.
fn hostile_workspace() -> (tempfile::TempDir, tempfile::TempDir) {
    let ws = sample_workspace();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.rs"),
        "fn secret() {}\n".repeat(20),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), ws.path().join("src/outlink")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.rs"),
        ws.path().join("src/leak.rs"),
    )
    .unwrap();
    (ws, outside)
}

fn hostile_refs(outside: &Path) -> Vec<String> {
    let out = outside.display().to_string();
    let out_name = outside.file_name().unwrap().to_string_lossy().to_string();
    vec![
        "/etc/passwd".into(),
        "/etc/passwd:1".into(),
        "../../../../../../etc/passwd".into(),
        "src/../../../../../../etc/passwd:2".into(),
        "~/.ssh/id_rsa".into(),
        "~root/.bashrc".into(),
        "file:///etc/passwd".into(),
        format!("file://{out}/secret.rs#L1"),
        "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd".into(),
        "..%2f..%2f..%2f..%2fetc%2fpasswd".into(),
        "src%2f..%2f..%2f..%2f..%2fetc%2fpasswd".into(),
        "src/outlink/secret.rs:1".into(),
        "src/leak.rs:1-3".into(),
        format!("{out}/secret.rs:1"),
        format!("../{out_name}/secret.rs:1"),
        "C:\\Windows\\win.ini".into(),
        "C:/Windows/System32/drivers/etc/hosts:1".into(),
        "\\\\server\\share\\x.rs".into(),
        "//server/share/x.rs".into(),
        "/proc/self/environ".into(),
        "/dev/zero".into(),
    ]
}

fn hostile_markdown(refs: &[String]) -> String {
    let mut md = String::from(
        "Passwords are checked by `verify_password` in `src/auth.rs:4-7`.\n\n<script>alert('x')</script>\n\n",
    );
    for (i, r) in refs.iter().enumerate() {
        md.push_str(&format!(
            "- see `{r}` and {r} and [this]({r}) and [line](<{r}#L{n}>)\n",
            n = i + 1
        ));
    }
    md
}

fn is_inside(uri: &str, ws: &Path) -> bool {
    let root = file_uri(ws);
    uri.starts_with(&format!("{root}/"))
}

/// Every `](target)` in the Markdown.
fn link_targets(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let end = after.find(')').unwrap_or(after.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A link target from the answer file, as a canonical path (None: not a file link or gone).
fn resolve_link(dir: &Path, target: &str) -> Option<PathBuf> {
    let target = target.trim_start_matches('<').trim_end_matches('>');
    let path_part = target.split('#').next().unwrap_or("");
    if path_part.is_empty() {
        return None;
    }
    let decoded = percent_decode(path_part);
    let p = if let Some(rest) = decoded.strip_prefix("file://") {
        PathBuf::from(rest)
    } else {
        dir.join(&decoded)
    };
    std::fs::canonicalize(p).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citations_that_lead_outside_are_dropped_everywhere() {
    let (ws, outside) = hostile_workspace();
    let refs = hostile_refs(outside.path());
    let md = hostile_markdown(&refs);
    let listed: Vec<&str> = refs.iter().map(String::as_str).collect();
    let fake = FakeConfig::new()
        .ready_after(1)
        .tool_calls(vec![])
        .answer_text(&md)
        .citations(&listed)
        .start()
        .await;
    let answers = tempfile::tempdir().unwrap();
    let server = Launch::new(json!({
        "apiKey": FAKE_KEY,
        "baseUrl": fake.url(),
        "answersDir": answers.path(),
    }))
    .workspace(ws)
    .start()
    .await;
    server.client.wait_status("ready").await;
    let answer = server
        .client
        .execute(
            "potpie.ask",
            json!({"question": "How are passwords checked?"}),
        )
        .await
        .expect("an answer");
    let ws_path = std::fs::canonicalize(server.ws.path()).unwrap();

    // 1. citations: only the one real file, nothing outside.
    let cited: Vec<String> = answer["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["uri"].as_str().unwrap().to_string())
        .collect();
    for uri in &cited {
        assert!(is_inside(uri, &ws_path), "citation outside: {uri}");
        assert!(
            !uri.contains("leak.rs") && !uri.contains("outlink"),
            "{uri}"
        );
    }
    assert_eq!(
        cited,
        vec![file_uri(&ws_path.join("src/auth.rs"))],
        "{cited:?}"
    );

    // 2. hints: only for files inside.
    let hinted: Vec<Value> = server
        .client
        .notifications("textDocument/publishDiagnostics");
    assert!(!hinted.is_empty());
    for h in &hinted {
        let uri = h["uri"].as_str().unwrap();
        assert!(is_inside(uri, &ws_path), "hint outside: {uri}");
        let related = serde_json::to_string(&h["diagnostics"]).unwrap();
        assert!(
            !related.contains("passwd") && !related.contains("secret.rs"),
            "{related}"
        );
    }

    // 3. the answer file: inside answersDir, and every link it has stays in the workspace.
    let file = PathBuf::from(
        answer["answerUri"]
            .as_str()
            .unwrap()
            .strip_prefix("file://")
            .unwrap(),
    );
    let answers_canon = std::fs::canonicalize(answers.path()).unwrap();
    assert!(file.starts_with(&answers_canon), "{}", file.display());
    let text = std::fs::read_to_string(&file).unwrap();
    // Markdown is only written as a file, never rendered or run by the server; raw HTML in
    // it is even escaped, so a Markdown preview cannot run it either.
    assert!(!text.contains("<script>"), "{text}");
    assert!(text.contains("&lt;script>"), "{text}");
    let dir = file.parent().unwrap();
    let mut linked = 0;
    for target in link_targets(&text) {
        if let Some(p) = resolve_link(dir, &target) {
            // Every link that leads to a file must land inside the workspace, including the
            // `[this](...)` links the answer wrote itself.
            assert!(
                p.starts_with(&ws_path),
                "link leads outside: {target} -> {}",
                p.display()
            );
            linked += 1;
        }
    }
    assert!(linked >= 1, "the real citation is linked:\n{text}");
    // The server added no link of its own to anything outside: every server-made link (the
    // Citations section) points into the workspace.
    let section = text.split("## Citations").nth(1).unwrap_or("");
    for target in link_targets(section) {
        let p = resolve_link(dir, &target).expect("citation links resolve");
        assert!(p.starts_with(&ws_path), "{target}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_files_go_only_into_answers_dir_with_server_chosen_names() {
    let ws = sample_workspace();
    let outside = tempfile::tempdir().unwrap();
    let before_ws: Vec<PathBuf> = all_files(ws.path()).into_iter().map(|(p, _)| p).collect();
    let fake = FakeConfig::new()
        .ready_after(1)
        .tool_calls(vec![])
        .answer_text("../../../../etc/cron.d/evil\n\n# answer-../../x.md\n`src/auth.rs:4`")
        .start()
        .await;
    // A relative answersDir lives under the workspace root.
    let server = Launch::new(json!({
        "apiKey": FAKE_KEY,
        "baseUrl": fake.url(),
        "answersDir": ".potpie/answers",
    }))
    .workspace(ws)
    .start()
    .await;
    server.client.wait_status("ready").await;
    let outside_s = outside.path().display().to_string();
    let hostile_questions = [
        "../../../../tmp/evil".to_string(),
        format!("{outside_s}/pwned.md"),
        "answer-x.md\0/../../y".to_string(),
        "# title\n\n[x](file:///etc/passwd)\n<img src=x onerror=alert(1)>".to_string(),
        "..\\..\\..\\windows\\evil".to_string(),
    ];
    for q in &hostile_questions {
        let a = server
            .client
            .execute("potpie.ask", json!({"question": q}))
            .await
            .expect("answered");
        let id = a["answerId"].as_str().unwrap();
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{id}"
        );
    }
    let answers_dir = std::fs::canonicalize(server.ws.path().join(".potpie/answers")).unwrap();
    let written = all_files(&answers_dir);
    assert_eq!(written.len(), hostile_questions.len());
    for (p, _) in &written {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with("answer-") && name.ends_with(".md"),
            "{name}"
        );
        assert_eq!(p.parent().unwrap(), answers_dir);
    }
    // Nothing else was written in the workspace or outside it.
    let after_ws: Vec<PathBuf> = all_files(server.ws.path())
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.starts_with(server.ws.path().join(".potpie")))
        .collect();
    let mut a = after_ws.clone();
    let mut b = before_ws.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert!(all_files(outside.path()).is_empty());
    server.stop().await;
}
