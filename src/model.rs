//! Editor-neutral domain types shared by the backends, the LSP glue and the CLI.
//!
//! Nothing here knows LSP or HTTP: paths are file-system paths, lines are 1-based and inclusive.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Which backend answered (or will answer) a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Potpie,
    Local,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Potpie => "potpie",
            BackendKind::Local => "local",
        }
    }
}

/// Where a workspace stands on its way to being answerable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParseState {
    Unbound,
    Parsing,
    Inferring,
    Ready,
    Error,
}

impl ParseState {
    /// `inferring` already answers questions (Potpie disables only its embedding tools).
    pub fn is_usable(self) -> bool {
        matches!(self, ParseState::Ready | ParseState::Inferring)
    }
}

/// The `Status` object of the contract (`potpie.status`, `potpie/status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub backend: BackendKind,
    pub state: ParseState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Status {
    pub fn new(backend: BackendKind, state: ParseState) -> Self {
        Status {
            backend,
            state,
            project_id: None,
            repo_name: None,
            branch_name: None,
            message: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// A place in a workspace file: the unit every citation resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceLocation {
    /// Absolute path of an existing file inside the workspace root.
    pub path: PathBuf,
    /// The same path relative to the root, with `/` separators.
    pub rel_path: String,
    /// 1-based, inclusive.
    pub start_line: u32,
    /// 1-based, inclusive, `>= start_line`.
    pub end_line: u32,
}

/// Code the user selected, sent along with a question as context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub path: PathBuf,
    pub rel_path: String,
    /// 1-based, inclusive.
    pub start_line: u32,
    pub end_line: u32,
    pub text: String,
}

/// A question as every backend receives it.
#[derive(Debug, Clone)]
pub struct Question {
    pub text: String,
    pub agent: String,
    pub selection: Option<Selection>,
}

impl Question {
    /// The text sent to an agent: the question, then the selection as a fenced block.
    pub fn prompt(&self) -> String {
        match &self.selection {
            None => self.text.clone(),
            Some(sel) => format!(
                "{}\n\nSelected code from `{}` lines {}-{}:\n```\n{}\n```",
                self.text,
                sel.rel_path,
                sel.start_line,
                sel.end_line,
                sel.text.trim_end_matches('\n')
            ),
        }
    }
}

/// Something that happened while a question was being answered.
#[derive(Debug, Clone, PartialEq)]
pub enum AskEvent {
    /// More answer text (a delta to append).
    Chunk(String),
    /// A human-readable line of the agent's tool activity.
    Activity(String),
}

/// The finished answer of a backend, before delivery.
#[derive(Debug, Clone)]
pub struct Answer {
    pub id: String,
    pub backend: BackendKind,
    pub agent: String,
    pub markdown: String,
    pub citations: Vec<SourceLocation>,
}
