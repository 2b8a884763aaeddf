//! Doc comments and signatures of definitions, read from the file's text: the comment lines
//! right above a definition (past attributes and decorators) or a Python docstring, cleaned of
//! comment markers and code examples; the definition's first line as its signature.

use tree_sitter::Node;

use super::node_text;
use super::text::group_end;
use crate::engine::describe::is_markdown_heading;
use crate::engine::lang::Lang;

/// The doc comment (comment lines right above, or a Python docstring) and its byte range.
///
/// Comments above are read from the text, line by line, rather than through
/// `Node::prev_sibling`, which costs a scan of all earlier siblings on every call.
pub(super) fn doc_of(
    lang: Lang,
    range: Node,
    def: Node,
    text: &str,
) -> (String, Option<(usize, usize)>) {
    if lang == Lang::Python
        && let Some(body) = def.child_by_field_name("body")
        && let Some(first) = body.named_child(0)
        && first.kind() == "expression_statement"
        && let Some(s) = first.named_child(0)
        && s.kind() == "string"
    {
        let raw = node_text(s, text);
        return (clean_doc(raw), Some((s.start_byte(), s.end_byte())));
    }
    let found = doc_before(lang, text, range.start_byte());
    if found.1.is_none()
        && matches!(lang, Lang::TypeScript | Lang::Tsx)
        && let Some(first) = first_overload(range, def, text)
    {
        return doc_before(lang, text, first.start_byte());
    }
    found
}

/// The first of the overload signatures right above a TypeScript function or method
/// (`compile(schema: AsyncSchema): …` lines over `compile(schema) {…}`): TSDoc documents an
/// overloaded function there, above them all, and the implementation is what is cited.
fn first_overload<'t>(range: Node<'t>, def: Node, text: &str) -> Option<Node<'t>> {
    // Siblings are found by a scan from the first; most definitions have no overload, and
    // what ends just above says so at once: a block, or no mention of the name.
    if text[..range.start_byte()].trim_end().ends_with(['}', '{']) {
        return None;
    }
    let name = node_text(def.child_by_field_name("name")?, text);
    let above = &text.as_bytes()[range.start_byte().saturating_sub(600)..range.start_byte()];
    memchr::memmem::find(above, name.as_bytes())?;
    let mut first = None;
    let mut prev = range.prev_named_sibling();
    while let Some(p) = prev {
        let signature = if p.kind() == "export_statement" {
            p.child_by_field_name("declaration")
        } else {
            Some(p)
        };
        let is_overload = signature.is_some_and(|s| {
            s.kind().ends_with("signature")
                && s.child_by_field_name("name")
                    .is_some_and(|n| node_text(n, text) == name)
        });
        if is_overload {
            first = Some(p);
        } else if p.kind() != "comment" {
            break;
        }
        prev = p.prev_named_sibling();
    }
    first
}

/// The doc comment in the lines above a definition starting at `at` (also for definitions
/// found without a tree, `Lang::Text`).
pub(super) fn doc_before(lang: Lang, text: &str, at: usize) -> (String, Option<(usize, usize)>) {
    doc_in(text, comment_lines_above(lang, text, at))
}

/// The cleaned doc at `range` of `text`, with the range; none when it says nothing of its own.
pub(super) fn doc_in(
    text: &str,
    range: Option<(usize, usize)>,
) -> (String, Option<(usize, usize)>) {
    match range {
        Some((start, end)) => {
            let raw = &text[start..end];
            let doc = clean_doc(raw);
            if says_nothing(&doc) || is_commented_out_code(raw) {
                (String::new(), None)
            } else {
                (doc, Some((start, end)))
            }
        }
        None => (String::new(), None),
    }
}

