//! The Potpie backend: parse the repository, poll until usable, one conversation per agent,
//! stream each answer, resolve its citations against the workspace.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use dashmap::DashMap;
use tokio::sync::{OnceCell, mpsc};
use tokio_util::sync::CancellationToken;

use super::{AskError, IndexLookup, Session};
use crate::citations;
use crate::config::Settings;
use crate::config::trust::TrustedUrl;
use crate::engine::{Index, IndexStats};
use crate::model::{Answer, AskEvent, BackendKind, ParseState, Question, SourceLocation};
use crate::potpie::{
    ClientOptions, MessageRequest, ParseRequest, PotpieClient, PotpieError, ToolCall,
};
use crate::workspace;

/// First wait between two status polls; it grows by half each time up to the cap.
const POLL_FIRST: Duration = Duration::from_millis(250);
const POLL_CAP: Duration = Duration::from_secs(8);
/// How long a `/stop` after a cancel may take before we stop caring.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct RemoteBackend {
    client: PotpieClient,
    root: PathBuf,
    repo_name: Option<String>,
    branch_name: Option<String>,
    /// Set by `prepare`; read by `ask`. Never held across an `.await`.
    project_id: Mutex<Option<String>>,
    /// One conversation per agent, created on first use and reused.
    conversations: DashMap<String, Arc<OnceCell<String>>>,
    /// A local index of the same folder, used only to point file-only citations at symbols.
    index: super::IndexSlot,
    index_dir: PathBuf,
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
        let client = PotpieClient::new(base_url, key, client_options())?;
        let detected = workspace::detect_repo(root);
        Ok(RemoteBackend {
            client,
            root: root.to_path_buf(),
            repo_name: settings.repo_name.clone().or(detected.repo_name),
            branch_name: settings.branch_name.clone().or(detected.branch),
            project_id: Mutex::new(None),
            conversations: DashMap::new(),
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
        self.project_id.lock().ok().and_then(|g| g.clone())
    }

    fn set_project_id(&self, id: Option<String>) {
        if let Ok(mut g) = self.project_id.lock() {
            if *g != id {
                // Conversations belong to a project: a new project needs new ones.
                self.conversations.clear();
            }
            *g = id;
        }
    }

    pub(super) async fn prepare(&self, session: &Session) {
        self.start_local_index();
        let Some(repo_name) = self.repo_name.clone() else {
            session.set_status(|s| {
                s.state = ParseState::Error;
                s.message = Some(format!(
                    "No git remote found for {}: set potpie.repoName to \"owner/repo\" (and potpie.branchName), then run potpie.reparse.",
                    self.root.display()
                ));
            });
            return;
        };
        session.set_status(|s| {
            s.state = ParseState::Parsing;
            s.message = Some("submitting".into());
        });
        let request = ParseRequest {
            repo_name: Some(repo_name.clone()),
            branch_name: self.branch_name.clone(),
            ..ParseRequest::default()
        };
        let parsed = match self.client.parse(&request).await {
            Ok(p) => p,
            Err(e) => return fail(session, &e),
        };
        self.set_project_id(Some(parsed.project_id.clone()));
        session.set_status(|s| s.project_id = Some(parsed.project_id.clone()));
        let mut state = apply_remote_status(session, &parsed.status, &repo_name);
        let mut wait = POLL_FIRST;
        while state != ParseState::Ready && state != ParseState::Error {
            tokio::time::sleep(wait).await;
            wait = (wait * 3 / 2).min(POLL_CAP);
            match self.client.parsing_status(&parsed.project_id).await {
                Ok(st) => state = apply_remote_status(session, &st.status, &repo_name),
                Err(e) => return fail(session, &e),
            }
        }
    }

    /// Builds (or loads) the local index in the background; failures only cost citation
    /// precision, so they are logged and otherwise ignored.
    fn start_local_index(&self) {
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

    async fn conversation(&self, project_id: &str, agent: &str) -> Result<String, PotpieError> {
        let cell = self
            .conversations
            .entry(agent.to_string())
            .or_insert_with(|| Arc::new(OnceCell::new()))
            .clone();
        cell.get_or_try_init(|| self.client.create_conversation(project_id, agent))
            .await
            .cloned()
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
        let conversation = tokio::select! {
            c = self.conversation(&project_id, &question.agent) => c?,
            _ = cancel.cancelled() => return Err(AskError::Cancelled),
        };
        let request = MessageRequest {
            content: question.prompt(),
            node_ids: None,
        };
        let mut stream = tokio::select! {
            s = self.client.send_message_stream(&conversation, &request) => s?,
            _ = cancel.cancelled() => {
                self.stop_in_background(&conversation);
                return Err(AskError::Cancelled);
            }
        };
        let mut markdown = String::new();
        let mut listed: Vec<String> = Vec::new();
        let mut unreadable: Option<String> = None;
        let mut broken: Option<PotpieError> = None;
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                _ = cancel.cancelled() => {
                    self.stop_in_background(&conversation);
                    return Err(AskError::Cancelled);
                }
            };
            match next {
                None => break,
                Some(Ok(chunk)) => {
                    for call in &chunk.tool_calls {
                        if let Some(line) = activity_line(call) {
                            let _ = events.send(AskEvent::Activity(line));
                        }
                    }
                    for c in chunk.citations {
                        if !listed.contains(&c) {
                            listed.push(c);
                        }
                    }
                    if !chunk.message.is_empty() {
                        markdown.push_str(&chunk.message);
                        let _ = events.send(AskEvent::Chunk(chunk.message));
                    }
                }
                Some(Err(e @ (PotpieError::BadJson { .. } | PotpieError::BodyTooLarge { .. }))) => {
                    // One unreadable object: the decoder resynchronises; keep the rest.
                    tracing::warn!("skipping an unreadable part of the answer stream: {e}");
                    unreadable.get_or_insert_with(|| e.to_string());
                }
                Some(Err(e)) => {
                    broken = Some(e);
                    break;
                }
            }
        }
        if markdown.trim().is_empty() {
            if let Some(e) = broken {
                return Err(e.into());
            }
            return Err(self.explain_empty_answer(session, &project_id).await);
        }
        if let Some(why) = unreadable {
            let note = format!("\n\n_Part of this answer could not be read: {why}_\n");
            markdown.push_str(&note);
            let _ = events.send(AskEvent::Chunk(note));
        }
        let citations = self.resolve_citations(&markdown, &listed).await;
        let answer = Answer {
            id: answer_id,
            backend: BackendKind::Potpie,
            agent: question.agent,
            markdown,
            citations,
        };
        match broken {
            None => Ok(answer),
            Some(e) => Err(AskError::Interrupted {
                reason: e.to_string(),
                partial: Box::new(answer),
            }),
        }
    }

    /// An empty answer usually means the run failed on the service; a deleted project is the
    /// one cause we can tell apart, and it needs the user to re-parse.
    async fn explain_empty_answer(&self, session: &Session, project_id: &str) -> AskError {
        match self.client.parsing_status(project_id).await {
            Err(PotpieError::NotFound { .. }) => {
                self.set_project_id(None);
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

    fn stop_in_background(&self, conversation: &str) {
        let client = self.client.clone();
        let conversation = conversation.to_string();
        tokio::spawn(async move {
            match tokio::time::timeout(STOP_TIMEOUT, client.stop(&conversation, None)).await {
                Ok(Ok(_)) => tracing::debug!("stopped the agent run of {conversation}"),
                Ok(Err(e)) => tracing::warn!("could not stop the agent run: {e}"),
                Err(_) => tracing::warn!("stopping the agent run timed out"),
            }
        });
    }

    async fn resolve_citations(&self, markdown: &str, listed: &[String]) -> Vec<SourceLocation> {
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

/// The HTTP client's options. Hidden, undocumented-in-settings overrides exist only so that
/// reliability tests can exercise timeouts in seconds instead of minutes; they are read from
/// the process environment (milliseconds) and ignored unless they parse as a positive number.
/// See docs/reliability.md.
fn client_options() -> ClientOptions {
    let ms = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&v| v > 0)
            .map(Duration::from_millis)
    };
    let mut opts = ClientOptions::default();
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

/// The human-readable line of a tool event worth showing as progress.
fn activity_line(call: &ToolCall) -> Option<String> {
    if call.event_type == "tool_call_request_delta" {
        return None;
    }
    let line = call.tool_response.trim();
    (!line.is_empty()).then(|| line.chars().take(200).collect())
}

/// Maps Potpie's status string onto our states and publishes it.
fn apply_remote_status(session: &Session, remote: &str, repo: &str) -> ParseState {
    let state = match remote {
        "ready" => ParseState::Ready,
        "inferring" => ParseState::Inferring,
        "error" => ParseState::Error,
        _ => ParseState::Parsing,
    };
    let message = match state {
        ParseState::Error => format!(
            "Potpie could not parse {repo}: check that the repository and branch exist and that your Potpie account can read them, then run potpie.reparse."
        ),
        ParseState::Inferring => "inferring (questions already work)".to_string(),
        _ => remote.to_string(),
    };
    session.set_status(|s| {
        s.state = state;
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
