//! The order in which Pacemaker writes a graph's synapses.
//!
//! Pacemaker adds resources' actions first, walking its resource list (a group before its
//! members, a clone's instances before the clone), each resource's actions newest first;
//! then the actions of no resource (fencing, shutdowns, `load_stopped_*`), newest first.
//! crm_simulate runs a graph by walking the synapses in that order again and again, firing
//! every one whose inputs are done, so this order decides the order of its "Executing
//! Cluster Transition" lines.
//!
//! Our actions are not created in Pacemaker's order, so "newest first" is modelled by the
//! stage at which Pacemaker creates each kind of action ([`birth`]).

use crate::actions::{Action, ActionTable};
use crate::assign::Assignment;
use crate::graph_build::in_graph;
use crate::unpack::{
    cmp_node_names, ClusterView, Kind, NodeIdx, Resource, Role, RscIdx, RscNodeState,
};
use graph::ActionKind;
use std::cmp::Reverse;

/// Each node's position in Pacemaker's node list (sorted by name, numbers as numbers).
fn node_ranks(view: &ClusterView) -> Vec<usize> {
    let mut by_name: Vec<NodeIdx> = (0..view.nodes.len()).collect();
    by_name.sort_by(|&a, &b| cmp_node_names(&view.nodes[a].uname, &view.nodes[b].uname));
    let mut rank = vec![0; view.nodes.len()];
    for (i, n) in by_name.into_iter().enumerate() {
        rank[n] = i;
    }
    rank
}

