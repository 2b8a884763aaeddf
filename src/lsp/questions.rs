//! `potpie.ask` / `potpie.explain`: run a question in a spawned task, stream its chunks and
//! activity, and deliver the answer three ways (result, answer file, hints), as a turn of its
//! thread.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;

use super::convert::{self, uri_to_path};
use super::errors::{invalid_params, user_error};
use super::ext::{AnswerChunk, AnswerChunkParams, AnswerResult, AskArgs, ExplainArgs};
use super::hints::NewHint;
use super::progress::ProgressBar;
use super::state::State;
use crate::answers::threads::{Thread, ThreadStore};
use crate::backend::{self, AskError, Session};
use crate::model::{Answer, AskEvent, Question, Selection};

/// How long we wait for the client to open the answer file before carrying on.
const SHOW_DOCUMENT_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn ask(state: Arc<State>, args: AskArgs) -> Result<Value> {
    let session = state.session_for(args.uri.as_ref())?;
    let selection = match (&args.uri, &args.range) {
        (Some(uri), Some(range)) if !is_empty(range) => {
            selection(&state, &session, uri, range).await
        }
        _ => None,
    };
    let thread = follow_up(&state, &session, args.thread_id.as_deref()).await?;
    let agent = agent_for(&state, args.agent, thread.as_ref());
    let question = Question {
        text: args.question,
        agent,
        selection,
        thread: None,
    };
    run(state, session, question, thread).await
}

pub async fn explain(state: Arc<State>, args: ExplainArgs) -> Result<Value> {
    let session = state.session_for(Some(&args.uri))?;
    let selection = selection(&state, &session, &args.uri, &args.range)
        .await
        .ok_or_else(|| {
            invalid_params(
                "potpie.explain needs a range over readable text in a file of the workspace.",
            )
        })?;
    let thread = follow_up(&state, &session, args.thread_id.as_deref()).await?;
    let agent = agent_for(&state, args.agent, thread.as_ref());
    let text = crate::agents::explain_prompt(
        &agent,
        &selection.rel_path,
        selection.start_line,
        selection.end_line,
    );
    let question = Question {
        text,
        agent,
        selection: Some(selection),
        thread: None,
    };
    run(state, session, question, thread).await
}

/// The thread a `threadId` names (`"last"`: the folder's most recent, if any).
async fn follow_up(
    state: &State,
    session: &Session,
    thread_id: Option<&str>,
) -> Result<Option<Thread>> {
    let Some(id) = thread_id.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let store = state.threads(session);
    let id = id.to_string();
    crate::blocking::run(move || store.find(&id))
        .await
        .map_err(|e| user_error(e.to_string()))?
        .map_err(|e| user_error(e.to_string()))
}

/// The agent asked: as given, else the thread's (a follow-up keeps talking to it), else the
/// default.
fn agent_for(state: &State, given: Option<String>, thread: Option<&Thread>) -> String {
    given
        .or_else(|| thread.map(|t| t.agent.clone()))
        .unwrap_or_else(|| state.settings().agent)
}

fn is_empty(range: &Range) -> bool {
    range.start == range.end
}

async fn selection(
    state: &State,
    session: &Session,
    uri: &Uri,
    range: &Range,
) -> Option<Selection> {
    let path = uri_to_path(uri)?;
    let text = state.text_of(uri).await?;
    let selected = convert::slice(&text, range);
    let start_line = range.start.line.min(range.end.line) + 1;
    let mut end_line = range.start.line.max(range.end.line) + 1;
    // A selection that ends at column 0 does not include that line.
    if range.end.character == 0 && range.end.line > range.start.line {
        end_line -= 1;
    }
    let root = session.root();
    let canonical = std::fs::canonicalize(&path).unwrap_or(path.clone());
    let rel_path = canonical
        .strip_prefix(root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| path.display().to_string());
    Some(Selection {
        path,
        rel_path,
        start_line,
        end_line,
        text: selected,
    })
}

/// Removes the question from the running set even when the request future is dropped
/// (`$/cancelRequest`), and cancels its task in that case.
struct RunningGuard {
    state: Arc<State>,
    key: String,
    token: CancellationToken,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.token.cancel();
        self.state.finish_question(&self.key);
    }
}

