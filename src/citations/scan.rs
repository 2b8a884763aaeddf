//! Finds references, symbols and links in an answer's Markdown, with their byte spans.
//!
//! One linear pass over the lines; every look-ahead is bounded by a small window, so huge or
//! hostile answers cost time proportional to their size. Shared by `extract` and `linkify` so
//! that what is cited and what is linked are the same thing.

use std::ops::Range;

use super::CitationRef;
use super::refs::{FOLLOWING_LINES, PRECEDING_LINES, ident_of, target_ref, token_ref};
pub(crate) use super::refs::{percent_decode, split_line_spec, strip_file_url, url_scheme};

/// Longest token considered as a path.
pub(super) const MAX_TOKEN: usize = 1024;
/// How far a closing backtick run or link part is looked for.
const WINDOW: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A path written as prose.
    Bare,
    /// A path in an inline code span (the span includes the backticks).
    Code,
    /// A Markdown link or image whose target is a path.
    Link,
}

#[derive(Debug, Clone)]
pub(crate) enum Event {
    /// A reference to a file; `span` is the text a link would cover.
    Ref {
        span: Range<usize>,
        cref: CitationRef,
        form: Form,
        /// Inside a fenced code block (never linked).
        in_fence: bool,
        /// Inside the text of a link (never linked again).
        nested: bool,
    },
    /// A backticked identifier (`parse_config`, `Config::load`, `a.b`).
    Ident { span: Range<usize>, name: String },
    /// End of a sentence, list item, paragraph or heading.
    Boundary,
    /// A link or image; `cref` is set when its target is a path (or `file:` URL).
    Link {
        span: Range<usize>,
        text: Range<usize>,
        target: String,
        image: bool,
        autolink: bool,
        cref: Option<CitationRef>,
    },
    /// A link reference definition `[id]: target`; `target` is the span of the target.
    RefDef {
        target: Range<usize>,
        line_start: usize,
        cref: Option<CitationRef>,
    },
    /// A `<` that opens raw HTML (linkify escapes it).
    Html { at: usize },
}

/// Lines of the fence that opens at `line`, if it is one: (char, length).
fn fence_open(line: &str) -> Option<(u8, usize)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let c = *t.as_bytes().first()?;
    if c != b'`' && c != b'~' {
        return None;
    }
    let n = t.bytes().take_while(|&b| b == c).count();
    if n < 3 || (c == b'`' && t[n..].contains('`')) {
        return None;
    }
    Some((c, n))
}

fn fence_closes(line: &str, (c, n): (u8, usize)) -> bool {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return false;
    }
    let run = t.bytes().take_while(|&b| b == c).count();
    run >= n && t[run..].trim().is_empty()
}