/// Resources in the order Pacemaker adds their actions to the graph.
fn expand_order(view: &ClusterView, asg: &Assignment) -> Vec<RscIdx> {
    fn expand(view: &ClusterView, r: RscIdx, out: &mut Vec<RscIdx>) {
        // A bundle adds its primitive's clone, then each replica's IP, container and
        // connection; its own actions are added with those of no resource.
        if let Some(b) = view.bundles.iter().find(|b| b.rsc == r) {
            for x in b.graph_order() {
                expand(view, x, out);
            }
            return;
        }
        let rsc = &view.resources[r];
        match rsc.kind {
            Kind::Clone => {
                for &c in &rsc.children {
                    expand(view, c, out);
                }
                out.push(r);
            }
            _ => {
                out.push(r);
                for &c in &rsc.children {
                    expand(view, c, out);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(view.resources.len());
    let mut tops = asg.order.clone();
    // Whatever the assignment did not walk (it skips nothing today) follows in tree order.
    for &r in &view.top {
        if !tops.contains(&r) {
            tops.push(r);
        }
    }
    for r in tops {
        // (A bundle's clone comes with its bundle.)
        if !view.bundles.iter().any(|b| b.child == Some(r)) {
            expand(view, r, &mut out);
        }
    }
    out
}

/// Which notification an action is, from its key: `(task, post, confirmed)` with task the
/// notified operation's position (start, stop, promote, demote).
fn notification(a: &Action) -> Option<(u8, bool, bool)> {
    // (A confirmation's key reads "..._confirmed-pre_notify_...".)
    let (_, rest) = ["_pre_notify_", "-pre_notify_"]
        .iter()
        .find_map(|m| a.key.rsplit_once(m))
        .map(|(x, y)| (x, (false, y)))
        .or_else(|| {
            ["_post_notify_", "-post_notify_"]
                .iter()
                .find_map(|m| a.key.rsplit_once(m))
                .map(|(x, y)| (x, (true, y)))
        })?;
    let (post, op) = rest;
    let task = match op.trim_end_matches("_0") {
        "start" | "running" => 0,
        "stop" | "stopped" => 1,
        "promote" | "promoted" => 2,
        _ => 3,
    };
    Some((task, post, a.key.contains("_confirmed-")))
}

/// When Pacemaker creates an action relative to the other actions of its resource: a
/// sortable stage (older first) and a position within it.
fn birth(view: &ClusterView, asg: &Assignment, ranks: &[usize], a: &Action) -> (u8, i64) {
    let node = a.node.map_or(0, |n| ranks[n] as i64);
    let Some(r) = a.rsc else {
        return cluster_action_birth(view, a, node);
    };
    if view.resources[r].kind != Kind::Primitive {
        return collective_action_birth(a);
    }
    if a.task == "notify" {
        // Instance notifications are made while the graph is written.
        let (task, post, _) = notification(a).unwrap_or((0, false, false));
        return (6, (task as i64 * 2 + post as i64) * 1000 + node);
    }
    history_birth(view, r, a, node).unwrap_or_else(|| transition_birth(view, asg, r, a, node))
}

/// An action of no resource (`node`: its node's rank).
fn cluster_action_birth(view: &ClusterView, a: &Action, node: i64) -> (u8, i64) {
    // Load-stopped points go by when they were made (see `order_by_load`).
    if a.task == "load_stopped" {
        return (0, 0);
    }
    // A remote node's fencing decided while its actions are ordered is made then.
    if let (Some(n), "stonith") = (a.node, a.task.as_str()) {
        let decided = crate::remote::fence_decided(&view.nodes[n].unclean_reason);
        return (0, i64::from(decided) * 1_000_000 + node);
    }
    (0, node)
}

/// A collective's pseudo actions: start, running, the start notifications, stop, stopped,
/// the stop notifications, then the same for promote and demote.
fn collective_action_birth(a: &Action) -> (u8, i64) {
    if let Some((task, post, confirmed)) = notification(a) {
        return (3, task as i64 * 6 + 2 + post as i64 * 2 + confirmed as i64);
    }
    let task = match a.task.as_str() {
        "start" => 0,
        "running" => 1,
        "stop" => 6,
        "stopped" => 7,
        "promote" => 12,
        "promoted" => 13,
        "demote" => 18,
        "demoted" => 19,
        _ => 24,
    };
    (3, task)
}

/// Reading the history makes (oldest of all), node by node, the clean-up of expired
/// failures (`step` 0), the actions of the recurring operations active there (1), and the
/// stop where a failure must be recovered (2).
fn while_reading(node: i64, step: i64) -> i64 {
    node * 4 + step
}

/// Then the history checks, node by node: a changed agent's stop (`step` 0) and clean-up
/// (1), then what the operations' checks ask (2: a start, a reload, a fail-count clean-up).
fn while_checking(node: i64, step: i64) -> i64 {
    1_000_000 + node * 4 + step
}

/// A primitive's action made while its history is read or checked, if it is one.
fn history_birth(view: &ClusterView, r: RscIdx, a: &Action, node: i64) -> Option<(u8, i64)> {
    let rsc = &view.resources[r];
    let here = a.node.and_then(|n| rsc.node_state.get(&n));
    match a.task.as_str() {
        // A shutdown lock's forgotten history is asked while the status is read.
        "lrm_delete" => return Some((0, node - 1000)),
        "clear_failcount" => return Some(clear_failcount_birth(here, node)),
        // ... and the clean-up of a history that names another agent (or an orphan's).
        "delete" => return Some((0, while_checking(node, 1))),
        _ => {}
    }
    // Pacemaker makes a history's recurring operations only on a node that is up (a guest
    // being recovered is not).
    let up = a.node.is_some_and(|n| {
        let node = &view.nodes[n];
        node.online && !node.remote.as_ref().is_some_and(|l| l.requires_reset)
    });
    let active_recurring = |st: &RscNodeState| {
        st.role.is_active()
            && st
                .active_recurring()
                .iter()
                .any(|&(task, interval)| task == a.task && interval == a.interval_ms)
    };
    if let Some(st) = here {
        if a.interval_ms > 0 && up && a.task != "cancel" && active_recurring(st) {
            return Some((0, while_reading(node, 1)));
        }
        if let Some(at) = recovery_birth(rsc, a, st, node) {
            return Some((0, at));
        }
    }
    // A recurring operation the history shows active is made once its resource's history is
    // read: after that history's fail-count clean-ups, before the history checks' cancels.
    if a.interval_ms > 0 && up && here.is_some_and(active_recurring) {
        return Some((1, node - 1_000_000));
    }
    None
}

/// A fail-count clean-up: one asked by a changed definition comes with the history checks,
/// after the start they require; an expired failure's, or a last failure's whose parameters
/// changed, is asked while the history is read. (Asked by a recurring operation alone, it
/// follows that operation's cancel.)
fn clear_failcount_birth(here: Option<&RscNodeState>, node: i64) -> (u8, i64) {
    let from_check = here
        .is_some_and(|st| st.clear_failcount && !st.expired_failure && !st.failure_params_changed);
    let after_cancel = here.is_some_and(|st| !st.definition_changed && !st.reload);
    match (from_check, after_cancel) {
        (true, true) => (2, node * 2_000_000 + 1_000_000),
        (true, false) => (0, while_checking(node, 2)),
        _ => (0, while_reading(node, 0)),
    }
}

/// The stop recovering a failure (made while reading the history, or with the checks for a
/// changed agent), and the start or reload a changed definition asks for, by history `st`.
fn recovery_birth(rsc: &Resource, a: &Action, st: &RscNodeState, node: i64) -> Option<i64> {
    // (A definition change alone makes the start instead: Pacemaker requires it.)
    let changed_only = st.definition_changed && !st.definition_stop && !st.failed && !st.restart;
    let agent_changed = st.definition_stop && !st.failed && !st.restart;
    // (A failed migration's target is stopped like any other active node: that stop is
    // not made while reading the history.)
    let migration_target = st.restart && !st.failed && !st.definition_changed;
    // (A failure recovered by restarting the container stops the container then.)
    let container_recovers =
        st.on_fail == crate::unpack::OnFail::RestartContainer && rsc.meta("container").is_some();
    if a.task == "stop"
        && st.must_recover()
        && !changed_only
        && !migration_target
        && !container_recovers
    {
        return Some(if agent_changed {
            while_checking(node, 0)
        } else {
            while_reading(node, 2)
        });
    }
    if (a.task == "start" && changed_only) || a.task == "reload-agent" {
        return Some(while_checking(node, 2));
    }
    None
}

/// A primitive's action made as the transition is planned: cancellations from the history
/// checks, then probes, then the resource's actions (down, up, monitors, migration).
fn transition_birth(
    view: &ClusterView,
    asg: &Assignment,
    r: RscIdx,
    a: &Action,
    node: i64,
) -> (u8, i64) {
    let rsc = &view.resources[r];
    match (a.task.as_str(), a.interval_ms) {
        // Cancellations come from the history checks, before probing.
        // (Several on one node go in history order: the later operation's is newer.)
        ("cancel", interval) => {
            let call = a
                .node
                .and_then(|n| rsc.node_state.get(&n))
                .and_then(|st| {
                    st.ops
                        .iter()
                        .filter(|o| o.interval_ms == interval)
                        .map(|o| o.call_id)
                        .max()
                })
                .unwrap_or(0);
            (2, node * 2_000_000 + call.clamp(0, 999_999))
        }
        ("monitor", 0) if a.kind != ActionKind::PseudoEvent => (3, node),
        (task, interval) => {
            // A promoted resource staying put gets its start first (to learn whether it
            // must be recovered); then down (demote, stop), up (start, promote), the
            // recurring monitors and the migration.
            let promoted_now = view
                .active_roles(r)
                .iter()
                .any(|(_, x)| *x == Role::Promoted);
            // (A completed migration's leftover stop at the source is made before all.)
            let dangling = a.node.is_some_and(|n| rsc.dangling_on.contains(&n));
            // (So is the start standing for a start found in flight.)
            let start_pending = rsc
                .node_state
                .values()
                .any(|st| st.ops.iter().any(|o| o.status == -1 && o.task == "start"));
            let step = match task {
                "stop" if dangling => -2,
                _ if interval > 0 => 5,
                "start" if start_pending && asg.node[r].is_some() => -1,
                "start" if promoted_now && asg.node[r].is_some() => -1,
                "demote" => 1,
                "stop" => 2,
                "start" => 3,
                "promote" => 4,
                "migrate_to" => 6,
                "migrate_from" => 7,
                _ => 8,
            };
            (5, step * 1000 + node)
        }
    }
}

/// A fencing decided while the status is read is made then, before every other action of
/// no resource (a bundle's own pseudo actions included): it comes last of them.
fn fenced_while_reading(view: &ClusterView, a: &Action) -> bool {
    let Some(n) = a.node.filter(|_| a.rsc.is_none() && a.task == "stonith") else {
        return false;
    };
    let reason = view.nodes[n].unclean_reason.as_str();
    a.kind == ActionKind::CrmEvent
        && crate::remote::fence_decided(reason) <= 1
        && reason != "node is unclean"
        && view.nodes[n].unclean
}

/// The in-graph actions in Pacemaker's synapse order.
pub fn synapse_order(view: &ClusterView, asg: &Assignment, t: &ActionTable) -> Vec<usize> {
    let ranks = node_ranks(view);
    let mut pos = vec![usize::MAX; view.resources.len()];
    for (i, r) in expand_order(view, asg).into_iter().enumerate() {
        pos[r] = i;
    }
    let mut order: Vec<usize> = (0..t.list.len()).filter(|&i| in_graph(t, i)).collect();
    // A bundle's own pseudo actions are added with the actions of no resource, newest
    // first: after those (made later), the last bundle's first, each newest first.
    let bundle_rank = |r: RscIdx| view.bundles.iter().position(|b| b.rsc == r);
    order.sort_by_key(|&i| {
        let a = &t.list[i];
        let (stage, at) = birth(view, asg, &ranks, a);
        let bundle = a.rsc.and_then(bundle_rank);
        (
            a.rsc
                .filter(|_| bundle.is_none())
                .map_or(usize::MAX, |r| pos[r]),
            fenced_while_reading(view, a),
            bundle.map(|b| Reverse((b, crate::unpack::bundle::creation_rank(&a.task)))),
            Reverse(stage),
            Reverse(at),
            Reverse(i),
        )
    });
    order
}
