//! The Potpie backend: find the workspace's project (parsing only what Potpie does not have
//! or has failed), poll until usable, answer each question in a run of our naming, stream it,
//! and resolve its citations against the workspace. The lifecycle is written down in
//! docs/lsp-extensions.md ("Project lifecycle").

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::projects::ProjectMemory;
use super::{AskError, IndexLookup, Session};
use crate::citations;
use crate::config::Settings;
use crate::config::trust::TrustedUrl;
use crate::engine::{Index, IndexStats};
use crate::model::{Answer, AskEvent, BackendKind, ParseState, Question, Selection};
use crate::potpie::{
    AgentInfo, ChatChunk, ClientOptions, FROM_START, MessageRequest, NodeContext, ParseRequest,
    ParsingStatus, PotpieClient, PotpieError, RunRef, TimeoutPhase, ToolCall,
};
use crate::workspace;

/// First wait between two status polls; it grows by half each time up to the cap.
const POLL_FIRST: Duration = Duration::from_millis(250);
const POLL_CAP: Duration = Duration::from_secs(8);
/// How long a `/stop` after a cancel may take before we stop caring.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long finding the selection's graph node may delay a question.
const NODE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// The text delta the server sends while it prepares a sandbox (CS:884-888), glued to the
/// answer that follows it.
const BANNER_PREFIX: &str = "\u{23f3} Setting up repository workspace";

pub(super) struct RemoteBackend {
    client: PotpieClient,
    root: PathBuf,
    repo_name: Option<String>,
    branch_name: Option<String>,
    /// The project questions go to. Set by `prepare`; read by `ask`. Never held across an
    /// `.await`.
    project_id: Mutex<Option<String>>,
    memory: Option<ProjectMemory>,
    /// `list-available-agents`, fetched once per session (refreshed by `agents(true)`).
    agents: RwLock<Option<Arc<Vec<AgentInfo>>>>,
    /// A local index of the same folder: it points file-only citations at symbols and finds
    /// the symbol a selection is in.
    pub(super) index: super::IndexSlot,
    index_dir: PathBuf,
}

/// Potpie statuses of a parse still under way (`processing` and `created` exist in the enum).
fn in_progress(status: &str) -> bool {
    matches!(
        status,
        "submitted" | "cloned" | "parsed" | "processing" | "created"
    )
}

impl RemoteBackend {
    pub(super) fn missing_key() -> AskError {
        AskError::Config(
            "No Potpie API key is set: set potpie.apiKey or POTPIE_API_KEY, or use backend \"local\"."
                .into(),
        )
    }

    /// `base_url` passed the trust check (see `config::trust`).
    pub(super) fn new(
        root: &Path,
        settings: &Settings,
        base_url: &TrustedUrl,
    ) -> Result<Self, AskError> {
        let key = settings.api_key.clone().ok_or_else(Self::missing_key)?;
        let client = PotpieClient::new(base_url, key, client_options(settings))?;
        let detected = workspace::detect_repo(root);
        let repo_name = settings.repo_name.clone().or(detected.repo_name);
        let branch_name = settings.branch_name.clone().or(detected.branch);
        let memory = repo_name.as_deref().map(|repo| {
            ProjectMemory::new(
                &settings.cache_dir,
                client.base_url(),
                root,
                repo,
                branch_name.as_deref(),
            )
        });
        Ok(RemoteBackend {
            client,
            root: root.to_path_buf(),
            repo_name,
            branch_name,
            project_id: Mutex::new(None),
            memory,
            agents: RwLock::new(None),
            index: Arc::new(RwLock::new(None)),
            index_dir: settings.index_dir(),
        })
    }

    pub(super) fn repo_name(&self) -> Option<&str> {
        self.repo_name.as_deref()
    }

    pub(super) fn branch_name(&self) -> Option<&str> {
        self.branch_name.as_deref()
    }

