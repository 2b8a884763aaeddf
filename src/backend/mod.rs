//! The four stages every backend goes through (parse → status → conversation → message),
//! behind one [`Session`] per workspace folder, so that the LSP and the CLI never care which
//! backend answers.
//!
//! A session owns no LSP types: it reports status through a `watch` channel and answer
//! progress through an `mpsc` channel of [`AskEvent`]s.

mod error;
mod llm;
mod local;
mod projects;
mod remote;

pub use error::AskError;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::config::trust::{self, Approvals, Purpose, Untrusted};
use crate::model::{Answer, AskEvent, BackendKind, ParseState, Question, Status};
use crate::sync::{LockExt, RwLockExt};

use local::LocalBackend;
use remote::RemoteBackend;

/// One workspace folder answered by one backend.
pub struct Session {
    root: PathBuf,
    settings: Settings,
    status: Arc<watch::Sender<Status>>,
    /// Cancels background preparation when the session is replaced or dropped.
    shutdown: CancellationToken,
    inner: Inner,
    /// What the settings asked to send somewhere the user has not approved, and was not sent.
    held_back: Vec<Untrusted>,
    /// The sentence that says so, first in every answer and in the status.
    notice: Option<String>,
    /// Something the last preparation wants the user told, beyond the status (a re-parse that
    /// failed while the previous graph stays in use).
    problem: std::sync::Mutex<Option<String>>,
}

// Both boxed: each holds an HTTP client (the local one for its optional LLM), hundreds of bytes.
enum Inner {
    Remote(Box<RemoteBackend>),
    Local(Box<LocalBackend>),
}

/// The extensions of every file the local engine reads: what an editor should watch.
pub fn source_extensions() -> impl Iterator<Item = &'static str> {
    crate::engine::Lang::source_extensions()
}

/// Unique enough for file names and correlation: a process-wide counter plus the start time.
pub fn new_answer_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("{t:x}-{n}")
}

impl Session {
    /// A session for `root` (canonicalised when possible). Fails only for settings that cannot
    /// work at all (for example `backend: "potpie"` without a key). A key is sent only where
    /// `approvals` and [`trust::check`] allow; otherwise the local engine answers, saying why.
    pub fn new(
        root: &Path,
        settings: Settings,
        approvals: &Approvals,
    ) -> Result<Arc<Session>, AskError> {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut held_back = Vec::new();
        let mut notice = None;
        let potpie_url = match settings.effective_backend() {
            BackendKind::Potpie if settings.api_key.is_some() => {
                match trust::check(
                    &settings.base_url,
                    Purpose::Potpie,
                    settings.env_base_url.as_deref(),
                    approvals,
                ) {
                    Ok(url) => Some(url),
                    Err(why) => {
                        notice = Some(format!(
                            "Answered by the local engine: your Potpie key was not sent, because {why}."
                        ));
                        held_back.push(why);
                        None
                    }
                }
            }
            BackendKind::Potpie => {
                // No key: RemoteBackend::new says so.
                return Err(RemoteBackend::missing_key());
            }
            BackendKind::Local => None,
        };
        let inner = match potpie_url {
            Some(url) => Inner::Remote(Box::new(RemoteBackend::new(&root, &settings, &url)?)),
            None => {
                let llm = settings.llm.as_ref().and_then(|llm| {
                    let purpose = Purpose::Llm {
                        sends_key: llm.api_key.is_some(),
                    };
                    match trust::check(&llm.base_url, purpose, None, approvals) {
                        Ok(url) => Some((llm.clone(), url)),
                        Err(why) => {
                            notice.get_or_insert_with(|| {
                                format!("Written by the local engine alone: the configured LLM was not used, because {why}.")
                            });
                            held_back.push(why);
                            None
                        }
                    }
                });
                Inner::Local(Box::new(LocalBackend::new(&root, &settings, llm)))
            }
        };
        let kind = match inner {
            Inner::Remote(_) => BackendKind::Potpie,
            Inner::Local(_) => BackendKind::Local,
        };
        let mut status = Status::new(kind, ParseState::Unbound);
        if let Inner::Remote(r) = &inner {
            status.repo_name = r.repo_name().map(str::to_string);
            status.branch_name = r.branch_name().map(str::to_string);
        }
        status.message = notice.clone();
        let (tx, _) = watch::channel(status);
        Ok(Arc::new(Session {
            root,
            settings,
            status: Arc::new(tx),
            shutdown: CancellationToken::new(),
            inner,
            held_back,
            notice,
            problem: std::sync::Mutex::new(None),
        }))
    }

