//! SysInfo: publishes facts about this node as node attributes (CPU, memory, swap, load,
//! free disk space), for utilization-aware placement and rules; optionally marks the node
//! unhealthy (`#health_disk=red`) when a disk runs low.

use std::path::{Path, PathBuf};

use crate::agent::unsupported;
use crate::attributes;
use crate::metadata::{standard_actions, ContentType, Metadata, Parameter};
use crate::ocf::{parse_seconds, Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::state;

pub fn metadata() -> Metadata {
    Metadata {
        name: "SysInfo",
        version: "1.0",
        shortdesc: "Records various node attributes in the CIB",
        longdesc: "On start and every monitor, sets the node attributes arch, os, cpu_info, \
                   cpu_speed (MHz), cpu_cores, cpu_load (1-minute load average), ram_total, \
                   ram_free, free_swap (MiB), root_free and <disk>_free for each entry of disks \
                   (in disk_unit). With min_disk_free, #health_disk is set to red when any of \
                   them has less free space, green otherwise.",
        parameters: vec![
            Parameter::new(
                "disks",
                "Disks to monitor",
                "Space separated mount points whose free space is reported (the root file \
                 system always is).",
            ),
            Parameter::new(
                "disk_unit",
                "Unit for disk sizes",
                "B, K, M, G, T or P (powers of 1024).",
            )
            .default("G"),
            Parameter::new(
                "min_disk_free",
                "Minimum free disk space",
                "A size with unit (e.g. 512M, 2G); below it #health_disk becomes red.",
            ),
            Parameter::new(
                "delay",
                "Dampening delay",
                "How long the attribute daemon waits before writing changes.",
            )
            .of_type(ContentType::Time)
            .default("0s"),
        ],
        actions: standard_actions(20, 20, 60),
    }
}

struct Config {
    disks: Vec<PathBuf>,
    unit: (char, u64),
    min_free: Option<u64>,
    delay: String,
    state: PathBuf,
}

/// The multiplier of a unit letter.
fn unit_size(unit: char) -> Option<u64> {
    let power = "BKMGTP".find(unit.to_ascii_uppercase())?;
    Some(1u64 << (10 * power))
}

/// Parses `512M`, `2G`, `100` (bytes).
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (number, unit) = match t.chars().last()? {
        c if c.is_ascii_alphabetic() => (&t[..t.len() - 1], c),
        _ => (t, 'B'),
    };
    number.parse::<u64>().ok()?.checked_mul(unit_size(unit)?)
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let disks = env
        .param_or("disks", "")
        .split_whitespace()
        .map(PathBuf::from)
        .collect::<Vec<_>>();
    if let Some(bad) = disks.iter().find(|d| !d.is_absolute()) {
        return Err(Failure::configured(format!(
            "disk '{}' must be an absolute path",
            bad.display()
        )));
    }
    let unit_text = env.param_or("disk_unit", "G");
    let unit = unit_text
        .chars()
        .next()
        .filter(|_| unit_text.len() == 1)
        .and_then(|c| unit_size(c).map(|size| (c.to_ascii_uppercase(), size)))
        .ok_or_else(|| {
            Failure::configured(format!("disk_unit '{unit_text}' is not B/K/M/G/T/P"))
        })?;
    let min_free =
        match env.param("min_disk_free") {
            None => None,
            Some(raw) => Some(parse_size(raw).ok_or_else(|| {
                Failure::configured(format!("min_disk_free '{raw}' is not a size"))
            })?),
        };
    let delay = env.param_or("delay", "0s").to_string();
    if parse_seconds(&delay).is_none() {
        return Err(Failure::configured(format!(
            "delay '{delay}' is not a duration"
        )));
    }
    Ok(Config {
        disks,
        unit,
        min_free,
        delay,
        state: env.state_file("SysInfo", "state"),
    })
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    match action {
        Action::Start => {
            publish(&cfg)?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop => {
            if cfg.state.exists() && cfg.min_free.is_some() {
                attributes::delete("#health_disk", &cfg.delay);
            }
            state::remove(&cfg.state).map(|()| OcfRc::SUCCESS)
        }
        Action::Monitor => {
            if !cfg.state.exists() {
                return Ok(OcfRc::NOT_RUNNING);
            }
            publish(&cfg)?;
            Ok(OcfRc::SUCCESS)
        }
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => match cfg.disks.iter().find(|d| !d.exists()) {
            Some(d) => Err(Failure::args(format!("{} does not exist", d.display()))),
            None => Ok(OcfRc::SUCCESS),
        },
        other => unsupported(other),
    }
}

/// Free bytes of the file system holding `path`.
fn free_bytes(path: &Path) -> Option<u64> {
    let st = nix::sys::statvfs::statvfs(path).ok()?;
    Some(st.blocks_available() as u64 * st.fragment_size() as u64)
}

/// `<name>_free` attribute name for a mount point (`/` is `root`).
fn disk_attribute(path: &Path) -> String {
    let name = path.to_string_lossy().trim_matches('/').replace('/', "_");
    if name.is_empty() {
        "root_free".into()
    } else {
        format!("{name}_free")
    }
}

/// A `Key: value` field of /proc/meminfo in MiB.
fn meminfo_mib(meminfo: &str, key: &str) -> Option<u64> {
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib / 1024)
}

