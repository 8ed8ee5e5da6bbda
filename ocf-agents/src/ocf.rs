//! The OCF contract shared by every agent: exit codes, actions and the environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use vocab::OcfRc;

/// An action that could not reach its goal: the exit code plus the human reason,
/// which is printed as `ocf-exit-reason:<reason>` so the LRM can store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rc: OcfRc,
    pub reason: String,
}

impl Failure {
    pub fn new(rc: OcfRc, reason: impl Into<String>) -> Self {
        Failure {
            rc,
            reason: reason.into(),
        }
    }
    pub fn generic(reason: impl Into<String>) -> Self {
        Self::new(OcfRc::ERR_GENERIC, reason)
    }
    pub fn configured(reason: impl Into<String>) -> Self {
        Self::new(OcfRc::ERR_CONFIGURED, reason)
    }
    pub fn args(reason: impl Into<String>) -> Self {
        Self::new(OcfRc::ERR_ARGS, reason)
    }
    pub fn installed(reason: impl Into<String>) -> Self {
        Self::new(OcfRc::ERR_INSTALLED, reason)
    }
}

/// What an action returns: an expected state (`Success`, `NotRunning`, `RunningPromoted`...)
/// or a failure with a reason.
pub type Outcome = Result<OcfRc, Failure>;

/// The actions an agent can be asked to perform (`argv[1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    Monitor,
    MetaData,
    ValidateAll,
    Promote,
    Demote,
    Notify,
    Reload,
    ReloadAgent,
    MigrateTo,
    MigrateFrom,
    Usage,
    Methods,
    Other(String),
}

impl Action {
    /// Parses `argv[1]`; `status` is the legacy name of `monitor`.
    pub fn parse(name: &str) -> Action {
        match name {
            "start" => Action::Start,
            "stop" => Action::Stop,
            "monitor" | "status" => Action::Monitor,
            "meta-data" | "meta_data" => Action::MetaData,
            "validate-all" => Action::ValidateAll,
            "promote" => Action::Promote,
            "demote" => Action::Demote,
            "notify" => Action::Notify,
            "reload" => Action::Reload,
            "reload-agent" => Action::ReloadAgent,
            "migrate_to" => Action::MigrateTo,
            "migrate_from" => Action::MigrateFrom,
            "usage" | "help" => Action::Usage,
            "methods" => Action::Methods,
            other => Action::Other(other.to_string()),
        }
    }
}

/// Where agents keep their state files unless told otherwise (`HA_RSCTMP`).
pub const DEFAULT_RSCTMP: &str = "/run/resource-agents";

/// The environment an agent runs in, decoded once (OCF_RESKEY_*, OCF_RESKEY_CRM_meta_*,
/// OCF_RESOURCE_INSTANCE, OCF_CHECK_LEVEL, HA_RSCTMP).
#[derive(Debug, Clone, Default)]
pub struct OcfEnv {
    /// Instance parameters, without the `OCF_RESKEY_` prefix.
    pub params: BTreeMap<String, String>,
    /// Meta attributes, without the `OCF_RESKEY_CRM_meta_` prefix (`interval`, `timeout` in ms).
    pub meta: BTreeMap<String, String>,
    pub instance: String,
    /// `OCF_CHECK_LEVEL` when set (0, 10, 20).
    pub check_level: Option<u32>,
    pub rsctmp: PathBuf,
}

impl OcfEnv {
    /// Decodes the process environment.
    pub fn from_process() -> OcfEnv {
        OcfEnv::from_vars(std::env::vars())
    }

