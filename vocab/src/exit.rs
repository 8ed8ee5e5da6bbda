//! Pacemaker's process exit codes (`crm_exit_t`), their names and descriptions as
//! `crm_error -X -l -n` lists them. Every tool and daemon exits through these.

/// A process exit status with Pacemaker's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ExitCode {
    /// CRM_EX_OK: OK.
    Ok = 0,
    /// CRM_EX_ERROR: Error occurred.
    Error = 1,
    /// CRM_EX_INVALID_PARAM: Invalid parameter.
    InvalidParam = 2,
    /// CRM_EX_UNIMPLEMENT_FEATURE: Unimplemented.
    UnimplementFeature = 3,
    /// CRM_EX_INSUFFICIENT_PRIV: Insufficient privileges.
    InsufficientPriv = 4,
    /// CRM_EX_NOT_INSTALLED: Not installed.
    NotInstalled = 5,
    /// CRM_EX_NOT_CONFIGURED: Not configured.
    NotConfigured = 6,
    /// CRM_EX_NOT_RUNNING: Not running.
    NotRunning = 7,
    /// CRM_EX_PROMOTED: Promoted.
    Promoted = 8,
    /// CRM_EX_FAILED_PROMOTED: Failed in promoted role.
    FailedPromoted = 9,
    /// CRM_EX_USAGE: Incorrect usage.
    Usage = 64,
    /// CRM_EX_DATAERR: Invalid data given.
    DataErr = 65,
    /// CRM_EX_NOINPUT: Input file not available.
    NoInput = 66,
    /// CRM_EX_NOUSER: User does not exist.
    NoUser = 67,
    /// CRM_EX_NOHOST: Host does not exist.
    NoHost = 68,
    /// CRM_EX_UNAVAILABLE: Necessary service unavailable.
    Unavailable = 69,
    /// CRM_EX_SOFTWARE: Internal software bug.
    Software = 70,
    /// CRM_EX_OSERR: Operating system error occurred.
    OsErr = 71,
    /// CRM_EX_OSFILE: System file not available.
    OsFile = 72,
    /// CRM_EX_CANTCREAT: Cannot create output file.
    CantCreat = 73,
    /// CRM_EX_IOERR: I/O error occurred.
    IoErr = 74,
    /// CRM_EX_TEMPFAIL: Temporary failure, try again.
    TempFail = 75,
    /// CRM_EX_PROTOCOL: Protocol violated.
    Protocol = 76,
    /// CRM_EX_NOPERM: Insufficient privileges.
    NoPerm = 77,
    /// CRM_EX_CONFIG: Invalid configuration.
    Config = 78,
    /// CRM_EX_FATAL: Fatal error occurred, will not respawn.
    Fatal = 100,
    /// CRM_EX_PANIC: System panic required.
    Panic = 101,
    /// CRM_EX_DISCONNECT: Not connected.
    Disconnect = 102,
    /// CRM_EX_OLD: Update was older than existing configuration.
    Old = 103,
    /// CRM_EX_DIGEST: Digest mismatch.
    Digest = 104,
    /// CRM_EX_NOSUCH: No such object.
    NoSuch = 105,
    /// CRM_EX_QUORUM: Quorum required.
    Quorum = 106,
    /// CRM_EX_UNSAFE: Operation not safe.
    Unsafe = 107,
    /// CRM_EX_EXISTS: Requested item already exists.
    Exists = 108,
    /// CRM_EX_MULTIPLE: Multiple items match request.
    Multiple = 109,
    /// CRM_EX_EXPIRED: Requested item has expired.
    Expired = 110,
    /// CRM_EX_NOT_YET_IN_EFFECT: Requested item is not yet in effect.
    NotYetInEffect = 111,
    /// CRM_EX_INDETERMINATE: Could not determine status.
    Indeterminate = 112,
    /// CRM_EX_UNSATISFIED: Not applicable under current conditions.
    Unsatisfied = 113,
    /// CRM_EX_TIMEOUT: Timeout occurred.
    Timeout = 124,
    /// CRM_EX_DEGRADED: Service is active but might fail soon.
    Degraded = 190,
    /// CRM_EX_DEGRADED_PROMOTED: Service is promoted but might fail soon.
    DegradedPromoted = 191,
    /// CRM_EX_NONE: No exit status available.
    None = 193,
}

