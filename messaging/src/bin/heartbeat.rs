//! `heartbeat`: the cluster messaging daemon (Heartbeat 3.0.6 compatible start-up and control).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use messaging::daemon::{self, Options};
use messaging::log;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Exit status Heartbeat uses for configuration errors (LSB "not configured").
const EXIT_NOT_CONFIGURED: u8 = 6;

#[derive(Parser, Debug)]
#[command(name = "heartbeat", version = daemon::HB_VERSION, about = "Heartbeat cluster messaging daemon")]
struct Cli {
    /// Configuration directory holding ha.cf and authkeys [env: HA_DIR] (default /etc/ha.d)
    #[arg(short = 'c', long = "confdir", value_name = "DIR")]
    confdir: Option<String>,
    /// Local node name instead of `uname -n` [env: HA_NODENAME]
    #[arg(short = 'n', long = "nodename", value_name = "NAME")]
    nodename: Option<String>,
    /// Directory for api.sock and heartbeat.pid [env: HA_RUNDIR] (default /var/run/heartbeat)
    #[arg(long, value_name = "DIR")]
    rundir: Option<String>,
    /// Directory for hb_generation [env: HA_STATEDIR] (default /var/lib/heartbeat)
    #[arg(long, value_name = "DIR")]
    statedir: Option<String>,
    /// Stay in the foreground instead of daemonizing
    #[arg(short = 'f', long)]
    foreground: bool,
    /// CRM daemons started by `crm respawn`, e.g. "ccm lrmd crmd:hacluster" [env: HA_CRM_DAEMONS]
    #[arg(long, value_name = "LIST")]
    crm_daemons: Option<String>,
    /// Stop the running heartbeat
    #[arg(short = 'k')]
    kill: bool,
    /// Report whether heartbeat is running
    #[arg(short = 's')]
    status: bool,
    /// Ask the running heartbeat to reload (SIGHUP)
    #[arg(short = 'r')]
    reload: bool,
    /// More debug output (repeatable)
    #[arg(short = 'd', action = clap::ArgAction::Count)]
    debug: u8,
}

fn options(cli: &Cli) -> Options {
    let mut o = Options::from_env();
    if let Some(c) = &cli.confdir {
        o.confdir = c.clone();
    }
    if let Some(n) = &cli.nodename {
        o.nodename = Some(n.clone());
    }
    if let Some(d) = &cli.rundir {
        o.rundir = d.into();
    }
    if let Some(d) = &cli.statedir {
        o.statedir = d.into();
    }
    if let Some(l) = &cli.crm_daemons {
        o.crm_daemons = Some(l.split_whitespace().map(str::to_string).collect());
    }
    o.foreground = cli.foreground;
    o
}

fn main() -> ExitCode {
    log::init();
    // An argument we do not know must not start a daemon: usage and CRM_EX_USAGE (64).
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 64 } else { 0 });
        }
    };
    let opts = options(&cli);
    let running = daemon::running_pid(&opts.pidfile());
    if cli.status {
        return match running {
            Some(pid) => {
                let me = opts.node_name();
                println!(
                    "heartbeat OK [pid {pid} et al] is running on {} [{me}]...",
                    me.to_ascii_lowercase()
                );
                ExitCode::SUCCESS
            }
            None => {
                println!("heartbeat is stopped. No process");
                ExitCode::from(1)
            }
        };
    }
    if cli.kill {
        let Some(pid) = running else {
            println!("INFO: Heartbeat already stopped.");
            return ExitCode::SUCCESS;
        };
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        while daemon::running_pid(&opts.pidfile()) == Some(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        return ExitCode::SUCCESS;
    }
    if cli.reload {
        return match running {
            Some(pid) => {
                let _ = kill(Pid::from_raw(pid), Signal::SIGHUP);
                ExitCode::SUCCESS
            }
            None => {
                println!("heartbeat is stopped. No process");
                ExitCode::from(1)
            }
        };
    }
    let validated = match opts.validate() {
        Ok(v) => v,
        Err(e) => {
            for (level, line) in e.log_lines() {
                match level {
                    "ERROR" => log::error(&line),
                    _ => log::info(&line),
                }
            }
            return ExitCode::from(EXIT_NOT_CONFIGURED);
        }
    };
    let cfg = &validated.config;
    // We have no ha_logd: `use_logd` (explicit, or implied by no other log setting) sends the log
    // to syslog's daemon facility, where ha_logd would have written it by default.
    let facility = cfg
        .logfacility
        .as_deref()
        .or(cfg.use_logd.then_some("daemon"));
    log::configure(&log::LogSetup {
        node: &validated.nodename,
        logfile: cfg.logfile.as_deref(),
        debugfile: cfg.debugfile.as_deref(),
        facility,
        syslog_format: cfg.syslogmsgfmt,
        debug: cli.debug > 0 || cfg.debug > 0,
    });
    if let Some(pid) = running {
        log::info(&format!("heartbeat: already running [pid {pid}]."));
        return ExitCode::SUCCESS;
    }
    match daemon::run(validated, &opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}
