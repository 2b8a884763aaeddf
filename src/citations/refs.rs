//! The forms a reference to code takes in an answer: source file names and extensions,
//! `path:12-30` and `#L12-L30` line specs, `file:` URLs and percent-encoding, link targets,
//! and the identifiers worth pointing at.

use std::sync::LazyLock;

use regex::Regex;

use super::CitationRef;
use super::scan::MAX_TOKEN;

/// Extensions of files answers cite.
pub(super) const SOURCE_EXTS: &[&str] = &[
    "rs", "py", "pyi", "pyx", "js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts", "go", "java",
    "kt", "kts", "scala", "sc", "groovy", "gradle", "c", "h", "cc", "cpp", "cxx", "hpp", "hh",
    "hxx", "inl", "cs", "fs", "vb", "rb", "erb", "rake", "php", "swift", "m", "mm", "sh", "bash",
    "zsh", "fish", "ps1", "lua", "pl", "pm", "r", "dart", "ex", "exs", "erl", "hrl", "hs", "ml",
    "mli", "clj", "cljs", "elm", "vue", "svelte", "astro", "sql", "html", "htm", "css", "scss",
    "sass", "less", "json", "jsonc", "yaml", "yml", "toml", "xml", "md", "mdx", "rst", "txt",
    "ini", "cfg", "conf", "env", "proto", "graphql", "gql", "tf", "hcl", "nix", "zig", "jl",
    "cmake", "mk", "lock", "ipynb", "sol", "v", "sv", "vhd", "asm", "s", "bzl", "star", "jinja",
    "j2", "tpl", "el", "lisp", "lsp", "asd", "scm", "rkt", "cljc", "cu", "cuh", "ipp", "tpp",
    "cppm", "ixx", "ino", "thrift", "nim", "nims", "nimble", "gemspec", "podspec", "ru", "pyw",
    "graphqls", "sld", "ss", "fsx", "c++", "h++",
];

/// Names without an extension that are still files.
pub(super) const SOURCE_NAMES: &[&str] = &[
    "Makefile",
    "Dockerfile",
    "Rakefile",
    "Gemfile",
    "Justfile",
    "Procfile",
    "Vagrantfile",
    "CMakeLists.txt",
    "BUILD",
    "WORKSPACE",
    "Containerfile",
];

pub(crate) fn has_source_ext(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if SOURCE_NAMES.contains(&name) {
        return true;
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() || name.starts_with('.') => {
            SOURCE_EXTS.iter().any(|e| e.eq_ignore_ascii_case(ext))
        }
        _ => false,
    }
}

pub(super) static LINE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:#L(\d{1,9})(?:C\d{1,9})?(?:-L?(\d{1,9})(?:C\d{1,9})?)?|:L?(\d{1,9})(?::\d{1,9})?(?:[-–]L?(\d{1,9})(?::\d{1,9})?)?)$",
    )
    .expect("static regex")
});

pub(super) static FOLLOWING_LINES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:[ \t]{0,3}[(,]?[ \t]{0,3}(?:(?:at|on)[ \t]+)?(?:lines?[ \t]*|L)|:)(\d{1,9})(?:[ \t]*(?:-|–|—|to|through)[ \t]*L?(\d{1,9}))?",
    )
    .expect("static regex")
});

pub(super) static PRECEDING_LINES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\blines?[ \t]+(\d{1,9})(?:[ \t]*(?:-|–|—|to|through)[ \t]*(\d{1,9}))?[ \t]+(?:of|in)[ \t]+[*_]{0,2}$",
    )
    .expect("static regex")
});

pub(super) static IDENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z_$][A-Za-z0-9_$]*(?:(?:::|\.|#|->)[A-Za-z_$][A-Za-z0-9_$]*)*$")
        .expect("static regex")
});

/// Splits `path:12-30`, `path#L12-L30`, … into the path and its lines.
pub(crate) fn split_line_spec(token: &str) -> (&str, Option<u32>, Option<u32>) {
    if token.len() > MAX_TOKEN || !token.bytes().rev().take(32).any(|b| b == b':' || b == b'#') {
        return (token, None, None);
    }
    if let Some(c) = LINE_SUFFIX.captures(token) {
        let whole = c.get(0).map_or(0..0, |m| m.range());
        let path = &token[..whole.start];
        if !path.is_empty() {
            let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
            let start = num(1).or(num(3));
            let end = num(2).or(num(4));
            return (path, start, end);
        }
    }
    (token, None, None)
}