impl ExitCode {
    /// Every code, in numeric order.
    pub const ALL: [ExitCode; 43] = [
        ExitCode::Ok,
        ExitCode::Error,
        ExitCode::InvalidParam,
        ExitCode::UnimplementFeature,
        ExitCode::InsufficientPriv,
        ExitCode::NotInstalled,
        ExitCode::NotConfigured,
        ExitCode::NotRunning,
        ExitCode::Promoted,
        ExitCode::FailedPromoted,
        ExitCode::Usage,
        ExitCode::DataErr,
        ExitCode::NoInput,
        ExitCode::NoUser,
        ExitCode::NoHost,
        ExitCode::Unavailable,
        ExitCode::Software,
        ExitCode::OsErr,
        ExitCode::OsFile,
        ExitCode::CantCreat,
        ExitCode::IoErr,
        ExitCode::TempFail,
        ExitCode::Protocol,
        ExitCode::NoPerm,
        ExitCode::Config,
        ExitCode::Fatal,
        ExitCode::Panic,
        ExitCode::Disconnect,
        ExitCode::Old,
        ExitCode::Digest,
        ExitCode::NoSuch,
        ExitCode::Quorum,
        ExitCode::Unsafe,
        ExitCode::Exists,
        ExitCode::Multiple,
        ExitCode::Expired,
        ExitCode::NotYetInEffect,
        ExitCode::Indeterminate,
        ExitCode::Unsatisfied,
        ExitCode::Timeout,
        ExitCode::Degraded,
        ExitCode::DegradedPromoted,
        ExitCode::None,
    ];

    /// The numeric status.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The code for a number received from elsewhere (a daemon's answer); unknown numbers
    /// become [`ExitCode::Error`].
    pub fn from_code(code: i32) -> ExitCode {
        ExitCode::ALL
            .into_iter()
            .find(|c| i32::from(c.code()) == code)
            .unwrap_or(ExitCode::Error)
    }

    /// The symbolic name (`crm_exit_name`), e.g. `CRM_EX_NOSUCH`.
    pub fn name(self) -> &'static str {
        match self {
            ExitCode::Ok => "CRM_EX_OK",
            ExitCode::Error => "CRM_EX_ERROR",
            ExitCode::InvalidParam => "CRM_EX_INVALID_PARAM",
            ExitCode::UnimplementFeature => "CRM_EX_UNIMPLEMENT_FEATURE",
            ExitCode::InsufficientPriv => "CRM_EX_INSUFFICIENT_PRIV",
            ExitCode::NotInstalled => "CRM_EX_NOT_INSTALLED",
            ExitCode::NotConfigured => "CRM_EX_NOT_CONFIGURED",
            ExitCode::NotRunning => "CRM_EX_NOT_RUNNING",
            ExitCode::Promoted => "CRM_EX_PROMOTED",
            ExitCode::FailedPromoted => "CRM_EX_FAILED_PROMOTED",
            ExitCode::Usage => "CRM_EX_USAGE",
            ExitCode::DataErr => "CRM_EX_DATAERR",
            ExitCode::NoInput => "CRM_EX_NOINPUT",
            ExitCode::NoUser => "CRM_EX_NOUSER",
            ExitCode::NoHost => "CRM_EX_NOHOST",
            ExitCode::Unavailable => "CRM_EX_UNAVAILABLE",
            ExitCode::Software => "CRM_EX_SOFTWARE",
            ExitCode::OsErr => "CRM_EX_OSERR",
            ExitCode::OsFile => "CRM_EX_OSFILE",
            ExitCode::CantCreat => "CRM_EX_CANTCREAT",
            ExitCode::IoErr => "CRM_EX_IOERR",
            ExitCode::TempFail => "CRM_EX_TEMPFAIL",
            ExitCode::Protocol => "CRM_EX_PROTOCOL",
            ExitCode::NoPerm => "CRM_EX_NOPERM",
            ExitCode::Config => "CRM_EX_CONFIG",
            ExitCode::Fatal => "CRM_EX_FATAL",
            ExitCode::Panic => "CRM_EX_PANIC",
            ExitCode::Disconnect => "CRM_EX_DISCONNECT",
            ExitCode::Old => "CRM_EX_OLD",
            ExitCode::Digest => "CRM_EX_DIGEST",
            ExitCode::NoSuch => "CRM_EX_NOSUCH",
            ExitCode::Quorum => "CRM_EX_QUORUM",
            ExitCode::Unsafe => "CRM_EX_UNSAFE",
            ExitCode::Exists => "CRM_EX_EXISTS",
            ExitCode::Multiple => "CRM_EX_MULTIPLE",
            ExitCode::Expired => "CRM_EX_EXPIRED",
            ExitCode::NotYetInEffect => "CRM_EX_NOT_YET_IN_EFFECT",
            ExitCode::Indeterminate => "CRM_EX_INDETERMINATE",
            ExitCode::Unsatisfied => "CRM_EX_UNSATISFIED",
            ExitCode::Timeout => "CRM_EX_TIMEOUT",
            ExitCode::Degraded => "CRM_EX_DEGRADED",
            ExitCode::DegradedPromoted => "CRM_EX_DEGRADED_PROMOTED",
            ExitCode::None => "CRM_EX_NONE",
        }
    }

    /// The description (`crm_exit_str`), e.g. `No such object`.
    pub fn text(self) -> &'static str {
        match self {
            ExitCode::Ok => "OK",
            ExitCode::Error => "Error occurred",
            ExitCode::InvalidParam => "Invalid parameter",
            ExitCode::UnimplementFeature => "Unimplemented",
            ExitCode::InsufficientPriv => "Insufficient privileges",
            ExitCode::NotInstalled => "Not installed",
            ExitCode::NotConfigured => "Not configured",
            ExitCode::NotRunning => "Not running",
            ExitCode::Promoted => "Promoted",
            ExitCode::FailedPromoted => "Failed in promoted role",
            ExitCode::Usage => "Incorrect usage",
            ExitCode::DataErr => "Invalid data given",
            ExitCode::NoInput => "Input file not available",
            ExitCode::NoUser => "User does not exist",
            ExitCode::NoHost => "Host does not exist",
            ExitCode::Unavailable => "Necessary service unavailable",
            ExitCode::Software => "Internal software bug",
            ExitCode::OsErr => "Operating system error occurred",
            ExitCode::OsFile => "System file not available",
            ExitCode::CantCreat => "Cannot create output file",
            ExitCode::IoErr => "I/O error occurred",
            ExitCode::TempFail => "Temporary failure, try again",
            ExitCode::Protocol => "Protocol violated",
            ExitCode::NoPerm => "Insufficient privileges",
            ExitCode::Config => "Invalid configuration",
            ExitCode::Fatal => "Fatal error occurred, will not respawn",
            ExitCode::Panic => "System panic required",
            ExitCode::Disconnect => "Not connected",
            ExitCode::Old => "Update was older than existing configuration",
            ExitCode::Digest => "Digest mismatch",
            ExitCode::NoSuch => "No such object",
            ExitCode::Quorum => "Quorum required",
            ExitCode::Unsafe => "Operation not safe",
            ExitCode::Exists => "Requested item already exists",
            ExitCode::Multiple => "Multiple items match request",
            ExitCode::Expired => "Requested item has expired",
            ExitCode::NotYetInEffect => "Requested item is not yet in effect",
            ExitCode::Indeterminate => "Could not determine status",
            ExitCode::Unsatisfied => "Not applicable under current conditions",
            ExitCode::Timeout => "Timeout occurred",
            ExitCode::Degraded => "Service is active but might fail soon",
            ExitCode::DegradedPromoted => "Service is promoted but might fail soon",
            ExitCode::None => "No exit status available",
        }
    }

    /// Ends the process with this status.
    pub fn exit(self) -> ! {
        std::process::exit(i32::from(self.code()))
    }
}

