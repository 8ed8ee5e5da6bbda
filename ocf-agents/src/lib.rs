//! heartbeat-rs's own OCF resource agents, built as one multi-call binary.
//!
//! The binary is installed once and linked under an OCF provider directory
//! (`/usr/lib/ocf/resource.d/heartbeat-rs/<Agent>`); it picks the agent from the name it
//! was called by (argv\[0\]) and the action from argv\[1\]. Called with more words
//! (`IPaddr 10.0.0.5/24/eth0 start`) it follows the Heartbeat v1 script convention.
//!
//! Agents: Dummy, Stateful, Delay, IPaddr2, IPaddr, IPv6addr, Filesystem, ping, anything,
//! WebServer, Route, SendArp, IPsrcaddr, portblock, MailTo, SysInfo.
//!
//! ```text
//! cargo build --release -p ocf-agents
//! sudo target/release/ocf-agents install            # --prefix /usr/lib/ocf --provider heartbeat-rs
//! sudo target/release/ocf-agents install --heartbeat-dir /etc/ha.d/resource.d   # v1 scripts too
//! ```
//!
//! - [`ocf`]: exit codes ([`ocf::OcfRc`]), actions and the decoded environment ([`ocf::OcfEnv`]).
//! - [`metadata`]: the meta-data XML builder.
//! - [`agent`]: the registry and the generic action runner; [`heartbeat`]: the v1 convention.
//! - `agents`: one module per agent; [`install`]: the installer.
//! - [`process`], [`state`], [`log`], [`http`], [`smtp`], [`attributes`]: helpers the agents share.

pub mod agent;
pub mod agents;
pub mod attributes;
pub mod heartbeat;
pub mod http;
pub mod httpd;
pub mod install;
pub mod log;
pub mod metadata;
pub mod ocf;
pub mod process;
pub mod smtp;
pub mod state;

use std::path::{Path, PathBuf};

use crate::agent::AgentSpec;
use crate::install::InstallOptions;
use crate::ocf::{Action, OcfEnv};
use flags::{Dialect, Given, Opt, Spec};

/// The whole program: dispatches on the name it was called by, else on a subcommand.
pub fn main_entry(args: Vec<String>) -> i32 {
    let called_as = args
        .first()
        .map(|a| {
            Path::new(a)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(a)
        })
        .unwrap_or("ocf-agents")
        .to_string();
    if let Some(spec) = agent::find(&called_as) {
        return agent_main(spec, &args[1..]);
    }
    match args.get(1).map(String::as_str) {
        Some("run") => match args.get(2).and_then(|n| agent::find(n)) {
            Some(spec) => agent_main(spec, &args[3..]),
            None => {
                eprintln!("ocf-agents run: unknown agent; try 'ocf-agents list'");
                2
            }
        },
        Some("list") => {
            // `--heartbeat`: only the agents that also take v1 positional arguments.
            let v1_only = match flags::parse(&LIST, &args[2..]) {
                Ok(given) if given.iter().all(|g| matches!(g, Given::Opt { .. })) => {
                    !given.is_empty()
                }
                Ok(_) => {
                    eprintln!("ocf-agents list: unexpected argument\n{HELP}");
                    return 2;
                }
                Err(stop) => {
                    return match stop.report(&LIST, &mut std::io::stdout(), &mut std::io::stderr())
                    {
                        0 => 0,
                        _ => 2,
                    }
                }
            };
            for spec in agent::all() {
                if !v1_only || spec.heartbeat_args.is_some() {
                    println!("{}", spec.name);
                }
            }
            0
        }
        Some("serve") => httpd::main(&args[2..]),
        Some("install") | Some("uninstall") => install_main(&args[1..]),
        Some("-h") | Some("--help") | Some("help") | None => {
            println!("{}", HELP);
            0
        }
        Some(other) => {
            eprintln!("ocf-agents: unknown command '{other}'\n{HELP}");
            2
        }
    }
}

const HELP: &str = "\
usage: ocf-agents list [--heartbeat]
       ocf-agents serve DIR PORT [ADDRESS]    (a static web server for demos and tests)
       ocf-agents run AGENT ACTION            (same as calling the installed AGENT ACTION)
       ocf-agents install [--prefix DIR] [--provider NAME] [--heartbeat-dir DIR] [--force]
       ocf-agents uninstall [--prefix DIR] [--provider NAME] [--heartbeat-dir DIR]
defaults: --prefix /usr/lib/ocf --provider heartbeat-rs";

/// Runs an agent: one word is an OCF action; more words are a heartbeat-class call.
fn agent_main(spec: &AgentSpec, rest: &[String]) -> i32 {
    let env = OcfEnv::from_process();
    log::set_tag(spec.name, &env.instance);
    match rest {
        [] => {
            eprintln!("usage: {} ACTION (try meta-data)", spec.name);
            2
        }
        [action] => agent::execute(spec, &Action::parse(action), &env),
        [positional @ .., action] => heartbeat::execute(spec, positional, action, &env),
    }
}

/// `ocf-agents list` options.
const LIST: Spec = Spec {
    options: &[Opt::long_flag("heartbeat")],
    ..INSTALL
};

/// `ocf-agents install|uninstall` options.
const INSTALL: Spec = Spec {
    tool: "ocf-agents",
    dialect: Dialect::Getopt,
    options: &[
        Opt::long_value("prefix"),
        Opt::long_value("provider"),
        Opt::long_value("heartbeat-dir"),
        Opt::long_flag("force"),
    ],
    help_groups: &[],
    help: HELP,
    version: concat!(
        "ocf-agents (heartbeat-rs) ",
        env!("CARGO_PKG_VERSION"),
        "\n"
    ),
};

fn install_main(args: &[String]) -> i32 {
    let mut opts = InstallOptions::default();
    let given = match flags::parse(&INSTALL, &args[1..]) {
        Ok(given) => given,
        // Usage errors exit 2, as every other misuse of this multi-call binary.
        Err(stop) => {
            return match stop.report(&INSTALL, &mut std::io::stdout(), &mut std::io::stderr()) {
                0 => 0,
                _ => 2,
            }
        }
    };
    for g in given {
        match g {
            Given::Opt { name, value } => {
                let value = value.unwrap_or_default();
                match name {
                    "prefix" => opts.prefix = PathBuf::from(value),
                    "provider" => opts.provider = value,
                    "heartbeat-dir" => opts.heartbeat_dir = Some(PathBuf::from(value)),
                    _ => opts.force = true,
                }
            }
            Given::Arg(a) => {
                eprintln!("ocf-agents: unexpected argument '{a}'\n{HELP}");
                return 2;
            }
        }
    }
    let result = if args[0] == "install" {
        std::env::current_exe()
            .map_err(|e| format!("cannot find this executable: {e}"))
            .and_then(|exe| install::install(&opts, &exe).map_err(|e| e.to_string()))
            .map(|paths| {
                for p in paths {
                    println!("{}", p.display());
                }
            })
    } else {
        install::uninstall(&opts).map_err(|e| e.to_string())
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ocf-agents: {e}");
            1
        }
    }
}
