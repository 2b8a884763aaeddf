//! Logs go to stderr only (stdout carries the LSP protocol), filtered by `POTPIE_LSP_LOG`
//! (e.g. `debug`, `potpie_lsp=trace`). No log line ever contains the API key: the key type
//! cannot print itself.

use tracing_subscriber::EnvFilter;

pub fn init(default_filter: &str) {
    let filter = std::env::var("POTPIE_LSP_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(true)
        .try_init();
}
