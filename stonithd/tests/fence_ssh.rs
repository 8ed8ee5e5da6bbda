//! `fence_ssh` against a stand-in `ssh` (first on PATH) that records its arguments and plays a
//! host that goes down after `reboot -f`, or one that never does.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

fn fake_ssh(dir: &std::path::Path, goes_down: bool) {
    let script = format!(
        r#"#!/bin/sh
echo "$@" >> "{dir}/calls"
case "$*" in
  *"reboot -f"*|*"poweroff -f"*) {down} exit 255 ;;
  *" true") [ -e "{dir}/down" ] && exit 255; exit 0 ;;
esac
exit 0
"#,
        dir = dir.display(),
        down = if goes_down {
            format!("touch {}/down;", dir.display())
        } else {
            String::new()
        }
    );
    let p = dir.join("ssh");
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn run(dir: &std::path::Path, stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fence_ssh"))
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn reboot_succeeds_only_once_the_host_stops_answering() {
    let dir = tempfile::tempdir().unwrap();
    fake_ssh(dir.path(), true);
    assert_eq!(run(dir.path(), "action=status\nport=web1\n").0, 0);
    let (rc, out) = run(
        dir.path(),
        "action=reboot\nport=web1\nlogin=admin\nidentity_file=/k\n",
    );
    assert_eq!(rc, 0, "{out}");
    let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
    assert!(calls.contains("-i /k admin@web1 reboot -f"), "{calls}");
    assert_eq!(
        run(dir.path(), "action=status\nport=web1\n").0,
        2,
        "off after the reboot"
    );
}

#[test]
fn a_host_that_keeps_answering_is_not_reported_fenced() {
    let dir = tempfile::tempdir().unwrap();
    fake_ssh(dir.path(), false);
    let (rc, out) = run(dir.path(), "action=off\nport=web1\npower_timeout=1\n");
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("web1 still answers"), "{out}");
    let (rc, out) = run(dir.path(), "action=metadata\n");
    assert_eq!(rc, 0);
    assert!(out.contains("<resource-agent name=\"fence_ssh\""), "{out}");
}

#[test]
fn a_host_unreachable_before_fencing_is_not_reported_fenced() {
    // A partition: the host never answers, so its silence proves nothing.
    let dir = tempfile::tempdir().unwrap();
    fake_ssh(dir.path(), true);
    std::fs::write(dir.path().join("down"), "").unwrap();
    let (rc, out) = run(dir.path(), "action=off\nport=web1\npower_timeout=1\n");
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("cannot reach web1"), "{out}");
    let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
    assert!(!calls.contains("poweroff"), "{calls}");
}
