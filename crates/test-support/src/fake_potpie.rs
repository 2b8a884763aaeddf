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
    fn of(method: &str, path: &str) -> (Route, Option<String>, bool) {
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

/// One scripted tool call: the fake writes a `call` object then a `result` object for it.
#[derive(Debug, Clone)]
pub struct FakeToolCall {
    pub tool_name: String,
    /// `tool_response` of the call event, e.g. "Reading file: src/auth.rs".
    pub call_text: String,
    pub result_text: String,
    pub summary: String,
}

impl FakeToolCall {
    pub fn new(tool_name: &str, call_text: &str) -> Self {
        FakeToolCall {
            tool_name: tool_name.to_string(),
            call_text: call_text.to_string(),
            result_text: format!("{call_text} (done)"),
            summary: call_text.to_string(),
        }
    }
}

/// What a question is answered with.
#[derive(Debug, Clone)]
pub struct FakeAnswer {
    /// Markdown, streamed as text deltas.
    pub text: String,
    /// Sent on the last text chunk; `[]` like the real service by default (paths are in the text).
    pub citations: Vec<String>,
    pub tool_calls: Vec<FakeToolCall>,
    /// Characters per text delta.
    pub delta_chars: usize,
    /// Pause before each object after the placeholder.
    pub chunk_delay: Duration,
    /// A `thinking` value for the last chunk.
    pub thinking: Option<String>,
}

pub const DEFAULT_ANSWER: &str = "The login flow starts in `src/auth/service.py` at `login()` (line 12), which checks the password with `verify_password` in `src/auth/hashing.py:30` — then issues a token 🔐.\n\n```python\ndef login(user, password):\n    ...\n```\n\nSee also `src/auth/tokens.py`.";

impl Default for FakeAnswer {
    fn default() -> Self {
        FakeAnswer {
            text: DEFAULT_ANSWER.to_string(),
            citations: Vec::new(),
            tool_calls: vec![
                FakeToolCall::new(
                    "ask_knowledge_graph_queries",
                    "Traversing the knowledge graph",
                ),
                FakeToolCall::new("fetch_file", "Reading file: src/auth/service.py"),
            ],
            delta_chars: 16,
            chunk_delay: Duration::ZERO,
            thinking: None,
        }
    }
}

/// A response forced on a route, used `times` times (then the route behaves normally).
#[derive(Debug, Clone)]
pub struct Forced {
    pub status: u16,
    pub body: String,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub times: usize,
}

impl Forced {
    /// A JSON body, e.g. `Forced::json(402, json!({"detail": "Credit limit reached..."}))`.
    pub fn json(status: u16, body: Value) -> Self {
        let mut f = Forced {
            status,
            body: body.to_string(),
            content_type: "application/json".to_string(),
            headers: Vec::new(),
            times: usize::MAX,
        };
        if status == 401 {
            f.headers.push(("www-authenticate".into(), "ApiKey".into()));
        }
        f
    }
    /// A plain-text body, e.g. Starlette's `Forced::plain(500, "Internal Server Error")`.
    pub fn plain(status: u16, body: &str) -> Self {
        Forced {
            status,
            body: body.to_string(),
            content_type: "text/plain; charset=utf-8".to_string(),
            headers: Vec::new(),
            times: usize::MAX,
        }
    }
    /// `{"detail": detail}` with the status.
    pub fn detail(status: u16, detail: &str) -> Self {
        Self::json(status, json!({ "detail": detail }))
    }
    /// 429 with `Retry-After: secs`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::detail(429, "Too Many Requests").header("retry-after", &retry_after_secs.to_string())
    }
    /// The real 402 text.
    pub fn out_of_credits() -> Self {
        Self::detail(
            402,
            "Credit limit reached. You've used 50/50 credits on your free plan. Please upgrade to continue.",
        )
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }
    /// Only the next `n` requests to the route get this response.
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }
}

/// Faults of a run and of its stream connections. Each `*_after: Some(n)` fires once `n`
/// objects (the placeholder counts as the first) have been produced, or written to that
/// connection.
#[derive(Debug, Clone, Default)]
pub struct StreamFaults {
    /// The run produces nothing more and never ends, until `/stop` or shutdown.
    pub stall_after: Option<usize>,
    /// Every stream connection is reset (RST) after writing this many objects; the run goes on.
    pub reset_after: Option<usize>,
    /// Only a run's first stream connection is reset; a re-attach gets the whole answer.
    pub reset_once_after: Option<usize>,
    /// Produce only the placeholder, then end.
    pub placeholder_only: bool,
    /// Produce [`MALFORMED_OBJECT`] at this point, then carry on.
    pub malformed_after: Option<usize>,
    /// Delete the conversation's project (parsing-status turns 404) and end the run early.
    pub delete_project_after: Option<usize>,
}

/// A node `POST /api/v2/search` can find.
#[derive(Debug, Clone)]
pub struct FakeNode {
    pub name: String,
    pub file_path: String,
    pub content: String,
}

impl FakeNode {
    pub fn new(name: &str, file_path: &str, content: &str) -> Self {
        FakeNode {
            name: name.into(),
            file_path: file_path.into(),
            content: content.into(),
        }
    }
}

/// Everything a test can script. Build it with the chained methods, then `start()`/`spawn()`.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// 0 picks a free port.
    pub port: u16,
    /// The one key accepted.
    pub key: String,
    pub answer: FakeAnswer,
    /// Statuses a new parse goes through, each for that many polls of parsing-status,
    /// before `final_status`.
    pub stages: Vec<(String, u32)>,
    /// `ready`, or `error` for a parse that fails.
    pub final_status: String,
    pub header_delay: HashMap<Route, Duration>,
    pub forced: HashMap<Route, VecDeque<Forced>>,
    pub faults: StreamFaults,
    pub search_nodes: Vec<FakeNode>,
    /// `(needle, text)`: a question containing `needle` is answered with `text` (first match
    /// wins) instead of `answer.text`.
    pub scripted: Vec<(String, String)>,
    /// Commits the remote has: a parse pinned to any other ends in `error`. `None`: any.
    pub remote_commits: Option<Vec<String>>,
    /// The branch head Potpie sees: a project parsed at another commit is not `latest`.
    pub branch_head: Option<String>,
    /// The caller's custom agents, `(id, role, goal)`, listed after the system agents.
    pub custom_agents: Vec<(String, String, String)>,
    /// Start each answer with the workspace banner, glued to the text (CS:884-888).
    pub banner: bool,
    /// How long an idle kept-alive connection stays open.
    pub keep_alive: Duration,
}

