//! The operation history of the status section, read once and replayed once.
//!
//! [`OpRecord`] is the one reading of an `<lrm_rsc_op>` (every tool that shows or judges a
//! recorded operation uses it), and [`replay`] is the one walk over a resource's history on one
//! node that decides its role, failures and bans there. What depends on the reader's picture
//! of the configuration (the reaction to a failure, failure expiry) comes in through
//! [`Rules`]: the scheduler passes its cluster view, `crm_verify`'s checks their own.

mod record;
mod replay;

pub use record::{history, in_call_order, records, OpRecord};
pub use replay::{replay, Defaults, OnFail, Role, RscNodeState, Rules};

#[cfg(test)]
mod tests;
