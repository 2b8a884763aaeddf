//! Turns what an answer cites (the service's `citations` list and the references written in
//! its Markdown) into locations inside the workspace. Pure: no LSP, no HTTP.
//!
//! The live service usually sends `citations: []` and cites inside the text, so the Markdown is
//! the main source: `path`, `path:12`, `path:12-30`, `path:12:5`, `path#L12-L30`,
//! `path (lines 12-30)`, `[text](path#L12)`, backticked and bare paths. Anything that could lead
//! outside the workspace root is dropped before the file system is touched (see `paths`).
//!
//! Everything here is linear in the answer's size and bounded in the number of references, so
//! that a huge or hostile answer cannot stall the server.

mod anchor;
mod definition;
mod describe;
mod linkify;
mod paths;
mod refs;
mod scan;

use std::collections::HashMap;
use std::path::Path;

use crate::model::SourceLocation;

pub use anchor::{Anchor, FileLines};
pub use describe::{hint_message, symbol_at};
pub use linkify::linkify;
use paths::Resolver;
#[cfg(test)]
pub(crate) use refs::has_source_ext;
use scan::{Event, Form};

/// At most this many references come out of `extract`.
pub const MAX_EXTRACTED: usize = 400;
/// At most this many locations come out of `resolve`.
pub const MAX_LOCATIONS: usize = 200;
/// At most this many references are looked at by `resolve`.
const MAX_RESOLVE_INPUT: usize = 1000;

/// One reference as written by the service, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationRef {
    pub path: String,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    /// The symbol the answer names together with this file, if any.
    pub symbol: Option<String>,
}

/// Finds where a symbol is defined in a file (the local index implements this).
///
/// `rel_path` is relative to the root with `/` separators; `symbol` is as the answer wrote it,
/// so it may be qualified (`Config::load`, `Router.route`). Returns 1-based inclusive lines;
/// out-of-range answers are clamped to the file.
pub trait SymbolLookup {
    fn find_definition(&self, rel_path: &str, symbol: &str) -> Option<(u32, u32)>;
}

/// A reference found in the Markdown, with where it was written.
pub(crate) struct Located {
    pub(crate) span: std::ops::Range<usize>,
    pub(crate) form: Form,
    pub(crate) linkable: bool,
    pub(crate) cref: CitationRef,
}

/// Every reference in the Markdown in order of appearance, each with the symbol named nearest
/// to it in the same sentence or list item.
pub(crate) fn locate(events: &[Event]) -> Vec<Located> {
    let mut out = Vec::new();
    let mut idents: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    let mut first = 0;
    for e in events {
        match e {
            Event::Ref {
                span,
                cref,
                form,
                in_fence,
                nested,
            } => out.push(Located {
                span: span.clone(),
                form: *form,
                linkable: !in_fence && !nested,
                cref: cref.clone(),
            }),
            Event::RefDef {
                target,
                cref: Some(cref),
                ..
            } => out.push(Located {
                span: target.clone(),
                form: Form::Link,
                linkable: false,
                cref: cref.clone(),
            }),
            Event::Ident { span, name } => idents.push((span.clone(), name.as_str())),
            Event::Boundary => {
                assign_symbols(&mut out[first..], &idents);
                idents.clear();
                first = out.len();
            }
            _ => {}
        }
    }
    assign_symbols(&mut out[first..], &idents);
    out
}

/// Nearest identifier by gap (0 when inside the reference, as in a link's text).
fn assign_symbols(refs: &mut [Located], idents: &[(std::ops::Range<usize>, &str)]) {
    if idents.is_empty() {
        return;
    }
    for r in refs.iter_mut() {
        // Idents are in order of position; look around where this reference sits.
        let at = idents.partition_point(|(s, _)| s.start < r.span.start);
        let lo = at.saturating_sub(2);
        let hi = (at + 2).min(idents.len());
        let gap = |s: &std::ops::Range<usize>| {
            s.start
                .saturating_sub(r.span.end)
                .max(r.span.start.saturating_sub(s.end))
        };
        if let Some((_, name)) = idents[lo..hi].iter().min_by_key(|(s, _)| gap(s)) {
            r.cref.symbol = Some((*name).to_string());
        }
    }
}

fn norm_key(path: &str) -> String {
    let p = path.trim().replace('\\', "/");
    let mut p = p.as_str();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_string()
}

