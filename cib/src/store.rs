//! The on-disk CIB: a directory laid out like Pacemaker's `/var/lib/pacemaker/cib`.
//!
//! | file | content |
//! |---|---|
//! | `cib.xml` | the configuration (the `<status>` section is never written) |
//! | `cib.xml.sig` | its [digest](crate::digest) (32 hex digits, no newline) |
//! | `cib-N.raw`, `cib-N.raw.sig` | the previous versions, N counting up, the oldest pruned |
//! | `cib.last` | the N of the newest backup |
//! | `cib.lock` | `flock`ed by writers and readers |
//!
//! Every file is written atomically: a temporary file in the same directory, `fsync`, `rename`,
//! `fsync` of the directory. The content and its signature are two files, so a save first
//! stages both (`cib.xml.new`, `cib.xml.sig.new`), then renames the content, then the signature.
//! A crash between the two renames leaves a `cib.xml` matching `cib.xml.sig.new`; [`CibStore::load`]
//! recognises that and completes the rename. Any other mismatch is reported as
//! [`StoreError::DigestMismatch`] and the file is never used, so a load always yields either the
//! version before an interrupted save or the one after it.
//!
//! Startup recovery: [`CibStore::load_or_backup`] (what the daemons call) falls back to the
//! newest backup whose signature matches when `cib.xml` is damaged, hand-edited or unreadable,
//! logging why, and fails only when no copy is usable, as Pacemaker's CIB manager does.

use crate::digest::digest;
use crate::{Document, Element, Node, XmlError};
use nix::fcntl::{Flock, FlockArg};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The content file.
pub const CIB_FILE: &str = "cib.xml";
const SIG_FILE: &str = "cib.xml.sig";
const STAGED_FILE: &str = "cib.xml.new";
const STAGED_SIG: &str = "cib.xml.sig.new";
const LAST_FILE: &str = "cib.last";
const LOCK_FILE: &str = "cib.lock";

/// A failure to read or write the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// A file is not well-formed XML.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why parsing failed.
        source: XmlError,
    },
    /// A file's content does not match its signature: it is damaged and was not used.
    #[error("{path}: digest mismatch (signature {expected}, content {actual})")]
    DigestMismatch {
        /// The file.
        path: PathBuf,
        /// The digest in the `.sig` file.
        expected: String,
        /// The digest of the content.
        actual: String,
    },
    /// A content file has no signature next to it.
    #[error("{path}: signature file missing")]
    MissingSignature {
        /// The content file.
        path: PathBuf,
    },
    /// `cib.xml` is unusable and so is every backup.
    #[error("{primary}; no backup is usable either ({backups} tried)")]
    NoUsableCopy {
        /// Why `cib.xml` could not be used.
        primary: Box<StoreError>,
        /// How many backups were tried.
        backups: usize,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Mode of every file the store writes: the CIB holds fence passwords, so only its owner (the
/// daemons' user) may read it. Files are created with it, never chmod-ed afterwards.
pub const FILE_MODE: u32 = 0o600;

/// Mode of the state directories the store creates.
pub const DIR_MODE: u32 = 0o750;

/// Creates `dir` and its missing parents with [`DIR_MODE`].
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
}

/// Writes `bytes` to `path` atomically: temp file beside it, fsync, rename, fsync directory.
/// A new file gets [`FILE_MODE`]; a replaced file keeps its owner and group permissions, never
/// any for others.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let mode = fs::metadata(path).map_or(FILE_MODE, |m| m.permissions().mode() & 0o770);
    write_synced(&tmp, bytes, mode)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })?;
    sync_dir(dir)
}

