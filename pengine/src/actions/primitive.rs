//! Actions of a primitive: stop/start/promote/demote per its current and next state,
//! recurring monitors, cancellations, and probes.

use super::{flags::*, op_key, ActionTable};
use crate::assign::Assignment;
use crate::constraints::Constraints;
use crate::unpack::{ClusterView, Kind, Role, RscIdx};
use graph::ActionKind;

fn set_op_meta(t: &mut ActionTable, i: usize, timeout_ms: u64) {
    t.list[i].meta.entry("CRM_meta_timeout".into()).or_insert_with(|| timeout_ms.to_string());
}

fn op_timeout(view: &ClusterView, r: RscIdx, name: &str, interval: u64) -> u64 {
    let rsc = &view.resources[r];
    rsc.op(name, interval).map(|o| o.timeout_ms).unwrap_or(20_000)
}

/// Creates the actions of one primitive.
pub fn create(view: &ClusterView, asg: &Assignment, r: RscIdx, t: &mut ActionTable) {
    let rsc = &view.resources[r];
    let id = rsc.key_id().to_string();
    let running = rsc.running_nodes();
    let next = asg.node[r];
    let next_role = if next.is_some() { asg.role[r] } else { Role::Stopped };
    let managed = rsc.managed() && !asg.frozen[r];
    let internal = rsc.clone_name.as_ref().map(|_| rsc.id.clone());
    let mk = |t: &mut ActionTable, task: &str, node, kind| {
        let i = t.get(Some(r), task, op_key(&id, task, 0), 0, node, kind);
        if let Some(inst) = &internal {
            t.list[i].internal_key = Some(op_key(inst, task, 0));
        }
        set_op_meta(t, i, op_timeout(view, r, task, 0));
        i
    };

    let mut stops = Vec::new();
    for &c in &running {
        let st = &rsc.node_state[&c];
        let node = &view.nodes[c];
        let fenced = node.unclean && view.config.stonith_enabled;
        let kind = if fenced { ActionKind::PseudoEvent } else { ActionKind::RscOp };
        let stop = mk(t, "stop", Some(c), kind);
        let need = next != Some(c) || st.failed || running.len() > 1 || next_role == Role::Stopped;
        let node_managed = !node.maintenance;
        if !managed || !node_managed || (node.unclean && !view.config.stonith_enabled) {
            t.list[stop].runnable = false;
        } else if need {
            t.require(stop);
        }
        stops.push(stop);
        if st.role == Role::Promoted {
            let demote = mk(t, "demote", Some(c), kind);
            if !managed || !node_managed {
                t.list[demote].runnable = false;
            } else if need || next_role != Role::Promoted {
                t.require(demote);
            }
            t.order(demote, stop, IMPLIES_FIRST);
        }
    }

    let start = mk(t, "start", next, ActionKind::RscOp);
    match next {
        None => t.list[start].runnable = false,
        Some(n) => {
            let stays = running.len() == 1 && running[0] == n && !rsc.node_state[&n].failed;
            if !managed {
                if !stays {
                    t.list[start].runnable = false;
                }
            } else if !stays {
                t.require(start);
            }
        }
    }
    if next.is_some() {
        for &s in &stops {
            t.order(s, start, IMPLIES_THEN);
        }
    }

    let mut promote = None;
    if let Some(n) = next {
        if next_role == Role::Promoted {
            let p = mk(t, "promote", Some(n), ActionKind::RscOp);
            let already = running.len() == 1 && running[0] == n && rsc.node_state[&n].role == Role::Promoted && !rsc.node_state[&n].failed;
            if !already && managed {
                t.require(p);
            }
            t.order(start, p, IMPLIES_THEN | RUNNABLE_LEFT);
            for &s in &stops {
                t.order(s, p, OPTIONAL);
            }
            promote = Some(p);
        }
    }
    let demote_here = next.and_then(|n| t.of(r, "demote").into_iter().find(|&d| t.list[d].node == Some(n)));
    if let (Some(p), Some(d)) = (promote, demote_here) {
        t.order(d, p, OPTIONAL);
    }

    // Recurring monitors for the next role.
    let Some(n) = next else { return };
    if !managed {
        return;
    }
    let stays = running.len() == 1 && running[0] == n;
    let history = rsc.node_state.get(&n);
    let active: Vec<(String, u64)> = history.map(|h| h.active_recurring().into_iter().map(|(a, b)| (a.to_string(), b)).collect()).unwrap_or_default();
    let role_changes = stays && history.is_some_and(|h| h.role != next_role && !(h.role == Role::Started && next_role == Role::Unpromoted) && !(h.role == Role::Unpromoted && next_role == Role::Started));
    for op in &rsc.ops {
        if op.interval_ms == 0 || !op.enabled {
            continue;
        }
        if op.role == Some(Role::Stopped) {
            continue;
        }
        let matches_role = match op.role {
            None => true,
            Some(Role::Started) => next_role == Role::Started || next_role == Role::Unpromoted,
            Some(x) => x == next_role || (x == Role::Unpromoted && next_role == Role::Started),
        };
        let key = op_key(&id, &op.name, op.interval_ms);
        if !matches_role {
            // A monitor for the old role keeps running unless cancelled.
            if stays && active.iter().any(|(a, b)| *a == op.name && *b == op.interval_ms) {
                let c = t.get(Some(r), "cancel", key.clone(), op.interval_ms, Some(n), ActionKind::RscOp);
                t.list[c].meta.insert("CRM_meta_operation".into(), op.name.clone());
                t.require(c);
                if let Some(d) = demote_here {
                    t.order(c, d, OPTIONAL);
                }
                if let Some(p) = promote {
                    t.order(c, p, OPTIONAL);
                }
            }
            continue;
        }
        let mon = t.get(Some(r), &op.name, key, op.interval_ms, Some(n), ActionKind::RscOp);
        if let Some(inst) = &internal {
            t.list[mon].internal_key = Some(op_key(inst, &op.name, op.interval_ms));
        }
        t.list[mon].meta.insert("CRM_meta_interval".into(), op.interval_ms.to_string());
        set_op_meta(t, mon, op.timeout_ms);
        let exists = stays && active.iter().any(|(a, b)| *a == op.name && *b == op.interval_ms);
        if !exists || role_changes {
            t.require(mon);
        }
        t.order(start, mon, IMPLIES_THEN | RUNNABLE_LEFT);
        if let Some(p) = promote {
            t.order(p, mon, IMPLIES_THEN | RUNNABLE_LEFT);
        }
        if let Some(d) = demote_here {
            if next_role != Role::Promoted {
                t.order(d, mon, IMPLIES_THEN | RUNNABLE_LEFT);
            }
        }
    }
}

