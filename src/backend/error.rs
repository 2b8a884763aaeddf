//! Why a question failed, as one sentence for the user.

use crate::potpie::PotpieError;

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// A failure of the Potpie service or the network; its text already says what to do.
    #[error("{0}")]
    Potpie(#[from] PotpieError),
    #[error("The question was cancelled.")]
    Cancelled,
    #[error("The workspace is not ready for questions: {0}")]
    NotReady(String),
    #[error(
        "The agent returned no answer (the run may have failed on Potpie's side); try again, or ask with another agent."
    )]
    NoAnswer,
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Invalid(String),
    /// The answer broke off part-way; what arrived is kept in `partial`.
    #[error("The answer broke off part-way ({reason}); what arrived so far was kept.")]
    Interrupted {
        reason: String,
        partial: Box<crate::model::Answer>,
    },
    #[error("The local index failed: {0}")]
    Index(String),
    #[error(
        "Potpie has no agent {agent:?}: use one of {} (set potpie.agent, or pass \"agent\").",
        valid.join(", ")
    )]
    UnknownAgent { agent: String, valid: Vec<String> },
    #[error(
        "Potpie could not start a conversation with the agent {agent:?} ({reason}): check that the agent exists (potpie.agents lists them), then ask again."
    )]
    Conversation { agent: String, reason: String },
    #[error("The agent run failed on Potpie's side ({0}); ask again, or ask another agent.")]
    RunFailed(String),
}

impl AskError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, AskError::Cancelled)
    }
}
