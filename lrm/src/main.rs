//! `lrmd`: the local resource manager daemon. Serves the LRM on a Unix socket.
//!
//! Usage: `lrmd [--socket PATH] [--max-parallel N]`. Agent directories come from `OCF_ROOT`,
//! `LRMD_LSB_DIR` and `LRMD_HEARTBEAT_DIRS`; the socket from `LRMD_SOCKET` when not given.

use std::path::PathBuf;

use anyhow::Context;
use flags::{Dialect, FlagError, Given, Opt, Spec, Stop};
use lrm::{Executor, ExecutorConfig};
use tokio::signal::unix::{signal, SignalKind};

const USAGE: &str = "usage: lrmd [--socket PATH] [--max-parallel N]\n";

const SPEC: Spec = Spec {
    tool: "lrmd",
    dialect: Dialect::Getopt,
    options: &[
        Opt::long_value("socket"),
        Opt::long_value("max-parallel"),
        Opt::HELP_H,
    ],
    help_groups: &[],
    help: USAGE,
    version: concat!("lrmd (heartbeat-rs) ", env!("CARGO_PKG_VERSION"), "\n"),
};

/// Applies the command line to the defaults.
fn options(args: &[String], socket: &mut PathBuf, config: &mut ExecutorConfig) -> Result<(), Stop> {
    for g in flags::parse(&SPEC, args)? {
        match g {
            Given::Opt {
                name: "socket",
                value,
            } => *socket = value.unwrap_or_default().into(),
            Given::Opt {
                name: "max-parallel",
                value,
            } => {
                let text = value.unwrap_or_default();
                config.max_parallel = text.parse().map_err(|_| {
                    FlagError::Invalid(format!("--max-parallel needs a number, not '{text}'"))
                })?;
            }
            Given::Opt { name, .. } => unreachable!("--{name} is not in the spec"),
            Given::Arg(a) => {
                return Err(FlagError::Invalid(format!("unexpected argument '{a}'")).into())
            }
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // heartbeat blocks the signals it handles before starting its children, and a blocked mask
    // is inherited through exec: undo it, or agents (and their services) could never be
    // stopped with SIGTERM.
    let _ = nix::sys::signal::SigSet::all().thread_unblock();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LRMD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut socket = lrm::wire::socket_path();
    let mut config = ExecutorConfig::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match options(&args, &mut socket, &mut config) {
        Ok(()) => {}
        // Never start a daemon on an argument we do not know: usage and CRM_EX_USAGE (64).
        Err(stop) => {
            let code = stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr());
            std::process::exit(code.into());
        }
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async move {
        let listener = lrm::server::bind(&socket).context("binding the lrmd socket")?;
        tracing::info!(socket = %socket.display(), max_parallel = config.max_parallel, "lrmd ready");
        let executor = Executor::new(config);
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let outcome = tokio::select! {
            r = lrm::server::serve(executor, listener) => r.context("serving clients"),
            _ = term.recv() => Ok(()),
            _ = int.recv() => Ok(()),
        };
        let _ = std::fs::remove_file(&socket);
        tracing::info!("lrmd stopped");
        outcome
    })
}
