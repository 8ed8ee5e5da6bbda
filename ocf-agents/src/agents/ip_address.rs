//! The logic IPaddr2 and IPaddr share: add, check and remove one address with iproute2's
//! `ip`, find the interface from the routing table when `nic` is not given, and announce
//! the address to the neighbours (see [`announcement`](super::announcement)).

use std::net::IpAddr;

use crate::agents::announcement::{self, Announcement};
use crate::log;
use crate::metadata::Parameter;
use crate::ocf::{Failure, OcfEnv, OcfRc, Outcome};
use crate::process::{run_ok, which};

/// IPaddr picks `nic:N` alias labels by itself (ifconfig-era compatibility); IPaddr2 only
/// labels when `iflabel` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    IPaddr,
    IPaddr2,
}

/// Decoded, syntax-checked parameters.
#[derive(Debug, Clone)]
pub struct AddrConfig {
    flavor: Flavor,
    ip: IpAddr,
    prefix: Option<u8>,
    nic: Option<String>,
    broadcast: Option<String>,
    iflabel: Option<String>,
    announcement: Announcement,
}

impl AddrConfig {
    /// The managed address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }
}

/// The parameters both agents take, in meta-data order.
pub fn parameters() -> Vec<Parameter> {
    let mut params = vec![
        Parameter::new(
            "ip",
            "IPv4 or IPv6 address",
            "The address to add (dotted quad or IPv6 notation), for example 192.168.1.101.",
        )
        .required()
        .unique(),
        Parameter::new(
            "nic",
            "Network interface",
            "The interface to add the address to. If unset, the interface whose directly \
             connected route contains the address is used.",
        ),
        Parameter::new(
            "cidr_netmask",
            "CIDR netmask",
            "The prefix length of the address (e.g. 24), or a dotted netmask. If unset, \
             the prefix of the matching route is used.",
        ),
        Parameter::new(
            "broadcast",
            "Broadcast address",
            "Broadcast address for IPv4; by default it is derived from the address and netmask.",
        ),
        Parameter::new(
            "iflabel",
            "Interface label",
            "A label appended to the interface name for IPv4 addresses (nic:iflabel, at most \
             15 characters in all), for tools that still read aliases.",
        ),
    ];
    params.extend(announcement::parameters());
    params
}

/// Parses a prefix length or a dotted IPv4 netmask.
pub fn parse_prefix(raw: &str, ip: &IpAddr) -> Option<u8> {
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if let Ok(bits) = raw.trim().parse::<u8>() {
        return (bits <= max).then_some(bits);
    }
    let mask: std::net::Ipv4Addr = raw.trim().parse().ok()?;
    let m = u32::from(mask);
    // A netmask must be contiguous ones followed by zeros.
    (m.leading_ones() + m.trailing_zeros() == 32 && ip.is_ipv4()).then(|| m.leading_ones() as u8)
}

/// Decodes and checks parameters (no host lookups): errors are OCF_ERR_CONFIGURED.
pub fn config(env: &OcfEnv, flavor: Flavor) -> Result<AddrConfig, Failure> {
    let raw_ip = env.required("ip")?;
    let ip: IpAddr = raw_ip
        .trim()
        .parse()
        .map_err(|_| Failure::configured(format!("ip '{raw_ip}' is not an IP address")))?;
    let prefix = match env.param("cidr_netmask").or(env.param("netmask")) {
        None => None,
        Some(raw) => Some(parse_prefix(raw, &ip).ok_or_else(|| {
            Failure::configured(format!(
                "cidr_netmask '{raw}' is not a valid netmask for {ip}"
            ))
        })?),
    };
    let nic = env.param("nic").map(str::to_string);
    if let Some(n) = &nic {
        if n.len() > 15 || n.contains(['/', ' ', ':']) {
            return Err(Failure::configured(format!(
                "nic '{n}' is not an interface name"
            )));
        }
    }
    let broadcast = env.param("broadcast").map(str::to_string);
    if let Some(b) = &broadcast {
        if !ip.is_ipv4() || (b != "+" && b != "-" && b.parse::<std::net::Ipv4Addr>().is_err()) {
            return Err(Failure::configured(format!(
                "broadcast '{b}' is not valid for {ip}"
            )));
        }
    }
    let iflabel = env.param("iflabel").map(str::to_string);
    if let (Some(label), Some(n)) = (&iflabel, &nic) {
        if n.len() + 1 + label.len() > 15 {
            return Err(Failure::configured(format!(
                "label '{n}:{label}' is longer than 15 characters"
            )));
        }
    }
    Ok(AddrConfig {
        flavor,
        ip,
        prefix,
        nic,
        broadcast,
        iflabel,
        announcement: Announcement::from_env(env)?,
    })
}