    /// What the settings asked to send to an origin the user has not approved (and was not).
    pub fn held_back(&self) -> &[Untrusted] {
        &self.held_back
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn backend(&self) -> BackendKind {
        match self.inner {
            Inner::Remote(_) => BackendKind::Potpie,
            Inner::Local(_) => BackendKind::Local,
        }
    }

    /// The current status (a snapshot).
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Every later status change.
    pub fn subscribe(&self) -> watch::Receiver<Status> {
        self.status.subscribe()
    }

    /// Stops background work of this session (it is being replaced or the server is exiting).
    pub fn shut_down(&self) {
        self.shutdown.cancel();
    }

    pub(crate) fn set_status(&self, update: impl FnOnce(&mut Status)) {
        self.status.send_modify(update);
    }

    pub(crate) fn report_problem(&self, message: String) {
        *self.problem.locked() = Some(message);
    }

    /// What the last preparation wants the user told beyond the status, once.
    pub fn take_problem(&self) -> Option<String> {
        self.problem.locked().take()
    }

    /// Whether this session must be built again for `new` settings (see
    /// [`Settings::session_differs`]).
    pub fn needs_rebuild(&self, new: &Settings) -> bool {
        self.settings.session_differs(new)
    }

    /// The agents a question may name: with Potpie, its system agents and the user's custom
    /// ones (fetched once per session; `refresh` fetches again); with the local engine, the
    /// agents it imitates.
    pub async fn agents(&self, refresh: bool) -> Result<Vec<AgentInfo>, AskError> {
        match &self.inner {
            Inner::Remote(r) => Ok(r
                .agents(refresh)
                .await?
                .iter()
                .map(AgentInfo::from_potpie)
                .collect()),
            Inner::Local(_) => Ok(local_agents()),
        }
    }

    /// The agents as known now, without waiting: the local list, or Potpie's once fetched.
    pub fn known_agents(&self) -> Option<Vec<AgentInfo>> {
        match &self.inner {
            Inner::Remote(r) => r
                .cached_agents()
                .map(|list| list.iter().map(AgentInfo::from_potpie).collect()),
            Inner::Local(_) => Some(local_agents()),
        }
    }

    /// A handle that blocking work (indexing threads) can report status through.
    pub(crate) fn status_sender(&self) -> Arc<watch::Sender<Status>> {
        self.status.clone()
    }

    /// Marks the session as being prepared before the preparing task gets to run, so that a
    /// question arriving in between waits for it instead of starting a second preparation.
    pub fn mark_preparing(&self) {
        self.set_status(|s| {
            s.state = ParseState::Parsing;
            s.message = Some("starting".into());
        });
    }

    /// Parses (Potpie) or indexes (local) the workspace, reporting each step as a status
    /// change, until it is usable or failed. Never returns an error: failures end in
    /// `state: error` with a message saying what to do. Safe to call again to retry.
    pub async fn prepare(&self) -> Status {
        self.prepare_as(false).await
    }

    /// `potpie.reparse`: Potpie parses a ready graph again at the HEAD commit (a parse under
    /// way is left alone); the local engine re-reads changed files.
    pub async fn reparse(&self) -> Status {
        self.prepare_as(true).await
    }

    async fn prepare_as(&self, refresh: bool) -> Status {
        let run = async {
            match &self.inner {
                Inner::Remote(r) => r.prepare(self, refresh).await,
                Inner::Local(l) => l.prepare(self).await,
            }
        };
        tokio::select! {
            _ = run => {}
            _ = self.shutdown.cancelled() => {}
        }
        if let Some(notice) = &self.notice {
            self.set_status(|s| {
                if s.state.is_usable() {
                    s.message = Some(match s.message.take() {
                        Some(m) => format!("{notice} ({m})"),
                        None => notice.clone(),
                    });
                }
            });
        }
        self.status()
    }

    /// Waits until the workspace can answer, starting preparation if nobody has.
    async fn ready(&self, cancel: &CancellationToken) -> Result<(), AskError> {
        let mut rx = self.subscribe();
        let state = rx.borrow().state;
        match state {
            s if s.is_usable() => return Ok(()),
            ParseState::Error => {
                // A failed parse is retried by `potpie.reparse`, not by every question.
                let message = rx.borrow().message.clone();
                return Err(AskError::NotReady(
                    message.unwrap_or_else(|| "preparing the workspace failed".into()),
                ));
            }
            ParseState::Unbound => {
                // Nobody is preparing: do it now, in this task.
                let status = tokio::select! {
                    s = self.prepare() => s,
                    _ = cancel.cancelled() => return Err(AskError::Cancelled),
                };
                return if status.state.is_usable() {
                    Ok(())
                } else {
                    Err(AskError::NotReady(status.message.unwrap_or_else(|| {
                        "the workspace could not be prepared".to_string()
                    })))
                };
            }
            _ => {}
        }
        loop {
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return Err(AskError::NotReady("the session was closed".into()));
                    }
                }
                _ = cancel.cancelled() => return Err(AskError::Cancelled),
            }
            let status = rx.borrow().clone();
            match status.state {
                s if s.is_usable() => return Ok(()),
                ParseState::Error => {
                    return Err(AskError::NotReady(
                        status.message.unwrap_or_else(|| "parsing failed".into()),
                    ));
                }
                _ => {}
            }
        }
    }

    /// Answers one question. Answer text and tool activity go to `events` as they arrive.
    /// Cancelling `cancel` stops the question (and, for Potpie, the agent run).
    pub async fn ask(
        &self,
        question: Question,
        answer_id: String,
        events: mpsc::UnboundedSender<AskEvent>,
        cancel: CancellationToken,
    ) -> Result<Answer, AskError> {
        // While another task builds the local index, the local backend answers at once from
        // what is indexed so far (see `LocalBackend::ask`) instead of waiting for all of it.
        let building_locally =
            matches!(self.inner, Inner::Local(_)) && self.status().state == ParseState::Parsing;
        if !building_locally {
            self.ready(&cancel).await?;
        }
        let first_line = self.notice.as_ref().map(|n| format!("_{n}_\n\n"));
        if let Some(line) = &first_line {
            let _ = events.send(AskEvent::Chunk(line.clone()));
        }
        let mut answer = match &self.inner {
            Inner::Remote(r) => r.ask(self, question, answer_id, events, cancel).await,
            Inner::Local(l) => l.ask(self, question, answer_id, events, cancel).await,
        }?;
        if let Some(line) = first_line {
            answer.markdown.insert_str(0, &line);
        }
        Ok(answer)
    }

    /// Files changed on disk: the local index re-parses just these.
    pub async fn files_changed(&self, paths: Vec<PathBuf>) {
        let paths: Vec<PathBuf> = paths
            .into_iter()
            .filter(|p| p.starts_with(&self.root))
            .collect();
        if paths.is_empty() {
            return;
        }
        match &self.inner {
            Inner::Local(l) => l.files_changed(paths).await,
            Inner::Remote(r) => r.files_changed(paths).await,
        }
    }

    /// Statistics of the local index, when one is built.
    pub fn index_stats(&self) -> Option<crate::engine::IndexStats> {
        match &self.inner {
            Inner::Local(l) => l.stats(),
            Inner::Remote(r) => r.index_stats(),
        }
    }

    fn index_slot(&self) -> &IndexSlot {
        match &self.inner {
            Inner::Local(l) => &l.index,
            Inner::Remote(r) => &r.index,
        }
    }

    /// The name of the innermost definition holding lines `start..=end` of `rel_path`, from
    /// the local index (blocking: call it off the event loop).
    pub fn symbol_at(&self, rel_path: &str, start: u32, end: u32) -> Option<String> {
        let guard = self.index_slot().reading();
        guard
            .as_ref()?
            .symbol_enclosing(rel_path, start, end)
            .map(|s| s.name)
    }
}

