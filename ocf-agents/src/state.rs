//! Small state files under `HA_RSCTMP` that remember whether a resource is started.

use std::path::Path;

use crate::ocf::Failure;

/// Writes (or replaces) a state file, creating its directory.
pub fn write(path: &Path, content: &str) -> Result<(), Failure> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::generic(format!(
                "cannot create state directory {}: {e}",
                dir.display()
            ))
        })?;
    }
    std::fs::write(path, content)
        .map_err(|e| Failure::generic(format!("cannot write {}: {e}", path.display())))
}

/// Reads a state file; None when it does not exist.
pub fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Removes a state file; a missing file is fine.
pub fn remove(path: &Path) -> Result<(), Failure> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure::generic(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}
