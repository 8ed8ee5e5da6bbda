//! cl_log's line layouts (pure functions of the time, pid and text).

/// cl_log's priority names, with syslog's severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// `CRIT` (2).
    Crit,
    /// `ERROR` (3).
    Error,
    /// `WARN` (4).
    Warn,
    /// `info` (6).
    Info,
    /// `debug` (7).
    Debug,
}

impl Priority {
    /// The name cl_log prints (`prio2str`).
    pub fn name(self) -> &'static str {
        match self {
            Priority::Crit => "CRIT",
            Priority::Error => "ERROR",
            Priority::Warn => "WARN",
            Priority::Info => "info",
            Priority::Debug => "debug",
        }
    }

    /// syslog severity.
    pub fn severity(self) -> u8 {
        match self {
            Priority::Crit => 2,
            Priority::Error => 3,
            Priority::Warn => 4,
            Priority::Info => 6,
            Priority::Debug => 7,
        }
    }
}

/// `YYYY/MM/DD_HH:MM:SS` (cl_log's `ha_timestamp`).
pub fn ha_timestamp(epoch: i64) -> String {
    vocab::datetime::logfile_stamp(epoch)
}

/// `Mon DD HH:MM:SS`, day zero-padded (cl_log's `syslog_timestamp`).
pub fn syslog_timestamp(epoch: i64) -> String {
    vocab::datetime::syslog_stamp(epoch)
}

/// One file line (with its newline), in syslog's layout or Heartbeat's own.
pub fn file_line(
    syslog_format: bool,
    epoch: i64,
    nodename: &str,
    entity: &str,
    pid: u32,
    prio: Priority,
    msg: &str,
) -> String {
    let p = prio.name();
    if syslog_format {
        format!(
            "{} {nodename} {entity}: [{pid}]: {p}: {msg}\n",
            syslog_timestamp(epoch)
        )
    } else {
        format!("{entity}[{pid}]: {} {p}: {msg}\n", ha_timestamp(epoch))
    }
}

/// The datagram glibc's `syslog(3)` sends for cl_log's message: `<PRI>Mon dd HH:MM:SS
/// IDENT: [pid]: info: text`, the day space-padded, the entity as ident (`openlog`).
pub fn syslog_datagram(
    facility: u8,
    epoch: i64,
    entity: &str,
    pid: u32,
    prio: Priority,
    msg: &str,
) -> String {
    // glibc pads the day with a space where cl_log's own stamp uses a zero.
    let stamp = syslog_timestamp(epoch);
    let (month, rest) = stamp.split_at(4);
    let rest = rest
        .strip_prefix('0')
        .map_or(rest.to_string(), |r| format!(" {r}"));
    let pri = u16::from(facility) * 8 + u16::from(prio.severity());
    format!(
        "<{pri}>{month}{rest} {entity}: [{pid}]: {}: {msg}",
        prio.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-12-06 00:55:02 UTC
    const T: i64 = 1_796_518_502;

    #[test]
    fn cl_log_layouts() {
        assert_eq!(ha_timestamp(T), "2026/12/06_00:55:02");
        assert_eq!(syslog_timestamp(T), "Dec 06 00:55:02");
        assert_eq!(
            file_line(false, T, "n1", "heartbeat", 42, Priority::Info, "hi"),
            "heartbeat[42]: 2026/12/06_00:55:02 info: hi\n"
        );
        assert_eq!(
            file_line(true, T, "n1", "crmd", 42, Priority::Warn, "hi"),
            "Dec 06 00:55:02 n1 crmd: [42]: WARN: hi\n"
        );
        assert_eq!(
            syslog_datagram(16, T, "ccm", 7, Priority::Error, "x"),
            "<131>Dec  6 00:55:02 ccm: [7]: ERROR: x"
        );
    }
}
