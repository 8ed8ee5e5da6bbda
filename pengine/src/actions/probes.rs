//! Probes (`monitor_0`): wherever a resource's state on an online node is unknown, the cluster
//! asks before it starts anything. Four steps per resource and node: hold back a start that
//! waits for a joining node, decide whether the node is probed at all, let a guest node's
//! container gate it, then add the probe and its orderings.

use super::{flags::*, op_key, ActionTable};
use crate::assign::Assignment;
use crate::constraints::containers::{self, Placement};
use crate::constraints::Constraints;
use crate::unpack::bundle::{self, Bundle, Replica};
use crate::unpack::{is_true, remote, ClusterView, Kind, NodeIdx, NodeInfo, Role, RscIdx};
use graph::ActionKind;

/// Probes for every primitive on every node where its state is unknown.
pub fn probes(view: &ClusterView, cons: &Constraints, asg: &Assignment, t: &mut ActionTable) {
    if !view.config.enable_probes {
        return;
    }
    let reprobed = reprobe_nodes(view, t);
    for (r, rsc) in view.resources.iter().enumerate() {
        if rsc.kind != Kind::Primitive || rsc.orphan {
            continue;
        }
        for n in 0..view.nodes.len() {
            hold_start_for_joining_node(view, cons, t, r, n);
            if reprobed.contains(&n)
                || !node_probes(view, r, n)
                || !unknown_here(view, asg, r, n)
                || cons.discovery_never(view, r, n)
                || waits_for_guest_container(view, asg, t, r, n)
                // What runs inside a container is known from the container.
                || (!rsc.is_connection() && remote::container_of(view, rsc).is_some())
            {
                continue;
            }
            let probe = add_probe(view, t, r, n);
            order_probe(view, t, probe, r, n);
        }
    }
}

/// A node still joining cannot be probed: a resource that runs nowhere and is unknown there
/// cannot start until it is (Pacemaker's unrunnable probe before the start).
fn hold_start_for_joining_node(
    view: &ClusterView,
    cons: &Constraints,
    t: &mut ActionTable,
    r: RscIdx,
    n: NodeIdx,
) {
    let node = &view.nodes[n];
    if node.online
        && node.pending
        && !node.unclean
        && view.top_of(r) == r
        && view.running_on(r).is_empty()
        && !view.resources[r]
            .node_state
            .get(&n)
            .is_some_and(|h| h.known())
        && !cons.discovery_never(view, r, n)
    {
        for s in t.of(r, "start") {
            t.list[s].runnable = false;
        }
    }
}

/// Whether node `n` probes resource `r` at all: it is up, and neither a remote node's rules
/// nor a bundle's exclusive discovery keep the probe away.
fn node_probes(view: &ClusterView, r: RscIdx, n: NodeIdx) -> bool {
    let node = &view.nodes[n];
    // (A cluster node shutting down is probed too, as Pacemaker does; a remote or guest node
    // going down is not.)
    if !node.online || node.unclean || (node.shutdown && node.is_remote()) {
        return false;
    }
    if node.is_remote() && !probe_on_remote(view, r, node) {
        return false;
    }
    // A bundle's instance is probed only on its replica's guest node.
    if let Some(Placement::OnNode(only)) = containers::placement(view, r) {
        if bundle::replica_of(view, r).is_some() && only != n {
            return false;
        }
    }
    // On a bundle's guest node only that replica's instance is probed.
    bundle::replica_on_node(view, n).is_none_or(|rep| {
        rep.child
            .is_some_and(|c| c == r || view.primitives_of(c).contains(&r))
    })
}

/// Remote nodes run no fence devices and no connections, and probe nothing when resource
/// discovery is disabled there (honoured on a remote node only with fencing enabled).
fn probe_on_remote(view: &ClusterView, r: RscIdx, node: &NodeInfo) -> bool {
    let rsc = &view.resources[r];
    let discovery_off = node
        .attrs
        .get("resource-discovery-enabled")
        .is_some_and(|v| !is_true(v));
    if discovery_off && (view.config.stonith_enabled || node.is_guest()) {
        return false;
    }
    // Nothing that holds a guest node runs on a guest node (no nesting).
    let holds_guest = view
        .rsc_by_id
        .get(&rsc.id)
        .is_some_and(|&k| remote::guest_of_container(view, k).is_some());
    rsc.class != "stonith" && !rsc.is_connection() && !(node.is_guest() && holds_guest)
}

