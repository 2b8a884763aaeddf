use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use super::*;

fn r(path: &str, s: Option<u32>, e: Option<u32>) -> CitationRef {
    CitationRef {
        path: path.into(),
        start_line: s,
        end_line: e,
        symbol: None,
    }
}

fn paths_lines(refs: &[CitationRef]) -> Vec<(String, Option<u32>, Option<u32>)> {
    refs.iter()
        .map(|c| (c.path.clone(), c.start_line, c.end_line))
        .collect()
}

fn pl(path: &str, s: Option<u32>, e: Option<u32>) -> (String, Option<u32>, Option<u32>) {
    (path.to_string(), s, e)
}

/// A workspace with a few real files, and a folder outside it with a secret.
struct Ws {
    _dir: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
}

fn ws() -> Ws {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let outside = dir.path().join("outside");
    let lines: String = (1..=50).map(|i| format!("line {i}\n")).collect();
    for (p, text) in [
        (
            "src/config.rs",
            "use std::fs;\n\npub struct Config {\n    pub a: u32,\n}\n\nimpl Config {\n    pub fn load(path: &str) -> Config {\n        let _ = path;\n        Config { a: 1 }\n    }\n}\n\npub fn parse_config(s: &str) -> u32 {\n    s.len() as u32\n}\n",
        ),
        ("src/lib.rs", lines.as_str()),
        (
            "app/router.py",
            "import os\n\n\nclass Router:\n    def route(self, p):\n        return p\n\n\ndef helper():\n    pass\n",
        ),
        ("README.md", "# proj\n"),
        ("my file.rs", "fn a() {}\n"),
    ] {
        let full = root.join(p);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("secret.rs"), "fn secret() {}\n").unwrap();
    Ws {
        _dir: dir,
        root,
        outside,
    }
}

fn rels(locs: &[SourceLocation]) -> Vec<(String, u32, u32)> {
    locs.iter()
        .map(|l| (l.rel_path.clone(), l.start_line, l.end_line))
        .collect()
}

fn loc(p: &str, s: u32, e: u32) -> (String, u32, u32) {
    (p.to_string(), s, e)
}

// ---------------------------------------------------------------- extract

#[test]
fn extract_recognises_every_line_form() {
    let md = "See src/a.rs:12 and src/b.rs:12-30, then `src/c.rs:12:5`.\n\
              Also src/d.rs#L12, src/e.rs#L12-L30 and src/f.rs#L12-30.\n\
              The loader is in src/g.rs (lines 12-30) and src/h.rs (line 7).\n\
              Finally [the thing](src/i.rs#L12) and [other](./src/j.rs#L3-L4).\n";
    assert_eq!(
        paths_lines(&extract(md, &[])),
        vec![
            pl("src/a.rs", Some(12), None),
            pl("src/b.rs", Some(12), Some(30)),
            pl("src/c.rs", Some(12), None),
            pl("src/d.rs", Some(12), None),
            pl("src/e.rs", Some(12), Some(30)),
            pl("src/f.rs", Some(12), Some(30)),
            pl("src/g.rs", Some(12), Some(30)),
            pl("src/h.rs", Some(7), None),
            pl("src/i.rs", Some(12), None),
            pl("./src/j.rs", Some(3), Some(4)),
        ]
    );
}

#[test]
fn extract_backticked_bare_and_listed_in_order() {
    let md = "Start in `main.py`, then app/auth/session.py handles it; see Makefile too.";
    let listed = vec!["app/models.py".to_string(), "app/db.py:40".to_string()];
    assert_eq!(
        paths_lines(&extract(md, &listed)),
        vec![
            pl("app/models.py", None, None),
            pl("app/db.py", Some(40), None),
            pl("main.py", None, None),
            pl("app/auth/session.py", None, None),
            pl("Makefile", None, None),
        ]
    );
}