/// Bytes of answer text gathered into one `potpie/answerChunk` at most.
const MAX_COALESCED_CHUNK: usize = 64 * 1024;

async fn run(
    state: Arc<State>,
    session: Arc<Session>,
    mut question: Question,
    thread: Option<Thread>,
) -> Result<Value> {
    // A Potpie conversation answers with the agent it was created for: a follow-up to
    // another agent starts a conversation of its own (in the same thread).
    question.thread = thread.as_ref().map(|t| {
        let mut ctx = ThreadStore::context(t, session.root());
        if t.agent != question.agent {
            ctx.conversation_id = None;
        }
        ctx
    });
    let answer_id = backend::new_answer_id();
    let key = format!("potpie-answer-{answer_id}");
    let token = state.register_question(&key);
    let _guard = RunningGuard {
        state: state.clone(),
        key: key.clone(),
        token: token.clone(),
    };
    let bar = ProgressBar::begin(
        &state.client,
        state.flags().work_done_progress,
        &key,
        format!("Potpie: {}", question.agent),
        Some("asking".into()),
        true,
    )
    .await;

    let (tx, mut rx) = mpsc::unbounded_channel::<AskEvent>();
    // The question runs in its own task, so that a cancelled request still stops the agent
    // run (the task sees the token and calls /stop) instead of vanishing mid-flight.
    let task = {
        let session = session.clone();
        let question = question.clone();
        let answer_id = answer_id.clone();
        let token = token.clone();
        tokio::spawn(async move { session.ask(question, answer_id, tx, token).await })
    };
    let send_chunk = |delta: String| {
        let params = AnswerChunkParams {
            answer_id: answer_id.clone(),
            delta,
        };
        let client = state.client.clone();
        async move { client.send_notification::<AnswerChunk>(params).await }
    };
    while let Some(event) = rx.recv().await {
        // Chunks that queued up while this task waited for its turn go out as one
        // notification: under load the editor gets fewer, larger messages, and replies to
        // other requests wait behind fewer of them. No chunk is held back to wait for more.
        let mut text = String::new();
        let mut next = Some(event);
        while let Some(event) = next.take() {
            match event {
                AskEvent::Chunk(delta) => {
                    text.push_str(&delta);
                    if text.len() < MAX_COALESCED_CHUNK {
                        next = rx.try_recv().ok();
                    }
                }
                AskEvent::Activity(line) => {
                    if !text.is_empty() {
                        send_chunk(std::mem::take(&mut text)).await;
                    }
                    bar.report(line).await;
                }
            }
        }
        if !text.is_empty() {
            send_chunk(text).await;
        }
    }
    let outcome = match task.await {
        Ok(r) => r,
        Err(e) => Err(AskError::Invalid(format!(
            "the question stopped unexpectedly: {e}"
        ))),
    };
    match outcome {
        Ok(answer) => {
            let result = deliver(&state, &session, &question, &answer, thread).await;
            bar.end(Some(format!("{} citations", answer.citations.len())))
                .await;
            Ok(serde_json::to_value(result).unwrap_or(Value::Null))
        }
        Err(AskError::Interrupted { reason, partial }) => {
            let result = deliver(&state, &session, &question, &partial, thread).await;
            bar.end(Some("interrupted".into())).await;
            let where_ = result
                .answer_uri
                .as_ref()
                .map(|u| format!(" It is saved in {}.", u.as_str()))
                .unwrap_or_default();
            Err(user_error(format!(
                "The answer broke off part-way: {reason}. What arrived so far was kept.{where_}"
            )))
        }
        Err(e) => {
            bar.end(Some(if e.is_cancelled() {
                "cancelled".into()
            } else {
                "failed".into()
            }))
            .await;
            if e.is_cancelled() {
                return Err(Error {
                    code: ErrorCode::RequestCancelled,
                    message: "The question was cancelled.".into(),
                    data: None,
                });
            }
            Err(user_error(e.to_string()))
        }
    }
}