/// Collects the facts, in a stable order.
fn facts(cfg: &Config) -> Vec<(String, String)> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let mut out: Vec<(String, String)> = Vec::new();
    out.push(("arch".into(), std::env::consts::ARCH.into()));
    out.push((
        "os".into(),
        format!(
            "{}-{}",
            read("/proc/sys/kernel/ostype").trim(),
            read("/proc/sys/kernel/osrelease").trim()
        ),
    ));
    let cpuinfo = read("/proc/cpuinfo");
    let field = |key: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    if let Some(model) = field("model name") {
        out.push(("cpu_info".into(), model));
    }
    if let Some(mhz) = field("cpu MHz").and_then(|v| v.parse::<f64>().ok()) {
        out.push(("cpu_speed".into(), format!("{}", mhz.round() as u64)));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    out.push(("cpu_cores".into(), cores.to_string()));
    if let Some(load) = read("/proc/loadavg").split_whitespace().next() {
        out.push(("cpu_load".into(), load.to_string()));
    }
    let meminfo = read("/proc/meminfo");
    for (attr, key) in [
        ("ram_total", "MemTotal"),
        ("ram_free", "MemAvailable"),
        ("free_swap", "SwapFree"),
    ] {
        if let Some(v) = meminfo_mib(&meminfo, key) {
            out.push((attr.into(), v.to_string()));
        }
    }
    let mut disks = vec![PathBuf::from("/")];
    disks.extend(
        cfg.disks
            .iter()
            .filter(|d| d.as_path() != Path::new("/"))
            .cloned(),
    );
    for disk in disks {
        if let Some(free) = free_bytes(&disk) {
            out.push((
                disk_attribute(&disk),
                format!("{}{}", free / cfg.unit.1, cfg.unit.0),
            ));
        }
    }
    out
}

fn publish(cfg: &Config) -> Result<(), Failure> {
    let mut all = facts(cfg);
    if let Some(min) = cfg.min_free {
        let mut disks = vec![PathBuf::from("/")];
        disks.extend(cfg.disks.iter().cloned());
        let low = disks
            .iter()
            .any(|d| free_bytes(d).is_some_and(|free| free < min));
        all.push((
            "#health_disk".into(),
            if low { "red" } else { "green" }.into(),
        ));
    }
    for (name, value) in &all {
        attributes::update(name, value, &cfg.delay);
    }
    let text: String = all.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    state::write(&cfg.state, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_names() {
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("2g"), Some(2 << 30));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(disk_attribute(Path::new("/")), "root_free");
        assert_eq!(disk_attribute(Path::new("/var/lib")), "var_lib_free");
        assert_eq!(
            meminfo_mib("MemTotal:  2048000 kB\n", "MemTotal"),
            Some(2000)
        );
    }
}
