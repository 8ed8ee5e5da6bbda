//! Node-level actions: fencing of unclean nodes and clean shutdowns, and their orderings.

use super::{flags::*, ActionTable};
use crate::unpack::{ClusterView, NoQuorumPolicy, RscIdx};
use graph::ActionKind;

/// Whether the cluster may fence node `n` now: with quorum (or told to ignore its loss), or
/// a node still in our membership (online), as Pacemaker's `pe_can_fence`.
pub fn can_fence(view: &ClusterView, n: usize) -> bool {
    view.config.stonith_enabled
        && !view.fencing_without_devices()
        && (view.config.have_quorum
            || view.config.no_quorum_policy == NoQuorumPolicy::Ignore
            || view.nodes[n].online)
}

/// Creates fencing and shutdown actions. Without concurrent fencing, fencing runs in
/// node name order (Pacemaker's node list order); the DC is fenced or shut down last. A
/// remote node whose fencing is decided while its actions are ordered has it made then,
/// after the others.
pub fn fencing_and_shutdown(view: &ClusterView, t: &mut ActionTable) {
    let mut order: Vec<usize> = (0..view.nodes.len()).collect();
    order.sort_by(|&a, &b| {
        crate::unpack::cmp_node_names(&view.nodes[a].uname, &view.nodes[b].uname)
    });
    // The fencing actions are made when the fencing is decided (the chain below still
    // follows the node list).
    let mut decided = order.clone();
    decided.sort_by_key(|&n| crate::remote::fence_decided(&view.nodes[n].unclean_reason));
    for n in decided {
        if view.nodes[n].unclean && can_fence(view, n) {
            fencing_action(view, t, n);
        }
    }
    let mut fencing_ops = Vec::new();
    let mut shutdown_ops = Vec::new();
    let mut dc_down: Option<(usize, bool)> = None;
    for n in order {
        let node = &view.nodes[n];
        let is_dc = view.config.dc_uuid.as_deref() == Some(node.id.as_str());
        if node.unclean && can_fence(view, n) {
            let s = require_fencing(view, t, n);
            if is_dc {
                dc_down = Some((s, true));
            } else {
                fencing_ops.push(s);
            }
        } else if node.shutdown && node.online && !node.unclean && !node.is_remote() {
            let s = require_shutdown(view, t, n);
            if is_dc {
                dc_down = Some((s, false));
            } else {
                shutdown_ops.push(s);
            }
        }
    }
    chain_node_downs(view, t, &fencing_ops, &shutdown_ops, dc_down);
}

/// Node `n`'s fencing action (found or made).
fn fencing_action(view: &ClusterView, t: &mut ActionTable, n: usize) -> usize {
    let node = &view.nodes[n];
    let key = format!("stonith-{}-{}", node.uname, view.config.stonith_action);
    t.get(None, "stonith", key, 0, Some(n), ActionKind::CrmEvent)
}

/// Node `n`'s fencing, required, with its action and priority delay for the agent.
fn require_fencing(view: &ClusterView, t: &mut ActionTable, n: usize) -> usize {
    let s = fencing_action(view, t, n);
    t.require(s);
    t.list[s].downed.push(n);
    t.list[s].meta.insert(
        "CRM_meta_stonith_action".into(),
        view.config.stonith_action.clone(),
    );
    if let Some(delay) = priority_fencing_delay(view, n) {
        t.list[s]
            .meta
            .insert("CRM_meta_priority_fencing_delay".into(), delay.to_string());
    }
    s
}

/// Node `n`'s shutdown, required (not waited for).
fn require_shutdown(view: &ClusterView, t: &mut ActionTable, n: usize) -> usize {
    let s = t.get(
        None,
        "do_shutdown",
        format!("do_shutdown-{}", view.nodes[n].uname),
        0,
        Some(n),
        ActionKind::CrmEvent,
    );
    t.require(s);
    t.list[s].downed.push(n);
    t.list[s]
        .meta
        .insert("CRM_meta_op_no_wait".into(), "true".into());
    s
}

