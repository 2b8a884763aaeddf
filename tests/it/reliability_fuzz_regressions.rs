//! Replays every input kept under `fuzz/regressions/<target>/` (crashes found by the fuzz
//! targets, and hand-made seeds) through the same code and checks as the targets, so a fixed
//! crash stays fixed without a fuzzer installed.

use std::path::{Path, PathBuf};

use potpie_lsp::citations;
use potpie_lsp::config::{Env, Settings, WireSettings};
use potpie_lsp::potpie::StreamDecoder;
use potpie_lsp::workspace::parse_remote_url;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

#[test]
fn stream_decoder_regressions() {
    for (path, data) in inputs("stream_decoder") {
        if data.len() < 2 {
            continue;
        }
        let chunk = usize::from(data[0]).max(1);
        let limit = 2 + usize::from(data[1]) * 16;
        let body = &data[2..];
        let mut whole = StreamDecoder::with_limit(limit);
        let mut expected: Vec<String> = whole.push(body).iter().map(|r| format!("{r:?}")).collect();
        expected.extend(whole.finish().map(|e| format!("{e:?}")));
        let mut split = StreamDecoder::with_limit(limit);
        let mut got: Vec<String> = Vec::new();
        for piece in body.chunks(chunk) {
            got.extend(split.push(piece).iter().map(|r| format!("{r:?}")));
            assert!(split.buffered() <= limit + 1024 + 8, "{}", path.display());
        }
        got.extend(split.finish().map(|e| format!("{e:?}")));
        assert_eq!(expected, got, "{}", path.display());
    }
}

#[test]
fn citation_regressions() {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("ws");
    let outside = base.path().join("outside");
    let answers = base.path().join("answers");
    for d in [root.join("src/auth"), outside.clone(), answers.clone()] {
        std::fs::create_dir_all(&d).unwrap();
    }
    std::fs::write(root.join("src/lib.rs"), "pub fn verify_password() {}\n").unwrap();
    std::fs::write(outside.join("secret.rs"), "fn secret() {}\n").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("src/out")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.rs"), root.join("leak.rs")).unwrap();
    let root = std::fs::canonicalize(&root).unwrap();
    for (path, data) in inputs("citations") {
        let text = String::from_utf8_lossy(&data);
        let listed: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix('@'))
            .map(str::to_string)
            .collect();
        let refs = citations::extract(&text, &listed);
        assert!(refs.len() <= citations::MAX_EXTRACTED);
        for l in citations::resolve(&refs, &root, None) {
            assert!(l.path.starts_with(&root), "{}: {l:?}", path.display());
            assert!(!l.path.ends_with("secret.rs"), "{}", path.display());
            assert!(1 <= l.start_line && l.start_line <= l.end_line);
        }
        // The answers folder is beside the workspace: a link that climbs out of it and lands
        // on an existing file must land inside the workspace.
        let linked = citations::linkify(&text, &root, &answers);
        let mut rest = linked.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].trim_start_matches('<').trim_end_matches('>');
            let file = target.split(['#', ' ']).next().unwrap_or("");
            // Only links the linker wrote are checked here (text of the input that merely
            // looks like a link is not one; the fuzz target asks a CommonMark parser).
            if !file.is_empty()
                && !text.contains(target)
                && !file.contains("://")
                && let Ok(p) = std::fs::canonicalize(answers.join(file.replace("%20", " ")))
            {
                assert!(p.starts_with(&root), "{}: {target}", path.display());
            }
            rest = &after[end..];
        }
    }
}

#[test]
fn remote_url_regressions() {
    for (path, data) in inputs("remote_url") {
        let s = String::from_utf8_lossy(&data);
        if let Some(name) = parse_remote_url(&s) {
            assert!(name.contains('/'), "{}: {name}", path.display());
            assert!(!name.starts_with('/') && !name.ends_with('/'), "{name}");
            assert!(
                !name.contains('@') || !name.contains(':'),
                "credentials kept: {name}"
            );
        }
    }
}

#[test]
fn home_relative_scp_remotes_name_the_repository_without_a_leading_slash() {
    // Found by the remote_url target: `~/dir/repo` used to come out as `/dir/repo`.
    assert_eq!(
        parse_remote_url("git@server:~/repos/app.git").as_deref(),
        Some("repos/app")
    );
    assert_eq!(
        parse_remote_url("git@server:~alice/app.git").as_deref(),
        Some("alice/app")
    );
    assert_eq!(parse_remote_url("git@server:~/app.git"), None);
}

#[test]
fn settings_regressions() {
    for (_path, data) in inputs("settings") {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&data) else {
            continue;
        };
        for (wire, _) in [
            WireSettings::from_json(&value),
            WireSettings::from_any(&value),
        ] {
            let s = Settings::resolve(&wire, &Env::default());
            let _ = s.effective_backend();
            if let Some(k) = &wire.api_key {
                assert_eq!(format!("{k:?}"), "ApiKey(<redacted>)");
            }
        }
    }
}

#[test]
fn a_malformed_reference_definition_does_not_shield_a_link() {
    // Found by the citations target: a line that starts like `[id]: target` but is no valid
    // definition is a paragraph, and its links were left alone by the linker.
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("ws");
    let answers = d.path().join("answers");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(&answers).unwrap();
    let out = citations::linkify(
        "[x-1]:0as text and [d [x](file:///) and [y](/etc/passwd)\n\n[ok]: https://example.invalid \"t\"\n",
        &root,
        &answers,
    );
    assert!(!out.contains("](file:///)"), "{out}");
    assert!(!out.contains("](/etc/passwd)"), "{out}");
    // A well-formed definition to the web stays as it is.
    assert!(out.contains("[ok]: https://example.invalid \"t\""), "{out}");
}

#[test]
fn the_text_of_a_dropped_link_cannot_form_a_link() {
    // Found by the citations target: dropping `[a [b](/](x)` left `a [b](/`, and with more
    // text after it a live link to `/`.
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("ws");
    let answers = d.path().join("answers");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(&answers).unwrap();
    let out = citations::linkify("[a [b](/](x) and src/](/](file://x))", &root, &answers);
    assert!(!out.contains("[b](/"), "{out}");
}
