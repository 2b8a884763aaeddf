//! The optional LLM step of the local backend: the model writes prose over the retrieved
//! snippets, and only citations of snippets it was given survive.

use crate::engine::{self, EngineCitation, LocalAnswer};
use crate::potpie::llm::LlmClient;

/// Returns the Markdown to show and its citations. When the model cannot be reached, or cites
/// nothing it was given, the retrieval answer is returned with a note, so the user still gets
/// an answer with valid citations.
pub(super) async fn write_prose(
    llm: &Result<LlmClient, String>,
    question: &str,
    local: &LocalAnswer,
) -> (String, Vec<EngineCitation>) {
    if local.snippets.is_empty() {
        return (local.markdown.clone(), local.citations.clone());
    }
    let client = match llm {
        Ok(c) => c,
        Err(why) => return with_note(local, why),
    };
    let messages = engine::llm_messages(question, &local.snippets);
    let reply = match client.chat(&messages).await {
        Ok(r) => r,
        Err(e) => return with_note(local, &e.to_string()),
    };
    let cited = engine::llm_citations(&reply, &local.snippets);
    if cited.is_empty() {
        return with_note(local, "the model cited none of the retrieved code");
    }
    let mut markdown = reply.trim_end().to_string();
    markdown.push_str("\n\n### Sources\n\n");
    for c in &cited {
        markdown.push_str(&format!("- `{}:{}-{}`\n", c.path, c.start_line, c.end_line));
    }
    (markdown, cited)
}

fn with_note(local: &LocalAnswer, why: &str) -> (String, Vec<EngineCitation>) {
    let mut markdown = local.markdown.trim_end().to_string();
    markdown.push_str(&format!(
        "\n\n_The configured LLM was not used: {why}. This answer comes from the local index alone._\n"
    ));
    (markdown, local.citations.clone())
}
