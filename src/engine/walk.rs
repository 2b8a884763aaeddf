//! Which files of a workspace get indexed: gitignore honoured; vendored, generated, minified,
//! binary and oversized files skipped.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::lang::Lang;

pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "vendor",
    "vendored",
    "third_party",
    "third-party",
    "thirdparty",
    "bower_components",
    "target",
    "dist",
    "build",
    "out",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".next",
    ".nuxt",
    "coverage",
    "site-packages",
    "Pods",
    ".idea",
    ".vscode",
    "external",
    "deps",
];

#[derive(Debug, Clone)]
pub struct Candidate {
    pub abs: PathBuf,
    pub rel: String,
    pub lang: Lang,
    /// The extension a script of a text language would have (`pl` for `bin/lwp-request`),
    /// when its `#!` line, not its name, says its language.
    pub script: Option<&'static str>,
    pub size: u64,
    pub mtime: u64,
}

impl Candidate {
    /// The path whose extension names the file's language: [`script_path`].
    pub fn lang_path(&self) -> std::borrow::Cow<'_, str> {
        script_path(&self.rel, self.script)
    }
}

/// `rel`, with the extension `script` says a script of a text language would have: what
/// `Lang::label`, `fence` and `line_comment` read its language from.
pub fn script_path<'a>(rel: &'a str, script: Option<&str>) -> std::borrow::Cow<'a, str> {
    match script {
        Some(ext) => format!("{rel}.{ext}").into(),
        None => rel.into(),
    }
}

pub fn is_skipped_dir(name: &str) -> bool {
    SKIP_DIRS.contains(&name)
}

/// Relative path with `/` separators, or `None` if `abs` is not under `root`.
pub fn rel_path(root: &Path, abs: &Path) -> Option<String> {
    let rel = abs.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            std::path::Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            _ => return None,
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

pub fn mtime_of(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A candidate for this path if its name and metadata qualify (content is checked later).
pub fn candidate(root: &Path, abs: &Path) -> Option<Candidate> {
    let rel = rel_path(root, abs)?;
    if rel.split('/').any(is_skipped_dir) {
        return None;
    }
    let name = rel.rsplit('/').next().unwrap_or(&rel);
    if name.contains(".min.") {
        return None;
    }
    let (lang, script) = match Lang::from_path(&rel) {
        Some(lang) => (lang, None),
        None if !name.contains('.') && !VENDORED_SCRIPTS.contains(&name) => {
            let (lang, ext) = script_lang(abs)?;
            // A grammar reads a Python or Node script whatever its name; a text language's
            // rules go by the label its extension gives.
            (lang, (lang == Lang::Text).then_some(ext))
        }
        None => return None,
    };
    let meta = std::fs::metadata(abs).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES || meta.len() == 0 {
        return None;
    }
    Some(Candidate {
        abs: abs.to_path_buf(),
        rel,
        lang,
        script,
        size: meta.len(),
        mtime: mtime_of(&meta),
    })
}

/// Scripts without an extension that build tools write or copy into a project (Autoconf's,
/// Automake's, Libtool's, the Gradle and Maven wrappers): tens of thousands of lines no one
/// there wrote or asks about.
const VENDORED_SCRIPTS: &[&str] = &[
    "configure",
    "config.status",
    "libtool",
    "install-sh",
    "depcomp",
    "missing",
    "compile",
    "mkinstalldirs",
    "test-driver",
    "ar-lib",
    "py-compile",
    "ylwrap",
    "gradlew",
    "mvnw",
];

/// The language of the script at `abs`, and the extension it would have, by its first line
/// (`Lang::of_script`).
fn script_lang(abs: &Path) -> Option<(Lang, &'static str)> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(abs).ok()?.read(&mut head).ok()?;
    let first = head[..n].split(|&b| b == b'\n').next()?;
    Lang::of_script(std::str::from_utf8(first).ok()?)
}

/// The files a walk found to index, and how many source files it left out for their size.
pub struct Discovered {
    pub files: Vec<Candidate>,
    pub too_large: usize,
}

pub fn discover(root: &Path) -> Discovered {
    let mut out = Vec::new();
    let mut too_large = 0;
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && e.file_name().to_str().is_some_and(is_skipped_dir))
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        match candidate(root, entry.path()) {
            Some(c) => out.push(c),
            None => {
                let big = entry.metadata().is_ok_and(|m| m.len() > MAX_FILE_BYTES);
                if big && Lang::from_path(&entry.file_name().to_string_lossy()).is_some() {
                    too_large += 1;
                }
            }
        }
    }
    Discovered {
        files: out,
        too_large,
    }
}

