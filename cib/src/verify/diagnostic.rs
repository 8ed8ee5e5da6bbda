//! What a check reports: a typed finding, never printed here.

/// How bad a finding is. Pacemaker rejects a configuration on either, but says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Logged as an error about the text itself, which was then repaired the way libxml2
    /// recovers; the verdict rests on the repaired document.
    Recovered,
    /// Logged as a warning, but on its own leaves the configuration valid (Pacemaker's plain
    /// log warnings, as opposed to configuration warnings).
    Advisory,
    /// A warning: the configuration "may not be valid".
    Warning,
    /// An error: the configuration "is not valid".
    Error,
}

/// Which rule produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The text is not well-formed XML.
    WellFormed,
    /// The text holds no XML element at all: there is nothing to check.
    NoDocument,
    /// The root element is not `cib`: not a complete configuration.
    NotCib,
    /// The document breaks the structure its `validate-with` schema demands.
    Schema,
    /// An id is used by more than one element.
    DuplicateId,
    /// A constraint names a resource, node or set that does not exist.
    UnknownReference,
    /// A score is neither an integer nor (+/-)INFINITY.
    InvalidScore,
    /// An interval or timeout is not a valid duration.
    InvalidDuration,
    /// A value the scheduler resets to its default (on-fail, kind, influence, target-role, ...).
    InvalidValue,
    /// Two recurring operations share name and interval.
    DuplicateOperation,
    /// A deprecated option or syntax is used.
    Deprecated,
    /// Fencing is enabled but cannot happen, or is required but disabled.
    Fencing,
    /// The recorded status section names nodes or resources the configuration lacks.
    Status,
    /// A node would be fenced or is unclean.
    UncleanNode,
    /// A primitive names its agent by a path (`/`, `..`) instead of an installed agent's name.
    AgentName,
}

/// One finding: which rule, how bad, where, and Pacemaker's message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The rule that fired.
    pub check: Check,
    /// The part of the scheduler (or the validator) Pacemaker attributes the message to.
    pub origin: &'static str,
    /// Tag name of the offending element (e.g. `primitive`, `op`, `rsc_order`).
    pub element: String,
    /// The offending element's id, when it has one.
    pub id: Option<String>,
    /// 1-based source line of the offending element (0 when unknown).
    pub line: usize,
    /// The message, worded like Pacemaker's.
    pub message: String,
}

impl Diagnostic {
    /// A finding about `element` (name, id and line are taken from it).
    pub fn at(
        severity: Severity,
        check: Check,
        origin: &'static str,
        element: &crate::Element,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            check,
            origin,
            element: element.name.clone(),
            id: element.id().map(str::to_string),
            line: element.line,
            message: message.into(),
        }
    }
}
