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

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Date and time of day for seconds since the epoch (UTC).
fn civil(epoch: i64) -> (i64, u32, u32, i64, i64, i64) {
    let (days, secs) = (epoch.div_euclid(86_400), epoch.rem_euclid(86_400));
    // Days to a proleptic Gregorian date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// `YYYY/MM/DD_HH:MM:SS` (cl_log's `ha_timestamp`).
pub fn ha_timestamp(epoch: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(epoch);
    format!("{y:04}/{m:02}/{d:02}_{hh:02}:{mm:02}:{ss:02}")
}

/// `Mon DD HH:MM:SS`, day zero-padded (cl_log's `syslog_timestamp`).
pub fn syslog_timestamp(epoch: i64) -> String {
    let (_, m, d, hh, mm, ss) = civil(epoch);
    format!(
        "{} {d:02} {hh:02}:{mm:02}:{ss:02}",
        MONTHS[(m - 1) as usize]
    )
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
    let (_, m, d, hh, mm, ss) = civil(epoch);
    let pri = u16::from(facility) * 8 + u16::from(prio.severity());
    format!(
        "<{pri}>{} {d:>2} {hh:02}:{mm:02}:{ss:02} {entity}: [{pid}]: {}: {msg}",
        MONTHS[(m - 1) as usize],
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
