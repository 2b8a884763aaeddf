//! Answers while a cold index is still being built: from the definitions of the files parsed so
//! far plus a keyword pass over the text of every file, so a question asked in the first second
//! of a large repository gets cited code at once instead of waiting for the whole index.
//!
//! The keyword pass is the cheap half of what the index does: the question's stemmed words are
//! counted in each file's lowercased text (and path), files are scored by idf-weighted log
//! counts, and each of the best files is cited at the definition around its best line when that
//! file is parsed already, else as the lines around it. The answer says it is partial in its
//! first line; once the index is complete, answers come from the index alone.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::sync::LockExt;

use rustc_hash::FxHashMap as HashMap;

use super::parse::{Kind, Symbol};
use super::{EngineCitation, LocalAnswer, tokens, walk};

const MAX_FILES: usize = 8;
/// Lines either side of a file's best line when it has no parsed definition around it.
pub(super) const WINDOW: u32 = 10;
/// A definition longer than this is not cited for a line inside it; the window is.
const MAX_SPAN: u32 = 150;
/// A definition starting this many lines below the best line is cited for it.
const DOC_REACH: u32 = 3;

/// The progress of one cold build, shared with whoever answers questions meanwhile.
#[derive(Default)]
pub struct Building {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    root: PathBuf,
    /// Every file the build will index (`None` until the walk is done).
    files: Option<Vec<String>>,
    /// Definitions of the files indexed so far, by relative path.
    parsed: HashMap<String, Vec<Span>>,
}

struct Span {
    start: u32,
    end: u32,
    qual: Box<str>,
    kind: Kind,
}

impl Building {
    /// `(files indexed so far, files in all)`, once the walk has found them.
    pub fn progress(&self) -> Option<(usize, usize)> {
        let s = self.state.locked();
        let files = s.files.as_ref()?;
        Some((s.parsed.len().min(files.len()), files.len()))
    }

    pub(super) fn discovered<'a>(
        &self,
        root: &std::path::Path,
        files: impl Iterator<Item = &'a str>,
    ) {
        let mut s = self.state.locked();
        s.root = root.to_path_buf();
        s.files = Some(files.map(str::to_string).collect());
    }

    pub(super) fn indexed(&self, rel: &str, symbols: &[Symbol]) {
        let spans = symbols
            .iter()
            .map(|s| Span {
                start: s.start,
                end: s.end,
                qual: s.qual().into(),
                kind: s.kind,
            })
            .collect();
        let mut s = self.state.locked();
        s.parsed.insert(rel.to_string(), spans);
    }

    /// A partial answer to `question`, or `None` before the walk has found the files.
    pub fn answer(&self, question: &str) -> Option<LocalAnswer> {
        let (root, files, done) = {
            let s = self.state.locked();
            (s.root.clone(), s.files.clone()?, s.parsed.len())
        };
        let words = question_words(question);
        let ranked = rank_files(&root, &files, &words);
        let s = self.state.locked();
        let mut citations = Vec::new();
        let mut lines = Vec::new();
        for (rel, best_line, n_lines) in ranked.into_iter().take(MAX_FILES) {
            // The innermost definition around the best line, or the one right below it: the
            // best line is often its doc comment, which a method's class encloses too.
            let span = s.parsed.get(&rel).and_then(|spans| {
                let short = spans.iter().filter(|d| d.end - d.start < MAX_SPAN);
                let around = short
                    .clone()
                    .filter(|d| d.start <= best_line && best_line <= d.end)
                    .min_by_key(|d| d.end - d.start);
                let below = short
                    .filter(|d| d.start > best_line && d.start <= best_line + DOC_REACH)
                    .min_by_key(|d| d.start);
                match (around, below) {
                    (Some(a), Some(b)) if b.end <= a.end => Some(b),
                    (around, below) => around.or(below),
                }
            });
            let (start, end, what) = match span {
                Some(d) => (
                    d.start,
                    d.end,
                    format!("{} `{}`", kind_name(d.kind), d.qual),
                ),
                None => {
                    let (start, end) = window(best_line, n_lines);
                    (start, end, "keyword match".to_string())
                }
            };
            lines.push(format!(
                "{}. `{rel}:{start}-{end}` — {what}",
                lines.len() + 1
            ));
            citations.push(EngineCitation {
                path: rel,
                start_line: start,
                end_line: end,
            });
        }
        let total = files.len();
        let mut markdown = format!(
            "_Partial answer: the index is still being built ({} of {total} files so far); \
             these locations come from the files indexed so far and a keyword search of the \
             rest. Ask again once indexing is done for a full answer._\n\n",
            done.min(total)
        );
        if citations.is_empty() {
            markdown.push_str("No file matches this question's words yet.\n");
        } else {
            markdown.push_str("### Top locations\n\n");
            markdown.push_str(&lines.join("\n"));
            markdown.push('\n');
        }
        Some(LocalAnswer {
            markdown,
            citations,
            snippets: Vec::new(),
        })
    }
}

