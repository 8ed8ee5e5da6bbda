//! `watchdog /dev/watchdog`: heartbeat keeps the device fed from its main loop, so a hung or
//! dead heartbeat stops feeding it and the kernel (softdog, or a hardware watchdog) resets the
//! node: self-fencing. A clean shutdown writes the magic `V` so the watchdog disarms. The
//! device may be a plain file standing in for it (tests), which records every feed.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An open watchdog.
#[derive(Debug)]
pub struct Watchdog {
    file: File,
    path: PathBuf,
}

impl Watchdog {
    /// Opens the device for writing (a stand-in file is created if missing).
    pub fn open(path: &Path) -> std::io::Result<Watchdog> {
        let file = std::fs::OpenOptions::new()
            .create(!path.starts_with("/dev"))
            .append(true)
            .open(path)?;
        Ok(Watchdog {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Feeds the watchdog (any write restarts its countdown).
    pub fn feed(&mut self) {
        if let Err(e) = self.file.write_all(b"\0").and_then(|_| self.file.flush()) {
            crate::log::warn(&format!(
                "cannot feed watchdog {}: {e}",
                self.path.display()
            ));
        }
    }

    /// Disarms it: the magic close character, then close.
    pub fn disarm(mut self) {
        let _ = self.file.write_all(b"V");
        let _ = self.file.flush();
    }
}
