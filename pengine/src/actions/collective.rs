//! Pseudo actions and internal orderings of groups and clones.

use super::{completed_task, flags::*, op_key, ActionTable};
use crate::assign::Assignment;
use crate::unpack::{ClusterView, Kind, RscIdx};
use graph::ActionKind;

fn pseudo(t: &mut ActionTable, r: RscIdx, id: &str, task: &str) -> usize {
    t.get(
        Some(r),
        task,
        op_key(id, task, 0),
        0,
        None,
        ActionKind::PseudoEvent,
    )
}

/// Actions of a child for `task`, as seen by its parent: for a collective child, its
/// pseudo action for `task`.
fn child_actions(t: &ActionTable, child: RscIdx, task: &str) -> Vec<usize> {
    t.of(child, task)
}

/// A collective's pseudo actions for starting and stopping, and their completions.
#[derive(Clone, Copy)]
struct Points {
    start: usize,
    running: usize,
    stop: usize,
    stopped: usize,
}

/// A promotable clone's pseudo actions for promoting and demoting, and their completions.
#[derive(Clone, Copy)]
struct PromotionPoints {
    promote: usize,
    promoted: usize,
    demote: usize,
    demoted: usize,
}

/// Creates a group's or clone's pseudo actions and internal orderings.
pub fn create(view: &ClusterView, asg: &Assignment, r: RscIdx, t: &mut ActionTable) {
    let rsc = &view.resources[r];
    let p = create_points(view, asg, r, t);
    match rsc.kind {
        Kind::Group => {
            let ordered = rsc.meta_flag("ordered", true);
            order_group_members(t, r, &rsc.children, ordered, p);
            if in_promotable_clone(view, r) {
                group_promotion(t, r, &rsc.id, &rsc.children, ordered);
            }
        }
        Kind::Clone => {
            let cfg = rsc.clone.clone().unwrap_or_default();
            let mut prev: Option<RscIdx> = None;
            for &c in &rsc.children {
                order_clone_instance(view, t, r, c, prev.filter(|_| cfg.ordered), p);
                prev = Some(c);
            }
            if cfg.ordered {
                chain_required_instances(view, t, &rsc.children);
            }
            if cfg.promotable {
                let q = create_promotion_points(t, r, &rsc.id, p);
                for &c in &rsc.children {
                    order_instance_promotion(view, t, c, q);
                }
            }
        }
        Kind::Primitive => {}
    }
}

/// The start, running, stop and stopped points, and the orderings among them.
fn create_points(view: &ClusterView, asg: &Assignment, r: RscIdx, t: &mut ActionTable) -> Points {
    let rsc = &view.resources[r];
    let id = rsc.id.clone();
    let start = pseudo(t, r, &id, "start");
    let running = pseudo(t, r, &id, "running");
    let stop = pseudo(t, r, &id, "stop");
    let stopped = pseudo(t, r, &id, "stopped");
    // A clone's (or bundle's) completion points go first among the ready synapses.
    let bundle = view.bundles.iter().any(|b| b.rsc == r);
    if rsc.kind == Kind::Clone || bundle {
        for i in [running, stopped] {
            t.list[i].priority = vocab::score::INFINITY;
        }
    }
    if rsc.kind == Kind::Group {
        // A group's start stays runnable even where no member can start (Pacemaker's group
        // pseudo actions are created runnable): orderings into it still need it.
        t.list[start].ordering_node = asg.node[r];
        t.order(stopped, start, OPTIONAL);
    } else if !bundle {
        t.order(stopped, start, OPTIONAL);
    }
    // (A bundle's start and stop lead to running and stopped only through its members.)
    if !bundle {
        t.order(stop, stopped, RUNNABLE_LEFT);
        t.order(start, running, RUNNABLE_LEFT);
    }
    Points {
        start,
        running,
        stop,
        stopped,
    }
}

