//! Request and response bodies of the Potpie v2 API (potpie-api.md §3–§5).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ParseRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ParseResponse {
    pub project_id: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ParsingStatus {
    pub status: String,
    #[serde(default)]
    pub latest: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgentInfo {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeContext {
    pub node_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MessageRequest {
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_ids: Option<Vec<NodeContext>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ToolCall {
    #[serde(default)]
    pub call_id: String,
    #[serde(default)]
    pub event_type: String,
    #[serde(default)]
    pub tool_name: String,
    #[serde(default)]
    pub tool_response: String,
    #[serde(default)]
    pub is_complete: Option<bool>,
}

/// One object of the message stream (or the whole non-stream response).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChatChunk {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub citations: Vec<String>,
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default)]
    pub thinking: Option<String>,
}

pub type ChatMessageResponse = ChatChunk;

#[derive(Debug, Clone, Deserialize)]
pub struct StopResponse {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SearchResult {
    pub node_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub file_path: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub match_type: String,
    #[serde(default)]
    pub relevance: f64,
}
