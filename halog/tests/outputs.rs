//! The layer's outputs as files and a syslog socket see them: cl_log's two file layouts, the
//! debug file taking what the log file does not, CRIT, and the syslog facility in the
//! datagram's priority.

use halog::{HaLayer, LogConfig, CRIT_TARGET};
use std::os::unix::net::UnixDatagram;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

fn run(layer: &HaLayer, body: impl FnOnce()) {
    let sub = tracing_subscriber::registry().with(layer.clone().with_filter(layer.levels()));
    tracing::subscriber::with_default(sub, body);
}

#[test]
fn files_and_syslog_in_heartbeats_formats() {
    let dir = tempfile::tempdir().unwrap();
    let sock_path = dir.path().join("log.sock");
    let syslog = UnixDatagram::bind(&sock_path).unwrap();
    syslog.set_nonblocking(true).unwrap();
    let mut cfg = LogConfig::new("crmd");
    cfg.logfile = Some(dir.path().join("ha-log"));
    cfg.debugfile = Some(dir.path().join("ha-debug"));
    cfg.facility = halog::facility_code("local3");
    cfg.syslog_format = false;
    cfg.syslog_socket = sock_path;
    let layer = HaLayer::new(cfg);
    run(&layer, || {
        tracing::info!(node = "n1", "joined");
        tracing::debug!("detail");
        tracing::warn!("late");
        tracing::error!(target: CRIT_TARGET, "no quorum");
    });
    let pid = std::process::id();
    let log = std::fs::read_to_string(dir.path().join("ha-log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    // crmd[PID]: YYYY/MM/DD_HH:MM:SS info: text
    let prefix = format!("crmd[{pid}]: ");
    for (line, tail) in
        lines
            .iter()
            .zip([" info: joined node=n1", " WARN: late", " CRIT: no quorum"])
    {
        assert!(line.starts_with(&prefix) && line.ends_with(tail), "{line}");
        let stamp = &line[prefix.len()..prefix.len() + 19];
        assert_eq!(stamp.as_bytes()[4], b'/', "{line}");
        assert_eq!(stamp.as_bytes()[10], b'_', "{line}");
    }
    let debug = std::fs::read_to_string(dir.path().join("ha-debug")).unwrap();
    assert_eq!(debug.lines().count(), 4, "{debug}");
    assert!(
        debug.lines().nth(1).unwrap().ends_with(" debug: detail"),
        "{debug}"
    );
    // local3 is 19: info 19*8+6, debug 159, warn 156, crit 154.
    let mut buf = [0u8; 512];
    let mut pris = Vec::new();
    while let Ok(n) = syslog.recv(&mut buf) {
        let d = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(d.contains(&format!(" crmd: [{pid}]: ")), "{d}");
        pris.push(d[1..d.find('>').unwrap()].to_string());
    }
    assert_eq!(pris, ["158", "159", "156", "154"]);
}

#[test]
fn syslog_layout_in_files_by_default_and_reconfigure() {
    let dir = tempfile::tempdir().unwrap();
    let layer = HaLayer::new(LogConfig::new("ccm"));
    run(&layer, || tracing::info!("before any file"));
    let mut cfg = LogConfig::new("ccm");
    cfg.logfile = Some(dir.path().join("ha-log"));
    cfg.nodename = "node1".into();
    layer.reconfigure(cfg);
    run(&layer, || {
        tracing::info!("view 3");
        tracing::debug!("not without a debug file");
    });
    let log = std::fs::read_to_string(dir.path().join("ha-log")).unwrap();
    // Mon DD HH:MM:SS node1 ccm: [PID]: info: view 3
    let line = log.trim_end();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        line.ends_with(&format!(
            " node1 ccm: [{}]: info: view 3",
            std::process::id()
        )),
        "{line}"
    );
    assert_eq!(line.as_bytes()[3], b' ', "{line}");
    assert_eq!(line.as_bytes()[6], b' ', "{line}");
}