/// A doc left empty once cleaned (C#'s `/// <inheritdoc />`), or one that only says to
/// inherit the overridden method's (Javadoc's and PHPDoc's `{@inheritDoc}`, TSDoc's
/// `@inheritDoc`), perhaps with tags (`@phpstan-param Record $record`): the method is
/// described by the one it overrides, which is what an answer then shows
/// (`Index::overridden`).
pub(super) fn says_nothing(doc: &str) -> bool {
    let mut inherits = false;
    for line in doc.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if is_inherit_tag(line) {
            inherits = true;
        } else if !line.starts_with('@') {
            return false;
        }
    }
    inherits || doc.trim().is_empty()
}

/// Code a comment holds instead of prose (`// function invariantObservers(o) {` over the rest
/// of a function, commented out above the definition that replaced it): it says nothing of
/// what that definition does. Its first line opens a block or a call, or ends a statement, and
/// under a third of its lines has a run of four plain words, as a sentence has.
fn is_commented_out_code(raw: &str) -> bool {
    let mut lines = raw
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches(['/', '*', '#', ';', '%', '-'])
                .trim()
        })
        .filter(|l| !l.is_empty());
    // Most docs open with prose: they are told apart by their first line, with no more work.
    let Some(first) = lines.next().filter(|l| l.ends_with(['{', '(', ';'])) else {
        return false;
    };
    let (mut count, mut prose) = (1, usize::from(has_plain_words(first, 4)));
    for line in lines {
        count += 1;
        prose += usize::from(has_plain_words(line, 4));
    }
    count >= 3 && prose * 3 < count
}