#[test]
fn extract_skips_web_urls_but_keeps_file_urls_and_decodes_links() {
    let md = "Docs at https://example.com/docs/a.rs and www.example.com/x.py.\n\
              Local: file:///srv/p/src/x.rs:3 and [y](src/my%20file.rs#L2).\n\
              [web](https://github.com/o/r/blob/main/src/z.rs#L1)\n";
    assert_eq!(
        paths_lines(&extract(md, &[])),
        vec![
            pl("/srv/p/src/x.rs", Some(3), None),
            pl("src/my file.rs", Some(2), None),
        ]
    );
}

#[test]
fn extract_in_code_blocks_only_takes_path_line_tokens() {
    let md = "```text\nerror at src/a.rs:10:5\nlet x = y.len(); // foo.rs\nuse crate::config;\n```\n~~~\nsrc/b.rs#L3\n~~~\n";
    assert_eq!(
        paths_lines(&extract(md, &[])),
        vec![
            pl("src/a.rs", Some(10), None),
            pl("src/b.rs", Some(3), None)
        ]
    );
}

#[test]
fn extract_names_the_nearest_symbol_in_the_same_sentence() {
    let md = "- `parse_config` in `src/config.rs` reads it.\n\
              - `src/other.rs` (`Config::load`) loads it.\n\
              - The `Router` class in app/router.py routes.\n\
              - `foo` in a.rs and `bar` in b.rs. Then c.rs alone.\n\
              - [`helper`](app/util.py) helps.\n";
    let got: Vec<(String, Option<String>)> = extract(md, &[])
        .into_iter()
        .map(|c| (c.path, c.symbol))
        .collect();
    let s = |p: &str, sym: Option<&str>| (p.to_string(), sym.map(str::to_string));
    assert_eq!(
        got,
        vec![
            s("src/config.rs", Some("parse_config")),
            s("src/other.rs", Some("Config::load")),
            s("app/router.py", Some("Router")),
            s("a.rs", Some("foo")),
            s("b.rs", Some("bar")),
            s("c.rs", None),
            s("app/util.py", Some("helper")),
        ]
    );
}

#[test]
fn extract_listed_entries_borrow_the_symbol_from_the_text() {
    let md = "The `Config` type in `src/config.rs` holds settings.";
    let got = extract(md, &["src/config.rs".to_string()]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].symbol.as_deref(), Some("Config"));
}

#[test]
fn extract_merges_exact_duplicates_and_keeps_order() {
    let md = "a/x.rs:3, b/y.rs, a/x.rs:3 again, ./b/y.rs, a/x.rs:4";
    assert_eq!(
        paths_lines(&extract(md, &[])),
        vec![
            pl("a/x.rs", Some(3), None),
            pl("b/y.rs", None, None),
            pl("a/x.rs", Some(4), None),
        ]
    );
}

#[test]
fn extract_is_bounded_and_survives_garbage() {
    let mut md = String::new();
    for i in 0..5000 {
        md.push_str(&format!("see dir/f{i}.rs:{i} "));
    }
    assert_eq!(extract(&md, &[]).len(), MAX_EXTRACTED);
    for junk in [
        "`",
        "``",
        "[",
        "](",
        "[a](",
        "[a](<",
        "![",
        "<",
        "<a",
        "```",
        "#L",
        ":12",
        "a.rs:",
        "é/ü.rs:1",
        "[x](file://)",
        "[x](%)",
        "`a.rs` (lines",
        "\u{0}a/b.rs",
        "a/b.rs:99999999999999",
    ] {
        let _ = extract(junk, &[junk.to_string()]);
        let _ = linkify(junk, Path::new("/nonexistent-root"), Path::new("/tmp"));
    }
}

#[test]
fn extract_is_linear_on_huge_hostile_input() {
    // Unclosed backtick runs, brackets and long tokens: each look-ahead is windowed.
    let mut md = String::new();
    while md.len() < 5_000_000 {
        md.push_str("`` [[[ ![ <a ");
        md.push_str(&"x/".repeat(50));
    }
    let got = extract(&md, &[]);
    assert!(got.len() <= MAX_EXTRACTED);
}