/// One address as `ip -o addr show` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressEntry {
    pub dev: String,
    pub ip: IpAddr,
    pub prefix: u8,
    /// The IPv4 label (`eth0:1`), when it differs from the device name.
    pub label: Option<String>,
}

/// Parses `ip -o addr show` output.
pub fn parse_addresses(text: &str) -> Vec<AddressEntry> {
    let mut out = Vec::new();
    for line in text.lines() {
        let body = line.split('\\').next().unwrap_or("");
        let tokens: Vec<&str> = body.split_whitespace().collect();
        if tokens.len() < 4 {
            continue;
        }
        let dev = tokens[1].split('@').next().unwrap_or("").to_string();
        let Some(pos) = tokens.iter().position(|t| *t == "inet" || *t == "inet6") else {
            continue;
        };
        let Some((addr, prefix)) = tokens.get(pos + 1).and_then(|a| a.split_once('/')) else {
            continue;
        };
        let (Ok(ip), Ok(prefix)) = (addr.parse::<IpAddr>(), prefix.parse::<u8>()) else {
            continue;
        };
        let last = tokens.last().copied().unwrap_or("");
        let label = (tokens[pos] == "inet" && last.starts_with(&format!("{dev}:")))
            .then(|| last.to_string());
        out.push(AddressEntry {
            dev,
            ip,
            prefix,
            label,
        });
    }
    out
}

pub fn list_addresses() -> Result<Vec<AddressEntry>, Failure> {
    Ok(parse_addresses(&run_ok("ip", &["-o", "addr", "show"])?))
}

pub fn family(ip: &IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "inet"
    } else {
        "inet6"
    }
}

/// Finds the interface and prefix of the most specific directly connected route
/// containing `ip` (`ip route list match`), ignoring default routes.
pub fn route_for(ip: &IpAddr) -> Result<Option<(String, u8)>, Failure> {
    let text = run_ok(
        "ip",
        &[
            "-o",
            "-f",
            family(ip),
            "route",
            "list",
            "match",
            &ip.to_string(),
        ],
    )?;
    Ok(parse_routes(&text, ip))
}

fn parse_routes(text: &str, ip: &IpAddr) -> Option<(String, u8)> {
    let full = if ip.is_ipv4() { 32 } else { 128 };
    text.lines()
        .filter_map(|line| {
            let tokens: Vec<&str> = line.split_whitespace().collect();
            let dest = *tokens.first()?;
            if dest == "default" || tokens.contains(&"via") {
                return None;
            }
            let prefix = match dest.split_once('/') {
                Some((_, p)) => p.parse().ok()?,
                None => full,
            };
            let dev = tokens.iter().position(|t| *t == "dev")?;
            Some((tokens.get(dev + 1)?.to_string(), prefix))
        })
        .max_by_key(|(_, prefix)| *prefix)
}

pub fn interface_exists(nic: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(nic).exists()
}

fn interface_up(nic: &str) -> bool {
    let flags = std::fs::read_to_string(format!("/sys/class/net/{nic}/flags")).unwrap_or_default();
    u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).is_ok_and(|f| f & 1 == 1)
}

