//! The `<status>` section: node states, resource history and transient attributes.

use super::nvpair::{lookup, NvSet};
use super::{optional, required, IdIndex, ModelError};
use crate::Element;

/// `<status>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    /// One entry per node the cluster has seen.
    pub node_states: Vec<NodeState>,
}

impl Status {
    /// Reads `<status>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Status, ModelError> {
        Ok(Status {
            node_states: e
                .children_named("node_state")
                .map(|n| NodeState::from_element(n, ids))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The state of the node with `uname` (or, failing that, `id`).
    pub fn node(&self, name: &str) -> Option<&NodeState> {
        self.node_states
            .iter()
            .find(|n| n.uname.as_deref() == Some(name))
            .or_else(|| self.node_states.iter().find(|n| n.id == name))
    }
}

/// `<node_state>`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeState {
    /// `id` (the `uname` when there is no id).
    pub id: String,
    /// `uname`.
    pub uname: Option<String>,
    /// `in_ccm` (a boolean, or an epoch time since 2.1.7).
    pub in_ccm: Option<String>,
    /// `crmd` (online/offline, or an epoch time since 2.1.7).
    pub crmd: Option<String>,
    /// `join` (down, pending, member, banned).
    pub join: Option<String>,
    /// `expected`.
    pub expected: Option<String>,
    /// Heartbeat 2.x `ha` (active, dead).
    pub ha: Option<String>,
    /// `transient_attributes` sets.
    pub transient_attributes: Vec<NvSet>,
    /// `lrm/lrm_resources/lrm_resource`.
    pub resources: Vec<LrmResource>,
}

impl NodeState {
    /// Reads a `<node_state>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<NodeState, ModelError> {
        let mut transient_attributes = Vec::new();
        for t in e.children_named("transient_attributes") {
            transient_attributes.extend(NvSet::all_in(t, "instance_attributes", ids)?);
        }
        let resources = e
            .child("lrm")
            .and_then(|l| l.child("lrm_resources"))
            .map(|r| {
                r.children_named("lrm_resource")
                    .map(LrmResource::from_element)
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        // Old CIBs have node_state entries known only by uname.
        let id = match e.attr("id") {
            Some(id) => id.to_string(),
            None => required(e, "uname")?.to_string(),
        };
        Ok(NodeState {
            id,
            uname: optional(e, "uname"),
            in_ccm: optional(e, "in_ccm"),
            crmd: optional(e, "crmd"),
            join: optional(e, "join"),
            expected: optional(e, "expected"),
            ha: optional(e, "ha"),
            transient_attributes,
            resources,
        })
    }

    /// A transient node attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        lookup(&self.transient_attributes, name)
    }
}

/// `<lrm_resource>`: the operation history of one resource on one node.
#[derive(Debug, Clone, PartialEq)]
pub struct LrmResource {
    /// `id`.
    pub id: String,
    /// `class`.
    pub class: Option<String>,
    /// `provider`.
    pub provider: Option<String>,
    /// `type`.
    pub agent: Option<String>,
    /// The recorded operations in order.
    pub ops: Vec<LrmRscOp>,
}

impl LrmResource {
    /// Reads an `<lrm_resource>`.
    pub fn from_element(e: &Element) -> Result<LrmResource, ModelError> {
        Ok(LrmResource {
            id: required(e, "id")?.to_string(),
            class: optional(e, "class"),
            provider: optional(e, "provider"),
            agent: optional(e, "type"),
            ops: e
                .children_named("lrm_rsc_op")
                .map(LrmRscOp::from_element)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// `<lrm_rsc_op>`: one recorded operation result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LrmRscOp {
    /// `id` (`<rsc>_last_0`, `<rsc>_last_failure_0`, `<rsc>_monitor_<ms>`).
    pub id: String,
    /// `operation_key` (`<rsc>_<op>_<interval_ms>`).
    pub operation_key: Option<String>,
    /// `operation`.
    pub operation: Option<String>,
    /// `call-id`.
    pub call_id: Option<i64>,
    /// `rc-code`.
    pub rc_code: Option<i32>,
    /// `op-status`.
    pub op_status: Option<i32>,
    /// `interval` in ms.
    pub interval_ms: u64,
    /// `transition-key` (`action:graph:target_rc:dc-uuid`).
    pub transition_key: Option<String>,
    /// `transition-magic` (`op_status:rc:transition-key`).
    pub transition_magic: Option<String>,
    /// `last-rc-change` (epoch seconds).
    pub last_rc_change: Option<i64>,
    /// `exec-time` in ms.
    pub exec_time: Option<i64>,
    /// `queue-time` in ms.
    pub queue_time: Option<i64>,
    /// `op-digest`.
    pub op_digest: Option<String>,
    /// `exit-reason`.
    pub exit_reason: Option<String>,
    /// `on_node`.
    pub on_node: Option<String>,
}

impl LrmRscOp {
    /// Reads an `<lrm_rsc_op>`.
    pub fn from_element(e: &Element) -> Result<LrmRscOp, ModelError> {
        fn num<T: std::str::FromStr>(e: &Element, k: &str) -> Option<T> {
            e.attr(k).and_then(|v| v.trim().parse().ok())
        }
        Ok(LrmRscOp {
            id: required(e, "id")?.to_string(),
            operation_key: optional(e, "operation_key"),
            operation: optional(e, "operation"),
            call_id: num(e, "call-id"),
            rc_code: num(e, "rc-code"),
            op_status: num(e, "op-status"),
            interval_ms: num(e, "interval").unwrap_or(0),
            transition_key: optional(e, "transition-key"),
            transition_magic: optional(e, "transition-magic"),
            last_rc_change: num(e, "last-rc-change"),
            exec_time: num(e, "exec-time"),
            queue_time: num(e, "queue-time"),
            op_digest: optional(e, "op-digest"),
            exit_reason: optional(e, "exit-reason"),
            on_node: optional(e, "on_node"),
        })
    }
}
