//! `stonith_admin`: fencing from the command line, through the local stonithd.
//!
//! `-L` registered devices, `-l HOST` devices that can fence HOST, `-I` installed agents,
//! `-F/-B/-U HOST` fence (off / reboot / on), `-C HOST` confirm a node is down (manual fencing),
//! `-H HOST|*` history, `-M -a AGENT` meta-data, `-R DEV -a AGENT -o k=v` / `-D DEV` ad-hoc
//! devices, `-t SEC` timeout. Exit codes are Pacemaker's.

use std::io::Write;
use std::time::Duration;

use stonithd::proto::{self, Request, Response};

use crate::exit::ExitCode;
use flags::{Dialect, Given, Opt, Spec};

const USAGE: &str = "Usage:\n  stonith_admin [OPTION...]\n\n\
Commands:\n\
  -L, --list-registered      List all registered devices\n\
  -I, --list-installed       List all installed devices\n\
  -l, --list=HOST            List devices that can terminate the specified host\n\
  -F, --fence=HOST           Fence named host\n\
  -U, --unfence=HOST         Unfence named host\n\
  -B, --reboot=HOST          Reboot named host\n\
  -C, --confirm=HOST         Tell cluster that named host is now safely down\n\
  -H, --history=NODE         Show last successful fencing operation for named node ('*' for all)\n\
  -M, --metadata             Show agent metadata (with --agent)\n\
  -R, --register=DEVICE      Register the named stonith device (with --agent and --option)\n\
  -D, --deregister=DEVICE    De-register the named stonith device\n\
Options:\n\
  -a, --agent=AGENT          The agent to use (for example, fence_xvm)\n\
  -o, --option=NAME=VALUE    Device option (may be given several times)\n\
  -t, --timeout=SECONDS      Operation timeout in seconds (default 120)\n\
  -q, --quiet                Be less descriptive in output\n";

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    ListRegistered,
    ListInstalled,
    List(String),
    Fence(String, &'static str),
    Confirm(String),
    History(String),
    Metadata,
    Register(String),
    Deregister(String),
}

#[derive(Debug, Default)]
struct Options {
    command: Option<Command>,
    agent: Option<String>,
    options: Vec<(String, String)>,
    timeout: Option<u64>,
    quiet: bool,
}

const SPEC: Spec = Spec {
    tool: "stonith_admin",
    dialect: Dialect::Glib,
    options: &[
        Opt::flag('L', "list-registered"),
        Opt::flag('I', "list-installed"),
        Opt::value('l', "list"),
        Opt::value('F', "fence"),
        Opt::value('U', "unfence"),
        Opt::value('B', "reboot"),
        Opt::value('C', "confirm"),
        Opt::value('H', "history"),
        Opt::flag('M', "metadata"),
        Opt::value('R', "register"),
        Opt::value('D', "deregister"),
        Opt::value('a', "agent"),
        Opt::value('o', "option"),
        Opt::value('t', "timeout"),
        Opt::flag('q', "quiet"),
        Opt::flag('V', "verbose"),
    ],
    help_groups: &[],
    help: USAGE,
    version: crate::version::BANNER,
};

/// The options given, in order (the last command wins); stray words are ignored.
fn options(given: Vec<Given>) -> Result<Options, String> {
    let mut o = Options::default();
    for g in given {
        let Given::Opt { name, value } = g else {
            continue;
        };
        let value = value.unwrap_or_default();
        match name {
            "list-registered" => o.command = Some(Command::ListRegistered),
            "list-installed" => o.command = Some(Command::ListInstalled),
            "list" => o.command = Some(Command::List(value)),
            "fence" => o.command = Some(Command::Fence(value, "off")),
            "unfence" => o.command = Some(Command::Fence(value, "on")),
            "reboot" => o.command = Some(Command::Fence(value, "reboot")),
            "confirm" => o.command = Some(Command::Confirm(value)),
            "history" => o.command = Some(Command::History(value)),
            "metadata" => o.command = Some(Command::Metadata),
            "register" => o.command = Some(Command::Register(value)),
            "deregister" => o.command = Some(Command::Deregister(value)),
            "agent" => o.agent = Some(value),
            "option" => {
                let (k, v) = value
                    .split_once('=')
                    .ok_or_else(|| format!("Invalid option '{value}': expected NAME=VALUE"))?;
                o.options.push((k.to_string(), v.to_string()));
            }
            "timeout" => {
                o.timeout = Some(
                    value
                        .parse()
                        .map_err(|_| format!("Invalid timeout '{value}'"))?,
                )
            }
            "quiet" => o.quiet = true,
            _ => {}
        }
    }
    Ok(o)
}

