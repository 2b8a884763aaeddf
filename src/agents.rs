//! The agents questions go to, and the prompts of the actions that name one: one place outside
//! the LSP glue, read by code actions, `potpie.explain`, the CLI and the local engine.

/// An agent as the actions and the local engine know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agent {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

pub const QNA: Agent = Agent {
    id: crate::config::DEFAULT_AGENT,
    name: "Codebase Q&A Agent",
    description: "Answers questions about the codebase",
};

pub const DEBUGGING: Agent = Agent {
    id: "debugging_agent",
    name: "Debugging Agent",
    description: "Finds likely bugs and their causes",
};

pub const UNIT_TEST: Agent = Agent {
    id: "unit_test_agent",
    name: "Unit Test Agent",
    description: "Writes unit tests for the selected code",
};

/// The agents the local engine imitates: each changes what the answer is asked for, not where
/// it comes from.
pub const LOCAL: &[Agent] = &[QNA, DEBUGGING, UNIT_TEST];

/// The question `potpie.explain` asks of `agent` about lines `start..=end` of `rel_path`.
pub fn explain_prompt(agent: &str, rel_path: &str, start: u32, end: u32) -> String {
    match agent {
        id if id == UNIT_TEST.id => {
            format!("Write unit tests for this code from `{rel_path}` (lines {start}-{end}).")
        }
        id if id == DEBUGGING.id => format!(
            "Debug this code from `{rel_path}` (lines {start}-{end}): find likely bugs and their causes."
        ),
        _ => format!(
            "Explain this code from `{rel_path}` (lines {start}-{end}): what it does, how, and how it is used."
        ),
    }
}

/// The code-action title of asking `agent` about a selection, for agents beyond the three
/// built-in actions (a user's custom agents, Potpie's other system agents).
pub fn action_title(name: &str) -> String {
    format!("Potpie: Ask {name} about this")
}
