//! The Potpie backend: find the workspace's project (parsing only what Potpie does not have
//! or has failed), poll until usable, answer each question in a run of our naming, stream it,
//! and resolve its citations against the workspace. The lifecycle is written down in
//! docs/lsp-extensions.md ("Project lifecycle").

use crate::sync::{LockExt, RwLockExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod lifecycle;
mod run;

use super::projects::ProjectMemory;
use super::{AskError, IndexLookup, Session};
use crate::citations;
use crate::config::Settings;
use crate::config::trust::TrustedUrl;
use crate::engine::{Index, IndexStats};
use crate::model::{Answer, AskEvent, BackendKind, ParseState, Question, Selection};
use crate::potpie::{
    AgentInfo, ClientOptions, MessageRequest, NodeContext, PotpieClient, PotpieError,
};
use crate::workspace;

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
        self.project_id.locked().clone()
    }

    fn set_project_id(&self, id: Option<String>) {
        *self.project_id.locked() = id;
    }

    /// Builds (or loads) the local index in the background; failures only cost citation
    /// precision, so they are logged and otherwise ignored.
    fn start_local_index(&self) {
        if self.index.reading().is_some() {
            return;
        }
        let root = self.root.clone();
        let slot = self.index.clone();
        let cache = self.index_dir.clone();
        tokio::task::spawn_blocking(move || match Index::open(&root, Some(&cache), &|_, _| {}) {
            Ok(index) => {
                *slot.writing() = Some(index);
            }
            Err(e) => tracing::warn!("local index for citations unavailable: {e}"),
        });
    }

    pub(super) async fn files_changed(&self, paths: Vec<PathBuf>) {
        super::update_index(&self.index, paths, self.index_dir.clone()).await;
    }

    pub(super) fn index_stats(&self) -> Option<IndexStats> {
        self.index.reading().as_ref().map(Index::stats)
    }

    /// The system agents and the user's custom agents, fetched once per session.
    pub(super) async fn agents(&self, refresh: bool) -> Result<Arc<Vec<AgentInfo>>, PotpieError> {
        if !refresh && let Some(cached) = self.agents.reading().clone() {
            return Ok(cached);
        }
        let list = Arc::new(self.client.list_agents().await?);
        *self.agents.writing() = Some(list.clone());
        Ok(list)
    }

    /// The agent list when it has been fetched, without waiting (code actions read it).
    pub(super) fn cached_agents(&self) -> Option<Arc<Vec<AgentInfo>>> {
        self.agents.reading().clone()
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

    /// The graph node of the symbol the selection is in, so the agent starts from it: the
    /// local index names the symbol, Potpie's search finds its node in the selection's file.
    async fn node_ids(
        &self,
        project_id: &str,
        selection: Option<&Selection>,
    ) -> Option<Vec<NodeContext>> {
        let sel = selection?;
        let symbol = {
            let guard = self.index.reading();
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
            let guard = index.reading();
            let lookup = guard.as_ref().map(IndexLookup);
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

/// The HTTP client's options: the settings, and the hidden test overrides of the environment
/// (`config::TimeoutOverrides`).
fn client_options(settings: &Settings) -> ClientOptions {
    let overrides = settings.timeout_overrides;
    let defaults = ClientOptions::default();
    ClientOptions {
        connect_timeout: overrides.connect.unwrap_or(defaults.connect_timeout),
        headers_timeout: overrides.headers.unwrap_or(defaults.headers_timeout),
        read_timeout: overrides.read.unwrap_or(settings.read_timeout),
        ..defaults
    }
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
}
