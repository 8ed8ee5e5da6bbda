//! `crmd`: started by heartbeat (`crm respawn` in ha.cf) with `HA_*` variables naming its
//! sockets and directories.

use std::process::ExitCode;

use flags::{Dialect, Given, Opt, Spec};

fn main() -> ExitCode {
    // heartbeat blocks the signals it handles before starting its children, and a blocked mask
    // is inherited through exec: undo it, or agents (and their services) could never be
    // stopped with SIGTERM.
    let _ = nix::sys::signal::SigSet::all().thread_unblock();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CRMD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // crmsh falls back to `crmd version` / `crmd metadata` when it finds no
    // pacemaker-controld; any other argument must not start a second daemon.
    const USAGE: &str = "usage: crmd [version|metadata]   (the daemon takes no arguments; it is configured through HA_NODENAME, HA_RUNDIR, HA_STATEDIR, HA_DIR, HA_API_SOCKET, CIB_SOCKET, LRMD_SOCKET, CCM_SOCKET)";
    let args: Vec<String> = std::env::args().skip(1).collect();
    const SPEC: Spec = Spec {
        tool: "crmd",
        dialect: Dialect::Getopt,
        options: &[Opt::HELP_H],
        help_groups: &[],
        help: USAGE,
        version: concat!("crmd (heartbeat-rs) ", env!("CARGO_PKG_VERSION"), "\n"),
    };
    let words = match flags::parse(&SPEC, &args) {
        Ok(given) => given,
        Err(stop) => {
            return ExitCode::from(stop.report(
                &SPEC,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            ))
        }
    };
    match words.as_slice() {
        [] => {}
        [Given::Arg(w)] if w == "version" => {
            println!(
                "CRM Version: 2.1.5 (heartbeat-rs-{})",
                env!("CARGO_PKG_VERSION")
            );
            return ExitCode::SUCCESS;
        }
        [Given::Arg(w)] if w == "metadata" => {
            print!(
                "{}",
                cib::option_meta::metadata(cib::option_meta::Daemon::Controld)
            );
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(flags::EXIT_USAGE);
        }
    }
    match crmd::daemon::run(crmd::daemon::Options::from_env()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crmd: {e:#}");
            ExitCode::FAILURE
        }
    }
}