    fn project_id(&self) -> Option<String> {
        self.project_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_project_id(&self, id: Option<String>) {
        *self.project_id.lock().unwrap_or_else(|p| p.into_inner()) = id;
    }

    /// Makes the workspace answerable. At start (`refresh: false`) it takes, in this order,
    /// the project this folder used last, the project Potpie has for the repository and
    /// branch, and only then asks Potpie to parse: a project Potpie is parsing, inferring or
    /// has ready is never queued again by us. `refresh` (`potpie.reparse`) parses a ready graph
    /// again at the HEAD commit, and leaves a parse under way alone.
    pub(super) async fn prepare(&self, session: &Session, refresh: bool) {
        self.start_local_index();
        let Some(repo) = self.repo_name.clone() else {
            session.set_status(|s| {
                s.state = ParseState::Error;
                s.message = Some(format!(
                    "No git remote found for {}: set potpie.repoName to \"owner/repo\" (and potpie.branchName), then run potpie.reparse.",
                    self.root.display()
                ));
            });
            return;
        };
        let found = if refresh {
            self.refresh(session, &repo).await
        } else {
            self.find_or_parse(session, &repo).await
        };
        match found {
            Ok(Some(found)) => self.poll(session, &repo, found).await,
            Ok(None) => {}
            Err(e) => fail(session, &e),
        }
    }

    async fn find_or_parse(
        &self,
        session: &Session,
        repo: &str,
    ) -> Result<Option<Found>, PotpieError> {
        session.set_status(|s| {
            s.state = ParseState::Parsing;
            s.message = Some("looking up the Potpie project".into());
        });
        if let Some(id) = self.memory.as_ref().and_then(ProjectMemory::get) {
            match self.client.parsing_status(&id).await {
                Ok(st) if !st.is_error() => return Ok(Some(Found::known(id, st))),
                Ok(_) | Err(PotpieError::NotFound { .. }) => {
                    tracing::debug!("the remembered project is gone or failed; looking further")
                }
                Err(e) => return Err(e),
            }
        }
        match self
            .client
            .find_project(repo, self.branch_name.as_deref(), None)
            .await
        {
            Ok(found) if found.status != "error" => {
                let status = ParsingStatus {
                    status: found.status,
                    latest: found.latest,
                };
                return Ok(Some(Found::known(found.project_id, status)));
            }
            // A server without this route answers 404 too: parse.
            Ok(_) | Err(PotpieError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        self.parse(session, repo, None).await.map(Some)
    }

    async fn refresh(&self, session: &Session, repo: &str) -> Result<Option<Found>, PotpieError> {
        let current = self.project_id();
        let status = match &current {
            Some(id) => match self.client.parsing_status(id).await {
                Ok(st) => Some(st),
                Err(PotpieError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let usable = session.status().state.is_usable();
        match (current, status) {
            // Nothing usable yet, and Potpie has the project now: take it.
            (Some(id), Some(st)) if !usable && (st.is_ready() || st.is_inferring()) => {
                Ok(Some(Found::known(id, st)))
            }
            (Some(id), Some(st)) if in_progress(&st.status) => {
                session.set_status(|s| {
                    s.message = Some(format!(
                        "Potpie is already parsing {repo} ({}); not starting another parse",
                        st.status
                    ))
                });
                Ok(Some(Found::known(id, st)))
            }
            (Some(_), Some(st)) if st.is_ready() || st.is_inferring() => {
                // Without a commit Potpie returns a ready project unchanged (PC:230-235): a
                // refresh names the HEAD commit, which makes a project of its own.
                let head = workspace::detect_repo(&self.root);
                let Some(commit) = head.commit.clone() else {
                    session.set_status(|s| {
                        s.message = Some(format!(
                            "The graph of {repo} is {}; there is no HEAD commit to parse instead (is this a git checkout?)",
                            st.status
                        ))
                    });
                    return Ok(None);
                };
                let unpushed = head.upstream.as_ref().is_some_and(|u| *u != commit);
                session.set_status(|s| {
                    s.message = Some(format!(
                        "parsing {repo} at HEAD {}{}; questions use the current graph meanwhile",
                        short(&commit),
                        if unpushed {
                            " (not what origin has: if it is not pushed, Potpie cannot parse it)"
                        } else {
                            ""
                        }
                    ))
                });
                let request = ParseRequest {
                    repo_name: Some(repo.to_string()),
                    branch_name: self.branch_name.clone(),
                    commit_id: Some(commit.clone()),
                    ..ParseRequest::default()
                };
                let parsed = self.client.parse(&request).await?;
                Ok(Some(Found {
                    project_id: parsed.project_id,
                    pinned: Some(commit),
                    status: None,
                }))
            }
            _ => self.parse(session, repo, None).await.map(Some),
        }
    }

    async fn parse(
        &self,
        session: &Session,
        repo: &str,
        commit: Option<String>,
    ) -> Result<Found, PotpieError> {
        session.set_status(|s| {
            s.state = ParseState::Parsing;
            s.message = Some("submitting".into());
        });
        let request = ParseRequest {
            repo_name: Some(repo.to_string()),
            branch_name: self.branch_name.clone(),
            commit_id: commit.clone(),
            ..ParseRequest::default()
        };
        let parsed = self.client.parse(&request).await?;
        Ok(Found {
            project_id: parsed.project_id,
            pinned: commit,
            status: None,
        })
    }

    /// Polls the project until it is ready or failed. A graph that is usable already (a
    /// refresh parsing a new commit) stays in use until the new one is.
    async fn poll(&self, session: &Session, repo: &str, found: Found) {
        let Found {
            project_id,
            pinned,
            status: mut known,
        } = found;
        let (project_id, pinned) = (project_id.as_str(), pinned.as_deref());
        let replacing = self
            .project_id()
            .is_some_and(|old| old != project_id && session.status().state.is_usable());
        let mut wait = POLL_FIRST;
        let mut first = true;
        loop {
            if !first {
                tokio::time::sleep(wait).await;
                wait = (wait * 3 / 2).min(POLL_CAP);
            }
            first = false;
            let polled = match known.take() {
                Some(st) => Ok(st),
                None => self.client.parsing_status(project_id).await,
            };
            let st = match polled {
                Ok(st) => st,
                Err(e) if replacing => {
                    session.report_problem(format!(
                        "Re-parsing {repo} failed ({e}); questions still use the previous graph."
                    ));
                    return;
                }
                Err(e) => return fail(session, &e),
            };
            if replacing && !(st.is_ready() || st.is_inferring()) {
                if st.is_error() {
                    let why = parse_failure(repo, pinned, &self.root);
                    session.set_status(|s| {
                        s.message = Some(format!("{why} Questions still use the previous graph."))
                    });
                    session.report_problem(why);
                    return;
                }
                continue;
            }
            self.set_project_id(Some(project_id.to_string()));
            if let Some(m) = &self.memory {
                m.remember(project_id);
            }
            let state = apply_remote_status(session, &st, repo, project_id, pinned, &self.root);
            if state == ParseState::Ready || state == ParseState::Error {
                if state == ParseState::Error
                    && let Some(m) = &self.memory
                {
                    m.forget();
                }
                return;
            }
        }
    }

    /// Builds (or loads) the local index in the background; failures only cost citation
    /// precision, so they are logged and otherwise ignored.
    fn start_local_index(&self) {
        if self.index.read().is_ok_and(|g| g.is_some()) {
            return;
        }
        let root = self.root.clone();
        let slot = self.index.clone();
        let cache = self.index_dir.clone();
        tokio::task::spawn_blocking(move || match Index::open(&root, Some(&cache), &|_, _| {}) {
            Ok(index) => {
                if let Ok(mut g) = slot.write() {
                    *g = Some(index);
                }
            }
            Err(e) => tracing::warn!("local index for citations unavailable: {e}"),
        });
    }

    pub(super) async fn files_changed(&self, paths: Vec<PathBuf>) {
        super::update_index(&self.index, paths, self.index_dir.clone()).await;
    }

    pub(super) fn index_stats(&self) -> Option<IndexStats> {
        self.index.read().ok()?.as_ref().map(Index::stats)
    }

    /// The system agents and the user's custom agents, fetched once per session.
    pub(super) async fn agents(&self, refresh: bool) -> Result<Arc<Vec<AgentInfo>>, PotpieError> {
        if !refresh
            && let Some(cached) = self
                .agents
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        {
            return Ok(cached);
        }
        let list = Arc::new(self.client.list_agents().await?);
        *self.agents.write().unwrap_or_else(|p| p.into_inner()) = Some(list.clone());
        Ok(list)
    }

    /// The agent list when it has been fetched, without waiting (code actions read it).
    pub(super) fn cached_agents(&self) -> Option<Arc<Vec<AgentInfo>>> {
        self.agents
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Refuses an agent id Potpie does not list, before anything is created: Potpie itself
    /// would answer only a generic 500 (CS:444-447). When the list cannot be fetched the
    /// question goes ahead, and conversation creation says what it can.
    async fn check_agent(&self, agent: &str) -> Result<(), AskError> {
        match self.agents(false).await {
            Ok(list) if list.iter().any(|a| a.id == agent) => Ok(()),
            Ok(list) => Err(AskError::UnknownAgent {
                agent: agent.to_string(),
                valid: list.iter().map(|a| a.id.clone()).collect(),
            }),
            Err(e) => {
                tracing::warn!("could not list Potpie's agents to check {agent:?}: {e}");
                Ok(())
            }
        }
    }

    async fn new_conversation(&self, project_id: &str, agent: &str) -> Result<String, AskError> {
        match self.client.create_conversation(project_id, agent).await {
            Ok(id) => Ok(id),
            Err(e @ PotpieError::Server { status: 500, .. }) => Err(AskError::Conversation {
                agent: agent.to_string(),
                reason: e.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn ask(
        &self,
        session: &Session,
        question: Question,
        answer_id: String,
        events: mpsc::UnboundedSender<AskEvent>,
        cancel: CancellationToken,
    ) -> Result<Answer, AskError> {
        let project_id = self
            .project_id()
            .ok_or_else(|| AskError::NotReady("the workspace has no Potpie project yet".into()))?;
        let prepared = async {
            self.check_agent(&question.agent).await?;
            let node_ids = self
                .node_ids(&project_id, question.selection.as_ref())
                .await;
            let given = question
                .thread
                .as_ref()
                .and_then(|t| t.conversation_id.clone());
            let conversation = match &given {
                Some(c) => c.clone(),
                None => self.new_conversation(&project_id, &question.agent).await?,
            };
            Ok::<_, AskError>((node_ids, conversation, given.is_some()))
        };
        let (node_ids, mut conversation, mut reused) = tokio::select! {
            r = prepared => r?,
            _ = cancel.cancelled() => return Err(AskError::Cancelled),
        };
        let request = MessageRequest {
            content: question.prompt(),
            node_ids,
        };
        // The run id is ours, so a cancel stops exactly this run (B3) and a broken stream can
        // re-attach to it (B4).
        let run_id = format!("potpie-lsp-{answer_id}");
        let mut out = self
            .run(&conversation, &request, &run_id, &events, &cancel)
            .await?;
        if out.markdown.trim().is_empty() && out.broken.is_none() && out.failed.is_none() && reused
        {
            // Only the placeholder: the thread's conversation is gone or no longer ours. A new
            // one, once; the message produced nothing, so nothing is asked twice.
            tracing::info!("the conversation gave no answer; continuing in a new one");
            let _ = events.send(AskEvent::Activity(
                "The thread's Potpie conversation is gone; asking in a new one".into(),
            ));
            conversation = tokio::select! {
                c = self.new_conversation(&project_id, &question.agent) => c?,
                _ = cancel.cancelled() => return Err(AskError::Cancelled),
            };
            reused = false;
            out = self
                .run(&conversation, &request, &run_id, &events, &cancel)
                .await?;
        }
        let _ = reused;
        if out.markdown.trim().is_empty() {
            if let Some(why) = out.failed {
                return Err(AskError::RunFailed(why));
            }
            if let Some(e) = out.broken {
                return Err(e.into());
            }
            return Err(self.explain_empty_answer(session, &project_id).await);
        }
        if let Some(why) = &out.unreadable {
            let note = format!("\n\n_Part of this answer could not be read: {why}_\n");
            out.markdown.push_str(&note);
            let _ = events.send(AskEvent::Chunk(note));
        }
        let citations = self.resolve_citations(&out.markdown, &out.listed).await;
        let answer = Answer {
            id: answer_id,
            backend: BackendKind::Potpie,
            agent: question.agent,
            markdown: out.markdown,
            citations,
            conversation_id: Some(conversation),
        };
        match (out.broken, out.failed) {
            (None, None) => Ok(answer),
            (Some(e), _) => Err(AskError::Interrupted {
                reason: e.to_string(),
                partial: Box::new(answer),
            }),
            (None, Some(why)) => Err(AskError::Interrupted {
                reason: format!("the agent run failed on Potpie's side ({why})"),
                partial: Box::new(answer),
            }),
        }
    }

    /// Sends the message as run `run_id` and reads its answer. A connection that breaks
    /// mid-answer is re-attached to once (the run goes on without it); a run whose answer
    /// cannot be read to its end is stopped, so it does not go on costing the user.
    async fn run(
        &self,
        conversation: &str,
        request: &MessageRequest,
        run_id: &str,
        events: &mpsc::UnboundedSender<AskEvent>,
        cancel: &CancellationToken,
    ) -> Result<RunOutcome, AskError> {
        let start = RunRef {
            session_id: Some(run_id),
            cursor: None,
        };
        let mut stream = tokio::select! {
            s = self.client.send_message_stream(conversation, request, start) => s?,
            _ = cancel.cancelled() => {
                self.stop_in_background(conversation, run_id);
                return Err(AskError::Cancelled);
            }
        };
        let mut out = RunOutcome::default();
        let mut reader = ChunkReader::default();
        // Objects read from the current connection, and how many of its first ones repeat
        // what was already read (a re-attach replays from the start).
        let mut seen = 0usize;
        let mut skip = 0usize;
        let mut resumed = false;
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                _ = cancel.cancelled() => {
                    self.stop_in_background(conversation, run_id);
                    return Err(AskError::Cancelled);
                }
            };
            let item = match next {
                None if skip > 0 => {
                    // The replay ended short: the run is gone (stopped or expired).
                    out.broken.get_or_insert(PotpieError::ConnectionLost {
                        service: crate::potpie::Service::Potpie,
                        reason: "the answer could not be re-attached to".into(),
                    });
                    break;
                }
                None => break,
                Some(item) => item,
            };
            let broken = match item {
                Ok(_) | Err(PotpieError::BadJson { .. } | PotpieError::BodyTooLarge { .. }) => {
                    seen += 1;
                    if skip > 0 {
                        skip -= 1;
                        continue;
                    }
                    match item {
                        Ok(chunk) => {
                            if reader.take(chunk, &mut out, events) {
                                break;
                            }
                        }
                        Err(e) => {
                            // One unreadable object: the decoder resynchronises; keep the rest.
                            tracing::warn!("skipping an unreadable part of the answer stream: {e}");
                            out.unreadable.get_or_insert_with(|| e.to_string());
                        }
                    }
                    continue;
                }
                Err(e) => e,
            };
            // A stall is the run being silent, not the connection: re-attaching would only
            // wait again.
            let stalled = matches!(
                broken,
                PotpieError::Timeout {
                    phase: TimeoutPhase::Stalled,
                    ..
                }
            );
            if resumed || stalled {
                out.broken = Some(broken);
                break;
            }
            resumed = true;
            tracing::info!("the answer stream broke ({broken}); re-attaching to the run");
            let _ = events.send(AskEvent::Activity(
                "The connection broke; re-attaching to the answer".into(),
            ));
            let again = RunRef {
                session_id: Some(run_id),
                cursor: Some(FROM_START),
            };
            match tokio::select! {
                s = self.client.send_message_stream(conversation, request, again) => s,
                _ = cancel.cancelled() => {
                    self.stop_in_background(conversation, run_id);
                    return Err(AskError::Cancelled);
                }
            } {
                Ok(s) => {
                    stream = s;
                    skip = seen;
                    seen = 0;
                }
                Err(e) => {
                    out.broken = Some(PotpieError::ConnectionLost {
                        service: crate::potpie::Service::Potpie,
                        reason: format!("{broken}; re-attaching to the answer failed: {e}"),
                    });
                    break;
                }
            }
        }
        stream.close();
        if out.broken.is_some() {
            self.stop_in_background(conversation, run_id);
        }
        Ok(out)
    }

    /// The graph node of the symbol the selection is in, so the agent starts from it: the
    /// local index names the symbol, Potpie's search finds its node in the selection's file.
    async fn node_ids(
        &self,
        project_id: &str,
        selection: Option<&Selection>,
    ) -> Option<Vec<NodeContext>> {
        let sel = selection?;
        let symbol = {
            let guard = self.index.read().ok()?;
            guard
                .as_ref()?
                .symbol_enclosing(&sel.rel_path, sel.start_line, sel.end_line)?
        };
        let found = tokio::time::timeout(
            NODE_LOOKUP_TIMEOUT,
            self.client.search(project_id, &symbol.name),
        )
        .await;
        let results = match found {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::debug!("search for {} failed: {e}", symbol.name);
                return None;
            }
            Err(_) => return None,
        };
        let hit = results.into_iter().find(|r| {
            same_file(&r.file_path, &sel.rel_path)
                && (r.name == symbol.name
                    || r.name == symbol.qualified
                    || r.name.ends_with(&format!(".{}", symbol.name)))
        })?;
        Some(vec![NodeContext {
            node_id: hit.node_id,
            name: hit.name,
        }])
    }

    /// An empty answer usually means the run failed on the service; a deleted project is the
    /// one cause we can tell apart, and it needs the user to re-parse.
    async fn explain_empty_answer(&self, session: &Session, project_id: &str) -> AskError {
        match self.client.parsing_status(project_id).await {
            Err(PotpieError::NotFound { .. }) => {
                self.set_project_id(None);
                if let Some(m) = &self.memory {
                    m.forget();
                }
                let message = "The Potpie project of this workspace no longer exists: run potpie.reparse to parse it again.";
                session.set_status(|s| {
                    s.state = ParseState::Error;
                    s.project_id = None;
                    s.message = Some(message.into());
                });
                AskError::NotReady(message.into())
            }
            _ => AskError::NoAnswer,
        }
    }

    fn stop_in_background(&self, conversation: &str, run_id: &str) {
        let client = self.client.clone();
        let conversation = conversation.to_string();
        let run_id = run_id.to_string();
        tokio::spawn(async move {
            let stop = client.stop(&conversation, Some(&run_id));
            match tokio::time::timeout(STOP_TIMEOUT, stop).await {
                Ok(Ok(_)) => tracing::debug!("stopped the agent run {run_id}"),
                Ok(Err(e)) => tracing::warn!("could not stop the agent run: {e}"),
                Err(_) => tracing::warn!("stopping the agent run timed out"),
            }
        });
    }

    async fn resolve_citations(
        &self,
        markdown: &str,
        listed: &[String],
    ) -> Vec<crate::model::SourceLocation> {
        let markdown = markdown.to_string();
        let listed = listed.to_vec();
        let root = self.root.clone();
        let index = self.index.clone();
        crate::blocking::run(move || {
            let refs = citations::extract(&markdown, &listed);
            let guard = index.read().ok();
            let lookup = guard.as_ref().and_then(|g| g.as_ref()).map(IndexLookup);
            citations::resolve(
                &refs,
                &root,
                lookup.as_ref().map(|l| l as &dyn citations::SymbolLookup),
            )
        })
        .await
        .unwrap_or_default()
    }
}

/// The project a preparation settled on.
struct Found {
    project_id: String,
    /// The commit it was parsed at on request (a refresh), for the error message.
    pinned: Option<String>,
    /// Its status, when the lookup already read it (no need to ask again at once).
    status: Option<ParsingStatus>,
}

impl Found {
    fn known(project_id: String, status: ParsingStatus) -> Found {
        Found {
            project_id,
            pinned: None,
            status: Some(status),
        }
    }
}

/// What one run's stream brought.
#[derive(Default)]
struct RunOutcome {
    markdown: String,
    listed: Vec<String>,
    unreadable: Option<String>,
    /// The connection broke (and re-attaching did not help) or went silent too long.
    broken: Option<PotpieError>,
    /// The server's error frame said the run failed.
    failed: Option<String>,
}

/// Turns stream objects into answer text and progress lines.
#[derive(Default)]
struct ChunkReader {
    /// Tool events already shown, by call id and kind (previews repeat the call).
    shown: std::collections::HashSet<(String, String)>,
    last_line: String,
}

impl ChunkReader {
    /// Takes one object; `true` when it ends the run (an error frame).
    fn take(
        &mut self,
        chunk: ChatChunk,
        out: &mut RunOutcome,
        events: &mpsc::UnboundedSender<AskEvent>,
    ) -> bool {
        if chunk.is_error_frame() {
            out.failed = Some(chunk.message.trim().to_string());
            return true;
        }
        for call in &chunk.tool_calls {
            if let Some(line) = self.activity_line(call) {
                self.report(line, events);
            }
        }
        if let Some(thinking) = chunk.thinking.as_deref().map(str::trim)
            && !thinking.is_empty()
        {
            let first: String = thinking
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect();
            self.report(format!("Thinking: {first}"), events);
        }
        for c in chunk.citations {
            if !out.listed.contains(&c) {
                out.listed.push(c);
            }
        }
        let mut text = chunk.message;
        if out.markdown.is_empty()
            && let Some(rest) = text.strip_prefix(BANNER_PREFIX)
        {
            // The banner goes to progress; whatever follows it in the same delta is answer.
            let end = rest.find("...").map(|i| i + 3).unwrap_or(rest.len());
            let banner = format!("{BANNER_PREFIX}{}", &rest[..end]);
            text = rest[end..].trim_start().to_string();
            self.report(
                banner.trim_start_matches('\u{23f3}').trim().to_string(),
                events,
            );
        }
        if !text.is_empty() {
            out.markdown.push_str(&text);
            let _ = events.send(AskEvent::Chunk(text));
        }
        false
    }

    fn report(&mut self, line: String, events: &mpsc::UnboundedSender<AskEvent>) {
        if line != self.last_line {
            self.last_line = line.clone();
            let _ = events.send(AskEvent::Activity(line));
        }
    }

    /// The progress line of a tool event, once per call and kind: the call's status line
    /// with its summary, a delegation's summary; argument deltas and previews say nothing new.
    fn activity_line(&mut self, call: &ToolCall) -> Option<String> {
        if call.event_type == "tool_call_request_delta" || call.is_complete == Some(false) {
            return None;
        }
        if !call.call_id.is_empty()
            && !self
                .shown
                .insert((call.call_id.clone(), call.event_type.clone()))
        {
            return None;
        }
        let response = call.tool_response.trim();
        let summary = call.summary().map(str::trim).unwrap_or_default();
        let line = match call.event_type.as_str() {
            "delegation_call" if !summary.is_empty() => format!("Delegating: {summary}"),
            "delegation_result" => return None,
            "result" if response.is_empty() => return None,
            _ if response.is_empty() => summary.to_string(),
            _ if !summary.is_empty() && summary != response => format!("{response} — {summary}"),
            _ => response.to_string(),
        };
        (!line.is_empty()).then(|| line.chars().take(200).collect())
    }
}

/// Whether Potpie's repo-relative `file_path` is the workspace-relative `rel_path` (the
/// workspace may be a subfolder of the repository, or the other way round).
fn same_file(file_path: &str, rel_path: &str) -> bool {
    let a = file_path.trim_start_matches("./").trim_start_matches('/');
    let b = rel_path.trim_start_matches("./");
    a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"))
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(7)]
}

/// The HTTP client's options: the settings, and hidden overrides that exist only so that
/// reliability tests can exercise timeouts in seconds instead of minutes; they are read from
/// the process environment (milliseconds) and ignored unless they parse as a positive number.
/// See docs/reliability.md.
fn client_options(settings: &Settings) -> ClientOptions {
    let ms = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&v| v > 0)
            .map(Duration::from_millis)
    };
    let mut opts = ClientOptions {
        read_timeout: settings.read_timeout,
        ..ClientOptions::default()
    };
    if let Some(d) = ms("POTPIE_LSP_CONNECT_TIMEOUT_MS") {
        opts.connect_timeout = d;
    }
    if let Some(d) = ms("POTPIE_LSP_HEADERS_TIMEOUT_MS") {
        opts.headers_timeout = d;
    }
    if let Some(d) = ms("POTPIE_LSP_READ_TIMEOUT_MS") {
        opts.read_timeout = d;
    }
    opts
}

/// Why a parse ended in `error`, and what to do.
fn parse_failure(repo: &str, pinned: Option<&str>, root: &Path) -> String {
    match pinned {
        Some(commit) => {
            let head = workspace::detect_repo(root);
            let pushed = head.upstream.as_deref() == Some(commit);
            format!(
                "Potpie could not parse {repo} at commit {}{}: if that commit is not pushed to the remote yet, push it and run potpie.reparse again; otherwise check that your Potpie account can read the repository.",
                short(commit),
                if pushed {
                    ""
                } else {
                    " (it is not what origin has at the last fetch)"
                }
            )
        }
        None => format!(
            "Potpie could not parse {repo}: check that the repository and branch exist and that your Potpie account can read them, then run potpie.reparse."
        ),
    }
}

/// Maps Potpie's status onto ours and publishes it.
fn apply_remote_status(
    session: &Session,
    remote: &ParsingStatus,
    repo: &str,
    project_id: &str,
    pinned: Option<&str>,
    root: &Path,
) -> ParseState {
    let state = match remote.status.as_str() {
        "ready" => ParseState::Ready,
        "inferring" => ParseState::Inferring,
        "error" => ParseState::Error,
        _ => ParseState::Parsing,
    };
    let message = match state {
        ParseState::Error => parse_failure(repo, pinned, root),
        ParseState::Inferring => "inferring (questions already work)".to_string(),
        ParseState::Ready if !remote.latest => format!(
            "ready, but Potpie's graph of {repo} is behind the branch: run potpie.reparse to parse the HEAD commit"
        ),
        ParseState::Ready => "ready".to_string(),
        _ => remote.status.clone(),
    };
    session.set_status(|s| {
        s.state = state;
        s.project_id = Some(project_id.to_string());
        s.latest = (state == ParseState::Ready).then_some(remote.latest);
        s.message = Some(message);
    });
    state
}

fn fail(session: &Session, error: &PotpieError) {
    let message = error.to_string();
    session.set_status(|s| {
        s.state = ParseState::Error;
        s.message = Some(message);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_match_across_a_workspace_that_is_a_subfolder() {
        assert!(same_file("src/auth.rs", "src/auth.rs"));
        assert!(same_file("backend/src/auth.rs", "src/auth.rs"));
        assert!(same_file("./src/auth.rs", "src/auth.rs"));
        assert!(!same_file("src/xauth.rs", "auth.rs"));
        assert!(!same_file("src/auth.rs", "src/auth.py"));
    }

    #[test]
    fn an_error_frame_ends_the_run_with_its_message() {
        // Newer servers send this frame instead of just closing the body (CR:31-47 today).
        let (tx, _rx) = mpsc::unbounded_channel();
        let frame: ChatChunk = serde_json::from_value(serde_json::json!({
            "event": "error", "status": "error", "message": "An internal error occurred.",
            "citations": [], "tool_calls": [], "thinking": null, "run_id": "r"
        }))
        .unwrap();
        let mut out = RunOutcome::default();
        assert!(ChunkReader::default().take(frame, &mut out, &tx));
        assert_eq!(out.failed.as_deref(), Some("An internal error occurred."));
        assert!(out.markdown.is_empty(), "the error is not answer text");
    }

    #[test]
    fn tool_events_become_one_line_per_call() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut reader = ChunkReader::default();
        let mut out = RunOutcome::default();
        let event = |id: &str, kind: &str, text: &str, complete: bool| ToolCall {
            call_id: id.into(),
            event_type: kind.into(),
            tool_name: "fetch_file".into(),
            tool_response: text.into(),
            tool_call_details: serde_json::json!({"summary": "Reading file: a.rs"}),
            is_complete: Some(complete),
            ..ToolCall::default()
        };
        let chunk = ChatChunk {
            message: format!("{BANNER_PREFIX}, please wait...The answer"),
            tool_calls: vec![
                event("t1", "tool_call_request_delta", "", false),
                event("t1", "call", "Reading file: a.rs", false),
                event("t1", "call", "Reading file: a.rs", true),
                event("t1", "call", "Reading file: a.rs", true),
                event("t1", "result", "Read a.rs", true),
            ],
            thinking: Some("First find the file.\nThen read it.".into()),
            ..ChatChunk::default()
        };
        assert!(!reader.take(chunk, &mut out, &tx));
        drop(tx);
        let mut got = Vec::new();
        while let Ok(e) = rx.try_recv() {
            got.push(e);
        }
        assert_eq!(
            got,
            vec![
                AskEvent::Activity("Reading file: a.rs".into()),
                AskEvent::Activity("Read a.rs — Reading file: a.rs".into()),
                AskEvent::Activity("Thinking: First find the file.".into()),
                AskEvent::Activity("Setting up repository workspace, please wait...".into()),
                AskEvent::Chunk("The answer".into()),
            ]
        );
        assert_eq!(out.markdown, "The answer");
    }
}
