//! Publishing transient node attributes. Today through Pacemaker's `attrd_updater`; when it
//! is missing or no attribute daemon answers, the update is printed on stdout instead
//! (`node attribute NAME=VALUE`), so it is visible in the operation's output.

use crate::log;
use crate::process::{run_program, which};

/// Sets `name` to `value` after `dampen` (a duration such as `5s`).
pub fn update(name: &str, value: &str, dampen: &str) {
    if !attrd_updater(&["-n", name, "-U", value, "-d", dampen]) {
        println!("node attribute {name}={value}");
    }
}

/// Deletes `name`.
pub fn delete(name: &str, dampen: &str) {
    if !attrd_updater(&["-D", "-n", name, "-d", dampen]) {
        println!("node attribute {name} deleted");
    }
}

/// Runs attrd_updater; false (and a log line) when it is missing or the daemon is down.
fn attrd_updater(args: &[&str]) -> bool {
    if which("attrd_updater").is_none() {
        return false;
    }
    match run_program("attrd_updater", args) {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            log::warn(&format!(
                "attrd_updater failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            false
        }
        Err(f) => {
            log::warn(&f.reason);
            false
        }
    }
}
