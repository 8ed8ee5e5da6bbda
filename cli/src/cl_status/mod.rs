//! `cl_status`: query the local heartbeat, with Heartbeat 3.0.6's output and exit codes.
//!
//! Output goes to `out` (values, one per line, or sentences with `-m`); failures are logged to
//! `err` as `Mon DD HH:MM:SS host cl_status: [pid]: ERROR: ...` like Heartbeat's tools do.

mod args;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
pub mod classic;

use std::io::Write;
use std::path::PathBuf;

use messaging::client::{default_socket_path, Client, ClientError};
use messaging::v1rsc::{RscStatus, RSC_UNDER_CRM};

pub use args::{parse, Command, Flags, ParseError};

/// Exit status for usage mistakes (Heartbeat's cl_status uses 11).
pub const EXIT_USAGE: i32 = 11;
/// Exit status when heartbeat cannot answer about a node/link/client (13).
pub const EXIT_QUERY_FAILED: i32 = 13;

const USAGE: &str = "Usage: cl_status <sub-command> [<options>] [<parameters>]

Sub-commands:
clientstatus <node-name> <client-id> [<timeout>]
\tShow the status of heartbeat clients.
hblinkstatus <node-name> <link-name>
\tShow the status of a heartbeat link
hbstatus
\tIndicate if heartbeat is running on the local system.
\tOptions:
\t\t-v\tverbose: also add \"listnodes -v\" output
listnodes [<option>]
\tList the nodes in the cluster.
\tOptions:
\t\t-p\tlist only 'ping' type nodes
\t\t-n\tlist only 'normal' type nodes
\t\t-v\tverbose: also list type and status,
\t\t\tthen add \"listhblinks -v\" output
listhblinks <node-name>
\tList the network interfaces used as hearbeat links.
\tOptions:
\t\t-v\tverbose: list link status as well
nodestatus <node-name>
\tList the node status.
nodetype <node-name>
\tList the nodes of a given type.
rscstatus
\tShow the status of cluster resources.
hbparameter -p <parameter-name>
\tRetrieve the value of a cluster parameter.
\tAs for the valid parameter names, please refer to the man page.
";

/// Where and how to reach heartbeat.
#[derive(Debug, Clone)]
pub struct Env {
    /// API socket.
    pub socket: PathBuf,
}

impl Default for Env {
    fn default() -> Self {
        Env {
            socket: default_socket_path(),
        }
    }
}

struct Io<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
}

impl Io<'_> {
    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    fn error(&mut self, text: &str) {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let host = host.trim();
        let _ = writeln!(
            self.err,
            "{} {host} cl_status: [{}]: ERROR: {text}",
            messaging::log::syslog_stamp(),
            std::process::id()
        );
    }
}

/// Runs `cl_status` with `args` (without the program name); returns the exit status.
pub fn run(args: &[String], env: &Env, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut io = Io { out, err };
    let mut complaints = Vec::new();
    let parsed = parse(args, &mut complaints);
    for c in &complaints {
        let _ = writeln!(io.err, "{c}");
    }
    let (cmd, flags) = match parsed {
        Ok(p) => p,
        Err(ParseError::NoCommand) => {
            let _ = write!(io.out, "{USAGE}");
            return 0;
        }
        Err(ParseError::Invalid(sub)) => {
            io.error(&format!("{sub}: invalid sub-command."));
            return EXIT_USAGE;
        }
        Err(ParseError::NotEnough) => {
            let _ = writeln!(io.err, "Not enough parameters.");
            return EXIT_USAGE;
        }
    };
    // A casual client, as Heartbeat's cl_status: signed on under its own pid, so heartbeat
    // announces no join/leave of it to the cluster.
    let mut hb = match Client::connect(&env.socket, &std::process::id().to_string()) {
        Ok(c) => c,
        Err(e) => {
            if cmd == Command::HbStatus {
                if matches!(e, ClientError::Refused(_)) {
                    io.line("Heartbeat is apparently running on this machine, but refuses my connection");
                } else {
                    io.line("Heartbeat is stopped on this machine.");
                }
                return 1;
            }
            io.error("Cannot signon with heartbeat");
            io.error("REASON: hb_api_signon: Can't initiate connection to heartbeat");
            return 1;
        }
    };
    match execute(&cmd, flags, &mut hb, &mut io) {
        Ok(code) => code,
        Err(_) => {
            io.error("Lost connection to heartbeat");
            1
        }
    }
}

/// `rscstatus`'s line: the word, or Heartbeat's sentence with `-m`.
fn held_line(word: &str, human: bool) -> String {
    if human {
        format!("This node is holding {word} resources.")
    } else {
        word.to_string()
    }
}

/// Where a classic site's groups run, from the CIB (`$HA_DIR`'s haresources names them);
/// `None` when there is no such site or this build cannot read a CIB.
fn classic_site_status(me: &str) -> Option<Result<RscStatus, String>> {
    #[cfg(all(feature = "cib-tools", feature = "simulate"))]
    {
        let dir = std::env::var_os("HA_DIR").map_or_else(
            || PathBuf::from(messaging::config::DEFAULT_CONFDIR),
            PathBuf::from,
        );
        classic::from_cib(&dir, me)
    }
    #[cfg(not(all(feature = "cib-tools", feature = "simulate")))]
    {
        let _ = me;
        None
    }
}

/// Whether a query failure means "no such node/link/client" rather than a broken connection.
fn refused(r: &Result<String, ClientError>) -> bool {
    matches!(r, Err(ClientError::QueryFailed(_)))
}

