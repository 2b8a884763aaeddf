//! Citation extraction and resolution over arbitrary answers: never panic, stay within the
//! bounds, and never resolve anything outside the workspace root (which has a symlink that
//! leads out, and a secret file beside it).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use potpie_lsp::citations::{self, MAX_EXTRACTED, MAX_LOCATIONS};

struct Fixture {
    root: PathBuf,
    answers: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let base =
            std::env::temp_dir().join(format!("potpie-fuzz-citations-{}", std::process::id()));
        let root = base.join("ws");
        let outside = base.join("outside");
        let answers = base.join("answers");
        for d in [root.join("src/auth"), outside.clone(), answers.clone()] {
            std::fs::create_dir_all(&d).expect("fixture dir");
        }
        let w = |p: PathBuf, t: &str| std::fs::write(p, t).expect("fixture file");
        w(
            root.join("src/auth/service.py"),
            "def login(user):\n    return 1\n\n\nclass Router:\n    pass\n",
        );
        w(
            root.join("src/lib.rs"),
            "pub fn verify_password() {}\n\npub struct Config;\n",
        );
        w(root.join("README.md"), "# readme\n");
        w(outside.join("secret.rs"), "fn secret() {}\n");
        let _ = std::os::unix::fs::symlink(&outside, root.join("src/out"));
        let _ = std::os::unix::fs::symlink(outside.join("secret.rs"), root.join("leak.rs"));
        Fixture {
            root: std::fs::canonicalize(&root).expect("canonical root"),
            answers,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let text = String::from_utf8_lossy(data);
    // Lines starting with `@` also go in the service's `citations` list.
    let listed: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix('@'))
        .map(str::to_string)
        .collect();
    let refs = citations::extract(&text, &listed);
    assert!(refs.len() <= MAX_EXTRACTED);
    let locs = citations::resolve(&refs, &f.root, None);
    assert!(locs.len() <= MAX_LOCATIONS);
    for l in &locs {
        assert!(l.path.starts_with(&f.root), "escaped: {}", l.path.display());
        assert!(!l.path.ends_with("secret.rs"), "followed a symlink out");
        assert!(1 <= l.start_line && l.start_line <= l.end_line, "{l:?}");
    }
    let linked = citations::linkify(&text, &f.root, &f.answers);
    for target in link_targets(&linked) {
        if let Some(p) = resolve_link(&f.answers, &target) {
            assert!(
                p.starts_with(&f.root),
                "linked outside: {target} -> {}",
                p.display()
            );
        }
    }
});

/// Every link and image destination a CommonMark renderer sees in the Markdown.
fn link_targets(md: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    Parser::new(md)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect()
}

/// Where a link from the answers folder leads, if to an existing file or folder.
fn resolve_link(dir: &std::path::Path, target: &str) -> Option<PathBuf> {
    let t = target.trim();
    // CommonMark: a destination has no spaces unless in `<…>`; after it only a quoted title
    // may follow. Anything else (`(file:///x L1)`) is no link and stays text.
    let t = if let Some(inner) = t.strip_prefix('<') {
        // `<…` without `>` is no destination in CommonMark (pulldown-cmark still reports
        // one; the linker and common renderers leave it as text).
        let (dest, _) = inner.split_once('>')?;
        dest
    } else {
        let (dest, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let rest = rest.trim_start();
        if !rest.is_empty() && !rest.starts_with(['"', '\'', '(']) {
            return None;
        }
        dest
    };
    let t = t.split('#').next().unwrap_or("");
    if t.is_empty() || t.contains("://") && !t.starts_with("file://") {
        return None;
    }
    let mut bytes = Vec::new();
    let raw = t.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%'
            && let Some(v) = t
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(raw[i]);
        i += 1;
    }
    let decoded = String::from_utf8_lossy(&bytes).into_owned();
    let p = match decoded.strip_prefix("file://") {
        Some(rest) => PathBuf::from(rest),
        None => dir.join(decoded),
    };
    std::fs::canonicalize(p).ok()
}
