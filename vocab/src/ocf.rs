//! Results of resource actions: the agent's OCF return code and the executor's execution
//! status.
//!
//! Two separate numbers, as in the CIB's `rc-code` and `op-status`: an operation that timed
//! out has [`ExecStatus::Timeout`] whatever the agent would have returned.

/// An OCF return code (0-9, 190, 191, and 193 for "no result yet"). A number, not an enum,
/// because the CIB and agents may carry codes this build has no name for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct OcfRc(pub i32);

impl OcfRc {
    /// OCF_SUCCESS
    pub const SUCCESS: OcfRc = OcfRc(0);
    /// OCF_ERR_GENERIC
    pub const ERR_GENERIC: OcfRc = OcfRc(1);
    /// OCF_ERR_ARGS
    pub const ERR_ARGS: OcfRc = OcfRc(2);
    /// OCF_ERR_UNIMPLEMENTED
    pub const ERR_UNIMPLEMENTED: OcfRc = OcfRc(3);
    /// OCF_ERR_PERM
    pub const ERR_PERM: OcfRc = OcfRc(4);
    /// OCF_ERR_INSTALLED
    pub const ERR_INSTALLED: OcfRc = OcfRc(5);
    /// OCF_ERR_CONFIGURED
    pub const ERR_CONFIGURED: OcfRc = OcfRc(6);
    /// OCF_NOT_RUNNING
    pub const NOT_RUNNING: OcfRc = OcfRc(7);
    /// OCF_RUNNING_PROMOTED
    pub const RUNNING_PROMOTED: OcfRc = OcfRc(8);
    /// OCF_FAILED_PROMOTED
    pub const FAILED_PROMOTED: OcfRc = OcfRc(9);
    /// OCF_DEGRADED
    pub const DEGRADED: OcfRc = OcfRc(190);
    /// OCF_DEGRADED_PROMOTED
    pub const DEGRADED_PROMOTED: OcfRc = OcfRc(191);
    /// Pacemaker's "pending / unknown" marker, used before an operation has a result.
    pub const UNKNOWN: OcfRc = OcfRc(193);

    /// The numeric code (an agent's process exit status).
    pub fn code(self) -> i32 {
        self.0
    }

    /// Normalises an OCF agent's exit status: codes outside the OCF range mean a generic error.
    pub fn from_ocf_exit(code: i32) -> OcfRc {
        match code {
            0..=9 | 190 | 191 => OcfRc(code),
            _ => OcfRc::ERR_GENERIC,
        }
    }

    /// Maps an LSB init script's exit status. `status` has its own table (LSB 4.1 §20.2);
    /// other actions share the OCF meaning of 0-7, and anything above means a generic error.
    pub fn from_lsb_exit(code: i32, is_status: bool) -> OcfRc {
        if is_status {
            match code {
                0 => OcfRc::SUCCESS,
                1..=3 => OcfRc::NOT_RUNNING,
                150 => OcfRc::ERR_INSTALLED,
                151 => OcfRc::ERR_PERM,
                _ => OcfRc::ERR_GENERIC,
            }
        } else {
            match code {
                0..=7 => OcfRc(code),
                _ => OcfRc::ERR_GENERIC,
            }
        }
    }

    /// Heartbeat-class `status` is decided by the text on stdout, not by the exit code:
    /// "stopped" / "not … running" (any case) mean stopped, "running" (any case) or "OK" mean
    /// running, and anything else (including nothing) means stopped.
    pub fn from_heartbeat_status(stdout: &str) -> OcfRc {
        let lower = stdout.to_ascii_lowercase();
        let not_running = lower
            .find("not")
            .is_some_and(|at| lower[at + 3..].contains("running"));
        if lower.contains("stopped") || not_running {
            OcfRc::NOT_RUNNING
        } else if lower.contains("running") || stdout.contains("OK") {
            OcfRc::SUCCESS
        } else {
            OcfRc::NOT_RUNNING
        }
    }

    /// The short text Pacemaker prints after the number (`returned 7 (not running)`,
    /// `rc_text="not running"`): `services_ocf_exitcode_str`.
    pub fn text(self) -> &'static str {
        ocf_text(i64::from(self.0))
    }
}

/// [`OcfRc::text`] of a number read from the CIB, which may be out of `i32` range.
pub fn ocf_text(rc: i64) -> &'static str {
    match rc {
        0 => "ok",
        1 => "error",
        2 => "invalid parameter",
        3 => "unimplemented feature",
        4 => "insufficient privileges",
        5 => "not installed",
        6 => "not configured",
        7 => "not running",
        8 => "promoted",
        9 => "promoted (failed)",
        190 => "OCF_DEGRADED",
        191 => "promoted (degraded)",
        _ => "unknown",
    }
}

/// How the executor itself finished an operation (the CIB's `op-status`, Pacemaker's
/// `enum pcmk_exec_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum ExecStatus {
    /// Queued or running.
    Pending,
    /// The agent ran and exited; its rc is meaningful.
    Done,
    /// Cancelled before or while running.
    Cancelled,
    /// Did not exit within its timeout; the process group was killed.
    Timeout,
    /// The class or action is not supported here.
    NotSupported,
    /// The agent could not be run or died from a signal.
    Error,
    /// An error that should ban the resource from this node.
    ErrorHard,
    /// An error that should ban the resource from the whole cluster.
    ErrorFatal,
    /// The agent (or its class's service manager) is not installed.
    NotInstalled,
    /// The service the operation needs is not reachable.
    NotConnected,
    /// The request itself was invalid.
    Invalid,
    /// No fence device is configured for the target.
    NoFenceDevice,
    /// The CIB secrets the agent needs are unavailable.
    NoSecrets,
}

