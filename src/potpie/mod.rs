//! The Potpie HTTP API client (and the OpenAI-compatible chat client the local backend may use).
//! The only module that knows HTTP. See `shared/reference/potpie-api.md`.
//!
//! Invariants:
//! - The API key travels only in the `x-api-key` header (marked sensitive) and is scrubbed from
//!   any server text quoted in an error.
//! - The User-Agent is `potpie-lsp/<version>`, never the VS Code extension's, which switches the
//!   server into its tunnel "local mode".
//! - Requests that are safe to repeat are retried on transient failures; creating a conversation
//!   and sending a message are re-sent only when they provably never reached the server, and a
//!   stream that has started is never retried.

pub mod error;
mod http;
pub mod llm;
pub mod models;
pub mod stream;

pub use error::{PotpieError, Service, TimeoutPhase};
pub use llm::LlmClient;
pub use models::*;
pub use stream::{DecodeError, StreamDecoder};

use http::{Http, Retry, parse_base};

use std::collections::VecDeque;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{Method, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::config::ApiKey;
use crate::config::trust::TrustedUrl;

/// The User-Agent of every request.
pub const USER_AGENT: &str = concat!("potpie-lsp/", env!("CARGO_PKG_VERSION"));

/// Timeouts, retries and size limits of the shared HTTP client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    /// Longest wait for response headers (the message route may take 30 s before they arrive).
    pub headers_timeout: Duration,
    /// Longest wait for a non-streamed answer (message with `stream=false`, LLM completions),
    /// whose headers come only once the whole answer is ready.
    pub whole_answer_timeout: Duration,
    /// Longest silence between two reads of a body. There is no total timeout on streams:
    /// answers may take minutes.
    pub read_timeout: Duration,
    /// Retries of safe requests on transient failures.
    pub max_retries: u32,
    /// First retry delay; doubled each retry, capped by `retry_max_delay`, with jitter.
    pub retry_base_delay: Duration,
    pub retry_max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned instead.
    pub max_retry_after: Duration,
    /// Largest non-streamed response body accepted.
    pub max_body_bytes: usize,
    /// Largest single object of a streamed answer.
    pub max_stream_object_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            headers_timeout: Duration::from_secs(60),
            whole_answer_timeout: Duration::from_secs(600),
            read_timeout: Duration::from_secs(120),
            max_retries: 3,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            max_body_bytes: 32 * 1024 * 1024,
            max_stream_object_bytes: stream::DEFAULT_MAX_OBJECT_BYTES,
        }
    }
}

/// The Potpie v2 API. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct PotpieClient {
    http: Http,
    /// Origin plus any path prefix, without a trailing `/` and without `/api/v2`.
    base: String,
    key_header: HeaderValue,
}

impl std::fmt::Debug for PotpieClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PotpieClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl PotpieClient {
    /// `base_url` is the server's origin (e.g. `https://production-api.potpie.ai`); a trailing
    /// `/` or `/api/v2` is tolerated. It must have passed `config::trust::check`: that is where
    /// the user's key may go.
    pub fn new(
        base_url: &TrustedUrl,
        key: ApiKey,
        opts: ClientOptions,
    ) -> Result<Self, PotpieError> {
        let url = parse_base(Service::Potpie, base_url)?;
        let mut key_header =
            HeaderValue::from_str(key.expose()).map_err(|_| PotpieError::UnsendableApiKey {
                service: Service::Potpie,
            })?;
        key_header.set_sensitive(true);
        let mut base = url.as_str().trim_end_matches('/').to_string();
        if let Some(stripped) = base.strip_suffix("/api/v2") {
            base = stripped.to_string();
        }
        let http = Http::new(Service::Potpie, &url, opts, Some(key))?;
        Ok(PotpieClient {
            http,
            base,
            key_header,
        })
    }

