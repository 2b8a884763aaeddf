//! Test support: the shared crate (fake Potpie, LSP client) plus what only the integration
//! tests need (a server in the test's own process, the real binary with its output kept).

pub mod reliability;

pub use potpie_test_support::{fake_potpie, read_http_request};

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
