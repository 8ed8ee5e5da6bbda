//! IPaddr: the Heartbeat v1 address agent. Same engine as IPaddr2, but the address gets an
//! alias label (`eth0:0`) as ifconfig-era scripts expect, `netmask` may be dotted, and it
//! accepts the v1 positional form `IPaddr::10.0.0.5/24/eth0/10.0.0.255`.

use crate::agent::unsupported;
use crate::agents::ip_address::{self, Flavor};
use crate::metadata::{standard_actions, Metadata, Parameter};
use crate::ocf::{Action, OcfEnv, OcfRc, Outcome};

pub fn metadata() -> Metadata {
    let mut parameters = ip_address::parameters();
    parameters.insert(
        3,
        Parameter::new(
            "netmask",
            "Netmask (old name)",
            "Old name of cidr_netmask: a prefix length or a dotted netmask.",
        ),
    );
    Metadata {
        name: "IPaddr",
        version: "1.0",
        shortdesc: "Manages virtual IPv4 addresses (portable version)",
        longdesc: "Adds an alias address (labelled nic:N unless iflabel is set) on start, \
                   announces it with unsolicited ARP, monitors and removes it. It also runs as a \
                   heartbeat-class script: 'IPaddr 10.0.0.5/24/eth0/10.0.0.255 start|stop|status'.",
        parameters,
        actions: standard_actions(20, 20, 5),
    }
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = ip_address::config(env, Flavor::IPaddr)?;
    match action {
        Action::Start => ip_address::start(&cfg, env),
        Action::Stop => ip_address::stop(&cfg),
        Action::Monitor => ip_address::monitor(&cfg),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => ip_address::validate(&cfg),
        other => unsupported(other),
    }
}
