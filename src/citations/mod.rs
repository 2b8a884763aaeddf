//! Turns what an answer cites (the service's `citations` list and the references written in
//! its Markdown) into locations inside the workspace. Pure: no LSP, no HTTP.
//!
//! STUB: replaced by the citations work.

use std::path::Path;

use crate::model::SourceLocation;

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
pub trait SymbolLookup {
    fn find_definition(&self, rel_path: &str, symbol: &str) -> Option<(u32, u32)>;
}

/// The references of an answer, in order of appearance: the `listed` ones first, then those
/// found in the Markdown. Not yet checked against any workspace.
pub fn extract(_markdown: &str, _listed: &[String]) -> Vec<CitationRef> {
    Vec::new()
}

/// Keeps the references that name existing files inside `root` (no escape by `..`, absolute
/// paths or symlinks), de-duplicated, in order; fills in line ranges.
pub fn resolve(
    _refs: &[CitationRef],
    _root: &Path,
    _lookup: Option<&dyn SymbolLookup>,
) -> Vec<SourceLocation> {
    Vec::new()
}

/// Rewrites the answer so that file references become relative Markdown links from `from_dir`
/// (the answer file's folder) to the cited files.
pub fn linkify(markdown: &str, _root: &Path, _from_dir: &Path) -> String {
    markdown.to_string()
}