/// Whether `r`'s state on `n` is still unknown and this is the instance that asks: an
/// anonymous clone is probed once per node, by the instance placed there (or the first).
fn unknown_here(view: &ClusterView, asg: &Assignment, r: RscIdx, n: NodeIdx) -> bool {
    let rsc = &view.resources[r];
    let known = |p: RscIdx| {
        view.resources[p]
            .node_state
            .get(&n)
            .is_some_and(|h| h.known())
    };
    if known(r) {
        return false;
    }
    let top = view.top_of(r);
    let anon_instance = view.resources[top]
        .clone
        .as_ref()
        .is_some_and(|c| !c.unique || c.forced_anonymous)
        && top != r
        && rsc.id != rsc.base_id
        && bundle::replica_of(view, r).is_none();
    if !anon_instance {
        return true;
    }
    let siblings: Vec<RscIdx> = view
        .primitives_of(top)
        .into_iter()
        .filter(|p| view.resources[*p].base_id == rsc.base_id)
        .collect();
    if siblings.iter().any(|p| known(*p)) {
        return false;
    }
    // Pacemaker picks the clone instance (a group instance as a whole) known there, else
    // the one placed there, else the first; that instance's member asks.
    let instances = &view.resources[top].children;
    let known_here = |i: RscIdx| view.primitives_of(i).iter().any(|&p| known(p));
    let Some(chosen) = instances
        .iter()
        .copied()
        .find(|&i| known_here(i))
        .or_else(|| instances.iter().copied().find(|&i| asg.node[i] == Some(n)))
        .or_else(|| instances.first().copied())
    else {
        return false;
    };
    view.primitives_of(chosen).contains(&r)
}

/// On a guest node, nothing is probed while its container is stopped or about to stop; the
/// resource's start then waits for the container's stop (or, for a container not running
/// yet, for the container's own probe where it goes). True when the probe is left out.
fn waits_for_guest_container(
    view: &ClusterView,
    asg: &Assignment,
    t: &mut ActionTable,
    r: RscIdx,
    n: NodeIdx,
) -> bool {
    let Some(k) = view.nodes[n].remote.as_ref().and_then(|l| l.container) else {
        return false;
    };
    let top = view.top_of(r);
    if guest_will_stop(view, asg, n, k) {
        for stop in t.of(k, "stop") {
            for start in t.of(top, "start") {
                t.order(stop, start, OPTIONAL);
            }
        }
        return true;
    }
    if !view.resources[k].running_nodes().is_empty() {
        return false;
    }
    let unknown_where_it_goes = asg.node[k].is_some_and(|a| {
        !view.resources[k]
            .node_state
            .get(&a)
            .is_some_and(|s| s.known())
    });
    if unknown_where_it_goes {
        for probe in t.of(k, "monitor") {
            for start in t.of(top, "start") {
                t.order(probe, start, OPTIONAL);
            }
        }
    }
    true
}

/// Whether guest node `n`'s container `k` is going down (failed, stopping, or moving).
fn guest_will_stop(view: &ClusterView, asg: &Assignment, n: NodeIdx, k: RscIdx) -> bool {
    let running = view.resources[k].running_nodes();
    view.nodes[n]
        .remote
        .as_ref()
        .is_some_and(|l| l.requires_reset)
        // (A container restarted for new parameters has not failed: its guest stays.)
        || view.resources[k]
            .node_state
            .values()
            .any(|s| s.failed || s.restart)
        || asg.node[k].is_none()
        || (!running.is_empty() && asg.node[k].is_some_and(|a| !running.contains(&a)))
}

