//! The server's stdin and stdout.
//!
//! Editors start a language server with pipes. tokio's `stdin()`/`stdout()` hand every read
//! and write to a blocking-pool thread; reading and writing the pipes through the runtime's
//! event loop instead saves a thread hop each way per message, which is what the replies to
//! quick requests (code actions) wait for when many answers stream at once. Anything but a
//! pipe (a terminal, a file) falls back to tokio's `stdin()`/`stdout()`.

use std::os::fd::AsFd;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::unix::pipe;

pub type Input = Box<dyn AsyncRead + Unpin + Send>;
pub type Output = Box<dyn AsyncWrite + Unpin + Send>;

/// Must be called within the runtime (the pipes register with its event loop).
pub fn stdio() -> (Input, Output) {
    let input: Input = match std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(pipe::Receiver::from_file)
    {
        Ok(pipe) => Box::new(pipe),
        Err(_) => Box::new(tokio::io::stdin()),
    };
    let output: Output = match std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(pipe::Sender::from_file)
    {
        Ok(pipe) => Box::new(pipe),
        Err(_) => Box::new(tokio::io::stdout()),
    };
    (input, output)
}
