//! Pacemaker's exit codes (`crm_error -X -l`), used by every tool at its edge.

/// A process exit status with Pacemaker's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// CRM_EX_OK
    Ok = 0,
    /// CRM_EX_ERROR
    Error = 1,
    /// CRM_EX_INVALID_PARAM
    InvalidParam = 2,
    /// CRM_EX_UNIMPLEMENT_FEATURE
    UnimplementFeature = 3,
    /// CRM_EX_INSUFFICIENT_PRIV
    InsufficientPriv = 4,
    /// CRM_EX_NOT_INSTALLED
    NotInstalled = 5,
    /// CRM_EX_NOT_CONFIGURED
    NotConfigured = 6,
    /// CRM_EX_NOT_RUNNING
    NotRunning = 7,
    /// CRM_EX_USAGE
    Usage = 64,
    /// CRM_EX_DATAERR
    DataErr = 65,
    /// CRM_EX_NOINPUT
    NoInput = 66,
    /// CRM_EX_NOUSER
    NoUser = 67,
    /// CRM_EX_NOHOST
    NoHost = 68,
    /// CRM_EX_UNAVAILABLE
    Unavailable = 69,
    /// CRM_EX_SOFTWARE
    Software = 70,
    /// CRM_EX_OSERR
    OsErr = 71,
    /// CRM_EX_OSFILE
    OsFile = 72,
    /// CRM_EX_CANTCREAT
    CantCreat = 73,
    /// CRM_EX_IOERR
    IoErr = 74,
    /// CRM_EX_TEMPFAIL
    TempFail = 75,
    /// CRM_EX_PROTOCOL
    Protocol = 76,
    /// CRM_EX_NOPERM
    NoPerm = 77,
    /// CRM_EX_CONFIG
    Config = 78,
    /// CRM_EX_FATAL
    Fatal = 100,
    /// CRM_EX_PANIC
    Panic = 101,
    /// CRM_EX_DISCONNECT
    Disconnect = 102,
    /// CRM_EX_OLD
    Old = 103,
    /// CRM_EX_DIGEST
    Digest = 104,
    /// CRM_EX_NOSUCH
    NoSuch = 105,
    /// CRM_EX_QUORUM
    Quorum = 106,
    /// CRM_EX_UNSAFE
    Unsafe = 107,
    /// CRM_EX_EXISTS
    Exists = 108,
    /// CRM_EX_MULTIPLE
    Multiple = 109,
    /// CRM_EX_EXPIRED
    Expired = 110,
    /// CRM_EX_NOT_YET_IN_EFFECT
    NotYetInEffect = 111,
    /// CRM_EX_INDETERMINATE
    Indeterminate = 112,
    /// CRM_EX_UNSATISFIED
    Unsatisfied = 113,
    /// CRM_EX_TIMEOUT
    Timeout = 124,
}

impl ExitCode {
    /// The numeric status.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Ends the process with this status.
    /// The code for a number received from elsewhere (a daemon's answer); unknown numbers
    /// become [`ExitCode::Error`].
    pub fn from_code(code: i32) -> ExitCode {
        use ExitCode::*;
        const ALL: [ExitCode; 38] = [
            Ok,
            Error,
            InvalidParam,
            UnimplementFeature,
            InsufficientPriv,
            NotInstalled,
            NotConfigured,
            NotRunning,
            Usage,
            DataErr,
            NoInput,
            NoUser,
            NoHost,
            Unavailable,
            Software,
            OsErr,
            OsFile,
            CantCreat,
            IoErr,
            TempFail,
            Protocol,
            NoPerm,
            Config,
            Fatal,
            Panic,
            Disconnect,
            Old,
            Digest,
            NoSuch,
            Quorum,
            Unsafe,
            Exists,
            Multiple,
            Expired,
            NotYetInEffect,
            Indeterminate,
            Unsatisfied,
            Timeout,
        ];
        ALL.into_iter()
            .find(|c| i32::from(c.code()) == code)
            .unwrap_or(Error)
    }

    pub fn exit(self) -> ! {
        std::process::exit(i32::from(self.code()))
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c.code())
    }
}