/// Whether `line` has `n` words in a row made of letters only (punctuation may end a word).
fn has_plain_words(line: &str, n: usize) -> bool {
    let mut run = 0;
    for word in line.split(' ') {
        let word = word.trim_end_matches([',', '.', ':', '!', '?']);
        if !word.is_empty() && word.chars().all(char::is_alphabetic) {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

fn is_inherit_tag(line: &str) -> bool {
    let tag = line.trim_start_matches(['{', '<', '@']);
    tag.get(..10)
        .is_some_and(|word| word.eq_ignore_ascii_case("inheritdoc"))
        && tag[10..]
            .trim_start_matches(|c: char| c.is_whitespace() || c == '}')
            .trim_start_matches("/>")
            .trim()
            .is_empty()
}

/// The byte range of the comment lines directly above the line where `at` starts (attribute and
/// decorator lines in between are skipped; a blank line or code ends the comment).
pub(super) fn comment_lines_above(lang: Lang, text: &str, at: usize) -> Option<(usize, usize)> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..at].trim().is_empty() {
        return None; // something else precedes the definition on its line
    }
    if lang == Lang::Text
        && let Some(pod) = pod_above(text, line_start)
    {
        return Some(pod);
    }
    let python = lang == Lang::Python;
    let mut cursor = line_start; // start of the line below the one being looked at
    let (mut first, mut last) = (None, None);
    let mut in_block = false; // inside a `/* … */` read bottom-up
    // Inside a block comment of a text language read bottom-up (OCaml's and F#'s `(* … *)`,
    // Haskell's and Elm's `{- … -}`, PowerShell's `<# … #>`): the opener it ends at.
    let mut in_ml_block: Option<&str> = None;
    while cursor > 0 {
        let end = cursor - 1; // the newline ending the line above
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let t = text[start..end].trim();
        // C#'s, Swift's and Objective-C's `#if`, `#endif`, `#region`, `#pragma mark`: no
        // comment, but no code either. Those between a definition and its doc are passed over;
        // one above a doc ends it.
        if lang == Lang::Text && !in_block && in_ml_block.is_none() && is_directive(t) {
            if first.is_some() {
                break;
            }
            cursor = start;
            continue;
        }
        // A script's `#!` line (or Racket's `#lang racket`), or the encoding or editor mode
        // line below it (`# -*- coding: utf-8 -*-`), says how to run or edit the file, not
        // what the definition under them does.
        if (start == 0 || is_second_line(text, start))
            && !in_block
            && in_ml_block.is_none()
            && (t.starts_with("#!") || t.starts_with("#lang ") || t.contains("-*-"))
        {
            break;
        }
        if lang == Lang::Text
            && first.is_none()
            && let Some(doc_start) = doc_string_above(text, start, t)
        {
            // Elixir and Julia document a function in a string above it, not in comments.
            return Some((doc_start, end));
        }
        let comment = if in_block {
            if t.contains("/*") {
                in_block = false;
            }
            true
        } else if let Some(open) = in_ml_block {
            if t.contains(open) {
                in_ml_block = None;
            }
            true
        } else if lang == Lang::Text
            && let Some(&(open, _)) = TEXT_BLOCK_COMMENTS
                .iter()
                // Haskell's pragmas (`{-# INLINE f #-}`) are code.
                .find(|(_, close)| t.ends_with(close) && !t.starts_with("{-#"))
        {
            in_ml_block = (!t.contains(open)).then_some(open);
            true
        } else if python {
            t.starts_with('#')
        } else if lang == Lang::Text
            && (t.starts_with('#')
                || t.starts_with("--")
                || t.starts_with(';')
                || t.starts_with('%'))
        {
            // Ruby, shell, Perl, R and Elixir comment with `#`; Lua and Haskell with `--`,
            // Clojure with `;`, Erlang with `%`.
            true
        } else if t.starts_with("//") || t.starts_with("/*") || t.starts_with('*') {
            in_block = t.ends_with("*/") && !t.contains("/*");
            true
        } else if t.ends_with("*/") {
            // The last line of a block comment; a line of code with a comment after it
            // (`#endif /* __APPLE__ */`) is not one.
            in_block = !t.contains("/*");
            in_block
        } else {
            false
        };
        if comment {
            first = Some(start);
            last.get_or_insert(end);
        } else if first.is_none()
            && let Some(attr_start) = attribute_above(lang, text, start, t)
        {
            // Attributes and decorators sit between a definition and its doc comment, never
            // inside it: the range stays comment lines only.
            cursor = attr_start;
            continue;
        } else {
            break;
        }
        cursor = start;
    }
    Some((first?, last?))
}

/// A doc line without the comment marks of Visual Basic (`'''`, `' `), Haskell and Elm
/// (`{-| … -}`) and PowerShell (`<# … #>`). Most lines have none, and are told so by their
/// ends before any string is searched for.
fn without_text_comment_marks(l: &str) -> &str {
    if !(l.starts_with(['\'', '{', '<']) || l.ends_with(['}', '>'])) {
        return l;
    }
    l.trim_start_matches("'''")
        .trim_start_matches("' ")
        .trim_start_matches("{-|")
        .trim_start_matches("{-")
        .trim_end_matches("-}")
        .trim_start_matches("<#")
        .trim_end_matches("#>")
        .trim()
}

/// A line of PowerShell's comment-based help that names the part below it (`.SYNOPSIS`,
/// `.PARAMETER Path`): a dot and an upper-case word that starts the line.
fn is_powershell_help_keyword(line: &str) -> bool {
    line.strip_prefix('.')
        .and_then(|rest| rest.split_whitespace().next())
        .is_some_and(|word| word.len() >= 4 && word.chars().all(|c| c.is_ascii_uppercase()))
}

/// The block comments of text languages other than C's `/* … */`, opener and closer.
const TEXT_BLOCK_COMMENTS: &[(&str, &str)] = &[("(*", "*)"), ("{-", "-}"), ("<#", "#>")];

/// Whether the line starting at `start` is the file's second.
fn is_second_line(text: &str, start: usize) -> bool {
    start > 0 && !text.as_bytes()[..start - 1].contains(&b'\n')
}

/// A preprocessor line of C#, Swift, Objective-C or Haskell with CPP (`#if DEBUG`, `#endif`,
/// `#region Serialize`), which a language commenting with `#` would read as a comment: the
/// directive follows the `#` at once, as a comment's words seldom do.
fn is_directive(t: &str) -> bool {
    const DIRECTIVES: &[&str] = &[
        "if",
        "ifdef",
        "ifndef",
        "elif",
        "elseif",
        "else",
        "endif",
        "region",
        "endregion",
        "pragma",
        "define",
        "undef",
        "nullable",
        "import",
        "include",
        "warning",
        "error",
        "line",
    ];
    let Some(rest) = t.strip_prefix('#') else {
        return false;
    };
    let word_end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    DIRECTIVES.contains(&&rest[..word_end])
        && rest[word_end..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == '(' || c == '!')
}

/// If the line at `start` (trimmed: `t`) is an attribute or decorator, or the last line of one
/// spanning a few lines (`#[derive(\n  Debug,\n)]`), the start of its first line.
fn attribute_above(lang: Lang, text: &str, start: usize, t: &str) -> Option<usize> {
    if is_attribute_line(lang, t) {
        return Some(start);
    }
    if !(t.ends_with(')') || t.ends_with(']')) {
        return None;
    }
    for (line_start, end) in lines_above(text, start).take(12) {
        let l = text[line_start..end].trim();
        if l.is_empty() {
            return None;
        }
        if is_attribute_line(lang, l) {
            // Only an attribute left open on its first line continues down to here.
            let depth = |open: char, close: char| {
                l.matches(open).count() as i64 - l.matches(close).count() as i64
            };
            return (depth('(', ')') + depth('[', ']') > 0).then_some(line_start);
        }
    }
    None
}

/// The lines above the line that starts at `cursor`, nearest first, as byte ranges without
/// their newline.
fn lines_above(text: &str, mut cursor: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    std::iter::from_fn(move || {
        let end = cursor.checked_sub(1)?;
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        cursor = start;
        Some((start, end))
    })
}

fn is_attribute_line(lang: Lang, t: &str) -> bool {
    match lang {
        Lang::Rust => t.starts_with("#["),
        Lang::Python | Lang::Java | Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
            t.starts_with('@')
        }
        // Swift's `@objc`, Kotlin's `@Suppress(…)`, Elixir's `@spec` and `@impl true`, C#'s
        // `[Obsolete]`, Haskell's `{-# INLINE f #-}`; not an assignment to a Ruby instance variable
        // (`@count = 0`).
        Lang::Text => {
            t.starts_with('@') && !t.contains(" = ")
                || t.starts_with('[') && t.ends_with(']')
                || t.starts_with("{-#")
        }
        _ => false,
    }
}

