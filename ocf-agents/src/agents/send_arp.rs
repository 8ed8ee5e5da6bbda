//! SendArp: announces an address that something else (a router, a load balancer) holds,
//! by unsolicited ARP from this node on start. Running = its state file exists.

use crate::agent::unsupported;
use crate::agents::ip_address::{self, Flavor};
use crate::metadata::{standard_actions, Metadata};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::state;

pub fn metadata() -> Metadata {
    let parameters = ip_address::parameters()
        .into_iter()
        .filter(|p| {
            [
                "ip",
                "nic",
                "arp_count",
                "arp_interval",
                "arp_bg",
                "arp_sender",
            ]
            .contains(&p.name)
        })
        .map(|p| if p.name == "nic" { p.required() } else { p })
        .collect();
    Metadata {
        name: "SendArp",
        version: "1.0",
        shortdesc: "Broadcasts unsolicited ARP announcements",
        longdesc: "On start, sends unsolicited ARP packets for ip out of nic so that neighbours \
                   update their caches (for example after a takeover of an address served by \
                   another device). Stop and monitor only track the state file.",
        parameters,
        actions: standard_actions(20, 20, 10),
    }
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = ip_address::config(env, Flavor::IPaddr2)?;
    let nic = env.required("nic")?;
    let state_file = env.state_file("SendArp", "state");
    match action {
        Action::Start => {
            validate(nic)?;
            let host_prefix = if cfg.ip().is_ipv4() { 32 } else { 128 };
            ip_address::announce(&cfg, nic, host_prefix, env);
            state::write(&state_file, "started\n")?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop => state::remove(&state_file).map(|()| OcfRc::SUCCESS),
        Action::Monitor => Ok(if state_file.exists() {
            OcfRc::SUCCESS
        } else {
            OcfRc::NOT_RUNNING
        }),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => validate(nic).map(|()| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

fn validate(nic: &str) -> Result<(), Failure> {
    if ip_address::interface_exists(nic) {
        Ok(())
    } else {
        Err(Failure::args(format!("interface {nic} does not exist")))
    }
}

/// `SendArp::10.0.0.5/eth0` in haresources.
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    match args {
        [one] => match one.split_once('/') {
            Some((ip, nic)) if !nic.contains('/') => {
                Ok(vec![("ip".into(), ip.into()), ("nic".into(), nic.into())])
            }
            _ => Err(Failure::args(format!("expected ip/nic, got '{one}'"))),
        },
        _ => Err(Failure::args("expected one argument ip/nic")),
    }
}
