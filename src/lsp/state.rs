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
use super::errors::user_error;
use super::ext::ThreadInfo;
use super::folders::{failed_status, folder_root};
use super::hints::{Hints, NewHint};
use crate::answers::threads::{ThreadStore, rfc3339};
use crate::backend::Session;
use crate::config::trust::Approvals;
use crate::config::{Env, Settings, SettingsLayers, WireSettings};
use crate::model::{ParseState, Status};
use crate::sync::{LockExt, RwLockExt};
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
    pub(super) env: Env,
    pub(super) wire: RwLock<WireSettings>,
    pub(super) layers: Mutex<SettingsLayers>,
    pub(super) folders: RwLock<Folders<Folder>>,
    pub(super) documents: DashMap<Uri, Document>,
    /// Running questions by progress token.
    pub(super) running: DashMap<String, CancellationToken>,
    /// The last answer's citations, kept on their code as it changes.
    pub(super) hints: Hints,
    pub(super) flags: OnceLock<ClientFlags>,
    /// Where the user's keys may go beyond the defaults (see `config::trust`).
    pub(super) approvals: Arc<Approvals>,
    /// Origins the user was already asked about in this process: asked once, not per folder.
    pub(super) asked: Mutex<HashSet<String>>,
    /// Cancelled on shutdown: stops every background task.
    pub(super) shutdown: CancellationToken,
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
        let wire = self.wire.reading().clone();
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
            {
                let mut g = self.wire.writing();
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
        {
            let mut folders = self.folders.writing();
            for root in roots {
                let folder = self.make_folder(&root, &settings);
                folders.insert(folder_root(&folder), folder);
            }
        }
    }

    pub(super) fn folder_list(&self) -> Vec<Folder> {
        self.folders
            .reading()
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
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

    // ---- folders and settings -----------------------------------------------------------

    /// The folder a document belongs to (longest root), else the first folder.
    pub fn folder_for(&self, uri: Option<&Uri>) -> Option<Folder> {
        let folders = self.folders.reading();
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

    pub(super) fn apply_settings(&self, update: &Value) -> (WireSettings, Vec<String>) {
        self.layers.locked().apply(update)
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

    /// A running question's cancellation token, under its progress token's key: the user's
    /// cancel button (`window/workDoneProgress/cancel`) and shutdown both cancel it, which stops
    /// the backend's work (and its Potpie run). `$/cancelRequest` needs no entry here: it drops
    /// the request's future, and with it the question.
    pub fn register_question(&self, key: &str) -> CancellationToken {
        let token = self.shutdown.child_token();
        self.running.insert(key.to_string(), token.clone());
        token
    }

    /// The question under `key` has ended; a late cancel for it does nothing.
    pub fn finish_question(&self, key: &str) {
        self.running.remove(key);
    }

    /// Cancels the running question whose progress the user cancelled in the editor.
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
