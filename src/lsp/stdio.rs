//! The server's stdin and stdout.
//!
//! Editors start a language server with pipes (Helix, most tools) or socket pairs (VS Code and
//! Neovim, through libuv). tokio's `stdin()`/`stdout()` hand every read and write to a
//! blocking-pool thread; reading and writing them through the runtime's event loop instead saves
//! a thread hop each way per message, which is what the replies to quick requests (code
//! actions) wait for when many answers stream at once. Anything else (a terminal, a file)
//! keeps tokio's `stdin()`/`stdout()`, and so does every platform but Unix.

use tokio::io::{AsyncRead, AsyncWrite};

pub type Input = Box<dyn AsyncRead + Unpin + Send>;
pub type Output = Box<dyn AsyncWrite + Unpin + Send>;

#[cfg(not(unix))]
pub fn stdio() -> (Input, Output) {
    (Box::new(tokio::io::stdin()), Box::new(tokio::io::stdout()))
}

#[cfg(unix)]
pub use unix::stdio;

#[cfg(unix)]
mod unix {
    use std::fs::File;
    use std::os::fd::{AsFd, OwnedFd};
    use std::os::unix::fs::FileTypeExt;

    use tokio::net::unix::pipe;

    use super::{Input, Output};

    /// Must be called within the runtime (pipes and sockets register with its event loop).
    pub fn stdio() -> (Input, Output) {
        let input: Input = match endpoint(std::io::stdin()) {
            Ok(Endpoint::Pipe(file)) => {
                pipe::Receiver::from_file(file).map(|p| Box::new(p) as Input)
            }
            Ok(Endpoint::Socket(socket)) => Ok(Box::new(socket) as _),
            Err(e) => Err(e),
        }
        .unwrap_or_else(|_| Box::new(tokio::io::stdin()));
        let output: Output = match endpoint(std::io::stdout()) {
            Ok(Endpoint::Pipe(file)) => {
                pipe::Sender::from_file(file).map(|p| Box::new(p) as Output)
            }
            Ok(Endpoint::Socket(socket)) => Ok(Box::new(socket) as _),
            Err(e) => Err(e),
        }
        .unwrap_or_else(|_| Box::new(tokio::io::stdout()));
        (input, output)
    }

    enum Endpoint {
        Pipe(File),
        Socket(tokio::net::UnixStream),
    }

    /// A duplicate of `fd` the event loop can drive, if it is a pipe or a socket.
    fn endpoint(fd: impl AsFd) -> std::io::Result<Endpoint> {
        let file = File::from(fd.as_fd().try_clone_to_owned()?);
        let kind = file.metadata()?.file_type();
        if kind.is_fifo() {
            Ok(Endpoint::Pipe(file))
        } else if kind.is_socket() {
            let stream = std::os::unix::net::UnixStream::from(OwnedFd::from(file));
            stream.set_nonblocking(true)?;
            Ok(Endpoint::Socket(tokio::net::UnixStream::from_std(stream)?))
        } else {
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }
}
