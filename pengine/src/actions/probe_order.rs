//! Orderings that make probes finish before the stops and restarts they could affect:
//! a resource's probes precede whatever its stop precedes, and precede the stops (demotes)
//! of other resources that restart (re-promote) because this resource starts.

use super::{flags::*, ActionTable};
use crate::unpack::{ClusterView, Kind};

fn is_probe(t: &ActionTable, i: usize) -> bool {
    let a = &t.list[i];
    a.task == "monitor" && a.interval_ms == 0 && a.rsc.is_some() && a.node.is_some()
}

fn probe_needed_before(t: &ActionTable, probe: usize, then: usize) -> bool {
    let (p, a) = (&t.list[probe], &t.list[then]);
    if a.task == "stonith"
        && p.node == a.node
        && a.meta.get("CRM_meta_stonith_action").map(String::as_str) == Some("on")
    {
        return false;
    }
    !(a.task == "do_shutdown" && p.node != a.node)
}

/// Adds both kinds of probe orderings.
pub fn order_probes(view: &ClusterView, t: &mut ActionTable) {
    let mut probes_of: Vec<Vec<usize>> = vec![Vec::new(); view.resources.len()];
    for i in 0..t.list.len() {
        if is_probe(t, i) {
            if let Some(r) = t.list[i].rsc {
                probes_of[r].push(i);
            }
        }
    }
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); t.list.len()];
    for (ei, e) in t.edges.iter().enumerate() {
        out[e.first].push(ei);
    }
    let mut new_edges = Vec::new();
    // "X stop then Y ...": X's probes also precede Y's action.
    for e in &t.edges {
        let (f, th) = (&t.list[e.first], &t.list[e.then]);
        let (Some(x), Some(y)) = (f.rsc, th.rsc) else {
            continue;
        };
        if x == y || f.task != "stop" || e.flags & INTERLEAVED != 0 {
            continue;
        }
        // Not for a resource inside a stopping container: the probe could come after the
        // container starts again (a loop).
        let in_container = crate::unpack::remote::container_of(view, &view.resources[x]) == Some(y);
        if in_container && th.task == "stop" {
            continue;
        }
        for &p in &probes_of[x] {
            if probe_needed_before(t, p, e.then) {
                new_edges.push((p, e.then, e.flags & SAME_NODE));
            }
        }
    }
    for (x, fa, y, ta, fl) in &t.rsc_orders {
        if x == y || fa != "stop" {
            continue;
        }
        let in_container =
            crate::unpack::remote::container_of(view, &view.resources[*x]) == Some(*y);
        if in_container && ta == "stop" {
            continue;
        }
        for th in t.of(*y, ta) {
            for &p in &probes_of[*x] {
                if probe_needed_before(t, p, th) {
                    new_edges.push((p, th, fl & SAME_NODE));
                }
            }
        }
    }
    // Restarts: follow what a probe's successors imply.
    let mut visited = vec![false; t.list.len()];
    let mut touched = Vec::new();
    for probes in &probes_of {
        for &p in probes {
            for &ei in &out[p] {
                if created_after_user_orderings(view, t, t.edges[ei]) {
                    continue;
                }
                let after = t.edges[ei].then;
                walk(
                    view,
                    t,
                    &out,
                    p,
                    after,
                    &mut visited,
                    &mut touched,
                    &mut new_edges,
                );
                for x in touched.drain(..) {
                    visited[x] = false;
                }
            }
        }
    }
    for (a, b, f) in new_edges {
        t.order(a, b, f);
    }
}

/// Whether `e` leads from another resource's action into the start of a primitive placed
/// nowhere, through user orderings that Pacemaker applies before that start exists: it
/// creates no start for such a resource itself, only as the first action of an ordering, so
/// the orderings into it listed before the first one out of it make no ordering wrapper.
fn created_after_user_orderings(view: &ClusterView, t: &ActionTable, e: super::Edge) -> bool {
    let (f, th) = (&t.list[e.first], &t.list[e.then]);
    let (Some(x), Some(y)) = (f.rsc, th.rsc) else {
        return false;
    };
    if th.task != "start"
        || th.node.is_some()
        || x == y
        || view.resources[y].kind != Kind::Primitive
    {
        return false;
    }
    let orders = &t.rsc_orders;
    let created = orders.iter().position(|o| o.0 == y && o.1 == "start");
    let last_into = orders
        .iter()
        .rposition(|o| o.0 == x && o.1 == f.task && o.2 == y && o.3 == "start");
    match (last_into, created) {
        (Some(into), Some(created)) => into < created,
        (Some(_), None) => true,
        // Never created by an ordering either (a stand-alone resource's start is made by
        // nothing else): no ordering into it exists.
        (None, None) => view.resources[y].parent.is_none(),
        (None, Some(_)) => false,
    }
}

/// Whether an implies-then edge out of a collective's "running" or "promoted" pseudo action
/// leads to another resource: a user ordering, which leaves from the collective's start in
/// Pacemaker (the graph only shows it on the completed action). Reached from a member's start
/// through the completed action, the walk does not follow it; the start's branch in [`walk`]
/// does.
fn user_order_after_completion(view: &ClusterView, t: &ActionTable, e: super::Edge) -> bool {
    let (f, th) = (&t.list[e.first], &t.list[e.then]);
    let completion = f
        .rsc
        .is_some_and(|r| view.resources[r].kind != Kind::Primitive)
        && matches!(f.task.as_str(), "running" | "promoted");
    completion
        && e.flags & IMPLIES_THEN != 0
        && e.flags & SUMMARISES == 0
        && th
            .rsc
            .zip(f.rsc)
            .is_some_and(|(x, r)| view.top_of(x) != view.top_of(r))
}

