//! The LSP glue: the only module that knows LSP types. Handlers are thin: they take a
//! snapshot of the state, hand long work to spawned tasks, and never hold a lock across an
//! `.await`.

mod code_actions;
mod convert;
mod documents;
mod errors;
pub mod ext;
mod folders;
mod framing;
mod hints;
mod progress;
mod questions;
mod state;
pub mod stdio;

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::config::Env;
use errors::{guarded, invalid_params, user_error};
use state::State;

/// How many requests may run at once. Far above the number of questions a user keeps in
/// flight, so that slow questions never starve `$/cancelRequest` or code actions.
pub const CONCURRENCY: usize = 64;

pub struct PotpieServer {
    state: Arc<State>,
}

/// Builds the service (for stdio, or for in-process tests over any byte stream).
pub fn service(env: Env) -> (LspService<PotpieServer>, tower_lsp_server::ClientSocket) {
    LspService::build(move |client: Client| PotpieServer {
        state: Arc::new(State::new(client, env.clone())),
    })
    .custom_method(
        "window/workDoneProgress/cancel",
        PotpieServer::progress_cancel,
    )
    .finish()
}

/// Serves LSP over any pair of byte streams until `exit` or end of input.
pub async fn serve<I, O>(input: I, output: O, env: Env)
where
    I: tokio::io::AsyncRead + Unpin + Send + 'static,
    O: tokio::io::AsyncWrite,
{
    let (service, socket) = service(env);
    let input_closed = tokio_util::sync::CancellationToken::new();
    let server = Server::new(
        framing::sanitize_until_closed(input, input_closed.clone()),
        output,
        socket,
    )
    .concurrency_level(CONCURRENCY)
    .serve(service);
    tokio::pin!(server);
    tokio::select! {
        _ = &mut server => {}
        _ = input_closed.cancelled() => {
            // The client is gone (stdin closed without `exit`). tower-lsp-server would wait for
            // every request still running, so a question in flight kept the process alive for
            // as long as its answer took. Let what is nearly done finish, then drop the rest:
            // dropping a question's request future cancels it (and stops its agent run).
            let _ = tokio::time::timeout(INPUT_CLOSED_GRACE, &mut server).await;
        }
    }
}

/// How long requests still running may take to finish once the client's input has ended.
const INPUT_CLOSED_GRACE: std::time::Duration = std::time::Duration::from_millis(150);

impl PotpieServer {
    async fn progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        let token = progress::token_key(&params.token);
        self.state.cancel_question(&token);
    }
}

impl LanguageServer for PotpieServer {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        self.state.initialize(&params);
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "potpie-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: ext::COMMANDS.iter().map(|c| c.to_string()).collect(),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..ServerCapabilities::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.state.clone().initialized().await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.shut_down();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.state.set_document(&doc.uri, doc.version, doc.text);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        if let Some(change) = params.content_changes.into_iter().last()
            && change.range.is_none()
        {
            let (uri, version) = (params.text_document.uri, params.text_document.version);
            self.state.set_document(&uri, version, change.text);
            self.state.clone().document_changed(uri, version);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.state.close_document(&params.text_document.uri);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.state
            .clone()
            .files_changed(vec![params.text_document.uri]);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.state
            .clone()
            .files_changed(params.changes.into_iter().map(|c| c.uri).collect());
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.state
            .clone()
            .configuration_changed(&params.settings)
            .await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        self.state.clone().folders_changed(params.event).await;
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        guarded("textDocument/codeAction", async {
            self.code_actions(params)
        })
        .await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        guarded("workspace/executeCommand", self.execute(params)).await
    }
}

impl PotpieServer {
    fn code_actions(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = &params.text_document.uri;
        let text = self.state.document_text(uri);
        // The agents as cached now: code actions never wait for the network.
        let agents = self.state.known_agents(uri);
        Ok(Some(code_actions::actions(
            &params,
            text.as_deref().map(String::as_str),
            agents.as_deref(),
        )))
    }

    async fn execute(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        let state = self.state.clone();
        match params.command.as_str() {
            ext::CMD_ASK => {
                let args: ext::AskArgs = first_arg(&params.arguments, ext::CMD_ASK)?;
                if args.question.trim().is_empty() {
                    return Err(invalid_params("potpie.ask needs a non-empty \"question\"."));
                }
                questions::ask(state, args).await.map(Some)
            }
            ext::CMD_EXPLAIN => {
                let args: ext::ExplainArgs = first_arg(&params.arguments, ext::CMD_EXPLAIN)?;
                questions::explain(state, args).await.map(Some)
            }
            ext::CMD_REPARSE => {
                let args = optional_arg::<ext::FolderArgs>(&params.arguments);
                Ok(Some(state.reparse(args.uri.as_ref()).await?))
            }
            ext::CMD_STATUS => {
                let args = optional_arg::<ext::FolderArgs>(&params.arguments);
                Ok(Some(state.status_json(args.uri.as_ref())?))
            }
            ext::CMD_CLEAR_HINTS => {
                state.clear_hints().await;
                Ok(Some(Value::Null))
            }
            ext::CMD_THREADS => {
                let args = optional_arg::<ext::FolderArgs>(&params.arguments);
                Ok(Some(state.threads_json(args.uri.as_ref()).await?))
            }
            ext::CMD_AGENTS => {
                let args = optional_arg::<ext::AgentsArgs>(&params.arguments);
                let session = state.session_for(args.uri.as_ref())?;
                let agents = session
                    .agents(args.refresh)
                    .await
                    .map_err(|e| user_error(e.to_string()))?;
                Ok(Some(serde_json::to_value(agents).unwrap_or(Value::Null)))
            }
            other => Err(invalid_params(format!(
                "Unknown command {other:?}; potpie-lsp offers {}.",
                ext::COMMANDS.join(", ")
            ))),
        }
    }
}

/// The first command argument as `T`, or an error naming what is wrong.
fn first_arg<T: serde::de::DeserializeOwned>(args: &[Value], command: &str) -> Result<T> {
    let first = args
        .first()
        .ok_or_else(|| invalid_params(format!("{command} needs one argument object.")))?;
    serde_json::from_value(first.clone())
        .map_err(|e| invalid_params(format!("Bad argument for {command}: {e}.")))
}

fn optional_arg<T: serde::de::DeserializeOwned + Default>(args: &[Value]) -> T {
    args.first()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}
