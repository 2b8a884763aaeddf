//! Answers without an LLM (Markdown, citations in rank order, snippets) and the helpers for
//! the LLM path (messages with snippet ids; citations restricted to those ids).

use std::fmt::Write as _;

use super::describe::{Dialect, describe};
use super::lang::Lang;
use super::parse::{Kind, NONE, Symbol, doc_between};
use super::search::RankedFile;
use super::store::FileRec;
use super::{EngineCitation, Index, LocalAnswer, Snippet, partial};
use crate::model::ChatMessage;

const MAX_FILES: usize = 8;
const SNIPPET_LINES: u32 = 15;
const LLM_SNIPPET_LINES: u32 = 60;
/// A container (class, module, struct with methods) this long or longer is cited by its head
/// (its declaration, doc and fields, up to its first member) rather than whole: hundreds of
/// lines ahead of the method that answers say little, and the members are cited on their own.
const CITED_WHOLE: u32 = 150;

struct Pick {
    file: u32,
    sym: Option<u32>,
    start: u32,
    end: u32,
}

impl Pick {
    /// Definition `si` of `file`, its end kept inside the file as it was last read.
    fn definition(file: u32, f: &FileRec, si: u32, sym: &Symbol) -> Pick {
        Pick {
            file,
            sym: Some(si),
            start: sym.start,
            end: sym.end.min(f.lines.max(sym.start)),
        }
    }
}

/// The definitions cited for each of the best files, best files first.
fn pick_all(idx: &Index, ranked: &[RankedFile]) -> Vec<Pick> {
    let mut picks: Vec<Pick> = Vec::new();
    for (rank, rf) in ranked.iter().take(MAX_FILES).enumerate() {
        // The best files get more of their definitions cited.
        let per_file = if rank < 2 { 4 } else { 2 };
        if let Some(f) = idx.file(rf.file) {
            pick_file(f, rf, per_file, &mut picks);
        }
    }
    picks
}

/// Up to `per_file` of the file's ranked definitions scoring at least half the best one.
fn pick_file(f: &super::store::FileRec, rf: &RankedFile, per_file: usize, picks: &mut Vec<Pick>) {
    if rf.syms.is_empty() {
        // Only the file's own words matched, and those of a C or C++ header are mostly the
        // comment it opens with, which describes its class: that class is what it is about.
        if let Some(class) = f.symbols.get(f.described as usize) {
            picks.push(Pick::definition(rf.file, f, f.described, class));
            return;
        }
        picks.push(Pick {
            file: rf.file,
            sym: None,
            start: 1,
            end: f.lines.max(1),
        });
        return;
    }
    let best = rf.syms[0].score;
    let first_pick = picks.len();
    let mut taken: Vec<u32> = Vec::new();
    for s in &rf.syms {
        if taken.len() >= per_file || (!taken.is_empty() && s.score < 0.5 * best) {
            break;
        }
        let Some(sym) = f.symbols.get(s.sym as usize) else {
            continue;
        };
        // A member of a container cited whole is cited already, and so is a container
        // whose member is.
        let cited_whole = |o: &Symbol| o.end - o.start < CITED_WHOLE;
        if taken.iter().any(|t| {
            f.symbols.get(*t as usize).is_some_and(|o| {
                o.start <= sym.start && o.end >= sym.end && cited_whole(o)
                    || sym.start <= o.start && sym.end >= o.end && cited_whole(sym)
            })
        }) {
            continue;
        }
        taken.push(s.sym);
        picks.push(Pick::definition(rf.file, f, s.sym, sym));
    }
    // A type whose doc or members outweigh every function of its file (Rust's methods live in
    // `impl` blocks, outside the struct) comes with the file's best function or method: a
    // question about what code does is answered by code.
    let mut added_as_code = None;
    if !taken
        .iter()
        .any(|t| f.symbols.get(*t as usize).is_some_and(|s| s.kind.is_code()))
        && let Some(m) = rf.syms.iter().find(|m| {
            f.symbols
                .get(m.sym as usize)
                .is_some_and(|s| s.kind.is_code() && !taken.iter().any(|t| is_member(f, m.sym, *t)))
        })
        && let Some(ms) = f.symbols.get(m.sym as usize)
    {
        added_as_code = Some(m.sym);
        taken.push(m.sym);
        picks.push(Pick::definition(rf.file, f, m.sym, ms));
    }
    // A container cited by its head has its best member cited too, whatever its score.
    for &t in taken.clone().iter() {
        let Some(o) = f.symbols.get(t as usize) else {
            continue;
        };
        if o.end - o.start < CITED_WHOLE || taken.iter().any(|m| is_member(f, *m, t)) {
            continue;
        }
        if let Some(m) = rf.syms.iter().find(|m| is_member(f, m.sym, t))
            && let Some(ms) = f.symbols.get(m.sym as usize)
        {
            taken.push(m.sym);
            picks.push(Pick::definition(rf.file, f, m.sym, ms));
        }
    }
    // A container owes its score to the members it holds (or, for a Go or Rust type, the
    // fields its methods use): when one of them is cited here, for its own score or as the
    // best member of a long container's head (not inside a container cited whole, which
    // shows it already), that member is the answer, and the container steps down behind it;
    // what outscored the member stays ahead of it. Only a method cited because the file's
    // picks had no code does not count: the type scored for what the question asked, such as
    // what it holds. Of 631 benchmark answers, that made the first citation the gold
    // definition in 17, and took it from none.
    if let Some(&head) = taken.first()
        && f.symbols
            .get(head as usize)
            .is_some_and(|o| o.kind.is_container())
        && let Some(at) = taken
            .iter()
            .position(|m| owns(f, head, *m) && Some(*m) != added_as_code)
    {
        taken[..=at].rotate_left(1);
        picks[first_pick..=first_pick + at].rotate_left(1);
    }
}

