//! Agent identity (`class:provider:type`) and where each class's agents live on disk.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Resource agent standards the LRM knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceClass {
    /// OCF agents under `$OCF_ROOT/resource.d/<provider>/<type>`.
    Ocf,
    /// LSB init scripts in `/etc/init.d`.
    Lsb,
    /// Heartbeat v1 scripts (`/etc/ha.d/resource.d`, then `/etc/init.d`) with positional args.
    Heartbeat,
    /// systemd units, over systemd's D-Bus API.
    Systemd,
    /// systemd when it runs and knows the unit, LSB otherwise.
    Service,
    /// Fencing devices: run by stonithd, not by the LRM.
    Stonith,
}

impl ResourceClass {
    /// Every class, in the order `--list-standards` shows them.
    pub const ALL: [ResourceClass; 6] = [
        ResourceClass::Ocf,
        ResourceClass::Lsb,
        ResourceClass::Heartbeat,
        ResourceClass::Service,
        ResourceClass::Systemd,
        ResourceClass::Stonith,
    ];

    /// The class name used in `class:provider:type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceClass::Ocf => "ocf",
            ResourceClass::Lsb => "lsb",
            ResourceClass::Heartbeat => "heartbeat",
            ResourceClass::Systemd => "systemd",
            ResourceClass::Service => "service",
            ResourceClass::Stonith => "stonith",
        }
    }

    /// Parses a class name (case-insensitive, as Pacemaker accepts `OCF`).
    pub fn parse(name: &str) -> Option<ResourceClass> {
        ResourceClass::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name))
    }

    /// Only OCF agents have a provider.
    pub fn needs_provider(self) -> bool {
        self == ResourceClass::Ocf
    }
}

impl fmt::Display for ResourceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which agent runs a resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgentId {
    /// Agent standard.
    pub class: ResourceClass,
    /// OCF provider (`heartbeat`, `pacemaker`, ...); `None` for other classes.
    #[serde(default)]
    pub provider: Option<String>,
    /// Agent type: script or unit name.
    #[serde(rename = "type")]
    pub kind: String,
}

impl AgentId {
    /// An OCF agent.
    pub fn ocf(provider: &str, kind: &str) -> Self {
        AgentId {
            class: ResourceClass::Ocf,
            provider: Some(provider.into()),
            kind: kind.into(),
        }
    }

    /// An agent of a class without providers.
    pub fn new(class: ResourceClass, kind: &str) -> Self {
        AgentId {
            class,
            provider: None,
            kind: kind.into(),
        }
    }

    /// Whether the provider and type are plain names of installed agents, never paths
    /// (`/`, `..`, NUL, a leading `.`), as the CIB checks demand.
    pub fn check_name(&self) -> Result<(), cib::agent_name::BadAgentName> {
        cib::agent_name::check_resource(self.class.as_str(), self.provider.as_deref(), &self.kind)
    }

    /// Parses `class:provider:type` or `class:type`.
    pub fn parse(text: &str) -> Option<AgentId> {
        let mut parts = text.splitn(3, ':');
        let class = ResourceClass::parse(parts.next()?)?;
        let second = parts.next()?;
        match parts.next() {
            Some(kind) if class.needs_provider() => Some(AgentId::ocf(second, kind)),
            None if !class.needs_provider() => Some(AgentId::new(class, second)),
            _ => None,
        }
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provider {
            Some(p) => write!(f, "{}:{}:{}", self.class, p, self.kind),
            None => write!(f, "{}:{}", self.class, self.kind),
        }
    }
}

/// Where agents are looked up. Tests point these at temporary directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDirs {
    /// `OCF_ROOT`.
    pub ocf_root: PathBuf,
    /// LSB init scripts.
    pub lsb_dir: PathBuf,
    /// Heartbeat-class script directories, searched in order.
    pub heartbeat_dirs: Vec<PathBuf>,
}

impl Default for AgentDirs {
    fn default() -> Self {
        AgentDirs {
            ocf_root: PathBuf::from("/usr/lib/ocf"),
            lsb_dir: PathBuf::from("/etc/init.d"),
            // The administrator's scripts, then the heartbeat-rs package's own v1 scripts
            // (kept apart so the package never owns a file in /etc), then init scripts.
            heartbeat_dirs: vec![
                PathBuf::from("/etc/ha.d/resource.d"),
                PathBuf::from("/usr/lib/heartbeat-rs/resource.d"),
                PathBuf::from("/etc/init.d"),
            ],
        }
    }
}

