//! The daemons never start on an argument they do not know: usage and exit 64 (CRM_EX_USAGE),
//! at once. `crmd version` answers as crmsh expects when no pacemaker-controld is installed.

use std::process::Command;
use std::time::Duration;

#[test]
fn daemons_refuse_unknown_arguments() {
    let dir = crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build");
    for daemon in ["crmd", "lrmd", "stonithd", "ccm", "heartbeat"] {
        let mut child = Command::new(dir.join(daemon))
            .arg("version-please")
            // Sockets in a place that exists nowhere: a daemon that starts anyway fails later,
            // but must not get there.
            .env("HA_RUNDIR", "/nonexistent/heartbeat-rs-test")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let exited = crmd::lab::wait_until(Duration::from_secs(10), || {
            child.try_wait().ok().flatten().is_some()
        });
        if !exited {
            let _ = child.kill();
        }
        let out = child.wait_with_output().unwrap();
        assert!(exited, "{daemon} kept running");
        assert_eq!(out.status.code(), Some(64), "{daemon}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .to_lowercase()
                .contains("usage"),
            "{daemon}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new(dir.join("crmd"))
        .arg("version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("CRM Version: 2.1.5 ("));
    let out = Command::new(dir.join("crmd"))
        .arg("metadata")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("<resource-agent name=\"pacemaker-controld\""));
}
