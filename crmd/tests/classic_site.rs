//! End to end: the classic two-node Heartbeat site (VIP + web server, preferring node1) in
//! network namespaces, driven through failures. Needs root.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crmd::lab::{is_root, wait_until, Lab, LabConfig};

const VIP: &str = "10.1.0.100";

/// The directory with heartbeat, ccm, lrmd and crmd, built on demand.
fn bin_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_BIN_EXE_crmd"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    // Always make sure the daemons are current: heartbeat runs them from this directory.
    {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let ok = std::process::Command::new(cargo)
            .args([
                "build",
                "-p",
                "messaging",
                "-p",
                "ccm",
                "-p",
                "lrm",
                "--bins",
            ])
            .status()
            .expect("cargo build")
            .success();
        assert!(ok, "building the daemons failed");
    }
    dir
}

fn skip() -> bool {
    if is_root() {
        return false;
    }
    eprintln!("SKIP classic_site: needs root (network namespaces)");
    true
}

/// Waits until the client gets a page from `node` through the VIP; returns how long it took.
fn served_by(lab: &Lab, node: &str, timeout: Duration) -> Duration {
    let start = Instant::now();
    let want = format!("served by {node}");
    let ok = wait_until(timeout, || {
        lab.client_get(VIP, Duration::from_millis(500)).as_deref() == Some(want.as_str())
    });
    assert!(
        ok,
        "the client never got a page from {node} via {VIP} (holders {:?})\n{}",
        lab.holders(VIP),
        lab.logs()
    );
    start.elapsed()
}

#[test]
fn classic_site_fails_over_and_back() {
    if skip() {
        return;
    }
    let mut lab = Lab::new(LabConfig::classic(bin_dir())).expect("lab");
    lab.start_all().expect("start");
    served_by(&lab, "node1", Duration::from_secs(60));
    assert_eq!(lab.holders(VIP), vec!["node1"]);

    lab.kill(0);
    let outage = served_by(&lab, "node2", Duration::from_secs(30));
    println!(
        "failover outage after SIGKILL of node1: {:.2} s",
        outage.as_secs_f64()
    );
    assert_eq!(lab.holders(VIP), vec!["node2"]);

    lab.start(0).expect("restart node1");
    // auto_failback on: the resources go home.
    served_by(&lab, "node1", Duration::from_secs(60));
    assert_eq!(lab.holders(VIP), vec!["node1"]);
}
