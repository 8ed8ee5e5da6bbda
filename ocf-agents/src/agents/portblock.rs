//! portblock: drops packets to (or from) some ports with iptables while started
//! (`action=block`), or lifts such a block while started (`action=unblock`). The usual
//! use is a block/unblock pair around an NFS or iSCSI server's address, so that clients
//! retry instead of getting resets during a failover.

use std::net::IpAddr;

use crate::agent::unsupported;
use crate::log;
use crate::metadata::{standard_actions, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::{run_ok, run_program, which};
use crate::state;

pub fn metadata() -> Metadata {
    Metadata {
        name: "portblock",
        version: "1.0",
        shortdesc: "Block and unblocks access to TCP and UDP ports",
        longdesc: "Inserts iptables DROP rules for the given ports (and destination address) \
                   or removes them. With action=block the ports are blocked while the resource \
                   runs; with action=unblock they are blocked while it is stopped. Also runs as \
                   the heartbeat-class script 'portblock tcp 2049 block start'.",
        parameters: vec![
            Parameter::new("protocol", "protocol", "The protocol: tcp or udp.").required(),
            Parameter::new(
                "portno",
                "port number",
                "The ports: a number, a range (1000:1010) or a comma separated list of them.",
            )
            .required(),
            Parameter::new(
                "action",
                "action",
                "block: block the ports on start, unblock on stop; unblock: the reverse.",
            )
            .required(),
            Parameter::new(
                "ip",
                "ip",
                "The address (or prefix) the block applies to; default all addresses.",
            )
            .default("0.0.0.0/0"),
            Parameter::new(
                "direction",
                "direction",
                "in: packets to the ports on this node; out: packets from them; both.",
            )
            .default("in"),
        ],
        actions: standard_actions(20, 20, 10),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Block,
    Unblock,
}

#[derive(Debug)]
struct Config {
    protocol: String,
    ports: String,
    mode: Mode,
    ip: String,
    v6: bool,
    inbound: bool,
    outbound: bool,
}

fn valid_ports(ports: &str) -> bool {
    let port_ok = |p: &str| p.parse::<u16>().is_ok_and(|n| n > 0);
    !ports.is_empty()
        && ports.split(',').count() <= 15
        && ports.split(',').all(|part| match part.split_once(':') {
            Some((a, b)) => port_ok(a) && port_ok(b),
            None => port_ok(part),
        })
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let protocol = env.required("protocol")?.to_ascii_lowercase();
    if protocol != "tcp" && protocol != "udp" {
        return Err(Failure::configured(format!(
            "protocol '{protocol}' is not tcp or udp"
        )));
    }
    let ports = env.required("portno")?.replace(' ', "");
    if !valid_ports(&ports) {
        return Err(Failure::configured(format!(
            "portno '{ports}' is not a port list (at most 15 entries)"
        )));
    }
    let mode = match env.required("action")? {
        "block" => Mode::Block,
        "unblock" => Mode::Unblock,
        other => {
            return Err(Failure::configured(format!(
                "action '{other}' is not block or unblock"
            )))
        }
    };
    let ip = env.param_or("ip", "0.0.0.0/0").to_string();
    let addr = ip.split('/').next().unwrap_or("");
    let v6 = match addr.parse::<IpAddr>() {
        Ok(a) => a.is_ipv6(),
        Err(_) => return Err(Failure::configured(format!("ip '{ip}' is not an address"))),
    };
    let (inbound, outbound) = match env.param_or("direction", "in") {
        "in" => (true, false),
        "out" => (false, true),
        "both" => (true, true),
        other => {
            return Err(Failure::configured(format!(
                "direction '{other}' is not in, out or both"
            )))
        }
    };
    Ok(Config {
        protocol,
        ports,
        mode,
        ip,
        v6,
        inbound,
        outbound,
    })
}

impl Config {
    fn tool(&self) -> &'static str {
        if self.v6 {
            "ip6tables"
        } else {
            "iptables"
        }
    }

    /// Each rule as the arguments after `-I`/`-C`/`-D`.
    fn rules(&self) -> Vec<Vec<String>> {
        let mut rules = Vec::new();
        let mut rule = |chain: &str, addr_flag: &str, port_flag: &str| {
            rules.push(
                [
                    chain,
                    "-p",
                    &self.protocol,
                    addr_flag,
                    &self.ip,
                    "-m",
                    "multiport",
                    port_flag,
                    &self.ports,
                    "-j",
                    "DROP",
                ]
                .map(String::from)
                .to_vec(),
            )
        };
        if self.inbound {
            rule("INPUT", "-d", "--dports");
        }
        if self.outbound {
            rule("OUTPUT", "-s", "--sports");
        }
        rules
    }
}

fn iptables(cfg: &Config, op: &str, rule: &[String]) -> Result<bool, Failure> {
    let mut args = vec!["-w", op];
    args.extend(rule.iter().map(String::as_str));
    let out = run_program(cfg.tool(), &args)?;
    Ok(out.status.success())
}

fn blocked(cfg: &Config) -> Result<bool, Failure> {
    for rule in cfg.rules() {
        if !iptables(cfg, "-C", &rule)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn block(cfg: &Config) -> Result<(), Failure> {
    for rule in cfg.rules() {
        if !iptables(cfg, "-C", &rule)? {
            let mut args = vec!["-w".to_string(), "-I".to_string()];
            args.extend(rule.iter().cloned());
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            run_ok(cfg.tool(), &refs)?;
        }
    }
    log::info(&format!("blocked {} port(s) {}", cfg.protocol, cfg.ports));
    Ok(())
}

fn unblock(cfg: &Config) -> Result<(), Failure> {
    for rule in cfg.rules() {
        // Delete every copy, in case the rule was inserted more than once.
        while iptables(cfg, "-C", &rule)? {
            if !iptables(cfg, "-D", &rule)? {
                return Err(Failure::generic(format!(
                    "cannot remove the block on {}",
                    cfg.ports
                )));
            }
        }
    }
    log::info(&format!("unblocked {} port(s) {}", cfg.protocol, cfg.ports));
    Ok(())
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    let state_file = env.state_file("portblock", "state");
    match action {
        Action::Start => {
            validate(&cfg)?;
            match cfg.mode {
                Mode::Block => block(&cfg)?,
                Mode::Unblock => unblock(&cfg)?,
            }
            state::write(&state_file, "started\n")?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop => {
            if which(cfg.tool()).is_some() {
                match cfg.mode {
                    Mode::Block => unblock(&cfg)?,
                    Mode::Unblock => block(&cfg)?,
                }
            }
            state::remove(&state_file)?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Monitor => {
            if !state_file.exists() || which(cfg.tool()).is_none() {
                return Ok(OcfRc::NOT_RUNNING);
            }
            let ok = match cfg.mode {
                Mode::Block => blocked(&cfg)?,
                Mode::Unblock => !blocked(&cfg)?,
            };
            if ok {
                Ok(OcfRc::SUCCESS)
            } else {
                Err(Failure::generic(format!(
                    "the iptables rules for {} were changed behind our back",
                    cfg.ports
                )))
            }
        }
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => validate(&cfg).map(|()| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

fn validate(cfg: &Config) -> Result<(), Failure> {
    which(cfg.tool())
        .map(|_| ())
        .ok_or_else(|| Failure::installed(format!("{} is not installed", cfg.tool())))
}

/// `portblock::<protocol>::<portno>::<block|unblock>` in haresources.
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    match args {
        [protocol, ports, action] => Ok(vec![
            ("protocol".into(), protocol.clone()),
            ("portno".into(), ports.clone()),
            ("action".into(), action.clone()),
        ]),
        _ => Err(Failure::args("expected protocol portno block|unblock")),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_ports;

    #[test]
    fn port_lists() {
        assert!(valid_ports("80"));
        assert!(valid_ports("80,443,1000:1010"));
        assert!(!valid_ports("0"));
        assert!(!valid_ports("http"));
        assert!(!valid_ports("1:2:3"));
        assert!(!valid_ports(""));
    }
}
