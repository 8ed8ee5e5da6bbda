//! Between placement and actions: Pacemaker Remote nodes take the state their connections'
//! placement gives them. A remote node whose connection is placed comes (or stays) up; one
//! whose connection goes nowhere goes down, and is fenced when it cannot be reached any more
//! while something runs there (or might, as far as we know).

use crate::assign::Assignment;
use crate::constraints::Constraints;
use crate::unpack::{ClusterView, NodeIdx, NodeInfo, Role, RscIdx};

/// What the scheduler can expect of a remote node's connection in this transition
/// (Pacemaker's `remote_connection_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Will be recovered, but is not running anywhere now.
    Unknown,
    /// Up now and staying up.
    Alive,
    /// Up on a node that is dead or going, or migrating: usable once it starts again.
    Resting,
    /// Lost for good: the remote node can only be made safe by fencing it.
    Failed,
    /// Cleanly going down (or staying down).
    Stopped,
}

/// A remote node once its connection is (or is not) placed: a placed connection brings it up
/// (and a fencing needed only because it was never seen is revoked); otherwise it shuts down.
pub fn after_placement(node: &mut NodeInfo, placed: bool) {
    if placed {
        node.online = true;
        if node.remote.as_ref().is_some_and(|l| l.unseen) {
            node.unclean = false;
        }
    } else {
        node.shutdown = true;
    }
}

fn failed(view: &ClusterView, r: RscIdx) -> bool {
    view.resources[r].node_state.values().any(|s| s.failed)
}

/// The state of remote node `n`'s connection `c` after placement.
fn connection_state(
    view: &ClusterView,
    asg: &Assignment,
    n: NodeIdx,
    c: RscIdx,
) -> ConnectionState {
    let running = view.resources[c].running_nodes();
    let current = running.first().copied();
    if asg.node[c].is_none() || asg.role[c] == Role::Stopped {
        if current.is_some_and(|h| view.nodes[h].unclean) {
            return ConnectionState::Failed;
        }
        if !failed(view, c) {
            return ConnectionState::Stopped;
        }
        let reconnects = crate::unpack::remote::reconnect_interval_ms(&view.resources[c]) > 0;
        let was_fenced = view.nodes[n].remote.as_ref().is_some_and(|l| l.was_fenced);
        if reconnects && was_fenced && !view.nodes[n].attrs.contains_key("shutdown") {
            return ConnectionState::Unknown;
        }
        return ConnectionState::Failed;
    }
    match current {
        None => ConnectionState::Unknown,
        Some(h) if view.nodes[h].unclean || !view.nodes[h].online => ConnectionState::Resting,
        Some(_)
            if running.len() > 1
                && view.resources[c]
                    .node_state
                    .values()
                    .any(|s| s.partial_migration_target.is_some()) =>
        {
            ConnectionState::Resting
        }
        Some(_) => ConnectionState::Alive,
    }
}

/// Why a remote node is fenced once placement shows its connection lost: it is down, or
/// something runs there, or something may run there unprobed.
const DOWN_AND_LOST: &str = "the connection is unrecoverable";
const ACTIVE_BUT_LOST: &str = "resources are active but connection is unrecoverable";
const UNKNOWN_AND_LOST: &str = "resources are in unknown state and connection is unrecoverable";

/// When Pacemaker decides to fence a node, as a rank: 0 while reading the cluster nodes'
/// status, 1 reading a remote connection's failure (after those), then (ordering the
/// remote nodes' actions) 2 for the resources active on it, 3 for those in an unknown
/// state. Its fencing action is made at that moment.
pub fn fence_decided(reason: &str) -> u8 {
    match reason {
        crate::unpack::remote::CONNECTION_LOST => 1,
        DOWN_AND_LOST | ACTIVE_BUT_LOST => 2,
        UNKNOWN_AND_LOST => 3,
        _ => 0,
    }
}

/// Whether anything managed is, or may be, active on `n` (what a lost connection leaves there).
fn may_run_something(view: &ClusterView, cons: &Constraints, n: NodeIdx) -> Option<&'static str> {
    let active = view
        .resources
        .iter()
        .any(|r| r.managed() && r.node_state.get(&n).is_some_and(|s| s.role.is_active()));
    if active {
        return Some(ACTIVE_BUT_LOST);
    }
    let node = &view.nodes[n];
    let probes = view.config.enable_probes && node.online && !node.unclean;
    // Known on a node: for an anonymous clone instance, any instance known there.
    let known = |i: RscIdx| {
        let r = &view.resources[i];
        let top = view.top_of(i);
        let anonymous = top != i
            && view.resources[top]
                .clone
                .as_ref()
                .is_some_and(|c| !c.unique);
        let siblings = if anonymous {
            view.primitives_of(top)
        } else {
            vec![i]
        };
        siblings.iter().any(|&s| {
            view.resources[s].base_id == r.base_id
                && view.resources[s]
                    .node_state
                    .get(&n)
                    .is_some_and(|st| st.known())
        })
    };
    let unknown = probes
        && (0..view.resources.len()).any(|i| {
            let r = &view.resources[i];
            r.kind == crate::unpack::Kind::Primitive
                && !r.orphan
                && !r.is_connection()
                && r.class != "stonith"
                && !known(i)
                && !cons.discovery_never(view, i, n)
        });
    unknown.then_some(UNKNOWN_AND_LOST)
}

/// Updates the remote nodes after placement, fencing those whose connection is lost while
/// they may run something (or that are down with a lost connection).
pub fn settle(view: &mut ClusterView, cons: &Constraints, asg: &Assignment) {
    for n in 0..view.nodes.len() {
        let Some(c) = view.nodes[n].remote.as_ref().and_then(|l| l.connection) else {
            continue;
        };
        let placed = asg.node[c].is_some() && asg.role[c] != Role::Stopped;
        let state = connection_state(view, asg, n, c);
        let node = &mut view.nodes[n];
        after_placement(node, placed);
        node.remote.as_mut().expect("remote node").state = Some(state);
    }
    for n in 0..view.nodes.len() {
        let node = &view.nodes[n];
        let Some(link) = &node.remote else { continue };
        if link.state != Some(ConnectionState::Failed) || link.container.is_some() {
            continue;
        }
        let reason = if !node.online {
            Some(DOWN_AND_LOST)
        } else {
            may_run_something(view, cons, n)
        };
        if let Some(reason) = reason {
            crate::unpack::remote::fence(&mut view.nodes[n], reason);
        }
    }
}
