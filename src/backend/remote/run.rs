//! One question's run: send the message under our `session_id`, read the stream, re-attach
//! once when the connection breaks, stop the run when its answer cannot be read to the end,
//! and turn stream objects into answer text and progress lines.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{BANNER_PREFIX, RemoteBackend};
use crate::backend::AskError;
use crate::model::AskEvent;
use crate::potpie::{
    ChatChunk, FROM_START, MessageRequest, PotpieError, RunRef, TimeoutPhase, ToolCall,
};

impl RemoteBackend {
    /// Sends the message as run `run_id` and reads its answer. A connection that breaks
    /// mid-answer is re-attached to once (the run goes on without it); a run whose answer
    /// cannot be read to its end is stopped, so it does not go on costing the user.
    pub(super) async fn run(
        &self,
        conversation: &str,
        request: &MessageRequest,
        run_id: &str,
        events: &mpsc::UnboundedSender<AskEvent>,
        cancel: &CancellationToken,
    ) -> Result<RunOutcome, AskError> {
        let start = RunRef {
            session_id: Some(run_id),
            cursor: None,
        };
        let mut stream = tokio::select! {
            s = self.client.send_message_stream(conversation, request, start) => s?,
            _ = cancel.cancelled() => {
                self.stop_in_background(conversation, run_id);
                return Err(AskError::Cancelled);
            }
        };
        let mut out = RunOutcome::default();
        let mut reader = ChunkReader::default();
        // Objects read from the current connection, and how many of its first ones repeat
        // what was already read (a re-attach replays from the start).
        let mut seen = 0usize;
        let mut skip = 0usize;
        let mut resumed = false;
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                _ = cancel.cancelled() => {
                    self.stop_in_background(conversation, run_id);
                    return Err(AskError::Cancelled);
                }
            };
            let item = match next {
                None if skip > 0 => {
                    // The replay ended short: the run is gone (stopped or expired).
                    out.broken.get_or_insert(PotpieError::ConnectionLost {
                        service: crate::potpie::Service::Potpie,
                        reason: "the answer could not be re-attached to".into(),
                    });
                    break;
                }
                None => break,
                Some(item) => item,
            };
            let broken = match item {
                Ok(_) | Err(PotpieError::BadJson { .. } | PotpieError::BodyTooLarge { .. }) => {
                    seen += 1;
                    if skip > 0 {
                        skip -= 1;
                        continue;
                    }
                    match item {
                        Ok(chunk) => {
                            if reader.take(chunk, &mut out, events) {
                                break;
                            }
                        }
                        Err(e) => {
                            // One unreadable object: the decoder resynchronises; keep the rest.
                            tracing::warn!("skipping an unreadable part of the answer stream: {e}");
                            out.unreadable.get_or_insert_with(|| e.to_string());
                        }
                    }
                    continue;
                }
                Err(e) => e,
            };
            // A stall is the run being silent, not the connection: re-attaching would only
            // wait again.
            let stalled = matches!(
                broken,
                PotpieError::Timeout {
                    phase: TimeoutPhase::Stalled,
                    ..
                }
            );
            if resumed || stalled {
                out.broken = Some(broken);
                break;
            }
            resumed = true;
            tracing::info!("the answer stream broke ({broken}); re-attaching to the run");
            let _ = events.send(AskEvent::Activity(
                "The connection broke; re-attaching to the answer".into(),
            ));
            let again = RunRef {
                session_id: Some(run_id),
                cursor: Some(FROM_START),
            };
            match tokio::select! {
                s = self.client.send_message_stream(conversation, request, again) => s,
                _ = cancel.cancelled() => {
                    self.stop_in_background(conversation, run_id);
                    return Err(AskError::Cancelled);
                }
            } {
                Ok(s) => {
                    stream = s;
                    skip = seen;
                    seen = 0;
                }
                Err(e) => {
                    out.broken = Some(PotpieError::ConnectionLost {
                        service: crate::potpie::Service::Potpie,
                        reason: format!("{broken}; re-attaching to the answer failed: {e}"),
                    });
                    break;
                }
            }
        }
        stream.close();
        if out.broken.is_some() {
            self.stop_in_background(conversation, run_id);
        }
        Ok(out)
    }
}

/// What one run's stream brought.
#[derive(Default)]
pub(super) struct RunOutcome {
    pub(super) markdown: String,
    pub(super) listed: Vec<String>,
    pub(super) unreadable: Option<String>,
    /// The connection broke (and re-attaching did not help) or went silent too long.
    pub(super) broken: Option<PotpieError>,
    /// The server's error frame said the run failed.
    pub(super) failed: Option<String>,
}

/// Turns stream objects into answer text and progress lines.
#[derive(Default)]
struct ChunkReader {
    /// Tool events already shown, by call id and kind (previews repeat the call).
    shown: std::collections::HashSet<(String, String)>,
    last_line: String,
}

