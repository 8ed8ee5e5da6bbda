//! IPaddr2: manages a virtual IPv4/IPv6 address with iproute2.

use crate::agent::unsupported;
use crate::agents::ip_address::{self, Flavor};
use crate::metadata::{standard_actions, Metadata};
use crate::ocf::{Action, OcfEnv, OcfRc, Outcome};

pub fn metadata() -> Metadata {
    Metadata {
        name: "IPaddr2",
        version: "1.0",
        shortdesc: "Manages virtual IPv4 and IPv6 addresses (Linux specific version)",
        longdesc: "Adds a virtual address to an interface with iproute2 on start, announces it \
                   to the neighbours with unsolicited ARP (IPv4) or a neighbour advertisement \
                   (IPv6), checks that it is still there on monitor and removes it on stop.",
        parameters: ip_address::parameters(),
        actions: standard_actions(20, 20, 10),
    }
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = ip_address::config(env, Flavor::IPaddr2)?;
    match action {
        Action::Start => ip_address::start(&cfg, env),
        Action::Stop => ip_address::stop(&cfg),
        Action::Monitor => ip_address::monitor(&cfg),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => ip_address::validate(&cfg),
        other => unsupported(other),
    }
}
