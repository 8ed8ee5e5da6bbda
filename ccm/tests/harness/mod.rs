//! Test scaffolding: the [`sim::ccm_lab`] namespace lab plus how tests find the binaries.

use std::path::{Path, PathBuf};
use std::process::Command;

pub use sim::ccm_lab::*;

/// True (after printing a loud SKIP) when not root.
pub fn skip_unless_root(test: &str) -> bool {
    if is_root() {
        return false;
    }
    eprintln!("SKIP {test}: needs root (network namespaces)");
    true
}

/// The heartbeat binary: `$HEARTBEAT_BIN`, else next to the ccm binary, built on demand.
fn heartbeat_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("HEARTBEAT_BIN") {
        return PathBuf::from(p);
    }
    let hb = Path::new(env!("CARGO_BIN_EXE_ccm")).with_file_name("heartbeat");
    if !hb.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "messaging", "--bin", "heartbeat"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo to build heartbeat");
        assert!(status.success(), "building heartbeat failed");
    }
    hb
}

/// heartbeat and the ccm under test.
pub fn binaries() -> Binaries {
    Binaries {
        heartbeat: heartbeat_bin(),
        ccm: PathBuf::from(env!("CARGO_BIN_EXE_ccm")),
    }
}