/// The text delta the server sends while it prepares a sandbox, with no newline after it.
pub const BANNER: &str = "\u{23f3} Setting up repository workspace, please wait...";

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            port: 0,
            key: FAKE_KEY.to_string(),
            answer: FakeAnswer::default(),
            stages: stages_for(3),
            final_status: "ready".to_string(),
            header_delay: HashMap::new(),
            forced: HashMap::new(),
            faults: StreamFaults::default(),
            scripted: Vec::new(),
            remote_commits: None,
            branch_head: None,
            custom_agents: Vec::new(),
            banner: false,
            keep_alive: Duration::from_secs(5),
            search_nodes: vec![
                FakeNode::new(
                    "login",
                    "src/auth/service.py",
                    "def login(user, password):\n    return issue_token(user)",
                ),
                FakeNode::new(
                    "verify_password",
                    "src/auth/hashing.py",
                    "def verify_password(hash, password): ...",
                ),
                FakeNode::new(
                    "issue_token",
                    "src/auth/tokens.py",
                    "def issue_token(user): ...",
                ),
                FakeNode::new(
                    "Router",
                    "src/web/router.py",
                    "class Router: routes requests to login",
                ),
            ],
        }
    }
}

/// Spreads `n` non-ready polls over submitted → parsed → inferring.
fn stages_for(n: u32) -> Vec<(String, u32)> {
    let s = |name: &str, k: u32| (name.to_string(), k);
    match n {
        0 => vec![],
        1 => vec![s("submitted", 1)],
        2 => vec![s("submitted", 1), s("inferring", 1)],
        n => vec![s("submitted", n - 2), s("parsed", 1), s("inferring", 1)],
    }
}

impl FakeConfig {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    pub fn key(mut self, key: &str) -> Self {
        self.key = key.to_string();
        self
    }
    pub fn answer_text(mut self, text: &str) -> Self {
        self.answer.text = text.to_string();
        self
    }
    pub fn citations(mut self, paths: &[&str]) -> Self {
        self.answer.citations = paths.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn tool_calls(mut self, calls: Vec<FakeToolCall>) -> Self {
        self.answer.tool_calls = calls;
        self
    }
    pub fn delta_chars(mut self, n: usize) -> Self {
        self.answer.delta_chars = n.max(1);
        self
    }
    pub fn chunk_delay(mut self, d: Duration) -> Self {
        self.answer.chunk_delay = d;
        self
    }
    pub fn thinking(mut self, text: &str) -> Self {
        self.answer.thinking = Some(text.to_string());
        self
    }
    /// An answer of about `bytes` bytes (e.g. 5 MB), streamed in 64 KiB deltas.
    pub fn huge_answer(mut self, bytes: usize) -> Self {
        let mut text = String::with_capacity(bytes + 64);
        let mut i = 0;
        while text.len() < bytes {
            text.push_str(&format!(
                "Line {i} of a very long answer about `src/auth/service.py`.\n"
            ));
            i += 1;
        }
        self.answer.text = text;
        self.answer.delta_chars = 64 * 1024;
        self
    }
    /// `ready` on the (n+1)-th parsing-status poll.
    pub fn ready_after(mut self, polls: u32) -> Self {
        self.stages = stages_for(polls);
        self
    }
    pub fn stages(mut self, stages: &[(&str, u32)]) -> Self {
        self.stages = stages.iter().map(|(s, n)| (s.to_string(), *n)).collect();
        self
    }
    /// Parsing ends in `error` instead of `ready`.
    pub fn parse_ends_in_error(mut self) -> Self {
        self.final_status = "error".to_string();
        self
    }
    /// Wait this long before sending the response headers of `route`.
    pub fn delay_headers(mut self, route: Route, d: Duration) -> Self {
        self.header_delay.insert(route, d);
        self
    }
    /// Answer `route` with `forced` (queued after earlier ones for the same route).
    pub fn force(mut self, route: Route, forced: Forced) -> Self {
        self.forced.entry(route).or_default().push_back(forced);
        self
    }
    pub fn stall_after(mut self, objects: usize) -> Self {
        self.faults.stall_after = Some(objects);
        self
    }
    pub fn reset_after(mut self, objects: usize) -> Self {
        self.faults.reset_after = Some(objects);
        self
    }
    pub fn reset_once_after(mut self, objects: usize) -> Self {
        self.faults.reset_once_after = Some(objects);
        self
    }
    /// Only these commits exist on the remote (a parse pinned to another one fails).
    pub fn remote_commits(mut self, commits: &[&str]) -> Self {
        self.remote_commits = Some(commits.iter().map(|c| c.to_string()).collect());
        self
    }
    pub fn branch_head(mut self, commit: &str) -> Self {
        self.branch_head = Some(commit.to_string());
        self
    }
    pub fn custom_agent(mut self, id: &str, role: &str, goal: &str) -> Self {
        self.custom_agents
            .push((id.to_string(), role.to_string(), goal.to_string()));
        self
    }
    pub fn banner(mut self) -> Self {
        self.banner = true;
        self
    }
    pub fn placeholder_only(mut self) -> Self {
        self.faults.placeholder_only = true;
        self
    }
    pub fn malformed_after(mut self, objects: usize) -> Self {
        self.faults.malformed_after = Some(objects);
        self
    }
    pub fn delete_project_after(mut self, objects: usize) -> Self {
        self.faults.delete_project_after = Some(objects);
        self
    }
    /// Answer questions that contain `needle` with `text`.
    pub fn answer_when(mut self, needle: &str, text: &str) -> Self {
        self.scripted.push((needle.to_string(), text.to_string()));
        self
    }
    pub fn search_nodes(mut self, nodes: Vec<FakeNode>) -> Self {
        self.search_nodes = nodes;
        self
    }

    /// Starts the server on the current tokio runtime.
    pub async fn start(self) -> FakePotpie {
        let port = self.port;
        let listener = match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => panic!("fake potpie: cannot bind 127.0.0.1:{port}: {e}"),
        };
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("fake potpie: no local address: {e}"));
        let state = Arc::new(Mutex::new(State::new(self)));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, state.clone(), shutdown_rx));
        FakePotpie {
            addr,
            state,
            shutdown: shutdown_tx,
            task: Some(task),
            thread: None,
        }
    }

    /// Starts the server on a thread with its own runtime (no runtime needed by the caller).
    pub fn spawn(self) -> FakePotpie {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => panic!("fake potpie: no runtime: {e}"),
            };
            rt.block_on(async move {
                let mut fake = self.start().await;
                let mut shutdown = fake.shutdown.subscribe();
                let task = fake.task.take();
                let _ = tx.send((fake.addr, fake.state.clone(), fake.shutdown.clone()));
                // Keep `fake` (and so the sender) alive until the owner asks to stop.
                let _ = shutdown.wait_for(|stop| *stop).await;
                if let Some(t) = task {
                    t.abort();
                }
                drop(fake);
            });
        });
        let (addr, state, shutdown) = match rx.recv() {
            Ok(v) => v,
            Err(e) => panic!("fake potpie: the server thread died: {e}"),
        };
        FakePotpie {
            addr,
            state,
            shutdown,
            task: None,
            thread: Some(thread),
        }
    }
}

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