pub fn render(idx: &Index, question: &str, ranked: &[RankedFile]) -> LocalAnswer {
    let mut picks = pick_all(idx, ranked);
    if picks.is_empty() {
        return LocalAnswer {
            markdown: format!(
                "No code in `{}` matches this question. Try naming a function, type or file.\n",
                idx.root
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("the workspace")
            ),
            ..Default::default()
        };
    }
    // The docs written elsewhere for definitions without one (a header's, a base method's).
    let borrowed: Vec<Option<BorrowedDoc>> = picks
        .iter()
        .map(|p| p.sym.and_then(|si| borrowed_doc(idx, p.file, si)))
        .collect();
    // Read each cited file, and each file such a doc is in, once.
    let mut texts: std::collections::HashMap<u32, Option<String>> =
        std::collections::HashMap::new();
    let files = picks.iter().map(|p| p.file);
    for file in files.chain(borrowed.iter().flatten().map(|b| b.file)) {
        texts.entry(file).or_insert_with(|| {
            idx.file(file)
                .and_then(|f| std::fs::read_to_string(idx.root.join(&f.rel)).ok())
        });
    }
    let text_of = |fid: u32| texts.get(&fid).and_then(|t| t.as_deref());
    let words = partial::question_words(question);
    let finders = partial::finders(&words);
    for p in &mut picks {
        let Some(f) = idx.file(p.file) else { continue };
        if let Some(si) = p.sym {
            let (start, end) = cited_lines(f, si, text_of(p.file).unwrap_or(""));
            p.start = start;
            p.end = end.min(f.lines.max(start));
        } else if f.lines > 2 * partial::WINDOW + 1
            && let Some(text) = text_of(p.file)
        {
            // A file without definitions (a language without a grammar) is cited by the lines
            // around its best-matching line, as the keyword pass cites an unparsed file.
            let lower = text.to_ascii_lowercase();
            let (best, lines) = partial::best_line(lower.as_bytes(), &finders);
            (p.start, p.end) = partial::window(best, lines);
        }
    }
    let citations: Vec<EngineCitation> = picks
        .iter()
        .filter_map(|p| {
            idx.file(p.file).map(|f| EngineCitation {
                path: f.rel.clone(),
                start_line: p.start,
                end_line: p.end,
            })
        })
        .collect();

    let mut md = summary_line(idx, &picks);
    let snippets = write_locations(idx, (&picks, &borrowed), &text_of, &mut md);
    write_related(idx, &picks[0], &mut md);
    LocalAnswer {
        markdown: md,
        citations,
        snippets,
    }
}

