//! The Potpie HTTP API client (and the OpenAI-compatible chat client the local backend may use).
//! The only module that knows HTTP. See `../shared/reference/potpie-api.md`.
//!
//! STUB: replaced by the potpie-client work.

pub mod error;
pub mod models;
pub mod stream;

pub use error::PotpieError;
pub use models::*;
pub use stream::StreamDecoder;

use std::time::Duration;

use crate::config::ApiKey;

/// Timeouts of the shared HTTP client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// Longest wait for response headers (the message route may take 30 s before they arrive).
    pub headers_timeout: Duration,
    /// Longest silence between two reads of a streamed body.
    pub read_timeout: Duration,
    /// Retries of safe requests on transient failures.
    pub max_retries: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            headers_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(120),
            max_retries: 3,
        }
    }
}

#[derive(Clone)]
pub struct PotpieClient {
    _key: ApiKey,
}

/// A message being streamed: yields each decoded chunk as it arrives.
pub struct MessageStream {}

impl MessageStream {
    /// The next chunk, `None` at the end of the body.
    pub async fn next(&mut self) -> Option<Result<ChatChunk, PotpieError>> {
        None
    }
}

impl PotpieClient {
    pub fn new(_base_url: &str, key: ApiKey, _opts: ClientOptions) -> Result<Self, PotpieError> {
        Ok(PotpieClient { _key: key })
    }
    pub async fn parse(&self, _req: &ParseRequest) -> Result<ParseResponse, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
    pub async fn parsing_status(&self, _project_id: &str) -> Result<ParsingStatus, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
    pub async fn list_agents(&self) -> Result<Vec<AgentInfo>, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
    pub async fn create_conversation(
        &self,
        _project_id: &str,
        _agent_id: &str,
    ) -> Result<String, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
    pub async fn send_message_stream(
        &self,
        _conversation_id: &str,
        _req: &MessageRequest,
    ) -> Result<MessageStream, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
    pub async fn send_message(
        &self,
        _conversation_id: &str,
        _req: &MessageRequest,
    ) -> Result<ChatMessageResponse, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
    pub async fn stop(
        &self,
        _conversation_id: &str,
        _session_id: Option<&str>,
    ) -> Result<StopResponse, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
    pub async fn search(
        &self,
        _project_id: &str,
        _query: &str,
    ) -> Result<Vec<SearchResult>, PotpieError> {
        Err(PotpieError::Other("not implemented".into()))
    }
}
