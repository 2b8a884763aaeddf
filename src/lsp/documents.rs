//! Documents: the editor's open text, and what follows it — the local index re-reads saved
//! files, and citations follow their code as it is edited (living citations).

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use super::convert::uri_to_path;
use super::ext::CitationsMoved;
use super::state::{Document, Folder, State};

/// How long typing must pause before citations are re-anchored to an edited document.
const REANCHOR_PAUSE: std::time::Duration = std::time::Duration::from_millis(150);

impl State {
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
                        let changed: Vec<String> = paths
                            .into_iter()
                            .filter_map(|path| {
                                let canonical = std::fs::canonicalize(&path).unwrap_or(path);
                                let rel = canonical.strip_prefix(&root).ok()?;
                                Some(rel.to_string_lossy().replace('\\', "/"))
                            })
                            .collect();
                        store.reanchor_files(&changed, |rel| {
                            std::fs::read_to_string(root.join(rel)).ok()
                        });
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
}
