//! Why a command line was refused, in the words of the original's parser.

/// A usage error; [`crate::Stop::report`] prefixes the tool's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    /// GLib: an option nobody declared (`-Z`, `--bogus`, `--help=x`).
    #[error("Unknown option {0}")]
    Unknown(String),
    /// GLib: the last argument needed a value.
    #[error("Missing argument for {0}")]
    MissingValue(String),
    /// getopt: an unknown long option (as written, `--bogus`).
    #[error("unrecognized option '{0}'")]
    UnrecognizedLong(String),
    /// getopt: an unknown short option.
    #[error("invalid option -- '{0}'")]
    InvalidShort(char),
    /// getopt: a short option without its value.
    #[error("option requires an argument -- '{0}'")]
    ShortNeedsValue(char),
    /// getopt: a long option without its value (`--scope`).
    #[error("option '{0}' requires an argument")]
    LongNeedsValue(String),
    /// getopt: `--flag=value`.
    #[error("option '{0}' doesn't allow an argument")]
    LongTakesNoValue(String),
    /// getopt: an abbreviation of several long options.
    #[error("option '{option}' is ambiguous; possibilities:{}", candidates.iter().map(|c| format!(" '--{c}'")).collect::<String>())]
    Ambiguous {
        /// As written.
        option: String,
        /// The long names it abbreviates.
        candidates: Vec<&'static str>,
    },
    /// An argument that is not valid UTF-8.
    #[error("Invalid byte sequence in argument {0}")]
    NotUnicode(String),
    /// A tool's own check of a value (e.g. `Invalid interval '5x'`).
    #[error("{0}")]
    Invalid(String),
}