/// If the line at `start` (trimmed: `t`) ends a doc string, the start of the line that opens
/// it: Elixir's `@doc "Starts it."` or `@doc """` … `"""`, Julia's bare `"""` … `"""`. A
/// string opened after code (`val usage = """`) is data, not a doc.
fn doc_string_above(text: &str, start: usize, t: &str) -> Option<usize> {
    let attribute = |l: &str| {
        ["@doc ", "@typedoc ", "@moduledoc "]
            .iter()
            .any(|k| l.starts_with(k))
            && l.contains('"')
    };
    if attribute(t) {
        return Some(start);
    }
    if !t.ends_with(TRIPLE_QUOTE) {
        return None;
    }
    // A docstring on one line (`"""Returns the users."""`) opens where it closes.
    if t.len() >= 2 * TRIPLE_QUOTE.len() && t.starts_with(TRIPLE_QUOTE) {
        return Some(start);
    }
    let (line_start, end) = lines_above(text, start)
        .take(400)
        .find(|&(s, e)| text[s..e].contains(TRIPLE_QUOTE))?;
    let l = text[line_start..end].trim();
    (attribute(l) || l.starts_with(TRIPLE_QUOTE)).then_some(line_start)
}

const TRIPLE_QUOTE: &str = "\"\"\"";