/// Content checks: binary, generated, minified. `None` means "skip this file". `comment` is
/// how a line comment starts in the file's language.
pub fn accept_content<'b>(bytes: &'b [u8], comment: Option<&str>) -> Option<&'b str> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return None;
    }
    let nonprint = head
        .iter()
        .filter(|b| !(b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80))
        .count();
    if nonprint * 10 > head.len() * 3 {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let head_text: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
    // Below a long license header the mark is still a comment of the file's own language:
    // protoc writes `# Generated by the protocol buffer compiler.  DO NOT EDIT!` on line 15 of
    // a `_pb2.py` under Google's license, while a generator script holds the mark of the
    // files it writes in a string (`// GENERATED BY make_unicode_groups.py; DO NOT EDIT.`).
    let marked_below = comment.is_some_and(|mark| {
        text.lines().skip(12).take(18).any(|line| {
            let line = line.trim_start();
            let lower = line.to_ascii_lowercase();
            line.starts_with(mark) && lower.contains("generated") && lower.contains("do not edit")
        })
    });
    if marked_below {
        return None;
    }
    if head_text.contains("@generated") || head_text.contains("DO NOT EDIT") {
        return None;
    }
    // Generators also write it in sentence case: "Generated File. Do not edit." (a bundled
    // script), "automatically generated from guide.md by Knit tool. Do not edit." Both on one
    // line, so a hand-written "do not edit this list" alone does not count.
    if head_text.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.contains("generated") && line.contains("do not edit")
    }) {
        return None;
    }
    // Minified: very long average line length.
    // Newlines counted as bytes (vectorised), not with `lines()`: this runs on every file.
    let lines = bytes.iter().filter(|b| **b == b'\n').count().max(1);
    if text.len() > 2000 && text.len() / lines > 300 {
        return None;
    }
    Some(text)
}

/// Test, example, docs and bench files: demoted unless the question asks for them.
pub fn auxiliary_class(rel: &str) -> u8 {
    let lower = rel.to_ascii_lowercase();
    let segs: Vec<&str> = lower.split('/').collect();
    let name = segs.last().copied().unwrap_or("");
    let dir_has = |names: &[&str]| {
        segs[..segs.len().saturating_sub(1)]
            .iter()
            .any(|s| names.contains(s))
    };
    if dir_has(&[
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "testdata",
        "fixtures",
        "test_utils",
        "testing_utils",
        // Test infrastructure: RE2's `re2/testing/` (its tester and its `_test.cc` files),
        // RxJS's `src/internal/testing/` (the marble test scheduler), Go's `testutil`.
        "testing",
        "testutil",
        "testutils",
    ]) || segs[..segs.len().saturating_sub(1)]
        .iter()
        .any(|s| names_tests(s))
        || name.starts_with("test_")
        || name.ends_with("_test.go")
        || name.ends_with("_test.py")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name == "conftest.py"
        || is_test_file_name(rel.rsplit('/').next().unwrap_or(""))
    {
        return AUX_TEST;
    }
    if dir_has(&["example", "examples", "samples", "sample", "demo", "demos"]) {
        return AUX_EXAMPLE;
    }
    if dir_has(&["doc", "docs", "documentation"]) {
        return AUX_DOCS;
    }
    if dir_has(&["bench", "benches", "benchmark", "benchmarks", "perf"]) {
        return AUX_BENCH;
    }
    0
}

/// Operating systems few users run, as they appear in a port's directory or file name
/// (`src/win/pipe.c`, `env_windows.cc`, `command_win.go`, `src/unix/aix.c`).
const PORT_NAMES: &[&str] = &[
    "win", "win32", "win64", "windows", "aix", "os390", "zos", "sunos", "solaris", "haiku",
    "cygwin", "qnx", "ibmi", "os400", "hurd",
];

