//! Every link a CommonMark parser finds in a linkified answer leads to the web, to an anchor,
//! or to a file inside the workspace — including constructs that span lines, which the
//! line-based scanner cannot see (inputs kept by the citations fuzz target).

use std::path::Path;

use potpie_lsp::citations::linkify;
use pulldown_cmark::{Event, Parser, Tag};

fn destinations(markdown: &str) -> Vec<String> {
    Parser::new(markdown)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect()
}

fn check(root: &Path, answers: &Path, input: &str, label: &str) {
    let linked = linkify(input, root, answers);
    for dest in destinations(&linked) {
        if dest.starts_with("http://")
            || dest.starts_with("https://")
            || dest.starts_with("mailto:")
            || dest.starts_with('#')
        {
            continue;
        }
        let file = dest.split('#').next().unwrap_or("").replace("%20", " ");
        assert!(
            !file.is_empty() && !file.contains(':') && !file.starts_with('/'),
            "{label}: link to {dest:?} in {linked:?}"
        );
        let target = std::fs::canonicalize(answers.join(&file))
            .unwrap_or_else(|_| panic!("{label}: dangling link {dest:?} in {linked:?}"));
        assert!(
            target.starts_with(root),
            "{label}: link out of the workspace {dest:?}"
        );
    }
}

#[test]
fn links_in_answer_files_never_lead_outside_the_workspace() {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("ws");
    let answers = base.path().join("answers");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(&answers).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn verify_password() {}\n").unwrap();
    let root = std::fs::canonicalize(&root).unwrap();

    let hand = [
        "See [the code](src/lib.rs#L1) and [docs](https://example.com/x) and `src/lib.rs`.",
        "[x]: /etc/passwd\n\nsee [x]",
        "[a\nb](file:///etc/passwd)",
        "[x(]:\n/\n\n[x(]",
        "text [with [nested](/) ](../../etc) end",
        "```\n[kept](/in/code)\n```\nand `[also](/kept)` in a span",
    ];
    for (i, input) in hand.iter().enumerate() {
        check(&root, &answers, input, &format!("hand {i}"));
    }
    // Code stays untouched, web links keep working, workspace paths are linked.
    let linked = linkify(hand[5], &root, &answers);
    assert!(
        linked.contains("[kept](/in/code)") && linked.contains("`[also](/kept)`"),
        "{linked}"
    );
    let linked = linkify(hand[0], &root, &answers);
    assert_eq!(
        destinations(&linked)
            .iter()
            .filter(|d| d.starts_with("https://"))
            .count(),
        1,
        "{linked}"
    );
    assert!(
        destinations(&linked)
            .iter()
            .any(|d| d.ends_with("src/lib.rs#L1")),
        "{linked}"
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/citations");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let input = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        check(&root, &answers, &input, &path.display().to_string());
        n += 1;
    }
    assert!(n >= 10, "expected the kept fuzz inputs, found {n}");
}