/// The probe action itself; on a node still joining it cannot run yet.
fn add_probe(view: &ClusterView, t: &mut ActionTable, r: RscIdx, n: NodeIdx) -> usize {
    let rsc = &view.resources[r];
    let id = rsc.key_id();
    let p = t.get(
        Some(r),
        "monitor",
        op_key(id, "monitor", 0),
        0,
        Some(n),
        ActionKind::RscOp,
    );
    if rsc.clone_name.is_some() {
        t.list[p].internal_key = Some(op_key(&rsc.id, "monitor", 0));
    }
    t.list[p]
        .meta
        .insert("CRM_meta_op_target_rc".into(), "7".into());
    t.require(p);
    if view.nodes[n].pending {
        t.list[p].runnable = false;
    }
    p
}

/// What waits for the probe: the stopped-role monitors on the node, a reload, and the start
/// (a clone instance's probe gates the clone's start).
fn order_probe(view: &ClusterView, t: &mut ActionTable, p: usize, r: RscIdx, n: NodeIdx) {
    let rsc = &view.resources[r];
    let id = rsc.key_id();
    let top = view.top_of(r);
    // A pending node cannot probe yet: what runs nowhere cannot start before it has.
    let mut start_flags = OPTIONAL;
    if view.nodes[n].pending && view.running_on(r).is_empty() {
        start_flags |= RUNNABLE_LEFT;
    }
    for op in rsc
        .ops
        .iter()
        .filter(|o| o.role == Some(Role::Stopped) && o.interval_ms > 0)
    {
        if let Some(m) = t.find(Some(r), &op_key(id, &op.name, op.interval_ms), Some(n)) {
            t.order(p, m, OPTIONAL);
        }
    }
    // A bundle's members (not its instances, which belong to its clone) are probed before
    // their own start.
    let member = bundle::replica_of(view, r)
        .filter(|(_, rep)| rep.container == r || rep.ip == Some(r) || rep.remote == Some(r));
    if let Some((b, rep)) = member {
        bundle_probe_orders(view, t, p, r, b, rep);
    }
    for l in t.of(r, "reload-agent") {
        t.order(p, l, OPTIONAL);
    }
    if view.resources[top].kind == Kind::Clone && member.is_none() {
        for s in t.of(top, "start") {
            t.order(p, s, start_flags);
        }
    } else {
        for s in t.of(r, "start").into_iter().chain(t.of(r, "migrate_to")) {
            t.order(p, s, start_flags);
        }
    }
}

/// Nodes whose `probe_complete` attribute is false (a CIB older than Pacemaker 1.1.14 asking
/// for a new probe) get one `probe_again` action instead of probes.
fn reprobe_nodes(view: &ClusterView, t: &mut ActionTable) -> Vec<NodeIdx> {
    let mut out = Vec::new();
    for (n, node) in view.nodes.iter().enumerate() {
        let asked = node
            .attrs
            .get("probe_complete")
            .is_some_and(|v| !is_true(v));
        if !node.online || node.unclean || !asked {
            continue;
        }
        let i = t.get(
            None,
            "probe_again",
            format!("probe_again-{}", node.uname),
            0,
            Some(n),
            ActionKind::RscOp,
        );
        t.list[i]
            .meta
            .insert("CRM_meta_op_no_wait".into(), "true".into());
        t.require(i);
        out.push(n);
    }
    out
}

/// A bundle's probes: a connection is probed only once its container runs; with one replica
/// per host, no other container starts on a node before this one is known there.
fn bundle_probe_orders(
    view: &ClusterView,
    t: &mut ActionTable,
    probe: usize,
    r: RscIdx,
    b: &Bundle,
    rep: &Replica,
) {
    // (Pacemaker's probe ordering: the start of a container running now that cannot run
    // does not block the probe, the ordering just lapses.)
    if rep.remote == Some(r) {
        let running = !view.resources[rep.container].running_nodes().is_empty();
        let flags = if running { OPTIONAL } else { RUNNABLE_LEFT };
        for s in t.of(rep.container, "start") {
            t.order(s, probe, flags);
        }
    }
    let per_host = view.resources[b.rsc]
        .clone
        .as_ref()
        .map_or(1, |c| c.node_max);
    if rep.container == r && per_host == 1 {
        for other in b.replicas.iter().filter(|o| o.container != r) {
            for s in t.of(other.container, "start") {
                t.order(probe, s, OPTIONAL | SAME_NODE);
            }
        }
    }
}
