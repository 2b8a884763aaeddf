//! What the server knows: settings, workspace folders and their sessions, open documents,
//! running questions and published hints. Every lock here is a short synchronous one.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use dashmap::DashMap;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::convert::uri_to_path;
use super::ext::{CitationsMoved, StatusNotification, ThreadInfo};
use super::hints::{Hints, NewHint};
use super::progress::ProgressBar;
use super::user_error;
use crate::answers::threads::{ThreadStore, rfc3339};
use crate::backend::Session;
use crate::config::trust::{Approvals, Untrusted};
use crate::config::{Env, Settings, SettingsLayers, WireSettings};
use crate::model::{ParseState, Status};
use crate::workspace::Folders;

/// What the client told us it can do.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientFlags {
    pub work_done_progress: bool,
    pub show_document: bool,
    pub related_information: bool,
    pub watched_files_dynamic: bool,
}

/// Clients that open `window/showDocument` files without advertising the capability. Helix
/// (24.03 and later) does, and since it drops command results, the answer file is the only
/// place its users read an answer.
fn shows_documents_unadvertised(info: Option<&ClientInfo>) -> bool {
    info.is_some_and(|i| i.name.eq_ignore_ascii_case("helix"))
}

/// A workspace folder: its session, or why it has none.
#[derive(Clone)]
pub enum Folder {
    Ready(Arc<Session>),
    Failed { root: PathBuf, message: String },
}

pub struct Document {
    pub version: i32,
    pub text: Arc<String>,
}

pub struct State {
    pub client: Client,
    env: Env,
    wire: RwLock<WireSettings>,
    layers: Mutex<SettingsLayers>,
    folders: RwLock<Folders<Folder>>,
    documents: DashMap<Uri, Document>,
    /// Running questions by progress token.
    running: DashMap<String, CancellationToken>,
    /// The last answer's citations, kept on their code as it changes.
    hints: Hints,
    flags: OnceLock<ClientFlags>,
    /// Where the user's keys may go beyond the defaults (see `config::trust`).
    approvals: Arc<Approvals>,
    /// Origins the user was already asked about in this process: asked once, not per folder.
    asked: Mutex<HashSet<String>>,
    /// Cancelled on shutdown: stops every background task.
    shutdown: CancellationToken,
}

impl State {
    pub fn new(client: Client, env: Env) -> State {
        State {
            client,
            approvals: Arc::new(env.approvals()),
            asked: Mutex::new(HashSet::new()),
            env,
            wire: RwLock::new(WireSettings::default()),
            layers: Mutex::new(SettingsLayers::default()),
            folders: RwLock::new(Folders::default()),
            documents: DashMap::new(),
            running: DashMap::new(),
            hints: Hints::default(),
            flags: OnceLock::new(),
            shutdown: CancellationToken::new(),
        }
    }

    pub fn flags(&self) -> ClientFlags {
        self.flags.get().copied().unwrap_or_default()
    }

    /// Whether to open answers with `window/showDocument`.
    pub fn show_documents(&self) -> bool {
        self.flags().show_document
    }

    /// The threads of a session's folder.
    pub fn threads(&self, session: &Session) -> ThreadStore {
        ThreadStore::open(&self.settings().cache_dir, session.root())
    }

    /// `potpie.threads`: the folder's threads, most recent first.
    pub async fn threads_json(&self, uri: Option<&Uri>) -> Result<Value> {
        let session = self.session_for(uri)?;
        let store = self.threads(&session);
        let listed = crate::blocking::run(move || store.list())
            .await
            .unwrap_or_default();
        let infos: Vec<ThreadInfo> = listed
            .into_iter()
            .map(|t| ThreadInfo {
                transcript_uri: super::convert::path_to_uri(&t.transcript),
                thread_id: t.id,
                title: t.title,
                agent: t.agent,
                backend: t.backend,
                updated_at: rfc3339(t.updated_at),
                answers: t.answers,
            })
            .collect();
        Ok(serde_json::to_value(infos).unwrap_or(Value::Null))
    }