/// A group's members start within its start and running points and stop within its stop
/// and stopped points; an ordered group's members start one after another and stop in
/// reverse.
fn order_group_members(
    t: &mut ActionTable,
    r: RscIdx,
    members: &[RscIdx],
    ordered: bool,
    p: Points,
) {
    // An unordered group's members start and stop independently of each other.
    // (Pacemaker also orders an unordered group's start before each member's with
    // implies-then, but drops that ordering as a duplicate: it shares a flag with
    // the group start -> member start ordering made first. So a member starting
    // never restarts the others.)
    let start_flags = IMPLIES_FIRST | RUNNABLE_LEFT;
    let mut prev: Option<RscIdx> = None;
    let mut prev_stopping: Option<RscIdx> = None;
    for &m in members {
        for s in t.of(m, "start") {
            t.order(p.start, s, start_flags);
            // (Printed even when a migration's start implies nothing.)
            t.order(
                s,
                p.running,
                IMPLIES_THEN | RUNNABLE_LEFT | IMPLIES_THEN_PRINTED,
            );
        }
        for s in t.of(m, "stop") {
            t.order(p.stop, s, IMPLIES_FIRST);
        }
        t.order_rsc(
            m,
            "stop",
            r,
            "stopped",
            IMPLIES_THEN | RUNNABLE_LEFT | IMPLIES_THEN_PRINTED,
        );
        if !ordered {
            continue;
        }
        if let Some(before) = prev {
            t.order_rsc(before, "start", m, "start", IMPLIES_THEN | RUNNABLE_LEFT);
            t.order_rsc(m, "stop", before, "stop", IMPLIES_FIRST | STOP_CHAIN);
            // A member with nothing to stop does not break the stop chain.
            if t.of(before, "stop").is_empty() {
                if let Some(q) = prev_stopping {
                    for s in t.of(m, "stop") {
                        for qs in t.of(q, "stop") {
                            t.order(s, qs, IMPLIES_FIRST);
                        }
                    }
                }
            }
        }
        if !t.of(m, "stop").is_empty() {
            prev_stopping = Some(m);
        }
        prev = Some(m);
    }
}

/// Clone instance `c` starts within the clone's start and running points and stops within
/// its stop and stopped points; in an ordered clone (`prev`: the instance before it) after
/// the previous instance has started, and before it stops.
fn order_clone_instance(
    view: &ClusterView,
    t: &mut ActionTable,
    r: RscIdx,
    c: RscIdx,
    prev: Option<RscIdx>,
    p: Points,
) {
    let collective = view.resources[c].kind != Kind::Primitive;
    for s in child_actions(t, c, "start") {
        // Only an instance start required and able to run when it was created
        // counts as the clone starting (Pacemaker decides that when it creates the
        // clone's actions); any other only shows the clone's start.
        let implies = if !t.list[s].optional && t.list[s].runnable {
            IMPLIES_FIRST
        } else {
            IMPLIES_FIRST_PRINTED
        };
        t.order(p.start, s, implies | RUNNABLE_LEFT);
        // The clone can start only if some instance can.
        t.order(s, p.start, ONE_OR_MORE | SUMMARY);
    }
    t.list[p.start].min_runnable = 1;
    // The clone is running only if some instance's start (or running point) can
    // run (Pacemaker's summary of its instances' flags).
    for s in child_actions(t, c, if collective { "running" } else { "start" }) {
        t.order(
            s,
            p.running,
            IMPLIES_THEN | SUMMARISES | ONE_OR_MORE | IMPLIES_THEN_PRINTED,
        );
        t.list[p.running].min_runnable = 1;
    }
    for s in child_actions(t, c, "stop") {
        t.order(p.stop, s, IMPLIES_FIRST);
    }
    t.order_rsc(
        c,
        if collective { "stopped" } else { "stop" },
        r,
        "stopped",
        IMPLIES_THEN,
    );
    if let Some(before) = prev {
        let first = if collective {
            completed_task("start")
        } else {
            "start"
        };
        t.order_rsc(before, first, c, "start", OPTIONAL);
        t.order_rsc(c, "stop", before, "stop", OPTIONAL);
    }
}

/// A promotable clone's promote, promoted, demote and demoted points, ordered among
/// themselves and against its start and stop points (demote before stop, promote after
/// running).
fn create_promotion_points(t: &mut ActionTable, r: RscIdx, id: &str, p: Points) -> PromotionPoints {
    let promote = pseudo(t, r, id, "promote");
    let promoted = pseudo(t, r, id, "promoted");
    let demote = pseudo(t, r, id, "demote");
    let demoted = pseudo(t, r, id, "demoted");
    for i in [promoted, demoted] {
        t.list[i].priority = vocab::score::INFINITY;
    }
    t.order(demote, demoted, RUNNABLE_LEFT);
    // (A clone whose promotion is blocked has no promoted point either.)
    t.order(promote, promoted, RUNNABLE_LEFT | SUMMARY);
    // Promoted (demoted) only if some instance's promote (demote) can run (none at
    // all: unrunnable, as Pacemaker's summary of its instances' flags).
    t.list[promote].min_runnable = 1;
    t.list[demote].min_runnable = 1;
    t.order(p.running, promote, OPTIONAL | RUNNABLE_LEFT);
    t.order(demoted, p.start, OPTIONAL);
    t.order(demoted, p.stop, OPTIONAL);
    t.order(p.stopped, promote, OPTIONAL);
    t.order(demoted, promote, OPTIONAL);
    PromotionPoints {
        promote,
        promoted,
        demote,
        demoted,
    }
}