fn execute(cmd: &Command, f: Flags, hb: &mut Client, io: &mut Io<'_>) -> Result<i32, ClientError> {
    match cmd {
        Command::HbStatus => {
            if !f.verbose {
                io.line("Heartbeat is running on this machine.");
                return Ok(0);
            }
            let version = hb.parameter("hbversion")?;
            io.line(&format!("version:\t{version}"));
            let crm = hb.parameter("crm").unwrap_or_else(|_| "off".into());
            if crm == "off" {
                io.line("managed by:\t\"haresources\"");
            } else {
                io.line(&format!("managed by:\tpacemaker\t({crm})"));
            }
            list_nodes(hb, io, Flags { verbose: true, ..f })?;
            Ok(0)
        }
        Command::ListNodes => {
            list_nodes(hb, io, f)?;
            Ok(0)
        }
        Command::NodeType(node) => {
            let t = hb.node_type(node);
            if refused(&t) {
                let _ = writeln!(io.err, "Error. May be due to incorrect node name");
                return Ok(EXIT_USAGE);
            }
            let t = t?;
            io.line(&if f.human {
                format!("The node {node}'s type: {t}")
            } else {
                t
            });
            Ok(0)
        }
        Command::NodeStatus(node) => {
            let s = hb.query("nodestatus", &[("node", node)]);
            if refused(&s) {
                let _ = writeln!(io.err, "Error. May be due to incorrect node name");
                return Ok(EXIT_USAGE);
            }
            let s = s?;
            io.line(&if f.human {
                format!("The cluster node {node} is {s}")
            } else {
                s.clone()
            });
            Ok(i32::from(s == "dead"))
        }
        Command::ListLinks(node) => {
            let links = hb.query("links", &[("node", node)]);
            if refused(&links) {
                io.error("Cannot start heartbeat link interface walk.");
                io.error("REASON: EINVAL");
                return Ok(EXIT_QUERY_FAILED);
            }
            if f.human {
                io.line("\tthis node has the following heartbeat links:");
            }
            for link in links?.split_whitespace() {
                if f.verbose {
                    let st = hb.link_status(node, link)?;
                    io.line(&format!("\t{link}\t{st}"));
                } else {
                    io.line(&format!("\t{link}"));
                }
            }
            Ok(0)
        }
        Command::LinkStatus(node, link) => {
            let s = hb.query("linkstatus", &[("node", node), ("link", link)]);
            if refused(&s) {
                io.error("Cannot get heartbeat link status");
                io.error("REASON: ");
                return Ok(EXIT_QUERY_FAILED);
            }
            let s = s?;
            io.line(&if f.human {
                format!("The node {node}'s heartbeat link {link} is {s}")
            } else {
                s.clone()
            });
            Ok(i32::from(s != "up"))
        }
        Command::ClientStatus(node, client, timeout_ms) => {
            let ms = timeout_ms.to_string();
            let s = hb.query(
                "clientstatus",
                &[("node", node), ("cn", client), ("timeout", &ms)],
            );
            if refused(&s) {
                io.error(&format!("Cannot get heartbeat client {client}'s status"));
                io.error("REASON: No timely response.");
                return Ok(EXIT_QUERY_FAILED);
            }
            let s = s?;
            io.line(&s);
            Ok(i32::from(s != "online" && s != "join"))
        }
        Command::RscStatus => match hb.resource_status() {
            Ok(s) => {
                io.line(&held_line(&s, f.human));
                Ok(0)
            }
            // Under the CRM heartbeat has no answer; a classic site's groups are in the CIB.
            Err(ClientError::QueryFailed(reason)) if reason == RSC_UNDER_CRM => {
                match classic_site_status(hb.local_node()) {
                    Some(Ok(s)) => {
                        io.line(&held_line(s.as_str(), f.human));
                        Ok(0)
                    }
                    Some(Err(why)) => {
                        io.error("Cannot get cluster resource status");
                        io.error(&format!("REASON: {why}"));
                        Ok(EXIT_QUERY_FAILED)
                    }
                    None => {
                        io.error(&reason);
                        Ok(1)
                    }
                }
            }
            Err(ClientError::QueryFailed(reason)) => {
                io.error("Cannot get cluster resource status");
                io.error(&format!("REASON: {reason}"));
                Ok(EXIT_QUERY_FAILED)
            }
            Err(e) => Err(e),
        },
        Command::Parameter(name) => match hb.parameter(name) {
            Ok(v) => {
                io.line(&if f.human {
                    format!("Heartbeat parameter {name}'s value: {v}")
                } else {
                    v
                });
                Ok(0)
            }
            Err(ClientError::QueryFailed(_)) => {
                io.error(&format!("Cannot get parameter {name}'s value"));
                io.error("REASON: ");
                Ok(1)
            }
            Err(e) => Err(e),
        },
    }
}

fn list_nodes(hb: &mut Client, io: &mut Io<'_>, f: Flags) -> Result<(), ClientError> {
    for node in hb.nodes()? {
        let kind = hb.node_type(&node)?;
        if (f.ping_only && kind != "ping") || (f.normal_only && kind != "normal") {
            continue;
        }
        if !f.verbose {
            io.line(&node);
            continue;
        }
        let status = hb.query("nodestatus", &[("node", &node)])?;
        io.line("");
        io.line(&format!("{node}\t{status}\t(nodetype: {kind})"));
        for link in hb.links(&node)? {
            let st = hb.link_status(&node, &link)?;
            io.line(&format!("\t{link}\t{st}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