/// Without concurrent fencing the fencing actions run one after another; the DC's fencing
/// or shutdown (`dc_down`: the action, whether a fencing) comes after the others'.
fn chain_node_downs(
    view: &ClusterView,
    t: &mut ActionTable,
    fencing_ops: &[usize],
    shutdown_ops: &[usize],
    dc_down: Option<(usize, bool)>,
) {
    if !view.config.concurrent_fencing {
        for w in fencing_ops.windows(2) {
            t.order(w[0], w[1], OPTIONAL);
        }
    }
    let Some((dc, is_fence)) = dc_down else {
        return;
    };
    if !is_fence {
        for &s in shutdown_ops {
            t.order(s, dc, OPTIONAL);
        }
    }
    if view.config.concurrent_fencing {
        for &s in fencing_ops {
            t.order(s, dc, OPTIONAL);
        }
    } else if let Some(&last) = fencing_ops.last() {
        t.order(last, dc, OPTIONAL);
    }
}

/// Whether guest node `n` is to be "fenced" by recovering its container: it needs a reset,
/// its container is managed, and every node its container runs on is up or fenceable.
pub fn guest_reset(view: &ClusterView, n: usize) -> bool {
    let node = &view.nodes[n];
    let Some(link) = &node.remote else {
        return false;
    };
    let Some(k) = link.container else {
        return false;
    };
    link.requires_reset
        && view.resources[k].managed()
        && view.resources[k]
            .running_nodes()
            .iter()
            .all(|&h| view.nodes[h].online || can_fence(view, h))
}

/// `priority-fencing-delay` (seconds) for fencing a cluster node that left the membership:
/// the configured delay when it was the more important side of a split (fewer than half the
/// members online, and it runs the most resource priority), else 0 (so that no device delay
/// applies either); none when not configured or the node did not just leave.
fn priority_fencing_delay(view: &ClusterView, n: usize) -> Option<u64> {
    let delay = view
        .config
        .get("priority-fencing-delay")
        .and_then(crate::unpack::parse_interval_ms)
        .map(|ms| ms / 1000)
        .filter(|&d| d > 0)?;
    let node = &view.nodes[n];
    if node.unclean_reason != "peer is no longer part of the cluster" {
        return None;
    }
    let members: Vec<usize> = (0..view.nodes.len())
        .filter(|&m| !view.nodes[m].is_remote())
        .collect();
    let online = members.iter().filter(|&&m| view.nodes[m].online).count();
    let priorities: Vec<i64> = members.iter().map(|&m| node_priority(view, m)).collect();
    let (top, lowest) = (
        priorities.iter().copied().max().unwrap_or(0),
        priorities.iter().copied().min().unwrap_or(0),
    );
    let applies = !node.is_remote()
        && !node.online
        && online <= members.len() / 2
        && top != lowest
        && node_priority(view, n) >= top;
    Some(if applies { delay } else { 0 })
}

/// The priority of what runs on cluster node `n` (a promoted instance counts one more), with
/// what runs on guest nodes whose containers run there; resources with a recorded failure do
/// not count.
fn node_priority(view: &ClusterView, n: usize) -> i64 {
    let mut sum = 0;
    for rsc in &view.resources {
        let priority = rsc.priority();
        if priority == 0 {
            continue;
        }
        for (&at, st) in &rsc.node_state {
            // (What has a failed operation counts for nothing; a node's uncleanness is no
            // failure here.)
            if !st.role.is_active() || st.ops.iter().any(|o| o.failed) {
                continue;
            }
            let hosted_here = at == n
                || view.nodes[at]
                    .remote
                    .as_ref()
                    .and_then(|l| l.container)
                    .is_some_and(|k| view.resources[k].running_nodes().contains(&n));
            if hosted_here {
                sum += priority + i64::from(st.role == crate::unpack::Role::Promoted);
            }
        }
    }
    sum
}

