//! One logging path on a live node (root: network namespaces): ha.cf's `logfile` receives
//! heartbeat's own lines and those of the daemons it starts (ccm, crmd, lrmd), all in
//! Heartbeat 3.0.6's file layout (`Mon DD HH:MM:SS node1 crmd: [pid]: info: text`).

use std::path::Path;
use std::time::Duration;

use crmd::lab::{start_or_skip, wait_until, LabConfig};

#[test]
fn every_daemon_writes_heartbeats_logfile() {
    let bin =
        crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("daemons build");
    let mut config = LabConfig::classic(bin);
    config.haresources = String::new();
    let Some(lab) = start_or_skip("ha_log", config) else {
        return;
    };
    let log = lab.nodes[0].dir.join("ha-log");
    let entities = ["heartbeat", "ccm", "crmd", "lrmd"];
    // A line of each, e.g. "Dec 06 00:55:02 node1 ccm: [812]: info: new view ...".
    let has_all = |text: &str| {
        entities.iter().all(|e| {
            text.lines().any(|l| {
                l.get(16..)
                    .is_some_and(|rest| rest.starts_with(&format!("node1 {e}: [")))
                    && l.contains("]: info: ")
            })
        })
    };
    let started = std::time::Instant::now();
    let ok = wait_until(Duration::from_secs(30), || {
        std::fs::read_to_string(&log).is_ok_and(|t| {
            has_all(&t)
                && t.lines()
                    .any(|l| l.contains(" ccm: [") && l.contains("]: info: new view"))
        })
    });
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    println!(
        "all daemons in ha-log after {:?}; first lines:",
        started.elapsed()
    );
    for l in text.lines().take(3) {
        println!("  {l}");
    }
    assert!(
        ok,
        "missing daemons in {}:\n{text}\n{}",
        log.display(),
        lab.logs()
    );
    assert!(
        text.lines()
            .any(|l| l.contains(" ccm: [") && l.contains("]: info: new view")),
        "{text}"
    );
    // Debug lines go to a debug file only (none configured here).
    assert!(!text.contains("]: debug: "), "{text}");
}