/// Instance `c`'s promotions and demotions happen within the clone's promotion points.
fn order_instance_promotion(
    view: &ClusterView,
    t: &mut ActionTable,
    c: RscIdx,
    q: PromotionPoints,
) {
    for p in view.primitives_of(c) {
        for a in t.of(p, "promote") {
            t.order(a, q.promote, ONE_OR_MORE | SUMMARY);
        }
        for a in t.of(p, "demote") {
            t.order(a, q.demote, ONE_OR_MORE | SUMMARY);
        }
    }
    // A group instance is promoted and demoted through its own pseudo actions.
    // (`task` for a primitive; `group_task` for a group instance.)
    let instance_actions = |t: &ActionTable, task: &str, group_task: &str| {
        if view.resources[c].kind == Kind::Group {
            t.of(c, group_task)
        } else {
            view.primitives_of(c)
                .into_iter()
                .flat_map(|p| t.of(p, task))
                .collect()
        }
    };
    for a in instance_actions(t, "promote", "promote") {
        t.order(q.promote, a, IMPLIES_FIRST | RUNNABLE_LEFT);
    }
    for a in instance_actions(t, "promote", "promoted") {
        t.order(a, q.promoted, IMPLIES_THEN);
    }
    for a in instance_actions(t, "demote", "demote") {
        t.order(q.demote, a, IMPLIES_FIRST);
    }
    for a in instance_actions(t, "demote", "demoted") {
        t.order(a, q.demoted, IMPLIES_THEN);
    }
}

/// An ordered clone also chains the instances that already must start (or stop), skipping
/// those that need not: Pacemaker orders each such start after the previous one's (stops in
/// reverse). Only a primitive instance with exactly one required action of the task counts
/// (a group instance's pseudo actions are still optional when this is decided).
fn chain_required_instances(view: &ClusterView, t: &mut ActionTable, children: &[RscIdx]) {
    let required_one = |t: &ActionTable, c: RscIdx, task: &str| {
        if view.resources[c].kind != Kind::Primitive {
            return None;
        }
        match t
            .of(c, task)
            .into_iter()
            .filter(|&i| !t.list[i].optional)
            .collect::<Vec<_>>()[..]
        {
            [only] => Some(only),
            _ => None,
        }
    };
    let (mut last_start, mut last_stop) = (None, None);
    for &c in children {
        if let Some(stop) = required_one(t, c, "stop") {
            if let Some(prev) = last_stop {
                t.order(stop, prev, OPTIONAL);
            }
            last_stop = Some(stop);
        }
        if let Some(start) = required_one(t, c, "start") {
            if let Some(prev) = last_start {
                t.order(prev, start, OPTIONAL);
            }
            last_start = Some(start);
        }
    }
}

/// Whether `r` is (part of) an instance of a promotable clone.
fn in_promotable_clone(view: &ClusterView, r: RscIdx) -> bool {
    view.resources[view.top_of(r)]
        .clone
        .as_ref()
        .is_some_and(|c| c.promotable)
}

/// A group instance of a promotable clone: its promote/promoted and demote/demoted pseudo
/// actions around its members' (Pacemaker's group member constraints).
fn group_promotion(t: &mut ActionTable, g: RscIdx, id: &str, members: &[RscIdx], ordered: bool) {
    let promote = pseudo(t, g, id, "promote");
    let promoted = pseudo(t, g, id, "promoted");
    let demote = pseudo(t, g, id, "demote");
    let demoted = pseudo(t, g, id, "demoted");
    // The instance is demoted before it is promoted (Pacemaker orders each instance).
    t.order(demote, promote, OPTIONAL);
    let mut prev: Option<RscIdx> = None;
    for &m in members {
        for a in t.of(m, "demote") {
            t.order(demote, a, IMPLIES_FIRST);
            t.order(a, demoted, IMPLIES_THEN);
        }
        for a in t.of(m, "promote") {
            t.order(a, promoted, RUNNABLE_LEFT | IMPLIES_THEN);
            // (As for starts, the unordered group's implies-then ordering is a dropped
            // duplicate.)
            t.order(promote, a, IMPLIES_FIRST);
        }
        if let (true, Some(p)) = (ordered, prev) {
            t.order_rsc(p, "promote", m, "promote", IMPLIES_THEN | RUNNABLE_LEFT);
            t.order_rsc(m, "demote", p, "demote", OPTIONAL);
        }
        prev = Some(m);
    }
}
