//! Route: adds a network route (optionally in a policy routing table) while started.

use std::net::IpAddr;

use crate::agent::unsupported;
use crate::agents::ip_address::{family, interface_exists, parse_prefix};
use crate::log;
use crate::metadata::{standard_actions, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::run_ok;

pub fn metadata() -> Metadata {
    Metadata {
        name: "Route",
        version: "1.0",
        shortdesc: "Manages network routes",
        longdesc: "Adds a route on start (replacing any route to the same destination), checks \
                   it on monitor and deletes it on stop. Typical use: a default route or a \
                   source route that must follow a virtual address.",
        parameters: vec![
            Parameter::new(
                "destination",
                "Destination network",
                "The destination network (prefix/length, a single address, or 'default').",
            )
            .required()
            .unique(),
            Parameter::new(
                "device",
                "Outgoing network device",
                "The outgoing interface.",
            ),
            Parameter::new("gateway", "Gateway IP address", "The next hop."),
            Parameter::new(
                "source",
                "Source IP address",
                "The preferred source address for traffic on this route.",
            ),
            Parameter::new(
                "table",
                "Routing table",
                "The routing table (number or name from rt_tables); default main.",
            ),
        ],
        actions: standard_actions(20, 20, 10),
    }
}

#[derive(Debug)]
struct Config {
    destination: String,
    v6: bool,
    device: Option<String>,
    gateway: Option<IpAddr>,
    source: Option<IpAddr>,
    table: Option<String>,
}

fn parse_ip(env: &OcfEnv, name: &str) -> Result<Option<IpAddr>, Failure> {
    env.param(name)
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| Failure::configured(format!("{name} '{v}' is not an IP address")))
        })
        .transpose()
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let raw = env.required("destination")?.trim();
    let gateway = parse_ip(env, "gateway")?;
    let source = parse_ip(env, "source")?;
    let (destination, v6) = if raw == "default" {
        let v6 = gateway.or(source).is_some_and(|ip| ip.is_ipv6());
        (if v6 { "::/0" } else { "0.0.0.0/0" }.to_string(), v6)
    } else {
        let (addr, prefix) = raw.split_once('/').unwrap_or((raw, ""));
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| Failure::configured(format!("destination '{raw}' is not a network")))?;
        let bits = if prefix.is_empty() {
            if ip.is_ipv4() {
                32
            } else {
                128
            }
        } else {
            parse_prefix(prefix, &ip).ok_or_else(|| {
                Failure::configured(format!("destination '{raw}' has a bad prefix"))
            })?
        };
        (format!("{ip}/{bits}"), ip.is_ipv6())
    };
    if [gateway, source]
        .iter()
        .flatten()
        .any(|ip| ip.is_ipv6() != v6)
    {
        return Err(Failure::configured(
            "destination, gateway and source must be of one address family",
        ));
    }
    let device = env.param("device").map(str::to_string);
    let table = env.param("table").map(str::to_string);
    if device.is_none() && gateway.is_none() {
        return Err(Failure::configured("a route needs a device or a gateway"));
    }
    Ok(Config {
        destination,
        v6,
        device,
        gateway,
        source,
        table,
    })
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    match action {
        Action::Start => start(&cfg),
        Action::Stop => stop(&cfg),
        Action::Monitor => Ok(if present(&cfg)? {
            OcfRc::SUCCESS
        } else {
            OcfRc::NOT_RUNNING
        }),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => validate(&cfg).map(|()| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

fn validate(cfg: &Config) -> Result<(), Failure> {
    match &cfg.device {
        Some(dev) if !interface_exists(dev) => {
            Err(Failure::args(format!("interface {dev} does not exist")))
        }
        _ => Ok(()),
    }
}

fn family_args(cfg: &Config) -> Vec<String> {
    let probe: IpAddr = if cfg.v6 {
        "::".parse().expect("literal")
    } else {
        "0.0.0.0".parse().expect("literal")
    };
    vec!["-f".into(), family(&probe).into()]
}

/// `ROUTE [via GW] [dev DEV] [src SRC] [table T]`, as `ip route` takes it.
fn route_spec(cfg: &Config, with_source: bool) -> Vec<String> {
    let mut spec = vec![cfg.destination.clone()];
    if let Some(gw) = cfg.gateway {
        spec.extend(["via".into(), gw.to_string()]);
    }
    if let Some(dev) = &cfg.device {
        spec.extend(["dev".into(), dev.clone()]);
    }
    if let (Some(src), true) = (cfg.source, with_source) {
        spec.extend(["src".into(), src.to_string()]);
    }
    if let Some(table) = &cfg.table {
        spec.extend(["table".into(), table.clone()]);
    }
    spec
}

fn ip(args: Vec<String>) -> Result<String, Failure> {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok("ip", &refs)
}

/// True when the table holds our destination with our gateway, device and source.
fn present(cfg: &Config) -> Result<bool, Failure> {
    let mut args = family_args(cfg);
    args.extend(["-o".into(), "route".into(), "show".into()]);
    if let Some(table) = &cfg.table {
        args.extend(["table".into(), table.clone()]);
    }
    args.extend(["exact".into(), cfg.destination.clone()]);
    let text = match ip(args) {
        Ok(t) => t,
        // An unknown table or device on this node means the route is not here.
        Err(_) => return Ok(false),
    };
    let wanted: Vec<(&str, String)> = [
        cfg.gateway.map(|g| ("via", g.to_string())),
        cfg.device.clone().map(|d| ("dev", d)),
        cfg.source.map(|s| ("src", s.to_string())),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(text.lines().any(|line| {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        wanted.iter().all(|(key, value)| {
            tokens
                .windows(2)
                .any(|w| w[0] == *key && w[1] == value.as_str())
        })
    }))
}

fn start(cfg: &Config) -> Outcome {
    validate(cfg)?;
    if !present(cfg)? {
        let mut args = family_args(cfg);
        args.extend(["route".into(), "replace".into()]);
        args.extend(route_spec(cfg, true));
        ip(args)?;
        log::info(&format!("added route {}", route_spec(cfg, true).join(" ")));
    }
    Ok(OcfRc::SUCCESS)
}

fn stop(cfg: &Config) -> Outcome {
    if present(cfg)? {
        let mut args = family_args(cfg);
        args.extend(["route".into(), "del".into()]);
        args.extend(route_spec(cfg, false));
        ip(args)?;
        log::info(&format!(
            "deleted route {}",
            route_spec(cfg, false).join(" ")
        ));
    }
    Ok(OcfRc::SUCCESS)
}