/// An agent a question can be asked of (`potpie.agents`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgentInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub custom: bool,
}

impl AgentInfo {
    fn from_potpie(a: &crate::potpie::AgentInfo) -> AgentInfo {
        AgentInfo {
            id: a.id.clone(),
            name: a.name.clone(),
            description: a.description.clone(),
            // System agents say "SYSTEM"; a custom agent's status is its deployment state.
            custom: a.status != "SYSTEM",
        }
    }
}

/// The agents the local engine imitates: each changes what the answer is for, not where it
/// comes from.
fn local_agents() -> Vec<AgentInfo> {
    crate::agents::LOCAL
        .iter()
        .map(|a| AgentInfo {
            id: a.id.to_string(),
            name: a.name.to_string(),
            description: a.description.to_string(),
            custom: false,
        })
        .collect()
}

/// The local index of a session, shared with blocking threads.
pub(crate) type IndexSlot = Arc<std::sync::RwLock<Option<crate::engine::Index>>>;

/// Re-indexes `paths` in the slot's index (if built) and saves it for the next start.
pub(crate) async fn update_index(slot: &IndexSlot, paths: Vec<PathBuf>, cache_dir: PathBuf) {
    let slot = slot.clone();
    let _ = tokio::task::spawn_blocking(move || {
        let mut guard = slot.writing();
        let Some(index) = guard.as_mut() else { return };
        index.update_files(&paths);
        if let Err(e) = index.save(&cache_dir) {
            tracing::warn!("could not save the local index: {e}");
        }
    })
    .await;
}

/// The local index as the citation resolver's symbol lookup.
pub(crate) struct IndexLookup<'a>(pub &'a crate::engine::Index);

impl crate::citations::SymbolLookup for IndexLookup<'_> {
    fn find_definition(&self, rel_path: &str, symbol: &str) -> Option<(u32, u32)> {
        self.0.find_definition(rel_path, symbol)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

#[cfg(test)]
mod tests {
    /// A file the local engine reads is one a Potpie answer's citation may name: `citations`
    /// keeps its own list of extensions, since neither module imports the other.
    #[test]
    fn every_file_the_engine_reads_can_be_cited() {
        for ext in super::source_extensions() {
            assert!(
                crate::citations::has_source_ext(&format!("src/a.{ext}")),
                "{ext}"
            );
        }
    }
}
