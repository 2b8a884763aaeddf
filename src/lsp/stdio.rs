//! The server's stdin and stdout.
//!
//! Editors start a language server with pipes (Helix, most tools) or socket pairs (VS Code and
//! Neovim, through libuv). tokio's `stdin()`/`stdout()` hand every read and write to a
//! blocking-pool thread; reading and writing them through the runtime's event loop instead saves
//! a thread hop each way per message, which is what the replies to quick requests (code
//! actions) wait for when many answers stream at once. Anything else (a terminal, a file)
//! keeps tokio's `stdin()`/`stdout()`.

use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileTypeExt;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::unix::pipe;

pub type Input = Box<dyn AsyncRead + Unpin + Send>;
pub type Output = Box<dyn AsyncWrite + Unpin + Send>;

/// Must be called within the runtime (pipes and sockets register with its event loop).
pub fn stdio() -> (Input, Output) {
    let input = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(event_loop_input)
        .unwrap_or_else(|_| Box::new(tokio::io::stdin()));
    let output = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(event_loop_output)
        .unwrap_or_else(|_| Box::new(tokio::io::stdout()));
    (input, output)
}

fn event_loop_input(fd: OwnedFd) -> std::io::Result<Input> {
    let file = File::from(fd);
    let kind = file.metadata()?.file_type();
    if kind.is_fifo() {
        Ok(Box::new(pipe::Receiver::from_file(file)?))
    } else if kind.is_socket() {
        Ok(Box::new(socket(file)?))
    } else {
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

fn event_loop_output(fd: OwnedFd) -> std::io::Result<Output> {
    let file = File::from(fd);
    let kind = file.metadata()?.file_type();
    if kind.is_fifo() {
        Ok(Box::new(pipe::Sender::from_file(file)?))
    } else if kind.is_socket() {
        Ok(Box::new(socket(file)?))
    } else {
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

fn socket(file: File) -> std::io::Result<tokio::net::UnixStream> {
    let stream = std::os::unix::net::UnixStream::from(OwnedFd::from(file));
    stream.set_nonblocking(true)?;
    tokio::net::UnixStream::from_std(stream)
}