fn call(req: Request, timeout: Duration) -> Result<Response, (ExitCode, String)> {
    match proto::call(&proto::socket_path(), &req, timeout) {
        Ok(r) if r.rc == 0 => Ok(r),
        Ok(r) => Err((
            ExitCode::from_code(r.rc),
            r.error.unwrap_or_else(|| "failed".into()),
        )),
        Err(e) => Err((
            ExitCode::Disconnect,
            format!("Could not connect to fencer: {e}"),
        )),
    }
}

fn list(out: &mut dyn Write, devices: &[String], quiet: bool) {
    for d in devices {
        let _ = writeln!(out, "{}{d}", if quiet { "" } else { " " });
    }
    if !quiet {
        let _ = writeln!(out, "{} fence devices found", devices.len());
    }
}

fn installed() -> Vec<String> {
    let mut agents: Vec<String> = std::fs::read_dir("/usr/sbin")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with("fence_"))
                .collect()
        })
        .unwrap_or_default();
    let ext = std::env::var("STONITH_EXTERNAL_DIR")
        .unwrap_or_else(|_| "/usr/lib/stonith/plugins/external".into());
    if let Ok(d) = std::fs::read_dir(ext) {
        agents.extend(
            d.flatten()
                .filter(|e| e.path().is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .map(|n| format!("external/{n}")),
        );
    }
    agents.push(stonithd::fence::MEATWARE.to_string());
    agents.sort();
    agents
}

fn history_lines(out: &mut dyn Write, r: &Response, quiet: bool) {
    let ctime = |t: i64| pengine::datetime::ctime(t);
    for e in &r.history {
        let state = match e.state {
            stonithd::history::State::Done => "successful",
            stonithd::history::State::Failed => "failed",
            stonithd::history::State::Pending => "pending",
        };
        if quiet {
            let _ = writeln!(out, "{} {} {state}", e.action, e.target);
            continue;
        }
        let when = if e.completed > 0 {
            format!(", completed='{}'", ctime(e.completed))
        } else {
            String::new()
        };
        let detail = if e.detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.detail)
        };
        let _ = writeln!(
            out,
            "  * {} of {} {state}: delegate={}, client={}, origin={}{when}{detail}",
            e.action, e.target, e.delegate, e.client, e.origin
        );
    }
}

