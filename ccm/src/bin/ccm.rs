//! `ccm`: the consensus membership daemon, and its debug client (`--query`, `--watch`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use ccm::api::{default_socket_path, CcmClient};
use ccm::membership::Timing;
use ccm::runtime::{run, Options};
use flags::{Dialect, FlagError, Given, Opt, Spec, Stop};

const USAGE: &str = "\
Consensus membership on top of heartbeat

Usage: ccm [OPTIONS]

Options:
  -q, --query           Print the current view and exit (like `ccm_tool`)
  -w, --watch           Print every new view as it comes
      --socket PATH     ccm client socket [env: CCM_SOCKET] (default $HA_RUNDIR/ccm.sock)
      --hb-socket PATH  Heartbeat API socket [env: HA_API_SOCKET] (default $HA_RUNDIR/api.sock)
      --hello-ms MS     Hello interval in ms (peer timeout, settle and proposal timeouts scale with it) [default: 1000]
  -h, --help            Print help
  -V, --version         Print version
";

const SPEC: Spec = Spec {
    tool: "ccm",
    dialect: Dialect::Getopt,
    options: &[
        Opt::flag('q', "query"),
        Opt::flag('w', "watch"),
        Opt::long_value("socket"),
        Opt::long_value("hb-socket"),
        Opt::long_value("hello-ms"),
        Opt::HELP_H,
        Opt::VERSION_V,
    ],
    help_groups: &[],
    help: USAGE,
    version: concat!("ccm ", env!("CARGO_PKG_VERSION"), "\n"),
};

/// The command line.
#[derive(Debug)]
struct Cli {
    query: bool,
    watch: bool,
    socket: Option<PathBuf>,
    hb_socket: Option<PathBuf>,
    hello_ms: u64,
}

/// Reads the command line; help, the version and usage errors stop it.
fn parse(args: &[String]) -> Result<Cli, Stop> {
    let mut cli = Cli {
        query: false,
        watch: false,
        socket: None,
        hb_socket: None,
        hello_ms: 1000,
    };
    let refuse = |text: String| Stop::Usage(FlagError::Invalid(text));
    for g in flags::parse(&SPEC, args)? {
        let (name, value) = match g {
            Given::Opt { name, value } => (name, value),
            Given::Arg(a) => return Err(refuse(format!("unexpected argument '{a}'"))),
        };
        match name {
            "query" => cli.query = true,
            "watch" => cli.watch = true,
            "socket" => cli.socket = value.map(PathBuf::from),
            "hb-socket" => cli.hb_socket = value.map(PathBuf::from),
            "hello-ms" => {
                let v = value.unwrap_or_default();
                cli.hello_ms = v
                    .parse()
                    .map_err(|_| refuse(format!("--hello-ms needs milliseconds, not '{v}'")))?;
            }
            _ => {}
        }
    }
    if cli.query && cli.watch {
        return Err(refuse("--query and --watch cannot be used together".into()));
    }
    Ok(cli)
}

fn main() -> ExitCode {
    // heartbeat blocks the signals it handles before starting its children, and a blocked mask
    // is inherited through exec: undo it, or agents (and their services) could never be
    // stopped with SIGTERM.
    let _ = nix::sys::signal::SigSet::all().thread_unblock();
    // An argument we do not know must not start a daemon: usage and CRM_EX_USAGE (64).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match parse(&args) {
        Ok(c) => c,
        Err(stop) => {
            let code = stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr());
            return ExitCode::from(code);
        }
    };
    match real_main(cli) {
        Ok(code) => code,
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
