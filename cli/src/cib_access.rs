//! How the status and attribute tools reach the CIB.
//!
//! The tools (`crm_mon`, `crm_attribute`, `crm_node`, ...) only ever read the whole CIB and
//! replace it with an edited copy, so the seam is two calls. Two backends: the file named by
//! `$CIB_file` ([`FileCib`]) and the running cluster through the local crmd's CIB socket
//! ([`LiveCib`]), which sends the edit as a v2 patch that the DC applies to the current CIB.

use crate::exit::ExitCode;
use cib::xml::Element;
use cib::{format, store, CibVersion, Document};
use std::path::{Path, PathBuf};

/// Why the CIB could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No backend: `$CIB_file` is unset and the live connection does not exist yet.
    #[error("Could not connect to the CIB: Transport endpoint is not connected")]
    NotConnected,
    /// The CIB file could not be read.
    #[error("Could not connect to the CIB: No such device or address ({path}: {source})")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CIB file is not well-formed XML with a `<cib>` root.
    #[error("Could not connect to the CIB: {path} is not a valid CIB: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The CIB changed between the query and the commit.
    #[error("Update was older than existing configuration (the CIB changed since it was read)")]
    Conflict,
    /// The cluster refused the change (or the request).
    #[error("{message}")]
    Refused {
        /// Pacemaker exit code from the cluster.
        code: i32,
        /// The cluster's reason.
        message: String,
    },
    /// The new CIB could not be written.
    #[error("could not write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl AccessError {
    /// Pacemaker's exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            AccessError::NotConnected => ExitCode::Disconnect,
            AccessError::Read { .. } => ExitCode::NoSuch,
            AccessError::Parse { .. } => ExitCode::Config,
            AccessError::Conflict => ExitCode::Old,
            AccessError::Write { .. } => ExitCode::CantCreat,
            AccessError::Refused { code, .. } => ExitCode::from_code(*code),
        }
    }
}

/// Read and replace the whole CIB.
pub trait CibAccess {
    /// The whole current CIB.
    fn query(&mut self) -> Result<Element, AccessError>;
    /// Replace the CIB with `new`, computed from `base` (a previous query); the implementation
    /// bumps versions (epoch for configuration changes, num_updates for status-only) and
    /// refuses if the CIB changed since `base`.
    fn commit(&mut self, base: &Element, new: Element) -> Result<(), AccessError>;
    /// Forget the operation history and fail counts of `rsc` (every resource when empty) on
    /// `node` (every node when empty), so the cluster probes it again.
    fn cleanup(&mut self, rsc: &str, node: &str) -> Result<(), AccessError>;
}

/// The CIB in a file (`$CIB_file`), as Pacemaker's file backend keeps it.
///
/// Writers are serialised by an exclusive `flock` on a sibling lock file ([`lock_cib_file`]),
/// taken at the first query and held until the commit's rename: two tools editing the same file
/// at once each see the other's change, so no acknowledged write is lost.
#[derive(Debug)]
pub struct FileCib {
    path: PathBuf,
    lock: Option<CibFileLock>,
    /// Readers (`crm_mon`, `crm_node`) do not lock at query: they may not be allowed to create
    /// the lock file, and a snapshot is all they need.
    lock_on_query: bool,
}

/// An exclusive hold on a CIB file, released when dropped.
pub type CibFileLock = nix::fcntl::Flock<std::fs::File>;

/// The lock file beside `path`: `path` itself is replaced by rename on every write, so a lock
/// on it would be on an inode the next writer never opens.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Waits for and takes the exclusive lock of the CIB file `path`.
pub fn lock_cib_file(path: &Path) -> std::io::Result<CibFileLock> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(store::FILE_MODE)
        .open(lock_path(path))?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, errno)| std::io::Error::from(errno))
}

impl FileCib {
    /// A backend on `path`; nothing is read until [`CibAccess::query`].
    pub fn new(path: impl Into<PathBuf>) -> FileCib {
        FileCib {
            path: path.into(),
            lock: None,
            lock_on_query: true,
        }
    }

