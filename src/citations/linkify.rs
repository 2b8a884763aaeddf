//! Rewrites an answer so that its references become relative links from the answer file.
//!
//! The answer file lives in a cache folder outside the workspace, so links climb out of it
//! (`../../…/src/x.rs#L12-L30`). Links that would lead anywhere but a workspace file or the
//! web (other files, `file:` URLs elsewhere, `command:`/`javascript:` URIs) are neutralised:
//! their text stays, the link goes. Raw HTML is escaped for the same reason.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::paths::Resolver;
use super::scan::{self, Event, Form, url_scheme};
use super::{CitationRef, locate, resolve_one};

/// References linked at most (resolving each costs file-system calls).
const MAX_LINKS: usize = 2000;

/// Rewrites the answer so that file references become relative Markdown links from `from_dir`
/// (the answer file's folder) to the cited files.
///
/// - Paths in prose and in code spans that resolve inside `root` become links (with `#L12` or
///   `#L12-L30` when lines are known); code blocks are left alone.
/// - Existing links to workspace files get their target rewritten (never double-linked).
/// - Web links (`http`, `https`, `mailto`) and in-page anchors stay as they are; every other
///   link that does not lead to a workspace file is replaced by its text.
pub fn linkify(markdown: &str, root: &Path, from_dir: &Path) -> String {
    let events = scan::scan(markdown);
    let located = locate(&events);
    let from = std::fs::canonicalize(from_dir).unwrap_or_else(|_| from_dir.to_path_buf());
    let mut linker = Linker {
        res: Resolver::new(root),
        from,
        budget: MAX_LINKS,
        cache: HashMap::new(),
    };
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let symbol_at: HashMap<usize, &CitationRef> = located
        .iter()
        .filter(|l| l.form == Form::Link)
        .map(|l| (l.span.start, &l.cref))
        .collect();

    // In document order, so that the link budget goes to the first references.
    enum Job<'a> {
        Event(&'a Event),
        Ref(&'a super::Located),
    }
    let mut jobs: Vec<(usize, Job)> = Vec::new();
    for e in &events {
        match e {
            Event::Link { span, .. } => jobs.push((span.start, Job::Event(e))),
            Event::RefDef { target, .. } => jobs.push((target.start, Job::Event(e))),
            Event::Html { at } => jobs.push((*at, Job::Event(e))),
            _ => {}
        }
    }
    jobs.extend(
        located
            .iter()
            .filter(|l| l.linkable && l.form != Form::Link)
            .map(|l| (l.span.start, Job::Ref(l))),
    );
    jobs.sort_by_key(|(at, _)| *at);

    for (_, job) in jobs {
        match job {
            Job::Event(Event::Link {
                span,
                text,
                target,
                image,
                autolink,
                cref,
            }) => {
                if target.trim_start().starts_with('#') || is_web(target) {
                    continue;
                }
                let cref = symbol_at.get(&span.start).copied().or(cref.as_ref());
                let text_md = escape_html(&markdown[text.clone()]);
                let url = cref.and_then(|c| linker.url(c, Some(target)));
                let replacement = match url {
                    Some(url) if *autolink => format!("[{}]({url})", escape_brackets(&text_md)),
                    Some(url) => format!("{}[{text_md}]({url})", if *image { "!" } else { "" }),
                    None if *autolink => format!("`{}`", text_md.replace('`', "")),
                    // The text of a dropped link may itself hold link syntax (`[a [b](/](x)`
                    // left `a [b](/`…): escape its brackets so it cannot become a link
                    // (found by the citations fuzz target).
                    None => escape_brackets(&text_md),
                };
                edits.push((span.clone(), replacement));
            }
            Job::Event(Event::RefDef {
                target,
                line_start,
                cref,
            }) => {
                let raw = &markdown[target.clone()];
                if raw.starts_with('#') || is_web(raw.trim_start_matches('<')) {
                    continue;
                }
                match cref.as_ref().and_then(|c| linker.url(c, Some(raw))) {
                    Some(url) => edits.push((target.clone(), url)),
                    None => edits.push((*line_start..*line_start, "\\".to_string())),
                }
            }
            Job::Event(Event::Html { at }) => edits.push((*at..*at + 1, "&lt;".to_string())),
            Job::Event(_) => {}
            Job::Ref(l) => {
                let Some(url) = linker.url(&l.cref, None) else {
                    continue;
                };
                let written = &markdown[l.span.clone()];
                let text = match l.form {
                    Form::Code => written.to_string(),
                    _ => escape_brackets(written),
                };
                edits.push((l.span.clone(), format!("[{text}]({url})")));
            }
        }
    }

    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(markdown.len() + edits.len() * 32);
    let mut at = 0;
    for (range, text) in edits {
        if range.start < at {
            continue; // inside something already rewritten
        }
        out.push_str(&markdown[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&markdown[at..]);
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    drop_stray_links(out, &root, &linker.from)
}

/// The scanner reads line by line, but CommonMark lets links and reference definitions span
/// lines (found by the citations fuzz target). So a real CommonMark parser reads the result,
/// and every link it finds that leads neither to the web, an anchor nor a file inside the
/// workspace is replaced by its text with the link syntax escaped.
fn drop_stray_links(mut text: String, root: &Path, from: &Path) -> String {
    use pulldown_cmark::{Event as Md, Parser, Tag};
    let allowed = |dest: &str| {
        if dest.starts_with('#') || is_web(dest) {
            return true;
        }
        let file = dest.split('#').next().unwrap_or("").replace("%20", " ");
        if file.is_empty() || file.contains(':') || file.starts_with('/') {
            return false;
        }
        std::fs::canonicalize(from.join(file)).is_ok_and(|p| p.starts_with(root))
    };
    // Unlinking can expose another construct (a link inside a link's text): a few passes,
    // then (for pathological input only) every bracket and `<` of the answer is escaped, which
    // leaves no link syntax at all.
    for pass in 0..=8 {
        let mut stray: Vec<Range<usize>> = Vec::new();
        for (event, range) in Parser::new(&text).into_offset_iter() {
            if let Md::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = &event
                && !allowed(dest_url)
                && stray.last().is_none_or(|r| range.start >= r.end)
            {
                stray.push(range);
            }
        }
        if stray.is_empty() {
            break;
        }
        if pass == 8 {
            return escape_brackets(&text).replace('<', "&lt;");
        }
        let mut out = String::with_capacity(text.len() + stray.len() * 8);
        let mut at = 0;
        for r in stray {
            out.push_str(&text[at..r.start]);
            out.push_str(&escape_brackets(&text[r.clone()]).replace('<', "&lt;"));
            at = r.end;
        }
        out.push_str(&text[at..]);
        text = out;
    }
    text
}

type CacheKey = (
    String,
    Option<u32>,
    Option<u32>,
    Option<String>,
    Option<String>,
);

/// Resolves references to link URLs, each distinct one once, at most `MAX_LINKS` of them.
struct Linker {
    res: Option<Resolver>,
    from: PathBuf,
    budget: usize,
    cache: HashMap<CacheKey, Option<String>>,
}

impl Linker {
    fn url(&mut self, cref: &CitationRef, target: Option<&str>) -> Option<String> {
        let key = (
            cref.path.clone(),
            cref.start_line,
            cref.end_line,
            cref.symbol.clone(),
            target.map(str::to_string),
        );
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        let url = self.compute(cref, target);
        self.cache.insert(key, url.clone());
        url
    }

    fn compute(&mut self, cref: &CitationRef, target: Option<&str>) -> Option<String> {
        let r = self.res.as_mut()?;
        let canon = r
            .file(&cref.path)
            .or_else(|| target.and_then(|t| r.file_from(strip_fragment(t), &self.from)))?;
        let found = resolve_one(r, cref, None, canon)?;
        let mut url = relative_url(&self.from, &found.loc.path);
        if found.precise {
            let (s, e) = (found.loc.start_line, found.loc.end_line);
            url.push_str(&if s == e {
                format!("#L{s}")
            } else {
                format!("#L{s}-L{e}")
            });
        }
        Some(url)
    }
}

fn is_web(target: &str) -> bool {
    url_scheme(target.trim()).is_some_and(|s| {
        ["http", "https", "mailto"]
            .iter()
            .any(|w| s.eq_ignore_ascii_case(w))
    })
}

fn strip_fragment(target: &str) -> &str {
    let t = target.trim();
    t.split(['#', '?']).next().unwrap_or(t)
}

/// Escapes every bracket that is not escaped yet. Idempotent: escaping `\[` again must not
/// give `\\[` (an escaped backslash, then a live bracket), which repeated unlinking passes did
/// (found by the citations fuzz target).
fn escape_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut backslashes = 0;
    for c in s.chars() {
        if matches!(c, '[' | ']') && backslashes % 2 == 0 {
            out.push('\\');
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
    }
    out
}

/// Escapes `<` that would open raw HTML (`<a href=…>`, `<img …>`, `<!-- -->`).
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && matches!(chars.peek(), Some(n) if n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'))
        {
            out.push_str("&lt;");
        } else {
            out.push(c);
        }
    }
    out
}

/// `../../ws/src/a%20b.rs` from `from` (a folder) to `to` (a file); both absolute.
fn relative_url(from: &Path, to: &Path) -> String {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = f[common..]
        .iter()
        .filter(|c| matches!(c, Component::Normal(_)))
        .map(|_| "..".to_string())
        .collect();
    parts.extend(t[common..].iter().filter_map(|c| match c {
        Component::Normal(n) => Some(encode_component(&n.to_string_lossy())),
        _ => None,
    }));
    parts.join("/")
}

fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'@' | b'=' | b',')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_climb_out_and_encode() {
        assert_eq!(
            relative_url(Path::new("/c/answers/ws1"), Path::new("/w/p/src/a b(1).rs")),
            "../../../w/p/src/a%20b%281%29.rs"
        );
        assert_eq!(
            relative_url(Path::new("/w/p/.answers"), Path::new("/w/p/src/x.rs")),
            "../src/x.rs"
        );
    }

    #[test]
    fn escaping_brackets_twice_keeps_them_escaped() {
        let once = escape_brackets(r"a [b] \[c \\[d");
        assert_eq!(once, r"a \[b\] \[c \\\[d");
        assert_eq!(escape_brackets(&once), once);
    }

    #[test]
    fn html_is_escaped_but_comparisons_are_not() {
        assert_eq!(
            escape_html("<a href=x>y</a> a < b"),
            "&lt;a href=x>y&lt;/a> a < b"
        );
    }
}
