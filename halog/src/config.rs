//! Where the lines go: from ha.cf (heartbeat) or the `HA_*` environment (its children).

use std::path::PathBuf;

/// The log outputs of one process.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// The name lines carry (`heartbeat`, `ccm`, `crmd`, ...).
    pub entity: String,
    /// `logfile`: every line but debug.
    pub logfile: Option<PathBuf>,
    /// `debugfile`: every line.
    pub debugfile: Option<PathBuf>,
    /// syslog facility code (`logfacility`), none when `None`.
    pub facility: Option<u8>,
    /// `syslogmsgfmt`: file lines in syslog's layout (cl_log's default) or Heartbeat's own.
    pub syslog_format: bool,
    /// Debug lines wanted even without a debug file (`HA_debug`, `-d`).
    pub debug: bool,
    /// Lines also on stderr, in the files' layout (heartbeat before it detaches).
    pub stderr: bool,
    /// The syslog socket (`/dev/log`).
    pub syslog_socket: PathBuf,
    /// The node name file lines show (`uname -n`).
    pub nodename: String,
}

impl LogConfig {
    /// Nothing but the name; outputs are added by the caller.
    pub fn new(entity: &str) -> LogConfig {
        LogConfig {
            entity: entity.to_string(),
            logfile: None,
            debugfile: None,
            facility: None,
            syslog_format: true,
            debug: false,
            stderr: false,
            syslog_socket: PathBuf::from("/dev/log"),
            nodename: nix::unistd::gethostname()
                .ok()
                .and_then(|h| h.into_string().ok())
                .unwrap_or_default(),
        }
    }

    /// What cl_log's `cl_inherit_logging_environment` takes from the environment:
    /// `HA_logfile`, `HA_debugfile`, `HA_logfacility`, `HA_syslogmsgfmt`, `HA_debug`. A file
    /// named `/dev/null` is no output. The node name is `HA_NODENAME` when heartbeat set it.
    pub fn from_env(entity: &str) -> LogConfig {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let file = |n: &str| var(n).filter(|v| v != "/dev/null").map(PathBuf::from);
        let mut c = LogConfig::new(entity);
        c.logfile = file("HA_logfile");
        c.debugfile = file("HA_debugfile");
        c.facility = var("HA_logfacility").and_then(|f| facility_code(&f));
        if let Some(v) = var("HA_syslogmsgfmt") {
            c.syslog_format = !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "off" | "no" | "n" | "0"
            );
        }
        c.debug = var("HA_debug").is_some_and(|v| v.trim().parse::<i32>().is_ok_and(|d| d != 0));
        // heartbeat names the node its children run for (`uname -n` unless overridden).
        if let Some(n) = var("HA_NODENAME") {
            c.nodename = n;
        }
        c
    }

    /// The most detailed level any output takes.
    pub fn max_level(&self) -> tracing_subscriber::filter::LevelFilter {
        if self.debug || self.debugfile.is_some() {
            tracing_subscriber::filter::LevelFilter::DEBUG
        } else {
            tracing_subscriber::filter::LevelFilter::INFO
        }
    }
}

/// syslog's facility code for a name (`daemon` 3, `local0` 16, ...), as
/// `cl_syslogfac_str2int`; `None` for `none` and unknown names.
pub fn facility_code(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities() {
        assert_eq!(facility_code("daemon"), Some(3));
        assert_eq!(facility_code("LOCAL7"), Some(23));
        assert_eq!(facility_code("local8"), None);
        assert_eq!(facility_code("none"), None);
    }
}
