//! What potpie-lsp's tests, benchmarks and examples share: a fake Potpie server on 127.0.0.1
//! that behaves like the real one (`fake_potpie`), and an LSP client that drives the server
//! over any byte streams (`lsp_client`). It knows nothing of potpie-lsp's internals, so every
//! test through it is a black-box test of the protocol the editors see.

pub mod fake_potpie;
pub mod lsp_client;

/// Reads one HTTP/1.1 request (its head and a `content-length` body) from a stub server's
/// socket, as text.
pub async fn read_http_request(sock: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    while let Ok(n) = sock.read(&mut tmp).await {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .and_then(|v| v.trim().parse::<usize>().ok())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}
