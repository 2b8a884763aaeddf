//! The embedded backend: index the folder (reusing the cached index), answer from it, and
//! optionally let an OpenAI-compatible model write the prose over the retrieved snippets.

use crate::sync::{LockExt, RwLockExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{AskError, Session};
use crate::config::trust::TrustedUrl;
use crate::config::{LlmSettings, Settings};
use crate::engine::{Building, EngineCitation, Index, IndexStats, LocalAnswer, followup};
use crate::model::{Answer, AskEvent, BackendKind, ParseState, Question, SourceLocation};
use crate::potpie::{ClientOptions, LlmClient};

/// Status updates while indexing are throttled to this rate so that a big repository does
/// not flood the editor with progress notifications.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

pub(super) struct LocalBackend {
    root: PathBuf,
    cache_dir: PathBuf,
    pub(super) index: super::IndexSlot,
    /// The cold build in progress, which answers questions until the index is ready.
    building: std::sync::Mutex<Option<Arc<Building>>>,
    /// The model that writes prose, one client for the session's life; `Err` says why it
    /// cannot be used (shown under each answer).
    llm: Option<Result<LlmClient, String>>,
}

impl LocalBackend {
    /// `llm`: the endpoint the user approved (see `config::trust`), if any.
    pub(super) fn new(
        root: &Path,
        settings: &Settings,
        llm: Option<(LlmSettings, TrustedUrl)>,
    ) -> Self {
        let llm = llm.map(|(llm, url)| {
            LlmClient::new(
                &url,
                &llm.model,
                llm.api_key.clone(),
                ClientOptions::default(),
            )
            .map_err(|e| e.to_string())
        });
        LocalBackend {
            root: root.to_path_buf(),
            cache_dir: settings.index_dir(),
            index: Arc::new(RwLock::new(None)),
            building: std::sync::Mutex::new(None),
            llm,
        }
    }

    pub(super) async fn prepare(&self, session: &Session) {
        let folder = self
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.root.display().to_string());
        session.set_status(|s| {
            s.state = ParseState::Parsing;
            s.repo_name = Some(folder.clone());
            s.message = Some("indexing".into());
        });
        let root = self.root.clone();
        let cache_dir = self.cache_dir.clone();
        let status = session.status_sender();
        let started = Instant::now();
        let building = Arc::new(Building::default());
        *self.building.locked() = Some(building.clone());
        let built = tokio::task::spawn_blocking(move || {
            let last = std::sync::Mutex::new(Instant::now() - PROGRESS_EVERY);
            let progress = |done: usize, total: usize| {
                let mut last = last.locked();
                if done < total && last.elapsed() < PROGRESS_EVERY {
                    return;
                }
                *last = Instant::now();
                status.send_modify(|s| {
                    s.message = Some(format!("indexing {done}/{total} files"));
                    s.indexed = Some(done);
                    s.total = Some(total);
                });
            };
            Index::open_observed(&root, Some(&cache_dir), &progress, &building)
        })
        .await;
        *self.building.locked() = None;
        match built {
            Ok(Ok(index)) => {
                let stats = index.stats();
                *self.index.writing() = Some(index);
                let millis = started.elapsed().as_millis();
                // Nothing is left out silently: files over the size limit are counted.
                let skipped = match stats.too_large {
                    0 => String::new(),
                    n => format!(
                        "; {n} source files over {} MB not indexed",
                        stats.max_file_bytes / (1024 * 1024)
                    ),
                };
                session.set_status(|s| {
                    s.state = ParseState::Ready;
                    s.indexed = None;
                    s.total = None;
                    s.message = Some(format!(
                        "{} files, {} symbols indexed in {millis} ms{skipped}",
                        stats.files, stats.symbols
                    ));
                });
            }
            Ok(Err(e)) => session.set_status(|s| {
                s.state = ParseState::Error;
                s.indexed = None;
                s.total = None;
                s.message = Some(format!(
                    "Could not index {}: {e}. Fix the folder's permissions, then run potpie.reparse.",
                    self.root.display()
                ));
            }),
            Err(e) => session.set_status(|s| {
                s.state = ParseState::Error;
                s.indexed = None;
                s.total = None;
                s.message = Some(format!("Indexing stopped unexpectedly ({e}); run potpie.reparse."));
            }),
        }
    }

    pub(super) fn stats(&self) -> Option<IndexStats> {
        self.index.reading().as_ref().map(Index::stats)
    }

    pub(super) async fn files_changed(&self, paths: Vec<PathBuf>) {
        super::update_index(&self.index, paths, self.cache_dir.clone()).await;
    }

    /// The cold build in progress, if any.
    fn building(&self) -> Option<Arc<Building>> {
        self.building.locked().clone()
    }

    /// Waits until the index is built or a cold build can answer partially, while another task
    /// prepares the folder; `Ok(Some(answer))` is a partial answer.
    async fn partial_or_ready(
        &self,
        session: &Session,
        question: &Question,
        cancel: &CancellationToken,
    ) -> Result<Option<LocalAnswer>, AskError> {
        loop {
            if self.index.read().is_ok_and(|i| i.is_some()) {
                return Ok(None);
            }
            match session.status().state {
                ParseState::Error => {
                    let message = session.status().message;
                    return Err(AskError::NotReady(
                        message.unwrap_or_else(|| "indexing failed".into()),
                    ));
                }
                ParseState::Parsing => {}
                _ => return Ok(None),
            }
            if let Some(b) = self.building().filter(|b| b.progress().is_some()) {
                let text = question.text.clone();
                let partial = crate::blocking::run(move || b.answer(&text));
                return tokio::select! {
                    r = partial => Ok(r.map_err(|e| AskError::Index(e.to_string()))?),
                    _ = cancel.cancelled() => Err(AskError::Cancelled),
                };
            }
            // The walk that finds the files takes a moment on a large folder.
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = cancel.cancelled() => return Err(AskError::Cancelled),
            }
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
        if !crate::agents::LOCAL.iter().any(|a| a.id == question.agent) {
            return Err(AskError::UnknownAgent {
                agent: question.agent,
                valid: crate::agents::LOCAL
                    .iter()
                    .map(|a| a.id.to_string())
                    .collect(),
            });
        }
        if let Some(partial) = self.partial_or_ready(session, &question, &cancel).await? {
            let _ = events.send(AskEvent::Chunk(partial.markdown.clone()));
            return Ok(Answer {
                id: answer_id,
                backend: BackendKind::Local,
                agent: question.agent,
                markdown: partial.markdown,
                citations: self.locations(&partial.citations),
                conversation_id: None,
            });
        }
        let _ = events.send(AskEvent::Activity("Searching the local index".into()));
        let slot = self.index.clone();
        let q = question.clone();
        let retrieved = crate::blocking::run(move || {
            let guard = slot.reading();
            let index = guard
                .as_ref()
                .ok_or_else(|| AskError::NotReady("the local index is not built yet".into()))?;
            // A follow-up that says "it" or "the caller" is about what the thread cited.
            let earlier: Vec<followup::EarlierTurn> = q
                .thread
                .iter()
                .flat_map(|t| &t.earlier)
                .map(|t| followup::EarlierTurn {
                    question: t.question.clone(),
                    citations: t
                        .citations
                        .iter()
                        .map(|c| (c.rel_path.clone(), c.start_line, c.end_line))
                        .collect(),
                })
                .collect();
            let resolved = followup::resolve(index, &q.text, &earlier);
            let text = resolved
                .as_ref()
                .map_or(q.text.as_str(), |(t, _)| t.as_str());
            let answer = index.answer(text, q.selection.as_ref());
            Ok::<(LocalAnswer, Option<String>), AskError>((answer, resolved.map(|(_, n)| n)))
        });
        let (mut local, referent) = tokio::select! {
            r = retrieved => r.map_err(|e| AskError::Index(e.to_string()))??,
            _ = cancel.cancelled() => return Err(AskError::Cancelled),
        };
        if let Some(name) = referent {
            local.markdown = format!("_Following up on `{name}`._\n\n{}", local.markdown);
        }
        let (markdown, cited) = match &self.llm {
            Some(llm) => {
                if let Ok(client) = llm {
                    let _ = events.send(AskEvent::Activity(format!("Asking {}", client.model())));
                }
                tokio::select! {
                    r = super::llm::write_prose(llm, &question.text, &local) => r,
                    _ = cancel.cancelled() => return Err(AskError::Cancelled),
                }
            }
            None => (local.markdown.clone(), local.citations.clone()),
        };
        let _ = events.send(AskEvent::Chunk(markdown.clone()));
        Ok(Answer {
            id: answer_id,
            backend: BackendKind::Local,
            agent: question.agent,
            markdown,
            citations: self.locations(&cited),
            conversation_id: None,
        })
    }

    /// Engine citations as workspace locations; anything that no longer exists is dropped.
    fn locations(&self, cited: &[EngineCitation]) -> Vec<SourceLocation> {
        let mut out: Vec<SourceLocation> = Vec::new();
        for c in cited {
            let path = self.root.join(&c.path);
            if !path.is_file() || c.start_line == 0 || c.end_line < c.start_line {
                continue;
            }
            let loc = SourceLocation {
                path,
                rel_path: c.path.clone(),
                start_line: c.start_line,
                end_line: c.end_line,
            };
            if !out.contains(&loc) {
                out.push(loc);
            }
        }
        out
    }
}