/// Starts a new block: list item, heading, quote, table row or rule.
fn starts_block(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with('>') || t.starts_with('|') {
        return true;
    }
    if let Some(rest) = t.strip_prefix(['-', '*', '+'])
        && (rest.is_empty() || rest.starts_with(' '))
    {
        return true;
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && digits < 10 && matches!(t.as_bytes().get(digits), Some(b'.' | b')'))
}

/// Scans the whole answer.
pub(crate) fn scan(md: &str) -> Vec<Event> {
    let mut ev = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    let mut offset = 0;
    for raw in md.split_inclusive('\n') {
        let base = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some(f) = fence {
            if fence_closes(line, f) {
                fence = None;
                ev.push(Event::Boundary);
            } else {
                scan_fence_line(line, base, &mut ev);
            }
            continue;
        }
        if let Some(f) = fence_open(line) {
            fence = Some(f);
            ev.push(Event::Boundary);
            continue;
        }
        if line.trim().is_empty() || starts_block(line) {
            ev.push(Event::Boundary);
        }
        if let Some(e) = ref_def(line, base) {
            ev.push(e);
            ev.push(Event::Boundary);
            continue;
        }
        Inline {
            s: line,
            base,
            ev: &mut ev,
        }
        .run(0, line.len(), false);
        if line.trim_start().starts_with('#') {
            ev.push(Event::Boundary);
        }
    }
    ev
}

/// In code blocks only `path:line`-like tokens count: most tokens there are code.
fn scan_fence_line(line: &str, base: usize, ev: &mut Vec<Event>) {
    let mut start = None;
    let is_delim =
        |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '(' | ')' | ',' | ';' | '=' | '`');
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        if is_delim(c) {
            if let Some(s) = start.take() {
                let tok = trim_token(&line[s..i]);
                let at = s + tok.0;
                if let Some(cref) = token_ref(tok.1, true) {
                    ev.push(Event::Ref {
                        span: base + at..base + at + tok.1.len(),
                        cref,
                        form: Form::Bare,
                        in_fence: true,
                        nested: false,
                    });
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    ev.push(Event::Boundary);
}

/// `[id]: target` at the start of a line.
fn ref_def(line: &str, base: usize) -> Option<Event> {
    let t = line.trim_start_matches(' ');
    let indent = line.len() - t.len();
    if indent > 3 || !t.starts_with('[') || t.starts_with("[^") {
        return None;
    }
    let close = t.find("]:")?;
    if close < 2 || t[1..close].contains(['[', ']']) {
        return None;
    }
    let after = &t[close + 2..];
    let target = after.trim_start();
    let tstart = indent + close + 2 + (after.len() - target.len());
    let tlen = target.find(char::is_whitespace).unwrap_or(target.len());
    if tlen == 0 {
        return None;
    }
    // Only a well-formed definition hides the rest of its line from inline scanning: after
    // the target, nothing or one quoted title. Otherwise (`[a]:x text [b](file:///)`) it is
    // a paragraph in CommonMark, whose links must be scanned (found by the citations fuzz
    // target: such a line kept a link to outside the workspace).
    let rest = target[tlen..].trim();
    if !rest.is_empty() {
        let close = match rest.as_bytes()[0] {
            b'"' => '"',
            b'\'' => '\'',
            b'(' => ')',
            _ => return None,
        };
        let body = &rest[1..];
        if !body.ends_with(close) || body[..body.len() - 1].contains(close) {
            return None;
        }
    }
    let raw = &line[tstart..tstart + tlen];
    let inner = raw
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(raw);
    Some(Event::RefDef {
        target: base + tstart..base + tstart + tlen,
        line_start: base + indent,
        cref: target_ref(inner),
    })
}

/// Leading/trailing punctuation that wraps a path in prose.
fn trim_token(tok: &str) -> (usize, &str) {
    let lead = tok
        .char_indices()
        .find(|(_, c)| {
            !matches!(
                c,
                '(' | '[' | '{' | '"' | '\'' | '*' | '<' | '“' | '‘' | '|'
            )
        })
        .map_or(tok.len(), |(i, _)| i);
    let rest = &tok[lead..];
    let punct = [
        ')', ']', '}', '"', '\'', '*', ',', ';', ':', '.', '!', '?', '>', '”', '’', '|',
    ];
    let mut trimmed = rest.trim_end_matches(punct);
    // `src/a.rs's` → `src/a.rs`
    for suffix in ["'s", "’s"] {
        if let Some(t) = trimmed.strip_suffix(suffix) {
            trimmed = t.trim_end_matches(punct);
        }
    }
    (lead, trimmed)
}

struct Inline<'a> {
    s: &'a str,
    base: usize,
    ev: &'a mut Vec<Event>,
}

impl Inline<'_> {
    /// Scans `s[from..to]`; `nested` inside a link's text.
    fn run(&mut self, from: usize, to: usize, nested: bool) {
        let b = self.s.as_bytes();
        let mut i = from;
        let mut tok: Option<usize> = None;
        while i < to {
            let c = b[i];
            match c {
                b'`' => {
                    self.flush(&mut tok, i, nested);
                    let n = b[i..to].iter().take_while(|&&x| x == b'`').count();
                    match self.find_run(i + n, to, n) {
                        Some(j) => {
                            self.code_span(i, i + n, j, j + n, nested);
                            i = j + n;
                        }
                        None => i += n,
                    }
                }
                b'[' | b'!' if c == b'[' || b.get(i + 1) == Some(&b'[') => {
                    let open = if c == b'!' { i + 1 } else { i };
                    match self.link(open, to) {
                        Some((text, target, end)) => {
                            self.flush(&mut tok, i, nested);
                            self.push_link(i, text, target, end, c == b'!', nested);
                            i = end;
                        }
                        None => {
                            if tok.is_none() && c != b'[' {
                                tok = Some(i);
                            }
                            if c == b'[' {
                                self.flush(&mut tok, i, nested);
                            }
                            i += 1;
                        }
                    }
                }
                b'<' => {
                    self.flush(&mut tok, i, nested);
                    if let Some(end) = self.autolink(i, to) {
                        let inner = &self.s[i + 1..end - 1];
                        if !nested {
                            self.ev.push(Event::Link {
                                span: self.base + i..self.base + end,
                                text: self.base + i + 1..self.base + end - 1,
                                target: inner.to_string(),
                                image: false,
                                autolink: true,
                                cref: target_ref(inner),
                            });
                        }
                        i = end;
                    } else {
                        if matches!(b.get(i + 1), Some(x) if x.is_ascii_alphabetic() || matches!(x, b'/' | b'!' | b'?'))
                        {
                            self.ev.push(Event::Html { at: self.base + i });
                        }
                        i += 1;
                    }
                }
                b']' => {
                    self.flush(&mut tok, i, nested);
                    i += 1;
                }
                _ if c.is_ascii_whitespace() => {
                    self.flush(&mut tok, i, nested);
                    i += 1;
                }
                _ => {
                    if tok.is_none() {
                        tok = Some(i);
                    }
                    i += utf8_len(c);
                }
            }
        }
        self.flush(&mut tok, to.min(self.s.len()), nested);
    }

    fn flush(&mut self, tok: &mut Option<usize>, end: usize, nested: bool) {
        let Some(start) = tok.take() else { return };
        let Some(raw) = self.s.get(start..end) else {
            return;
        };
        let (lead, t) = trim_token(raw);
        let at = start + lead;
        if let Some(mut cref) = token_ref(t, false) {
            let tail = at + t.len();
            if cref.start_line.is_none()
                && let Some((s, e)) = self.lines_near(at, tail)
            {
                cref.start_line = Some(s);
                cref.end_line = e;
            }
            self.ev.push(Event::Ref {
                span: self.base + at..self.base + tail,
                cref,
                form: Form::Bare,
                in_fence: false,
                nested,
            });
        }
        if raw.ends_with(['.', '!', '?']) && !nested {
            self.ev.push(Event::Boundary);
        }
    }

    /// Lines written next to a path that spans `start..end`: after it, or (`lines 3-9 of`)
    /// before it.
    fn lines_near(&self, start: usize, end: usize) -> Option<(u32, Option<u32>)> {
        self.following_lines(end).or_else(|| {
            let mut from = start.saturating_sub(48);
            while !self.s.is_char_boundary(from) {
                from += 1;
            }
            let c = PRECEDING_LINES.captures(self.s.get(from..start)?)?;
            let first = c.get(1)?.as_str().parse().ok()?;
            Some((first, c.get(2).and_then(|m| m.as_str().parse().ok())))
        })
    }

    /// `(lines 12-30)`, `lines 12–30`, `line 5`, `L12-L30`, `:12` right after a path.
    fn following_lines(&self, at: usize) -> Option<(u32, Option<u32>)> {
        let mut end = (at + 80).min(self.s.len());
        while !self.s.is_char_boundary(end) {
            end -= 1;
        }
        let after = self.s.get(at..end)?;
        let c = FOLLOWING_LINES.captures(after)?;
        let start = c.get(1)?.as_str().parse().ok()?;
        let end = c.get(2).and_then(|m| m.as_str().parse().ok());
        Some((start, end))
    }

    /// Position of the next run of exactly `n` backticks in `from..to`, within the window.
    fn find_run(&self, from: usize, to: usize, n: usize) -> Option<usize> {
        let b = self.s.as_bytes();
        let limit = to.min(from + WINDOW);
        let mut j = from;
        while j < limit {
            if b[j] == b'`' {
                let m = b[j..to].iter().take_while(|&&x| x == b'`').count();
                if m == n {
                    return Some(j);
                }
                j += m;
            } else {
                j += 1;
            }
        }
        None
    }

    fn code_span(&mut self, open: usize, inner: usize, close: usize, end: usize, nested: bool) {
        let content = self.s[inner..close].trim();
        let span = self.base + open..self.base + end;
        if content.chars().any(char::is_whitespace) {
            // `fn parse_config(x: &str)` names a symbol; prose inside backticks is not a path.
            if let Some(ident) = ident_of(content) {
                self.ev.push(Event::Ident { span, name: ident });
            }
            return;
        }
        if let Some(mut cref) = token_ref(content, false) {
            if cref.start_line.is_none()
                && let Some((s, e)) = self.lines_near(open, end)
            {
                cref.start_line = Some(s);
                cref.end_line = e;
            }
            self.ev.push(Event::Ref {
                span,
                cref,
                form: Form::Code,
                in_fence: false,
                nested,
            });
        } else if let Some(name) = ident_of(content) {
            self.ev.push(Event::Ident { span, name });
        }
    }

    /// `[text](target "title")` starting at `open` (the `[`): (text range, target, end).
    fn link(&self, open: usize, to: usize) -> Option<(Range<usize>, String, usize)> {
        let b = self.s.as_bytes();
        let limit = to.min(open + WINDOW);
        let mut depth = 0usize;
        let mut j = open;
        let close = loop {
            if j >= limit {
                return None;
            }
            match b[j] {
                b'\\' => j += 1,
                b'`' => {
                    let n = b[j..to].iter().take_while(|&&x| x == b'`').count();
                    j = self
                        .find_run(j + n, limit, n)
                        .map_or(j + n - 1, |k| k + n - 1);
                }
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        break j;
                    }
                }
                _ => {}
            }
            j += 1;
        };
        if b.get(close + 1) != Some(&b'(') {
            return None;
        }
        let mut k = close + 2;
        while k < to && b[k] == b' ' {
            k += 1;
        }
        let (target, mut k) = if b.get(k) == Some(&b'<') {
            let rest = self.s.get(k + 1..to)?;
            let rel = rest.bytes().take(WINDOW).position(|x| x == b'>')?;
            (rest[..rel].to_string(), k + rel + 2)
        } else {
            let tstart = k;
            let mut par = 0usize;
            while k < to && k < open + 2 * WINDOW {
                match b[k] {
                    b'\\' => k += 1,
                    b'(' => par += 1,
                    b')' if par == 0 => break,
                    b')' => par -= 1,
                    x if x.is_ascii_whitespace() => break,
                    _ => {}
                }
                k += 1;
            }
            (self.s.get(tstart..k.min(to))?.to_string(), k)
        };
        // An optional title, then `)`.
        while k < to && b[k] == b' ' {
            k += 1;
        }
        if k < to && matches!(b[k], b'"' | b'\'') {
            let q = b[k];
            let rel = self.s[k + 1..to]
                .bytes()
                .take(WINDOW)
                .position(|x| x == q)?;
            k += rel + 2;
            while k < to && b[k] == b' ' {
                k += 1;
            }
        }
        if b.get(k) != Some(&b')') || k >= to {
            return None;
        }
        Some((open + 1..close, target, k + 1))
    }

    fn push_link(
        &mut self,
        start: usize,
        text: Range<usize>,
        target: String,
        end: usize,
        image: bool,
        nested: bool,
    ) {
        let cref = target_ref(&target);
        let cref_is_path = cref.is_some();
        if !nested {
            self.ev.push(Event::Link {
                span: self.base + start..self.base + end,
                text: self.base + text.start..self.base + text.end,
                target,
                image,
                autolink: false,
                cref: cref.clone(),
            });
            if let Some(cref) = cref {
                self.ev.push(Event::Ref {
                    span: self.base + start..self.base + end,
                    cref,
                    form: Form::Link,
                    in_fence: false,
                    nested: false,
                });
            }
        }
        // The text may name the symbol (`[`Config::load`](src/config.rs#L10)`) or, for a web
        // link, a path; such paths are cited but never linked again. Under a path target the
        // text is only a label (`[auth.py](app/auth.py#L4)`): its paths are not citations.
        let mark = self.ev.len();
        self.run(text.start, text.end, true);
        if cref_is_path {
            let tail = self.ev.split_off(mark);
            self.ev
                .extend(tail.into_iter().filter(|e| !matches!(e, Event::Ref { .. })));
        }
    }

    /// `<scheme:…>` without spaces: the end (after `>`).
    fn autolink(&self, at: usize, to: usize) -> Option<usize> {
        let rest = self.s.get(at + 1..to)?;
        let len = rest
            .bytes()
            .take(WINDOW)
            .position(|x| x == b'>' || x == b'<' || x.is_ascii_whitespace())?;
        if rest.as_bytes().get(len) != Some(&b'>') {
            return None;
        }
        url_scheme(&rest[..len])?;
        Some(at + 1 + len + 1)
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_specs() {
        assert_eq!(split_line_spec("a.rs:12"), ("a.rs", Some(12), None));
        assert_eq!(split_line_spec("a.rs:12-30"), ("a.rs", Some(12), Some(30)));
        assert_eq!(split_line_spec("a.rs:12:5"), ("a.rs", Some(12), None));
        assert_eq!(split_line_spec("a.rs#L12"), ("a.rs", Some(12), None));
        assert_eq!(
            split_line_spec("a.rs#L12-L30"),
            ("a.rs", Some(12), Some(30))
        );
        assert_eq!(split_line_spec("a.rs#L12-30"), ("a.rs", Some(12), Some(30)));
        assert_eq!(split_line_spec("C:/x.rs"), ("C:/x.rs", None, None));
        assert_eq!(split_line_spec(":12"), (":12", None, None));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2e%2E%2f"), "a b../");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