fn kind_name(k: Kind) -> &'static str {
    k.as_str()
}

/// The question's words as the index would stem them, without question words; at least three
/// letters, as substrings to look for in lowercased text.
pub(super) fn question_words(question: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    tokens::for_each_token(question, |t| {
        if t.len() >= 3 && !tokens::is_question_stop(t) && !words.iter().any(|w| w == t) {
            words.push(t.to_string());
        }
    });
    words
}

/// Files by idf-weighted log counts of the words in their text (a path match counts as a few
/// occurrences), tests and docs demoted as the index does; each with its best line and line
/// count.
fn rank_files(
    root: &std::path::Path,
    files: &[String],
    words: &[String],
) -> Vec<(String, u32, u32)> {
    if words.is_empty() {
        return Vec::new();
    }
    let finders = finders(words);
    let scan = |i: usize| -> Option<(usize, Vec<u32>, u32, u32)> {
        let rel = &files[i];
        let mut text = std::fs::read(root.join(rel)).ok()?;
        text.make_ascii_lowercase();
        let lower_rel = rel.to_ascii_lowercase();
        let mut any = false;
        let per_word: Vec<u32> = finders
            .iter()
            .zip(words)
            .map(|(f, w)| {
                let n = f.find_iter(&text).count() as u32
                    + if lower_rel.contains(w.as_str()) { 3 } else { 0 };
                any |= n > 0;
                n
            })
            .collect();
        if !any {
            return None;
        }
        let (best_line, n_lines) = best_line(&text, &finders);
        Some((i, per_word, best_line, n_lines))
    };
    // Threads of its own, not rayon's pool: the build keeps that pool busy until it is done,
    // and this pass must answer while it runs.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut counts: Vec<(usize, Vec<u32>, u32, u32)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= files.len() {
                            return out;
                        }
                        out.extend(scan(i));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    counts.sort_unstable_by_key(|c| c.0);
    let n = files.len().max(1) as f32;
    let df: Vec<f32> = (0..words.len())
        .map(|w| counts.iter().filter(|c| c.1[w] > 0).count() as f32)
        .collect();
    let mut scored: Vec<(f32, usize, u32, u32)> = counts
        .into_iter()
        .map(|(i, per_word, best, lines)| {
            let mut score: f32 = per_word
                .iter()
                .zip(&df)
                .filter(|(c, _)| **c > 0)
                .map(|(c, df)| (1.0 + *c as f32).ln() * ((n + 1.0) / (df + 0.5)).ln())
                .sum();
            if walk::auxiliary_class(&files[i]) != 0 {
                score *= 0.3;
            }
            (score, i, best, lines)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(MAX_FILES)
        .map(|(_, i, best, lines)| (files[i].clone(), best, lines))
        .collect()
}

/// A substring finder per question word (see `question_words`).
pub(super) fn finders(words: &[String]) -> Vec<memchr::memmem::Finder<'_>> {
    words
        .iter()
        .map(|w| memchr::memmem::Finder::new(w.as_bytes()))
        .collect()
}

/// The lines cited for a best line: `WINDOW` either side, inside a file of `n_lines`.
pub(super) fn window(best_line: u32, n_lines: u32) -> (u32, u32) {
    (
        best_line.saturating_sub(WINDOW).max(1),
        (best_line + WINDOW).min(n_lines.max(1)),
    )
}

/// The 1-based line holding the most distinct words (the first such), and the line count.
pub(super) fn best_line(text: &[u8], finders: &[memchr::memmem::Finder]) -> (u32, u32) {
    let mut best = (0usize, 1u32);
    let mut n = 0u32;
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        n = i as u32 + 1;
        let hits = finders.iter().filter(|f| f.find(line).is_some()).count();
        if hits > best.0 {
            best = (hits, n);
        }
    }
    if text.ends_with(b"\n") {
        n = n.saturating_sub(1);
    }
    (best.1.min(n.max(1)), n.max(1))
}
