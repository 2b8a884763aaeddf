//! What a test can script: answers, faults, forced responses, parse stages.

use super::*;

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
