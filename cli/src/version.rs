//! The Pacemaker release whose tool surface heartbeat-rs reproduces, as tools print it.

macro_rules! pacemaker_version {
    () => {
        "2.1.5"
    };
}

/// The Pacemaker version our tools and daemons answer with.
pub const PACEMAKER_VERSION: &str = pacemaker_version!();

/// What Pacemaker's tools print for `--version` (`-$`).
pub const BANNER: &str = concat!(
    "Pacemaker ",
    pacemaker_version!(),
    "\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
);
