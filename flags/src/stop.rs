//! Help, version and usage errors: printed the same way for every tool.

use std::io::Write;

use crate::{Dialect, FlagError, Spec};

/// Pacemaker's CRM_EX_USAGE, the exit code of every refused command line.
pub const EXIT_USAGE: u8 = 64;

/// Which help was asked for (the tools print one text for each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpKind {
    /// `-?`, `-h`, `--help`.
    Brief,
    /// `--help-all`.
    All,
    /// `--help-GROUP`.
    Group(&'static str),
}

/// Why the tool does not run: the command line asked for help or the version, or is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Print help and exit 0.
    Help(HelpKind),
    /// Print the version and exit 0.
    Version,
    /// Print the error and exit 64.
    Usage(FlagError),
}

impl From<FlagError> for Stop {
    fn from(e: FlagError) -> Stop {
        Stop::Usage(e)
    }
}

impl Stop {
    /// The exit code the original gives.
    pub fn exit_code(&self) -> u8 {
        match self {
            Stop::Help(_) | Stop::Version => 0,
            Stop::Usage(_) => EXIT_USAGE,
        }
    }

    /// Prints what the original prints (help and version on `out`, errors on `err` as
    /// `TOOL: text`, getopt tools adding their usage) and returns the exit code.
    pub fn report(&self, spec: &Spec, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
        let _ = match self {
            Stop::Help(_) => write_text(out, spec.help),
            Stop::Version => write_text(out, spec.version),
            Stop::Usage(e) => match spec.dialect {
                Dialect::Glib => writeln!(err, "{}: {e}", spec.tool),
                Dialect::Getopt => {
                    writeln!(err, "{}: {e}", spec.tool).and_then(|()| write_text(err, spec.help))
                }
            },
        };
        self.exit_code()
    }
}

/// Writes a help or version text, ending it with a newline if it has none.
fn write_text(w: &mut dyn Write, text: &str) -> std::io::Result<()> {
    w.write_all(text.as_bytes())?;
    if !text.is_empty() && !text.ends_with('\n') {
        w.write_all(b"\n")?;
    }
    Ok(())
}