/// Perl's POD above a `sub` (a blank line between allowed): from the `=item` or `=head` line
/// that names it down to its `=cut`, the byte range.
fn pod_above(text: &str, line_start: usize) -> Option<(usize, usize)> {
    let (cut, end) = lines_above(text, line_start)
        .take(3)
        .find(|&(s, e)| !text[s..e].trim().is_empty())?;
    if text[cut..end].trim() != "=cut" {
        return None;
    }
    // The nearest `=item` or `=head` names this sub, unless an earlier block's `=cut` comes
    // first.
    let (start, _) = lines_above(text, cut).take(200).find(|&(s, _)| {
        ["=item", "=head", "=cut"]
            .iter()
            .any(|d| text[s..].starts_with(d))
    })?;
    (!text[start..].starts_with("=cut")).then_some((start, end))
}

/// A doc tag with at most one word after it (roxygen's `@export` and `@rdname cache_info`,
/// Javadoc's `@since 3.2`): bookkeeping for a documentation tool, not prose about the code.
/// `@param key the key to look up` is kept.
fn is_bare_tag(line: &str) -> bool {
    line.strip_prefix('@')
        .is_some_and(|tag| tag.starts_with(|c: char| c.is_ascii_alphabetic()))
        && line.split_whitespace().count() <= 2
}

/// An OCaml doc comment written under its item, as an interface (`.mli`) places them:
/// `val offset : t -> int -> int * int` then `(** Raise [Not_found] if … *)` on the next line.
/// `after` is the end of the item's last line; a blank line in between attaches nothing.
pub(super) fn ocaml_doc_after(text: &str, after: usize) -> (String, Option<(usize, usize)>) {
    let start = (after + 1).min(text.len());
    let rest = &text[start..];
    let opens =
        rest.trim_start_matches([' ', '\t']).starts_with("(**") && !rest.starts_with("(**)");
    let range = opens
        .then(|| rest.find("*)"))
        .flatten()
        .map(|close| (start, start + close + 2));
    doc_in(text, range)
}

/// A Nim routine's doc: the `##` lines that open its body, after its header (which may run
/// over several lines, up to the one ending in `=`). `start` is where the header begins and
/// `end` where the routine ends.
pub(super) fn nim_doc_inside(
    text: &str,
    start: usize,
    end: usize,
) -> (String, Option<(usize, usize)>) {
    let mut at = start;
    let mut header = true;
    let mut doc: Option<(usize, usize)> = None;
    for line in text[start..end].split_inclusive('\n') {
        let t = line.trim();
        if header {
            header = !t.ends_with('=');
        } else if t.starts_with("##") {
            doc = Some((doc.map_or(at, |d| d.0), at + line.len()));
        } else {
            break;
        }
        at += line.len();
    }
    doc_in(text, doc)
}

/// PowerShell's comment-based help written first inside a function's body, where its
/// conventions put it as often as above (`function Backup {` then `<# .SYNOPSIS … #>`):
/// the `<# … #>` block that opens the body of the function at bytes `start..end`.
pub(super) fn powershell_help_inside(
    text: &str,
    start: usize,
    end: usize,
) -> (String, Option<(usize, usize)>) {
    let body = &text[start..end];
    let Some(open) = body.find('{') else {
        return (String::new(), None);
    };
    let inside = &body[open + 1..];
    let lead = inside.len() - inside.trim_start().len();
    let help = inside[lead..]
        .starts_with("<#")
        .then(|| inside[lead..].find("#>"))
        .flatten()
        .map(|close| {
            let at = start + open + 1 + lead;
            (at, at + close + 2)
        });
    doc_in(text, help)
}

/// The cleaned doc comment at bytes `start..end` of `text` (empty if it no longer fits).
pub fn doc_between(text: &str, start: u32, end: u32) -> String {
    text.get(start as usize..end as usize)
        .map(clean_doc)
        .unwrap_or_default()
}

