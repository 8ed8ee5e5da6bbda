//! The CIB status entry a finished operation leaves behind, and merging it into `<status>`.
//!
//! The policy engine knows what runs where only from these entries, so they must look like
//! Pacemaker's (`pcmk__create_history_xml`): the same ids (one `_last_0`, one
//! `_last_failure_0`, one entry per recurring operation), the transition key and magic it
//! parses the expected rc from, and the parameter digest it compares against the
//! configuration to decide on restarts.

use std::collections::BTreeMap;

use cib::xml::{Element, Node};
use graph::GraphAction;

use crate::attrs;

/// The feature set stamped on entries when the graph action carries none (Pacemaker 2.1.5).
pub const CRM_FEATURE_SET: &str = "3.16.2";

/// What the executor reported for one finished operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpSummary {
    /// LRM call id.
    pub call_id: u64,
    /// OCF return code.
    pub rc: i32,
    /// LRM op-status (0 = done).
    pub op_status: i32,
    /// The agent's `ocf-exit-reason`, or the executor's reason.
    pub exit_reason: String,
    /// How long the agent ran, ms.
    pub exec_time_ms: u64,
    /// How long the operation was queued, ms.
    pub queue_time_ms: u64,
    /// When the result last changed (epoch seconds).
    pub last_rc_change: u64,
}

/// Pacemaker's `<rsc>_<operation>_<interval>` operation key, with the LRM resource id.
fn op_key(rsc: &str, operation: &str, interval_ms: u64) -> String {
    format!("{rsc}_{operation}_{interval_ms}")
}

/// Builds Pacemaker's `<lrm_rsc_op>` element for `action` finished with `result`.
///
/// The id is `<rsc>_last_0` for non-recurring operations, `<rsc>_last_failure_0` for failures
/// and the operation key for recurring operations and migrations, so that replacing by id
/// keeps exactly the history the scheduler reads. Notifications are always recorded as
/// successful, as Pacemaker does: a notify failure must not trigger recovery.
pub fn lrm_rsc_op(
    action: &GraphAction,
    result: &OpSummary,
    transition_id: u64,
    te_uuid: &str,
    node: &str,
) -> Element {
    let rsc = attrs::rsc_id(action);
    let operation = action.reference.operation.as_str();
    let interval = attrs::interval_ms(action);
    let target_rc = attrs::target_rc(action);
    let key = op_key(&rsc, operation, interval);
    let (mut rc, mut op_status) = (result.rc, result.op_status);
    let mut exit_reason = result.exit_reason.as_str();
    let failed = op_status != 0 || rc != target_rc;
    let id = if operation == "notify" {
        rc = 0;
        op_status = 0;
        exit_reason = "";
        format!(
            "{rsc}_{}_notify_{}_0",
            attrs::meta(action, "notify_type").unwrap_or("pre"),
            attrs::meta(action, "notify_operation").unwrap_or("")
        )
    } else if operation == "migrate_to" || operation == "migrate_from" {
        key.clone()
    } else if failed {
        op_key(&rsc, "last_failure", 0)
    } else if interval > 0 {
        key.clone()
    } else {
        op_key(&rsc, "last", 0)
    };
    let transition_key = format!(
        "{}:{transition_id}:{target_rc}:{te_uuid}",
        action.reference.id
    );
    let magic = format!("{op_status}:{rc};{transition_key}");
    let mut el = Element::new("lrm_rsc_op")
        .with_attr("id", id)
        .with_attr("operation_key", key)
        .with_attr("operation", operation)
        .with_attr("crm-debug-origin", "do_update_resource")
        .with_attr(
            "crm_feature_set",
            attrs::attr(action, "crm_feature_set").unwrap_or(CRM_FEATURE_SET),
        )
        .with_attr("transition-key", transition_key)
        .with_attr("transition-magic", magic)
        .with_attr("exit-reason", exit_reason)
        .with_attr("on_node", node)
        .with_attr("call-id", result.call_id.to_string())
        .with_attr("rc-code", rc.to_string())
        .with_attr("op-status", op_status.to_string())
        .with_attr("interval", interval.to_string())
        .with_attr("last-rc-change", result.last_rc_change.to_string())
        .with_attr("exec-time", result.exec_time_ms.to_string())
        .with_attr("queue-time", result.queue_time_ms.to_string())
        .with_attr("op-digest", op_digest(action));
    for name in ["migrate_source", "migrate_target"] {
        if let Some(v) = attrs::meta(action, name) {
            el.set_attr(name, v);
        }
    }
    el
}

