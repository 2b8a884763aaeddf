//! What a cited place is, in one line: the symbol defined there and the answer's own words
//! about it. In Helix the citation hints are where most users read an answer (the workspace
//! diagnostics picker lists only their messages), so "citation 3 of 7" would tell them nothing.
//!
//! Editor-neutral and pure: the LSP layer turns the line into a diagnostic message.

use crate::model::SourceLocation;

/// The longest message; pickers show one line.
const MAX_CHARS: usize = 160;
/// Definition keywords that precede a name, over the languages the engine parses.
const DEF_KEYWORDS: &[&str] = &[
    "def",
    "class",
    "fn",
    "func",
    "function",
    "struct",
    "enum",
    "trait",
    "interface",
    "type",
    "impl",
    "mod",
    "record",
    "union",
    "namespace",
];

/// One line saying what the place `loc` is: the symbol there (read from `file_text`, the cited
/// file) and the words of `markdown` about it, else the `question` it was cited for.
pub fn hint_message(
    markdown: &str,
    question: &str,
    loc: &SourceLocation,
    file_text: Option<&str>,
) -> String {
    let symbol = file_text.and_then(|t| symbol_at(t, loc.start_line, loc.end_line));
    let words = answer_words(markdown, loc, symbol.as_deref());
    let text = match (symbol, words) {
        (Some(s), Some(w)) if contains_word(&w, &s) => w,
        (Some(s), Some(w)) => format!("{s} — {w}"),
        (None, Some(w)) => w,
        (Some(s), None) => format!("{s}, cited for: {}", summary(question)),
        (None, None) => format!("cited for: {}", summary(question)),
    };
    truncate(&text)
}

fn summary(question: &str) -> String {
    question.lines().next().unwrap_or("").trim().to_string()
}

/// The name defined on the first code line of `start..=end` (1-based), looking at a few lines
/// so that decorators, attributes and comments above a definition are skipped.
pub fn symbol_at(text: &str, start: u32, end: u32) -> Option<String> {
    let first = start.max(1) as usize - 1;
    let count = (end.max(start) - start.max(1) + 1).min(6) as usize;
    for line in text.lines().skip(first).take(count) {
        let t = line.trim();
        if t.is_empty() || is_preamble(t) {
            continue;
        }
        return defined_name(t);
    }
    None
}

/// Decorators, attributes, annotations and comments: what stands above a definition.
fn is_preamble(t: &str) -> bool {
    ["@", "#[", "#!", "//", "#", "/*", "*", "--", "\"\"\""]
        .iter()
        .any(|p| t.starts_with(p))
}

/// The name a definition line introduces: the identifier after a definition keyword (past a
/// Go receiver), or, for C and Java functions, the identifier just before the first `(`.
fn defined_name(line: &str) -> Option<String> {
    let tokens = tokens(line);
    if let Some(k) = tokens.iter().position(|t| DEF_KEYWORDS.contains(t)) {
        let mut rest = tokens[k + 1..].iter().peekable();
        if rest.peek() == Some(&&"(") {
            // `func (r *T) Name(`: skip the receiver
            for t in rest.by_ref() {
                if *t == ")" {
                    break;
                }
            }
        }
        return rest.find(|t| is_identifier(t)).map(|t| t.to_string());
    }
    let paren = tokens.iter().position(|t| *t == "(")?;
    let name = tokens[..paren].last()?;
    is_identifier(name).then(|| name.to_string())
}

/// Identifiers and single punctuation characters, whitespace dropped.
fn tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        let ident = c.is_alphanumeric() || c == '_' || c == '$';
        match (ident, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&line[s..i]);
                start = None;
            }
            _ => {}
        }
        if !ident && !c.is_whitespace() {
            out.push(&line[i..i + c.len_utf8()]);
        }
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out
}

fn is_identifier(w: &str) -> bool {
    let mut chars = w.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        let boundary = |c: Option<char>| !matches!(c, Some(c) if c.is_alphanumeric() || c == '_');
        boundary(before) && boundary(after)
    })
}

