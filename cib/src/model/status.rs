//! The `<status>` section: node states, resource history and transient attributes.

use super::nvpair::{lookup, NvSet};
use super::{optional, required, IdIndex, ModelError};
use crate::history::OpRecord;
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
    /// The recorded operations in status-section order (the one record type,
    /// [`crate::history::OpRecord`]).
    pub ops: Vec<OpRecord>,
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
                .map(|op| required(op, "id").map(|_| OpRecord::read(op)))
                .collect::<Result<_, _>>()?,
        })
    }
}