/// Writes a new file created with `mode` (a leftover file is replaced, not reused, so its
/// looser mode cannot survive).
fn write_synced(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    // The umask may have taken bits off `mode`: give back exactly `mode`, which is never wider.
    if f.metadata()?.permissions().mode() & 0o777 != mode {
        f.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    f.write_all(bytes)?;
    f.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A CIB directory.
#[derive(Debug, Clone)]
pub struct CibStore {
    dir: PathBuf,
    max_backups: u64,
}

impl CibStore {
    /// Opens (creating when missing) the store in `dir`, keeping 100 backups.
    pub fn open(dir: impl Into<PathBuf>) -> Result<CibStore, StoreError> {
        let dir = dir.into();
        create_private_dir(&dir).map_err(io_err(&dir))?;
        Ok(CibStore {
            dir,
            max_backups: 100,
        })
    }

    /// Keeps at most `n` backups (0 = no backups).
    pub fn with_max_backups(mut self, n: u64) -> CibStore {
        self.max_backups = n;
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn lock(&self) -> Result<Flock<File>, StoreError> {
        use std::os::unix::fs::OpenOptionsExt;
        let p = self.path(LOCK_FILE);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(FILE_MODE)
            .open(&p)
            .map_err(io_err(&p))?;
        Flock::lock(f, FlockArg::LockExclusive).map_err(|(_, errno)| StoreError::Io {
            path: p,
            source: io::Error::from(errno),
        })
    }

    /// Loads and verifies `cib.xml`; `Ok(None)` when the store is empty.
    pub fn load(&self) -> Result<Option<Document>, StoreError> {
        let _lock = self.lock()?;
        let path = self.path(CIB_FILE);
        if !path.exists() {
            return Ok(None);
        }
        match read_verified(&path, &self.path(SIG_FILE)) {
            Err(StoreError::DigestMismatch {
                path,
                expected,
                actual,
            }) => {
                // A save that died between its two renames: the staged signature matches.
                let staged = self.path(STAGED_SIG);
                if fs::read_to_string(&staged).is_ok_and(|s| s.trim() == actual) {
                    fs::rename(&staged, self.path(SIG_FILE)).map_err(io_err(&staged))?;
                    sync_dir(&self.dir).map_err(io_err(&self.dir))?;
                    return read_verified(&self.path(CIB_FILE), &self.path(SIG_FILE)).map(Some);
                }
                Err(StoreError::DigestMismatch {
                    path,
                    expected,
                    actual,
                })
            }
            other => other.map(Some),
        }
    }

    /// Loads `cib.xml` like [`load`](Self::load); when it is unusable (damaged, hand-edited so
    /// its digest no longer matches, unparsable, unsigned or unreadable), falls back to the
    /// newest backup whose signature matches, logging which. `Ok(None)` when the store is empty;
    /// an error only when no copy is usable (or the store cannot be locked).
    pub fn load_or_backup(&self) -> Result<Option<Document>, StoreError> {
        let primary = match self.load() {
            Ok(doc) => return Ok(doc),
            // The lock is not a copy of the configuration: no backup helps.
            Err(e @ StoreError::Io { .. }) if matches!(&e, StoreError::Io { path, .. } if *path == self.path(LOCK_FILE)) => {
                return Err(e)
            }
            Err(e) => e,
        };
        tracing::error!(
            "{primary}: the stored configuration is damaged or unusable, trying its backups in {}",
            self.dir.display()
        );
        let _lock = self.lock()?;
        let backups = self.backups();
        for &n in backups.iter().rev() {
            match self.load_backup(n) {
                Ok(doc) => {
                    tracing::warn!(
                        "starting from backup cib-{n}.raw (epoch {}); cib.xml is left as it was \
                         and replaced by the next configuration change",
                        doc.root.attr("epoch").unwrap_or("?")
                    );
                    return Ok(Some(doc));
                }
                Err(e) => tracing::warn!("backup unusable: {e}"),
            }
        }
        Err(StoreError::NoUsableCopy {
            primary: Box::new(primary),
            backups: backups.len(),
        })
    }

    /// Saves `cib` (without its status section) as the new `cib.xml`, first archiving the
    /// current one as the next `cib-N.raw`.
    pub fn save(&self, cib: &Element) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut on_disk = cib.clone();
        on_disk
            .children
            .retain(|n| !matches!(n, Node::Element(e) if e.name == "status"));
        let text = crate::format::document_to_string(&Document {
            prolog: Vec::new(),
            root: on_disk,
        });
        // Digest what a reader will parse, not the in-memory tree.
        let sig = digest(&Document::parse(&text).expect("our own output parses").root);

        let current = self.path(CIB_FILE);
        if self.max_backups > 0 && current.exists() {
            self.archive(&current)?;
        }
        let staged = self.path(STAGED_FILE);
        let staged_sig = self.path(STAGED_SIG);
        write_synced(&staged, text.as_bytes(), FILE_MODE).map_err(io_err(&staged))?;
        write_synced(&staged_sig, sig.as_bytes(), FILE_MODE).map_err(io_err(&staged_sig))?;
        sync_dir(&self.dir).map_err(io_err(&self.dir))?;
        fs::rename(&staged, &current).map_err(io_err(&staged))?;
        fs::rename(&staged_sig, self.path(SIG_FILE)).map_err(io_err(&staged_sig))?;
        sync_dir(&self.dir).map_err(io_err(&self.dir))
    }

    fn archive(&self, current: &Path) -> Result<(), StoreError> {
        let n = self.last_backup().map_or(0, |n| n + 1);
        let bytes = fs::read(current).map_err(io_err(current))?;
        let sig_path = self.path(SIG_FILE);
        let raw = self.path(&format!("cib-{n}.raw"));
        write_atomic(&raw, &bytes).map_err(io_err(&raw))?;
        if let Ok(sig) = fs::read(&sig_path) {
            let raw_sig = self.path(&format!("cib-{n}.raw.sig"));
            write_atomic(&raw_sig, &sig).map_err(io_err(&raw_sig))?;
        }
        let last = self.path(LAST_FILE);
        write_atomic(&last, n.to_string().as_bytes()).map_err(io_err(&last))?;
        if let Some(old) = n.checked_sub(self.max_backups) {
            let _ = fs::remove_file(self.path(&format!("cib-{old}.raw")));
            let _ = fs::remove_file(self.path(&format!("cib-{old}.raw.sig")));
        }
        Ok(())
    }

    /// The number of the newest backup, from `cib.last`.
    pub fn last_backup(&self) -> Option<u64> {
        fs::read_to_string(self.path(LAST_FILE))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// The numbers of the backups present, ascending.
    pub fn backups(&self) -> Vec<u64> {
        let mut out: Vec<u64> = fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("cib-")?
                    .strip_suffix(".raw")?
                    .parse()
                    .ok()
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Loads and verifies backup `n`.
    pub fn load_backup(&self, n: u64) -> Result<Document, StoreError> {
        read_verified(
            &self.path(&format!("cib-{n}.raw")),
            &self.path(&format!("cib-{n}.raw.sig")),
        )
    }
}

/// Reads `path`, parses it and checks it against the digest in `sig`.
pub fn read_verified(path: &Path, sig: &Path) -> Result<Document, StoreError> {
    let text = fs::read_to_string(path).map_err(io_err(path))?;
    let expected = match fs::read_to_string(sig) {
        Ok(s) => s.trim().to_string(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(StoreError::MissingSignature {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(io_err(sig)(e)),
    };
    let doc = Document::parse(&text).map_err(|source| StoreError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    let actual = digest(&doc.root);
    if actual != expected {
        return Err(StoreError::DigestMismatch {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_element;

    fn cib(epoch: u32) -> Element {
        parse_element(&format!(
            r#"<cib epoch="{epoch}" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status><node_state id="1"/></status></cib>"#
        ))
        .unwrap()
    }

    #[test]
    fn save_load_backups_and_no_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = CibStore::open(dir.path()).unwrap().with_max_backups(2);
        assert!(store.load().unwrap().is_none());
        for e in 1..=4 {
            store.save(&cib(e)).unwrap();
        }
        let doc = store.load().unwrap().unwrap();
        assert_eq!(doc.root.attr("epoch"), Some("4"));
        assert!(
            doc.root.child("status").is_none(),
            "status must not be on disk"
        );
        assert_eq!(store.last_backup(), Some(2));
        assert_eq!(store.backups(), vec![1, 2]);
        assert_eq!(store.load_backup(2).unwrap().root.attr("epoch"), Some("3"));
        let sig = fs::read_to_string(dir.path().join(SIG_FILE)).unwrap();
        assert_eq!(sig.len(), 32);
    }

    #[test]
    fn atomic_write_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cib.xml");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file left behind"
        );
    }

    #[test]
    fn damage_is_reported_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let store = CibStore::open(dir.path()).unwrap();
        store.save(&cib(1)).unwrap();
        let p = dir.path().join(CIB_FILE);
        let text = fs::read_to_string(&p)
            .unwrap()
            .replace("epoch=\"1\"", "epoch=\"9\"");
        fs::write(&p, text).unwrap();
        assert!(matches!(
            store.load(),
            Err(StoreError::DigestMismatch { .. })
        ));
        fs::write(&p, "<cib").unwrap();
        assert!(matches!(store.load(), Err(StoreError::Parse { .. })));
        fs::remove_file(dir.path().join(SIG_FILE)).unwrap();
        assert!(matches!(
            store.load(),
            Err(StoreError::MissingSignature { .. })
        ));
    }

    #[test]
    fn finishes_a_save_interrupted_between_renames() {
        let dir = tempfile::tempdir().unwrap();
        let store = CibStore::open(dir.path()).unwrap();
        store.save(&cib(1)).unwrap();
        store.save(&cib(2)).unwrap();
        // Simulate: new content renamed, signature still staged.
        let sig = fs::read(dir.path().join(SIG_FILE)).unwrap();
        fs::write(dir.path().join(STAGED_SIG), &sig).unwrap();
        fs::write(dir.path().join(SIG_FILE), digest(&cib(1))).unwrap();
        let doc = store.load().unwrap().unwrap();
        assert_eq!(doc.root.attr("epoch"), Some("2"));
        assert!(!dir.path().join(STAGED_SIG).exists());
    }
}
