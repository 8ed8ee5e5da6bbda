//! Reading the `<attributes>` of a graph action.
//!
//! The scheduler passes everything the executor needs as flat attributes: instance parameters
//! as they are, and meta data (timeouts, intervals, expected results, notification lists) with
//! a `CRM_meta_` prefix. These helpers keep that convention in one place so the state machine,
//! the LRM bridge and the status records agree on defaults.

use graph::GraphAction;

/// Prefix of meta attributes in a graph action.
pub const META_PREFIX: &str = "CRM_meta_";

/// Timeout used when an action has no `CRM_meta_timeout` (Pacemaker's default op timeout, ms).
pub const DEFAULT_TIMEOUT_MS: u64 = 20_000;

/// The value of attribute `name` (full name, with any prefix).
pub fn attr<'a>(action: &'a GraphAction, name: &str) -> Option<&'a str> {
    action
        .attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The value of meta attribute `name` (without the `CRM_meta_` prefix).
pub fn meta<'a>(action: &'a GraphAction, name: &str) -> Option<&'a str> {
    action
        .attributes
        .iter()
        .find(|(k, _)| k.strip_prefix(META_PREFIX) == Some(name))
        .map(|(_, v)| v.as_str())
}

/// The rc that counts as success: `CRM_meta_op_target_rc`, 0 when absent or unreadable.
pub fn target_rc(action: &GraphAction) -> i32 {
    meta(action, "op_target_rc")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// `CRM_meta_interval` in ms (0 for one-shot operations).
pub fn interval_ms(action: &GraphAction) -> u64 {
    meta(action, "interval")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// `CRM_meta_timeout` in ms, [`DEFAULT_TIMEOUT_MS`] when absent.
pub fn timeout_ms(action: &GraphAction) -> u64 {
    meta(action, "timeout")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_TIMEOUT_MS)
}

/// Whether a failure of this action is to be ignored (`on-fail=ignore`), as Pacemaker does
/// when it matches the result to the graph: such a result confirms the action.
pub fn failure_ignored(action: &GraphAction) -> bool {
    meta(action, "on_fail").is_some_and(|v| v.eq_ignore_ascii_case("ignore"))
}

/// Whether `name` is an instance parameter (what the agent gets as `OCF_RESKEY_<name>`),
/// as opposed to meta data or the feature-set stamp.
pub fn is_param(name: &str) -> bool {
    !name.starts_with(META_PREFIX) && name != "crm_feature_set"
}

/// The LRM / CIB resource id of an action: the graph primitive's `id` attribute (for anonymous
/// clones that is the clone-less name, which is what the executor and status section use).
/// Falls back to the part of the operation key before the operation name.
pub fn rsc_id(action: &GraphAction) -> String {
    if let Some(p) = &action.primitive {
        return p.id.clone();
    }
    let r = &action.reference;
    let suffix = format!("_{}_", r.operation);
    match r.operation_key.rfind(&suffix) {
        Some(pos) => r.operation_key[..pos].to_string(),
        None => r.operation_key.clone(),
    }
}
