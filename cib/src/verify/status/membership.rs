//! Whether a cluster node is online or must be fenced: the status checks ask the one rule,
//! [`crate::membership::judge`], which the scheduler uses too.

use super::*;
use crate::membership::{judge, Membership, NodeStateFacts};

/// The membership judgement of a cluster node's `node_state`.
pub(super) fn membership(state: &Element, fencing: bool) -> Membership {
    let facts = NodeStateFacts::of(
        state,
        transient_attr(state, "shutdown"),
        transient_attr(state, "terminate"),
    );
    judge(&facts, fencing)
}

/// True when the status section shows some configured cluster node online.
pub(in crate::verify) fn has_online_node(cluster: &Cluster) -> bool {
    let Some(status) = cluster.cib.child("status") else {
        return false;
    };
    status.children_named("node_state").any(|state| {
        let configured = cluster.nodes.iter().any(|n| {
            !n.remote && (n.xml.id() == state.id() || Some(n.uname) == state.attr("uname"))
        });
        configured && membership(state, cluster.stonith_enabled()).online
    })
}