impl ChunkReader {
    /// Takes one object; `true` when it ends the run (an error frame).
    fn take(
        &mut self,
        chunk: ChatChunk,
        out: &mut RunOutcome,
        events: &mpsc::UnboundedSender<AskEvent>,
    ) -> bool {
        if chunk.is_error_frame() {
            out.failed = Some(chunk.message.trim().to_string());
            return true;
        }
        for call in &chunk.tool_calls {
            if let Some(line) = self.activity_line(call) {
                self.report(line, events);
            }
        }
        if let Some(thinking) = chunk.thinking.as_deref().map(str::trim)
            && !thinking.is_empty()
        {
            let first: String = thinking
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect();
            self.report(format!("Thinking: {first}"), events);
        }
        for c in chunk.citations {
            if !out.listed.contains(&c) {
                out.listed.push(c);
            }
        }
        let mut text = chunk.message;
        if out.markdown.is_empty()
            && let Some(rest) = text.strip_prefix(BANNER_PREFIX)
        {
            // The banner goes to progress; whatever follows it in the same delta is answer.
            let end = rest.find("...").map(|i| i + 3).unwrap_or(rest.len());
            let banner = format!("{BANNER_PREFIX}{}", &rest[..end]);
            text = rest[end..].trim_start().to_string();
            self.report(
                banner.trim_start_matches('\u{23f3}').trim().to_string(),
                events,
            );
        }
        if !text.is_empty() {
            out.markdown.push_str(&text);
            let _ = events.send(AskEvent::Chunk(text));
        }
        false
    }

    fn report(&mut self, line: String, events: &mpsc::UnboundedSender<AskEvent>) {
        if line != self.last_line {
            self.last_line = line.clone();
            let _ = events.send(AskEvent::Activity(line));
        }
    }

    /// The progress line of a tool event, once per call and kind: the call's status line
    /// with its summary, a delegation's summary; argument deltas and previews say nothing new.
    fn activity_line(&mut self, call: &ToolCall) -> Option<String> {
        if call.event_type == "tool_call_request_delta" || call.is_complete == Some(false) {
            return None;
        }
        if !call.call_id.is_empty()
            && !self
                .shown
                .insert((call.call_id.clone(), call.event_type.clone()))
        {
            return None;
        }
        let response = call.tool_response.trim();
        let summary = call.summary().map(str::trim).unwrap_or_default();
        let line = match call.event_type.as_str() {
            "delegation_call" if !summary.is_empty() => format!("Delegating: {summary}"),
            "delegation_result" => return None,
            "result" if response.is_empty() => return None,
            _ if response.is_empty() => summary.to_string(),
            _ if !summary.is_empty() && summary != response => format!("{response} — {summary}"),
            _ => response.to_string(),
        };
        (!line.is_empty()).then(|| line.chars().take(200).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_frame_ends_the_run_with_its_message() {
        // Newer servers send this frame instead of just closing the body (CR:31-47 today).
        let (tx, _rx) = mpsc::unbounded_channel();
        let frame: ChatChunk = serde_json::from_value(serde_json::json!({
            "event": "error", "status": "error", "message": "An internal error occurred.",
            "citations": [], "tool_calls": [], "thinking": null, "run_id": "r"
        }))
        .unwrap();
        let mut out = RunOutcome::default();
        assert!(ChunkReader::default().take(frame, &mut out, &tx));
        assert_eq!(out.failed.as_deref(), Some("An internal error occurred."));
        assert!(out.markdown.is_empty(), "the error is not answer text");
    }

    #[test]
    fn tool_events_become_one_line_per_call() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut reader = ChunkReader::default();
        let mut out = RunOutcome::default();
        let event = |id: &str, kind: &str, text: &str, complete: bool| ToolCall {
            call_id: id.into(),
            event_type: kind.into(),
            tool_name: "fetch_file".into(),
            tool_response: text.into(),
            tool_call_details: serde_json::json!({"summary": "Reading file: a.rs"}),
            is_complete: Some(complete),
            ..ToolCall::default()
        };
        let chunk = ChatChunk {
            message: format!("{BANNER_PREFIX}, please wait...The answer"),
            tool_calls: vec![
                event("t1", "tool_call_request_delta", "", false),
                event("t1", "call", "Reading file: a.rs", false),
                event("t1", "call", "Reading file: a.rs", true),
                event("t1", "call", "Reading file: a.rs", true),
                event("t1", "result", "Read a.rs", true),
            ],
            thinking: Some("First find the file.\nThen read it.".into()),
            ..ChatChunk::default()
        };
        assert!(!reader.take(chunk, &mut out, &tx));
        drop(tx);
        let mut got = Vec::new();
        while let Ok(e) = rx.try_recv() {
            got.push(e);
        }
        assert_eq!(
            got,
            vec![
                AskEvent::Activity("Reading file: a.rs".into()),
                AskEvent::Activity("Read a.rs — Reading file: a.rs".into()),
                AskEvent::Activity("Thinking: First find the file.".into()),
                AskEvent::Activity("Setting up repository workspace, please wait...".into()),
                AskEvent::Chunk("The answer".into()),
            ]
        );
        assert_eq!(out.markdown, "The answer");
    }
}
