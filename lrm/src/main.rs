//! `lrmd`: the local resource manager daemon. Serves the LRM on a Unix socket.
//!
//! Usage: `lrmd [--socket PATH] [--max-parallel N]`. Agent directories come from `OCF_ROOT`,
//! `LRMD_LSB_DIR` and `LRMD_HEARTBEAT_DIRS`; the socket from `LRMD_SOCKET` when not given.

use std::path::PathBuf;

use anyhow::Context;
use lrm::{Executor, ExecutorConfig};
use tokio::signal::unix::{signal, SignalKind};

fn main() -> anyhow::Result<()> {
    // heartbeat blocks the signals it handles before starting its children, and a blocked mask
    // is inherited through exec: undo it, or agents (and their services) could never be
    // stopped with SIGTERM.
    let _ = nix::sys::signal::SigSet::all().thread_unblock();
    // One logging path: stderr, and ha.cf's log files and syslog from heartbeat's HA_*
    // environment, as Heartbeat's lrmd logged.
    halog::init("lrmd", "LRMD_LOG");
    let mut socket = lrm::wire::socket_path();
    let mut config = ExecutorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--socket" => socket = PathBuf::from(args.next().context("--socket needs a path")?),
            "--max-parallel" => {
                config.max_parallel = args
                    .next()
                    .context("--max-parallel needs a number")?
                    .parse()
                    .context("--max-parallel")?;
            }
            "-h" | "--help" => {
                println!("usage: lrmd [--socket PATH] [--max-parallel N]");
                return Ok(());
            }
            other => {
                // Never start a daemon on an argument we do not know (CRM_EX_USAGE).
                eprintln!("lrmd: unknown argument {other}\nusage: lrmd [--socket PATH] [--max-parallel N]");
                std::process::exit(64);
            }
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