    /// The base URL requests go to (no trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn options(&self) -> &ClientOptions {
        &self.http.opts
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v2/{}", self.base, path)
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client
            .request(method, self.url(path))
            .header("x-api-key", self.key_header.clone())
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<serde_json::Value>,
        retry: Retry,
    ) -> Result<T, PotpieError> {
        self.call_waiting(
            method,
            path,
            query,
            body,
            retry,
            self.http.opts.headers_timeout,
        )
        .await
    }

    async fn call_waiting<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<serde_json::Value>,
        retry: Retry,
        wait: Duration,
    ) -> Result<T, PotpieError> {
        let what = format!("{method} /api/v2/{}", path_for_log(path));
        let resp = self
            .http
            .send(
                || {
                    let mut req = self.request(method.clone(), path);
                    if !query.is_empty() {
                        req = req.query(query);
                    }
                    if let Some(b) = &body {
                        req = req.json(b);
                    }
                    req
                },
                retry,
                &what,
                wait,
            )
            .await?;
        self.http.json(resp, &what).await
    }

    /// `POST /api/v2/parse`. The same repository and branch returns the same project, so this
    /// is safe to repeat.
    pub async fn parse(&self, req: &ParseRequest) -> Result<ParseResponse, PotpieError> {
        let body = serde_json::to_value(req).unwrap_or_else(|_| json!({}));
        self.call(Method::POST, "parse", &[], Some(body), Retry::Safe)
            .await
    }

    /// `GET /api/v2/parsing-status/{project_id}`.
    pub async fn parsing_status(&self, project_id: &str) -> Result<ParsingStatus, PotpieError> {
        let path = format!("parsing-status/{}", segment(project_id));
        self.call(Method::GET, &path, &[], None, Retry::Safe).await
    }

    /// `POST /api/v2/parsing-status`: the project of a repository and branch (or commit), if
    /// Potpie has one; `NotFound` otherwise.
    pub async fn find_project(
        &self,
        repo_name: &str,
        branch_name: Option<&str>,
        commit_id: Option<&str>,
    ) -> Result<ProjectLookup, PotpieError> {
        let body =
            json!({"repo_name": repo_name, "branch_name": branch_name, "commit_id": commit_id});
        self.call(Method::POST, "parsing-status", &[], Some(body), Retry::Safe)
            .await
    }

    /// `GET /api/v2/list-available-agents`: system agents first, then the caller's own.
    pub async fn list_agents(&self) -> Result<Vec<AgentInfo>, PotpieError> {
        self.call(Method::GET, "list-available-agents", &[], None, Retry::Safe)
            .await
    }

    /// `POST /api/v2/conversations`; returns the conversation id.
    pub async fn create_conversation(
        &self,
        project_id: &str,
        agent_id: &str,
    ) -> Result<String, PotpieError> {
        let body = json!({"project_ids": [project_id], "agent_ids": [agent_id]});
        let resp: CreateConversationResponse = self
            .call(
                Method::POST,
                "conversations",
                &[],
                Some(body),
                Retry::OnlyUnsent,
            )
            .await?;
        Ok(resp.conversation_id)
    }

    /// `POST /api/v2/conversations/{id}/message?stream=true`. Returns once the headers arrived
    /// (up to `headers_timeout`); the chunks then come from [`MessageStream::next`].
    ///
    /// `run.session_id` names the run, so that exactly it can be stopped; with `run.cursor` the
    /// request re-attaches to that run's stream (replaying from the cursor) and starts nothing
    /// (CR:289-294).
    pub async fn send_message_stream(
        &self,
        conversation_id: &str,
        req: &MessageRequest,
        run: RunRef<'_>,
    ) -> Result<MessageStream, PotpieError> {
        let path = format!("conversations/{}/message", segment(conversation_id));
        let what = "POST /api/v2/conversations/…/message";
        let mut query: Vec<(&str, &str)> = vec![("stream", "true")];
        if let Some(s) = run.session_id {
            query.push(("session_id", s));
        }
        if let Some(c) = run.cursor {
            query.push(("cursor", c));
        }
        let resp = self
            .http
            .send(
                || self.request(Method::POST, &path).query(&query).json(req),
                Retry::OnlyUnsent,
                what,
                self.http.opts.headers_timeout,
            )
            .await?;
        Ok(MessageStream {
            http: self.http.clone(),
            resp: Some(resp),
            decoder: StreamDecoder::with_limit(self.http.opts.max_stream_object_bytes),
            pending: VecDeque::new(),
        })
    }

    /// `POST /api/v2/conversations/{id}/message?stream=false`: the whole answer at once. The
    /// server answers only when the run is over, so this waits up to `whole_answer_timeout`.
    pub async fn send_message(
        &self,
        conversation_id: &str,
        req: &MessageRequest,
    ) -> Result<ChatMessageResponse, PotpieError> {
        let path = format!("conversations/{}/message", segment(conversation_id));
        let body = serde_json::to_value(req).unwrap_or_else(|_| json!({}));
        self.call_waiting(
            Method::POST,
            &path,
            &[("stream", "false")],
            Some(body),
            Retry::OnlyUnsent,
            self.http.opts.whole_answer_timeout,
        )
        .await
    }

    /// `POST /api/v2/conversations/{id}/stop`: cancels the running answer (the open stream ends).
    pub async fn stop(
        &self,
        conversation_id: &str,
        session_id: Option<&str>,
    ) -> Result<StopResponse, PotpieError> {
        let path = format!("conversations/{}/stop", segment(conversation_id));
        let query: Vec<(&str, &str)> = session_id.map(|s| ("session_id", s)).into_iter().collect();
        self.call(Method::POST, &path, &query, None, Retry::Safe)
            .await
    }

    /// `POST /api/v2/search`: up to 10 substring matches over names, paths and code.
    pub async fn search(
        &self,
        project_id: &str,
        query: &str,
    ) -> Result<Vec<SearchResult>, PotpieError> {
        let body = json!({"project_id": project_id, "query": query});
        let resp: SearchResponse = self
            .call(Method::POST, "search", &[], Some(body), Retry::Safe)
            .await?;
        Ok(resp.results)
    }
}

/// Which run a message request starts or re-attaches to.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunRef<'a> {
    /// The run id (`session_id`), chosen by the client.
    pub session_id: Option<&'a str>,
    /// A stream position to replay from (`0-0`: the start); re-attaches instead of starting.
    pub cursor: Option<&'a str>,
}

