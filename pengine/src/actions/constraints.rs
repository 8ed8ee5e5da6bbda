//! Orderings from `rsc_order` constraints, with Pacemaker's conversions: a collective
//! "first" waits for its completed pseudo action (start -> running), interleaved clones
//! order instance by instance on the same node, and symmetrical orders reverse for stops.

use super::{completed_task, flags::*, ActionTable};
use crate::assign::Assignment;
use crate::constraints::{Constraints, Order, OrderKind};
use crate::unpack::{ClusterView, Kind, Role, RscIdx};

fn inverse(task: &str) -> Option<&'static str> {
    Some(match task {
        "start" => "stop",
        "stop" => "start",
        "promote" => "demote",
        "demote" => "promote",
        _ => return None,
    })
}

fn first_actions(view: &ClusterView, t: &ActionTable, r: RscIdx, task: &str) -> Vec<usize> {
    if view.resources[r].kind == Kind::Primitive {
        t.of(r, task)
    } else {
        t.of(r, completed_task(task))
    }
}

fn then_actions(view: &ClusterView, t: &ActionTable, r: RscIdx, task: &str) -> Vec<usize> {
    let _ = view;
    t.of(r, task)
}

fn instance_node(
    view: &ClusterView,
    asg: &Assignment,
    t: &ActionTable,
    inst: RscIdx,
    task: &str,
) -> Vec<usize> {
    match task {
        "stop" | "demote" => view.running_on(inst),
        _ if t.inhibited.contains(&inst) => Vec::new(),
        _ => asg.node[inst].into_iter().collect(),
    }
}

/// Whether an ordering between two clones pairs their instances node by node: Pacemaker
/// takes `interleave` from the "then" clone, except for stops and demotes.
fn interleaved(view: &ClusterView, a: RscIdx, b: RscIdx, ta: &str) -> bool {
    let (ra, rb) = (&view.resources[a], &view.resources[b]);
    let deciding = if matches!(ta, "stop" | "demote") {
        ra
    } else {
        rb
    };
    ra.kind == Kind::Clone
        && rb.kind == Kind::Clone
        && deciding.clone.as_ref().is_some_and(|c| c.interleave)
}

/// A "then" task that takes an instance down: Pacemaker inhibits only an instance that would
/// become active, so one without a partner on its node is left alone.
fn leaving(ta: &str) -> bool {
    matches!(ta, "stop" | "stopped" | "demote" | "demoted")
}