#[test]
fn extract_more_prose_forms() {
    let md = "The `src/a.rs`:12 check, src/b.rs at line 7, src/c.rs's loader, \
              [d](<my dir/d.rs> \"title\"), [e](src/e.rs 'tip') and src/f.rs, lines 3 to 9.\n\
              \x20 ```rust title=\"x\"\n  src/g.rs:4\n  ```\n\
              |src/l.rs:2|\n\
              Lines 20-24 of `src/i.rs` and line 3 in src/j.rs; src/k.rs:L8-L9.\n\
              [ref]: src/h.rs#L5\n";
    assert_eq!(
        paths_lines(&extract(md, &[])),
        vec![
            pl("src/a.rs", Some(12), None),
            pl("src/b.rs", Some(7), None),
            pl("src/c.rs", None, None),
            pl("my dir/d.rs", None, None),
            pl("src/e.rs", None, None),
            pl("src/f.rs", Some(3), Some(9)),
            pl("src/g.rs", Some(4), None),
            pl("src/l.rs", Some(2), None),
            pl("src/i.rs", Some(20), Some(24)),
            pl("src/j.rs", Some(3), None),
            pl("src/k.rs", Some(8), Some(9)),
            pl("src/h.rs", Some(5), None),
        ]
    );
}

// ---------------------------------------------------------------- resolve

#[test]
fn resolve_keeps_existing_files_with_lines_and_clamps() {
    let w = ws();
    let refs = [
        r("src/lib.rs", Some(12), Some(30)),
        r("./src/config.rs", Some(2), None),
        r("src/lib.rs", Some(45), Some(900)),
        r("README.md", Some(0), Some(0)),
        r("src/missing.rs", Some(1), None),
        r("src", None, None),
        r("app/router.py", Some(9), Some(3)),
    ];
    let got = resolve(&refs, &w.root, None);
    assert_eq!(
        rels(&got),
        vec![
            loc("src/lib.rs", 12, 30),
            loc("src/config.rs", 2, 2),
            loc("src/lib.rs", 45, 50),
            loc("README.md", 1, 1),
            loc("app/router.py", 9, 9),
        ]
    );
    let canon = fs::canonicalize(w.root.join("src/lib.rs")).unwrap();
    assert_eq!(got[0].path, canon);
}

#[test]
fn resolve_drops_every_hostile_form() {
    let w = ws();
    let secret = w.outside.join("secret.rs");
    fs::create_dir_all(w.root.join("links")).unwrap();
    symlink(&secret, w.root.join("links/out.rs")).unwrap();
    symlink(&w.outside, w.root.join("links/outdir")).unwrap();
    let hostile = [
        secret.to_string_lossy().into_owned(),
        format!("file://{}", secret.display()),
        "../outside/secret.rs".into(),
        "src/../../outside/secret.rs".into(),
        "..\\outside\\secret.rs".into(),
        "~/secret.rs".into(),
        "~root/.bashrc".into(),
        "C:\\Windows\\win.ini".into(),
        "C:/Windows/win.ini".into(),
        "\\\\server\\share\\x.rs".into(),
        "//server/share/x.rs".into(),
        "%2e%2e/outside/secret.rs".into(),
        "..%2foutside%2fsecret.rs".into(),
        "%252e%252e/outside/secret.rs".into(),
        "links/out.rs".into(),
        "links/outdir/secret.rs".into(),
        "https://example.com/src/lib.rs".into(),
        "javascript:alert(1)".into(),
        "/etc/passwd".into(),
        "src/lib.rs\u{0}".into(),
    ];
    let refs: Vec<CitationRef> = hostile.iter().map(|p| r(p, Some(1), None)).collect();
    let got = resolve(&refs, &w.root, None);
    assert!(got.is_empty(), "{:?}", rels(&got));
}

