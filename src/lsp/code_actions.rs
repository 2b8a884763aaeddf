//! Code actions, computed from the open document and what is cached: they never wait for the
//! network.

use tower_lsp_server::ls_types::*;

use super::convert::utf16_col_to_byte;
use super::ext::{AskArgs, CMD_ASK, CMD_EXPLAIN, ExplainArgs};
use crate::agents;
use crate::backend::AgentInfo;

/// The actions for `params`. `agents` is the folder's agent list when known: the per-agent
/// actions are offered for the agents the user has (all built-in ones while it is unknown),
/// and one more action for each of the user's custom agents.
pub fn actions(
    params: &CodeActionParams,
    text: Option<&str>,
    agents: Option<&[AgentInfo]>,
) -> CodeActionResponse {
    let uri = &params.text_document.uri;
    let range = params.range;
    let mut out = Vec::new();
    let mut push = |title: String, command: &str, args: serde_json::Value| {
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            command: Some(Command {
                title,
                command: command.to_string(),
                arguments: Some(vec![args]),
            }),
            ..CodeAction::default()
        }));
    };
    let explain = |agent: Option<&str>| {
        serde_json::to_value(ExplainArgs {
            uri: uri.clone(),
            range,
            agent: agent.map(str::to_string),
            thread_id: None,
        })
        .unwrap_or_default()
    };
    let ask = |args: AskArgs| serde_json::to_value(args).unwrap_or_default();
    let has = |id: &str| agents.is_none_or(|list| list.iter().any(|a| a.id == id));
    let selected = range.start != range.end;
    if selected {
        push(
            "Potpie: Explain this code".into(),
            CMD_EXPLAIN,
            explain(None),
        );
    }
    let line = text.and_then(|t| t.lines().nth(range.start.line as usize));
    if let Some(question) = line.and_then(comment_question) {
        let line_range = Range::new(
            Position::new(range.start.line, 0),
            Position::new(
                range.start.line,
                line.map(super::convert::utf16_len).unwrap_or(0),
            ),
        );
        push(
            format!("Potpie: Ask \"{question}\""),
            CMD_ASK,
            ask(AskArgs {
                question,
                uri: Some(uri.clone()),
                range: Some(line_range),
                ..AskArgs::default()
            }),
        );
    }
    let is_keyword = |w: &str| crate::keywords::is_keyword(uri.path().as_str(), w);
    if let Some(symbol) = line
        .and_then(|l| identifier_at(l, range.start.character))
        .filter(|w| !is_keyword(w))
    {
        push(
            format!("Potpie: Where is {symbol} used?"),
            CMD_ASK,
            ask(AskArgs {
                question: format!("Where is `{symbol}` used?"),
                uri: Some(uri.clone()),
                ..AskArgs::default()
            }),
        );
    }
    if selected {
        if has(agents::UNIT_TEST.id) {
            push(
                "Potpie: Write unit tests for this".into(),
                CMD_EXPLAIN,
                explain(Some(agents::UNIT_TEST.id)),
            );
        }
        if has(agents::DEBUGGING.id) {
            push(
                "Potpie: Debug this".into(),
                CMD_EXPLAIN,
                explain(Some(agents::DEBUGGING.id)),
            );
        }
        for custom in agents.unwrap_or_default().iter().filter(|a| a.custom) {
            push(
                agents::action_title(&custom.name),
                CMD_EXPLAIN,
                explain(Some(&custom.id)),
            );
        }
    }
    out
}

/// The question of a `potpie:` comment on this line (`// potpie: why?`, `# potpie: …`).
pub fn comment_question(line: &str) -> Option<String> {
    let t = line.trim_start();
    let markers = [
        "///", "//!", "//", "#", "--", "/*", "*", ";;", ";", "<!--", "%",
    ];
    let marker = markers.iter().find(|m| t.starts_with(**m))?;
    let rest = t[marker.len()..].trim_start();
    let head = rest.get(..7)?;
    if !head.eq_ignore_ascii_case("potpie:") {
        return None;
    }
    let q = rest[7..]
        .trim()
        .trim_end_matches("*/")
        .trim_end_matches("-->")
        .trim();
    (!q.is_empty()).then(|| q.chars().take(200).collect())
}

/// The identifier touching a UTF-16 column.
pub fn identifier_at(line: &str, col: u32) -> Option<String> {
    let at = utf16_col_to_byte(line, col);
    let is_id = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let start = line[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_id(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(at);
    let end = line[at..]
        .char_indices()
        .find(|(_, c)| !is_id(*c))
        .map(|(i, _)| at + i)
        .unwrap_or(line.len());
    let word = &line[start..end];
    let first = word.chars().next()?;
    (!first.is_numeric()).then(|| word.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn potpie_comments_in_many_languages() {
        assert_eq!(
            comment_question("    // potpie: why is this slow?").as_deref(),
            Some("why is this slow?")
        );
        assert_eq!(
            comment_question("# Potpie: what calls this").as_deref(),
            Some("what calls this")
        );
        assert_eq!(
            comment_question("/* potpie: explain */").as_deref(),
            Some("explain")
        );
        assert_eq!(comment_question("let potpie = 1; // not a question"), None);
        assert_eq!(comment_question("// potpie:"), None);
    }

    #[test]
    fn identifiers_under_the_cursor() {
        assert_eq!(
            identifier_at("let foo_bar = baz();", 6).as_deref(),
            Some("foo_bar")
        );
        assert_eq!(
            identifier_at("let foo_bar = baz();", 4).as_deref(),
            Some("foo_bar")
        );
        assert_eq!(identifier_at("x = 12;", 5), None);
        assert_eq!(identifier_at("   ", 1), None);
        assert_eq!(identifier_at("é.naïve()", 3).as_deref(), Some("naïve"));
    }

    fn titles(uri: &str, text: &str, line: u32, col: u32) -> Vec<String> {
        let params = CodeActionParams {
            text_document: TextDocumentIdentifier {
                uri: uri.parse().unwrap(),
            },
            range: Range::new(Position::new(line, col), Position::new(line, col)),
            context: CodeActionContext::default(),
            work_done_progress_params: WorkDoneProgressParams::default(),
            partial_result_params: PartialResultParams::default(),
        };
        actions(&params, Some(text), None)
            .into_iter()
            .map(|a| match a {
                CodeActionOrCommand::CodeAction(a) => a.title,
                CodeActionOrCommand::Command(c) => c.title,
            })
            .collect()
    }

    #[test]
    fn where_is_used_only_on_identifiers_never_on_keywords() {
        let py = "from flask import Flask\n";
        assert!(titles("file:///ws/app.py", py, 0, 1).is_empty(), "from");
        assert_eq!(
            titles("file:///ws/app.py", py, 0, 19),
            ["Potpie: Where is Flask used?"]
        );
        let rs = "pub fn serve() {}\n";
        assert!(titles("file:///ws/lib.rs", rs, 0, 5).is_empty(), "fn");
        assert_eq!(
            titles("file:///ws/lib.rs", rs, 0, 8),
            ["Potpie: Where is serve used?"]
        );
        // a word that is a keyword elsewhere is a name in a language without it
        assert_eq!(
            titles("file:///ws/notes.txt", "from here\n", 0, 1),
            ["Potpie: Where is from used?"]
        );
    }
}