/// Decodes `%XX` escapes (invalid UTF-8 is replaced, bad escapes are kept as written).
pub(crate) fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `file://` URL → path (percent-decoded); anything else unchanged.
pub(crate) fn strip_file_url(s: &str) -> Option<String> {
    let lower = s.get(..7).map(str::to_ascii_lowercase);
    if lower.as_deref() != Some("file://") {
        return None;
    }
    let rest = &s[7..];
    let rest = match rest.get(..9) {
        Some(host) if host.eq_ignore_ascii_case("localhost") => &rest[9..],
        _ => rest,
    };
    Some(percent_decode(rest))
}

/// Has a URL scheme of two letters or more (`C:` is a drive, not a scheme).
pub(crate) fn url_scheme(s: &str) -> Option<&str> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (scheme.len() >= 2
        && first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
    .then_some(scheme)
}

pub(super) fn is_path_char(c: char) -> bool {
    !c.is_whitespace()
        && !c.is_control()
        && !matches!(
            c,
            '*' | '?' | '{' | '}' | '<' | '>' | '|' | '"' | '^' | '`' | '[' | ']'
        )
}

/// A token written in prose or in a code span, as a reference, if it looks like one.
pub(super) fn token_ref(token: &str, need_lines: bool) -> Option<CitationRef> {
    if token.is_empty() || token.len() > MAX_TOKEN {
        return None;
    }
    // Most prose words are not paths: decide that without the regexes.
    if !token.bytes().any(|b| matches!(b, b'/' | b'\\' | b'.'))
        && !SOURCE_NAMES.iter().any(|n| token.starts_with(n))
    {
        return None;
    }
    if need_lines && !token.bytes().any(|b| b == b':' || b == b'#') {
        return None;
    }
    let (path, start, end) = split_line_spec(token);
    if need_lines && start.is_none() {
        return None;
    }
    let path: String = if let Some(p) = strip_file_url(path) {
        p
    } else {
        if path.contains("://") || url_scheme(path).is_some() || path.starts_with("www.") {
            return None;
        }
        path.to_string()
    };
    if path.is_empty() || !path.chars().all(is_path_char) {
        return None;
    }
    if !path.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let stripped = path.trim_start_matches("./");
    if stripped.is_empty() || (stripped.starts_with('@') && !stripped.contains('/')) {
        return None;
    }
    let looks = path.contains('/') || path.contains('\\') || has_source_ext(&path);
    if !looks {
        return None;
    }
    Some(CitationRef {
        path,
        start_line: start,
        end_line: end,
        symbol: None,
    })
}

/// A link target as a reference: a relative or absolute path, or a `file:` URL.
pub(crate) fn target_ref(target: &str) -> Option<CitationRef> {
    let target = target.trim();
    if target.is_empty() || target.len() > 4 * MAX_TOKEN || target.starts_with('#') {
        return None;
    }
    let decoded = match strip_file_url(target) {
        Some(p) => p,
        None if url_scheme(target).is_some() => return None,
        None => percent_decode(target),
    };
    // A fragment names lines (`#L12-L30`) or a heading (ignored); a query means nothing here.
    let (path, frag) = match decoded.find('#') {
        Some(i) => (&decoded[..i], Some(&decoded[i..])),
        None => (decoded.as_str(), None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let (path, mut start, mut end) = split_line_spec(path);
    if let Some(frag) = frag {
        let (_, s, e) = split_line_spec(&format!("x{frag}"));
        if s.is_some() {
            start = s;
            end = e;
        }
    }
    if path.is_empty() || path.chars().any(char::is_control) {
        return None;
    }
    Some(CitationRef {
        path: path.to_string(),
        start_line: start,
        end_line: end,
        symbol: None,
    })
}

pub(super) fn ident_of(code: &str) -> Option<String> {
    let mut s = code.trim();
    for kw in [
        "fn ",
        "def ",
        "class ",
        "struct ",
        "func ",
        "function ",
        "trait ",
        "enum ",
        "interface ",
        "type ",
        "impl ",
        "const ",
        "mod ",
    ] {
        if let Some(rest) = s.strip_prefix(kw) {
            s = rest.trim_start();
            break;
        }
    }
    if let Some(i) = s.find('(')
        && s.ends_with(')')
    {
        s = &s[..i];
    }
    if s.is_empty() || s.len() > 200 || !IDENT.is_match(s) {
        return None;
    }
    const NOISE: &[&str] = &[
        "true",
        "false",
        "null",
        "None",
        "nil",
        "self",
        "this",
        "Self",
        "Some",
        "Ok",
        "Err",
        "undefined",
        "NULL",
        "async",
        "await",
        "return",
    ];
    (!NOISE.contains(&s)).then(|| s.to_string())
}
