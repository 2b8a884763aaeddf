//! A lexical pre-scan of Rust source that lets the file's one tree-sitter parse skip work:
//!
//! - **Comments** are left out of the parser's included ranges. They are a large share of
//!   well-documented code (46 % of tokio's bytes) and the index reads nothing from their nodes:
//!   doc comments are read from the text above a definition, and the walk never enters them.
//! - **Item macros** (`cfg_rt! { pub fn … }`): each invocation's `name! {` and closing `}` are left
//!   out, so the body parses as items in place. Otherwise the grammar reads the body as a token
//!   tree and it has to be parsed a second time as items (`parse::rust_macro_items`, which still
//!   handles whatever this scan does not take).
//!
//! Byte offsets and lines stay those of the file. The scan only decides where comments and
//! braces are; when it misjudges, the parse reports an error and the caller parses again with
//! less left out.

use tree_sitter::{Point, Range};

/// One brace-delimited macro invocation at item level whose body reads as items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemMacro {
    /// Byte range of the macro's name (`cfg_rt`).
    pub name: (usize, usize),
    /// Byte offsets of the body's `{` and `}`.
    pub open: usize,
    pub close: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ident,
    Punct(u8),
    Literal,
    Lifetime,
}

/// The next token at or after `*pos`, or `None` at the end. Whitespace and comments are
/// skipped; each run of comments (with only whitespace between them) that may be left out of the
/// parse goes to `comments`. `Err` for an unterminated comment or literal: the scan then gives
/// up on the file.
fn next_token(
    text: &str,
    pos: &mut usize,
    comments: &mut Vec<(usize, usize)>,
) -> Result<Option<(Tok, usize, usize)>, ()> {
    let b = text.as_bytes();
    let n = b.len();
    let (mut i, run) = skip_comments(b, *pos)?;
    // Leaving a run out must not join the tokens on either side (`a/* */b`): it needs
    // whitespace (or the file's edge) on one side. And it must pay: tree-sitter's lexer looks
    // for its place among the included ranges by a linear scan on most tokens, so every range
    // costs each token after it. A run is left out when it is at least 1/200 of the text after
    // it (measured by instruction counts: on tokio, leaving every run out saves 9 %; on files of
    // 200-700 kB with a thousand short doc comments it costs 4 %, and this rule saves 0.5 %).
    if let Some((s, e)) = run
        && (s == 0 || b[s - 1].is_ascii_whitespace() || e == n || b[e].is_ascii_whitespace())
        && (e - s) * 200 >= n - e
    {
        comments.push((s, e));
    }
    if i >= n {
        *pos = n;
        return Ok(None);
    }
    let start = i;
    let c = b[i];
    let tok = if is_ident_byte(c) && !c.is_ascii_digit() {
        while i < n && is_ident_byte(b[i]) {
            i += 1;
        }
        let word = &b[start..i];
        match (word, b.get(i)) {
            // Raw strings (`r"…"`, `br#"…"#`, `cr"…"`), unless `r#name` is a raw identifier.
            (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                let mut hashes = 0;
                while i < n && b[i] == b'#' {
                    hashes += 1;
                    i += 1;
                }
                if i < n && b[i] == b'"' {
                    i = raw_string_end(b, i + 1, hashes).ok_or(())?;
                    Tok::Literal
                } else if word == b"r" && hashes == 1 {
                    while i < n && is_ident_byte(b[i]) {
                        i += 1;
                    }
                    Tok::Ident
                } else {
                    *pos = start + 1;
                    return Ok(Some((Tok::Ident, start, start + 1)));
                }
            }
            (b"b" | b"c", Some(b'"')) => {
                i = string_end(b, i + 1, b'"').ok_or(())?;
                Tok::Literal
            }
            (b"b", Some(b'\'')) => {
                i = string_end(b, i + 1, b'\'').ok_or(())?;
                Tok::Literal
            }
            _ => Tok::Ident,
        }
    } else if c.is_ascii_digit() {
        while i < n && is_ident_byte(b[i]) {
            i += 1;
        }
        Tok::Literal
    } else if c == b'"' {
        i = string_end(b, i + 1, b'"').ok_or(())?;
        Tok::Literal
    } else if c == b'\'' {
        // A character literal (`'x'`, `'\n'`, `'é'`) or a lifetime / label (`'a`).
        let next = b.get(i + 1).copied();
        // `i + 1` follows an ASCII quote, so it starts a character.
        let width = text[i + 1..].chars().next().map_or(1, char::len_utf8);
        if next == Some(b'\\') {
            i = string_end(b, i + 1, b'\'').ok_or(())?;
            Tok::Literal
        } else if b.get(i + 1 + width) == Some(&b'\'') {
            i += 2 + width;
            Tok::Literal
        } else {
            i += 1;
            while i < n && is_ident_byte(b[i]) {
                i += 1;
            }
            Tok::Lifetime
        }
    } else {
        i += 1;
        Tok::Punct(c)
    };
    *pos = i;
    Ok(Some((tok, start, i)))
}

