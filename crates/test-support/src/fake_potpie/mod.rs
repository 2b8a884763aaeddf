//! A fake Potpie server that behaves like the real one (shared/reference/potpie-api.md §14),
//! written directly on a TCP socket so tests can break it at the byte level.
//!
//! ```ignore
//! let fake = FakeConfig::new()
//!     .answer_text("Login starts in `src/auth.rs`.")
//!     .ready_after(2)
//!     .force(Route::ParsingStatus, Forced::json(503, json!({"detail": "busy"})).times(1))
//!     .start()
//!     .await;
//! let client = PotpieClient::new(&fake.url(), ApiKey::new(FAKE_KEY).unwrap(), opts)?;
//! ...
//! assert_eq!(fake.count(Route::Stop), 1);
//! ```
//!
//! `start()` runs on the caller's tokio runtime; `spawn()` runs on a thread of its own (for
//! tests without a runtime, e.g. ones that drive the LSP binary). Either way the server stops
//! when the `FakePotpie` is dropped. Every request is recorded (`requests()`, `count()`), and
//! the configuration can be changed while it runs (`update()`).
//!
//! Where the real server is unkind, so is the fake (potpie-audit.md, "The fake Potpie"):
//! - an answer is a *run* that goes on without its HTTP connection, as a Celery task writing to
//!   a Redis stream does: a broken connection does not stop it, and a `cursor` re-attaches to
//!   it (replaying from the start) without starting another;
//! - `/stop` with a `session_id` always says "Cancellation signal sent and task revoked"; without
//!   one it stops only the run whose newest event is the latest, finished or not;
//! - tool events come several to an object, with request deltas, previews, delegations and
//!   text in the same objects; the workspace banner (`banner()`) is glued to the answer text;
//! - `commit_id`, `hidden`, `session_id` and `cursor` are honoured, `node_ids` items are
//!   validated (422 without `name`), a missing key gets "Bearer authentication is needed";
//! - connections are kept alive between requests, and closed after 5 s idle (uvicorn).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The key the fake accepts unless configured otherwise (`sk-` and 64 hex digits, like real keys).
pub const FAKE_KEY: &str = "sk-00000000000000000000000000000000000000000000000000000000000000ff";

/// The system agents of potpie-api.md §8 (`spec_generation_agent` is dev-only and left out).
pub const SYSTEM_AGENTS: &[(&str, &str, &str)] = &[
    (
        "codebase_qna_agent",
        "Codebase Q&A Agent",
        "Answers questions about the codebase using the knowledge graph and code tools",
    ),
    (
        "debugging_agent",
        "Debugging with Knowledge Graph Agent",
        "Root-cause debugging",
    ),
    (
        "unit_test_agent",
        "Unit Test Agent",
        "Unit tests for named functions",
    ),
    (
        "integration_test_agent",
        "Integration Test Agent",
        "Integration tests from entry points",
    ),
    (
        "LLD_agent",
        "Low-Level Design Agent",
        "Implementation plan for a new feature",
    ),
    (
        "code_changes_agent",
        "Code Changes Agent",
        "Blast radius of the current branch against the default branch",
    ),
    (
        "code_generation_agent",
        "Code Generation Agent",
        "Generates code for features or fixes",
    ),
    (
        "general_purpose_agent",
        "General Purpose Agent",
        "Queries that need no repository access",
    ),
    (
        "sweb_debug_agent",
        "SWEB Debug Agent",
        "SWE-bench-style debugging",
    ),
];

/// The queued placeholder every stream starts with.
pub const PLACEHOLDER: &str =
    r#"{"message": "", "citations": [], "tool_calls": [], "thinking": null}"#;

/// The object written by the `malformed_after` fault.
pub const MALFORMED_OBJECT: &str = r#"{"message": "broken", "citations": [}"#;

/// The routes of the v2 API the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Health,
    Parse,
    /// `GET /api/v2/parsing-status/{id}`
    ParsingStatus,
    /// `POST /api/v2/parsing-status`
    ParsingStatusByRepo,
    ProjectsList,
    ListAgents,
    Conversations,
    Message,
    Stop,
    Search,
    /// Any path the server does not know (404), or a known path with the wrong method (405).
    Unknown,
}

impl Route {
    /// The route and its path parameter (project or conversation id), from a path without query.
    pub(crate) fn of(method: &str, path: &str) -> (Route, Option<String>, bool) {
        let path = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (route, param, want) = match segs.as_slice() {
            ["health"] => (Route::Health, None, "GET"),
            ["api", "v2", "parse"] => (Route::Parse, None, "POST"),
            ["api", "v2", "parsing-status", id] => {
                (Route::ParsingStatus, Some(id.to_string()), "GET")
            }
            ["api", "v2", "parsing-status"] => (Route::ParsingStatusByRepo, None, "POST"),
            ["api", "v2", "projects", "list"] => (Route::ProjectsList, None, "GET"),
            ["api", "v2", "list-available-agents"] => (Route::ListAgents, None, "GET"),
            ["api", "v2", "conversations"] => (Route::Conversations, None, "POST"),
            ["api", "v2", "conversations", id, "message"] => {
                (Route::Message, Some(id.to_string()), "POST")
            }
            ["api", "v2", "conversations", id, "stop"] => {
                (Route::Stop, Some(id.to_string()), "POST")
            }
            ["api", "v2", "search"] => (Route::Search, None, "POST"),
            _ => return (Route::Unknown, None, true),
        };
        (
            route,
            param.map(|p| percent_decode(&p)),
            method.eq_ignore_ascii_case(want),
        )
    }
}

