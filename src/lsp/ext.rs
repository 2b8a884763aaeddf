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

pub const COMMANDS: [&str; 6] = [
    CMD_ASK,
    CMD_EXPLAIN,
    CMD_REPARSE,
    CMD_STATUS,
    CMD_CLEAR_HINTS,
    CMD_AGENTS,
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

/// Arguments of `potpie.ask` (also what its code actions send).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AskArgs {
    pub question: String,
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
}