#[test]
fn resolve_never_opens_special_files() {
    let w = ws();
    let fifo = w.root.join("pipe.rs");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        return; // no mkfifo here; the regular-file check is covered by the directory case
    }
    // Opening a FIFO for reading would block forever: it must be refused before that.
    let got = resolve(
        &[r("pipe.rs", Some(1), None), r("src/lib.rs", Some(2), None)],
        &w.root,
        None,
    );
    assert_eq!(rels(&got), vec![loc("src/lib.rs", 2, 2)]);
}

#[test]
fn resolve_accepts_absolute_and_file_urls_inside_the_root_and_inner_symlinks() {
    let w = ws();
    symlink(w.root.join("src/lib.rs"), w.root.join("alias.rs")).unwrap();
    let abs = w.root.join("src/lib.rs");
    let refs = [
        r(&abs.to_string_lossy(), Some(3), None),
        r(
            &format!("file://{}", w.root.join("README.md").display()),
            None,
            None,
        ),
        r("alias.rs", Some(20), None),
        r("src/my%20file.rs", None, None),
        r("my%20file.rs", None, None),
    ];
    assert_eq!(
        rels(&resolve(&refs, &w.root, None)),
        vec![
            loc("src/lib.rs", 3, 3),
            loc("README.md", 1, 1),
            loc("src/lib.rs", 20, 20),
            loc("my file.rs", 1, 1),
        ]
    );
}

#[test]
fn resolve_strips_repo_and_checkout_prefixes() {
    let w = ws();
    let refs = [
        r("proj/src/lib.rs", Some(5), None),
        r("owner/proj/app/router.py", Some(4), None),
        r("repos/abc123/src/config.rs", Some(3), None),
    ];
    assert_eq!(
        rels(&resolve(&refs, &w.root, None)),
        vec![
            loc("src/lib.rs", 5, 5),
            loc("app/router.py", 4, 4),
            loc("src/config.rs", 3, 3),
        ]
    );
}

struct FixedLookup;
impl SymbolLookup for FixedLookup {
    fn find_definition(&self, rel_path: &str, symbol: &str) -> Option<(u32, u32)> {
        (rel_path == "src/lib.rs" && symbol == "indexed").then_some((40, 44))
    }
}

#[test]
fn resolve_file_only_refs_find_the_symbol_or_fall_back_to_line_one() {
    let w = ws();
    let with = |p: &str, sym: &str| {
        let mut c = r(p, None, None);
        c.symbol = Some(sym.into());
        c
    };
    let refs = [
        with("src/lib.rs", "indexed"),
        with("src/config.rs", "Config::load"),
        with("app/router.py", "Router"),
        with("app/router.py", "helper"),
        with("README.md", "nowhere"),
    ];
    assert_eq!(
        rels(&resolve(&refs, &w.root, Some(&FixedLookup))),
        vec![
            loc("src/lib.rs", 40, 44),
            loc("src/config.rs", 8, 11),
            loc("app/router.py", 4, 6),
            loc("app/router.py", 9, 10),
            loc("README.md", 1, 1),
        ]
    );
}

#[test]
fn resolve_does_not_search_huge_files_for_definitions() {
    let w = ws();
    let mut big = String::from("\n\nfn target() {\n}\n");
    big.push_str(&"// filler line\n".repeat(400_000));
    fs::write(w.root.join("big.rs"), &big).unwrap();
    let mut c = r("big.rs", None, None);
    c.symbol = Some("target".into());
    let small = CitationRef {
        path: "src/config.rs".into(),
        symbol: Some("parse_config".into()),
        ..c.clone()
    };
    assert_eq!(
        rels(&resolve(&[c, small], &w.root, None)),
        vec![loc("big.rs", 1, 1), loc("src/config.rs", 14, 16)]
    );
}

#[test]
fn resolve_dedups_overlaps_keeps_order_and_prefers_precise_lines() {
    let w = ws();
    let refs = [
        r("src/lib.rs", None, None),
        r("src/lib.rs", Some(10), Some(20)),
        r("README.md", Some(1), None),
        r("src/lib.rs", Some(15), Some(25)),
        r("./src/lib.rs", Some(10), Some(20)),
        r("src/lib.rs", Some(21), Some(22)),
    ];
    assert_eq!(
        rels(&resolve(&refs, &w.root, None)),
        vec![
            loc("src/lib.rs", 10, 20),
            loc("README.md", 1, 1),
            loc("src/lib.rs", 21, 22),
        ]
    );
}

