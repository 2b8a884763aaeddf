//! The embedded local engine: a tree-sitter code graph of the workspace and ranked retrieval
//! that answers questions offline with exact `path:start-end` citations. No LSP, no HTTP.
//!
//! STUB: replaced by the engine work. The signatures below are the contract with the rest of
//! the crate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::Selection;

/// What `potpie-lsp index --json` prints (at least these keys).
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexStats {
    pub files: usize,
    pub symbols: usize,
    pub edges: usize,
    pub languages: BTreeMap<String, usize>,
    pub millis: u64,
    pub bytes: u64,
    pub lines: u64,
    /// Files taken unchanged from the cache instead of being parsed again.
    pub reused: usize,
}

/// A citation produced by the engine: relative path, 1-based inclusive lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineCitation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
}

/// A retrieved piece of code, with an id the LLM path can cite.
#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    pub id: String,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub kind: String,
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct LocalAnswer {
    pub markdown: String,
    /// Best first.
    pub citations: Vec<EngineCitation>,
    pub snippets: Vec<Snippet>,
}

/// A message for an OpenAI-compatible chat endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

pub struct Index {
    root: PathBuf,
}

impl Index {
    /// Loads the cached index of `root` from `cache_dir` (if any, and if valid), re-parses only
    /// files whose size or mtime changed, saves it back, and returns it. `progress(done, total)`.
    pub fn open(
        root: &Path,
        _cache_dir: Option<&Path>,
        _progress: &(dyn Fn(usize, usize) + Sync),
    ) -> std::io::Result<Index> {
        Ok(Index {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn stats(&self) -> IndexStats {
        IndexStats::default()
    }

    /// Re-indexes these files (absolute paths); deleted ones are dropped.
    pub fn update_files(&mut self, _paths: &[PathBuf]) {}

    /// Writes the index to the cache (atomically).
    pub fn save(&self, _cache_dir: &Path) -> std::io::Result<()> {
        Ok(())
    }

    /// Answers a question from the index alone.
    pub fn answer(&self, _question: &str, _selection: Option<&Selection>) -> LocalAnswer {
        LocalAnswer::default()
    }

    /// The definition of `symbol` in the file `rel_path`, as 1-based inclusive lines.
    pub fn find_definition(&self, _rel_path: &str, _symbol: &str) -> Option<(u32, u32)> {
        None
    }
}

/// The chat messages that ask an LLM to answer from these snippets, citing their ids.
pub fn llm_messages(_question: &str, _snippets: &[Snippet]) -> Vec<ChatMessage> {
    Vec::new()
}

/// Citations from an LLM reply: only those naming ids of `snippets`, in order of first mention.
pub fn llm_citations(_reply: &str, _snippets: &[Snippet]) -> Vec<EngineCitation> {
    Vec::new()
}