/// Answer file, thread, `window/showDocument`, hints; returns the command result.
async fn deliver(
    state: &Arc<State>,
    session: &Arc<Session>,
    question: &Question,
    answer: &Answer,
    thread: Option<Thread>,
) -> AnswerResult {
    // Delivery settings are read live: changing them never rebuilds a session.
    let settings = state.settings();
    let dir = crate::answers::dir_for(&settings, session.root());
    let store = state.threads(session);
    let follow_up = thread.is_some();
    let delivered = {
        let (session, text, answer) = (session.clone(), question.text.clone(), answer.clone());
        crate::blocking::run(move || {
            let symbol_at = |rel: &str, s: u32, e: u32| session.symbol_at(rel, s, e);
            crate::answers::deliver(Some(&dir), &store, thread, &text, &answer, &symbol_at)
        })
        .await
    };
    let Ok(delivered) = delivered else {
        return AnswerResult {
            answer_id: answer.id.clone(),
            backend: answer.backend,
            agent: answer.agent.clone(),
            markdown: answer.markdown.clone(),
            citations: Vec::new(),
            answer_uri: None,
            thread_id: String::new(),
            transcript_uri: None,
        };
    };
    let answer_uri = match &delivered.answer_file {
        Some(Ok(p)) => convert::path_to_uri(p),
        Some(Err(e)) => {
            state
                .client
                .show_message(MessageType::WARNING, format!("potpie-lsp {e}"))
                .await;
            None
        }
        None => None,
    };
    let (thread_id, transcript_uri) = match &delivered.thread {
        Ok(t) => (
            t.id.clone(),
            convert::path_to_uri(&state.threads(session).transcript_path(&t.id)),
        ),
        Err(e) => {
            tracing::warn!("the thread could not be saved: {e}");
            (String::new(), None)
        }
    };
    let located = locate_citations(delivered.placed, &answer.markdown, &question.text);

    // A follow-up opens the thread's transcript, so the whole conversation is in view
    // (in Helix, the only place an answer shows); a first answer, its answer file.
    let shown = if follow_up {
        transcript_uri.clone()
    } else {
        answer_uri.clone()
    };
    if settings.open_answers
        && let Some(uri) = shown
    {
        open_in_editor(state, uri).await;
    }

    let citations: Vec<Location> = located.iter().map(|(l, _)| l.clone()).collect();
    if settings.hints {
        let summary: String = question
            .text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect();
        let hints = located.into_iter().map(|(_, h)| h).collect();
        state
            .show_hints(&answer.id, &thread_id, summary, answer_uri.clone(), hints)
            .await;
    }

    AnswerResult {
        answer_id: answer.id.clone(),
        backend: answer.backend,
        agent: answer.agent.clone(),
        markdown: answer.markdown.clone(),
        citations,
        answer_uri,
        thread_id,
        transcript_uri,
    }
}

/// Each placed citation as an LSP location and the hint that shows it.
fn locate_citations(
    placed: Vec<crate::answers::Placed>,
    markdown: &str,
    question: &str,
) -> Vec<(Location, NewHint)> {
    placed
        .into_iter()
        .filter_map(|p| {
            let text = p.text.as_deref().map(String::as_str);
            let location = convert::location(&p.location, text)?;
            let message = crate::citations::hint_message(markdown, question, &p.location, text);
            let hint = NewHint {
                uri: location.uri.clone(),
                anchor: p.anchor,
                text: p.text,
                message,
            };
            Some((location, hint))
        })
        .collect()
}

/// Asks the editor to show `uri`, when it is known to handle `window/showDocument`; an editor
/// that never answers does not hold the answer up.
async fn open_in_editor(state: &State, uri: Uri) {
    if !state.show_documents() {
        return;
    }
    let params = ShowDocumentParams {
        uri,
        external: Some(false),
        take_focus: Some(true),
        selection: None,
    };
    match tokio::time::timeout(SHOW_DOCUMENT_TIMEOUT, state.client.show_document(params)).await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => tracing::debug!("client declined to open the answer file"),
        Ok(Err(e)) => tracing::debug!("showDocument failed: {e}"),
        Err(_) => tracing::debug!("showDocument timed out"),
    }
}