impl ExecStatus {
    const ALL: [ExecStatus; 13] = [
        ExecStatus::Pending,
        ExecStatus::Done,
        ExecStatus::Cancelled,
        ExecStatus::Timeout,
        ExecStatus::NotSupported,
        ExecStatus::Error,
        ExecStatus::ErrorHard,
        ExecStatus::ErrorFatal,
        ExecStatus::NotInstalled,
        ExecStatus::NotConnected,
        ExecStatus::Invalid,
        ExecStatus::NoFenceDevice,
        ExecStatus::NoSecrets,
    ];

    /// The numeric `op-status` value stored in the CIB.
    pub fn code(self) -> i32 {
        match self {
            ExecStatus::Pending => -1,
            ExecStatus::Done => 0,
            ExecStatus::Cancelled => 1,
            ExecStatus::Timeout => 2,
            ExecStatus::NotSupported => 3,
            ExecStatus::Error => 4,
            ExecStatus::ErrorHard => 5,
            ExecStatus::ErrorFatal => 6,
            ExecStatus::NotInstalled => 7,
            ExecStatus::NotConnected => 8,
            ExecStatus::Invalid => 9,
            ExecStatus::NoFenceDevice => 10,
            ExecStatus::NoSecrets => 11,
        }
    }

    /// The status of an `op-status` number; `None` for numbers Pacemaker does not define.
    pub fn from_code(code: i64) -> Option<ExecStatus> {
        ExecStatus::ALL
            .into_iter()
            .find(|s| i64::from(s.code()) == code)
    }

    /// Pacemaker 2.1.5's name for the status (`pcmk_exec_status_str`).
    pub fn text(self) -> &'static str {
        match self {
            ExecStatus::Pending => "pending",
            ExecStatus::Done => "complete",
            ExecStatus::Cancelled => "Cancelled",
            ExecStatus::Timeout => "Timed Out",
            ExecStatus::NotSupported => "NOT SUPPORTED",
            ExecStatus::Error => "Error",
            ExecStatus::ErrorHard => "Hard error",
            ExecStatus::ErrorFatal => "Fatal error",
            ExecStatus::NotInstalled => "Not installed",
            ExecStatus::NotConnected => "Internal communication failure",
            ExecStatus::Invalid => "Cannot execute now",
            ExecStatus::NoFenceDevice => "No fence device",
            ExecStatus::NoSecrets => "CIB secrets unavailable",
        }
    }
}

/// [`ExecStatus::text`] of a number read from the CIB; `UNKNOWN!?` for undefined numbers, as
/// Pacemaker 2.1.5 prints them.
pub fn exec_status_text(code: i64) -> &'static str {
    ExecStatus::from_code(code).map_or("UNKNOWN!?", ExecStatus::text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsb_status_table_matches_pacemaker() {
        let got: Vec<i32> = [0, 1, 2, 3, 4, 150, 151, 200]
            .iter()
            .map(|&c| OcfRc::from_lsb_exit(c, true).0)
            .collect();
        assert_eq!(got, vec![0, 7, 7, 7, 1, 5, 4, 1]);
        assert_eq!(OcfRc::from_lsb_exit(6, false), OcfRc::ERR_CONFIGURED);
        assert_eq!(OcfRc::from_lsb_exit(8, false), OcfRc::ERR_GENERIC);
    }

    #[test]
    fn heartbeat_status_reads_stdout() {
        let s = OcfRc::from_heartbeat_status;
        assert_eq!(s("foo is Running\n"), OcfRc::SUCCESS);
        assert_eq!(s("OK"), OcfRc::SUCCESS);
        assert_eq!(s("ok"), OcfRc::NOT_RUNNING);
        assert_eq!(s("foo is STOPPED"), OcfRc::NOT_RUNNING);
        assert_eq!(s("foo is not running"), OcfRc::NOT_RUNNING);
        assert_eq!(s(""), OcfRc::NOT_RUNNING);
    }

    #[test]
    fn out_of_range_ocf_codes_are_generic_errors() {
        assert_eq!(OcfRc::from_ocf_exit(10), OcfRc::ERR_GENERIC);
        assert_eq!(OcfRc::from_ocf_exit(193), OcfRc::ERR_GENERIC);
        assert_eq!(OcfRc::from_ocf_exit(190), OcfRc::DEGRADED);
    }

    #[test]
    fn texts_as_pacemaker_prints_them() {
        assert_eq!(OcfRc::NOT_RUNNING.text(), "not running");
        assert_eq!(OcfRc::DEGRADED.text(), "OCF_DEGRADED");
        assert_eq!(OcfRc(42).text(), "unknown");
        assert_eq!(exec_status_text(0), "complete");
        assert_eq!(exec_status_text(2), "Timed Out");
        assert_eq!(exec_status_text(5), "Hard error");
        assert_eq!(exec_status_text(99), "UNKNOWN!?");
        for s in ExecStatus::ALL {
            assert_eq!(ExecStatus::from_code(i64::from(s.code())), Some(s));
        }
    }
}
