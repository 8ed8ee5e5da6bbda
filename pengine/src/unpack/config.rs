//! Cluster options (`crm_config`), `rsc_defaults` and `op_defaults`.

use super::is_true;
use crate::rules::{self, IdIndex, RuleContext};
use cib::Element;
use std::collections::BTreeMap;
use vocab::score::Score;

/// What to do without quorum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoQuorumPolicy {
    /// Carry on as if quorate.
    Ignore,
    /// Keep running resources, start nothing new.
    Freeze,
    /// Stop everything.
    Stop,
    /// Demote promoted instances, stop nothing else.
    Demote,
    /// Fence every node (suicide).
    Suicide,
}

/// The options the scheduler uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// All raw options (first value wins).
    pub options: BTreeMap<String, String>,
    /// The CIB's `crm_feature_set` (the version a history entry without one was written by).
    pub feature_set: Option<String>,
    /// `stonith-enabled`.
    pub stonith_enabled: bool,
    /// `stonith-action` (reboot or off).
    pub stonith_action: String,
    /// `symmetric-cluster`.
    pub symmetric: bool,
    /// `no-quorum-policy`.
    pub no_quorum_policy: NoQuorumPolicy,
    /// The CIB's `have-quorum`.
    pub have_quorum: bool,
    /// `stop-orphan-resources`.
    pub stop_orphan_resources: bool,
    /// `stop-orphan-actions`.
    pub stop_orphan_actions: bool,
    /// `start-failure-is-fatal`.
    pub start_failure_fatal: bool,
    /// `maintenance-mode`.
    pub maintenance_mode: bool,
    /// `stop-all-resources`.
    pub stop_all: bool,
    /// `enable-startup-probes`.
    pub enable_probes: bool,
    /// `startup-fencing`.
    pub startup_fencing: bool,
    /// `placement-strategy`.
    pub placement_strategy: String,
    /// `cluster-delay` as written.
    pub cluster_delay: String,
    /// `stonith-timeout` as written.
    pub stonith_timeout: String,
    /// `shutdown-lock`.
    pub shutdown_lock: bool,
    /// `shutdown-lock-limit` in seconds (0: a lock lasts until the node is back).
    pub shutdown_lock_limit_s: i64,
    /// `concurrent-fencing`.
    pub concurrent_fencing: bool,
    /// `node-health-strategy`.
    pub health_strategy: String,
    /// `migration-limit` (-1 = unlimited).
    pub migration_limit: i64,
    /// `rsc_defaults` meta attributes element (rules are evaluated per resource).
    pub rsc_defaults: Option<Element>,
    /// `op_defaults` element (rules are evaluated per operation).
    pub op_defaults: Option<Element>,
    /// `dc-uuid`.
    pub dc_uuid: Option<String>,
    /// `validate-with="none"`: the CIB asks for no schema validation (tools warn).
    pub schema_validation_disabled: bool,
}

impl Config {
    /// A raw option value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    /// A health-strategy score option (`node-health-red` ...).
    pub fn score_option(&self, name: &str, default: Score) -> Score {
        self.get(name).and_then(Score::parse).unwrap_or(default)
    }
}

/// Unpacks `crm_config` and the defaults sections.
pub fn unpack(root: &Element, idx: &IdIndex, now: i64) -> Config {
    let options = cluster_options(root, idx, now);
    let configuration = root.child("configuration");
    let flag = |name: &str, default: bool| options.get(name).map(|v| is_true(v)).unwrap_or(default);
    let text =
        |name: &str, default: &str| options.get(name).cloned().unwrap_or_else(|| default.into());
    let stonith_enabled = flag("stonith-enabled", true);
    Config {
        feature_set: root.attr("crm_feature_set").map(str::to_string),
        stonith_enabled,
        stonith_action: match options.get("stonith-action").map(String::as_str) {
            Some("poweroff") => "off".to_string(),
            _ => text("stonith-action", "reboot"),
        },
        symmetric: flag("symmetric-cluster", true),
        no_quorum_policy: no_quorum_policy(root, &options, stonith_enabled),
        have_quorum: root.attr("have-quorum").is_some_and(is_true),
        stop_orphan_resources: flag("stop-orphan-resources", true),
        stop_orphan_actions: flag("stop-orphan-actions", true),
        start_failure_fatal: flag("start-failure-is-fatal", true),
        maintenance_mode: flag("maintenance-mode", false),
        stop_all: flag("stop-all-resources", false),
        enable_probes: flag("enable-startup-probes", true),
        startup_fencing: flag("startup-fencing", true),
        placement_strategy: text("placement-strategy", "default"),
        cluster_delay: text("cluster-delay", "60s"),
        stonith_timeout: text("stonith-timeout", "60s"),
        shutdown_lock: flag("shutdown-lock", false),
        shutdown_lock_limit_s: options
            .get("shutdown-lock-limit")
            .and_then(|v| super::parse_interval_ms(v))
            .map_or(0, |ms| (ms / 1000) as i64),
        concurrent_fencing: flag("concurrent-fencing", false),
        health_strategy: text("node-health-strategy", "none"),
        migration_limit: options
            .get("migration-limit")
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1),
        rsc_defaults: configuration.and_then(|c| c.child("rsc_defaults")).cloned(),
        op_defaults: configuration.and_then(|c| c.child("op_defaults")).cloned(),
        dc_uuid: root.attr("dc-uuid").map(str::to_string),
        schema_validation_disabled: root
            .attr("validate-with")
            .is_some_and(|v| v.eq_ignore_ascii_case("none")),
        options,
    }
}

/// The cluster options of `crm_config` (rules evaluated now), old underscore spellings
/// standing for the dashed ones they alias.
fn cluster_options(root: &Element, idx: &IdIndex, now: i64) -> BTreeMap<String, String> {
    let mut options = BTreeMap::new();
    let configuration = root.child("configuration");
    if let Some(cc) = configuration.and_then(|c| c.child("crm_config")) {
        let ctx = RuleContext {
            now,
            ..Default::default()
        };
        rules::unpack_nvpairs(idx, cc, "cluster_property_set", &ctx, &mut options);
    }
    let aliases: Vec<(String, String)> = options
        .iter()
        .filter(|(k, _)| k.contains('_'))
        .map(|(k, v)| (k.replace('_', "-"), v.clone()))
        .collect();
    for (k, v) in aliases {
        options.entry(k).or_insert(v);
    }
    options
}

/// `no-quorum-policy`: suicide needs fencing, and a cluster that had quorum once (or
/// `no-quorum-panic`): otherwise it is "stop".
fn no_quorum_policy(
    root: &Element,
    options: &BTreeMap<String, String>,
    stonith_enabled: bool,
) -> NoQuorumPolicy {
    let policy = match options
        .get("no-quorum-policy")
        .map(|s| s.to_ascii_lowercase())
        .as_deref()
    {
        Some("ignore") => NoQuorumPolicy::Ignore,
        Some("freeze") => NoQuorumPolicy::Freeze,
        Some("demote") => NoQuorumPolicy::Demote,
        Some("suicide") | Some("fence") => NoQuorumPolicy::Suicide,
        _ => NoQuorumPolicy::Stop,
    };
    let ever_quorate = root.attr("have-quorum").is_some_and(is_true)
        || root
            .attr("no-quorum-panic")
            .is_some_and(|v| v.trim().parse::<i64>().is_ok_and(|n| n != 0));
    match policy {
        NoQuorumPolicy::Suicide if !(stonith_enabled && ever_quorate) => NoQuorumPolicy::Stop,
        other => other,
    }
}
