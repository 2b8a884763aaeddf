//! The work a workspace folder goes through: a session made for it (with the trust check and,
//! for an origin the user has not approved, the question), prepared with progress, rebuilt
//! when settings that matter change, re-parsed on request.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::convert::uri_to_path;
use super::errors::user_error;
use super::ext::StatusNotification;
use super::progress::ProgressBar;
use super::state::{Folder, State};
use crate::backend::Session;
use crate::config::Settings;
use crate::config::trust::Untrusted;
use crate::model::{ParseState, Status};
use crate::sync::{LockExt, RwLockExt};

impl State {
    pub async fn initialized(self: Arc<Self>) {
        if self.flags().watched_files_dynamic {
            // Every file the engine reads (Ruby's and Erlang's too), so that a change made
            // outside the editor (a `git pull`) reaches the index.
            let extensions: Vec<&str> = crate::backend::source_extensions().collect();
            let glob = format!("**/*.{{{}}}", extensions.join(","));
            let registration = Registration {
                id: "potpie-watch-sources".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: Some(serde_json::json!({
                    "watchers": [{ "globPattern": glob }]
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
        let first_time = self.asked.locked().insert(origin.clone());
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

    pub async fn configuration_changed(self: Arc<Self>, settings: &Value) {
        let (wire, warnings) = self.apply_settings(settings);
        for w in &warnings {
            self.client
                .show_message(MessageType::WARNING, format!("potpie-lsp: {w}"))
                .await;
        }
        {
            let mut g = self.wire.writing();
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
        {
            let mut folders = self.folders.writing();
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
        {
            let mut folders = self.folders.writing();
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
                    {
                        let mut folders = self.folders.writing();
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

    pub(super) fn make_folder(&self, root: &std::path::Path, settings: &Settings) -> Folder {
        match Session::new(root, settings.clone(), &self.approvals) {
            Ok(s) => Folder::Ready(s),
            Err(e) => Folder::Failed {
                root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
                message: e.to_string(),
            },
        }
    }
}

pub(super) fn folder_root(folder: &Folder) -> PathBuf {
    match folder {
        Folder::Ready(s) => s.root().to_path_buf(),
        Folder::Failed { root, .. } => root.clone(),
    }
}

pub(super) fn failed_status(settings: &Settings, message: &str) -> Status {
    Status::new(settings.effective_backend(), ParseState::Error).with_message(message)
}
