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

/// `status` is one of `submitted`, `cloned`, `parsed`, `processing`, `inferring`, `ready`,
/// `error`, or a value added later; see [`ParsingStatus::is_ready`] and friends.
#[derive(Debug, Clone, Deserialize)]
pub struct ParsingStatus {
    pub status: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub latest: bool,
}

impl ParsingStatus {
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
    /// Chat works while inferring, with the embedding-based tools disabled.
    pub fn is_inferring(&self) -> bool {
        self.status == "inferring"
    }
    pub fn is_error(&self) -> bool {
        self.status == "error"
    }
}

/// Answer of `POST /api/v2/parsing-status` (a project looked up by repository).
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectLookup {
    pub project_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub latest: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgentInfo {
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// `SYSTEM` for built-in agents, a deployment status for custom ones.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: String,
    #[serde(default)]
    pub visibility: Option<String>,
}

/// Answer of `POST /api/v2/conversations`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateConversationResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
    pub conversation_id: String,
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

/// One tool-call event (potpie-api.md §5). Every field is optional: older data has other
/// shapes (`{"raw": ...}`), and `event_type` may take values this client does not know.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ToolCall {
    #[serde(default, deserialize_with = "null_as_default")]
    pub call_id: String,
    /// `call`, `result`, `delegation_call`, `delegation_result`, `tool_call_request_delta`, or new ones.
    #[serde(default, deserialize_with = "null_as_default")]
    pub event_type: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_name: String,
    /// A short human-readable status line, e.g. "Reading file: x".
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_response: String,
    /// Usually `{"summary": str}`; results may add `"content"`.
    #[serde(default)]
    pub tool_call_details: serde_json::Value,
    #[serde(default)]
    pub stream_part: Option<String>,
    #[serde(default)]
    pub is_complete: Option<bool>,
    #[serde(default)]
    pub is_truncated: Option<bool>,
    #[serde(default)]
    pub original_length: Option<u64>,
}

impl ToolCall {
    /// `tool_call_details.summary`, when present.
    pub fn summary(&self) -> Option<&str> {
        self.tool_call_details
            .get("summary")
            .and_then(|s| s.as_str())
    }
}

/// One object of the message stream (or the whole non-stream response). `message` is a text
/// delta to append; a non-null `thinking` replaces any earlier one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChatChunk {
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
    /// Repo-relative paths, usually empty (potpie-api.md §6).
    #[serde(default, deserialize_with = "lenient_strings")]
    pub citations: Vec<String>,
    #[serde(default, deserialize_with = "lenient_tool_calls")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default)]
    pub thinking: Option<String>,
    /// `"error"` on the frame newer servers send when a run fails (with `message` saying how);
    /// absent on ordinary chunks.
    #[serde(default)]
    pub event: Option<String>,
}

impl ChatChunk {
    /// A failed run's diagnostic frame rather than answer text.
    pub fn is_error_frame(&self) -> bool {
        self.event.as_deref() == Some("error")
    }
}

pub type ChatMessageResponse = ChatChunk;

#[derive(Debug, Clone, Deserialize)]
pub struct StopResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
    #[serde(default)]
    pub saved_partial: Option<bool>,
    #[serde(default)]
    pub message_id: Option<String>,
}

/// Answer of `POST /api/v2/search`.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResponse {
    #[serde(default, deserialize_with = "lenient_vec")]
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SearchResult {
    /// What `NodeContext::node_id` expects.
    pub node_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub file_path: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub match_type: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub relevance: f64,
}

/// `null` reads as the type's default, so a server sending `"x": null` is not an error.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list of strings where non-string items are skipped and `null` is empty.
fn lenient_strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Option<Vec<serde_json::Value>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

/// Tool calls of any shape: objects are read field by field, a bare string becomes the
/// status line, anything else is skipped.
fn lenient_tool_calls<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ToolCall>, D::Error> {
    let v: Option<Vec<serde_json::Value>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default()
        .into_iter()
        .filter_map(|v| match v {
            serde_json::Value::String(s) => Some(ToolCall {
                tool_response: s,
                ..ToolCall::default()
            }),
            obj @ serde_json::Value::Object(_) => serde_json::from_value(obj).ok(),
            _ => None,
        })
        .collect())
}

/// A list whose unreadable items are skipped rather than failing the whole answer.
fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v: Option<Vec<serde_json::Value>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default()
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}