/// Edges of ours that Pacemaker's probe walk does not see (its ordering wrappers differ).
/// (A summary edge is ours alone: Pacemaker updates the instances' flags without one.)
fn absent_when_probes_are_ordered(view: &ClusterView, t: &ActionTable, e: super::Edge) -> bool {
    e.flags & SUMMARY != 0
        || user_order_after_completion(view, t, e)
        || created_after_user_orderings(view, t, e)
}

/// Walks what follows `after` for `probe`: a primitive's start or promote reached orders
/// the probe before that primitive's stop or demote (Pacemaker's order_first_probes).
#[allow(clippy::too_many_arguments)]
fn walk(
    view: &ClusterView,
    t: &ActionTable,
    out: &[Vec<usize>],
    probe: usize,
    after: usize,
    visited: &mut [bool],
    touched: &mut Vec<usize>,
    new_edges: &mut Vec<(usize, usize, u32)>,
) {
    let w = Walk {
        view,
        t,
        out,
        probe,
        probe_rsc: t.list[probe].rsc.unwrap_or(usize::MAX),
    };
    let mut stack = vec![after];
    while let Some(a) = stack.pop() {
        if visited[a] {
            continue;
        }
        visited[a] = true;
        touched.push(a);
        w.probe_before_reversal(a, new_edges);
        for &ei in &out[a] {
            let e = t.edges[ei];
            if w.follows(a, e) {
                stack.push(e.then);
            }
        }
        w.follow_completion(a, &mut stack);
    }
}

/// One probe's walk.
struct Walk<'x> {
    view: &'x ClusterView,
    t: &'x ActionTable,
    out: &'x [Vec<usize>],
    probe: usize,
    /// The probed resource (`usize::MAX` for none).
    probe_rsc: usize,
}

impl Walk<'_> {
    /// Another primitive's start (promote) reached: the probe goes before its stop
    /// (demote), where that is a real action.
    fn probe_before_reversal(&self, a: usize, new_edges: &mut Vec<(usize, usize, u32)>) {
        let (view, t) = (self.view, self.t);
        let act = &t.list[a];
        let Some(ar) = act.rsc else { return };
        if view.resources[ar].kind != Kind::Primitive || ar == self.probe_rsc {
            return;
        }
        let task = match act.task.as_str() {
            "start" => "stop",
            "promote" => "demote",
            _ => return,
        };
        for s in t.of(ar, task) {
            if t.list[s].kind != graph::ActionKind::PseudoEvent {
                new_edges.push((self.probe, s, OPTIONAL));
            }
        }
    }

    /// The walk goes on from `a` along edge `e`: an implies-then edge (not a summary's),
    /// or from a collective into its own children (for an interleaved clone only the
    /// instance placed with the probed resource).
    fn follows(&self, a: usize, e: super::Edge) -> bool {
        let (view, t) = (self.view, self.t);
        if absent_when_probes_are_ordered(view, t, e) {
            return false;
        }
        if e.flags & IMPLIES_THEN != 0 && e.flags & SUMMARISES == 0 {
            return true;
        }
        // Only descend from a collective into its own children.
        let Some(ar) = t.list[a].rsc else {
            return false;
        };
        if view.resources[ar].kind == Kind::Primitive
            || view.resources[self.probe_rsc].parent == Some(ar)
        {
            return false;
        }
        let Some(child) = t.list[e.then].rsc else {
            return false;
        };
        if view.resources[child].parent != Some(ar) {
            return false;
        }
        let interleaved = view.resources[ar].kind == Kind::Clone
            && view.resources[ar]
                .clone
                .as_ref()
                .is_some_and(|c| c.interleave);
        !interleaved || self.placed_with_probe(child)
    }

    /// Only the instance placed with the probed resource (Pacemaker's compatible child; a
    /// resource placed nowhere is paired by node preference, which the probe's node stands
    /// for here) is walked into; a collective instance always is.
    fn placed_with_probe(&self, child: usize) -> bool {
        let t = self.t;
        let pn = t
            .of(self.probe_rsc, "start")
            .into_iter()
            .find_map(|s| t.list[s].node)
            .or(t.list[self.probe].node);
        t.of(child, "start").iter().any(|s| t.list[*s].node == pn)
            || self.view.resources[child].kind != Kind::Primitive
    }

    /// Pacemaker keeps a user ordering after a collective's start on that start (the graph
    /// moves it to "running"): the walk follows it from the start too. (Not inside a
    /// bundle, whose orderings go through its replicas.)
    fn follow_completion(&self, a: usize, stack: &mut Vec<usize>) {
        let (view, t) = (self.view, self.t);
        let act = &t.list[a];
        let Some(ar) = act.rsc else { return };
        let completed = match act.task.as_str() {
            "start" => "running",
            "promote" => "promoted",
            _ => return,
        };
        let bundled = view
            .bundles
            .iter()
            .any(|b| b.rsc == view.top_of(ar) || b.child == Some(ar));
        if view.resources[ar].kind == Kind::Primitive || bundled {
            return;
        }
        let key = super::op_key(&view.resources[ar].id, completed, 0);
        let Some(done) = t.find(Some(ar), &key, None) else {
            return;
        };
        for &ei in &self.out[done] {
            let e = t.edges[ei];
            let other = t.list[e.then]
                .rsc
                .is_some_and(|x| view.top_of(x) != view.top_of(ar));
            let implies = e.flags & (IMPLIES_THEN | CLONE_IMPLIES_THEN) != 0;
            if implies
                && e.flags & SUMMARISES == 0
                && other
                && !created_after_user_orderings(view, t, e)
            {
                stack.push(e.then);
            }
        }
    }
}