/// The `op-digest` of an action: MD5 of `<parameters/>` holding the instance parameters
/// sorted by name, plus `CRM_meta_timeout` for recurring operations (Pacemaker's
/// `pcmk__filter_op_for_digest`), hashed the way Pacemaker's v1 digest does.
pub fn op_digest(action: &GraphAction) -> String {
    let mut params: BTreeMap<&str, &str> = action
        .attributes
        .iter()
        .filter(|(k, _)| attrs::is_param(k) && !cib::digest::not_digested(k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if attrs::interval_ms(action) > 0 {
        if let Some(t) = attrs::attr(action, "CRM_meta_timeout") {
            params.insert("CRM_meta_timeout", t);
        }
    }
    let mut el = Element::new("parameters");
    for (k, v) in params {
        el.set_attr(k, v);
    }
    cib::digest::digest(&el)
}

/// Merges `op` (from [`lrm_rsc_op`]) into a `<status>` element under
/// `<node_state id=node_id uname=node><lrm id=node_id><lrm_resources><lrm_resource ...>`,
/// creating the parents as needed, replacing any entry with the same id.
///
/// Mirrors how the controller keeps the history small and current:
/// - a failed one-shot operation also becomes the resource's `_last_0` entry;
/// - a successful stop removes the resource's recurring entries (their monitors are gone);
/// - a `cancel` removes the cancelled recurring entry and is not recorded itself;
/// - a `delete` forgets the resource's whole history.
pub fn record_op(
    status: &mut Element,
    node: &str,
    node_id: &str,
    action: &GraphAction,
    op: Element,
) {
    let rsc = attrs::rsc_id(action);
    let operation = action.reference.operation.as_str();
    let resources = lrm_resources(status, node, node_id);
    if operation == "delete" {
        resources
            .children
            .retain(|n| !matches!(n, Node::Element(e) if e.name == "lrm_resource" && e.id() == Some(rsc.as_str())));
        return;
    }
    let resource = lrm_resource(resources, &rsc, action);
    if operation == "cancel" {
        let cancelled = op_key(
            &rsc,
            attrs::meta(action, "operation").unwrap_or("monitor"),
            attrs::interval_ms(action),
        );
        remove_ops(resource, |e| e.id() == Some(cancelled.as_str()));
        return;
    }
    let succeeded = op.attr("op-status") == Some("0")
        && op.attr("rc-code") == Some(attrs::target_rc(action).to_string().as_str());
    let last_failure = op_key(&rsc, "last_failure", 0);
    if operation == "stop" && succeeded {
        // The monitors' own entries go; a recorded failure stays until a cleanup.
        remove_ops(resource, |e| {
            e.id() != Some(last_failure.as_str())
                && e.attr("interval")
                    .and_then(|v| v.parse::<u64>().ok())
                    .is_some_and(|i| i > 0)
        });
    }
    if op.id() == Some(last_failure.as_str()) && attrs::interval_ms(action) == 0 {
        let mut last = op.clone();
        last.set_attr("id", op_key(&rsc, "last", 0));
        replace_or_insert(resource, last);
    }
    replace_or_insert(resource, op);
}

/// The `<lrm_resources>` of a node, created (with its parents) when missing.
fn lrm_resources<'a>(status: &'a mut Element, node: &str, node_id: &str) -> &'a mut Element {
    let pos = status
        .elements()
        .position(|e| e.name == "node_state" && e.id() == Some(node_id));
    let node_state = match pos {
        Some(p) => status
            .elements_mut()
            .nth(p)
            .expect("position found just above"),
        None => {
            status.children.push(Node::Element(
                Element::new("node_state")
                    .with_attr("id", node_id)
                    .with_attr("uname", node),
            ));
            status
                .elements_mut()
                .last()
                .expect("node_state just appended")
        }
    };
    if node_state.attr("uname").is_none() {
        node_state.set_attr("uname", node);
    }
    let lrm = node_state.child_or_insert("lrm");
    if lrm.id().is_none() {
        lrm.set_attr("id", node_id);
    }
    lrm.child_or_insert("lrm_resources")
}

/// The `<lrm_resource>` for `rsc`, created from the action's primitive when missing.
fn lrm_resource<'a>(
    resources: &'a mut Element,
    rsc: &str,
    action: &GraphAction,
) -> &'a mut Element {
    let pos = resources
        .elements()
        .position(|e| e.name == "lrm_resource" && e.id() == Some(rsc));
    match pos {
        Some(p) => resources
            .elements_mut()
            .nth(p)
            .expect("position found just above"),
        None => {
            let mut el = Element::new("lrm_resource").with_attr("id", rsc);
            if let Some(p) = &action.primitive {
                el.set_attr("type", p.agent_type.as_str());
                el.set_attr("class", p.class.as_str());
                if let Some(provider) = &p.provider {
                    el.set_attr("provider", provider.as_str());
                }
            }
            resources.children.push(Node::Element(el));
            resources
                .elements_mut()
                .last()
                .expect("lrm_resource just appended")
        }
    }
}

fn remove_ops(resource: &mut Element, doomed: impl Fn(&Element) -> bool) {
    resource
        .children
        .retain(|n| !matches!(n, Node::Element(e) if e.name == "lrm_rsc_op" && doomed(e)));
}

fn replace_or_insert(resource: &mut Element, op: Element) {
    let existing = resource
        .elements_mut()
        .find(|e| e.name == "lrm_rsc_op" && e.id().is_some() && e.id() == op.id());
    match existing {
        Some(slot) => *slot = op,
        None => resource.children.push(Node::Element(op)),
    }
}

#[cfg(test)]
mod tests;