mod config;
mod http;
mod py;
mod routes;
mod runs;
mod state;

pub use config::*;
use http::*;
use py::*;
pub use py::{DELEGATE, Py, answer_objects};
use routes::*;
use runs::*;
use state::*;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    /// Without the query.
    pub path: String,
    pub query: String,
    /// Lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub route: Route,
    /// Whether an `x-api-key` header (any case) was present.
    pub had_api_key: bool,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| percent_decode(v))
        })
    }
}

/// What a test can see of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub conversation: String,
    pub run_id: String,
    pub finished: bool,
    pub objects: usize,
}
/// A running fake. Dropping it stops the server and closes every connection.
pub struct FakePotpie {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakePotpie {
    /// `http://127.0.0.1:PORT`, the origin to give the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn key(&self) -> String {
        lock(&self.state).cfg.key.clone()
    }
    /// Every request so far, in order: the request log tests assert on.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }
    pub fn requests_to(&self, route: Route) -> Vec<RecordedRequest> {
        lock(&self.state)
            .requests
            .iter()
            .filter(|r| r.route == route)
            .cloned()
            .collect()
    }
    /// When each write of any message stream completed, in order.
    pub fn stream_write_times(&self) -> Vec<std::time::Instant> {
        lock(&self.state).stream_writes.clone()
    }
    /// How many requests reached `route`.
    pub fn count(&self, route: Route) -> usize {
        lock(&self.state)
            .requests
            .iter()
            .filter(|r| r.route == route)
            .count()
    }
    /// Changes the configuration of the running server.
    pub fn update(&self, f: impl FnOnce(&mut FakeConfig)) {
        f(&mut lock(&self.state).cfg);
    }
    /// Forces a response on `route` from now on (see [`Forced::times`]).
    pub fn force(&self, route: Route, forced: Forced) {
        lock(&self.state)
            .cfg
            .forced
            .entry(route)
            .or_default()
            .push_back(forced);
    }
    /// Ids of the projects registered by parse, deleted ones included, oldest first.
    pub fn project_ids(&self) -> Vec<String> {
        lock(&self.state).project_order.clone()
    }
    /// The commit a project was parsed at.
    pub fn project_commit(&self, project_id: &str) -> Option<String> {
        lock(&self.state)
            .projects
            .get(project_id)
            .and_then(|p| p.commit.clone())
    }
    /// Deletes a project: parsing-status answers 404 from now on.
    pub fn delete_project(&self, project_id: &str) {
        if let Some(p) = lock(&self.state).projects.get_mut(project_id) {
            p.deleted = true;
        }
    }
    /// Deletes a conversation: messages to it get the placeholder, then nothing.
    pub fn delete_conversation(&self, conversation_id: &str) {
        if let Some(c) = lock(&self.state).conversations.get_mut(conversation_id) {
            c.deleted = true;
        }
    }
    /// Moves the branch head Potpie sees (projects parsed before are no longer `latest`).
    pub fn set_branch_head(&self, commit: &str) {
        lock(&self.state).cfg.branch_head = Some(commit.to_string());
    }
    /// `(conversation id, project id)` of every conversation created.
    pub fn conversations(&self) -> Vec<(String, String)> {
        lock(&self.state)
            .conversations
            .iter()
            .map(|(id, c)| (id.clone(), c.project_id.clone()))
            .collect()
    }
    /// The agent a conversation was created for.
    pub fn conversation_agent(&self, conversation_id: &str) -> Option<String> {
        lock(&self.state)
            .conversations
            .get(conversation_id)
            .map(|c| c.agent_id.clone())
    }
    /// Whether a conversation was created hidden (the default) or visible in the web app.
    pub fn conversation_hidden(&self, conversation_id: &str) -> Option<bool> {
        lock(&self.state)
            .conversations
            .get(conversation_id)
            .map(|c| c.hidden)
    }
    /// Stream connections open now.
    pub fn open_streams(&self) -> usize {
        lock(&self.state).open_streams
    }
    /// Every run that has not been stopped, finished or not.
    pub fn runs(&self) -> Vec<RunInfo> {
        lock(&self.state)
            .runs
            .iter()
            .map(|r| RunInfo {
                conversation: r.conversation.clone(),
                run_id: r.id.clone(),
                finished: r.finished,
                objects: r.events.len(),
            })
            .collect()
    }
    /// Runs still producing: what would go on costing the user if nobody stopped them.
    pub fn running(&self) -> Vec<RunInfo> {
        self.runs().into_iter().filter(|r| !r.finished).collect()
    }
    /// `(conversation, run id)` of every run `/stop` ended.
    pub fn stopped_runs(&self) -> Vec<(String, String)> {
        lock(&self.state).stopped.clone()
    }
}

impl Drop for FakePotpie {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            t.abort();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
