//! A bundle's own orderings: the bundle starts (stops) before its containers and the clone of
//! its primitive, and is running (stopped) once they are; each replica's IP comes up before
//! its container and goes down after it. A promotable bundle also has promote and demote
//! pseudo actions around its clone's.

use super::{flags::*, op_key, ActionTable};
use crate::unpack::ClusterView;
use graph::ActionKind;

/// Adds every bundle's orderings.
pub fn order(view: &ClusterView, t: &mut ActionTable) {
    for b in &view.bundles {
        let r = b.rsc;
        if let Some(c) = b.child {
            t.order_rsc(r, "start", c, "start", IMPLIES_FIRST);
            t.order_rsc(r, "stop", c, "stop", IMPLIES_FIRST);
            // The bundle runs as its primitive's clone does (Pacemaker sums the clone's flags
            // into the bundle's): required when it is, unrunnable when it is.
            t.order_rsc(c, "running", r, "running", IMPLIES_THEN | RUNNABLE_LEFT);
            t.order_rsc(c, "stopped", r, "stopped", IMPLIES_THEN);
            if view.resources[c]
                .clone
                .as_ref()
                .is_some_and(|cfg| cfg.promotable)
            {
                promotable(view, t, r, c);
            }
        }
        for rep in &b.replicas {
            if let Some(inst) = rep.child {
                for p in view.primitives_of(inst) {
                    t.order_rsc(r, "stop", p, "stop", IMPLIES_FIRST);
                }
            }
            if let Some(ip) = rep.ip {
                t.order_rsc(ip, "start", rep.container, "start", RUNNABLE_LEFT);
                t.order_rsc(rep.container, "stop", ip, "stop", IMPLIES_FIRST);
            }
        }
    }
}

/// Promote and demote pseudo actions of a promotable bundle, around its clone's.
fn promotable(view: &ClusterView, t: &mut ActionTable, r: usize, c: usize) {
    let id = view.resources[r].id.clone();
    for task in ["promote", "promoted", "demote", "demoted"] {
        let i = t.get(
            Some(r),
            task,
            op_key(&id, task, 0),
            0,
            None,
            ActionKind::PseudoEvent,
        );
        // (Their completion points go first among the ready synapses.)
        if task.ends_with('d') {
            t.list[i].priority = vocab::score::INFINITY;
        }
    }
    // Start and promote after everything stopped and demoted, promote after it all runs,
    // demoted after demote (Pacemaker's promotable restart ordering).
    for (first, then) in [
        ("stopped", "start"),
        ("stopped", "promote"),
        ("demoted", "stop"),
        ("demoted", "start"),
        ("demoted", "promote"),
        ("running", "promote"),
        ("demote", "demoted"),
    ] {
        t.order_rsc(r, first, r, then, OPTIONAL);
    }
    t.order_rsc(c, "demoted", r, "demoted", IMPLIES_THEN);
    t.order_rsc(r, "demote", c, "demote", IMPLIES_FIRST);
    t.order_rsc(c, "promoted", r, "promoted", IMPLIES_THEN);
    t.order_rsc(r, "promote", c, "promote", IMPLIES_FIRST);
    // The bundle's promote and promoted can run only if its clone's can (Pacemaker sums
    // the clone's flags into the bundle's).
    for task in ["promote", "promoted"] {
        for x in t.of(r, task) {
            for cp in t.of(c, task) {
                t.order(cp, x, ONE_OR_MORE | SUMMARY);
                t.list[x].min_runnable = 1;
            }
        }
    }
}