pub(super) fn clean_doc(raw: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in raw.lines() {
        // A POD directive's word (`=item`, `=cut`) is markup; what follows it is prose.
        let line = match line.strip_prefix('=') {
            Some(pod) => pod.trim_start_matches(|c: char| c.is_ascii_alphanumeric()),
            None => line,
        };
        // Examples inside doc comments are code about other things; keep the prose only.
        let bare = line.trim().trim_start_matches(['/', '!', '*', '#']).trim();
        if bare.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let l = without_text_comment_marks(line.trim())
            .trim_start_matches("(**")
            .trim_start_matches("(*")
            .trim_end_matches("*)")
            .trim_start_matches("/**")
            .trim_start_matches("/*!")
            .trim_start_matches("/*")
            .trim_end_matches("*/")
            .trim_start_matches("///")
            .trim_start_matches("//!")
            .trim_start_matches("//")
            .trim_start_matches('#')
            // Clojure's `;;` and Erlang's `%%`.
            .trim_start_matches([';', '%'])
            .trim_start_matches('*')
            // Lua's and Haskell's `--`; a run of dashes says nothing in any language.
            .trim_start_matches('-')
            // Haddock's `-- |` and `-- ^` say which declaration the comment is for.
            .trim_start()
            .trim_start_matches(['|', '^'])
            // Elixir's `@doc """` opens a doc string, `@doc ~S"…"` a raw one.
            .trim_start_matches("@moduledoc")
            .trim_start_matches("@typedoc")
            .trim_start_matches("@doc")
            .trim_start()
            .trim_start_matches("~S");
        let l = without_string_quotes(l).trim();
        let l = without_doc_markup(l);
        let l = l.trim();
        // PowerShell's comment-based help heads each part with a keyword (`.SYNOPSIS`,
        // `.PARAMETER Path`): markup, like a bare tag.
        if is_powershell_help_keyword(l) {
            continue;
        }
        if is_bare_tag(l) {
            continue;
        }
        if l.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str("\n\n");
            }
            continue;
        }
        // A Markdown heading (rustdoc's `# Safety`) is a paragraph of its own: it names the
        // section below it, and is no part of that section's first sentence.
        let heading = is_markdown_heading(l);
        if heading && !out.is_empty() && !out.ends_with("\n\n") {
            out.push_str("\n\n");
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push(' ');
        }
        out.push_str(l);
        if heading {
            out.push_str("\n\n");
        }
        if out.len() > 1200 {
            break;
        }
    }
    out.trim().to_string()
}

/// A line without the quotes of the string it is written in (`"""Runs it.`, `"Runs it."`,
/// Elixir's `@doc "…"`), but with quotes that belong to the prose (`"filter" contains …`,
/// `Returns "x"`): quotes at an end are the string's when there are three, or when the line
/// has no other.
fn without_string_quotes(line: &str) -> &str {
    for q in ['"', '\''] {
        let inner = line.trim_matches(q);
        if inner.len() == line.len() {
            continue;
        }
        let lead = line.len() - line.trim_start_matches(q).len();
        let trail = line.len() - line.trim_end_matches(q).len();
        return if lead >= 3 || trail >= 3 || !inner.contains(q) {
            inner
        } else {
            line
        };
    }
    line
}

/// Tags of C#'s XML doc comments and of the HTML in Javadoc: markup, not prose. Without this
/// every C# method's doc says `summary`, `param` and `name`, and "parameter" in a question
/// met them all.
const DOC_TAGS: &[&str] = &[
    "summary",
    "remarks",
    "param",
    "typeparam",
    "paramref",
    "typeparamref",
    "returns",
    "value",
    "exception",
    "see",
    "seealso",
    "c",
    "code",
    "para",
    "example",
    "list",
    "item",
    "term",
    "description",
    "inheritdoc",
    "p",
    "b",
    "i",
    "em",
    "strong",
    "pre",
    "br",
    "ul",
    "ol",
    "li",
    "tt",
];

