//! `ccm`: the consensus membership daemon, and its debug client (`--query`, `--watch`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ccm::api::{default_socket_path, CcmClient};
use ccm::membership::Timing;
use ccm::runtime::{run, Options};
use clap::Parser;

/// Consensus membership on top of heartbeat.
#[derive(Parser, Debug)]
#[command(name = "ccm", version)]
struct Cli {
    /// Print the current view and exit (like `ccm_tool`).
    #[arg(short = 'q', long, conflicts_with = "watch")]
    query: bool,
    /// Print every new view as it comes.
    #[arg(short = 'w', long)]
    watch: bool,
    /// ccm client socket [env: CCM_SOCKET] (default $HA_RUNDIR/ccm.sock).
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Heartbeat API socket [env: HA_API_SOCKET] (default $HA_RUNDIR/api.sock).
    #[arg(long, value_name = "PATH")]
    hb_socket: Option<PathBuf>,
    /// Hello interval in ms (peer timeout, settle and proposal timeouts scale with it).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    hello_ms: u64,
}

fn main() -> ExitCode {
    // heartbeat blocks the signals it handles before starting its children, and a blocked mask
    // is inherited through exec: undo it, or agents (and their services) could never be
    // stopped with SIGTERM.
    let _ = nix::sys::signal::SigSet::all().thread_unblock();
    // An argument we do not know must not start a daemon: usage and CRM_EX_USAGE (64).
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 64 } else { 0 });
        }
    };
    // The daemon logs as Heartbeat's ccm did (ha.cf's files and syslog, from heartbeat's
    // environment); the query and watch clients only print.
    let daemon = !cli.query && !cli.watch;
    if daemon {
        halog::init("ccm", "CCM_LOG");
    }
    match real_main(cli) {
        Ok(code) => code,
        Err(e) if daemon => {
            tracing::error!("{e:#}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("ccm: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn real_main(cli: Cli) -> Result<ExitCode> {
    let socket = cli.socket.unwrap_or_else(default_socket_path);
    if cli.query {
        return Ok(match CcmClient::query(&socket).context("querying ccm")? {
            Some(v) => {
                print!("{}", v.render());
                ExitCode::SUCCESS
            }
            None => {
                println!("ccm has no membership yet");
                ExitCode::from(1)
            }
        });
    }
    if cli.watch {
        let mut client = CcmClient::subscribe(&socket).context("subscribing to ccm")?;
        loop {
            if let Some(v) = client.next_view(None).context("reading from ccm")? {
                println!(
                    "{} instance {} leader {}",
                    v.event.as_str(),
                    v.instance,
                    v.leader
                );
                print!("{}", v.render());
            }
        }
    }
    let hello = cli.hello_ms.max(10);
    let timing = Timing {
        hello_interval: hello,
        peer_timeout: hello * 5,
        settle: hello / 5,
        proposal_timeout: hello,
        suspect_time: hello * 3,
        stuck_timeout: hello * 3,
        ..Timing::default()
    };
    run(Options {
        hb_socket: cli
            .hb_socket
            .unwrap_or_else(messaging::client::default_socket_path),
        ccm_socket: socket,
        timing,
    })?;
    Ok(ExitCode::SUCCESS)
}