#[derive(Debug, Clone)]
struct Project {
    repo: String,
    branch: Option<String>,
    /// The commit it was parsed at (`commit_id`, else the branch head of the time).
    commit: Option<String>,
    /// Pinned to a commit the remote does not have: ends in `error`.
    fails: bool,
    polls: u32,
    deleted: bool,
}

#[derive(Debug, Clone)]
struct Conversation {
    project_id: String,
    agent_id: String,
    hidden: bool,
    deleted: bool,
}

/// One agent run: a Celery task writing to a Redis stream, read by any number of stream
/// connections, going on whether or not anyone reads.
struct Run {
    conversation: String,
    id: String,
    /// Every object produced so far (the placeholder first).
    events: Vec<String>,
    finished: bool,
    /// Sequence number of its newest event (which run `/stop` without a session picks).
    newest: u64,
    /// Stream connections attached so far.
    attached: usize,
    /// Set by `/stop`: the producer ends.
    stop: watch::Sender<bool>,
    /// Bumped on every change, so readers wake up.
    changed: watch::Sender<u64>,
}

/// What a test can see of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub conversation: String,
    pub run_id: String,
    pub finished: bool,
    pub objects: usize,
}

struct State {
    cfg: FakeConfig,
    projects: HashMap<String, Project>,
    /// In the order they were registered (a lookup by branch takes the first).
    project_order: Vec<String>,
    conversations: HashMap<String, Conversation>,
    requests: Vec<RecordedRequest>,
    runs: Vec<Run>,
    /// Run ids ever reserved, per conversation (the server's `SET NX` reservations).
    reserved: std::collections::HashSet<(String, String)>,
    /// Runs that `/stop` ended, `(conversation, run id)`.
    stopped: Vec<(String, String)>,
    open_streams: usize,
    next_id: u64,
    seq: u64,
    /// When each write of a message stream completed (for latency benchmarks).
    stream_writes: Vec<std::time::Instant>,
}

impl State {
    fn new(cfg: FakeConfig) -> Self {
        State {
            cfg,
            projects: HashMap::new(),
            project_order: Vec::new(),
            conversations: HashMap::new(),
            requests: Vec::new(),
            runs: Vec::new(),
            reserved: std::collections::HashSet::new(),
            stopped: Vec::new(),
            open_streams: 0,
            next_id: 1,
            seq: 0,
            stream_writes: Vec::new(),
        }
    }

    /// A UUIDv7-shaped id, unique within this server.
    fn new_id(&mut self) -> String {
        let n = self.next_id;
        self.next_id += 1;
        let r = fastrand::u64(..);
        format!(
            "0196f0c2-{:04x}-7{:03x}-8{:03x}-{:012x}",
            (n >> 16) & 0xffff,
            n & 0xfff,
            (r >> 48) & 0xfff,
            r & 0xffff_ffff_ffff
        )
    }

    fn status_of(&self, project: &Project) -> String {
        let mut left = project.polls;
        for (name, n) in &self.cfg.stages {
            if left < *n {
                return name.clone();
            }
            left -= n;
        }
        if project.fails {
            return "error".to_string();
        }
        self.cfg.final_status.clone()
    }

    /// `ready` at the commit the branch head is at (or at any commit when the fake has no head).
    fn latest(&self, project: &Project) -> bool {
        self.status_of(project) == "ready"
            && match (&self.cfg.branch_head, &project.commit) {
                (Some(head), Some(commit)) => head == commit,
                (Some(_), None) => false,
                (None, _) => true,
            }
    }

    /// The first live project of `repo` at `commit` (exact), else on `branch`.
    fn find_project(
        &self,
        repo: &str,
        branch: Option<&str>,
        commit: Option<&str>,
    ) -> Option<String> {
        self.project_order
            .iter()
            .find(|id| {
                let p = &self.projects[*id];
                !p.deleted
                    && p.repo == repo
                    && match commit {
                        Some(c) => p.commit.as_deref() == Some(c),
                        None => p.branch.as_deref() == branch,
                    }
            })
            .cloned()
    }

    fn add_project(&mut self, project: Project) -> String {
        let id = self.new_id();
        self.projects.insert(id.clone(), project);
        self.project_order.push(id.clone());
        id
    }

    fn run(&mut self, conversation: &str, run_id: &str) -> Option<&mut Run> {
        self.runs
            .iter_mut()
            .find(|r| r.conversation == conversation && r.id == run_id)
    }

    /// Ends a run for good, as `/stop` does: its stream keys are deleted.
    fn remove_run(&mut self, conversation: &str, run_id: &str) -> Option<Run> {
        let i = self
            .runs
            .iter()
            .position(|r| r.conversation == conversation && r.id == run_id)?;
        let run = self.runs.remove(i);
        let _ = run.stop.send(true);
        let next = *run.changed.borrow() + 1;
        let _ = run.changed.send(next);
        Some(run)
    }
}

