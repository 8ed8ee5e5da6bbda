//! A mandatory colocation fails when its primary cannot reach the colocated role: if no part
//! of the primary can start, the dependent's starts cannot happen either (Pacemaker's blocking
//! of colocation dependents; a dependent that runs is then stopped).
//! Only top-level primitives and clones block this way: a group hands its colocations to its
//! members when it is assigned.

use super::ActionTable;
use crate::constraints::Constraints;
use crate::unpack::{ClusterView, Kind, Role, RscIdx};
use vocab::score::Score;

/// Marks the blocked dependents' actions unrunnable; true if anything changed (the caller
/// propagates again, and calls this again, until nothing does).
pub fn block_dependents(view: &ClusterView, cons: &Constraints, t: &mut ActionTable) -> bool {
    let mut changed = false;
    for c in &cons.colocations {
        // (Other role-limited colocations are left alone: how Pacemaker blocks a dependent
        // running in any role with a primary's promoted role is not modelled yet.)
        let promoted_dependent = c.dependent_role == Some(Role::Promoted);
        if c.score < Score::INFINITY
            || (!promoted_dependent && (c.primary_role.is_some() || c.dependent_role.is_some()))
        {
            continue;
        }
        let primary = c.primary;
        if view.resources[primary].parent.is_some() || view.resources[primary].kind == Kind::Group {
            continue;
        }
        // The dependent cannot reach its colocated role: promoted, or else running.
        let task = if promoted_dependent {
            "promote"
        } else {
            "start"
        };
        // A primary that cannot start blocks whatever its role; one that cannot be promoted
        // blocks only a colocation with its promoted role.
        if fails(view, t, primary, "start")
            || (c.primary_role == Some(Role::Promoted) && fails(view, t, primary, "promote"))
        {
            changed |= block(view, t, c.dependent, task, primary);
        }
    }
    changed
}

/// Whether `r` fails to perform `task`: some part has it scheduled (on a node) and none can
/// run it. A part that is not placed anywhere has no such action, and then nothing fails,
/// unless a stand-alone primitive is the first of an `rsc_order` for that task: Pacemaker
/// then creates the action (placed nowhere, so unrunnable) before it blocks dependents.
/// A bundle's parts count even so: Pacemaker orders each replica's parts by their own
/// actions, which then exist without a node and cannot run.
fn fails(view: &ClusterView, t: &ActionTable, r: RscIdx, task: &str) -> bool {
    if view.resources[r].kind == Kind::Primitive
        && t.of(r, task).iter().all(|&a| t.list[a].node.is_none())
        && t.rsc_orders.iter().any(|o| o.0 == r && o.1 == task)
    {
        return true;
    }
    let bundle = view.bundles.iter().any(|b| b.rsc == r);
    let parts: Vec<RscIdx> = match view.resources[r].kind {
        Kind::Clone => view.resources[r].children.clone(),
        _ => vec![r],
    };
    !parts.is_empty()
        && parts.iter().all(|&p| {
            let actions: Vec<usize> = view
                .primitives_of(p)
                .iter()
                .flat_map(|&x| t.of(x, task))
                .filter(|&a| bundle || t.list[a].node.is_some())
                .collect();
            !actions.is_empty() && actions.iter().all(|&a| !t.list[a].runnable)
        })
}

/// The resource a block names: Pacemaker names the resource of the unrunnable start that
/// set it off, which for a bundle is its first replica part (IP, container, connection)
/// that cannot start, since it creates those actions before the bundle's own.
fn blocker(view: &ClusterView, t: &ActionTable, primary: RscIdx) -> RscIdx {
    let Some(b) = view.bundles.iter().find(|b| b.rsc == primary) else {
        return primary;
    };
    b.replicas
        .iter()
        .flat_map(|r| r.ip.into_iter().chain([r.container]).chain(r.remote))
        .find(|&p| t.of(p, "start").iter().any(|&a| !t.list[a].runnable))
        .unwrap_or(primary)
}

/// What a block of `r` reaches besides `r`: its children, and for a bundle also the clone
/// of its wrapped primitive (a child of the bundle in Pacemaker).
fn under(view: &ClusterView, r: RscIdx) -> impl Iterator<Item = RscIdx> + '_ {
    let wrapped = view
        .bundles
        .iter()
        .find(|b| b.rsc == r)
        .and_then(|b| b.child);
    view.resources[r].children.iter().copied().chain(wrapped)
}

/// Makes every runnable `task` of `r` and what is under it unrunnable.
fn block(view: &ClusterView, t: &mut ActionTable, r: RscIdx, task: &str, why: RscIdx) -> bool {
    let mut changed = false;
    let mut stack = vec![r];
    let pid = &view.resources[why].id;
    let colocation = format!(
        "colocation with {}",
        view.resources[blocker(view, t, why)].id
    );
    // (Pacemaker blocks the dependents as soon as the primary's start cannot run, before it
    // updates what is ordered after that start: a reason an ordering from the primary gave
    // gives way, unless the primary was required before it could not run, which a primary
    // made required and unrunnable in one step, by a required first, was not.)
    let names_primary = |reason: &str, verb: &str| {
        reason
            .strip_prefix(verb)
            .and_then(|x| x.strip_prefix(pid.as_str()))
            .is_some_and(|x| x.starts_with(' '))
    };
    let required_at_once = ["start", "running"].iter().any(|task| {
        t.of(why, task).iter().any(|&a| {
            t.list[a]
                .reason
                .as_deref()
                .is_some_and(|w| w.starts_with("required "))
        })
    });
    let from_primary = |reason: &str| {
        names_primary(reason, "unrunnable ")
            || (required_at_once && names_primary(reason, "required "))
    };
    while let Some(x) = stack.pop() {
        for a in t.of(x, task) {
            if !t.list[a].runnable && t.list[a].reason.as_deref().is_some_and(from_primary) {
                t.list[a].reason = Some(colocation.clone());
                t.ordering_reasons.remove(&a);
            }
            if t.list[a].runnable {
                t.list[a].runnable = false;
                // (What runs of the dependent stops: it cannot stay without its primary.)
                t.list[a].blocked_by_active = false;
                if t.list[a].reason.is_none() {
                    t.list[a].reason = Some(colocation.clone());
                }
                changed = true;
            }
        }
        stack.extend(under(view, x));
    }
    changed
}