    pub fn settings(&self) -> Settings {
        let wire = self.wire.read().map(|w| w.clone()).unwrap_or_default();
        Settings::resolve(&wire, &self.env)
    }

    /// Reads settings, capabilities and folders. Creates sessions (no I/O beyond reading
    /// `.git`); the work starts in `initialized`, once the client accepts notifications.
    pub fn initialize(&self, params: &InitializeParams) {
        let caps = &params.capabilities;
        let flags = ClientFlags {
            work_done_progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            show_document: caps
                .window
                .as_ref()
                .and_then(|w| w.show_document.as_ref())
                .map(|s| s.support)
                .unwrap_or(false)
                || shows_documents_unadvertised(params.client_info.as_ref()),
            related_information: caps
                .text_document
                .as_ref()
                .and_then(|t| t.publish_diagnostics.as_ref())
                .and_then(|p| p.related_information)
                .unwrap_or(false),
            watched_files_dynamic: caps
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
        };
        let _ = self.flags.set(flags);
        if let Some(options) = &params.initialization_options {
            let (wire, warnings) = self.apply_settings(options);
            for w in warnings {
                tracing::warn!("{w}");
            }
            if let Ok(mut g) = self.wire.write() {
                *g = wire;
            }
        }
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| uri_to_path(&f.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(uri_to_path)
        {
            roots.push(root);
        }
        let settings = self.settings();
        if let Ok(mut folders) = self.folders.write() {
            for root in roots {
                let folder = self.make_folder(&root, &settings);
                folders.insert(folder_root(&folder), folder);
            }
        }
    }

    pub async fn initialized(self: Arc<Self>) {
        if self.flags().watched_files_dynamic {
            let registration = Registration {
                id: "potpie-watch-sources".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: Some(serde_json::json!({
                    "watchers": [{ "globPattern": "**/*.{rs,py,pyi,js,jsx,mjs,cjs,ts,tsx,mts,cts,go,java,c,h,cc,cpp,cxx,hpp,hh}" }]
                })),
            };
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(e) = client.register_capability(vec![registration]).await {
                    tracing::debug!("client refused file watchers: {e}");
                }
            });
        }
        for folder in self.folder_list() {
            self.clone().start_folder(folder);
        }
    }

    fn folder_list(&self) -> Vec<Folder> {
        self.folders
            .read()
            .map(|f| f.iter().map(|(_, v)| v.clone()).collect())
            .unwrap_or_default()
    }

    /// Publishes the folder's status and prepares it in the background.
    fn start_folder(self: Arc<Self>, folder: Folder) {
        match folder {
            Folder::Failed { root, message } => {
                let state = self.clone();
                tokio::spawn(async move {
                    let status = failed_status(&state.settings(), &message);
                    state
                        .client
                        .send_notification::<StatusNotification>(status)
                        .await;
                    state
                        .client
                        .show_message(
                            MessageType::ERROR,
                            format!("potpie-lsp ({}): {message}", root.display()),
                        )
                        .await;
                });
            }
            Folder::Ready(session) => {
                for held in session.held_back() {
                    self.clone().ask_approval(held.clone());
                }
                session.mark_preparing();
                tokio::spawn(self.prepare_with_progress(session, false));
            }
        }
    }

    /// Asks the user, once per origin and process, whether a key may go to an origin a
    /// workspace setting names; an approval rebuilds the sessions so that they use it. A client
    /// that cannot ask (Helix 25.07 answers "method not found") is told how to approve.
    fn ask_approval(self: Arc<Self>, held: Untrusted) {
        let (Some(origin), Some(question)) = (
            held.approvable_origin().map(str::to_string),
            held.approval_question(),
        ) else {
            return;
        };
        let first_time = self
            .asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(origin.clone());
        if !first_time {
            return;
        }
        tokio::spawn(async move {
            let actions = ["Once", "Always", "No"]
                .map(|title| MessageActionItem {
                    title: title.into(),
                    properties: Default::default(),
                })
                .to_vec();
            let reply = tokio::select! {
                r = self.client.show_message_request(MessageType::WARNING, question, Some(actions)) => r,
                _ = self.shutdown.cancelled() => return,
            };
            match reply.as_ref().map(|a| a.as_ref().map(|a| a.title.as_str())) {
                Ok(Some("Once")) => self.approvals.approve_once(&origin),
                Ok(Some("Always")) => {
                    if let Err(e) = self.approvals.approve_always(&origin) {
                        self.approvals.approve_once(&origin);
                        self.client
                            .show_message(
                                MessageType::WARNING,
                                format!("potpie-lsp approved {origin} for this session only: the approval could not be saved ({e})."),
                            )
                            .await;
                    }
                }
                Ok(_) => return,
                Err(e) => {
                    tracing::debug!("the client cannot ask for approval: {e}");
                    self.client
                        .show_message(MessageType::WARNING, format!("potpie-lsp: {held}"))
                        .await;
                    return;
                }
            }
            let settings = self.settings();
            self.rebuild_folders(&settings, true);
        });
    }

    /// Runs `prepare` (or, with `refresh`, `reparse`), mirroring every status change as
    /// `potpie/status` and as progress.
    async fn prepare_with_progress(self: Arc<Self>, session: Arc<Session>, refresh: bool) {
        let mut rx = session.subscribe();
        let title = format!(
            "Potpie: parsing {}",
            session.status().repo_name.unwrap_or_else(|| session
                .root()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default())
        );
        let key = format!("potpie-parse-{}", crate::backend::new_answer_id());
        let bar = ProgressBar::begin(
            &self.client,
            self.flags().work_done_progress,
            &key,
            title,
            Some("starting".into()),
            false,
        )
        .await;
        let prepare = async {
            if refresh {
                session.reparse().await
            } else {
                session.prepare().await
            }
        };
        tokio::pin!(prepare);
        let mut last_sent: Option<Status> = None;
        loop {
            tokio::select! {
                _ = &mut prepare => break,
                changed = rx.changed() => {
                    if changed.is_err() { break; }
                    let status = rx.borrow_and_update().clone();
                    if last_sent.as_ref() != Some(&status) {
                        self.client.send_notification::<StatusNotification>(status.clone()).await;
                        if let Some(m) = &status.message { bar.report(m.clone()).await; }
                        last_sent = Some(status);
                    }
                }
                _ = self.shutdown.cancelled() => return,
            }
        }
        let status = session.status();
        if last_sent.as_ref() != Some(&status) {
            self.client
                .send_notification::<StatusNotification>(status.clone())
                .await;
        }
        if status.state == ParseState::Error {
            let message = status
                .message
                .clone()
                .unwrap_or_else(|| "parsing failed".into());
            self.client
                .show_message(MessageType::ERROR, format!("Potpie: {message}"))
                .await;
        } else if let Some(problem) = session.take_problem() {
            self.client
                .show_message(MessageType::WARNING, format!("Potpie: {problem}"))
                .await;
        }
        if status.state.is_usable() {
            // Warm the agent list, so that code actions can offer the user's agents at once.
            let _ = session.agents(false).await;
        }
        bar.end(Some(match status.state {
            ParseState::Error => "failed".to_string(),
            s => format!("{s:?}").to_lowercase(),
        }))
        .await;
    }

    pub fn shut_down(&self) {
        self.shutdown.cancel();
        for entry in self.running.iter() {
            entry.value().cancel();
        }
        for folder in self.folder_list() {
            if let Folder::Ready(s) = folder {
                s.shut_down();
            }
        }
    }

    // ---- documents ----------------------------------------------------------------------

    pub fn set_document(&self, uri: &Uri, version: i32, text: String) {
        let newer = self
            .documents
            .get(uri)
            .map(|d| version >= d.version)
            .unwrap_or(true);
        if newer {
            self.documents.insert(
                uri.clone(),
                Document {
                    version,
                    text: Arc::new(text),
                },
            );
        }
    }

    pub fn close_document(&self, uri: &Uri) {
        self.documents.remove(uri);
    }

    /// A document's text changed in the editor: once typing pauses, its citations are
    /// re-anchored to the new text and republished (off the event loop; a newer change
    /// supersedes this one).
    pub fn document_changed(self: Arc<Self>, uri: Uri, version: i32) {
        if !self.hints.cites(&uri) {
            return;
        }
        tokio::spawn(async move {
            tokio::time::sleep(REANCHOR_PAUSE).await;
            let current = self
                .documents
                .get(&uri)
                .map(|d| (d.version, d.text.clone()));
            let Some((v, text)) = current else { return };
            if v != version {
                return;
            }
            self.reanchor(uri, text).await;
        });
    }

    /// Re-anchors the hints of `uri` to `text` and republishes them when they moved.
    async fn reanchor(self: &Arc<Self>, uri: Uri, text: Arc<String>) {
        let state = self.clone();
        let key = uri.clone();
        let moved = crate::blocking::run(move || {
            let read = |u: &Uri| {
                state
                    .document_text(u)
                    .map(|t| t.to_string())
                    .or_else(|| uri_to_path(u).and_then(|p| std::fs::read_to_string(p).ok()))
            };
            state.hints.reanchor(&key, &text, &read)
        })
        .await
        .ok()
        .flatten();
        if let Some((diagnostics, moved)) = moved {
            self.client
                .publish_diagnostics(uri, diagnostics, None)
                .await;
            self.client.send_notification::<CitationsMoved>(moved).await;
        }
    }

    pub fn document_text(&self, uri: &Uri) -> Option<Arc<String>> {
        self.documents.get(uri).map(|d| d.text.clone())
    }

    /// The text of a document: the open buffer, else the file on disk.
    pub async fn text_of(&self, uri: &Uri) -> Option<Arc<String>> {
        if let Some(t) = self.document_text(uri) {
            return Some(t);
        }
        let path = uri_to_path(uri)?;
        tokio::fs::read(&path)
            .await
            .ok()
            .map(|b| Arc::new(String::from_utf8_lossy(&b).into_owned()))
    }

    /// Files changed on disk (saved, or changed outside the editor): the local index re-reads
    /// them, and citations of them — the published hints and every thread's — follow their
    /// code.
    pub fn files_changed(self: Arc<Self>, uris: Vec<Uri>) {
        let paths: Vec<PathBuf> = uris.iter().filter_map(uri_to_path).collect();
        if paths.is_empty() {
            return;
        }
        for folder in self.folder_list() {
            if let Folder::Ready(session) = folder {
                let paths = paths.clone();
                let store = self.threads(&session);
                tokio::spawn(async move {
                    let root = session.root().to_path_buf();
                    session.files_changed(paths.clone()).await;
                    let _ = crate::blocking::run(move || {
                        for path in paths {
                            let canonical = std::fs::canonicalize(&path).unwrap_or(path);
                            let (Ok(rel), Ok(text)) = (
                                canonical.strip_prefix(&root),
                                std::fs::read_to_string(&canonical),
                            ) else {
                                continue;
                            };
                            let rel = rel.to_string_lossy().replace('\\', "/");
                            store.reanchor(&rel, &text);
                        }
                    })
                    .await;
                });
            }
        }
        for uri in uris {
            if self.hints.cites(&uri) && self.document_text(&uri).is_none() {
                let state = self.clone();
                tokio::spawn(async move {
                    let Some(path) = uri_to_path(&uri) else {
                        return;
                    };
                    if let Ok(text) = tokio::fs::read_to_string(&path).await {
                        state.reanchor(uri, Arc::new(text)).await;
                    }
                });
            }
        }
    }

    // ---- folders and settings -----------------------------------------------------------

    /// The folder a document belongs to (longest root), else the first folder.
    pub fn folder_for(&self, uri: Option<&Uri>) -> Option<Folder> {
        let folders = self.folders.read().ok()?;
        if let Some(path) = uri.and_then(uri_to_path)
            && let Some((_, f)) = folders.route(&path)
        {
            return Some(f.clone());
        }
        folders.iter().next().map(|(_, f)| f.clone())
    }

    /// The agents of the folder of `uri` as cached now (never waits).
    pub fn known_agents(&self, uri: &Uri) -> Option<Vec<crate::backend::AgentInfo>> {
        match self.folder_for(Some(uri))? {
            Folder::Ready(s) => s.known_agents(),
            Folder::Failed { .. } => None,
        }
    }

    pub fn session_for(&self, uri: Option<&Uri>) -> Result<Arc<Session>> {
        match self.folder_for(uri) {
            Some(Folder::Ready(s)) => Ok(s),
            Some(Folder::Failed { message, .. }) => Err(user_error(message)),
            None => Err(user_error(
                "No workspace folder is open: open a folder (or a file inside a project) to ask about it.",
            )),
        }
    }

    fn apply_settings(&self, update: &Value) -> (WireSettings, Vec<String>) {
        match self.layers.lock() {
            Ok(mut layers) => layers.apply(update),
            Err(_) => WireSettings::from_any(update),
        }
    }

    pub async fn configuration_changed(self: Arc<Self>, settings: &Value) {
        let (wire, warnings) = self.apply_settings(settings);
        for w in &warnings {
            self.client
                .show_message(MessageType::WARNING, format!("potpie-lsp: {w}"))
                .await;
        }
        if let Ok(mut g) = self.wire.write() {
            *g = wire;
        }
        let after = self.settings();
        self.rebuild_folders(&after, false);
    }

    /// New sessions for the folders whose session depends on what changed (all of them with
    /// `all`), then prepares them. A session whose settings did not change is left alone: its
    /// Potpie project is not looked up, let alone parsed, again.
    fn rebuild_folders(self: Arc<Self>, settings: &Settings, all: bool) {
        let mut started = Vec::new();
        if let Ok(mut folders) = self.folders.write() {
            let stale: Vec<PathBuf> = folders
                .iter()
                .filter(|(_, f)| match f {
                    Folder::Ready(s) => all || s.needs_rebuild(settings),
                    Folder::Failed { .. } => true,
                })
                .map(|(r, _)| r.to_path_buf())
                .collect();
            for root in stale {
                if let Some(Folder::Ready(old)) = folders.remove(&root) {
                    old.shut_down();
                }
                let folder = self.make_folder(&root, settings);
                folders.insert(folder_root(&folder), folder.clone());
                started.push(folder);
            }
        }
        for folder in started {
            self.clone().start_folder(folder);
        }
    }

    pub async fn folders_changed(self: Arc<Self>, event: WorkspaceFoldersChangeEvent) {
        let settings = self.settings();
        let mut started = Vec::new();
        if let Ok(mut folders) = self.folders.write() {
            for removed in &event.removed {
                if let Some(root) = uri_to_path(&removed.uri) {
                    let root = std::fs::canonicalize(&root).unwrap_or(root);
                    if let Some(Folder::Ready(s)) = folders.remove(&root) {
                        s.shut_down();
                    }
                }
            }
            for added in &event.added {
                if let Some(root) = uri_to_path(&added.uri) {
                    let folder = self.make_folder(&root, &settings);
                    folders.insert(folder_root(&folder), folder.clone());
                    started.push(folder);
                }
            }
        }
        for folder in started {
            self.clone().start_folder(folder);
        }
    }

    /// `potpie.reparse`: a working session re-parses in place (Potpie: a ready graph at the HEAD
    /// commit, see `Session::reparse`); a folder that has no session is built again.
    pub async fn reparse(self: Arc<Self>, uri: Option<&Uri>) -> Result<Value> {
        let targets: Vec<Folder> = match uri {
            Some(_) => self.folder_for(uri).into_iter().collect(),
            None => self.folder_list(),
        };
        if targets.is_empty() {
            return Err(user_error("No workspace folder is open to re-parse."));
        }
        let settings = self.settings();
        let mut first: Option<Status> = None;
        for folder in targets {
            let status = match folder {
                Folder::Ready(session) => {
                    if !session.status().state.is_usable() {
                        session.mark_preparing();
                    }
                    let status = session.status();
                    tokio::spawn(self.clone().prepare_with_progress(session, true));
                    status
                }
                Folder::Failed { root, .. } => {
                    let fresh = self.make_folder(&root, &settings);
                    if let Ok(mut folders) = self.folders.write() {
                        folders.insert(root.clone(), fresh.clone());
                    }
                    let status = match &fresh {
                        Folder::Ready(s) => {
                            let mut st = s.status();
                            st.state = ParseState::Parsing;
                            st
                        }
                        Folder::Failed { message, .. } => failed_status(&settings, message),
                    };
                    self.clone().start_folder(fresh);
                    status
                }
            };
            first.get_or_insert(status);
        }
        Ok(serde_json::to_value(first).unwrap_or(Value::Null))
    }

    pub fn status_json(&self, uri: Option<&Uri>) -> Result<Value> {
        let status = match self.folder_for(uri) {
            Some(Folder::Ready(s)) => s.status(),
            Some(Folder::Failed { message, .. }) => failed_status(&self.settings(), &message),
            None => Status::new(self.settings().effective_backend(), ParseState::Unbound)
                .with_message("no workspace folder is open"),
        };
        Ok(serde_json::to_value(status).unwrap_or(Value::Null))
    }

    // ---- questions and hints ------------------------------------------------------------

    pub fn register_question(&self, key: &str) -> CancellationToken {
        let token = self.shutdown.child_token();
        self.running.insert(key.to_string(), token.clone());
        token
    }

    pub fn finish_question(&self, key: &str) {
        self.running.remove(key);
    }

    pub fn cancel_question(&self, key: &str) {
        if let Some(t) = self.running.get(key) {
            t.cancel();
        }
    }

    /// Publishes an answer's citations as hints, replacing the previous answer's.
    pub async fn show_hints(
        &self,
        answer_id: &str,
        thread_id: &str,
        summary: String,
        answer_uri: Option<Uri>,
        hints: Vec<NewHint>,
    ) {
        let related = self.flags().related_information;
        let by_file = self
            .hints
            .replace(answer_id, thread_id, summary, answer_uri, related, hints);
        for (uri, diags) in by_file {
            self.client.publish_diagnostics(uri, diags, None).await;
        }
    }

    pub async fn clear_hints(&self) {
        for uri in self.hints.clear() {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }
}

/// How long typing must pause before citations are re-anchored to an edited document.
const REANCHOR_PAUSE: std::time::Duration = std::time::Duration::from_millis(150);

fn folder_root(folder: &Folder) -> PathBuf {
    match folder {
        Folder::Ready(s) => s.root().to_path_buf(),
        Folder::Failed { root, .. } => root.clone(),
    }
}

impl State {
    fn make_folder(&self, root: &std::path::Path, settings: &Settings) -> Folder {
        match Session::new(root, settings.clone(), &self.approvals) {
            Ok(s) => Folder::Ready(s),
            Err(e) => Folder::Failed {
                root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
                message: e.to_string(),
            },
        }
    }
}

fn failed_status(settings: &Settings, message: &str) -> Status {
    Status::new(settings.effective_backend(), ParseState::Error).with_message(message)
}