/// Whether stops on node `n` are implied by its fencing (pseudo actions).
pub fn stops_implied(view: &ClusterView, n: usize) -> bool {
    (view.nodes[n].unclean && can_fence(view, n)) || guest_reset(view, n)
}

/// Guest nodes are "fenced" by recovering their container: a pseudo fencing once the
/// container is down (or its host fenced), which implies the stops on the guest.
pub fn fence_guests(view: &ClusterView, t: &mut ActionTable) {
    // (In Pacemaker's node list order, by name.)
    let mut order: Vec<usize> = (0..view.nodes.len()).collect();
    order.sort_by(|&a, &b| {
        crate::unpack::cmp_node_names(&view.nodes[a].uname, &view.nodes[b].uname)
    });
    for n in order {
        if !guest_reset(view, n) {
            continue;
        }
        let Some(link) = &view.nodes[n].remote else {
            continue;
        };
        let (Some(k), Some(c)) = (link.container, link.connection) else {
            continue;
        };
        let stop = t.of(k, "stop").first().copied();
        // (A start made only as the missing first of an ordering, on no node, is not one.)
        let restarts = t.of(k, "start").iter().any(|&s| t.list[s].node.is_some());
        let action = if restarts { "reboot" } else { "off" };
        let key = format!("stonith-{}-{action}", view.nodes[n].uname);
        let s = t.get(None, "stonith", key, 0, Some(n), ActionKind::PseudoEvent);
        t.require(s);
        t.list[s].downed.push(n);
        t.list[s]
            .meta
            .insert("CRM_meta_stonith_action".into(), action.into());
        // Pacemaker fences in node name order: the container's stop is known to be implied by
        // its host's fencing only if the host comes first.
        let host_first = |t: &ActionTable, stop: usize| {
            t.list[stop].node.is_some_and(|h| {
                crate::unpack::cmp_node_names(&view.nodes[h].uname, &view.nodes[n].uname)
                    == std::cmp::Ordering::Less
            })
        };
        match stop {
            Some(stop) if t.list[stop].kind == ActionKind::PseudoEvent && host_first(t, stop) => {
                let host = t.list[stop].node;
                let host_fencing = (0..t.list.len())
                    .find(|&f| t.list[f].task == "stonith" && t.list[f].node == host && f != s);
                if let Some(f) = host_fencing {
                    t.order(f, s, RUNNABLE_LEFT | IMPLIES_THEN);
                }
            }
            Some(stop) => t.order(stop, s, RUNNABLE_LEFT | IMPLIES_THEN),
            None => {
                for cs in t.of(c, "stop") {
                    t.order(cs, s, OPTIONAL);
                }
            }
        }
    }
}

/// Orders stops on fenced nodes after the fencing, and shutdowns after the node's stops.
pub fn order_with_fencing(view: &ClusterView, t: &mut ActionTable) {
    let mut stonith = vec![None; view.nodes.len()];
    let mut shutdown = vec![None; view.nodes.len()];
    for (i, a) in t.list.iter().enumerate() {
        if let Some(n) = a.node {
            if a.task == "stonith" {
                stonith[n] = Some(i);
            } else if a.task == "do_shutdown" {
                shutdown[n] = Some(i);
            }
        }
    }
    let fencing: Vec<(usize, usize)> = stonith
        .iter()
        .enumerate()
        .filter_map(|(n, s)| s.map(|s| (n, s)))
        .collect();
    if !fencing.is_empty() {
        starts_after_fencing(view, t, &fencing);
    }
    for i in 0..t.list.len() {
        let a = &t.list[i];
        let (Some(n), Some(r)) = (a.node, a.rsc) else {
            continue;
        };
        if a.task != "stop" && a.task != "demote" {
            continue;
        }
        if let Some(s) = stonith[n] {
            stop_after_fencing(view, t, i, r, s);
        }
        // (Only stops come before a shutdown, as Pacemaker orders them.)
        if let (Some(s), "stop") = (shutdown[n], t.list[i].task.as_str()) {
            stop_before_shutdown(view, t, i, r, n, s);
        }
    }
}