/// Skips whitespace and comments from `i`: the offset of the next token and the run of comments
/// (with only whitespace between them) passed on the way. `Err` for an unterminated comment.
fn skip_comments(b: &[u8], mut i: usize) -> Result<(usize, Option<(usize, usize)>), ()> {
    let n = b.len();
    let mut run: Option<(usize, usize)> = None;
    loop {
        while i < n && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        if i + 1 < n && b[i] == b'/' && b[i + 1] == b'/' {
            // Up to the newline, which stays: it ends the comment for the parser too.
            i = memchr::memchr(b'\n', &b[i..]).map_or(n, |k| i + k);
            run = Some((run.map_or(start, |r| r.0), i));
            continue;
        }
        if i + 1 < n && b[i] == b'/' && b[i + 1] == b'*' {
            // Block comments nest in Rust.
            let mut depth = 0usize;
            loop {
                if i + 1 >= n {
                    return Err(());
                }
                if b[i] == b'/' && b[i + 1] == b'*' {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b[i + 1] == b'/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            run = Some((run.map_or(start, |r| r.0), i));
            continue;
        }
        break;
    }
    Ok((i, run))
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// The offset just past the closing `quote` of a literal whose contents start at `i`.
fn string_end(b: &[u8], mut i: usize, quote: u8) -> Option<usize> {
    while i < b.len() {
        i += memchr::memchr2(b'\\', quote, &b[i..])?;
        if b[i] == quote {
            return Some(i + 1);
        }
        i += 2;
    }
    None
}

fn raw_string_end(b: &[u8], mut i: usize, hashes: usize) -> Option<usize> {
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == b'#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

/// Where the current item of an item-level block stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// Before the item's first decisive token (attributes and `pub` keep it here).
    Start,
    /// `impl`, `trait` or `mod`: its block holds items.
    Opens,
    /// `extern`, possibly followed by an ABI string: a block after it holds items.
    Extern,
    /// A plain identifier first: `name!` makes it a macro.
    Ident(usize, usize),
    /// `name!`: a `{` now opens a macro body.
    Bang(usize, usize),
    /// Anything else: its braces hold no items.
    Other,
}

struct Frame {
    items: bool,
    state: Item,
    /// Open `(` and `[` inside this block; tokens inside them decide nothing.
    nest: u32,
    /// Set when this block is a macro body: its name, `{`, and how many macros had been found
    /// before it (those found inside are dropped if the body turns out not to be items).
    body_of: Option<((usize, usize), usize, usize)>,
    /// The body's first token, to tell items (`pub fn`) from other syntax (`if #[cfg] …`).
    first: Option<(Tok, usize, usize)>,
}

impl Frame {
    fn new(items: bool, body_of: Option<((usize, usize), usize, usize)>) -> Frame {
        Frame {
            items,
            state: Item::Start,
            nest: 0,
            body_of,
            first: None,
        }
    }
}

/// What the scan found: item macros (outermost first, nested ones included) and comment runs,
/// both in file order.
#[derive(Debug, Default)]
pub struct Scan {
    pub macros: Vec<ItemMacro>,
    pub comments: Vec<(usize, usize)>,
}

/// Scans `text`. Finds nothing when the file does not lex as Rust.
pub fn scan(text: &str) -> Scan {
    let mut found: Vec<ItemMacro> = Vec::new();
    let mut comments: Vec<(usize, usize)> = Vec::new();
    let mut frames = vec![Frame::new(true, None)];
    let mut pos = 0;
    loop {
        let Ok(next) = next_token(text, &mut pos, &mut comments) else {
            return Scan::default();
        };
        let Some((tok, start, end)) = next else { break };
        let Some(f) = frames.last_mut() else {
            return Scan::default();
        };
        if f.first.is_none() {
            f.first = Some((tok, start, end));
        }
        let decides = f.items && f.nest == 0;
        match tok {
            Tok::Punct(b'{') => {
                let (items, body_of) = if decides {
                    let opened = match f.state {
                        Item::Opens | Item::Extern => (true, None),
                        Item::Bang(s, e) => (true, Some(((s, e), start, found.len()))),
                        _ => (false, None),
                    };
                    f.state = Item::Other;
                    opened
                } else {
                    (false, None)
                };
                frames.push(Frame::new(items, body_of));
            }
            Tok::Punct(b'}') => {
                let Some(done) = frames.pop() else {
                    return Scan::default();
                };
                if let Some((name, open, found_before)) = done.body_of {
                    let body = &text[open + 1..start];
                    if starts_like_item(text, done.first) && looks_like_items(body) {
                        found.insert(
                            found_before,
                            ItemMacro {
                                name,
                                open,
                                close: start,
                            },
                        );
                    } else {
                        found.truncate(found_before);
                    }
                }
                match frames.last_mut() {
                    Some(parent) if parent.items && parent.nest == 0 => parent.state = Item::Start,
                    Some(_) => {}
                    None => return Scan::default(),
                }
            }
            Tok::Punct(b'(' | b'[') => f.nest += 1,
            Tok::Punct(b')' | b']') => f.nest = f.nest.saturating_sub(1),
            _ if !decides => {}
            Tok::Punct(b';') => f.state = Item::Start,
            Tok::Ident => {
                let word = &text[start..end];
                f.state = match f.state {
                    Item::Start => match word {
                        "pub" | "unsafe" | "async" | "default" | "auto" | "safe" => Item::Start,
                        "impl" | "trait" | "mod" => Item::Opens,
                        "extern" => Item::Extern,
                        "macro_rules" => Item::Other,
                        _ => Item::Ident(start, end),
                    },
                    Item::Opens => Item::Opens,
                    _ => Item::Other,
                };
            }
            Tok::Punct(b'!') => {
                f.state = match f.state {
                    Item::Ident(s, e) => Item::Bang(s, e),
                    // `#![…]`, `impl !Send for …`
                    Item::Start | Item::Opens => f.state,
                    _ => Item::Other,
                };
            }
            Tok::Punct(b'#') if f.state == Item::Start => {}
            Tok::Literal if f.state == Item::Extern => {}
            Tok::Lifetime => {}
            _ => {
                if f.state != Item::Opens {
                    f.state = Item::Other;
                }
            }
        }
    }
    if frames.len() != 1 {
        return Scan::default();
    }
    Scan {
        macros: found,
        comments,
    }
}

/// Whether a body's first token can start an item (`#[cfg]`, `pub`, `fn`, `name!`), rather than
/// an expression or a macro's own syntax (`if #[cfg(unix)] { … }`, `$x:expr`).
fn starts_like_item(text: &str, first: Option<(Tok, usize, usize)>) -> bool {
    match first {
        Some((Tok::Punct(b'#'), _, _)) => true,
        Some((Tok::Ident, s, e)) => !matches!(
            &text[s..e],
            "if" | "else"
                | "let"
                | "match"
                | "for"
                | "while"
                | "loop"
                | "return"
                | "self"
                | "Self"
                | "super"
                | "crate"
                | "true"
                | "false"
                | "move"
                | "ref"
                | "mut"
                | "in"
                | "as"
                | "where"
        ),
        _ => false,
    }
}

/// Whether a macro body holds item keywords at all (shared with the parse-again fallback).
pub fn looks_like_items(inner: &str) -> bool {
    [
        "fn ",
        "struct ",
        "impl",
        "enum ",
        "trait ",
        "macro_rules!",
        "mod ",
        "type ",
    ]
    .iter()
    .any(|k| inner.contains(k))
}

/// The parser's included ranges for `text` without `comments` and every macro's `name! {`
/// and `}`.
pub fn included_ranges(
    text: &str,
    macros: &[ItemMacro],
    comments: &[(usize, usize)],
) -> Vec<Range> {
    let mut cuts: Vec<(usize, usize)> = Vec::with_capacity(macros.len() * 2 + comments.len());
    for m in macros {
        cuts.push((m.name.0, m.open + 1));
        cuts.push((m.close, m.close + 1));
    }
    cuts.extend_from_slice(comments);
    cuts.sort_unstable();
    let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for (s, e) in cuts {
        if s > at {
            bounds.push((at, s));
        }
        at = at.max(e);
    }
    if at < text.len() {
        bounds.push((at, text.len()));
    }
    ranges(text, bounds)
}

/// Tree-sitter ranges for sorted, disjoint byte ranges of `text`, their points found in one
/// pass over the text.
pub fn ranges(text: &str, bounds: Vec<(usize, usize)>) -> Vec<Range> {
    let b = text.as_bytes();
    let (mut row, mut line_start, mut scanned) = (0usize, 0usize, 0usize);
    let mut point = |offset: usize| {
        for (i, &c) in b[scanned..offset].iter().enumerate() {
            if c == b'\n' {
                row += 1;
                line_start = scanned + i + 1;
            }
        }
        scanned = offset;
        Point {
            row,
            column: offset - line_start,
        }
    };
    bounds
        .into_iter()
        .map(|(s, e)| Range {
            start_byte: s,
            end_byte: e,
            start_point: point(s),
            end_point: point(e),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::lang::Lang;
    use super::super::parse;
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        scan(text)
            .macros
            .iter()
            .map(|m| &text[m.name.0..m.name.1])
            .collect()
    }

    #[test]
    fn item_macros_at_item_level_are_found_with_their_braces() {
        let text = "cfg_rt! {\n    pub fn spawn() {}\n}\nfn f() { inner! { fn g() {} } }\n";
        let found = scan(text).macros;
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].name.0..found[0].name.1], "cfg_rt");
        assert_eq!(&text[found[0].open..=found[0].open], "{");
        assert_eq!(&text[found[0].close..=found[0].close], "}");
        assert_eq!(found[0].close, text.find("}\nfn").unwrap());
    }

    #[test]
    fn macros_inside_impls_mods_and_other_macros_are_found_in_order() {
        let text = "mod m {\n  impl<'a> X<'a> {\n    cfg_a! { pub fn a(&self) {} }\n  }\n}\n\
                    outer! {\n  #[cfg(x)]\n  inner! { struct S; }\n}\n\
                    impl !Send for Y { cfg_b! { fn b() {} } }\n";
        assert_eq!(names(text), ["cfg_a", "outer", "inner", "cfg_b"]);
    }

    #[test]
    fn bodies_that_are_not_items_are_left_alone() {
        let text = "macro_rules! m { () => { fn x() {} } }\n\
                    cfg_if! { if #[cfg(unix)] { fn u() {} } else { fn w() {} } }\n\
                    thread_local! { static X: u8 = 1; }\n\
                    paren!(fn p() {});\n\
                    const C: T = make! { fn c() {} };\n\
                    fn body() { cfg_rt! { fn hidden() {} } }\n";
        assert!(names(text).is_empty(), "{:?}", names(text));
    }

    #[test]
    fn braces_in_literals_comments_and_lifetimes_do_not_count() {
        let text = "const A: &str = \"}\";\nconst B: char = '}';\nconst C: char = '\\'';\n\
                    const D: &str = r#\"}\"# ;\nconst E: u8 = b'{';\n/* } /* nested } */ { */\n\
                    // }\nfn f<'a>(x: &'a str) -> &'a str { x }\nlet r#type = 1;\n\
                    items! { fn g() {} }\n";
        assert_eq!(names(text), ["items"]);
    }

    #[test]
    fn unbalanced_or_unterminated_text_finds_nothing() {
        for text in [
            "items! { fn g() {} ",
            "items! { fn g() {} }\nconst S: &str = \"open",
            "items! { fn g() {} }\n/* open",
        ] {
            let found = scan(text);
            assert!(
                found.macros.is_empty() && found.comments.is_empty(),
                "{text}"
            );
        }
    }

    #[test]
    fn included_ranges_skip_the_invocation_and_keep_lines() {
        let text = "use a;\nm! {\n    fn f() {}\n}\nfn g() {}\n";
        let found = scan(text).macros;
        let ranges = included_ranges(text, &found, &[]);
        let kept: String = ranges
            .iter()
            .map(|r| &text[r.start_byte..r.end_byte])
            .collect();
        assert_eq!(kept, "use a;\n\n    fn f() {}\n\nfn g() {}\n");
        assert_eq!(ranges[1].start_point, Point { row: 1, column: 4 });
        assert_eq!(ranges[1].end_point, Point { row: 3, column: 0 });
        assert_eq!(ranges[2].start_point, Point { row: 3, column: 1 });
    }

    #[test]
    fn comment_runs_are_found_whole_and_never_join_tokens() {
        let text = "/// Doc one.\n/// Doc two.\n\n// Apart.\nfn f() {} // trailing\n\
                    let s = \"// not a comment\";\nlet a = x/* glued */y;\nlet b = x /* spaced */y;\n";
        let found = scan(text);
        let runs: Vec<&str> = found.comments.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(
            runs,
            [
                "/// Doc one.\n/// Doc two.\n\n// Apart.",
                "// trailing",
                "/* spaced */"
            ]
        );
        let ranges = included_ranges(text, &found.macros, &found.comments);
        let kept: String = ranges
            .iter()
            .map(|r| &text[r.start_byte..r.end_byte])
            .collect();
        assert_eq!(
            kept,
            "\nfn f() {} \nlet s = \"// not a comment\";\nlet a = x/* glued */y;\nlet b = x y;\n"
        );
    }

    /// Rust-ish text from the pieces the scan treats specially.
    fn rustish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let atoms = prop::sample::select(vec![
            "m! {",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ";",
            "!",
            "#",
            "pub ",
            "fn f() ",
            "impl X ",
            "mod m ",
            "extern \"C\" ",
            "macro_rules! ",
            "struct S ",
            "//",
            "/*",
            "*/",
            "\n",
            " ",
            "\"",
            "'",
            "'a",
            "'x'",
            "r#\"",
            "\"#",
            "b'",
            "\\",
            "é",
            "x",
            "1",
        ]);
        prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn any_text_scans_to_sorted_ranges_and_parses_to_real_lines(text in rustish(), any in ".{0,120}") {
            let mut parsers = parse::Parsers::default();
            for text in [&text, &any] {
                let found = scan(text);
                for m in &found.macros {
                    proptest::prop_assert!(m.name.0 < m.name.1 && m.name.1 <= m.open);
                    proptest::prop_assert!(m.open < m.close && m.close < text.len());
                    proptest::prop_assert_eq!(&text[m.open..=m.open], "{");
                    proptest::prop_assert_eq!(&text[m.close..=m.close], "}");
                }
                let ranges = included_ranges(text, &found.macros, &found.comments);
                let mut at = 0;
                for r in &ranges {
                    proptest::prop_assert!(at <= r.start_byte && r.start_byte < r.end_byte);
                    proptest::prop_assert!(r.end_byte <= text.len());
                    at = r.end_byte;
                }
                let parsed = parse::parse_file("a.rs", Lang::Rust, text, &mut parsers);
                for sym in &parsed.symbols {
                    proptest::prop_assert!(1 <= sym.start && sym.start <= sym.end);
                    proptest::prop_assert!(sym.end <= parsed.lines.max(1));
                }
            }
        }
    }
}