/// Runs `stonith_admin` with `args`; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let given = match crate::command_line::read(&SPEC, args, out, err) {
        Ok(given) => given,
        Err(code) => return code,
    };
    let o = match options(given) {
        Ok(o) => o,
        Err(e) => return crate::command_line::refuse(&SPEC, &e, err),
    };
    let timeout = Duration::from_secs(o.timeout.unwrap_or(120));
    let result: Result<(), (ExitCode, String)> = match o.command.clone() {
        None => {
            let _ = out.write_all(USAGE.as_bytes());
            return ExitCode::Usage;
        }
        Some(Command::ListRegistered) => {
            call(Request::ListRegistered, timeout).map(|r| list(out, &r.devices, o.quiet))
        }
        Some(Command::ListInstalled) => {
            list(out, &installed(), o.quiet);
            Ok(())
        }
        Some(Command::List(target)) => {
            call(Request::ListCapable { target }, timeout).map(|r| list(out, &r.devices, o.quiet))
        }
        Some(Command::Fence(target, action)) => call(
            Request::Fence {
                target,
                action: action.to_string(),
                client: "stonith_admin".into(),
                origin: String::new(),
                delay_ms: 0,
                no_device_delay: false,
            },
            timeout,
        )
        .map(|_| ()),
        Some(Command::Confirm(target)) => call(Request::Confirm { target }, timeout).map(|_| ()),
        Some(Command::History(target)) => {
            let target = if target == "*" { String::new() } else { target };
            call(Request::History { target }, timeout).map(|r| history_lines(out, &r, o.quiet))
        }
        Some(Command::Metadata) => match &o.agent {
            None => Err((ExitCode::Usage, "Please specify an agent (--agent)".into())),
            Some(agent) => {
                let device = stonithd::device::Device::from_primitive(
                    &cib::xml::Element::new("primitive")
                        .with_attr("id", "metadata")
                        .with_attr("class", "stonith")
                        .with_attr("type", agent.as_str()),
                    timeout,
                )
                .expect("a stonith primitive");
                stonithd::agent::execute(&device, "metadata", "")
                    .map(|r| {
                        let _ = out.write_all(r.stdout.as_bytes());
                    })
                    .map_err(|e| {
                        let code = match e {
                            stonithd::agent::AgentError::NotInstalled(_) => ExitCode::NoSuch,
                            stonithd::agent::AgentError::Invalid(_) => ExitCode::InvalidParam,
                            _ => ExitCode::Error,
                        };
                        (code, e.to_string())
                    })
            }
        },
        Some(Command::Register(id)) => match &o.agent {
            None => Err((ExitCode::Usage, "Please specify an agent (--agent)".into())),
            Some(agent) if cib::agent_name::check_fence_agent(agent).is_err() => {
                let bad = cib::agent_name::check_fence_agent(agent).unwrap_err();
                Err((ExitCode::InvalidParam, bad.to_string()))
            }
            Some(agent) => {
                let mut ia = cib::xml::Element::new("instance_attributes")
                    .with_attr("id", format!("{id}-instance_attributes"));
                for (k, v) in &o.options {
                    ia = ia.with_child(
                        cib::xml::Element::new("nvpair")
                            .with_attr("id", format!("{id}-{k}"))
                            .with_attr("name", k.as_str())
                            .with_attr("value", v.as_str()),
                    );
                }
                let xml = cib::xml::Element::new("primitive")
                    .with_attr("id", id.as_str())
                    .with_attr("class", "stonith")
                    .with_attr("type", agent.as_str())
                    .with_child(ia)
                    .to_xml_compact();
                call(Request::Register { xml }, timeout).map(|_| ())
            }
        },
        Some(Command::Deregister(id)) => call(Request::Deregister { id }, timeout).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::Ok,
        Err((code, message)) => {
            let _ = writeln!(err, "Command failed: {message}");
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Options, String> {
        let a: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        options(flags::parse(&SPEC, &a).map_err(|e| format!("{e:?}"))?)
    }

    #[test]
    fn options_follow_pacemaker() {
        assert_eq!(
            p(&["-B", "node2"]).unwrap().command,
            Some(Command::Fence("node2".into(), "reboot"))
        );
        assert_eq!(
            p(&["--fence=node1"]).unwrap().command,
            Some(Command::Fence("node1".into(), "off"))
        );
        let o = p(&["-R", "dev", "-a", "fence_xvm", "-o", "port=vm1", "-t", "30"]).unwrap();
        assert_eq!(o.command, Some(Command::Register("dev".into())));
        assert_eq!(o.options, vec![("port".to_string(), "vm1".to_string())]);
        assert_eq!(o.timeout, Some(30));
        assert!(p(&["-o", "novalue"]).is_err());
        assert!(p(&["-Z"]).is_err());
    }

    #[test]
    fn without_a_fencer_it_says_so() {
        std::env::set_var("STONITHD_SOCKET", "/nonexistent/stonithd.sock");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&["-L".to_string()], &mut out, &mut err);
        assert_eq!(code, ExitCode::Disconnect);
        assert!(String::from_utf8_lossy(&err).contains("Could not connect to fencer"));
    }
}
