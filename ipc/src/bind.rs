//! Binding a socket with an explicit mode and group.
//!
//! The socket is bound inside a fresh private (0700) directory next to the final path, given its
//! mode and group there, and only then renamed over the final path: at no moment does a socket
//! with umask-derived permissions exist where clients look for it.

use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// How a socket file is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketSpec {
    /// Permission bits of the socket file (e.g. `0o660`).
    pub mode: u32,
    /// Group owning the socket file (`None`: the daemon's own group).
    pub gid: Option<u32>,
}

impl SocketSpec {
    /// Mode `mode`, group `gid` when known.
    pub fn new(mode: u32, gid: Option<u32>) -> Self {
        SocketSpec { mode, gid }
    }
}

/// Why a socket could not be bound.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BindError {
    /// Another server answers on the path.
    #[error("{}: already running (a server answers on this socket)", path.display())]
    AlreadyRunning {
        /// The socket path.
        path: PathBuf,
    },
    /// A file-system step failed.
    #[error("{}: {what}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

fn io_err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> BindError + 'a {
    move |source| BindError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Binds `path` as `spec` says. A stale socket there is replaced; a live one (a connect
/// succeeds) is [`BindError::AlreadyRunning`]. A missing directory is created mode 0755.
pub fn bind(path: &Path, spec: &SocketSpec) -> Result<UnixListener, BindError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(&dir)
            .map_err(io_err("creating the directory", &dir))?;
    }
    if UnixStream::connect(path).is_ok() {
        return Err(BindError::AlreadyRunning {
            path: path.to_path_buf(),
        });
    }
    let private = dir.join(format!(".ipc-{}-{}", std::process::id(), unique()));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&private)
        .map_err(io_err("creating a private directory", &private))?;
    let result = bind_in(&private, path, spec);
    let _ = std::fs::remove_dir_all(&private);
    result
}

fn bind_in(private: &Path, path: &Path, spec: &SocketSpec) -> Result<UnixListener, BindError> {
    let tmp = private.join("s");
    let listener = UnixListener::bind(&tmp).map_err(io_err("binding", &tmp))?;
    if let Some(gid) = spec.gid {
        std::os::unix::fs::chown(&tmp, None, Some(gid))
            .map_err(io_err("setting the group", &tmp))?;
    }
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(spec.mode))
        .map_err(io_err("setting the mode", &tmp))?;
    // rename(2) replaces a stale socket file atomically.
    std::fs::rename(&tmp, path).map_err(io_err("renaming into place", path))?;
    Ok(listener)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn mode_is_explicit_whatever_the_umask_and_live_sockets_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/x.sock");
        let old = nix::sys::stat::umask(nix::sys::stat::Mode::empty());
        let l = bind(&path, &SocketSpec::new(0o660, None));
        nix::sys::stat::umask(old);
        let l = l.unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o660);
        assert_eq!(
            std::fs::metadata(path.parent().unwrap()).unwrap().mode() & 0o777,
            0o755
        );
        let again = bind(&path, &SocketSpec::new(0o600, None)).unwrap_err();
        assert!(matches!(again, BindError::AlreadyRunning { .. }), "{again}");
        drop(l);
        // Now stale: replaced.
        let _l2 = bind(&path, &SocketSpec::new(0o600, None)).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        UnixStream::connect(&path).unwrap();
        // No private directory is left behind.
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["x.sock"]);
    }
}
