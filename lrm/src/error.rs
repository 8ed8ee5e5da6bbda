//! The LRM's errors. Agent failures are not errors: they are data in `OpResult`.

/// What can go wrong talking to the LRM.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No resource with this id is registered.
    #[error("resource {0} is not registered")]
    UnknownResource(String),
    /// No active recurring operation with this key.
    #[error("no recurring operation {0}")]
    NoSuchOperation(String),
    /// The executor (or the daemon's connection) went away.
    #[error("the LRM is shutting down")]
    Shutdown,
    /// Socket or file trouble.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A peer sent something that is not a valid frame or message.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The daemon refused a request.
    #[error("lrmd: {0}")]
    Remote(String),
}

/// Result with the LRM's error.
pub type Result<T> = std::result::Result<T, Error>;
