//! The `potpie/*` notifications and `potpie.*` commands this server adds to LSP.
//! Documented in docs/lsp-extensions.md; mirrored by editors/code/src/protocol.ts.

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::notification::Notification;
use tower_lsp_server::ls_types::{Location, Range, Uri};

pub const CMD_ASK: &str = "potpie.ask";
pub const CMD_EXPLAIN: &str = "potpie.explain";
pub const CMD_REPARSE: &str = "potpie.reparse";
pub const CMD_STATUS: &str = "potpie.status";
pub const CMD_CLEAR_HINTS: &str = "potpie.clearHints";
pub const CMD_AGENTS: &str = "potpie.agents";
pub const CMD_THREADS: &str = "potpie.threads";

pub const COMMANDS: [&str; 7] = [
    CMD_ASK,
    CMD_EXPLAIN,
    CMD_REPARSE,
    CMD_STATUS,
    CMD_CLEAR_HINTS,
    CMD_AGENTS,
    CMD_THREADS,
];

/// `potpie/status`: the `Status` of a workspace folder, whenever it changes.
pub enum StatusNotification {}

impl Notification for StatusNotification {
    type Params = crate::model::Status;
    const METHOD: &'static str = "potpie/status";
}

/// `potpie/answerChunk`: a piece of answer text as it streams in.
pub enum AnswerChunk {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerChunkParams {
    pub answer_id: String,
    pub delta: String,
}

impl Notification for AnswerChunk {
    type Params = AnswerChunkParams;
    const METHOD: &'static str = "potpie/answerChunk";
}

/// `potpie/citations`: the last answer's citations, again, after the code they cite changed
/// (living citations), so answer panels and lists can point at the new places.
pub enum CitationsMoved {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CitationsMovedParams {
    pub answer_id: String,
    pub thread_id: String,
    pub citations: Vec<LiveCitation>,
}

/// A citation where its code is now; `stale` when the code is gone (the range is where it
/// was).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCitation {
    pub uri: Uri,
    pub range: Range,
    pub stale: bool,
}

impl Notification for CitationsMoved {
    type Params = CitationsMovedParams;
    const METHOD: &'static str = "potpie/citations";
}

/// Arguments of `potpie.ask` (also what its code actions send).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AskArgs {
    pub question: String,
    /// Continue this thread (`"last"`: the folder's most recent); without it, a new thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<Uri>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
}

/// Arguments of `potpie.explain` (also what its code actions send).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainArgs {
    pub uri: Uri,
    pub range: Range,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

/// Optional argument of `potpie.agents`: which folder, and whether to ask Potpie again
/// instead of using the list fetched earlier in this session.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgentsArgs {
    #[serde(default)]
    pub uri: Option<Uri>,
    #[serde(default)]
    pub refresh: bool,
}

/// Optional argument of `potpie.status` / `potpie.reparse`: which folder.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FolderArgs {
    #[serde(default)]
    pub uri: Option<Uri>,
}

/// The `Answer` result of `potpie.ask` / `potpie.explain`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerResult {
    pub answer_id: String,
    pub backend: crate::model::BackendKind,
    pub agent: String,
    pub markdown: String,
    pub citations: Vec<Location>,
    pub answer_uri: Option<Uri>,
    pub thread_id: String,
    /// The thread's Markdown transcript (every question and answer so far).
    pub transcript_uri: Option<Uri>,
}

/// One thread as `potpie.threads` lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadInfo {
    pub thread_id: String,
    pub title: String,
    pub agent: String,
    pub backend: crate::model::BackendKind,
    /// RFC 3339.
    pub updated_at: String,
    pub answers: usize,
    pub transcript_uri: Option<Uri>,
}
