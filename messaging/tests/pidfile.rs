//! The pid file is believed only when its pid runs heartbeat and started before it was written.

use std::process::{Command, Stdio};

use crate::harness::{heartbeat_bin, skip_unless_root, Node, AUTHKEYS};

/// A running program that is not heartbeat, killed on drop.
struct Other(std::process::Child);

impl Other {
    fn start() -> Other {
        Other(
            Command::new("sleep")
                .arg("120")
                .stdout(Stdio::null())
                .spawn()
                .expect("sleep"),
        )
    }
}

impl Drop for Other {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn status_ignores_a_pid_reused_by_another_program() {
    let dir = tempfile::tempdir().unwrap();
    let other = Other::start();
    std::fs::write(
        dir.path().join("heartbeat.pid"),
        format!("{}\n", other.0.id()),
    )
    .unwrap();
    let out = Command::new(heartbeat_bin())
        .args(["-s", "--rundir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("heartbeat is stopped"), "{stdout}");
}

#[test]
fn a_stale_pid_file_whose_pid_was_reused_does_not_stop_a_start() {
    if skip_unless_root("stale_pid_file") {
        return;
    }
    let hacf = "udpport 16963\nbcast lo\nkeepalive 200ms\ndeadtime 2\ninitdead 2\nnode pidnode\n";
    let mut node = Node::prepare("pidnode", None, hacf, AUTHKEYS);
    let other = Other::start();
    std::fs::create_dir_all(node.rundir()).unwrap();
    let pidfile = node.rundir().join("heartbeat.pid");
    std::fs::write(&pidfile, format!("{}\n", other.0.id())).unwrap();
    // Before: "heartbeat: already running [pid N]." and no daemon.
    node.start();
    assert!(node.is_running(), "{}", node.log());
    let recorded = std::fs::read_to_string(&pidfile).unwrap();
    assert_ne!(
        recorded.trim(),
        other.0.id().to_string(),
        "pid file not rewritten"
    );
    // And now the pid file is right, a second start is refused as a duplicate.
    let out = Command::new(heartbeat_bin())
        .args(["-s", "--rundir"])
        .arg(node.rundir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", node.log());
}
