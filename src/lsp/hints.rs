//! Citation hints: the last answer's citations as Hint diagnostics that stay on the code they
//! cite while it changes (living citations). Re-anchoring itself is `citations::Anchor`; this
//! module keeps the book of what was published and turns anchors into diagnostics.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::json;
use tower_lsp_server::ls_types::*;

use super::convert;
use super::ext::{CitationsMovedParams, LiveCitation};
use crate::citations::{Anchor, FileLines};
use crate::sync::LockExt;

/// The suffix of a stale citation's message (the contract's wording).
pub const STALE_SUFFIX: &str = "(changed since the answer)";

/// What the last answer published.
struct Book {
    answer_id: String,
    thread_id: String,
    /// The question, for hints without a message of their own.
    summary: String,
    /// Each citation's message (what the place is), in the answer's order.
    messages: Vec<String>,
    answer_uri: Option<Uri>,
    related: bool,
    /// By URI string: each file's citations, numbered in the answer's order.
    files: BTreeMap<String, (Uri, Vec<(usize, Anchor)>)>,
}

/// One citation to publish: where (its anchor), in which file, and what the place is
/// (`citations::hint_message`; empty for none).
pub struct NewHint {
    pub uri: Uri,
    pub anchor: Anchor,
    pub text: Option<std::sync::Arc<String>>,
    pub message: String,
}

#[derive(Default)]
pub struct Hints {
    book: Mutex<Option<Book>>,
}

impl Hints {
    fn book(&self) -> std::sync::MutexGuard<'_, Option<Book>> {
        self.book.locked()
    }

    /// Replaces the published hints by those of a new answer. Returns what to publish: each
    /// cited file's diagnostics, and an empty list for each file that had hints before.
    #[allow(clippy::too_many_arguments)]
    pub fn replace(
        &self,
        answer_id: &str,
        thread_id: &str,
        summary: String,
        answer_uri: Option<Uri>,
        related: bool,
        hints: Vec<NewHint>,
    ) -> Vec<(Uri, Vec<Diagnostic>)> {
        let mut files: BTreeMap<String, (Uri, Vec<(usize, Anchor)>)> = BTreeMap::new();
        let mut texts: BTreeMap<String, Option<std::sync::Arc<String>>> = BTreeMap::new();
        let mut messages = Vec::with_capacity(hints.len());
        for (i, h) in hints.into_iter().enumerate() {
            messages.push(h.message);
            let key = h.uri.as_str().to_string();
            texts.entry(key.clone()).or_insert(h.text);
            files
                .entry(key)
                .or_insert_with(|| (h.uri.clone(), Vec::new()))
                .1
                .push((i + 1, h.anchor));
        }
        let book = Book {
            answer_id: answer_id.to_string(),
            thread_id: thread_id.to_string(),
            summary,
            messages,
            answer_uri,
            related,
            files,
        };
        let mut out: Vec<(Uri, Vec<Diagnostic>)> = Vec::new();
        let mut guard = self.book();
        if let Some(old) = guard.as_ref() {
            for (key, (uri, _)) in &old.files {
                if !book.files.contains_key(key) {
                    out.push((uri.clone(), Vec::new()));
                }
            }
        }
        for (key, (uri, entries)) in &book.files {
            let text = texts.get(key).cloned().flatten();
            out.push((
                uri.clone(),
                entries
                    .iter()
                    .map(|(n, a)| book.diagnostic(*n, a, text.as_deref().map(String::as_str)))
                    .collect(),
            ));
        }
        *guard = Some(book);
        out
    }

    /// Forgets every hint; returns the files to clear.
    pub fn clear(&self) -> Vec<Uri> {
        self.book()
            .take()
            .map(|b| b.files.into_values().map(|(u, _)| u).collect())
            .unwrap_or_default()
    }

    pub fn cites(&self, uri: &Uri) -> bool {
        self.book()
            .as_ref()
            .is_some_and(|b| b.files.contains_key(uri.as_str()))
    }

    /// The file `uri` now reads `text`: re-anchors its citations. When any moved or went
    /// stale, returns its new diagnostics and every citation of the answer as it is now.
    pub fn reanchor(
        &self,
        uri: &Uri,
        text: &str,
        read: &dyn Fn(&Uri) -> Option<String>,
    ) -> Option<(Vec<Diagnostic>, CitationsMovedParams)> {
        let file = FileLines::new(text);
        let mut guard = self.book();
        let book = guard.as_mut()?;
        let (_, entries) = book.files.get_mut(uri.as_str())?;
        let mut moved = false;
        for (_, anchor) in entries.iter_mut() {
            let now = anchor.reanchor_in(&file);
            if now != *anchor {
                *anchor = now;
                moved = true;
            }
        }
        if !moved {
            return None;
        }
        let book = &*book;
        let (_, entries) = &book.files[uri.as_str()];
        let diagnostics = entries
            .iter()
            .map(|(n, a)| book.diagnostic(*n, a, Some(text)))
            .collect();
        let mut all: Vec<(usize, LiveCitation)> = Vec::new();
        for (key, (u, entries)) in &book.files {
            let own;
            let file_text = if key == uri.as_str() {
                Some(text)
            } else {
                own = read(u);
                own.as_deref()
            };
            for (n, a) in entries {
                all.push((
                    *n,
                    LiveCitation {
                        uri: u.clone(),
                        range: convert::lines_range(file_text, a.start_line, a.end_line),
                        stale: a.stale,
                    },
                ));
            }
        }
        all.sort_by_key(|(n, _)| *n);
        Some((
            diagnostics,
            CitationsMovedParams {
                answer_id: book.answer_id.clone(),
                thread_id: book.thread_id.clone(),
                citations: all.into_iter().map(|(_, c)| c).collect(),
            },
        ))
    }
}

impl Book {
    fn diagnostic(&self, number: usize, anchor: &Anchor, text: Option<&str>) -> Diagnostic {
        let related = (self.related)
            .then(|| self.answer_uri.clone())
            .flatten()
            .map(|u| {
                vec![DiagnosticRelatedInformation {
                    location: Location::new(u, Range::default()),
                    message: "the answer citing this code".into(),
                }]
            });
        let mut message = match self.messages.get(number - 1) {
            Some(m) if !m.is_empty() => m.clone(),
            _ => format!("Potpie citation {number} for: {}", self.summary),
        };
        if anchor.stale {
            message.push(' ');
            message.push_str(STALE_SUFFIX);
        }
        Diagnostic {
            range: convert::lines_range(text, anchor.start_line, anchor.end_line),
            severity: Some(DiagnosticSeverity::HINT),
            source: Some("potpie".into()),
            message,
            related_information: related,
            data: Some(json!({"answerId": self.answer_id, "stale": anchor.stale})),
            ..Diagnostic::default()
        }
    }
}