/// The instances mandatory interleaved orderings leave without a partner on their node,
/// inhibited before any ordering is added. Pacemaker unassigns such an instance when it
/// updates the ordering and updates again whatever is ordered after it, so an instance
/// left without a partner by another inhibition is inhibited too: a fixed point.
fn inhibit_unpartnered(
    view: &ClusterView,
    cons: &Constraints,
    asg: &Assignment,
    t: &mut ActionTable,
) {
    let mandatory: Vec<&crate::constraints::Order> = cons
        .orders
        .iter()
        .filter(|o| {
            o.kind == OrderKind::Mandatory
                && o.symmetrical
                && o.one_or_more.is_none()
                && o.require_all
                && view.resources[o.first]
                    .clone
                    .as_ref()
                    .is_none_or(|c| c.min == 0)
                && !leaving(&o.then_action)
                && interleaved(view, o.first, o.then, &o.then_action)
        })
        .collect();
    loop {
        let mut changed = false;
        for o in &mandatory {
            for &bi in &view.resources[o.then].children {
                let then_nodes = instance_node(view, asg, t, bi, &o.then_action);
                if then_nodes.is_empty() {
                    continue;
                }
                let partnered = view.resources[o.first].children.iter().any(|&ai| {
                    instance_node(view, asg, t, ai, &o.first_action)
                        .iter()
                        .any(|n| then_nodes.contains(n))
                });
                if !partnered && t.inhibited.insert(bi) {
                    // (As when the ordering is added: its action cannot run.)
                    for th in t.of(bi, &o.then_action) {
                        t.list[th].runnable = false;
                    }
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// Orders resource `a`'s `fa` before `b`'s `ta` with `flags`: instance by instance for
/// interleaved clones, else as a whole (with what the whole passes on to its members).
#[allow(clippy::too_many_arguments)]
fn order_pair(
    view: &ClusterView,
    asg: &Assignment,
    t: &mut ActionTable,
    a: RscIdx,
    fa: &str,
    b: RscIdx,
    ta: &str,
    flags: u32,
) {
    let p = Pair {
        a,
        fa,
        b,
        ta,
        flags,
    };
    if interleaved(view, a, b, ta) {
        order_interleaved(view, asg, t, &p);
        return;
    }
    let Some((firsts, thens)) = order_whole(view, t, &p) else {
        return;
    };
    if view.resources[a].kind == Kind::Clone && flags & IMPLIES_FIRST != 0 {
        order_every_first_instance(view, t, &p, &thens);
    }
    if flags & IMPLIES_THEN != 0 {
        order_every_then_member(view, t, &p, &firsts);
    }
}

/// One ordering between two resources' actions.
struct Pair<'s> {
    a: RscIdx,
    fa: &'s str,
    b: RscIdx,
    ta: &'s str,
    flags: u32,
}

/// Interleaved clones: the clones' own actions are ordered (implying only the clone's
/// then), and each "then" instance after the "first" instance on its node; a then instance
/// with no partner cannot run when the ordering requires one.
fn order_interleaved(view: &ClusterView, asg: &Assignment, t: &mut ActionTable, p: &Pair) {
    let (a, fa, b, ta, flags) = (p.a, p.fa, p.b, p.ta, p.flags);
    let clone_flags = if flags & IMPLIES_THEN != 0 {
        CLONE_IMPLIES_THEN
    } else {
        OPTIONAL
    };
    for f in first_actions(view, t, a, fa) {
        for th in then_actions(view, t, b, ta) {
            t.order(f, th, clone_flags);
        }
    }
    for &bi in &view.resources[b].children {
        let then_nodes = instance_node(view, asg, t, bi, ta);
        let thens = t.of(bi, ta);
        let mut matched = false;
        for &ai in &view.resources[a].children {
            let first_nodes = instance_node(view, asg, t, ai, fa);
            if !first_nodes.iter().any(|n| then_nodes.contains(n)) {
                continue;
            }
            matched = true;
            // Pacemaker updates an interleaved pair with the first instance's own flags,
            // so a required "then" instance never makes its first required: a dependent
            // instance stops only when its own start cannot happen.
            for f in first_actions(view, t, ai, fa) {
                for &th in &thens {
                    t.order(f, th, (flags & !IMPLIES_FIRST) | INTERLEAVED | CONSTRAINT);
                }
            }
            // Only one compatible instance per node.
            break;
        }
        if !matched && flags & RUNNABLE_LEFT != 0 && !then_nodes.is_empty() && !leaving(ta) {
            for &th in &thens {
                t.list[th].runnable = false;
            }
            t.inhibited.insert(bi);
        }
    }
}

/// The resources' own actions ordered (a collective first by its completion point),
/// recorded for the graph; None when an earlier constraint orders these actions already
/// (its ordering stands alone). Else the firsts and thens.
fn order_whole(
    view: &ClusterView,
    t: &mut ActionTable,
    p: &Pair,
) -> Option<(Vec<usize>, Vec<usize>)> {
    let first_task = if view.resources[p.a].kind == Kind::Primitive {
        p.fa
    } else {
        completed_task(p.fa)
    };
    t.rsc_orders
        .push((p.a, first_task.to_string(), p.b, p.ta.to_string(), p.flags));
    let firsts = first_actions(view, t, p.a, p.fa);
    let thens = then_actions(view, t, p.b, p.ta);
    let pairs: Vec<(usize, usize)> = firsts
        .iter()
        .flat_map(|&f| thens.iter().map(move |&th| (f, th)))
        .collect();
    if !pairs.is_empty() && pairs.iter().all(|x| t.constraint_pairs.contains(x)) {
        return None;
    }
    for (f, th) in pairs {
        if t.constraint_pairs.insert((f, th)) {
            t.order(f, th, p.flags | CONSTRAINT);
        }
    }
    Some((firsts, thens))
}

/// A required "then" that needs a clone's stop (or demote) first needs it everywhere: the
/// clone's instances all stop (Pacemaker applies the ordering to each instance's action).
fn order_every_first_instance(view: &ClusterView, t: &mut ActionTable, p: &Pair, thens: &[usize]) {
    for q in view.primitives_of(p.a) {
        for f in t.of(q, p.fa) {
            for &th in thens {
                t.order(f, th, IMPLIES_FIRST | SUMMARY);
            }
        }
    }
}

/// An implies-then order with a group as "then" also updates each member's action of the
/// same task (Pacemaker's group update_ordered_actions): a required first forces the
/// members' too. So does one with a bundle as "then", for each replica's container (not
/// its clone's instances), when that container's action can run, and one with a clone
/// (not interleaved), for each instance (also for runnability: an instance that cannot
/// start names the first as the reason).
fn order_every_then_member(view: &ClusterView, t: &mut ActionTable, p: &Pair, firsts: &[usize]) {
    let (b, ta) = (p.b, p.ta);
    let rb = &view.resources[b];
    let bundle = view.bundles.iter().find(|x| x.rsc == b);
    if let Some(bundle) = bundle {
        for rep in &bundle.replicas {
            for th in t.of(rep.container, ta) {
                if !t.list[th].runnable {
                    continue;
                }
                for &f in firsts {
                    t.order(f, th, IMPLIES_THEN | SUMMARY);
                }
            }
        }
    }
    if rb.kind == Kind::Clone && bundle.is_none() {
        for q in view.primitives_of(b) {
            for th in t.of(q, ta) {
                for &f in firsts {
                    t.order(f, th, IMPLIES_THEN | (p.flags & RUNNABLE_LEFT) | SUMMARY);
                }
            }
        }
    }
    if rb.kind == Kind::Group {
        for &m in &rb.children {
            for th in t.of(m, ta) {
                for &f in firsts {
                    t.order(f, th, IMPLIES_THEN | SUMMARY);
                }
            }
        }
    }
}

/// Tasks that make a resource lose `role`, and that make it gain `role`.
fn lose_tasks(role: Option<Role>) -> &'static [&'static str] {
    match role {
        Some(Role::Promoted) => &["demote"],
        Some(Role::Unpromoted) => &["stop", "promote"],
        _ => &["stop"],
    }
}

fn gain_tasks(role: Option<Role>) -> &'static [&'static str] {
    match role {
        Some(Role::Promoted) => &["promote"],
        Some(Role::Unpromoted) => &["start", "demote"],
        _ => &["start"],
    }
}

/// Mandatory anti-colocations: whatever vacates a node goes before whatever takes it.
fn anti_colocation_orderings(
    view: &ClusterView,
    cons: &Constraints,
    asg: &Assignment,
    t: &mut ActionTable,
) {
    for c in &cons.colocations {
        if !c.score.is_minus_infinite() {
            continue;
        }
        for (a, ar, b, br) in [
            (c.dependent, c.dependent_role, c.primary, c.primary_role),
            (c.primary, c.primary_role, c.dependent, c.dependent_role),
        ] {
            for fa in lose_tasks(ar) {
                for ta in gain_tasks(br) {
                    order_pair(view, asg, t, a, fa, b, ta, SAME_NODE);
                }
            }
        }
    }
}

/// An instance's actions that a clone-min (or require-all=false) ordering counts. Pacemaker
/// names every instance's start there, creating it (unrunnable, on no node) for an instance
/// that will not start, before the instance's own stop -> start ordering is applied: so an
/// instance that stops makes that start required, and a required instance start puts the
/// clone's start and running pseudo actions in the graph.
fn instance_starts_for_clone_min(
    view: &ClusterView,
    t: &mut ActionTable,
    clone: RscIdx,
    inst: RscIdx,
    task: &str,
) -> Vec<usize> {
    let found = first_actions(view, t, inst, task);
    if task != "start" || view.resources[inst].kind != Kind::Primitive {
        return found;
    }
    if !found.is_empty() {
        for &s in &found {
            if t.list[s].node.is_none() {
                for stop in t.of(inst, "stop") {
                    t.order(stop, s, IMPLIES_THEN);
                }
            }
        }
        return found;
    }
    let s = t.unrunnable_start(inst, &view.resources[inst].id);
    for stop in t.of(inst, "stop") {
        t.order(stop, s, IMPLIES_THEN);
    }
    let id = &view.resources[clone].id;
    if let Some(clone_start) = t.find(Some(clone), &super::op_key(id, "start", 0), None) {
        t.order(clone_start, s, IMPLIES_FIRST | RUNNABLE_LEFT);
    }
    if let Some(running) = t.find(Some(clone), &super::op_key(id, "running", 0), None) {
        t.order(s, running, IMPLIES_THEN | SUMMARISES);
    }
    vec![s]
}

/// Adds all `rsc_order` orderings.
pub fn orderings(view: &ClusterView, cons: &Constraints, asg: &Assignment, t: &mut ActionTable) {
    inhibit_unpartnered(view, cons, asg, t);
    anti_colocation_orderings(view, cons, asg, t);
    for o in &cons.orders {
        start_before_leaving(view, asg, t, o);
        if let Some((key, min)) = one_or_more_point(view, o) {
            order_through_one_or_more(view, asg, t, o, key, min);
        } else {
            let (fwd, inv) = order_flags(view, o);
            order_pair(
                view,
                asg,
                t,
                o.first,
                &o.first_action,
                o.then,
                &o.then_action,
                fwd,
            );
            order_inverse(view, asg, t, o, inv);
        }
    }
}

/// A primitive going down for good still has a start when it is ordered first by it
/// (Pacemaker creates the action for the ordering), which its stop requires. (Modelled
/// for plain symmetrical mandatory orderings only.)
fn start_before_leaving(view: &ClusterView, asg: &Assignment, t: &mut ActionTable, o: &Order) {
    if o.first_action == "start"
        && o.kind == OrderKind::Mandatory
        && o.symmetrical
        && o.one_or_more.is_none()
        && view.resources[o.first].kind == Kind::Primitive
        && asg.node[o.first].is_none()
    {
        for stop in t.of(o.first, "stop") {
            for start in t.of(o.first, "start") {
                t.order(stop, start, IMPLIES_THEN);
            }
        }
    }
}

/// The flags of an ordering and of its inverse, by its kind.
fn order_flags(view: &ClusterView, o: &Order) -> (u32, u32) {
    match o.kind {
        OrderKind::Mandatory if !o.symmetrical => (ASYMMETRIC, OPTIONAL),
        OrderKind::Mandatory => {
            // "Then" cannot happen if "first" cannot.
            let fwd = IMPLIES_THEN | RUNNABLE_LEFT;
            // A "then" that cannot stop blocks stopping what it depends on.
            let inv = IMPLIES_FIRST | RUNNABLE_LEFT;
            (fwd, inv)
        }
        // The deprecated restart-type=restart on "then": it restarts with "first".
        _ if view.resources[o.then]
            .meta("restart-type")
            .is_some_and(|v| v.eq_ignore_ascii_case("restart")) =>
        {
            (IMPLIES_THEN, IMPLIES_FIRST)
        }
        _ => (OPTIONAL, OPTIONAL),
    }
}

/// A symmetrical ordering also orders the inverse tasks the other way round.
fn order_inverse(view: &ClusterView, asg: &Assignment, t: &mut ActionTable, o: &Order, inv: u32) {
    if !o.symmetrical {
        return;
    }
    if let (Some(it), Some(ifa)) = (inverse(&o.then_action), inverse(&o.first_action)) {
        order_pair(view, asg, t, o.then, it, o.first, ifa, inv);
    }
}

/// The one-or-more pseudo action an ordering goes through, with how many firsts it needs:
/// for an ordering set with require-all=false, or a mandatory start of a clone with
/// clone-min (or require-all=false).
fn one_or_more_point(view: &ClusterView, o: &Order) -> Option<(String, usize)> {
    let clone_min = view.resources[o.first]
        .clone
        .as_ref()
        .map(|c| c.min)
        .unwrap_or(0);
    match (&o.one_or_more, clone_min) {
        (Some(set), _) => Some((format!("one-or-more:{set}"), 1)),
        (None, m)
            if (m > 0 || (!o.require_all && view.resources[o.first].kind == Kind::Clone))
                && o.kind == OrderKind::Mandatory
                && o.first_action == "start" =>
        {
            Some((format!("clone-one-or-more:{}", o.id), m.max(1)))
        }
        _ => None,
    }
}

/// "Then" may proceed once enough of the firsts have (instances for clone-min), through
/// the one-or-more pseudo action `key`.
fn order_through_one_or_more(
    view: &ClusterView,
    asg: &Assignment,
    t: &mut ActionTable,
    o: &Order,
    key: String,
    min: usize,
) {
    let p = t.get(
        None,
        "one-or-more",
        key,
        0,
        None,
        graph::ActionKind::PseudoEvent,
    );
    t.list[p].min_runnable = min;
    let firsts: Vec<usize> = if o.one_or_more.is_none() {
        let children = view.resources[o.first].children.clone();
        children
            .into_iter()
            .flat_map(|i| instance_starts_for_clone_min(view, t, o.first, i, &o.first_action))
            .collect()
    } else {
        first_actions(view, t, o.first, &o.first_action)
    };
    for f in firsts {
        t.order(f, p, ONE_OR_MORE | IMPLIES_THEN_PRINTED);
    }
    for th in then_actions(view, t, o.then, &o.then_action) {
        t.order(p, th, IMPLIES_THEN | RUNNABLE_LEFT);
    }
    // A clone as "then" has the ordering applied to each instance too (so an
    // instance that cannot start says it is for want of this pseudo action).
    let then_bundle = view.bundles.iter().any(|x| x.rsc == o.then);
    if view.resources[o.then].kind == Kind::Clone && !then_bundle {
        for inst in view.primitives_of(o.then) {
            for th in t.of(inst, &o.then_action) {
                t.order(p, th, RUNNABLE_LEFT | SUMMARY);
            }
        }
    }
    order_inverse(view, asg, t, o, IMPLIES_FIRST);
}