    /// Decodes any list of variables (tests use this directly).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> OcfEnv {
        let mut env = OcfEnv {
            rsctmp: PathBuf::from(DEFAULT_RSCTMP),
            instance: "default".to_string(),
            ..OcfEnv::default()
        };
        for (key, value) in vars {
            if let Some(meta) = key.strip_prefix("OCF_RESKEY_CRM_meta_") {
                env.meta.insert(meta.to_string(), value);
            } else if let Some(param) = key.strip_prefix("OCF_RESKEY_") {
                env.params.insert(param.to_string(), value);
            } else if key == "OCF_RESOURCE_INSTANCE" && !value.is_empty() {
                env.instance = value;
            } else if key == "OCF_CHECK_LEVEL" {
                env.check_level = value.trim().parse().ok();
            } else if key == "HA_RSCTMP" && !value.is_empty() {
                env.rsctmp = PathBuf::from(value);
            }
        }
        env
    }

    /// A parameter's value; empty values count as unset, as in the shell agents.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A parameter's value or the given default.
    pub fn param_or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.param(name).unwrap_or(default)
    }

    /// A required parameter, or OCF_ERR_CONFIGURED naming it.
    pub fn required(&self, name: &str) -> Result<&str, Failure> {
        self.param(name)
            .ok_or_else(|| Failure::configured(format!("required parameter '{name}' is not set")))
    }

    /// A boolean parameter in the Pacemaker spelling (yes/true/on/1 and no/false/off/0).
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, Failure> {
        match self.param(name) {
            None => Ok(default),
            Some(v) => vocab::parse_bool(v).ok_or_else(|| {
                Failure::configured(format!("parameter '{name}' must be a boolean, not '{v}'"))
            }),
        }
    }

    /// A non-negative integer parameter.
    pub fn integer(&self, name: &str, default: u64) -> Result<u64, Failure> {
        match self.param(name) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| {
                Failure::configured(format!("parameter '{name}' must be an integer, not '{v}'"))
            }),
        }
    }

    /// A meta attribute holding milliseconds (`interval`, `timeout`).
    pub fn meta_ms(&self, name: &str) -> Option<u64> {
        self.meta.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// A probe is a monitor with interval 0; it must report 7 rather than fail when
    /// something the resource needs is missing on this node.
    pub fn is_probe(&self) -> bool {
        self.meta_ms("interval") == Some(0)
    }

    /// Whether validate-all should check this host (installed programs, devices,
    /// interfaces) and not just the parameters' syntax. OCF 1.1 makes level 0 syntax-only
    /// and lets agents pick the default; ours is 10, as the shell agents always check.
    pub fn checks_host(&self) -> bool {
        self.check_level.unwrap_or(10) >= 10
    }

    /// The default state file `<HA_RSCTMP>/<agent>-<instance>.<suffix>` (`:` of clone
    /// instances is kept; it is valid in file names).
    pub fn state_file(&self, agent: &str, suffix: &str) -> PathBuf {
        self.rsctmp.join(format!(
            "{agent}-{}.{suffix}",
            self.instance.replace('/', "_")
        ))
    }
}

/// A duration parameter (`5`, `1.5`, `500ms`, `2s`, `1min`) in seconds.
pub fn parse_seconds(value: &str) -> Option<f64> {
    vocab::parse_duration(value).ok().map(|d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_splits_params_meta_and_instance() {
        let env = OcfEnv::from_vars(
            [
                ("OCF_RESKEY_ip", "10.0.0.1"),
                ("OCF_RESKEY_CRM_meta_interval", "0"),
                ("OCF_RESKEY_empty", ""),
                ("OCF_RESOURCE_INSTANCE", "vip:1"),
                ("OCF_CHECK_LEVEL", "20"),
                ("HA_RSCTMP", "/tmp/x"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        assert_eq!(env.param("ip"), Some("10.0.0.1"));
        assert_eq!(env.param("empty"), None);
        assert!(env.is_probe());
        assert_eq!(env.check_level, Some(20));
        assert!(env.checks_host());
        assert_eq!(
            env.state_file("Dummy", "state"),
            PathBuf::from("/tmp/x/Dummy-vip:1.state")
        );
    }

    #[test]
    fn durations_accept_units() {
        assert_eq!(parse_seconds("5"), Some(5.0));
        assert_eq!(parse_seconds("500ms"), Some(0.5));
        assert_eq!(parse_seconds("1min"), Some(60.0));
        assert_eq!(parse_seconds("abc"), None);
    }
}