/// A running fake. Dropping it stops the server and closes every connection.
pub struct FakePotpie {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
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

async fn accept_loop(
    listener: TcpListener,
    state: Arc<Mutex<State>>,
    shutdown: watch::Receiver<bool>,
) {
    // Owning the connections here means aborting this task closes all of them.
    let mut conns = tokio::task::JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => {
                if let Ok((sock, _)) = accepted {
                    let _ = sock.set_nodelay(true);
                    conns.spawn(serve(sock, state.clone(), shutdown.clone()));
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 8 * 1024 * 1024;

async fn read_request(sock: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::with_capacity(4096);
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
        // Not HTTP (e.g. a TLS ClientHello): answer like uvicorn does and hang up.
        if !buf[0].is_ascii_uppercase() {
            let _ = sock
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            let _ = sock.shutdown().await;
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        return None;
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    body.truncate(len);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

async fn respond(
    sock: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(String, String)],
    body: &[u8],
) {
    // HTTP/1.1 keeps the connection alive: the next request may come on it.
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nserver: uvicorn\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n",
        reason(status),
        body.len()
    );
    for (n, v) in extra {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(body).await;
    let _ = sock.flush().await;
}

async fn respond_json(sock: &mut TcpStream, status: u16, body: &Value) {
    let extra: Vec<(String, String)> = if status == 401 {
        vec![("www-authenticate".into(), "ApiKey".into())]
    } else {
        vec![]
    };
    respond(
        sock,
        status,
        "application/json",
        &extra,
        body.to_string().as_bytes(),
    )
    .await;
}

async fn detail(sock: &mut TcpStream, status: u16, text: &str) {
    respond_json(sock, status, &json!({ "detail": text })).await;
}

/// Pydantic v2's 422 for one field.
fn missing(loc: &[&str], kind: &str, msg: &str) -> Value {
    json!({"detail": [{"type": kind, "loc": loc, "msg": msg, "input": null}]})
}

/// Serves requests on one connection until the client closes it, asks to, a fault breaks it,
/// or it stays idle for the keep-alive time.
async fn serve(mut sock: TcpStream, state: Arc<Mutex<State>>, shutdown: watch::Receiver<bool>) {
    loop {
        let idle = lock(&state).cfg.keep_alive;
        let Ok(Some(req)) = tokio::time::timeout(idle, read_request(&mut sock)).await else {
            return;
        };
        let close = req
            .headers
            .iter()
            .any(|(n, v)| n == "connection" && v.eq_ignore_ascii_case("close"));
        let keep = handle(&mut sock, req, &state, shutdown.clone()).await;
        if !keep || close || *shutdown.borrow() {
            let _ = sock.shutdown().await;
            return;
        }
    }
}

/// Answers one request; `false` when the connection cannot carry another.
async fn handle(
    sock: &mut TcpStream,
    req: Request,
    state: &Arc<Mutex<State>>,
    shutdown: watch::Receiver<bool>,
) -> bool {
    let (route, param, method_ok) = Route::of(&req.method, &req.path);
    let had_api_key = req.headers.iter().any(|(n, _)| n == "x-api-key");
    let (forced, delay, key) = {
        let mut st = lock(state);
        st.requests.push(RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
            route,
            had_api_key,
        });
        let forced = match st.cfg.forced.get_mut(&route) {
            Some(queue) => {
                let f = queue.front().cloned();
                if let Some(front) = queue.front_mut() {
                    front.times = front.times.saturating_sub(1);
                    if front.times == 0 {
                        queue.pop_front();
                    }
                }
                f
            }
            None => None,
        };
        (
            forced,
            st.cfg.header_delay.get(&route).copied(),
            st.cfg.key.clone(),
        )
    };
    if let Some(d) = delay {
        let mut sd = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = sd.wait_for(|s| *s) => return false,
        }
    }
    if let Some(f) = forced {
        respond(
            sock,
            f.status,
            &f.content_type,
            &f.headers,
            f.body.as_bytes(),
        )
        .await;
        return true;
    }
    if route == Route::Unknown {
        detail(sock, 404, "Not Found").await;
        return true;
    }
    if !method_ok {
        detail(sock, 405, "Method Not Allowed").await;
        return true;
    }
    if route == Route::Health {
        respond_json(sock, 200, &json!({"status": "ok", "version": "fake"})).await;
        return true;
    }
    match req
        .headers
        .iter()
        .find(|(n, _)| n == "x-api-key")
        .map(|(_, v)| v.as_str())
    {
        // Since 56433aa2 a request without a key falls back to Firebase Bearer auth.
        None => {
            detail(sock, 401, "Bearer authentication is needed").await;
            return true;
        }
        Some(k) if !k.starts_with("sk-") || k != key => {
            detail(sock, 401, "Invalid API key").await;
            return true;
        }
        Some(_) => {}
    }
    let body: Result<Value, _> = serde_json::from_slice(&req.body);
    let needs_body = matches!(
        route,
        Route::Parse
            | Route::ParsingStatusByRepo
            | Route::Conversations
            | Route::Message
            | Route::Search
    );
    let body = match body {
        Ok(v) if v.is_object() => v,
        _ if !needs_body => Value::Null,
        Ok(_) => {
            respond_json(
                sock,
                422,
                &missing(
                    &["body"],
                    "model_attributes_type",
                    "Input should be a valid dictionary or object to extract fields from",
                ),
            )
            .await;
            return true;
        }
        Err(_) => {
            respond_json(
                sock,
                422,
                &missing(&["body"], "json_invalid", "JSON decode error"),
            )
            .await;
            return true;
        }
    };
    let param = param.unwrap_or_default();
    let query = Query(&req.query);
    match route {
        Route::Parse => parse(sock, state, &body).await,
        Route::ParsingStatus => parsing_status(sock, state, &param).await,
        Route::ParsingStatusByRepo => parsing_status_by_repo(sock, state, &body).await,
        Route::ProjectsList => {
            let list: Vec<Value> = {
                let st = lock(state);
                st.project_order
                    .iter()
                    .map(|id| (id, &st.projects[id]))
                    .filter(|(_, p)| !p.deleted)
                    .map(|(id, p)| json!({"id": id, "repo_name": p.repo, "branch_name": p.branch, "status": st.status_of(p)}))
                    .collect()
            };
            respond_json(sock, 200, &Value::Array(list)).await
        }
        Route::ListAgents => {
            let custom = lock(state).cfg.custom_agents.clone();
            let list: Vec<Value> = SYSTEM_AGENTS
                .iter()
                .map(|(id, name, desc)| json!({"id": id, "name": name, "description": desc, "status": "SYSTEM", "visibility": null}))
                .chain(custom.iter().map(|(id, role, goal)| json!({"id": id, "name": role, "description": goal, "status": "STOPPED", "visibility": "private"})))
                .collect();
            respond_json(sock, 200, &Value::Array(list)).await
        }
        Route::Conversations => conversations(sock, state, &query, &body).await,
        Route::Message => return message(sock, state, &param, &query, &body, shutdown).await,
        Route::Stop => stop(sock, state, &param, query.get("session_id")).await,
        Route::Search => search(sock, state, &body).await,
        Route::Health | Route::Unknown => {}
    }
    true
}

/// The query string of a request.
struct Query<'a>(&'a str);

impl Query<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| percent_decode(v))
        })
    }

    /// A FastAPI bool parameter: missing is `default`, unreadable is `Err` (a 422).
    fn flag(&self, name: &str, default: bool) -> Result<bool, Value> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => parse_bool(&v).ok_or_else(|| {
                missing(
                    &["query", name],
                    "bool_parsing",
                    "Input should be a valid boolean, unable to interpret input",
                )
            }),
        }
    }
}