/// `line` without doc markup tags; an attribute's value stays (`<see cref="Reader"/>` →
/// `Reader`, `<param name="count">` → `count`), it names what the prose is about.
fn without_doc_markup(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('<') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at + 1..];
        let bare = tag.trim_start_matches('/');
        let name = &bare[..bare
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(bare.len())];
        let close = tag.find('>');
        match close {
            Some(close) if DOC_TAGS.contains(&name.to_ascii_lowercase().as_str()) => {
                rest = &tag[close + 1..];
                for value in tag[..close].split('"').skip(1).step_by(2) {
                    if !out.is_empty() && !out.ends_with(char::is_whitespace) {
                        out.push(' ');
                    }
                    out.push_str(value);
                    if rest.starts_with(char::is_alphanumeric) {
                        out.push(' ');
                    }
                }
            }
            _ => {
                out.push('<');
                rest = tag;
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// The first line of the definition (more while a parameter list is still open).
pub(super) fn signature(def: Node, text: &str) -> String {
    signature_of_text(node_text(def, text))
}

/// The text of a definition from its first line that is not only annotations (`@Override`,
/// `@app.route("/")` over a few lines, `#[inline]`, `[Obsolete]`): where what an answer shows
/// as its signature starts.
pub(super) fn past_annotation_lines(t: &str) -> &str {
    let mut rest = t;
    loop {
        let line = rest.trim_start();
        let Some(len) = annotation_len(line) else {
            return rest;
        };
        let (same_line, next) = line[len..].split_once('\n').unwrap_or((&line[len..], ""));
        if !same_line.trim().is_empty() || next.trim().is_empty() {
            return rest;
        }
        rest = next;
    }
}

/// The length of the annotation, attribute or decorator `t` starts with, its arguments
/// included: `@Override`, `@get:JvmName("x")`, `@app.route("/")`, `#[inline]`, `[Obsolete]`.
pub(super) fn annotation_len(t: &str) -> Option<usize> {
    if let Some(after) = t.strip_prefix('@') {
        let name_end = 1 + after
            .find(|c: char| !(c.is_alphanumeric() || "_.:".contains(c)))
            .unwrap_or(after.len());
        if name_end == 1 {
            return None;
        }
        if t[name_end..].starts_with('(') {
            return group_end(&t[name_end..], '(', ')').map(|e| name_end + e);
        }
        return Some(name_end);
    }
    let at = usize::from(t.starts_with("#["));
    t[at..]
        .starts_with('[')
        .then(|| group_end(&t[at..], '[', ']').map(|e| at + e))
        .flatten()
}

pub(super) fn signature_of_text(t: &str) -> String {
    let mut out = String::new();
    let mut depth: i32 = 0;
    // A Lisp form's own parenthesis stays open to its end: its head ends with its parameters.
    let open_form = i32::from(t.starts_with('('));
    for (i, line) in t.lines().take(6).enumerate() {
        let l = line.trim();
        if i > 0 {
            out.push(' ');
        }
        out.push_str(l);
        for c in l.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
        }
        if depth <= open_form || out.len() > 200 {
            break;
        }
    }
    let out = out.trim_end_matches('{').trim().to_string();
    if out.len() > 240 {
        let mut cut = 240;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}…", &out[..cut])
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_out_code_is_no_doc() {
        let commented_out = "// function invariantObservers(observable: IObservable) {\n\
                             //     const list = observable.observers\n\
                             //     for (let i = 0; i < l; i++) {\n\
                             //         invariant(map[id] === i, \"INTERNAL ERROR maps id to index in list\")\n\
                             //     }\n\
                             // }\n";
        assert!(is_commented_out_code(commented_out));
        assert_eq!(
            doc_in(commented_out, Some((0, commented_out.len()))).1,
            None
        );
        for doc in [
            // Prose with an example in it, prose first.
            "/// Registers a handler.\n/// Example:\n///     app.on(\"x\", f);\n///     app.off(\"x\", f);\n",
            // A doc that opens with a call, in words.
            "/* printf(3) writes the formatted text to the stream and returns the count of bytes\n\
             * written, or a negative value when the stream cannot be written;\n\
             * the stream stays open in every case. */",
            // Two lines are too few to tell.
            "# if (x) {\n# }\n",
        ] {
            assert!(!is_commented_out_code(doc), "{doc}");
            assert!(doc_in(doc, Some((0, doc.len()))).1.is_some(), "{doc}");
        }
    }

    #[test]
    fn a_markdown_heading_is_a_paragraph_of_its_own() {
        assert_eq!(
            clean_doc("/// # Safety\n/// The returned future must be\n/// destroyed first.\n"),
            "# Safety\n\nThe returned future must be destroyed first."
        );
        // `#` with no space after it is no heading (a C directive, a Ruby `#method`).
        assert_eq!(
            clean_doc("/* Calls #run and\n * #define DEBUG */"),
            "Calls #run and #define DEBUG"
        );
    }

    #[test]
    fn block_comments_of_elm_haskell_and_powershell_are_docs() {
        let doc_of = |text: &str, def: &str| {
            let at = text.find(def).expect("definition");
            doc_before(Lang::Text, text, at).0
        };
        let elm = "module Main exposing (update)\n\n{-| Applies a message to the model.\n-}\nupdate : Msg -> Model -> Model\nupdate msg model =\n    model\n";
        assert_eq!(doc_of(elm, "update :"), "Applies a message to the model.");
        let haskell = "{- | Runs the parser\n   on the whole input. -}\nrunParser :: Parser a -> String -> a\n";
        assert_eq!(
            doc_of(haskell, "runParser"),
            "Runs the parser on the whole input."
        );
        let powershell = "<#\n.SYNOPSIS\nCopies the documents to the backup drive.\n.PARAMETER Target\nThe drive.\n#>\nfunction Invoke-Backup {\n}\n";
        assert_eq!(
            doc_of(powershell, "function"),
            "Copies the documents to the backup drive. The drive."
        );
        // A comment inside a line of code does not make that line a doc.
        let code = "x = 1\nf = g {- inline -} 2\nupdate : Int\n";
        assert_eq!(doc_of(code, "update"), "");
    }

    #[test]
    fn powershell_help_inside_a_function_is_its_doc() {
        let text = "function Invoke-Backup {\n    <#\n    .SYNOPSIS\n    Copies the documents to the backup drive.\n    #>\n    param([string]$Target)\n}\n";
        assert_eq!(
            powershell_help_inside(text, 0, text.len()).0,
            "Copies the documents to the backup drive."
        );
        let plain = "function Invoke-Backup {\n    param([string]$Target) <# inline #>\n}\n";
        assert_eq!(powershell_help_inside(plain, 0, plain.len()).1, None);
    }

    #[test]
    fn a_scripts_first_lines_are_no_doc() {
        let doc_of_first_def = |text: &str, lang: Lang| {
            let at = text.find("start_daemon").expect("definition");
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            doc_before(lang, text, line_start).0
        };
        let shell =
            "#!/bin/bash\n# Starts the daemon in the background.\nstart_daemon() {\n  run &\n}\n";
        assert_eq!(
            doc_of_first_def(shell, Lang::Text),
            "Starts the daemon in the background."
        );
        let python = "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# Starts the daemon.\ndef start_daemon():\n    pass\n";
        assert_eq!(doc_of_first_def(python, Lang::Python), "Starts the daemon.");
        let racket =
            "#lang racket\n;; Adds the item at the back.\n(define (start_daemon q item)\n  q)\n";
        assert_eq!(
            doc_of_first_def(racket, Lang::Text),
            "Adds the item at the back."
        );
        // Nothing else above: no doc, rather than the interpreter's path.
        let bare = "#!/usr/bin/perl\nsub start_daemon {\n}\n";
        assert_eq!(doc_of_first_def(bare, Lang::Text), "");
        // Only the first two lines are read so: further down, `-*-` is a comment's own.
        let later = "x = 1\n\n# Reads a file -*- like Emacs does -*- and more.\ndef start_daemon():\n    pass\n";
        assert!(doc_of_first_def(later, Lang::Python).contains("like Emacs"));
    }
}