/// "Most relevant: `name` in `file` (mainly under `dir/`)."
fn summary_line(idx: &Index, picks: &[Pick]) -> String {
    let mut md = String::new();
    let top = &picks[0];
    let top_file = idx.file(top.file).map(|f| f.rel.as_str()).unwrap_or("");
    let dir = common_dir(
        picks
            .iter()
            .take(4)
            .filter_map(|p| idx.file(p.file).map(|f| f.rel.as_str())),
    );
    let top_name = top
        .sym
        .and_then(|s| idx.file(top.file).and_then(|f| f.symbols.get(s as usize)))
        .map(|s| s.qual());
    match (top_name, dir.is_empty()) {
        (Some(n), false) => {
            let _ = writeln!(
                md,
                "Most relevant: `{n}` in `{top_file}` (mainly under `{dir}/`).\n"
            );
        }
        (Some(n), true) => {
            let _ = writeln!(md, "Most relevant: `{n}` in `{top_file}`.\n");
        }
        (None, _) => {
            let _ = writeln!(md, "Most relevant: `{top_file}`.\n");
        }
    }
    md
}

/// The numbered locations with a description and, for the first three, their code; returns the
/// snippets the LLM path may cite.
fn write_locations<'t>(
    idx: &Index,
    (picks, borrowed): (&[Pick], &[Option<BorrowedDoc>]),
    text_of: &dyn Fn(u32) -> Option<&'t str>,
    md: &mut String,
) -> Vec<Snippet> {
    let lines_of = |fid: u32, start: u32, end: u32, max: u32| -> Option<String> {
        let text = text_of(fid)?;
        let end = end.min(start + max - 1);
        let out: Vec<&str> = text
            .lines()
            .skip(start as usize - 1)
            .take((end + 1 - start) as usize)
            .collect();
        Some(out.join("\n"))
    };
    let _ = writeln!(md, "### Top locations\n");
    let mut snippets = Vec::new();
    for (i, p) in picks.iter().enumerate() {
        let Some(f) = idx.file(p.file) else { continue };
        let sym = p.sym.and_then(|s| f.symbols.get(s as usize));
        let id = format!("S{}", i + 1);
        let language = f.lang.label(&f.lang_path());
        let kind = sym.map_or("file", |s| {
            shown_kind(s, text_of(p.file).unwrap_or(""), language)
        });
        match sym {
            Some(s) => {
                let text = text_of(p.file).unwrap_or("");
                let desc = describe(&s.doc_in(text), Dialect::of(language))
                    .or_else(|| {
                        let b = borrowed[i].as_ref()?;
                        let from = idx.file(b.file)?;
                        b.describe(
                            text_of(b.file)?,
                            Dialect::of(from.lang.label(&from.lang_path())),
                        )
                    })
                    .unwrap_or_else(|| format!("`{}`", s.signature_in(text).replace('`', "'")));
                let _ = writeln!(
                    md,
                    "{}. `{}:{}-{}` — {} `{}` — {}",
                    i + 1,
                    f.rel,
                    p.start,
                    p.end,
                    kind,
                    s.qual(),
                    desc
                );
            }
            None => {
                let what = if p.start == 1 && p.end >= f.lines {
                    "file"
                } else {
                    "keyword match"
                };
                let _ = writeln!(md, "{}. `{}:{}-{}` — {what}", i + 1, f.rel, p.start, p.end);
            }
        }
        if i < 3
            && let Some(code) = lines_of(p.file, p.start, p.end, SNIPPET_LINES)
        {
            let more = if p.end - p.start + 1 > SNIPPET_LINES {
                format!("\n{}", f.lang.elision(&f.lang_path()))
            } else {
                String::new()
            };
            let _ = writeln!(
                md,
                "\n```{}\n{}{}\n```\n",
                f.lang.fence(&f.lang_path()),
                code,
                more
            );
        }
        if let Some(text) = lines_of(p.file, p.start, p.end, LLM_SNIPPET_LINES) {
            snippets.push(Snippet {
                id,
                path: f.rel.clone(),
                start_line: p.start,
                end_line: p.end,
                kind: kind.to_string(),
                name: sym.map_or_else(|| f.rel.clone(), |s| s.qual().to_string()),
                text,
            });
        }
    }
    snippets
}

