//! JSON-RPC errors the handlers return, and the guard that keeps a bug in one handler from
//! taking the whole server down.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};

/// A JSON-RPC error whose message is meant for the user.
pub(crate) fn user_error(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::ServerError(-32001),
        message: message.into().into(),
        data: None,
    }
}

pub(crate) fn invalid_params(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: message.into().into(),
        data: None,
    }
}

/// Runs a request handler so that a panic in it (a bug) answers that one request with an
/// internal error, logged, and the server keeps serving; unguarded, it would end the server's
/// task and with it every editor feature.
pub(crate) async fn guarded<T>(what: &str, handler: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!("{what} panicked: {why}");
            Err(Error {
                code: ErrorCode::InternalError,
                message: format!(
                    "potpie-lsp hit a bug in {what} ({why}); the server keeps running. Please report it with the log (POTPIE_LSP_LOG=debug)."
                )
                .into(),
                data: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_is_one_error_not_a_dead_server() {
        let e = guarded("workspace/executeCommand", async {
            if "x".len() == 1 {
                panic!("index out of bounds");
            }
            Ok(1)
        })
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InternalError);
        assert!(e.message.contains("index out of bounds") && e.message.contains("keeps running"));
        assert_eq!(guarded("x", async { Ok(2) }).await.unwrap(), 2);
    }
}