/// The sentence of the answer that cites this place (its path with the same first line beats
/// its path with a line inside the range, which beats its path alone, which beats the symbol's name), cleaned of Markdown and of the
/// reference itself. Code blocks are not prose and are skipped.
fn answer_words(markdown: &str, loc: &SourceLocation, symbol: Option<&str>) -> Option<String> {
    let mut best: Option<(u8, &str)> = None;
    let mut fence: Option<&str> = None;
    for line in markdown.lines() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(&t[..3]);
            continue;
        }
        for sentence in sentences(line) {
            let score = score(sentence, loc, symbol);
            if score > best.map(|(s, _)| s).unwrap_or(0) {
                best = Some((score, sentence));
            }
        }
    }
    best.map(|(_, s)| clean(s, &loc.rel_path))
        .filter(|s| !s.is_empty())
}

/// A line split after `. ` (a sentence end followed by a space), keeping file names such as
/// `cart.py` whole.
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in line.match_indices(". ") {
        out.push(&line[start..=i]);
        start = i + 2;
    }
    out.push(&line[start..]);
    out
}

fn score(sentence: &str, loc: &SourceLocation, symbol: Option<&str>) -> u8 {
    let mut best = 0;
    for (i, _) in sentence.match_indices(loc.rel_path.as_str()) {
        best = best.max(2);
        if let Some((a, b)) = lines_after(&sentence[i + loc.rel_path.len()..]) {
            if a == loc.start_line {
                best = 4;
            } else if a <= loc.end_line && b >= loc.start_line {
                best = best.max(3);
            }
        }
    }
    if best == 0
        && let Some(s) = symbol
        && contains_word(sentence, s)
    {
        best = 1;
    }
    best
}

/// The line range written right after a path: `:12`, `:12-30`, `#L12-L30`, ` (lines 12-30)`.
fn lines_after(rest: &str) -> Option<(u32, u32)> {
    let rest = rest
        .strip_prefix(':')
        .or_else(|| rest.strip_prefix("#L"))
        .or_else(|| rest.strip_prefix(" (lines "))
        .or_else(|| rest.strip_prefix(" (line "))?;
    let (a, tail) = number(rest)?;
    let tail = tail.strip_prefix('-').map(|t| t.trim_start_matches('L'));
    let b = tail.and_then(number).map(|(b, _)| b).unwrap_or(a);
    Some((a, b.max(a)))
}

fn number(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    Some((s[..end].parse().ok()?, &s[end..]))
}

/// Plain text: links become their text; the reference to the place itself goes when it only
/// labels the sentence (the picker shows the place already) and becomes the file's name inside
/// prose; list markers, headings, emphasis and code marks go.
fn clean(sentence: &str, rel_path: &str) -> String {
    let mut s = String::with_capacity(sentence.len());
    let mut rest = sentence;
    // [text](target) → text
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(close) = rest[mid..].find(')').map(|i| mid + i) else {
            break;
        };
        s.push_str(&rest[..open]);
        s.push_str(&rest[open + 1..mid]);
        rest = &rest[close + 1..];
    }
    s.push_str(rest);
    let s = s.replace(['`', '*'], "");
    let file_name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find(rel_path) {
        let tail = &rest[i + rel_path.len()..];
        let suffix = if tail.starts_with(':') || tail.starts_with("#L") {
            tail.find(|c: char| !(c.is_ascii_digit() || matches!(c, ':' | '#' | 'L' | '-')))
                .unwrap_or(tail.len())
        } else {
            0
        };
        out.push_str(&rest[..i]);
        if !is_label(&out) {
            out.push_str(file_name);
        }
        rest = &tail[suffix..];
    }
    out.push_str(rest);
    let joined = out.split_whitespace().collect::<Vec<_>>().join(" ");
    strip_label(&joined)
        .trim_end_matches(|c: char| c == ':' || c == '—' || c.is_whitespace())
        .to_string()
}

/// Whether `before` holds nothing but list markers and punctuation: a reference right after
/// it is the sentence's label.
fn is_label(before: &str) -> bool {
    strip_label(before).is_empty()
}