/// `crm_exit_str` of any number: the description of a known code, `Interrupted by signal` for
/// 129-192 (a shell's 128 + signal), else `Unknown exit status`.
pub fn exit_text(code: i32) -> &'static str {
    match ExitCode::ALL
        .into_iter()
        .find(|c| i32::from(c.code()) == code)
    {
        Some(c) => c.text(),
        None if (129..193).contains(&code) => "Interrupted by signal",
        None => "Unknown exit status",
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `crm_error -l -n` of Pacemaker 2.1.5, as in the cli corpus transcript.
    #[test]
    fn list_matches_crm_error() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/cli-corpus/regression.error_codes.exp"
        );
        let Ok(transcript) = std::fs::read_to_string(path) else {
            println!("SKIP: {path} is not there");
            return;
        };
        let listed: Vec<&str> = transcript
            .split("=#=#=#= Begin test: Get all crm_exit_t exit codes (with name) =#=#=#=\n")
            .nth(1)
            .expect("the listing test")
            .lines()
            .take_while(|l| !l.starts_with("=#=#=#="))
            .collect();
        let ours: Vec<String> = ExitCode::ALL
            .iter()
            .map(|c| format!("{:>5}: {:<27} {}", c.code(), c.name(), c.text()))
            .collect();
        assert_eq!(listed, ours);
    }

    #[test]
    fn numbers_round_trip() {
        for c in ExitCode::ALL {
            assert_eq!(ExitCode::from_code(i32::from(c.code())), c);
        }
        assert_eq!(ExitCode::from_code(42), ExitCode::Error);
        assert_eq!(exit_text(105), "No such object");
        assert_eq!(exit_text(137), "Interrupted by signal");
        assert_eq!(exit_text(42), "Unknown exit status");
    }
}