fn discovery_never(cons: &Constraints, view: &ClusterView, r: RscIdx, n: usize) -> bool {
    let mut x = Some(r);
    while let Some(i) = x {
        if cons.discovery.iter().any(|(rr, nn, mode)| *rr == i && *nn == n && mode == "never") {
            return true;
        }
        x = view.resources[i].parent;
    }
    false
}

/// Probes (`monitor_0`) wherever a resource's state on an online node is unknown.
pub fn probes(view: &ClusterView, cons: &Constraints, asg: &Assignment, t: &mut ActionTable) {
    if !view.config.enable_probes {
        return;
    }
    for (r, rsc) in view.resources.iter().enumerate() {
        if rsc.kind != Kind::Primitive || rsc.orphan {
            continue;
        }
        let top = view.top_of(r);
        let anon_clone = view.resources[top].clone.as_ref().is_some_and(|c| !c.unique) && top != r;
        for (n, node) in view.nodes.iter().enumerate() {
            if !node.online || node.unclean || node.pending || node.shutdown {
                continue;
            }
            if rsc.node_state.contains_key(&n) {
                continue;
            }
            if anon_clone {
                // One probe per node for the whole anonymous clone, on the instance placed
                // there (or the first instance).
                let siblings: Vec<RscIdx> = view.primitives_of(top).into_iter().filter(|p| view.resources[*p].base_id == rsc.base_id).collect();
                if siblings.iter().any(|p| view.resources[*p].node_state.contains_key(&n)) {
                    continue;
                }
                let chosen = siblings.iter().copied().find(|p| asg.node[*p] == Some(n)).unwrap_or(siblings[0]);
                let chosen_instance_placed_here = view.resources[top].children.iter().any(|inst| asg.node[*inst] == Some(n) && view.primitives_of(*inst).contains(&r));
                if chosen != r && !(chosen_instance_placed_here) {
                    continue;
                }
                if chosen != r {
                    continue;
                }
            }
            if discovery_never(cons, view, r, n) {
                continue;
            }
            let id = rsc.key_id().to_string();
            let p = t.get(Some(r), "monitor", op_key(&id, "monitor", 0), 0, Some(n), ActionKind::RscOp);
            if let Some(inst) = rsc.clone_name.as_ref().map(|_| rsc.id.clone()) {
                t.list[p].internal_key = Some(op_key(&inst, "monitor", 0));
            }
            t.list[p].meta.insert("CRM_meta_op_target_rc".into(), "7".into());
            set_op_meta(t, p, 20_000);
            t.require(p);
            if view.resources[top].kind == Kind::Clone {
                for s in t.of(top, "start") {
                    t.order(p, s, OPTIONAL);
                }
            } else {
                for s in t.of(r, "start") {
                    t.order(p, s, OPTIONAL);
                }
            }
        }
    }
}