#[test]
fn resolve_with_missing_root_or_empty_input_is_empty() {
    let w = ws();
    assert!(resolve(&[r("src/lib.rs", None, None)], &w.root.join("nope"), None).is_empty());
    assert!(resolve(&[], &w.root, None).is_empty());
    assert!(resolve(&[r("", None, None), r("   ", Some(1), None)], &w.root, None).is_empty());
}

#[test]
fn extract_then_resolve_end_to_end() {
    let w = ws();
    let md = "The settings are parsed by `parse_config` in `src/config.rs`; the\n\
              router lives in proj/app/router.py (lines 4-6). Never read ../outside/secret.rs\n\
              or [this](file:///etc/passwd). See also src/lib.rs#L3-L5.\n";
    let got = resolve(&extract(md, &[]), &w.root, None);
    assert_eq!(
        rels(&got),
        vec![
            loc("src/config.rs", 14, 16),
            loc("app/router.py", 4, 6),
            loc("src/lib.rs", 3, 5),
        ]
    );
}

// ---------------------------------------------------------------- linkify

fn answers_dir(w: &Ws) -> PathBuf {
    let d = w.root.parent().unwrap().join("cache/answers/ws1");
    fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn linkify_rewrites_references_relative_to_the_answer_folder() {
    let w = ws();
    let from = answers_dir(&w);
    let md = "See `src/lib.rs:12-30` and src/config.rs:8, and `parse_config` in `src/config.rs`.\n";
    assert_eq!(
        linkify(md, &w.root, &from),
        "See [`src/lib.rs:12-30`](../../../proj/src/lib.rs#L12-L30) and \
         [src/config.rs:8](../../../proj/src/config.rs#L8), and `parse_config` in \
         [`src/config.rs`](../../../proj/src/config.rs#L14-L16).\n"
    );
}

#[test]
fn linkify_leaves_code_blocks_missing_files_and_web_links_alone() {
    let w = ws();
    let from = answers_dir(&w);
    let md = "```\nsrc/lib.rs:3\n```\nsrc/missing.rs:3 and [docs](https://example.com/a) and [top](#top).\n";
    assert_eq!(linkify(md, &w.root, &from), md);
}

#[test]
fn linkify_rewrites_existing_link_targets_without_double_linking() {
    let w = ws();
    let from = answers_dir(&w);
    let md = "[`Config::load`](src/config.rs#L8-L11) and [lib](src/lib.rs)\n";
    assert_eq!(
        linkify(md, &w.root, &from),
        "[`Config::load`](../../../proj/src/config.rs#L8-L11) and [lib](../../../proj/src/lib.rs)\n"
    );
    // Running it again keeps the links as they are.
    let once = linkify(md, &w.root, &from);
    assert_eq!(linkify(&once, &w.root, &from), once);
}

#[test]
fn linkify_neutralises_hostile_links() {
    let w = ws();
    let from = answers_dir(&w);
    let secret = w.outside.join("secret.rs");
    symlink(&secret, w.root.join("out.rs")).unwrap();
    let md = format!(
        "[a](file://{s}) [b]({s}) [c](../outside/secret.rs) [d](out.rs) [e](javascript:alert(1)) \
         [f](command:workbench.action.terminal.new) ![g](file:///etc/passwd) <file:///etc/passwd> \
         [h](%2e%2e/outside/secret.rs) <a href=\"file:///etc/passwd\">i</a>\n\n[r]: /etc/passwd\n",
        s = secret.display()
    );
    let out = linkify(&md, &w.root, &from);
    assert_eq!(
        out,
        "a b c d e f g `file:///etc/passwd` h &lt;a href=\"file:///etc/passwd\">i&lt;/a>\n\n\\[r]: /etc/passwd\n"
    );
}

#[test]
fn linkify_rewrites_reference_definitions_and_autolinks_inside_the_root() {
    let w = ws();
    let from = answers_dir(&w);
    let canon = fs::canonicalize(&w.root).unwrap();
    let md = format!(
        "See [lib][r] and <file://{}/README.md>.\n\n[r]: src/lib.rs#L2\n[w]: https://example.com\n",
        canon.display()
    );
    assert_eq!(
        linkify(&md, &w.root, &from),
        format!(
            "See [lib][r] and [file://{}/README.md](../../../proj/README.md).\n\n\
             [r]: ../../../proj/src/lib.rs#L2\n[w]: https://example.com\n",
            canon.display()
        )
    );
}

#[test]
fn linkify_without_a_readable_root_still_neutralises() {
    let md = "[x](file:///etc/passwd) and src/lib.rs:3";
    assert_eq!(
        linkify(md, Path::new("/nonexistent/root"), Path::new("/tmp")),
        "x and src/lib.rs:3"
    );
}

/// Timing on a 5 MB answer (run with `--ignored --nocapture`; an optimised build is the real
/// figure). Asserts only what it extracted.
#[test]
#[ignore]
fn measure_5mb_answer() {
    let md = "## How auth works\n\nThe flow starts in `app/main.py` where `create_app()` registers \
              the router.\n\n1. **Login**: `AuthService.login` in \
              [auth_service.py](app/modules/auth/auth_service.py#L45-L80) checks it.\n\
              2. Tokens are minted by `create_token` (app/modules/auth/tokens.py, lines 10-25).\n\
              ```python\ndef foo():\n    return bar  # see app/y.py:3\n```\n\
              Files: app/a.py, app/b.py; e.g. the README.md and src/lib.rs:3.\n";
    let mut big = String::new();
    while big.len() < 5_000_000 {
        big.push_str(md);
    }
    let t = std::time::Instant::now();
    let refs = extract(&big, &[]);
    eprintln!("extract 5 MB: {} refs in {:?}", refs.len(), t.elapsed());
    assert_eq!(refs.len(), 8);
    let w = ws();
    let t = std::time::Instant::now();
    let out = linkify(&big, &w.root, &w.outside);
    eprintln!("linkify 5 MB: {:?}", t.elapsed());
    assert!(out.contains("](../proj/src/lib.rs#L3)"));
}

mod fuzzish {
    use super::*;
    use proptest::prelude::*;

    fn markdownish() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "`",
            "``",
            "```",
            "[",
            "]",
            "(",
            ")",
            "!",
            "<",
            ">",
            "#",
            "#L",
            ":",
            "-",
            "L",
            "1",
            "12",
            "/",
            "\\",
            ".",
            "..",
            "./",
            "a",
            "src",
            ".rs",
            ".py",
            " ",
            "\n",
            "\t",
            "%",
            "%2e",
            "%2F",
            "file://",
            "https://",
            "~",
            "C:",
            "é",
            "日本",
            "\u{0}",
            "\u{202e}",
            "lines ",
            "(lines 3-4)",
            "mod.rs",
            "Config::load",
            "*",
            "_",
            "|",
            "\"",
            "'",
        ]);
        prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn extract_and_linkify_never_panic(md in markdownish(), any in ".{0,200}") {
            let w = ws();
            let refs = extract(&md, std::slice::from_ref(&md));
            prop_assert!(refs.len() <= MAX_EXTRACTED);
            let locs = resolve(&refs, &w.root, None);
            for l in &locs {
                prop_assert!(l.path.starts_with(fs::canonicalize(&w.root).unwrap()));
                prop_assert!(l.start_line >= 1 && l.end_line >= l.start_line);
            }
            let _ = linkify(&md, &w.root, &w.outside);
            let _ = extract(&any, std::slice::from_ref(&any));
            let _ = linkify(&any, &w.root, &w.outside);
        }
    }
}
