//! Heartbeat-style logging: `heartbeat: [pid]: LEVEL: text` on stderr (until daemonised), to
//! `logfile`/`debugfile` with a timestamp, and to syslog when `logfacility` is set.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

struct Sinks {
    stderr: bool,
    node: String,
    logfile: Option<File>,
    debugfile: Option<File>,
    syslog: Option<(UnixDatagram, u8)>,
    debug: bool,
}

static SINKS: Mutex<Sinks> = Mutex::new(Sinks {
    stderr: true,
    node: String::new(),
    logfile: None,
    debugfile: None,
    syslog: None,
    debug: false,
});

/// Where log lines go.
#[derive(Debug, Default)]
pub struct LogSetup<'a> {
    /// Node name shown in file lines.
    pub node: &'a str,
    /// `logfile`.
    pub logfile: Option<&'a Path>,
    /// `debugfile` (receives every line, debug included).
    pub debugfile: Option<&'a Path>,
    /// `logfacility` name.
    pub facility: Option<&'a str>,
    /// Whether debug lines are produced at all.
    pub debug: bool,
}

/// Applies a logging configuration; unreadable files are reported and skipped.
pub fn configure(setup: &LogSetup<'_>) {
    let open = |p: &Path| OpenOptions::new().create(true).append(true).open(p).ok();
    let mut s = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    s.node = setup.node.to_string();
    s.logfile = setup.logfile.and_then(open);
    s.debugfile = setup.debugfile.and_then(open);
    s.debug = setup.debug || setup.debugfile.is_some();
    s.syslog = setup.facility.and_then(|f| {
        let code = facility_code(f)?;
        let sock = UnixDatagram::unbound().ok()?;
        sock.connect("/dev/log").ok()?;
        Some((sock, code))
    });
}

/// Stops writing to stderr (after daemonising).
pub fn detach_stderr() {
    SINKS.lock().unwrap_or_else(|e| e.into_inner()).stderr = false;
}

/// Logs at ERROR.
pub fn error(msg: &str) {
    emit("ERROR", 3, msg);
}
/// Logs at CRIT.
pub fn crit(msg: &str) {
    emit("CRIT", 2, msg);
}
/// Logs at WARN.
pub fn warn(msg: &str) {
    emit("WARN", 4, msg);
}
/// Logs at info.
pub fn info(msg: &str) {
    emit("info", 6, msg);
}
/// Logs at debug (only when enabled).
pub fn debug(msg: &str) {
    emit("debug", 7, msg);
}

fn emit(level: &str, severity: u8, msg: &str) {
    let mut s = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    if severity == 7 && !s.debug {
        return;
    }
    let pid = std::process::id();
    if s.stderr && severity < 7 {
        eprintln!("heartbeat: [{pid}]: {level}: {msg}");
    }
    let line = format!(
        "{} {} heartbeat: [{pid}]: {level}: {msg}\n",
        timestamp(),
        s.node
    );
    if severity < 7 {
        if let Some(f) = s.logfile.as_mut() {
            let _ = f.write_all(line.as_bytes());
        }
    }
    if let Some(f) = s.debugfile.as_mut() {
        let _ = f.write_all(line.as_bytes());
    }
    if let Some((sock, fac)) = s.syslog.as_ref() {
        let pri = u16::from(*fac) * 8 + u16::from(severity);
        let _ = sock.send(format!("<{pri}>heartbeat[{pid}]: {level}: {msg}").as_bytes());
    }
}

fn facility_code(name: &str) -> Option<u8> {
    Some(match name {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" => 4,
        "syslog" => 5,
        "lpr" => 6,
        "news" => 7,
        "uucp" => 8,
        "cron" => 9,
        "authpriv" => 10,
        "ftp" => 11,
        n => {
            16 + n
                .strip_prefix("local")?
                .parse::<u8>()
                .ok()
                .filter(|d| *d < 8)?
        }
    })
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

/// `YYYY/MM/DD_HH:MM:SS` in UTC, as Heartbeat's log files use.
fn timestamp() -> String {
    vocab::datetime::logfile_stamp(now_secs())
}
