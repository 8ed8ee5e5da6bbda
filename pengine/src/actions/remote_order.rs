//! Orderings between the actions on a Pacemaker Remote node and its connection: nothing
//! runs there before the connection is up, and what must stop there stops before the
//! connection goes down (Pacemaker's `pcmk__order_remote_connection_actions`).

use super::{flags::*, ActionTable};
use crate::remote::ConnectionState;
use crate::unpack::{ClusterView, RscIdx};
use graph::ActionKind;

/// The kind of task, as Pacemaker groups them for remote ordering.
#[derive(PartialEq)]
enum Task {
    Up,
    Down,
    Demote,
    Other,
}

fn task_of(task: &str) -> Task {
    match task {
        "start" | "promote" => Task::Up,
        "stop" | "migrate_to" | "migrate_from" => Task::Down,
        "demote" => Task::Demote,
        _ => Task::Other,
    }
}

/// Connection start(s) before action `i`. A connection with no start (it is placed
/// nowhere) gets an unrunnable one, as Pacemaker creates the missing first action of an
/// ordering: what needs the connection up cannot run.
fn after_start(view: &ClusterView, t: &mut ActionTable, c: RscIdx, i: usize, extra: u32) {
    let mut starts = t.of(c, "start");
    if starts.is_empty() {
        starts.push(t.unrunnable_start(c, &view.resources[c].id));
    }
    for s in starts {
        t.order(s, i, RUNNABLE_LEFT | AFTER_RESTART | extra);
    }
}

/// Action `i` before the connection stop(s).
fn before_stop(t: &mut ActionTable, c: RscIdx, i: usize, extra: u32) {
    for s in t.of(c, "stop") {
        t.order(i, s, extra);
    }
}

/// An action on a guest node: up-actions wait for the container (and are redone when it
/// restarts) and the connection; down-actions precede the connection's stop, unless the
/// container failed (then they are implied by its recovery).
fn guest_ordering(view: &ClusterView, t: &mut ActionTable, i: usize, c: RscIdx, k: RscIdx) {
    let a = &t.list[i];
    let recurring = a.interval_ms > 0;
    let a_task = a.task.clone();
    match task_of(&a_task) {
        // (The container's ordering is weighed first, as Pacemaker creates it first: an
        // action both block is unrunnable because of the container.)
        Task::Up => {
            after_start(view, t, k, i, IMPLIES_THEN);
            after_start(view, t, c, i, OPTIONAL);
        }
        Task::Down | Task::Demote => {
            let container_failed = view.resources[k].node_state.values().any(|s| s.failed);
            if !container_failed {
                before_stop(t, c, i, OPTIONAL);
            }
        }
        // (A cancellation is no task Pacemaker knows here: it waits for nothing.)
        Task::Other if recurring && a_task == "cancel" => {}
        Task::Other if recurring => after_start(view, t, c, i, IMPLIES_THEN),
        Task::Other => after_start(view, t, c, i, OPTIONAL),
    }
}

/// Orders every resource action on a remote node relative to that node's connection.
pub fn order(view: &ClusterView, t: &mut ActionTable) {
    for i in 0..t.list.len() {
        let a = &t.list[i];
        let Some(r) = a.rsc else { continue };
        if view.resources[r].is_connection() && a.task == "clear_failcount" {
            clear_before_reconnect(view, t, i, r);
            continue;
        }
        let Some(n) = a.node else { continue };
        let node = &view.nodes[n];
        let Some(link) = &node.remote else { continue };
        let Some(c) = link.connection else { continue };
        // Pseudo actions are skipped, except those a fencing of the node implies.
        if a.kind == ActionKind::PseudoEvent && !node.unclean {
            continue;
        }
        // A resource moving onto the remote node leaves its old node only once the
        // connection is up, so a failed connection leaves it where it was.
        if a.task == "start" {
            for s in t.of(r, "stop") {
                if t.list[s].node != Some(n) {
                    for cs in t.of(c, "start") {
                        t.order(cs, s, OPTIONAL);
                    }
                }
            }
        }
        if let Some(k) = link.container {
            guest_ordering(view, t, i, c, k);
            continue;
        }
        let state = link.state.unwrap_or(ConnectionState::Alive);
        order_by_connection_state(view, t, i, c, state);
    }
}