fn strip_label(s: &str) -> &str {
    s.trim_start_matches(|c: char| {
        c.is_whitespace()
            || c.is_ascii_digit()
            || matches!(c, '#' | '-' | '—' | '>' | '.' | ':' | '+')
    })
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_CHARS - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn loc(rel: &str, a: u32, b: u32) -> SourceLocation {
        SourceLocation {
            path: PathBuf::from("/ws").join(rel),
            rel_path: rel.into(),
            start_line: a,
            end_line: b,
        }
    }

    const FLASK: &str = "class SecureCookieSessionInterface(SessionInterface):\n    \"\"\"doc\"\"\"\n\n    salt = \"cookie-session\"\n\n    @staticmethod\n    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:\n        return None\n";

    #[test]
    fn the_local_engine_answer_line_of_the_citation_is_its_message() {
        let md = "Most relevant: `SecureCookieSessionInterface.get_signing_serializer` in `src/flask/sessions.py`.\n\n### Top locations\n\n1. `src/flask/sessions.py:6-8` — method `SecureCookieSessionInterface.get_signing_serializer` — `def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:`\n\n```python\n    def get_signing_serializer(self, app):\n```\n\n2. `src/flask/sessions.py:1-8` — class `SecureCookieSessionInterface` — The default session interface that stores sessions in signed cookies.\n";
        let m = hint_message(
            md,
            "Where is it signed?",
            &loc("src/flask/sessions.py", 6, 8),
            Some(FLASK),
        );
        assert_eq!(
            m,
            "method SecureCookieSessionInterface.get_signing_serializer — def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None"
        );
        let m = hint_message(md, "q", &loc("src/flask/sessions.py", 1, 8), Some(FLASK));
        assert_eq!(
            m,
            "class SecureCookieSessionInterface — The default session interface that stores sessions in signed cookies."
        );
    }

    #[test]
    fn prose_answers_give_the_sentence_that_cites_the_place_and_the_symbol_there() {
        let md = "Login starts in the view. Passwords are checked by [the verifier](src/auth.py#L18-L25), which hashes the input. Sessions live in `src/session.py`.";
        let text = "import x\n".repeat(17) + "def verify_password(user, password):\n    pass\n";
        let m = hint_message(md, "q", &loc("src/auth.py", 18, 19), Some(&text));
        assert_eq!(
            m,
            "verify_password — Passwords are checked by the verifier, which hashes the input."
        );
        // a path without lines still finds its sentence
        let m = hint_message(md, "q", &loc("src/session.py", 1, 1), None);
        assert_eq!(m, "Sessions live in session.py.");
    }

    #[test]
    fn without_words_the_symbol_and_the_question_say_it() {
        let text = "fn main() {}\n";
        assert_eq!(
            hint_message(
                "nothing here",
                "Where does it start?\nmore",
                &loc("src/main.rs", 1, 1),
                Some(text)
            ),
            "main, cited for: Where does it start?"
        );
        assert_eq!(
            hint_message("", "Why?", &loc("a.rs", 1, 1), None),
            "cited for: Why?"
        );
    }

    #[test]
    fn symbols_of_each_language() {
        let cases = [
            ("    pub async fn serve(self) -> Result<()> {", "serve"),
            ("class Flask(App):", "Flask"),
            ("func (s *Server) Handle(w http.ResponseWriter) {", "Handle"),
            ("func main() {", "main"),
            ("export function render(md: string): string {", "render"),
            (
                "public static int computeTotal(List<Item> items) {",
                "computeTotal",
            ),
            ("static int parse_args(int argc, char **argv)", "parse_args"),
            ("impl Display for Error {", "Display"),
            ("pub struct Settings {", "Settings"),
        ];
        for (line, want) in cases {
            assert_eq!(symbol_at(line, 1, 1).as_deref(), Some(want), "{line}");
        }
        assert_eq!(
            symbol_at("#[derive(Debug)]\n/// doc\npub enum Kind {", 1, 3).as_deref(),
            Some("Kind")
        );
        assert_eq!(symbol_at("x = 1", 1, 1), None);
        assert_eq!(symbol_at("", 5, 9), None);
    }

    #[test]
    fn long_words_are_cut_to_one_picker_line() {
        let md = format!("`a.rs:1` {}", "word ".repeat(100));
        let m = hint_message(&md, "q", &loc("a.rs", 1, 1), None);
        assert_eq!(m.chars().count(), MAX_CHARS);
        assert!(m.ends_with('…'));
    }
}
