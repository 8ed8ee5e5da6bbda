//! IPsrcaddr: makes a (virtual) address the preferred source of the default route, so
//! connections the node opens come from the address that moves with the service.

use std::net::IpAddr;

use crate::agent::unsupported;
use crate::agents::ip_address::list_addresses;
use crate::log;
use crate::metadata::{standard_actions, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::run_ok;

pub fn metadata() -> Metadata {
    Metadata {
        name: "IPsrcaddr",
        version: "1.0",
        shortdesc: "Manages the preferred source address for outgoing IP packets",
        longdesc: "Sets 'src ipaddress' on the default route on start and removes it on stop. \
                   The address must already be on this node (order this after IPaddr2). Also \
                   runs as the heartbeat-class script 'IPsrcaddr 10.0.0.5 start'.",
        parameters: vec![Parameter::new(
            "ipaddress",
            "IP address",
            "The address to use as the preferred source of the default route.",
        )
        .required()
        .unique()],
        actions: standard_actions(20, 20, 10),
    }
}

fn address(env: &OcfEnv) -> Result<IpAddr, Failure> {
    let raw = env.required("ipaddress")?;
    raw.trim()
        .parse()
        .map_err(|_| Failure::configured(format!("ipaddress '{raw}' is not an IP address")))
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let ip = address(env)?;
    match action {
        Action::Start => start(ip),
        Action::Stop => stop(ip),
        Action::Monitor => Ok(match default_route(ip) {
            Ok(Some(route)) if source_of(&route) == Some(ip.to_string()) => OcfRc::SUCCESS,
            _ => OcfRc::NOT_RUNNING,
        }),
        Action::ValidateAll => Ok(OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

/// The default route's words as `ip -o route show` prints them.
fn default_route(ip: IpAddr) -> Result<Option<Vec<String>>, Failure> {
    let (fam, any) = if ip.is_ipv4() {
        ("inet", "0.0.0.0/0")
    } else {
        ("inet6", "::/0")
    };
    let text = run_ok("ip", &["-o", "-f", fam, "route", "show", "exact", any])?;
    Ok(text
        .lines()
        .next()
        .map(|l| l.split_whitespace().map(str::to_string).collect()))
}

fn source_of(route: &[String]) -> Option<String> {
    route
        .windows(2)
        .find(|w| w[0] == "src")
        .map(|w| w[1].clone())
}

/// The route without its `src` pair.
fn without_source(route: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut words = route.iter();
    while let Some(w) = words.next() {
        if w == "src" {
            words.next();
        } else {
            out.push(w.clone());
        }
    }
    out
}

fn change(ip: IpAddr, route: Vec<String>) -> Result<(), Failure> {
    let fam = if ip.is_ipv4() { "-4" } else { "-6" };
    let mut args = vec![fam.to_string(), "route".into(), "change".into()];
    args.extend(route);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok("ip", &refs).map(|_| ())
}

fn start(ip: IpAddr) -> Outcome {
    if !list_addresses()?.iter().any(|e| e.ip == ip) {
        return Err(Failure::generic(format!(
            "{ip} is not configured on this node"
        )));
    }
    let route = default_route(ip)?
        .ok_or_else(|| Failure::generic("there is no default route to change"))?;
    if source_of(&route) != Some(ip.to_string()) {
        let mut new_route = without_source(&route);
        new_route.extend(["src".into(), ip.to_string()]);
        change(ip, new_route)?;
        log::info(&format!("default route now prefers source {ip}"));
    }
    Ok(OcfRc::SUCCESS)
}

fn stop(ip: IpAddr) -> Outcome {
    if let Some(route) = default_route(ip)? {
        if source_of(&route) == Some(ip.to_string()) {
            change(ip, without_source(&route))?;
            log::info(&format!("default route no longer prefers {ip}"));
        }
    }
    Ok(OcfRc::SUCCESS)
}

/// `IPsrcaddr::10.0.0.5[/24]` in haresources (the netmask is accepted and ignored).
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    match args {
        [one] => Ok(vec![(
            "ipaddress".into(),
            one.split('/').next().unwrap_or("").to_string(),
        )]),
        _ => Err(Failure::args("expected one argument: the address")),
    }
}