impl AgentDirs {
    /// The defaults, overridden by `OCF_ROOT`, `LRMD_LSB_DIR` and `LRMD_HEARTBEAT_DIRS`
    /// (colon-separated); `$HA_DIR/resource.d` is searched first when `HA_DIR` is set.
    pub fn from_env() -> Self {
        let mut dirs = AgentDirs::default();
        if let Some(root) = std::env::var_os("OCF_ROOT").filter(|v| !v.is_empty()) {
            dirs.ocf_root = root.into();
        }
        if let Some(lsb) = std::env::var_os("LRMD_LSB_DIR").filter(|v| !v.is_empty()) {
            dirs.lsb_dir = lsb.into();
        }
        // Started by heartbeat: its configuration directory's resource.d comes first, as
        // Heartbeat looked there for haresources scripts.
        if let Some(ha_dir) = std::env::var_os("HA_DIR").filter(|v| !v.is_empty()) {
            let own = PathBuf::from(ha_dir).join("resource.d");
            if !dirs.heartbeat_dirs.contains(&own) {
                dirs.heartbeat_dirs.insert(0, own);
            }
        }
        if let Ok(list) = std::env::var("LRMD_HEARTBEAT_DIRS") {
            let found: Vec<PathBuf> = list
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect();
            if !found.is_empty() {
                dirs.heartbeat_dirs = found;
            }
        }
        dirs
    }

    /// The executable that implements `agent`, if it exists. systemd units and stonith devices
    /// have no script.
    /// A name that is not a plain file name ([`AgentId::check_name`]) is never found.
    pub fn script_path(&self, agent: &AgentId) -> Option<PathBuf> {
        agent.check_name().ok()?;
        let name = agent.kind.as_str();
        match agent.class {
            ResourceClass::Ocf => {
                let provider = agent.provider.as_deref()?;
                executable(self.ocf_root.join("resource.d").join(provider).join(name))
            }
            ResourceClass::Lsb | ResourceClass::Service => executable(self.lsb_dir.join(name)),
            ResourceClass::Heartbeat => self
                .heartbeat_dirs
                .iter()
                .find_map(|d| executable(d.join(name))),
            ResourceClass::Systemd | ResourceClass::Stonith => None,
        }
    }

    /// OCF providers present under `$OCF_ROOT/resource.d`, sorted.
    pub fn ocf_providers(&self) -> Vec<String> {
        sorted_entries(&self.ocf_root.join("resource.d"), |p| p.is_dir())
    }

    /// Agents of one OCF provider, sorted.
    pub fn ocf_agents(&self, provider: &str) -> Vec<String> {
        let dir = self.ocf_root.join("resource.d").join(provider);
        sorted_entries(&dir, |p| executable(p.to_path_buf()).is_some())
    }
}

fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| keep(&e.path()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

fn executable(path: PathBuf) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&path).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_round_trip() {
        let id = AgentId::parse("ocf:heartbeat:Dummy").unwrap();
        assert_eq!(id, AgentId::ocf("heartbeat", "Dummy"));
        assert_eq!(id.to_string(), "ocf:heartbeat:Dummy");
        assert_eq!(AgentId::parse("lsb:ssh").unwrap().to_string(), "lsb:ssh");
        assert_eq!(AgentId::parse("ocf:Dummy"), None);
        assert_eq!(AgentId::parse("lsb:a:b"), None);
        assert_eq!(AgentId::parse("nope:x"), None);
    }

    #[test]
    fn missing_or_escaping_scripts_are_not_found() {
        let dirs = AgentDirs::default();
        assert_eq!(
            dirs.script_path(&AgentId::ocf("heartbeat", "../../../bin/sh")),
            None
        );
        assert_eq!(dirs.script_path(&AgentId::ocf("nope", "Nope")), None);
        // An executable outside the init.d directory is not an LSB agent.
        assert_eq!(
            dirs.script_path(&AgentId::new(ResourceClass::Lsb, "/bin/true")),
            None
        );
    }
}
