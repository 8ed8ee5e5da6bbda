//! The transition engine's errors.
//!
//! Agent failures are not errors here: they are [`crate::Outcome`]s. Errors are misuse of the
//! state machine, graph actions the executor cannot run, and trouble reaching the lrmd.

/// What can go wrong in the transition engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TengineError {
    /// No action with this id exists in the transition.
    #[error("action {0} is not part of the transition")]
    UnknownAction(u32),
    /// The action exists but is not in flight (never fired, or already completed).
    #[error("action {0} is not in flight")]
    NotInFlight(u32),
    /// The action cannot be run by the LRM (a pseudo event or controller event).
    #[error("action {id} ({kind}) is not a resource operation")]
    NotAnRscOp {
        /// Action id.
        id: u32,
        /// Element kind (`pseudo_event`, `crm_event`).
        kind: &'static str,
    },
    /// A resource operation without its `<primitive>`.
    #[error("action {0} has no primitive")]
    MissingPrimitive(u32),
    /// The primitive names an agent class the LRM does not know, or lacks an OCF provider.
    #[error("action {id}: unusable agent {agent}")]
    BadAgent {
        /// Action id.
        id: u32,
        /// `class:provider:type` as written in the graph.
        agent: String,
    },
    /// The lrmd connection or the daemon failed.
    #[error("lrm: {0}")]
    Lrm(#[from] lrm::Error),
}