/// The references of an answer, in order of appearance: the `listed` ones first, then those
/// found in the Markdown. Not yet checked against any workspace. Exact duplicates are merged
/// (keeping the first, and the symbol of a later one if the first had none); at most
/// [`MAX_EXTRACTED`] come out.
pub fn extract(markdown: &str, listed: &[String]) -> Vec<CitationRef> {
    let found = locate(&scan::scan(markdown));
    let mut out: Vec<CitationRef> = Vec::new();
    let mut seen: HashMap<(String, Option<u32>, Option<u32>), usize> = HashMap::new();
    let mut symbol_by_path: HashMap<String, String> = HashMap::new();
    for l in &found {
        if let Some(sym) = &l.cref.symbol {
            symbol_by_path
                .entry(norm_key(&l.cref.path))
                .or_insert_with(|| sym.clone());
        }
    }
    let listed_refs = listed.iter().take(MAX_RESOLVE_INPUT).filter_map(|s| {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let (path, start, end) = scan::split_line_spec(s);
        Some(CitationRef {
            path: path.to_string(),
            start_line: start,
            end_line: end,
            symbol: symbol_by_path.get(&norm_key(path)).cloned(),
        })
    });
    for r in listed_refs.chain(found.into_iter().map(|l| l.cref)) {
        let key = (norm_key(&r.path), r.start_line, r.end_line);
        match seen.get(&key) {
            Some(&i) => {
                if out[i].symbol.is_none() {
                    out[i].symbol = r.symbol;
                }
            }
            None => {
                if out.len() >= MAX_EXTRACTED {
                    break;
                }
                seen.insert(key, out.len());
                out.push(r);
            }
        }
    }
    out
}

/// A resolved reference; `precise` unless it fell back to line 1 of a file.
pub(crate) struct Resolved {
    pub(crate) loc: SourceLocation,
    pub(crate) precise: bool,
}

/// Line range for a reference to the canonical file `canon` (already checked to be inside).
pub(crate) fn resolve_one(
    res: &mut Resolver,
    cref: &CitationRef,
    lookup: Option<&dyn SymbolLookup>,
    canon: std::path::PathBuf,
) -> Option<Resolved> {
    let rel_path = res.rel_path(&canon);
    if rel_path.is_empty() {
        return None;
    }
    let n = res.line_count(&canon).max(1);
    let clamp = |s: u32, e: u32| {
        let s = s.clamp(1, n);
        (s, e.clamp(s, n))
    };
    let (range, precise) = match cref.start_line {
        Some(s) => (clamp(s, cref.end_line.unwrap_or(s)), true),
        None => match cref.symbol.as_deref().and_then(|sym| {
            lookup
                .and_then(|l| l.find_definition(&rel_path, sym))
                .or_else(|| res.definition(&canon, sym))
        }) {
            Some((s, e)) => (clamp(s, e), true),
            None => ((1, 1), false),
        },
    };
    Some(Resolved {
        loc: SourceLocation {
            path: canon,
            rel_path,
            start_line: range.0,
            end_line: range.1,
        },
        precise,
    })
}

/// Keeps the references that name existing files inside `root` (no escape by `..`, absolute
/// paths elsewhere, `~`, drive or UNC paths, encoded traversal or symlinks), de-duplicated, in
/// order; fills in line ranges.
///
/// - Lines are clamped to the file (`1 <= start <= end <= lines`); `end` defaults to `start`.
/// - A file-only reference points at the definition of its symbol (`lookup` first, then a
///   plain definition search in the file), else at line 1. Such a line-1 fallback is dropped
///   when the same file is also cited with lines.
/// - A relative path that does not exist is retried without its leading components, for
///   paths the service prefixed with the repository name or its checkout folder.
/// - Locations in the same file with overlapping ranges keep the first; at most
///   [`MAX_LOCATIONS`] come out.
pub fn resolve(
    refs: &[CitationRef],
    root: &Path,
    lookup: Option<&dyn SymbolLookup>,
) -> Vec<SourceLocation> {
    let Some(mut res) = Resolver::new(root) else {
        tracing::debug!(root = %root.display(), "citations: workspace root is not readable");
        return Vec::new();
    };
    let mut all: Vec<Resolved> = Vec::new();
    let mut by_written: HashMap<&str, Option<std::path::PathBuf>> = HashMap::new();
    for r in refs.iter().take(MAX_RESOLVE_INPUT) {
        let canon = by_written
            .entry(r.path.as_str())
            .or_insert_with(|| res.file(&r.path))
            .clone();
        let Some(canon) = canon else { continue };
        if let Some(found) = resolve_one(&mut res, r, lookup, canon) {
            all.push(found);
        }
    }
    let cited_precisely: std::collections::HashSet<std::path::PathBuf> = all
        .iter()
        .filter(|r| r.precise)
        .map(|r| r.loc.path.clone())
        .collect();
    let mut out: Vec<SourceLocation> = Vec::new();
    for r in all {
        if !r.precise && cited_precisely.contains(&r.loc.path) {
            continue;
        }
        let overlaps = out.iter().any(|o| {
            o.path == r.loc.path && o.start_line <= r.loc.end_line && r.loc.start_line <= o.end_line
        });
        if overlaps {
            continue;
        }
        out.push(r.loc);
        if out.len() >= MAX_LOCATIONS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