/// Resolves the interface and prefix on this host: errors are OCF_ERR_ARGS (the
/// configuration may be fine elsewhere), or OCF_ERR_GENERIC when no route matches.
pub fn resolve(cfg: &AddrConfig) -> Result<(String, u8), Failure> {
    if let Some(nic) = &cfg.nic {
        if !interface_exists(nic) {
            return Err(Failure::args(format!("interface {nic} does not exist")));
        }
    }
    match (&cfg.nic, cfg.prefix) {
        (Some(nic), Some(prefix)) => Ok((nic.clone(), prefix)),
        _ => {
            let route = route_for(&cfg.ip)?;
            let (dev, route_prefix) = match (route, &cfg.nic) {
                (Some(r), _) => r,
                (None, Some(nic)) => (nic.clone(), if cfg.ip.is_ipv4() { 32 } else { 128 }),
                (None, None) => {
                    return Err(Failure::generic(format!(
                        "no interface has a route to {}; set nic and cidr_netmask",
                        cfg.ip
                    )))
                }
            };
            Ok((
                cfg.nic.clone().unwrap_or(dev),
                cfg.prefix.unwrap_or(route_prefix),
            ))
        }
    }
}

/// The entries of our address (on our interface, when one is configured).
fn ours(cfg: &AddrConfig, all: &[AddressEntry]) -> Vec<AddressEntry> {
    all.iter()
        .filter(|e| e.ip == cfg.ip && cfg.nic.iter().all(|n| *n == e.dev))
        .cloned()
        .collect()
}

pub fn monitor(cfg: &AddrConfig) -> Outcome {
    let found = ours(cfg, &list_addresses()?);
    match found.first() {
        None => Ok(OcfRc::NOT_RUNNING),
        Some(e) if !interface_up(&e.dev) => Err(Failure::generic(format!(
            "{} is on {}, but the interface is down",
            cfg.ip, e.dev
        ))),
        Some(_) => Ok(OcfRc::SUCCESS),
    }
}

pub fn start(cfg: &AddrConfig, env: &OcfEnv) -> Outcome {
    let (nic, prefix) = resolve(cfg)?;
    let all = list_addresses()?;
    let present = all.iter().any(|e| e.ip == cfg.ip && e.dev == nic);
    if !present {
        add_address(cfg, &nic, prefix, &all)?;
        log::info(&format!("added {}/{prefix} to {nic}", cfg.ip));
    }
    run_ok("ip", &["link", "set", "dev", &nic, "up"])?;
    if !present {
        announce(cfg, &nic, prefix, env);
    }
    Ok(OcfRc::SUCCESS)
}

