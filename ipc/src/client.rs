//! Connecting to a local socket: the one helper every tool and daemon uses.

use std::io;
use std::path::Path;

fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("connecting to {}: {e}", path.display()))
}

/// Connects (blocking); the error names the path.
pub fn connect(path: &Path) -> io::Result<std::os::unix::net::UnixStream> {
    std::os::unix::net::UnixStream::connect(path).map_err(|e| named(path, e))
}

/// Connects (tokio); the error names the path.
pub async fn connect_async(path: &Path) -> io::Result<tokio::net::UnixStream> {
    tokio::net::UnixStream::connect(path)
        .await
        .map_err(|e| named(path, e))
}