/// What a reader calls a definition. A method read like a field is a property: Python's
/// `@property`, JavaScript's `get size()`, C#'s `int Count { get … }`, Swift's and Kotlin's
/// computed `var` and `val`, Dart's `get`, Visual Basic's `Property`. The index keeps them
/// methods, which is how they rank; only the word the answer shows changes.
fn shown_kind(s: &Symbol, text: &str, language: &str) -> &'static str {
    if s.kind == Kind::Method && reads_like_a_field(s, text, language) {
        "property"
    } else {
        s.kind.as_str()
    }
}

fn reads_like_a_field(s: &Symbol, text: &str, language: &str) -> bool {
    let whole = text
        .get(s.start_byte as usize..s.end_byte as usize)
        .unwrap_or("");
    let head = text
        .get(s.sig_at as usize..s.end_byte as usize)
        .and_then(|t| t.lines().next())
        .unwrap_or("")
        .trim();
    // The signature before its body or its getter: `int Count {`, `val empty: Boolean get() =`.
    let before_body = [" get(", " get ", "{", "=>", "="]
        .iter()
        .filter_map(|m| head.find(m))
        .min()
        .map_or(head, |at| &head[..at]);
    let words = || {
        head.split_whitespace().skip_while(|w| {
            matches!(
                *w,
                "static"
                    | "public"
                    | "private"
                    | "protected"
                    | "readonly"
                    | "override"
                    | "abstract"
            )
        })
    };
    match language {
        "python" => whole
            .lines()
            .map(str::trim)
            .take_while(|l| l.starts_with('@'))
            .any(|d| {
                let d = d.trim_start_matches('@');
                matches!(
                    d,
                    "property" | "cached_property" | "functools.cached_property"
                ) || d.ends_with(".setter")
            }),
        "javascript" | "typescript" | "tsx" => {
            let mut w = words();
            matches!(w.next(), Some("get" | "set")) && w.next().is_some_and(|n| !n.starts_with('('))
        }
        "csharp" => !before_body.contains('('),
        // Not Kotlin's `init { … }` block, which is no property either.
        "swift" | "kotlin" => {
            !before_body.contains('(')
                && before_body
                    .split_whitespace()
                    .any(|w| w == "var" || w == "val")
        }
        "dart" => words()
            .take_while(|w| !w.contains('('))
            .any(|w| w == "get" || w == "set"),
        "visual-basic" => words().any(|w| w.eq_ignore_ascii_case("property")),
        _ => false,
    }
}

/// A doc written elsewhere that describes a definition without one: at bytes `start..end` of
/// file `file`, and where the answer says it comes from.
pub(super) struct BorrowedDoc {
    pub file: u32,
    start: u32,
    end: u32,
    source: String,
}

