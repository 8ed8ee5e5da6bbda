//! `fence_lab`: a fence agent for the namespace lab (and small test sites): it fences a node by
//! SIGKILLing every process in the node's network namespace and taking its links down, which is
//! what pulling the power does to a real host. The `fence_*` interface: `key=value` lines on
//! stdin with `action` (`off`, `reboot`, `on`, `status`, `list`, `monitor`, `metadata`),
//! `port`/`plug`/`nodename`, and `netns_map` = `node1:ns1,node2:ns2`.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, ExitCode};

const METADATA: &str = r#"<?xml version="1.0" ?>
<resource-agent name="fence_lab" shortdesc="Fence agent for heartbeat-rs's network-namespace lab">
<longdesc>Kills every process in a node's network namespace and downs its links (off/reboot), brings the links back (on).</longdesc>
<parameters>
  <parameter name="action" unique="0" required="1"><getopt mixed="-o, --action=[action]"/><content type="string" default="reboot"/><shortdesc lang="en">Fencing action</shortdesc></parameter>
  <parameter name="port" unique="0" required="0"><getopt mixed="-n, --plug=[id]"/><content type="string"/><shortdesc lang="en">Node to fence</shortdesc></parameter>
  <parameter name="netns_map" unique="0" required="1"><content type="string"/><shortdesc lang="en">node:namespace pairs, comma separated</shortdesc></parameter>
</parameters>
<actions><action name="on"/><action name="off"/><action name="reboot"/><action name="status"/><action name="list"/><action name="monitor"/><action name="metadata"/></actions>
</resource-agent>
"#;

fn links(ns: &str, up: bool) {
    let out = Command::new("ip")
        .args(["-n", ns, "-o", "link", "show"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    for line in out.lines() {
        let Some(name) = line
            .split(": ")
            .nth(1)
            .map(|n| n.split('@').next().unwrap_or(n))
        else {
            continue;
        };
        if name != "lo" {
            let _ = Command::new("ip")
                .args([
                    "-n",
                    ns,
                    "link",
                    "set",
                    name,
                    if up { "up" } else { "down" },
                ])
                .status();
            if !up {
                // Addresses the node's services added (a VIP) die with the host.
                let _ = Command::new("ip")
                    .args(["-n", ns, "addr", "flush", "dev", name, "secondary"])
                    .status();
            }
        }
    }
}

/// Success is claimed only once the node is seen off: no process left in its namespace and
/// none of its links up.
fn confirm_off(ns: &str) -> Result<(), String> {
    let left = stonithd::netns::pids_checked(ns)?;
    if !left.is_empty() {
        return Err(format!("{} processes still running", left.len()));
    }
    let up = stonithd::netns::links_up(ns)?;
    if !up.is_empty() {
        return Err(format!("links still up: {}", up.join(" ")));
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut input = String::new();
    let _ = std::io::stdin().read_to_string(&mut input);
    let opts: BTreeMap<String, String> = input
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let action = opts.get("action").map(String::as_str).unwrap_or("reboot");
    if action == "metadata" {
        print!("{METADATA}");
        return ExitCode::SUCCESS;
    }
    let map: BTreeMap<String, String> = opts
        .get("netns_map")
        .map(|m| {
            m.split([',', ' ', ';'])
                .filter_map(|p| p.split_once(':'))
                .map(|(n, ns)| (n.to_string(), ns.to_string()))
                .collect()
        })
        .unwrap_or_default();
    if action == "list" {
        for n in map.keys() {
            println!("{n}");
        }
        return ExitCode::SUCCESS;
    }
    if action == "monitor" {
        return if map.is_empty() {
            eprintln!("fence_lab: netns_map is empty");
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    let node = opts
        .get("port")
        .or_else(|| opts.get("plug"))
        .or_else(|| opts.get("nodename"))
        .cloned()
        .unwrap_or_default();
    let Some(ns) = map.get(&node) else {
        eprintln!("fence_lab: unknown node {node:?}");
        return ExitCode::from(1);
    };
    match action {
        "off" | "reboot" => {
            // What we cannot see, we cannot have switched off: fail rather than guess.
            if let Err(why) = stonithd::netns::pids_checked(ns) {
                eprintln!("fence_lab: cannot reach {node}'s namespace: {why}; not fenced");
                return ExitCode::from(1);
            }
            links(ns, false);
            // A node fencing itself runs this agent inside the namespace it empties: like a
            // power switch, the agent's own end comes last (pids wrap around, so killing in
            // pid order could end the agent before the daemons it is meant to stop).
            let me = i32::try_from(std::process::id()).unwrap_or(i32::MAX);
            let mut inside = false;
            for _ in 0..10 {
                let pids = stonithd::netns::pids(ns);
                inside = pids.contains(&me);
                let others: Vec<i32> = pids.into_iter().filter(|p| *p != me).collect();
                if others.is_empty() {
                    break;
                }
                for pid in others {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            if inside {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(me),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            if let Err(why) = confirm_off(ns) {
                eprintln!("fence_lab: {node} {action} not confirmed: {why}");
                return ExitCode::from(1);
            }
            // A reboot leaves the node powered but with nothing running; the lab starts it again.
            if action == "reboot" {
                links(ns, true);
            }
            println!("Success: {node} {action}");
            ExitCode::SUCCESS
        }
        "on" => {
            links(ns, true);
            ExitCode::SUCCESS
        }
        "status" => {
            if stonithd::netns::pids(ns).is_empty() {
                println!("Status: OFF");
                ExitCode::from(2)
            } else {
                println!("Status: ON");
                ExitCode::SUCCESS
            }
        }
        other => {
            eprintln!("fence_lab: unsupported action {other}");
            ExitCode::from(1)
        }
    }
}
