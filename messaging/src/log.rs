//! heartbeat's logging, through the one logging path ([`halog`]): these functions are
//! `tracing` events (so messaging's code logs the same way inside ccm or crmd), and the
//! heartbeat daemon installs [`halog::HaLayer`] with ha.cf's `logfile`, `debugfile`,
//! `logfacility` and `syslogmsgfmt`, copying lines to stderr (`Dec 06 00:55:02 node1
//! heartbeat: [pid]: info: text`, as Heartbeat) until it runs as a daemon.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The heartbeat daemon's layer, once installed.
static LAYER: OnceLock<halog::HaLayer> = OnceLock::new();

/// Where log lines go.
#[derive(Debug)]
pub struct LogSetup<'a> {
    /// Node name shown in file lines.
    pub node: &'a str,
    /// `logfile`.
    pub logfile: Option<&'a Path>,
    /// `debugfile` (receives every line, debug included).
    pub debugfile: Option<&'a Path>,
    /// `logfacility` name.
    pub facility: Option<&'a str>,
    /// `syslogmsgfmt`: file lines in syslog's layout.
    pub syslog_format: bool,
    /// Whether debug lines are produced at all.
    pub debug: bool,
}

impl Default for LogSetup<'_> {
    fn default() -> Self {
        LogSetup {
            node: "",
            logfile: None,
            debugfile: None,
            facility: None,
            syslog_format: true,
            debug: false,
        }
    }
}

fn heartbeat_config() -> halog::LogConfig {
    let mut cfg = halog::LogConfig::new("heartbeat");
    cfg.stderr = true;
    cfg
}

/// Installs heartbeat's logging with stderr only (before ha.cf is read).
pub fn init() {
    LAYER.get_or_init(|| halog::init_with(heartbeat_config()));
}

/// Applies ha.cf's logging configuration; files that cannot be opened are reported and
/// skipped.
pub fn configure(setup: &LogSetup<'_>) {
    let mut cfg = heartbeat_config();
    if !setup.node.is_empty() {
        cfg.nodename = setup.node.to_string();
    }
    cfg.logfile = setup.logfile.map(Path::to_path_buf);
    cfg.debugfile = setup.debugfile.map(Path::to_path_buf);
    cfg.facility = setup.facility.and_then(halog::facility_code);
    cfg.syslog_format = setup.syslog_format;
    cfg.debug = setup.debug;
    match LAYER.get() {
        Some(layer) => layer.reconfigure(cfg),
        None => {
            LAYER.get_or_init(|| halog::init_with(cfg));
        }
    }
}

/// Stops writing to stderr (after daemonising).
pub fn detach_stderr() {
    if let Some(layer) = LAYER.get() {
        layer.detach_stderr();
    }
}

/// Logs at ERROR.
pub fn error(msg: &str) {
    tracing::error!("{msg}");
}
/// Logs at CRIT.
pub fn crit(msg: &str) {
    tracing::error!(target: "crit", "{msg}");
}
/// Logs at WARN.
pub fn warn(msg: &str) {
    tracing::warn!("{msg}");
}
/// Logs at info.
pub fn info(msg: &str) {
    tracing::info!("{msg}");
}
/// Logs at debug (only when enabled).
pub fn debug(msg: &str) {
    tracing::debug!("{msg}");
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// `Mon DD HH:MM:SS` (UTC), the syslog-style stamp Heartbeat's tools put on stderr lines.
pub fn syslog_stamp() -> String {
    vocab::datetime::syslog_stamp(now_secs())
}

#[cfg(test)]
mod tests {
    #[test]
    fn crit_target_is_halogs() {
        assert_eq!(halog::CRIT_TARGET, "crit");
    }
}