async fn parsing_status(sock: &mut TcpStream, state: &Mutex<State>, project_id: &str) {
    let answer = {
        let mut st = lock(state);
        let found = st.projects.get(project_id).filter(|p| !p.deleted).cloned();
        found.map(|p| {
            if let Some(live) = st.projects.get_mut(project_id) {
                live.polls += 1;
            }
            (st.status_of(&p), st.latest(&p))
        })
    };
    match answer {
        Some((status, latest)) => {
            respond_json(sock, 200, &json!({"status": status, "latest": latest})).await
        }
        None => detail(sock, 404, "Project not found or access denied").await,
    }
}

async fn parsing_status_by_repo(sock: &mut TcpStream, state: &Mutex<State>, body: &Value) {
    let Some(repo) = body.get("repo_name").and_then(Value::as_str) else {
        return respond_json(
            sock,
            422,
            &missing(&["body", "repo_name"], "missing", "Field required"),
        )
        .await;
    };
    let branch = body.get("branch_name").and_then(Value::as_str);
    let commit = body.get("commit_id").and_then(Value::as_str);
    let found = {
        let st = lock(state);
        st.find_project(repo, branch, commit).map(|id| {
            let p = &st.projects[&id];
            (id.clone(), st.status_of(p), st.latest(p))
        })
    };
    match found {
        Some((id, status, latest)) => {
            respond_json(
                sock,
                200,
                &json!({"project_id": id, "repo_name": repo, "status": status, "latest": latest}),
            )
            .await
        }
        None => {
            detail(
                sock,
                404,
                "Project not found for the given repo_name and commit_id/branch_name",
            )
            .await
        }
    }
}

async fn parse(sock: &mut TcpStream, state: &Mutex<State>, body: &Value) {
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (repo_name, repo_path, branch, commit) = (
        text("repo_name"),
        text("repo_path"),
        text("branch_name"),
        text("commit_id"),
    );
    let (id, status) = {
        let mut st = lock(state);
        if let Some(path) = repo_path {
            // Local repositories get a new project on every call (potpie-api.md §3.1).
            let repo = path.rsplit('/').next().unwrap_or(&path).to_string();
            let id = st.add_project(Project {
                repo,
                branch,
                commit,
                fails: false,
                polls: 0,
                deleted: false,
            });
            (id, "submitted".to_string())
        } else if let Some(repo) = repo_name {
            // With a commit only an exact match counts; without one, the branch (PC:214-327).
            match st.find_project(&repo, branch.as_deref(), commit.as_deref()) {
                Some(id) => {
                    let project = st.projects[&id].clone();
                    let current = st.status_of(&project);
                    let unchanged = current == "inferring"
                        || (current == "ready" && (commit.is_some() || st.latest(&project)))
                        || (current == "ready" && st.cfg.branch_head.is_none());
                    let status = if unchanged {
                        current
                    } else {
                        // Anything else is re-queued with graph cleanup and starts over.
                        if let Some(p) = st.projects.get_mut(&id) {
                            p.polls = 0;
                        }
                        "submitted".to_string()
                    };
                    (id, status)
                }
                None => {
                    let fails = match (&commit, &st.cfg.remote_commits) {
                        (Some(c), Some(known)) => !known.contains(c),
                        _ => false,
                    };
                    let commit = commit.or_else(|| st.cfg.branch_head.clone());
                    let id = st.add_project(Project {
                        repo,
                        branch,
                        commit,
                        fails,
                        polls: 0,
                        deleted: false,
                    });
                    (id, "submitted".to_string())
                }
            }
        } else {
            drop(st);
            return respond_json(
                sock,
                422,
                &missing(
                    &["body"],
                    "value_error",
                    "Value error, Either repo_name or repo_path must be provided",
                ),
            )
            .await;
        }
    };
    respond_json(sock, 200, &json!({"project_id": id, "status": status})).await
}

async fn conversations(
    sock: &mut TcpStream,
    state: &Mutex<State>,
    query: &Query<'_>,
    body: &Value,
) {
    for field in ["project_ids", "agent_ids"] {
        match body.get(field) {
            None => {
                return respond_json(
                    sock,
                    422,
                    &missing(&["body", field], "missing", "Field required"),
                )
                .await;
            }
            Some(v) if !v.is_array() => {
                return respond_json(
                    sock,
                    422,
                    &missing(
                        &["body", field],
                        "list_type",
                        "Input should be a valid list",
                    ),
                )
                .await;
            }
            _ => {}
        }
    }
    let hidden = match query.flag("hidden", true) {
        Ok(h) => h,
        Err(e) => return respond_json(sock, 422, &e).await,
    };
    let first = |f: &str| {
        body.get(f)
            .and_then(|v| v.get(0))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (project, agent) = (first("project_ids"), first("agent_ids"));
    let id = {
        let mut st = lock(state);
        let project_ok = project
            .as_ref()
            .is_some_and(|p| st.projects.get(p).is_some_and(|p| !p.deleted));
        let agent_ok = agent.as_ref().is_some_and(|a| {
            SYSTEM_AGENTS.iter().any(|(id, _, _)| id == a)
                || st.cfg.custom_agents.iter().any(|(id, _, _)| id == a)
        });
        match (project, agent) {
            (Some(project_id), Some(agent_id)) if project_ok && agent_ok => {
                let id = st.new_id();
                st.conversations.insert(
                    id.clone(),
                    Conversation {
                        project_id,
                        agent_id,
                        hidden,
                        deleted: false,
                    },
                );
                Some(id)
            }
            _ => None,
        }
    };
    match id {
        Some(id) => {
            respond_json(
                sock,
                200,
                &json!({"message": "Conversation created successfully.", "conversation_id": id}),
            )
            .await
        }
        // Every failure, a wrong agent id included, is this one generic 500 (CS:444-447).
        None => {
            detail(
                sock,
                500,
                "An unexpected error occurred while creating the conversation.",
            )
            .await
        }
    }
}

async fn search(sock: &mut TcpStream, state: &Mutex<State>, body: &Value) {
    if body.get("project_id").and_then(Value::as_str).is_none() {
        return respond_json(
            sock,
            422,
            &missing(&["body", "project_id"], "missing", "Field required"),
        )
        .await;
    }
    let Some(query) = body.get("query").and_then(Value::as_str) else {
        return respond_json(
            sock,
            422,
            &missing(&["body", "query"], "missing", "Field required"),
        )
        .await;
    };
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return respond_json(
            sock,
            422,
            &missing(
                &["body", "query"],
                "value_error",
                "Value error, Search query cannot be empty or contain only whitespace",
            ),
        )
        .await;
    }
    let nodes = lock(state).cfg.search_nodes.clone();
    let mut results: Vec<(f64, Value)> = nodes
        .iter()
        .filter_map(|n| {
            let name = n.name.to_lowercase();
            let exact = name == q;
            let hit = exact
                || name.contains(&q)
                || n.file_path.to_lowercase().contains(&q)
                || n.content.to_lowercase().contains(&q);
            hit.then(|| {
                let relevance = if exact {
                    1.0
                } else if name.contains(&q) {
                    0.8
                } else {
                    0.5
                };
                (
                    relevance,
                    json!({
                        "node_id": node_id(&n.file_path, &n.name),
                        "name": n.name,
                        "file_path": n.file_path,
                        "content": n.content,
                        "match_type": if exact { "Exact Match" } else { "Partial Match" },
                        "relevance": relevance,
                    }),
                )
            })
        })
        .collect();
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    results.truncate(10);
    let results: Vec<Value> = results.into_iter().map(|(_, v)| v).collect();
    respond_json(sock, 200, &json!({ "results": results })).await
}