/// A managed primitive's start or promote waits for every fencing when it requires
/// fencing (or unfencing); one requiring quorum only, for the fencing of a node where it
/// may run and has no history.
fn starts_after_fencing(view: &ClusterView, t: &mut ActionTable, fencing: &[(usize, usize)]) {
    for i in 0..t.list.len() {
        let a = &t.list[i];
        let Some(r) = a.rsc else { continue };
        if a.task != "start" && a.task != "promote" {
            continue;
        }
        let rsc = &view.resources[r];
        if !rsc.managed() || rsc.kind != crate::unpack::Kind::Primitive {
            continue;
        }
        let requires = requires(view, r);
        for &(n, s) in fencing {
            match requires.as_str() {
                "fencing" | "unfencing" => t.order(s, i, OPTIONAL),
                "quorum" if t.list[i].task == "start" && may_start_on_fenced(view, r, n) => {
                    t.order(s, i, RUNNABLE_LEFT)
                }
                _ => {}
            }
        }
    }
}

/// Resource `r` (with no history on `n`) may start on fenced node `n`. (A guest's
/// container restarting is that guest's "fencing".) (Only where it may run: never on a
/// bundle's guest node.)
fn may_start_on_fenced(view: &ClusterView, r: RscIdx, n: usize) -> bool {
    !view.resources[r].node_state.contains_key(&n)
        && crate::unpack::bundle::replica_on_node(view, n).is_none()
        && !view.nodes[n].remote.as_ref().is_some_and(|l| {
            l.container == Some(r)
                || (l.connection == Some(r) && crate::unpack::bundle::replica_of(view, r).is_some())
        })
}

/// A stop (or demote) `i` of `r` on a node being fenced (`s`) waits for the fencing when on
/// a guest node (its container's recovery) or when it needs fencing (`requires` fencing or
/// unfencing); so does its top-level collective's stop (a bundle's parts count as
/// top-level).
fn stop_after_fencing(view: &ClusterView, t: &mut ActionTable, i: usize, r: RscIdx, s: usize) {
    let Some(n) = t.list[i].node else { return };
    let needs_fencing =
        view.nodes[n].is_guest() || matches!(requires(view, r).as_str(), "fencing" | "unfencing");
    if !needs_fencing {
        return;
    }
    // (Not for a bundle's instance: its clone's stop waits instead, or they loop.)
    let bundled = crate::unpack::bundle::replica_of(view, r).is_some_and(|(_, rep)| {
        rep.child
            .is_some_and(|c| view.primitives_of(c).contains(&r))
    });
    if !bundled {
        t.order(s, i, IMPLIES_THEN);
    }
    let top = view.top_below_bundle(r);
    if t.list[i].task == "stop" && top != r {
        for ps in t.of(top, "stop") {
            t.order(s, ps, OPTIONAL);
        }
    }
}

/// A stop `i` of `r` on `n` that cannot run holds the node's shutdown `s` back, unless its
/// resource is left alone (unmanaged but not blocked by a failure, or in maintenance).
fn stop_before_shutdown(
    view: &ClusterView,
    t: &mut ActionTable,
    i: usize,
    r: RscIdx,
    n: usize,
    s: usize,
) {
    let rsc = &view.resources[r];
    let blocked = rsc
        .node_state
        .values()
        .any(|st| st.failed && st.on_fail == crate::unpack::OnFail::Block);
    let maintenance = rsc.meta_flag("maintenance", false)
        || view.nodes[n].maintenance
        || view.config.maintenance_mode;
    if !maintenance && (rsc.managed() || blocked) {
        t.order(i, s, RUNNABLE_LEFT);
    }
}