/// The doc that describes definition `si` of `fid` when it has none: its declaration's (C and
/// C++), or that of the method it overrides or implements, or of its base class's declaration.
pub(super) fn borrowed_doc(idx: &Index, fid: u32, si: u32) -> Option<BorrowedDoc> {
    let rel = |file: u32| idx.file(file).map_or("", |g| g.rel.as_str());
    if let Some((file, decl, _)) = idx.declaration_of(fid, si) {
        let source = format!("declared in `{}:{}`", rel(file), decl.line);
        return Some(BorrowedDoc::of(
            file,
            (decl.doc_start, decl.doc_end),
            source,
        ));
    }
    if let Some((file, bs)) = idx.overridden(fid, si) {
        let base = idx.file(file)?.symbols.get(bs as usize)?;
        let own = idx.file(fid)?.symbols.get(si as usize)?.qual();
        let source = if base.qual() == own {
            // `impl wheel::Stack for Stack`: the trait's file tells the two apart.
            format!("from `{}` in `{}`", base.qual(), rel(file))
        } else {
            format!("from `{}`", base.qual())
        };
        return Some(BorrowedDoc::of(
            file,
            (base.doc_start, base.doc_end),
            source,
        ));
    }
    let (file, di) = idx.overridden_declaration(fid, si)?;
    let decl = idx.file(file)?.decls.get(di as usize)?;
    let source = format!(
        "from `{}`, declared in `{}:{}`",
        decl.qual,
        rel(file),
        decl.line
    );
    Some(BorrowedDoc::of(
        file,
        (decl.doc_start, decl.doc_end),
        source,
    ))
}

impl BorrowedDoc {
    fn of(file: u32, (start, end): (u32, u32), source: String) -> BorrowedDoc {
        BorrowedDoc {
            file,
            start,
            end,
            source,
        }
    }

    /// "First sentence (where it comes from)", from the text of the file the doc is in.
    pub(super) fn describe(&self, text: &str, dialect: Dialect) -> Option<String> {
        let sentence = describe(&doc_between(text, self.start, self.end), dialect)?;
        Some(format!("{sentence} ({})", self.source))
    }
}

/// Callers and callees of the best symbol.
fn write_related(idx: &Index, top: &Pick, md: &mut String) {
    if let Some(s) = top.sym {
        let (callers, callees) = neighbours(idx, top.file, s);
        if !callers.is_empty() || !callees.is_empty() {
            let _ = writeln!(md, "\n### Related\n");
            if !callers.is_empty() {
                let _ = writeln!(md, "- Called from: {}", callers.join(", "));
            }
            if !callees.is_empty() {
                let _ = writeln!(md, "- Calls: {}", callees.join(", "));
            }
        }
    }
}

/// Whether `m` is a member of the container `c`: inside it, or named for it where methods are
/// written outside their type (a Go struct's `Command.execute`, a Rust `impl` block's).
fn owns(f: &super::store::FileRec, c: u32, m: u32) -> bool {
    is_member(f, m, c)
        || matches!(
            (f.symbols.get(m as usize), f.symbols.get(c as usize)),
            (Some(ms), Some(cs)) if m != c && ms.qual().strip_prefix(cs.qual())
                .is_some_and(|rest| rest.starts_with(f.lang.member_sep()))
        )
}

/// Whether symbol `m` of `f` lies inside symbol `c`.
fn is_member(f: &super::store::FileRec, m: u32, c: u32) -> bool {
    m != c
        && matches!(
            (f.symbols.get(m as usize), f.symbols.get(c as usize)),
            (Some(ms), Some(cs)) if cs.start <= ms.start && cs.end >= ms.end
        )
}

/// The lines to cite for symbol `si` of `f`: the whole definition, or the head of a long
/// container (see `CITED_WHOLE`), which ends above its first member and that member's doc
/// comment.
fn cited_lines(f: &super::store::FileRec, si: u32, text: &str) -> (u32, u32) {
    let Some(s) = f.symbols.get(si as usize) else {
        return (1, 1);
    };
    if s.end - s.start < CITED_WHOLE {
        return (s.start, s.end);
    }
    let first_member = f
        .symbols
        .iter()
        .filter(|m| m.parent == si && m.start > s.start)
        .min_by_key(|m| m.start);
    match first_member {
        Some(m) => {
            // The member's doc comment belongs to it: stop above its first line.
            let doc_lines = if m.doc_end > m.doc_start && m.doc_start < m.start_byte {
                text.get(m.doc_start as usize..m.start_byte as usize)
                    .map_or(0, |t| t.matches('\n').count() as u32)
            } else {
                0
            };
            (s.start, m.start.saturating_sub(1 + doc_lines).max(s.start))
        }
        None => (s.start, s.end),
    }
}

