//! Operation requests and results: what a client asks for and what it gets back.
//!
//! These types are the lrmd's wire contract too (see `wire`), hence serde.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::agent::AgentId;
use vocab::{ExecStatus, OcfRc};

/// An action an agent can be asked to perform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Action {
    /// `start`
    Start,
    /// `stop`
    Stop,
    /// `monitor` (a probe when its interval is 0)
    Monitor,
    /// `status` (LSB / legacy)
    Status,
    /// `meta-data`
    MetaData,
    /// `validate-all`
    ValidateAll,
    /// `promote`
    Promote,
    /// `demote`
    Demote,
    /// `notify`
    Notify,
    /// `migrate_to`
    MigrateTo,
    /// `migrate_from`
    MigrateFrom,
    /// `reload`
    Reload,
    /// `reload-agent`
    ReloadAgent,
    /// Any other action name, passed through to the agent.
    Other(String),
}

impl Action {
    /// The argument given to the agent.
    pub fn as_str(&self) -> &str {
        match self {
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Monitor => "monitor",
            Action::Status => "status",
            Action::MetaData => "meta-data",
            Action::ValidateAll => "validate-all",
            Action::Promote => "promote",
            Action::Demote => "demote",
            Action::Notify => "notify",
            Action::MigrateTo => "migrate_to",
            Action::MigrateFrom => "migrate_from",
            Action::Reload => "reload",
            Action::ReloadAgent => "reload-agent",
            Action::Other(name) => name,
        }
    }

    /// `monitor` or `status`: the actions whose rc says whether the resource runs.
    pub fn is_monitor(&self) -> bool {
        matches!(self, Action::Monitor | Action::Status)
    }
}

impl From<&str> for Action {
    fn from(name: &str) -> Self {
        match name {
            "start" => Action::Start,
            "stop" => Action::Stop,
            "monitor" => Action::Monitor,
            "status" => Action::Status,
            "meta-data" => Action::MetaData,
            "validate-all" => Action::ValidateAll,
            "promote" => Action::Promote,
            "demote" => Action::Demote,
            "notify" => Action::Notify,
            "migrate_to" => Action::MigrateTo,
            "migrate_from" => Action::MigrateFrom,
            "reload" => Action::Reload,
            "reload-agent" => Action::ReloadAgent,
            other => Action::Other(other.to_string()),
        }
    }
}

impl From<String> for Action {
    fn from(name: String) -> Self {
        Action::from(name.as_str())
    }
}

impl From<Action> for String {
    fn from(a: Action) -> Self {
        a.as_str().to_string()
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource as the LRM knows it: an id, an agent and its instance parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceSpec {
    /// Resource id (`OCF_RESOURCE_INSTANCE`; clone instances are `rsc:N`).
    pub id: String,
    /// Which agent runs it.
    pub agent: AgentId,
    /// Instance parameters (`OCF_RESKEY_<name>`). For the heartbeat class, named `1`..`N`.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// One operation to execute on a registered resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpRequest {
    /// Resource id.
    pub rsc: String,
    /// Action to run.
    pub action: Action,
    /// Repeat interval in ms; 0 runs once.
    #[serde(default)]
    pub interval_ms: u64,
    /// Time the agent may take, in ms.
    pub timeout_ms: u64,
    /// Meta attributes exported as `OCF_RESKEY_CRM_meta_<name>` (dashes become underscores).
    /// `timeout` is always exported, and `interval` whenever the interval is not 0.
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
    /// Parameters for this operation only, on top of the resource's.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// `OCF_CHECK_LEVEL` (monitor and validate-all depth).
    #[serde(default)]
    pub check_level: Option<u32>,
    /// The rc the caller expects; results differing from it count as failures in the history.
    /// Without it: 0 (7 is also fine for a probe).
    #[serde(default)]
    pub expected_rc: Option<i32>,
}

impl OpRequest {
    /// A request with no meta attributes, extra parameters or check level.
    pub fn new(rsc: &str, action: Action, interval_ms: u64, timeout_ms: u64) -> Self {
        OpRequest {
            rsc: rsc.to_string(),
            action,
            interval_ms,
            timeout_ms,
            meta: BTreeMap::new(),
            params: BTreeMap::new(),
            check_level: None,
            expected_rc: None,
        }
    }

    /// Pacemaker's operation key `<rsc>_<action>_<interval_ms>`.
    pub fn key(&self) -> String {
        op_key(&self.rsc, &self.action, self.interval_ms)
    }
}

/// Pacemaker's operation key `<rsc>_<action>_<interval_ms>`.
pub fn op_key(rsc: &str, action: &Action, interval_ms: u64) -> String {
    format!("{rsc}_{action}_{interval_ms}")
}

/// The outcome of one execution of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpResult {
    /// Call id the LRM gave the operation (recurring executions share their request's id).
    pub call_id: u64,
    /// Resource id.
    pub rsc: String,
    /// Action run.
    pub action: Action,
    /// Repeat interval in ms (0 = once).
    pub interval_ms: u64,
    /// Agent's result, normalised to OCF codes.
    pub rc: OcfRc,
    /// How the execution ended.
    pub status: ExecStatus,
    /// `ocf-exit-reason:` text from the agent, or the LRM's own reason.
    pub exit_reason: String,
    /// Kept stdout (bounded).
    pub stdout: String,
    /// Kept stderr (bounded).
    pub stderr: String,
    /// Wall time the agent ran, ms.
    pub exec_time_ms: u64,
    /// Time the operation waited before running, ms.
    pub queue_time_ms: u64,
    /// Seconds since the epoch when it started running.
    pub run_at: u64,
    /// Whether the result matches what the caller expected.
    pub ok: bool,
}

impl OpResult {
    /// Pacemaker's operation key.
    pub fn key(&self) -> String {
        op_key(&self.rsc, &self.action, self.interval_ms)
    }
}

/// Clone notification variables, exported as `OCF_RESKEY_CRM_meta_notify_*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyVars {
    /// `pre` or `post`.
    pub kind: String,
    /// `start`, `stop`, `promote` or `demote`.
    pub operation: String,
    /// Lists by name: `start`, `stop`, `active`, `inactive`, `promote`, `demote`, `promoted`,
    /// `unpromoted` (and the old `master`/`slave`), each with resources and their node names.
    pub lists: BTreeMap<String, (Vec<String>, Vec<String>)>,
    /// All node names in the cluster.
    pub all_uname: Vec<String>,
    /// Nodes that can run the clone.
    pub available_uname: Vec<String>,
}

impl NotifyVars {
    /// The meta attributes (without the `CRM_meta_` prefix) that carry these variables.
    pub fn to_meta(&self) -> BTreeMap<String, String> {
        let mut meta = BTreeMap::new();
        meta.insert("notify_type".into(), self.kind.clone());
        meta.insert("notify_operation".into(), self.operation.clone());
        meta.insert("notify_key_type".into(), self.kind.clone());
        meta.insert("notify_key_operation".into(), self.operation.clone());
        for (list, (resources, unames)) in &self.lists {
            meta.insert(format!("notify_{list}_resource"), resources.join(" "));
            if list != "inactive" {
                meta.insert(format!("notify_{list}_uname"), unames.join(" "));
            }
        }
        meta.insert("notify_all_uname".into(), self.all_uname.join(" "));
        meta.insert("notify_all_hosts".into(), self.all_uname.join(" "));
        meta.insert(
            "notify_available_uname".into(),
            self.available_uname.join(" "),
        );
        meta
    }
}
