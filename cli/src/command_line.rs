//! Every tool's command line goes through here: the `flags` layer reads it against the tool's
//! [`Spec`], and help, version and usage errors are printed once, for all tools, with the
//! original's exit code.

use std::io::Write;

use flags::{Given, Spec};

use crate::exit::ExitCode;

/// The options given, in order; or the exit code after help, the version or a usage error
/// has been printed.
pub fn read(
    spec: &Spec,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Vec<Given>, ExitCode> {
    flags::parse(spec, args).map_err(|stop| match stop.report(spec, out, err) {
        0 => ExitCode::Ok,
        _ => ExitCode::Usage,
    })
}

/// Prints a tool's own refusal of a value in GLib's form (`TOOL: text`); exit 64.
pub fn refuse(spec: &Spec, text: &str, err: &mut dyn Write) -> ExitCode {
    flags::Stop::Usage(flags::FlagError::Invalid(text.to_string())).report(
        spec,
        &mut std::io::sink(),
        err,
    );
    ExitCode::Usage
}