fn add_address(
    cfg: &AddrConfig,
    nic: &str,
    prefix: u8,
    all: &[AddressEntry],
) -> Result<(), Failure> {
    let address = format!("{}/{prefix}", cfg.ip);
    let mut args: Vec<String> = ["-f", family(&cfg.ip), "addr", "add", &address]
        .map(String::from)
        .to_vec();
    if cfg.ip.is_ipv4() {
        let brd = cfg.broadcast.clone().unwrap_or_else(|| "+".to_string());
        if brd != "-" {
            args.extend(["broadcast".into(), brd]);
        }
        if let Some(label) = label_for(cfg, nic, all) {
            args.extend(["label".into(), label]);
        }
    } else {
        // The address must be usable as soon as start returns.
        args.push("nodad".into());
    }
    args.extend(["dev".into(), nic.to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok("ip", &refs).map(|_| ())
}

/// `nic:iflabel` when configured; IPaddr picks the first free `nic:N` otherwise.
fn label_for(cfg: &AddrConfig, nic: &str, all: &[AddressEntry]) -> Option<String> {
    if let Some(l) = &cfg.iflabel {
        return Some(format!("{nic}:{l}"));
    }
    if cfg.flavor == Flavor::IPaddr2 {
        return None;
    }
    (0..100).map(|n| format!("{nic}:{n}")).find(|candidate| {
        candidate.len() <= 15 && !all.iter().any(|e| e.label.as_ref() == Some(candidate))
    })
}

pub fn stop(cfg: &AddrConfig) -> Outcome {
    for entry in ours(cfg, &list_addresses()?) {
        let address = format!("{}/{}", entry.ip, entry.prefix);
        run_ok("ip", &["addr", "del", &address, "dev", &entry.dev])?;
        log::info(&format!("removed {address} from {}", entry.dev));
    }
    Ok(OcfRc::SUCCESS)
}

pub fn validate(cfg: &AddrConfig) -> Outcome {
    if which("ip").is_none() {
        return Err(Failure::installed("ip (iproute2) is not installed"));
    }
    resolve(cfg).map(|_| OcfRc::SUCCESS)
}

/// Announces our address from `nic` (see [`announcement`](super::announcement)).
pub fn announce(cfg: &AddrConfig, nic: &str, prefix: u8, env: &OcfEnv) {
    cfg.announcement.send(cfg.ip, nic, prefix, &env.rsctmp);
}

/// Heartbeat v1 form `ip[/netmask[/nic[:label]][/broadcast]]` (one argument, as in
/// `IPaddr::10.0.0.5/24/eth0`), optionally followed by more positional words.
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    let first = args
        .first()
        .ok_or_else(|| Failure::args("an address argument is required"))?;
    let mut parts = first.split('/');
    let mut out = vec![("ip".to_string(), parts.next().unwrap_or("").to_string())];
    if let Some(mask) = parts.next().filter(|m| !m.is_empty()) {
        out.push(("cidr_netmask".into(), mask.into()));
    }
    if let Some(nic) = parts.next().filter(|n| !n.is_empty()) {
        match nic.split_once(':') {
            Some((dev, label)) => {
                out.push(("nic".into(), dev.into()));
                out.push(("iflabel".into(), label.into()));
            }
            None => out.push(("nic".into(), nic.into())),
        }
    }
    if let Some(brd) = parts.next().filter(|b| !b.is_empty()) {
        out.push(("broadcast".into(), brd.into()));
    }
    if parts.next().is_some() || args.len() > 1 {
        return Err(Failure::args(format!(
            "expected ip[/netmask[/nic][/broadcast]], got '{}'",
            args.join(" ")
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_o_addr_lines() {
        let text = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n\
                    3: veth0@if2    inet 10.1.0.5/24 brd 10.1.0.255 scope global veth0:0\\       valid_lft forever\n\
                    3: veth0@if2    inet6 fe80::1/64 scope link \\       valid_lft forever\n";
        let all = parse_addresses(text);
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].dev, "veth0");
        assert_eq!(all[1].label.as_deref(), Some("veth0:0"));
        assert_eq!(all[1].prefix, 24);
        assert_eq!(all[2].label, None);
    }

    #[test]
    fn picks_most_specific_connected_route() {
        let ip: IpAddr = "10.1.0.5".parse().unwrap();
        let text = "default via 10.1.0.1 dev a\n10.0.0.0/8 dev b scope link\n10.1.0.0/24 dev c proto kernel scope link src 10.1.0.2\n";
        assert_eq!(parse_routes(text, &ip), Some(("c".into(), 24)));
    }

    #[test]
    fn netmasks_in_both_spellings() {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(parse_prefix("24", &ip), Some(24));
        assert_eq!(parse_prefix("255.255.255.0", &ip), Some(24));
        assert_eq!(parse_prefix("255.0.255.0", &ip), None);
        assert_eq!(parse_prefix("33", &ip), None);
    }

    #[test]
    fn heartbeat_v1_address_forms() {
        let p = heartbeat_args(&["10.0.0.5/24/eth0:web/10.0.0.255".into()]).unwrap();
        let names: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["ip", "cidr_netmask", "nic", "iflabel", "broadcast"]);
        assert_eq!(heartbeat_args(&["10.0.0.5".into()]).unwrap().len(), 1);
        assert!(heartbeat_args(&["10.0.0.5/24/eth0/b/extra".into()]).is_err());
    }
}
