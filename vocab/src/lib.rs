//! The vocabulary every crate shares: one place for each value concept that Pacemaker and
//! Heartbeat define, so that every tool and daemon reads and prints them alike.
//!
//! * [`boolean`]: `crm_is_true` spellings.
//! * [`score`]: placement scores with INFINITY arithmetic.
//! * [`duration`]: intervals and timeouts (`10s`, `PT5M`) and Heartbeat's ha.cf times.
//! * [`datetime`]: ISO 8601 dates, calendar math, `crm_time` and `ctime(3)` text.
//! * [`ocf`]: OCF agent return codes and the executor's execution status.
//! * [`exit`]: Pacemaker's process exit codes (`crm_exit_t`).
//! * [`xml_escape`]: the escaping policies of the XML texts we write.
//!
//! It is the lowest crate of the workspace: pure functions on strings and numbers, no I/O,
//! so messaging and the OCF agents can use it without pulling in the CIB.

pub mod boolean;
pub mod datetime;
pub mod duration;
pub mod exit;
pub mod ocf;
pub mod score;
pub mod xml_escape;

pub use boolean::{is_true, parse_bool};
pub use duration::{parse_duration, parse_duration_ms};
pub use exit::ExitCode;
pub use ocf::{ExecStatus, OcfRc};
pub use score::Score;

/// A text that is not a valid value of the kind asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not one of the boolean words.
    #[error("'{0}' is not a valid boolean")]
    Boolean(String),
    /// Not a duration.
    #[error("'{0}' is not a valid duration")]
    Duration(String),
    /// Not a score.
    #[error("'{0}' is not a valid score")]
    Score(String),
}