/// A connection's fail count (`clear` of connection `r`) is cleared before it starts again;
/// with a reconnect interval, also only after any fencing of its node (Pacemaker's
/// order_after_remote_fencing).
fn clear_before_reconnect(view: &ClusterView, t: &mut ActionTable, clear: usize, r: RscIdx) {
    for s in t.of(r, "start") {
        t.order(clear, s, OPTIONAL);
    }
    let reconnects = crate::unpack::remote::reconnect_interval_ms(&view.resources[r]) > 0;
    if view.config.stonith_enabled && reconnects {
        for f in fencing_of_connection_node(view, t, r) {
            t.order(f, clear, IMPLIES_THEN);
        }
    }
}

/// Action `i` on a remote node (not a guest) against its connection `c` in `state`: what
/// starts there waits for the connection, what stops there goes before the connection
/// stops (or, when it comes back, after it starts).
fn order_by_connection_state(
    view: &ClusterView,
    t: &mut ActionTable,
    i: usize,
    c: RscIdx,
    state: ConnectionState,
) {
    let recurring = t.list[i].interval_ms > 0;
    let next_stopped = matches!(state, ConnectionState::Stopped | ConnectionState::Failed)
        || t.of(c, "start").iter().all(|&s| !t.list[s].runnable);
    let task = task_of(&t.list[i].task);
    match task {
        Task::Up => {
            let extra = if state == ConnectionState::Failed {
                IMPLIES_THEN
            } else {
                OPTIONAL
            };
            after_start(view, t, c, i, extra);
        }
        // (Pacemaker orders these stops before the connection's stop with "implies
        // first", which changes nothing for a primitive's action: a resource that stays
        // on a remote node whose connection moves or migrates is not stopped.)
        Task::Down => match state {
            ConnectionState::Alive => before_stop(t, c, i, OPTIONAL),
            // Implied by fencing the node.
            ConnectionState::Failed => {}
            _ if next_stopped => before_stop(t, c, i, OPTIONAL),
            _ => after_start(view, t, c, i, OPTIONAL),
        },
        Task::Demote => {
            if matches!(state, ConnectionState::Resting | ConnectionState::Unknown) {
                after_start(view, t, c, i, OPTIONAL);
            }
        }
        // (A connection that migrates does not restart what runs behind it.)
        Task::Other if recurring => {
            let migrating = !t.of(c, "migrate_from").is_empty();
            after_start(
                view,
                t,
                c,
                i,
                if migrating { OPTIONAL } else { IMPLIES_THEN },
            );
        }
        Task::Other => {
            let up_now = !view.resources[c].running_nodes().is_empty();
            if up_now && state == ConnectionState::Stopped {
                before_stop(t, c, i, RUNNABLE_LEFT);
            } else {
                after_start(view, t, c, i, OPTIONAL);
            }
        }
    }
}

/// The fencing actions of the remote node that connection `c` connects.
fn fencing_of_connection_node(view: &ClusterView, t: &ActionTable, c: RscIdx) -> Vec<usize> {
    let Some(n) = view.nodes.iter().position(|node| {
        node.remote
            .as_ref()
            .is_some_and(|l| l.connection == Some(c))
    }) else {
        return Vec::new();
    };
    (0..t.list.len())
        .filter(|&f| {
            let a = &t.list[f];
            let unfencing = a.meta.get("CRM_meta_stonith_action").map(String::as_str) == Some("on");
            a.task == "stonith" && a.node == Some(n) && !unfencing
        })
        .collect()
}
