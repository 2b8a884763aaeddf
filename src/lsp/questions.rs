//! `potpie.ask` / `potpie.explain`: run a question in a spawned task, stream its chunks and
//! activity, and deliver the answer three ways (result, answer file, hints).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;

use super::convert::{self, uri_to_path};
use super::ext::{AnswerChunk, AnswerChunkParams, AnswerResult, AskArgs, ExplainArgs};
use super::progress::ProgressBar;
use super::state::State;
use super::{invalid_params, user_error};
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
    let agent = args.agent.unwrap_or_else(|| state.settings().agent);
    let question = Question {
        text: args.question,
        agent,
        selection,
        thread: None,
    };
    run(state, session, question).await
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
    let agent = args.agent.unwrap_or_else(|| state.settings().agent);
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
    run(state, session, question).await
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

async fn run(state: Arc<State>, session: Arc<Session>, question: Question) -> Result<Value> {
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
            let result = deliver(&state, &session, &question, &answer).await;
            bar.end(Some(format!("{} citations", answer.citations.len())))
                .await;
            Ok(serde_json::to_value(result).unwrap_or(Value::Null))
        }
        Err(AskError::Interrupted { reason, partial }) => {
            let result = deliver(&state, &session, &question, &partial).await;
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

/// Answer file, `window/showDocument`, hints; returns the command result.
async fn deliver(
    state: &State,
    session: &Session,
    question: &Question,
    answer: &Answer,
) -> AnswerResult {
    // Delivery settings are read live: changing them never rebuilds a session.
    let settings = state.settings();
    let root = session.root().to_path_buf();
    let dir = settings
        .answers_dir
        .clone()
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| crate::answers::default_dir(&settings.cache_dir, &root));
    let written = {
        let (dir, root, text, answer) = (
            dir.clone(),
            root.clone(),
            question.text.clone(),
            answer.clone(),
        );
        crate::blocking::run(move || crate::answers::write(&dir, &root, &text, &answer)).await
    };
    let answer_path = match written {
        Ok(Ok(p)) => Some(p),
        Ok(Err(e)) => {
            state
                .client
                .show_message(
                    MessageType::WARNING,
                    format!(
                        "potpie-lsp could not write the answer file in {}: {e}",
                        dir.display()
                    ),
                )
                .await;
            None
        }
        Err(_) => None,
    };
    let answer_uri = answer_path.as_deref().and_then(convert::path_to_uri);

    // Locations with whole-line ranges need each cited file's text.
    let citations = answer.citations.clone();
    let located: Vec<(Location, String)> = crate::blocking::run(move || {
        let mut texts: BTreeMap<std::path::PathBuf, Option<String>> = BTreeMap::new();
        citations
            .iter()
            .filter_map(|c| {
                let text = texts
                    .entry(c.path.clone())
                    .or_insert_with(|| std::fs::read_to_string(&c.path).ok());
                convert::location(c, text.as_deref()).map(|l| (l, c.rel_path.clone()))
            })
            .collect()
    })
    .await
    .unwrap_or_default();

    if settings.open_answers
        && state.flags().show_document
        && let Some(uri) = &answer_uri
    {
        let params = ShowDocumentParams {
            uri: uri.clone(),
            external: Some(false),
            take_focus: Some(true),
            selection: None,
        };
        match tokio::time::timeout(SHOW_DOCUMENT_TIMEOUT, state.client.show_document(params)).await
        {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => tracing::debug!("client declined to open the answer file"),
            Ok(Err(e)) => tracing::debug!("showDocument failed: {e}"),
            Err(_) => tracing::debug!("showDocument timed out"),
        }
    }

    if settings.hints {
        let summary: String = question
            .text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect();
        let mut by_file: BTreeMap<String, (Uri, Vec<Diagnostic>)> = BTreeMap::new();
        for (i, (loc, _)) in located.iter().enumerate() {
            let related = (state.flags().related_information)
                .then(|| answer_uri.clone())
                .flatten()
                .map(|u| {
                    vec![DiagnosticRelatedInformation {
                        location: Location::new(u, Range::default()),
                        message: "the answer citing this code".into(),
                    }]
                });
            let diag = Diagnostic {
                range: loc.range,
                severity: Some(DiagnosticSeverity::HINT),
                source: Some("potpie".into()),
                message: format!("Potpie citation {} for: {summary}", i + 1),
                related_information: related,
                ..Diagnostic::default()
            };
            by_file
                .entry(loc.uri.as_str().to_string())
                .or_insert_with(|| (loc.uri.clone(), Vec::new()))
                .1
                .push(diag);
        }
        state.publish_hints(by_file.into_values().collect()).await;
    }

    AnswerResult {
        answer_id: answer.id.clone(),
        backend: answer.backend,
        agent: answer.agent.clone(),
        markdown: answer.markdown.clone(),
        citations: located.into_iter().map(|(l, _)| l).collect(),
        answer_uri,
    }
}
