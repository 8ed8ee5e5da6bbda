//! The heartbeat generation: a number bumped at every start and kept in `<statedir>/hb_generation`,
//! so peers recognise a restarted node and refuse packets replayed from an earlier life.

use std::io::{self, Write as _};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// File name under the state directory.
pub const GENERATION_FILE: &str = "hb_generation";

/// Reads the previous generation, stores and returns the next one.
///
/// Without a previous file the count starts at the current Unix time (as Heartbeat does), so a node
/// whose state directory was wiped still comes back with a larger number than before.
pub fn next_generation(statedir: &Path) -> io::Result<u64> {
    std::fs::create_dir_all(statedir)?;
    let path = statedir.join(GENERATION_FILE);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1);
    let next = match std::fs::read_to_string(&path) {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(prev) => prev + 1,
            Err(_) => now,
        },
        Err(_) => {
            crate::log::warn(&format!("No Previous generation - starting at {now}"));
            now
        }
    };
    let tmp = statedir.join(format!("{GENERATION_FILE}.tmp"));
    // Synced before use: encrypted links take their nonces from the generation, so a crash must
    // never bring back a generation already used.
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(format!("{next}\n").as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(statedir)?.sync_all()?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    #[test]
    fn increments_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let a = super::next_generation(dir.path()).unwrap();
        let b = super::next_generation(dir.path()).unwrap();
        assert_eq!(b, a + 1);
    }
}