/// The cursor that replays a run's stream from its first event.
pub const FROM_START: &str = "0-0";

/// Ids go into paths; anything that is not a plain id character is percent-encoded so a
/// hostile id cannot change the route.
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Route names for logs and error contexts, without ids.
fn path_for_log(path: &str) -> String {
    match path.split('/').next() {
        Some("parsing-status") => "parsing-status/…".to_string(),
        Some("conversations") if path.contains('/') => {
            format!(
                "conversations/…/{}",
                path.rsplit('/').next().unwrap_or_default()
            )
        }
        _ => path.to_string(),
    }
}

/// A message being streamed: yields each decoded chunk as it arrives.
///
/// The end of the body is the only completion signal the server gives (a failed or cancelled
/// run also just ends), so `None` means "the server closed the answer".
pub struct MessageStream {
    http: Http,
    resp: Option<Response>,
    decoder: StreamDecoder,
    pending: VecDeque<Result<ChatChunk, PotpieError>>,
}

impl std::fmt::Debug for MessageStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageStream")
            .field("open", &self.resp.is_some())
            .finish_non_exhaustive()
    }
}

impl MessageStream {
    /// The next chunk, `None` at the end of the body. A malformed object yields one `Err` and
    /// the stream goes on; a stall longer than `read_timeout` or a broken connection yields a
    /// final `Err`, then `None`.
    pub async fn next(&mut self) -> Option<Result<ChatChunk, PotpieError>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            let resp = self.resp.as_mut()?;
            let read = tokio::time::timeout(self.http.opts.read_timeout, resp.chunk()).await;
            match read {
                Err(_) => {
                    self.resp = None;
                    return Some(Err(PotpieError::Timeout {
                        service: self.http.service,
                        phase: TimeoutPhase::Stalled,
                        after: self.http.opts.read_timeout,
                    }));
                }
                Ok(Err(e)) => {
                    self.resp = None;
                    return Some(Err(self.http.transport(&e, TimeoutPhase::Stalled)));
                }
                Ok(Ok(Some(bytes))) => {
                    let items = self.decoder.push(&bytes);
                    for item in items {
                        let item = item.map_err(|e| self.stream_error(e));
                        self.pending.push_back(item);
                    }
                }
                Ok(Ok(None)) => {
                    self.resp = None;
                    if let Some(e) = self.decoder.finish() {
                        self.pending.push_back(Err(self.stream_error(e)));
                    }
                }
            }
        }
    }

    /// Closes the connection without reading the rest (the server's run is not stopped; call
    /// [`PotpieClient::stop`] for that).
    pub fn close(&mut self) {
        self.resp = None;
        self.pending.clear();
    }

    fn stream_error(&self, e: DecodeError) -> PotpieError {
        match e {
            DecodeError::TooLarge { limit, .. } => PotpieError::BodyTooLarge {
                service: self.http.service,
                context: "one object of the answer stream".to_string(),
                limit,
            },
            other => PotpieError::BadJson {
                service: self.http.service,
                context: "the answer stream".to_string(),
                detail: other.to_string(),
            },
        }
    }

    /// Reads the rest of the answer and joins it: text deltas concatenated, citations
    /// de-duplicated, tool calls appended, the last `thinking` kept. Decode errors are skipped;
    /// a transport error is returned.
    pub async fn collect(mut self) -> Result<ChatMessageResponse, PotpieError> {
        let mut all = ChatChunk::default();
        while let Some(item) = self.next().await {
            match item {
                Ok(c) => {
                    all.message.push_str(&c.message);
                    for cit in c.citations {
                        if !all.citations.contains(&cit) {
                            all.citations.push(cit);
                        }
                    }
                    all.tool_calls.extend(c.tool_calls);
                    if c.thinking.is_some() {
                        all.thinking = c.thinking;
                    }
                }
                Err(PotpieError::BadJson { .. }) | Err(PotpieError::BodyTooLarge { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms_are_normalised() {
        use crate::config::trust::{Approvals, Purpose, check};
        let key = ApiKey::new("sk-test").unwrap_or_else(|| unreachable!());
        let approvals = Approvals::in_memory();
        approvals.approve_once("https://example.test");
        for (given, want) in [
            ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
            ("http://127.0.0.1:8001/", "http://127.0.0.1:8001"),
            ("http://127.0.0.1:8001/api/v2/", "http://127.0.0.1:8001"),
            (
                "https://example.test/potpie/",
                "https://example.test/potpie",
            ),
        ] {
            let url = check(given, Purpose::Potpie, None, &approvals);
            let c = url.map(|u| PotpieClient::new(&u, key.clone(), ClientOptions::default()));
            assert_eq!(
                c.ok()
                    .and_then(Result::ok)
                    .map(|c| c.base_url().to_string())
                    .as_deref(),
                Some(want),
                "{given}"
            );
        }
    }

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        assert_eq!(segment("0196f0c2-ab_c"), "0196f0c2-ab_c");
        assert_eq!(segment("../x?y"), "%2E%2E%2Fx%3Fy");
    }
}
