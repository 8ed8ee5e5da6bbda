//! ccm logs through the one logging path: with heartbeat's `HA_logfile` (and
//! `HA_syslogmsgfmt`) in its environment, its lines land in that file in Heartbeat's layout.

use std::process::Command;

#[test]
fn ccm_writes_heartbeats_logfile() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ha-log");
    // No heartbeat to sign on to: ccm says why and exits.
    let out = Command::new(env!("CARGO_BIN_EXE_ccm"))
        .env("HA_logfile", &log)
        .env("HA_syslogmsgfmt", "false")
        .env("HA_API_SOCKET", dir.path().join("no-api.sock"))
        .env("HA_RUNDIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&log).unwrap();
    // ccm[PID]: YYYY/MM/DD_HH:MM:SS ERROR: signing on to heartbeat ...
    let line = text.lines().next().unwrap_or_default();
    let (head, rest) = line.split_once("]: ").unwrap_or_default();
    assert!(
        head.starts_with("ccm[") && head[4..].parse::<u32>().is_ok(),
        "{text}"
    );
    assert_eq!(rest.as_bytes().get(10), Some(&b'_'), "{text}");
    assert!(
        rest[19..].starts_with(" ERROR: signing on to heartbeat"),
        "{text}"
    );
}
