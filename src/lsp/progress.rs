//! Server-created work-done progress, sent as raw `$/progress` notifications so that a
//! client without progress support simply never sees them.

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::notification::Progress as ProgressNotification;
use tower_lsp_server::ls_types::{
    NumberOrString, ProgressParams, ProgressParamsValue, ProgressToken, WorkDoneProgress,
    WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport,
};

/// The key under which a token's question is registered for cancelling.
pub fn token_key(token: &ProgressToken) -> String {
    match token {
        NumberOrString::String(s) => s.clone(),
        NumberOrString::Number(n) => n.to_string(),
    }
}

/// One progress bar. Does nothing when the client cannot show progress or refused the token.
pub struct ProgressBar {
    client: Client,
    token: Option<ProgressToken>,
}

impl ProgressBar {
    /// Creates the token on the client and sends `begin`.
    pub async fn begin(
        client: &Client,
        enabled: bool,
        key: &str,
        title: String,
        message: Option<String>,
        cancellable: bool,
    ) -> ProgressBar {
        let token = NumberOrString::String(key.to_string());
        let created = enabled
            && client
                .create_work_done_progress(token.clone())
                .await
                .is_ok();
        let bar = ProgressBar {
            client: client.clone(),
            token: created.then_some(token),
        };
        bar.send(WorkDoneProgress::Begin(WorkDoneProgressBegin {
            title,
            cancellable: Some(cancellable),
            message,
            percentage: None,
        }))
        .await;
        bar
    }

    pub async fn report(&self, message: String) {
        self.send(WorkDoneProgress::Report(WorkDoneProgressReport {
            cancellable: None,
            message: Some(message),
            percentage: None,
        }))
        .await;
    }

    pub async fn end(self, message: Option<String>) {
        self.send(WorkDoneProgress::End(WorkDoneProgressEnd { message }))
            .await;
    }

    async fn send(&self, value: WorkDoneProgress) {
        if let Some(token) = &self.token {
            self.client
                .send_notification::<ProgressNotification>(ProgressParams {
                    token: token.clone(),
                    value: ProgressParamsValue::WorkDone(value),
                })
                .await;
        }
    }
}