/// A 32-hex id, stable per node, like the graph's MD5 ids.
fn node_id(path: &str, name: &str) -> String {
    let mut a: u64 = 0xcbf29ce484222325;
    let mut b: u64 = 0x84222325cbf29ce4;
    for byte in path.bytes().chain([0]).chain(name.bytes()) {
        a = (a ^ u64::from(byte)).wrapping_mul(0x100000001b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0x100000001b3)
            .rotate_left(7);
    }
    format!("{a:016x}{b:016x}")
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// `node_ids` as the server's model reads it: `null`, or a list of `{"node_id", "name"}` with
/// both keys strings (message_schema.py:10-12). `Err` is the 422 body.
fn check_node_ids(body: &Value) -> Result<(), Value> {
    let Some(v) = body.get("node_ids").filter(|v| !v.is_null()) else {
        return Ok(());
    };
    let Some(items) = v.as_array() else {
        return Err(missing(
            &["body", "node_ids"],
            "list_type",
            "Input should be a valid list",
        ));
    };
    for (i, item) in items.iter().enumerate() {
        for key in ["node_id", "name"] {
            match item.get(key) {
                Some(Value::String(_)) => {}
                None => {
                    let loc = json!(["body", "node_ids", i, key]);
                    return Err(
                        json!({"detail": [{"type": "missing", "loc": loc, "msg": "Field required", "input": item}]}),
                    );
                }
                Some(_) => {
                    let loc = json!(["body", "node_ids", i, key]);
                    return Err(
                        json!({"detail": [{"type": "string_type", "loc": loc, "msg": "Input should be a valid string", "input": item[key]}]}),
                    );
                }
            }
        }
    }
    Ok(())
}

/// `POST /conversations/{id}/message`. Returns whether the connection can be reused.
async fn message(
    sock: &mut TcpStream,
    state: &Arc<Mutex<State>>,
    conversation_id: &str,
    query: &Query<'_>,
    body: &Value,
    shutdown: watch::Receiver<bool>,
) -> bool {
    let content = match body.get("content") {
        None => {
            respond_json(
                sock,
                422,
                &missing(&["body", "content"], "missing", "Field required"),
            )
            .await;
            return true;
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            respond_json(
                sock,
                422,
                &missing(
                    &["body", "content"],
                    "string_type",
                    "Input should be a valid string",
                ),
            )
            .await;
            return true;
        }
    };
    if let Err(e) = check_node_ids(body) {
        respond_json(sock, 422, &e).await;
        return true;
    }
    let stream = match query.flag("stream", true) {
        Ok(s) => s,
        Err(e) => {
            respond_json(sock, 422, &e).await;
            return true;
        }
    };
    if content.trim().is_empty() {
        detail(sock, 400, "Message content cannot be empty").await;
        return true;
    }
    let (mut cfg, conversation) = {
        let st = lock(state);
        (
            st.cfg.clone(),
            st.conversations
                .get(conversation_id)
                .filter(|c| !c.deleted)
                .cloned(),
        )
    };
    if let Some((_, text)) = cfg
        .scripted
        .iter()
        .find(|(n, _)| content.contains(n.as_str()))
    {
        cfg.answer.text = text.clone();
    }
    if !stream {
        if conversation.is_none() {
            detail(sock, 500, "An internal error occurred.").await;
            return true;
        }
        let tool_calls: Vec<Value> = cfg
            .answer
            .tool_calls
            .iter()
            .enumerate()
            .flat_map(|(i, t)| [tool_event(i, t, "call"), tool_event(i, t, "result")])
            .map(|p| p.to_json())
            .collect();
        // The worker always streams, so the banner ends up in the whole answer too.
        let text = if cfg.banner {
            format!("{BANNER}{}", cfg.answer.text)
        } else {
            cfg.answer.text.clone()
        };
        let body = json!({"message": text, "citations": cfg.answer.citations, "tool_calls": tool_calls, "thinking": null});
        respond_json(sock, 200, &body).await;
        return true;
    }
    let cursor = query.get("cursor").filter(|c| !c.is_empty());
    let session = query.get("session_id").filter(|s| !s.is_empty());
    let run_id = match (&cursor, session) {
        // A cursor re-attaches to that run as named; nothing new starts (CR:289-294).
        (Some(_), Some(sid)) => sid,
        (Some(_), None) => format!("conversation:{FAKE_USER}:new"),
        (None, sid) => {
            let base = sid.unwrap_or_else(|| format!("conversation:{FAKE_USER}:new"));
            let mut st = lock(state);
            let mut run_id = base.clone();
            let mut n = 1;
            while !st
                .reserved
                .insert((conversation_id.to_string(), run_id.clone()))
            {
                run_id = format!("{base}-{n}");
                n += 1;
            }
            let objects = if conversation.is_some() && !cfg.faults.placeholder_only {
                let mut all = vec![PLACEHOLDER.to_string()];
                all.extend(answer_objects(&cfg.answer, cfg.banner));
                all
            } else {
                // An unknown or deleted conversation: the task fails before any text.
                vec![PLACEHOLDER.to_string()]
            };
            let (stop_tx, stop_rx) = watch::channel(false);
            let (changed, _) = watch::channel(0u64);
            st.runs.push(Run {
                conversation: conversation_id.to_string(),
                id: run_id.clone(),
                events: Vec::new(),
                finished: false,
                newest: 0,
                attached: 0,
                stop: stop_tx,
                changed,
            });
            drop(st);
            let project = conversation.map(|c| c.project_id);
            tokio::spawn(produce(
                state.clone(),
                conversation_id.to_string(),
                run_id.clone(),
                objects,
                project,
                cfg.clone(),
                stop_rx,
                shutdown.clone(),
            ));
            run_id
        }
    };
    stream_run(sock, state, conversation_id, &run_id, shutdown).await
}

/// The user every request of the fake runs as (run ids are scoped by it).
const FAKE_USER: &str = "fake-user";

/// The worker of a run: produces its objects over time, whether or not anyone reads them.
#[allow(clippy::too_many_arguments)]
async fn produce(
    state: Arc<Mutex<State>>,
    conversation: String,
    run_id: String,
    objects: Vec<String>,
    project: Option<String>,
    cfg: FakeConfig,
    mut stop: watch::Receiver<bool>,
    mut shutdown: watch::Receiver<bool>,
) {
    let faults = &cfg.faults;
    let publish = |obj: &str| {
        let mut st = lock(&state);
        st.seq += 1;
        let seq = st.seq;
        let Some(run) = st.run(&conversation, &run_id) else {
            return false;
        };
        run.events.push(obj.to_string());
        run.newest = seq;
        let next = *run.changed.borrow() + 1;
        let _ = run.changed.send(next);
        true
    };
    for (i, obj) in objects.iter().enumerate() {
        if *stop.borrow() {
            return;
        }
        if faults.stall_after == Some(i) {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => {}
                _ = shutdown.wait_for(|s| *s) => {}
            }
            return;
        }
        if faults.delete_project_after == Some(i) {
            if let Some(id) = &project
                && let Some(p) = lock(&state).projects.get_mut(id)
            {
                p.deleted = true;
            }
            break;
        }
        if i > 0 && !cfg.answer.chunk_delay.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(cfg.answer.chunk_delay) => {}
                _ = stop.wait_for(|s| *s) => return,
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
        if faults.malformed_after == Some(i) && !publish(MALFORMED_OBJECT) {
            return;
        }
        if !publish(obj) {
            return;
        }
    }
    let mut st = lock(&state);
    if let Some(run) = st.run(&conversation, &run_id) {
        run.finished = true;
        let next = *run.changed.borrow() + 1;
        let _ = run.changed.send(next);
    }
}