/// Whether a file is a port to one of `PORT_NAMES`: a question that names no platform is
/// about the code that runs everywhere, or where most users run it.
pub fn is_platform_port(rel: &str) -> bool {
    let (dirs, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = name.split_once('.').map_or(name, |(s, _)| s);
    dirs.split('/')
        .chain(stem.split(['_', '-']))
        .any(is_port_name)
}

/// Whether a word (a path segment, a question's word) names one of `PORT_NAMES`.
pub fn is_port_name(word: &str) -> bool {
    PORT_NAMES.iter().any(|p| word.eq_ignore_ascii_case(p))
}

/// A directory named for tests in words: OCaml's `lib_test`, `unit-tests`, `integration_tests`.
fn names_tests(dir: &str) -> bool {
    dir.contains(['_', '-']) && dir.split(['_', '-']).any(|w| w == "test" || w == "tests")
}

/// Test files by the naming conventions of the other supported languages: Rust test modules
/// (`tests.rs`, `foo_tests.rs`), Python `tests.py`, Java/Kotlin `FooTest.java`, C/C++
/// `foo_test.cc` and `foo_unittest.cc`. Case matters for the CamelCase ones (`Latest.java` is
/// not a test).
fn is_test_file_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    match ext {
        "rs" | "py" => {
            stem == "tests" || stem == "test" || stem.ends_with("_tests") || stem.ends_with("_test")
        }
        "java" | "kt" => stem.ends_with("Test") || stem.ends_with("Tests") || stem.ends_with("IT"),
        // Scala's, Swift's, PHP's, C#'s and Haskell's `FooTest`, `FooTests`, `FooSpec`,
        // `FooSuite` (not Java's, where `KeySpec` is an API).
        "scala" | "swift" | "php" | "cs" | "hs" => ["Test", "Tests", "Spec", "Suite"]
            .iter()
            .any(|s| stem.len() > s.len() && stem.ends_with(s)),
        // Elixir's, Ruby's, Clojure's, Erlang's, OCaml's and Lua's `foo_test`, `foo_spec`.
        "exs" | "ex" | "rb" | "clj" | "cljs" | "cljc" | "erl" | "ml" | "lua" => {
            ["_test", "_tests", "_spec", "_SUITE"]
                .iter()
                .any(|s| stem.ends_with(s))
        }
        "c" | "cc" | "cpp" | "cxx" => {
            stem.ends_with("_test") || stem.ends_with("_unittest") || stem.ends_with("_tests")
        }
        _ => false,
    }
}

pub const AUX_TEST: u8 = 1;
pub const AUX_EXAMPLE: u8 = 2;
pub const AUX_DOCS: u8 = 3;
pub const AUX_BENCH: u8 = 4;

#[cfg(test)]
mod test_file_names {
    use super::*;

    #[test]
    fn test_files_by_language_conventions() {
        for test in [
            "src/citations/tests.rs",
            "src/net/tcp_tests.rs",
            "pkg/app/tests.py",
            "src/main/java/com/x/ParserTest.java",
            "base/strings_unittest.cc",
            "lib/foo_test.cpp",
            "lib_test/old/re_match.ml",
            "src/unit-tests/parse.js",
            "Tests/CapacitorTests/RouterTests.swift",
            "src/test/scala/VectorSuite.scala",
            "test/mix/dep_test.exs",
            "spec/rack/request_spec.rb",
            "test/Text/MegaparsecSpec.hs",
            "re2/testing/tester.cc",
            "src/internal/testing/TestScheduler.ts",
            "internal/testutil/server.go",
        ] {
            assert_eq!(auxiliary_class(test), AUX_TEST, "{test}");
        }
        for code in [
            "src/Latest.java",
            "src/contest.rs",
            "src/testing_db.rs",
            "src/attestation.py",
            "src/main/java/com/x/crypto/KeySpec.java",
            "lib/contest_rules.ml",
            "src/latest-build/main.js",
        ] {
            assert_ne!(auxiliary_class(code), AUX_TEST, "{code}");
        }
    }

    #[test]
    fn ports_to_rarely_run_systems_by_directory_or_file_name() {
        for port in [
            "src/win/pipe.c",
            "util/env_windows.cc",
            "command_win.go",
            "src/unix/aix.c",
            "src/unix/os390-syscalls.c",
            "src/net/windows/named_pipe.rs",
        ] {
            assert!(is_platform_port(port), "{port}");
        }
        for common in [
            "src/unix/pipe.c",
            "src/internal/operators/window.ts",
            "lib/windowing.py",
            "src/unix/linux.c",
            "darwin.go",
        ] {
            assert!(!is_platform_port(common), "{common}");
        }
    }
}