/// Callers and callees the graph knows, not those it guessed (a call on a value of a name
/// several types define: `adapter.get(…)`).
fn neighbours(idx: &Index, fid: u32, sym: u32) -> (Vec<String>, Vec<String>) {
    // In a language read from its lines, a class or module "calling" is a name in its body
    // outside its methods (`include Enumerable`, a Haskell export list), and one "called" is a
    // use of its name: neither is a call to show. Nor is a constant, whose name a Lisp form
    // or an OCaml expression uses as it does a function's.
    let fmt = |f: u32, s: u32| -> Option<String> {
        let file = idx.file(f)?;
        let d = file.symbols.get(s as usize)?;
        if file.lang == Lang::Text && (d.kind.is_container() || d.kind == Kind::Constant) {
            return None;
        }
        Some(format!(
            "`{}` (`{}:{}-{}`)",
            d.qual(),
            file.rel,
            d.start,
            d.end
        ))
    };
    let mut callers = Vec::new();
    for (other, f) in idx.files() {
        for e in &f.edges {
            if e.file == fid
                && e.sym == sym
                && e.from != NONE
                && !e.guess
                && !(other == fid && e.from == sym)
                && let Some(s) = fmt(other, e.from)
                && !callers.contains(&s)
            {
                callers.push(s);
            }
        }
        if callers.len() >= 5 {
            break;
        }
    }
    let mut callees = Vec::new();
    if let Some(f) = idx.file(fid) {
        for e in f
            .edges
            .iter()
            .filter(|e| e.from == sym && e.kind == super::parse::RefKind::Call && !e.guess)
        {
            if let Some(s) = fmt(e.file, e.sym)
                && !callees.contains(&s)
            {
                callees.push(s);
            }
            if callees.len() >= 5 {
                break;
            }
        }
    }
    callers.truncate(5);
    (callers, callees)
}

fn common_dir<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<&str>> = None;
    for p in paths {
        let dirs: Vec<&str> = p.split('/').collect();
        let dirs = &dirs[..dirs.len().saturating_sub(1)];
        common = Some(match common {
            None => dirs.to_vec(),
            Some(c) => c
                .iter()
                .zip(dirs)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common.unwrap_or_default().join("/")
}

/// The chat messages that ask an LLM to answer from these snippets, citing their ids.
pub fn llm_messages(question: &str, snippets: &[Snippet]) -> Vec<ChatMessage> {
    let system = "You answer questions about a codebase using ONLY the numbered code snippets \
                  provided. Cite every claim with the snippet ids in square brackets, like [S1] or \
                  [S2][S3]. If the snippets do not contain the answer, say so plainly instead of \
                  guessing. Answer in concise Markdown."
        .to_string();
    let mut user = String::new();
    let _ = writeln!(user, "Question: {question}\n\nSnippets:\n");
    for s in snippets {
        let _ = writeln!(
            user,
            "[{}] {}:{}-{} ({} `{}`)\n```\n{}\n```\n",
            s.id, s.path, s.start_line, s.end_line, s.kind, s.name, s.text
        );
    }
    let _ = writeln!(
        user,
        "Answer the question from these snippets only, citing their ids."
    );
    vec![ChatMessage::system(system), ChatMessage::user(user)]
}

/// Citations from an LLM reply: only those naming ids of `snippets`, in order of first mention.
pub fn llm_citations(reply: &str, snippets: &[Snippet]) -> Vec<EngineCitation> {
    let mut out: Vec<EngineCitation> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let b = reply.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // An id is `S` + digits, not glued to a preceding identifier character.
        if b[i] == b'S' && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let next_ok = j >= b.len() || !(b[j].is_ascii_alphanumeric() || b[j] == b'_');
            if j > i + 1 && next_ok {
                let id = &reply[i..j];
                if !seen.contains(&id)
                    && let Some(s) = snippets.iter().find(|s| s.id == id)
                {
                    seen.push(id);
                    out.push(EngineCitation {
                        path: s.path.clone(),
                        start_line: s.start_line,
                        end_line: s.end_line,
                    });
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}