/// Streams a run's objects from its first one (a fresh attach and a `cursor` of `0-0` both
/// replay from the start) until it ends or is stopped. Returns whether the connection can be
/// reused.
async fn stream_run(
    sock: &mut TcpStream,
    state: &Mutex<State>,
    conversation: &str,
    run_id: &str,
    mut shutdown: watch::Receiver<bool>,
) -> bool {
    let (reset_after, mut changed) = {
        let mut st = lock(state);
        let faults = st.cfg.faults.clone();
        st.open_streams += 1;
        match st.run(conversation, run_id) {
            Some(run) => {
                run.attached += 1;
                let reset = faults.reset_after.or(if run.attached == 1 {
                    faults.reset_once_after
                } else {
                    None
                });
                (reset, Some(run.changed.subscribe()))
            }
            // Stopped or expired: the stream ends at once.
            None => (None, None),
        }
    };
    let head = "HTTP/1.1 200 OK\r\nserver: uvicorn\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n";
    let mut alive = sock.write_all(head.as_bytes()).await.is_ok();
    let mut next = 0usize;
    while alive {
        let Some(rx) = changed.as_mut() else { break };
        let (batch, finished) = {
            let mut st = lock(state);
            match st.run(conversation, run_id) {
                Some(run) => (
                    run.events[next.min(run.events.len())..].to_vec(),
                    run.finished,
                ),
                None => (Vec::new(), true),
            }
        };
        let mut carry = String::new();
        for (j, obj) in batch.iter().enumerate() {
            if reset_after == Some(next) {
                let _ = sock.set_zero_linger();
                lock(state).open_streams -= 1;
                return false;
            }
            next += 1;
            // Vary the framing like a real network: some objects share a write, some are
            // split across two writes (inside a `\u` escape when there is one).
            if next.is_multiple_of(4) && j + 1 < batch.len() {
                carry.push_str(obj);
                continue;
            }
            let mut data = std::mem::take(&mut carry);
            data.push_str(obj);
            let ok = if next % 3 == 2 && data.len() > 8 {
                let cut = split_point(&data);
                let first = write_chunk(sock, &data.as_bytes()[..cut]).await;
                tokio::task::yield_now().await;
                first.is_ok() && write_chunk(sock, &data.as_bytes()[cut..]).await.is_ok()
            } else {
                write_chunk(sock, data.as_bytes()).await.is_ok()
            };
            if !ok {
                alive = false;
                break;
            }
            lock(state).stream_writes.push(std::time::Instant::now());
        }
        if !alive || (finished && batch.is_empty()) {
            break;
        }
        if finished {
            continue;
        }
        tokio::select! {
            r = rx.changed() => if r.is_err() { break },
            _ = shutdown.wait_for(|s| *s) => { alive = false; }
        }
    }
    lock(state).open_streams -= 1;
    if !alive {
        return false;
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    sock.flush().await.is_ok()
}

/// `POST /conversations/{id}/stop[?session_id=]` (CS:1863-1896, session_service.py:225-252).
async fn stop(
    sock: &mut TcpStream,
    state: &Mutex<State>,
    conversation: &str,
    session: Option<String>,
) {
    let outcome = {
        let mut st = lock(state);
        let target = match session.filter(|s| !s.is_empty()) {
            Some(sid) => Some(sid),
            // Without a session: the stream with the newest event, even a finished one.
            None => st
                .runs
                .iter()
                .filter(|r| r.conversation == conversation)
                .max_by_key(|r| r.newest)
                .map(|r| r.id.clone()),
        };
        match target {
            None => None,
            Some(sid) => {
                let removed = st.remove_run(conversation, &sid);
                let partial = removed.as_ref().is_some_and(|r| r.events.len() > 1);
                if removed.is_some() {
                    st.stopped.push((conversation.to_string(), sid));
                }
                Some(partial)
            }
        }
    };
    let body = match outcome {
        // With an explicit session id this is the answer even when nothing ran.
        Some(saved_partial) => {
            json!({"status": "success", "message": "Cancellation signal sent and task revoked", "saved_partial": saved_partial, "message_id": null})
        }
        None => json!({"status": "success", "message": "No active session to stop"}),
    };
    respond_json(sock, 200, &body).await
}

async fn write_chunk(sock: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    sock.write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    sock.write_all(data).await?;
    sock.write_all(b"\r\n").await?;
    sock.flush().await
}

/// Where to split an object across two writes: inside the first `\u` escape, else the middle.
fn split_point(data: &str) -> usize {
    match data.find("\\u") {
        Some(i) if i + 3 < data.len() => i + 3,
        _ => data.len() / 2,
    }
}

/// Python-`json.dumps`-shaped values: `", "` and `": "` separators, ASCII escaping, key order kept.
#[derive(Debug, Clone)]
pub enum Py {
    Null,
    Bool(bool),
    Str(String),
    List(Vec<Py>),
    Obj(Vec<(String, Py)>),
}

impl Py {
    pub fn dumps(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
    fn write(&self, out: &mut String) {
        match self {
            Py::Null => out.push_str("null"),
            Py::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Py::Str(s) => py_str(s, out),
            Py::List(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    it.write(out);
                }
                out.push(']');
            }
            Py::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    py_str(k, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
    fn to_json(&self) -> Value {
        serde_json::from_str(&self.dumps()).unwrap_or(Value::Null)
    }
}

fn py_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

fn chunk(message: &str, citations: &[String], tool_calls: Vec<Py>, thinking: Option<&str>) -> Py {
    Py::Obj(vec![
        ("message".into(), Py::Str(message.into())),
        (
            "citations".into(),
            Py::List(citations.iter().map(|c| Py::Str(c.clone())).collect()),
        ),
        ("tool_calls".into(), Py::List(tool_calls)),
        (
            "thinking".into(),
            thinking.map_or(Py::Null, |t| Py::Str(t.into())),
        ),
    ])
}

fn tool_event(i: usize, t: &FakeToolCall, kind: &str) -> Py {
    let text = if kind == "call" {
        &t.call_text
    } else {
        &t.result_text
    };
    tool_object(
        &format!("toolu_{i:02}"),
        kind,
        &t.tool_name,
        text,
        Py::Obj(vec![("summary".into(), Py::Str(t.summary.clone()))]),
        None,
        true,
    )
}

fn tool_object(
    call_id: &str,
    kind: &str,
    tool_name: &str,
    response: &str,
    details: Py,
    stream_part: Option<&str>,
    complete: bool,
) -> Py {
    Py::Obj(vec![
        ("call_id".into(), Py::Str(call_id.into())),
        ("event_type".into(), Py::Str(kind.into())),
        ("tool_name".into(), Py::Str(tool_name.into())),
        ("tool_response".into(), Py::Str(response.into())),
        ("tool_call_details".into(), details),
        (
            "stream_part".into(),
            stream_part.map_or(Py::Null, |p| Py::Str(p.into())),
        ),
        ("is_complete".into(), Py::Bool(complete)),
        ("is_truncated".into(), Py::Bool(false)),
        ("original_length".into(), Py::Null),
    ])
}

/// The tool name of the sub-agent the supervisor delegates to in every scripted run.
pub const DELEGATE: &str = "delegate_to_think_execute";

/// The objects after the placeholder, shaped like a real multi-agent run (potpie-api.md §4.3,
/// §5): the optional banner glued to the text; a delegation to a sub-agent; per tool call, the
/// model writing its arguments (`tool_call_request_delta`, `is_complete: false`), a preview and
/// the call in one object, then the result; the first text delta in the same object as the
/// last result and the delegation's end; `thinking` and citations on the last delta.
pub fn answer_objects(answer: &FakeAnswer, banner: bool) -> Vec<String> {
    let mut out = Vec::new();
    if banner {
        out.push(chunk(BANNER, &[], vec![], None).dumps());
    }
    let details = |summary: &str| Py::Obj(vec![("summary".into(), Py::Str(summary.into()))]);
    let delegating = !answer.tool_calls.is_empty();
    if delegating {
        out.push(
            chunk(
                "",
                &[],
                vec![tool_object(
                    "toolu_d0",
                    "delegation_call",
                    DELEGATE,
                    "Delegating to a sub-agent",
                    details("Explore the code that answers the question"),
                    None,
                    true,
                )],
                None,
            )
            .dumps(),
        );
    }
    let chars: Vec<char> = answer.text.chars().collect();
    let mut pieces: std::collections::VecDeque<String> = chars
        .chunks(answer.delta_chars.max(1))
        .map(|c| c.iter().collect())
        .collect();
    let n_tools = answer.tool_calls.len();
    for (i, t) in answer.tool_calls.iter().enumerate() {
        let id = format!("toolu_{i:02}");
        let delta = tool_object(
            &id,
            "tool_call_request_delta",
            &t.tool_name,
            "",
            Py::Obj(vec![]),
            Some("{\"query\": \""),
            false,
        );
        out.push(chunk("", &[], vec![delta], None).dumps());
        let preview = tool_object(
            &id,
            "call",
            &t.tool_name,
            &t.call_text,
            details(&t.summary),
            None,
            false,
        );
        out.push(chunk("", &[], vec![preview, tool_event(i, t, "call")], None).dumps());
        let mut events = vec![tool_event(i, t, "result")];
        let last_tool = i + 1 == n_tools;
        if last_tool {
            events.push(tool_object(
                "toolu_d0",
                "delegation_result",
                DELEGATE,
                "Sub-agent finished",
                details("Explored the code"),
                None,
                true,
            ));
        }
        // Text starts in the same object as the last result, as a real run's can.
        let text = if last_tool && pieces.len() > 1 {
            pieces.pop_front().unwrap_or_default()
        } else {
            String::new()
        };
        out.push(chunk(&text, &[], events, None).dumps());
    }
    let n = pieces.len();
    for (i, p) in pieces.into_iter().enumerate() {
        let last = i + 1 == n;
        let cites: &[String] = if last { &answer.citations } else { &[] };
        let thinking = if last {
            answer.thinking.as_deref()
        } else {
            None
        };
        out.push(chunk(&p, cites, vec![], thinking).dumps());
    }
    if n == 0 && (!answer.citations.is_empty() || answer.thinking.is_some()) {
        out.push(chunk("", &answer.citations, vec![], answer.thinking.as_deref()).dumps());
    }
    out
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