    /// A backend on `path` for a tool that only reads.
    pub fn reader(path: impl Into<PathBuf>) -> FileCib {
        FileCib {
            lock_on_query: false,
            ..FileCib::new(path)
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn hold_lock(&mut self) -> Result<(), AccessError> {
        if self.lock.is_none() {
            self.lock = Some(
                lock_cib_file(&self.path).map_err(|source| AccessError::Write {
                    path: lock_path(&self.path),
                    source,
                })?,
            );
        }
        Ok(())
    }

    fn load(&self) -> Result<Document, AccessError> {
        let bytes = std::fs::read(&self.path).map_err(|source| AccessError::Read {
            path: self.path.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| AccessError::Parse {
            path: self.path.clone(),
            message: "not UTF-8".into(),
        })?;
        let doc = Document::parse(&text).map_err(|e| AccessError::Parse {
            path: self.path.clone(),
            message: format!("line {}: {}", e.line, e.message),
        })?;
        if doc.root.name != "cib" {
            return Err(AccessError::Parse {
                path: self.path.clone(),
                message: format!("root element is <{}>, not <cib>", doc.root.name),
            });
        }
        Ok(doc)
    }
}

impl CibAccess for FileCib {
    fn query(&mut self) -> Result<Element, AccessError> {
        if self.lock_on_query {
            self.hold_lock()?;
        }
        Ok(self.load()?.root)
    }

    fn cleanup(&mut self, rsc: &str, node: &str) -> Result<(), AccessError> {
        let base = self.query()?;
        let mut new = base.clone();
        if crmd::status::cleanup(&mut new, node, rsc) {
            self.commit(&base, new)?;
        }
        Ok(())
    }

    fn commit(&mut self, base: &Element, mut new: Element) -> Result<(), AccessError> {
        self.hold_lock()?;
        // Whatever happens next, the file is free again afterwards.
        let _held = self.lock.take();
        let current = self.load()?;
        if CibVersion::from_element(&current.root) != CibVersion::from_element(base) {
            return Err(AccessError::Conflict);
        }
        if !cib::edit::bump_for_change(base, &mut new) {
            return Ok(());
        }
        // The invoking user, as the daemon records a client's (Pacemaker's update-user).
        let host = nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default();
        crmd::writer::Writer::local(
            &host,
            crmd::proto::program_name().as_deref(),
            nix::unistd::geteuid().as_raw(),
        )
        .stamp(&mut new);
        cib::limits::check_result(&current.root, &new).map_err(|e| AccessError::Refused {
            code: ExitCode::DataErr.code().into(),
            message: format!("Update refused: {e}"),
        })?;
        let text = format::document_to_string(&Document {
            prolog: current.prolog,
            root: new,
        });
        store::write_atomic(&self.path, text.as_bytes()).map_err(|source| AccessError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// The running cluster, through the local crmd ([`crmd::proto`]).
#[derive(Debug)]
pub struct LiveCib {
    client: crmd::proto::CibClient,
}

impl LiveCib {
    /// Connects to the local crmd (`$CIB_SOCKET`, else `$HA_RUNDIR/cib.sock`).
    pub fn connect() -> Result<LiveCib, AccessError> {
        crmd::proto::CibClient::connect_default()
            .map(|client| LiveCib { client })
            .map_err(|_| AccessError::NotConnected)
    }

    /// The connection, for requests beyond query and commit (cleanup, cluster info).
    pub fn client(&mut self) -> &mut crmd::proto::CibClient {
        &mut self.client
    }
}

fn live_error(e: crmd::proto::ClientError) -> AccessError {
    match e {
        crmd::proto::ClientError::Refused { rc, message } => {
            AccessError::Refused { code: rc, message }
        }
        _ => AccessError::NotConnected,
    }
}

impl CibAccess for LiveCib {
    fn query(&mut self) -> Result<Element, AccessError> {
        let text = self.client.query().map_err(live_error)?;
        cib::xml::parse_element(&text).map_err(|e| AccessError::Parse {
            path: PathBuf::from("(live CIB)"),
            message: e.to_string(),
        })
    }

    fn cleanup(&mut self, rsc: &str, node: &str) -> Result<(), AccessError> {
        self.client
            .call(crmd::proto::RequestBody::Cleanup {
                rsc: rsc.to_string(),
                node: node.to_string(),
            })
            .map(|_| ())
            .map_err(live_error)
    }

    fn commit(&mut self, base: &Element, new: Element) -> Result<(), AccessError> {
        if *base == new {
            return Ok(());
        }
        let patch = cib::patch::diff(base, &new);
        self.client
            .patch(patch.to_xml_compact())
            .map_err(live_error)
    }
}

/// The backend the environment selects: `$CIB_file` set -> [`FileCib`]; otherwise the live
/// cluster through the local crmd ([`LiveCib`]).
pub fn from_env() -> Result<Box<dyn CibAccess>, AccessError> {
    match std::env::var_os("CIB_file") {
        Some(path) if !path.is_empty() => Ok(Box::new(FileCib::new(path))),
        _ => Ok(Box::new(LiveCib::connect()?)),
    }
}

/// As [`from_env`], for a tool that only reads: a `$CIB_file` is read without locking it.
pub fn reader_from_env() -> Result<Box<dyn CibAccess>, AccessError> {
    match std::env::var_os("CIB_file") {
        Some(path) if !path.is_empty() => Ok(Box::new(FileCib::reader(path))),
        _ => Ok(Box::new(LiveCib::connect()?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_bumps_epoch_and_refuses_stale_base() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cib.xml");
        std::fs::write(
            &path,
            r#"<cib epoch="3" num_updates="2" admin_epoch="0"><configuration><crm_config/></configuration><status/></cib>"#,
        )
        .expect("write");
        let mut f = FileCib::new(&path);
        let base = f.query().expect("query");
        let mut new = base.clone();
        new.child_mut("configuration")
            .expect("configuration")
            .child_or_insert("nodes");
        f.commit(&base, new.clone()).expect("commit");
        let after = f.query().expect("query");
        assert_eq!(after.attr("epoch"), Some("4"));
        assert_eq!(after.attr("num_updates"), Some("0"));
        assert!(matches!(f.commit(&base, new), Err(AccessError::Conflict)));
    }
}
