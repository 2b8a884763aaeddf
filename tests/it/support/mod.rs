//! Test support: the shared crate (fake Potpie, LSP client) plus what only the integration
//! tests need (a server in the test's own process, the real binary with its output kept).

pub mod reliability;

pub use potpie_test_support::{fake_potpie, read_http_request};

use potpie_lsp::config::Env;
use potpie_lsp::config::trust::{Approvals, Purpose, TrustedUrl, check};

/// The environment of a server in this process: its cache (and config) in `cache`, nothing
/// else taken from the test's own environment.
pub fn env(cache: &std::path::Path) -> Env {
    Env {
        cache_dir: Some(cache.to_path_buf()),
        config_dir: Some(cache.join("config")),
        ..Env::default()
    }
}

/// A URL of a server on this machine, which the trust check lets the key reach.
pub fn loopback(url: &str) -> TrustedUrl {
    check(url, Purpose::Potpie, None, &Approvals::in_memory())
        .unwrap_or_else(|e| panic!("{url} is not a loopback URL: {e}"))
}

pub mod lsp_client {
    pub use potpie_test_support::lsp_client::*;

    use potpie_lsp::config::Env;

    /// A server in this process, over in-memory pipes.
    pub fn in_process(env: Env) -> TestClient {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_io);
        tokio::spawn(potpie_lsp::lsp::serve(server_read, server_write, env));
        let (client_read, client_write) = tokio::io::split(client_io);
        TestClient::over(client_read, client_write)
    }
}
