//! `crm_node` offline: cluster membership as the CIB records it.
//!
//! Without a cluster connection the membership is what `<nodes>` and the `<node_state>`
//! entries say: a node is a partition member when its controller is online
//! (`crmd="online"`), and quorum is the `have-quorum` attribute of `<cib>`.

use crate::cib_access::{self, AccessError};
use crate::exit::ExitCode;
use cib::Element;
use flags::{Dialect, Given, Opt, Spec};
use std::io::Write;

const USAGE: &str = "\
Usage:
  crm_node [OPTION?]

Tool for displaying low-level node information

Commands:
  -n, --name             Display the name used by the cluster for this node
  -N, --name-for-id=ID   Display the name used by the cluster for the node with the specified ID
  -q, --quorum           Display a 1 if our partition has quorum, 0 if not
  -l, --list             Display all known members (past and present) of this cluster
  -p, --partition        Display the members of this partition
  -i, --cluster-id       Display this node's cluster id

The CIB is the file named by $CIB_file.
";

/// The name this host goes by (`uname -n`).
pub fn local_node_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// One known node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Node id.
    pub id: String,
    /// Node name.
    pub name: String,
    /// Controller online in the status section.
    pub online: bool,
}

/// Every cluster node (not remote nodes) of `cib`, configured ones first, then nodes known
/// only from the status section, each once.
pub fn members(cib: &Element) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    let states: Vec<&Element> = cib
        .child("status")
        .into_iter()
        .flat_map(|s| s.children_named("node_state"))
        .collect();
    let online = |id: &str| {
        states
            .iter()
            .any(|s| s.id() == Some(id) && s.attr("crmd") == Some("online"))
    };
    if let Some(nodes) = cib.child("configuration").and_then(|c| c.child("nodes")) {
        for n in nodes.children_named("node") {
            if n.attr("type") == Some("remote") {
                continue;
            }
            let id = n.id().unwrap_or_default().to_string();
            out.push(Member {
                name: n.attr("uname").unwrap_or(&id).to_string(),
                online: online(&id),
                id,
            });
        }
    }
    for s in &states {
        let id = s.id().unwrap_or_default();
        if s.attr("remote_node").is_some() || out.iter().any(|m| m.id == id) {
            continue;
        }
        out.push(Member {
            id: id.to_string(),
            name: s.attr("uname").unwrap_or(id).to_string(),
            online: s.attr("crmd") == Some("online"),
        });
    }
    out
}

const SPEC: Spec = Spec {
    tool: "crm_node",
    dialect: Dialect::Glib,
    options: &[
        Opt::flag('n', "name"),
        Opt::value('N', "name-for-id"),
        Opt::flag('q', "quorum"),
        Opt::flag('l', "list"),
        Opt::flag('p', "partition"),
        Opt::flag('i', "cluster-id"),
        Opt::flag('A', "all"),
        Opt::flag('V', "verbose"),
    ],
    help_groups: &[],
    help: USAGE,
    version: crate::version::BANNER,
};

enum Command {
    Name,
    NameFor(String),
    Quorum,
    List,
    Partition,
    Id,
}

/// Runs `crm_node` with `args` (without the program name) on the CIB from the environment.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let given = match crate::command_line::read(&SPEC, args, out, err) {
        Ok(given) => given,
        Err(code) => return code,
    };
    // The last command wins; stray words are ignored.
    let command = given.into_iter().fold(None, |command, g| match g {
        Given::Opt { name, value } => match name {
            "name" => Some(Command::Name),
            "quorum" => Some(Command::Quorum),
            "list" => Some(Command::List),
            "partition" => Some(Command::Partition),
            "cluster-id" => Some(Command::Id),
            "name-for-id" => Some(Command::NameFor(value.unwrap_or_default())),
            _ => command,
        },
        Given::Arg(_) => command,
    });
    let Some(command) = command else {
        let _ = writeln!(err, "crm_node: No command specified\n{USAGE}");
        return ExitCode::Usage;
    };
    if let Command::Name = command {
        let _ = writeln!(out, "{}", local_node_name());
        return ExitCode::Ok;
    }
    let cib = match cib_access::reader_from_env().and_then(|mut a| a.query()) {
        Ok(c) => c,
        Err(e) => return fail(err, &e),
    };
    let all = members(&cib);
    match command {
        Command::Name => unreachable!("handled before"),
        Command::Quorum => {
            let q = cib
                .attr("have-quorum")
                .is_some_and(|v| cib::values::parse_bool(v).unwrap_or(false));
            let _ = writeln!(out, "{}", if q { 1 } else { 0 });
        }
        Command::List => {
            for m in &all {
                let state = if m.online { "member" } else { "lost" };
                let _ = writeln!(out, "{} {} {}", m.id, m.name, state);
            }
        }
        Command::Partition => {
            let names: Vec<&str> = all
                .iter()
                .filter(|m| m.online)
                .map(|m| m.name.as_str())
                .collect();
            let _ = writeln!(out, "{}", names.join(" "));
        }
        Command::Id => {
            let me = local_node_name();
            match all.iter().find(|m| m.name == me) {
                Some(m) => {
                    let _ = writeln!(out, "{}", m.id);
                }
                None => {
                    let _ = writeln!(err, "crm_node: node {me} is not in the CIB");
                    return ExitCode::NoSuch;
                }
            }
        }
        Command::NameFor(id) => match all.iter().find(|m| m.id == id) {
            Some(m) => {
                let _ = writeln!(out, "{}", m.name);
            }
            None => {
                let _ = writeln!(err, "crm_node: Could not find node with ID {id}");
                return ExitCode::NoSuch;
            }
        },
    }
    ExitCode::Ok
}

fn fail(err: &mut dyn Write, e: &AccessError) -> ExitCode {
    let _ = writeln!(err, "crm_node: {e}");
    e.exit_code()
}
