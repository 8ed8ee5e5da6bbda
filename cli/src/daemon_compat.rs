//! Answers under Pacemaker 2.1.5's daemon names, for tools that probe them (crmsh runs
//! `pacemaker-controld version` on every command and `pacemaker-{controld,schedulerd,based,
//! fenced} metadata` to know the cluster properties): `version`, `metadata` and usage. These
//! programs never start a daemon; heartbeat-rs's own daemons are `crmd`, `lrmd`, `stonithd`.
//!
//! The metadata is [`cib::option_meta`]'s.

use crate::exit::ExitCode;
use crate::version::PACEMAKER_VERSION;
pub use cib::option_meta::{metadata, Daemon};
use std::io::Write;

/// The build the `version` answer names after the Pacemaker release.
pub const BUILD: &str = concat!("heartbeat-rs-", env!("CARGO_PKG_VERSION"));

/// Runs one of the Pacemaker daemon names with `args` (without the program name).
pub fn run(d: Daemon, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let usage = |w: &mut dyn Write| {
        let _ = writeln!(
            w,
            "usage: {} {{version|metadata}}\n\nheartbeat-rs answers under this Pacemaker daemon name for tools that \
             probe it; it starts no daemon (the cluster runs crmd, lrmd and stonithd under heartbeat).",
            d.name()
        );
    };
    match args.first().map(String::as_str) {
        Some("version") if d == Daemon::Controld => {
            let _ = writeln!(out, "CRM Version: {PACEMAKER_VERSION} ({BUILD})");
            ExitCode::Ok
        }
        Some("metadata") => {
            let _ = write!(out, "{}", metadata(d));
            ExitCode::Ok
        }
        Some("-$" | "--version") => {
            let _ = out.write_all(crate::version::BANNER.as_bytes());
            ExitCode::Ok
        }
        Some("-h" | "--help" | "-?") => {
            usage(out);
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
    match args.first().map(String::as_str) {
        Some("-$" | "--version") => {
            let _ = out.write_all(crate::version::BANNER.as_bytes());
            ExitCode::Ok
        }
        Some("-F" | "--features") => {
            let _ = writeln!(
                out,
                "Pacemaker {PACEMAKER_VERSION} (Build: {BUILD})\n Supporting v{}: heartbeat-rs",
                cib::FEATURE_SET
            );
            ExitCode::Ok
        }
        Some("-h" | "--help" | "-?") => {
            let _ = writeln!(out, "usage: pacemakerd {{-$|--version|--features}}");
            ExitCode::Ok
        }
        _ => {
            let _ = writeln!(
                err,
                "usage: pacemakerd {{-$|--version|--features}}\n\nheartbeat-rs does not start a cluster through \
                 pacemakerd: heartbeat starts crmd, lrmd and stonithd."
            );
            ExitCode::Usage
        }
    }
}