/// A resource's `requires` (what must hold before it may start).
pub fn requires(view: &ClusterView, r: usize) -> String {
    let rsc = &view.resources[r];
    rsc.meta("requires").map(str::to_string).unwrap_or_else(|| {
        // Fence devices and remote connections need only quorum; without fencing, a
        // cluster that ignores quorum needs nothing.
        if rsc.class == "stonith" || rsc.is_connection() {
            "quorum".into()
        } else if !view.config.stonith_enabled {
            match view.config.no_quorum_policy {
                crate::unpack::NoQuorumPolicy::Ignore => "nothing".into(),
                _ => "quorum".into(),
            }
        } else if unfencing_enabled(view) {
            "unfencing".into()
        } else {
            "fencing".into()
        }
    })
}

/// Whether some fence device says it can unfence (`provides=unfencing`).
pub fn unfencing_enabled(view: &ClusterView) -> bool {
    view.config.stonith_enabled
        && view.resources.iter().any(|r| {
            r.class == "stonith"
                && (r.meta("provides") == Some("unfencing")
                    || r.params.get("provides").map(String::as_str) == Some("unfencing"))
        })
}

/// The required unfencing ("stonith ... on") of node `n`.
fn unfence_op(t: &mut ActionTable, node: &crate::unpack::NodeInfo, n: usize, why: String) -> usize {
    let key = format!("stonith-{}-on", node.uname);
    let s = t.get(None, "stonith", key, 0, Some(n), ActionKind::CrmEvent);
    t.require(s);
    t.list[s]
        .meta
        .insert("CRM_meta_stonith_action".into(), "on".into());
    t.list[s].reason = Some(why);
    s
}

/// Unfencing: a node never unfenced (no `#node-unfenced`) is unfenced ("stonith ... on")
/// before it probes or starts a fence device or a resource that requires unfencing.
pub fn unfence(view: &ClusterView, t: &mut ActionTable) {
    if !unfencing_enabled(view) {
        return;
    }
    let mut on: Vec<Option<usize>> = vec![None; view.nodes.len()];
    // A device's changed definition asks for unfencing while the history is read, before
    // any action is made.
    for (n, node) in view.nodes.iter().enumerate() {
        if let Some(why) = node.unfence_reason.as_ref().filter(|_| node.online) {
            on[n] = Some(unfence_op(t, node, n, why.clone()));
        }
    }
    // Probes first: the first action needing it names the unfencing's reason.
    let is_probe = |a: &super::Action| a.task == "monitor" && a.interval_ms == 0;
    let mut todo: Vec<usize> = (0..t.list.len())
        .filter(|&i| is_probe(&t.list[i]))
        .collect();
    todo.extend((0..t.list.len()).filter(|&i| !is_probe(&t.list[i])));
    for i in todo {
        let a = &t.list[i];
        let (Some(r), Some(n)) = (a.rsc, a.node) else {
            continue;
        };
        let node = &view.nodes[n];
        let again = node.unfence_reason.is_some();
        if !node.online || node.unclean || (node.attrs.contains_key("#node-unfenced") && !again) {
            continue;
        }
        let probe = a.task == "monitor" && a.interval_ms == 0;
        let rsc = &view.resources[r];
        let needed = (probe || a.task == "start")
            && (rsc.class == "stonith" || requires(view, r) == "unfencing");
        if !needed {
            continue;
        }
        let task = a.task.clone();
        let s = *on[n].get_or_insert_with(|| {
            unfence_op(t, node, n, format!("required by {} {}", rsc.base_id, task))
        });
        // A new unfencing restarts what runs there and needs it.
        let flags = if task == "start" {
            super::flags::IMPLIES_THEN
        } else {
            OPTIONAL
        };
        t.order(s, i, flags);
    }
    // What needs unfencing stops before the node is unfenced.
    for i in 0..t.list.len() {
        let a = &t.list[i];
        let (Some(r), Some(n), "stop") = (a.rsc, a.node, a.task.as_str()) else {
            continue;
        };
        if let Some(s) = on[n].filter(|_| requires(view, r) == "unfencing") {
            t.order(i, s, OPTIONAL);
        }
    }
}
