//! The Pacemaker release whose tool surface heartbeat-rs reproduces, as tools print it.

/// The Pacemaker version our tools and daemons answer with.
pub const PACEMAKER_VERSION: &str = "2.1.5";

/// What Pacemaker's tools print for `--version` (`-$`).
pub fn banner() -> String {
    format!(
        "Pacemaker {PACEMAKER_VERSION}\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
    )
}
