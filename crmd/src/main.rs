//! `crmd`: started by heartbeat (`crm respawn` in ha.cf) with `HA_*` variables naming its
//! sockets and directories.

use std::process::ExitCode;

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
    if std::env::args()
        .nth(1)
        .is_some_and(|a| a == "--help" || a == "-h")
    {
        println!("usage: crmd   (configured through HA_NODENAME, HA_RUNDIR, HA_STATEDIR, HA_DIR, HA_API_SOCKET, CIB_SOCKET, LRMD_SOCKET, CCM_SOCKET)");
        return ExitCode::SUCCESS;
    }
    match crmd::daemon::run(crmd::daemon::Options::from_env()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crmd: {e:#}");
            ExitCode::FAILURE
        }
    }
}
