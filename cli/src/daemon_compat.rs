//! Answers under Pacemaker 2.1.5's daemon names, for tools that probe them (crmsh runs
//! `pacemaker-controld version` on every command and `pacemaker-{controld,schedulerd,based,
//! fenced} metadata` to know the cluster properties): `version`, `metadata` and usage. These
//! programs never start a daemon; heartbeat-rs's own daemons are `crmd`, `lrmd`, `stonithd`.
//!
//! The metadata is [`cib::option_meta`]'s.

use crate::exit::ExitCode;
use crate::version::{BANNER, PACEMAKER_VERSION};
pub use cib::option_meta::{metadata, Daemon};
use flags::{Dialect, Given, Opt, Spec, Stop};
use std::io::Write;

/// The build the `version` answer names after the Pacemaker release.
pub const BUILD: &str = concat!("heartbeat-rs-", env!("CARGO_PKG_VERSION"));

/// What these names say about themselves.
const ABOUT: &str =
    "heartbeat-rs answers under this Pacemaker daemon name for tools that probe it; it \
starts no daemon (the cluster runs crmd, lrmd and stonithd under heartbeat).";

const ABOUT_LINE: &str =
    "heartbeat-rs answers under this Pacemaker daemon name; it starts no daemon.\n";

const PACEMAKERD_USAGE: &str = "usage: pacemakerd {-$|--version|--features}\n";

/// The daemon names' options: GLib's help and version, `-V`; the rest is positional.
fn spec(tool: &'static str, options: &'static [Opt], help: &'static str) -> Spec {
    Spec {
        tool,
        // Pacemaker 2.1.5's controller, based and fenced still read their options with
        // getopt_long.
        dialect: match tool {
            "pacemaker-controld" | "pacemaker-based" | "pacemaker-fenced" => Dialect::Getopt,
            _ => Dialect::Glib,
        },
        options,
        help_groups: &[],
        help,
        version: BANNER,
    }
}

/// Runs one of the Pacemaker daemon names with `args` (without the program name).
pub fn run(d: Daemon, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let usage = |w: &mut dyn Write| {
        let _ = writeln!(w, "usage: {} {{version|metadata}}\n\n{ABOUT}", d.name());
    };
    const OPTIONS: &[Opt] = &[Opt::flag('V', "verbose")];
    let spec = spec(d.name(), OPTIONS, ABOUT_LINE);
    let given = match flags::parse(&spec, args) {
        Ok(given) => given,
        Err(Stop::Help(_)) => {
            usage(out);
            return ExitCode::Ok;
        }
        Err(stop) => {
            return match stop.report(&spec, out, err) {
                0 => ExitCode::Ok,
                _ => ExitCode::Usage,
            }
        }
    };
    let words: Vec<&str> = given
        .iter()
        .filter_map(|g| match g {
            Given::Arg(a) => Some(a.as_str()),
            Given::Opt { .. } => None,
        })
        .collect();
    match words.as_slice() {
        ["version"] if d == Daemon::Controld => {
            let _ = writeln!(out, "CRM Version: {PACEMAKER_VERSION} ({BUILD})");
            ExitCode::Ok
        }
        ["metadata"] => {
            let _ = write!(out, "{}", metadata(d));
            ExitCode::Ok
        }
        _ => {
            usage(err);
            ExitCode::Usage
        }
    }
}

/// `pacemakerd`: only `-$`/`--version`, `--features` and help; it never starts a cluster.
pub fn run_pacemakerd(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    const OPTIONS: &[Opt] = &[Opt::flag('F', "features"), Opt::flag('V', "verbose")];
    let spec = spec("pacemakerd", OPTIONS, PACEMAKERD_USAGE);
    let given = match crate::command_line::read(&spec, args, out, err) {
        Ok(given) => given,
        Err(code) => return code,
    };
    if given.iter().any(|g| {
        matches!(
            g,
            Given::Opt {
                name: "features",
                ..
            }
        )
    }) {
        let _ = writeln!(
            out,
            "Pacemaker {PACEMAKER_VERSION} (Build: {BUILD})\n Supporting v{}: heartbeat-rs",
            cib::FEATURE_SET
        );
        return ExitCode::Ok;
    }
    let _ = write!(
        err,
        "{PACEMAKERD_USAGE}\nheartbeat-rs does not start a cluster through pacemakerd: heartbeat starts \
         crmd, lrmd and stonithd.\n"
    );
    ExitCode::Usage
}
