//! A guard in front of tower-lsp-server's reader. Its codec ends the whole input stream after
//! one message it cannot decode (bad header, invalid UTF-8, invalid JSON or not JSON-RPC), so a
//! single malformed frame from a client would stop the server. Here each frame is checked;
//! bad ones are logged and dropped, good ones are passed on unchanged.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};

/// Frames larger than this are skipped (their bytes are read and thrown away).
const MAX_FRAME: usize = 512 << 20;

/// Returns a reader that yields only well-formed JSON-RPC frames of `input`.
pub fn sanitize<R>(input: R) -> impl AsyncRead + Unpin + Send + 'static
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (mut writer, reader) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        let mut input = BufReader::with_capacity(1 << 16, input);
        loop {
            match read_frame(&mut input).await {
                Frame::Eof => break,
                Frame::Skip(why) => tracing::warn!("ignoring a malformed LSP message: {why}"),
                Frame::Ok(body) => {
                    let header = format!("Content-Length: {}\r\n\r\n", body.len());
                    if writer.write_all(header.as_bytes()).await.is_err()
                        || writer.write_all(&body).await.is_err()
                    {
                        break;
                    }
                }
            }
        }
        // Dropping the writer ends the server's input: a closed stdin ends the server.
        let _ = writer.shutdown().await;
    });
    reader
}

enum Frame {
    Ok(Vec<u8>),
    Skip(String),
    Eof,
}

async fn read_frame<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Frame {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        match input.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return Frame::Eof,
            Ok(_) => {}
        }
        if line.len() > 8192 {
            return Frame::Skip("header line too long".into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue; // stray blank line between frames
        }
        saw_header = true;
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
        }
    }
    let Some(length) = length else {
        return Frame::Skip("no valid Content-Length header".into());
    };
    if length > MAX_FRAME {
        let mut rest = input.take(length as u64);
        let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
        return Frame::Skip(format!("a message of {length} bytes is too large"));
    }
    let mut body = vec![0u8; length];
    if input.read_exact(&mut body).await.is_err() {
        return Frame::Eof;
    }
    match check(&body) {
        Ok(()) => Frame::Ok(body),
        Err(why) => Frame::Skip(why),
    }
}

/// Whether a body is a JSON-RPC request, notification or response tower-lsp-server accepts.
fn check(body: &[u8]) -> Result<(), String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON (or not UTF-8): {e}"))?;
    let obj = value.as_object().ok_or("not a JSON object")?;
    if let Some(method) = obj.get("method") {
        if !method.is_string() {
            return Err("\"method\" is not a string".into());
        }
        if let Some(id) = obj.get("id")
            && !(id.is_string() || id.is_i64() || id.is_u64() || id.is_null())
        {
            return Err("\"id\" is neither a number nor a string".into());
        }
        return Ok(());
    }
    if obj.contains_key("id") && (obj.contains_key("result") || obj.contains_key("error")) {
        return Ok(());
    }
    Err("neither a request nor a response".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pass(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut r = sanitize(std::io::Cursor::new(input.to_vec()));
        r.read_to_end(&mut out).await.unwrap();
        out
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[tokio::test]
    async fn malformed_frames_are_dropped_and_the_rest_pass() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let mut input = Vec::new();
        input.extend(frame("{not json").as_bytes());
        input.extend(b"Content-Length: 3\r\n\r\n\xff\xfe\xfd");
        input.extend(frame(r#"{"hello":1}"#).as_bytes());
        input.extend(frame(r#"{"jsonrpc":"2.0","method":7}"#).as_bytes());
        input.extend(b"Content-Type: x\r\n\r\n");
        input.extend(frame(good).as_bytes());
        let out = pass(&input).await;
        assert_eq!(String::from_utf8(out).unwrap(), frame(good));
    }

    #[tokio::test]
    async fn headers_in_any_case_and_extra_headers() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "content-length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{good}",
            good.len()
        );
        assert_eq!(
            String::from_utf8(pass(input.as_bytes()).await).unwrap(),
            frame(good)
        );
    }
}
