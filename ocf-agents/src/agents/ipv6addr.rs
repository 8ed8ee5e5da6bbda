//! IPv6addr: the Heartbeat-era IPv6 address agent, on the IPaddr2 engine. Same actions,
//! its own parameter name (`ipv6addr`) and the v1 form `IPv6addr::fd00::5/64/eth0`.

use crate::agent::unsupported;
use crate::agents::ip_address::{self, Flavor};
use crate::metadata::{standard_actions, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};

pub fn metadata() -> Metadata {
    let mut parameters = vec![Parameter::new(
        "ipv6addr",
        "IPv6 address",
        "The IPv6 address to add, e.g. 2001:db8::10.",
    )
    .required()
    .unique()];
    parameters.extend(
        ip_address::parameters()
            .into_iter()
            .filter(|p| ["nic", "cidr_netmask", "arp_bg"].contains(&p.name)),
    );
    Metadata {
        name: "IPv6addr",
        version: "1.0",
        shortdesc: "Manages IPv6 aliases",
        longdesc: "Adds an IPv6 address to an interface (without duplicate address detection \
                   delay), announces it with an unsolicited neighbour advertisement when \
                   send_ua is installed, monitors and removes it.",
        parameters,
        actions: standard_actions(15, 15, 10),
    }
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let raw = env.required("ipv6addr")?;
    if !raw.contains(':') {
        return Err(Failure::configured(format!(
            "ipv6addr '{raw}' is not an IPv6 address"
        )));
    }
    let mut inner = env.clone();
    inner.params.insert("ip".into(), raw.to_string());
    let cfg = ip_address::config(&inner, Flavor::IPaddr2)?;
    match action {
        Action::Start => ip_address::start(&cfg, &inner),
        Action::Stop => ip_address::stop(&cfg),
        Action::Monitor => ip_address::monitor(&cfg),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => ip_address::validate(&cfg),
        other => unsupported(other),
    }
}

/// `IPv6addr::<address>[/<prefix>[/<nic>]]` in haresources.
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    let mut params = ip_address::heartbeat_args(args)?;
    for (name, _) in params.iter_mut() {
        if name == "ip" {
            *name = "ipv6addr".into();
        }
    }
    Ok(params)
}
