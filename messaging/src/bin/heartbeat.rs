//! `heartbeat`: the cluster messaging daemon (Heartbeat 3.0.6 compatible start-up and control).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use flags::{Dialect, FlagError, Given, Opt, Spec, Stop};
use messaging::daemon::{self, Options};
use messaging::log;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Exit status Heartbeat uses for configuration errors (LSB "not configured").
const EXIT_NOT_CONFIGURED: u8 = 6;

const USAGE: &str = "\
Heartbeat cluster messaging daemon

Usage: heartbeat [OPTIONS]

Options:
  -c, --confdir DIR       Configuration directory holding ha.cf and authkeys [env: HA_DIR] (default /etc/ha.d)
  -n, --nodename NAME     Local node name instead of `uname -n` [env: HA_NODENAME]
      --rundir DIR        Directory for api.sock and heartbeat.pid [env: HA_RUNDIR] (default /var/run/heartbeat)
      --statedir DIR      Directory for hb_generation [env: HA_STATEDIR] (default /var/lib/heartbeat)
  -f, --foreground        Stay in the foreground instead of daemonizing
      --crm-daemons LIST  CRM daemons started by `crm respawn`, e.g. \"ccm lrmd crmd:hacluster\" [env: HA_CRM_DAEMONS]
  -k                      Stop the running heartbeat
  -s                      Report whether heartbeat is running
  -r                      Ask the running heartbeat to reload (SIGHUP)
  -d                      More debug output (repeatable)
  -h, --help              Print help
  -V, --version           Print version
";

const SPEC: Spec = Spec {
    tool: "heartbeat",
    dialect: Dialect::Getopt,
    options: &[
        Opt::value('c', "confdir"),
        Opt::value('n', "nodename"),
        Opt::long_value("rundir"),
        Opt::long_value("statedir"),
        Opt::flag('f', "foreground"),
        Opt::long_value("crm-daemons"),
        Opt::flag('k', "kill").short_only(),
        Opt::flag('s', "status").short_only(),
        Opt::flag('r', "reload").short_only(),
        Opt::flag('d', "debug").short_only(),
        Opt::HELP_H,
        Opt::VERSION_V,
    ],
    help_groups: &[],
    help: USAGE,
    version: concat!("heartbeat ", "3.0.6", "\n"),
};

/// The command line.
#[derive(Debug, Default)]
struct Cli {
    confdir: Option<String>,
    nodename: Option<String>,
    rundir: Option<String>,
    statedir: Option<String>,
    foreground: bool,
    crm_daemons: Option<String>,
    kill: bool,
    status: bool,
    reload: bool,
    debug: u8,
}

/// Reads the command line; help, the version and usage errors stop it.
fn parse(args: &[String]) -> Result<Cli, Stop> {
    let mut cli = Cli::default();
    for g in flags::parse(&SPEC, args)? {
        let (name, value) = match g {
            Given::Opt { name, value } => (name, value),
            Given::Arg(a) => {
                return Err(FlagError::Invalid(format!("unexpected argument '{a}'")).into())
            }
        };
        match name {
            "confdir" => cli.confdir = value,
            "nodename" => cli.nodename = value,
            "rundir" => cli.rundir = value,
            "statedir" => cli.statedir = value,
            "foreground" => cli.foreground = true,
            "crm-daemons" => cli.crm_daemons = value,
            "kill" => cli.kill = true,
            "status" => cli.status = true,
            "reload" => cli.reload = true,
            "debug" => cli.debug = cli.debug.saturating_add(1),
            _ => {}
        }
    }
    Ok(cli)
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
    // An argument we do not know must not start a daemon: usage and CRM_EX_USAGE (64).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match parse(&args) {
        Ok(c) => c,
        Err(stop) => {
            let code = stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr());
            return ExitCode::from(code);
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

#[cfg(test)]
mod tests {
    #[test]
    fn version_line_names_the_heartbeat_version() {
        assert_eq!(
            super::SPEC.version,
            format!("heartbeat {}\n", messaging::daemon::HB_VERSION)
        );
    }
}
