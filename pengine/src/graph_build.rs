//! Stage 6: the transition graph: every required, runnable action becomes a synapse whose
//! inputs are its required, runnable predecessors.

use crate::actions::ActionTable;
use crate::assign::Assignment;
use crate::constraints::Constraints;
use crate::graph_meta;
use crate::unpack::{ClusterView, RscIdx};
use graph::{ActionKind, ActionRef, GraphAction, Primitive, Synapse, TransitionGraph};
use std::collections::BTreeSet;

/// Whether an action ends up in the graph.
pub fn in_graph(t: &ActionTable, i: usize) -> bool {
    let a = &t.list[i];
    (!a.optional || a.print_always) && a.runnable
}

fn action_ref(view: &ClusterView, t: &ActionTable, i: usize, id: u32) -> ActionRef {
    let a = &t.list[i];
    let node = a.node.map(|n| &view.nodes[n]);
    let (on_node, on_node_uuid) = match (a.kind, node) {
        (_, Some(n)) if a.kind != ActionKind::PseudoEvent => {
            (Some(n.uname.clone()), Some(n.id.clone()))
        }
        _ => (None, None),
    };
    ActionRef {
        id,
        kind: a.kind,
        operation: a.task.clone(),
        operation_key: a.key.clone(),
        internal_operation_key: a.internal_key.clone(),
        on_node,
        on_node_uuid,
        router_node: None,
    }
}

/// Builds the graph; `included` lists the in-graph actions in synapse order
/// ([`crate::synapse_order`]).
pub fn build(
    view: &ClusterView,
    cons: &Constraints,
    asg: &Assignment,
    t: &ActionTable,
    included: &[usize],
) -> TransitionGraph {
    let mut ids = vec![u32::MAX; t.list.len()];
    for (k, &i) in included.iter().enumerate() {
        ids[i] = k as u32;
    }
    let inputs = graph_inputs(view, t);
    let sources = graph_meta::Sources::new(view, cons, asg, t);
    let mut synapses = Vec::with_capacity(included.len());
    for (k, &i) in included.iter().enumerate() {
        let a = &t.list[i];
        let reference = action_ref(view, t, i, ids[i]);
        let primitive = match (a.kind, a.rsc) {
            // (A resource's cluster action, clear_failcount, names it too.)
            (ActionKind::RscOp | ActionKind::CrmEvent, Some(r)) => {
                let rsc = &view.resources[r];
                let (id, long_id) = primitive_names(view, r);
                Some(Primitive {
                    id,
                    long_id,
                    class: rsc.class.clone(),
                    provider: rsc.provider.clone(),
                    agent_type: rsc.agent.clone(),
                })
            }
            _ => None,
        };
        let attributes = graph_meta::attributes(view, t, i, &sources);
        synapses.push(Synapse {
            id: k as u32,
            priority: graph_meta::synapse_priority(view, a),
            action: GraphAction {
                reference,
                primitive,
                attributes,
                downed: a.downed.iter().map(|n| view.nodes[*n].id.clone()).collect(),
            },
            inputs: inputs[i]
                .iter()
                .map(|&f| action_ref(view, t, f, ids[f]))
                .collect(),
        });
    }
    TransitionGraph {
        attributes: vec![
            ("cluster-delay".into(), view.config.cluster_delay.clone()),
            (
                "stonith-timeout".into(),
                view.config.stonith_timeout.clone(),
            ),
            ("failed-stop-offset".into(), "INFINITY".into()),
            ("failed-start-offset".into(), "INFINITY".into()),
            ("transition_id".into(), "0".into()),
        ],
        synapses,
    }
}

/// Each action's inputs in the graph (indexed by action): its orderings between in-graph
/// actions that can be graph inputs ([`graph_input`]), without load loops. The graph and
/// crm_simulate's simulated execution both follow them.
pub fn graph_inputs(view: &ClusterView, t: &ActionTable) -> Vec<BTreeSet<usize>> {
    let mut inputs: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); t.list.len()];
    for e in &t.edges {
        if graph_input(view, t, e) && in_graph(t, e.first) && in_graph(t, e.then) {
            inputs[e.then].insert(e.first);
        }
    }
    break_load_loops(t, &mut inputs);
    inputs
}

/// Whether ordering `e` can be a graph input (when both its actions are in the graph): not
/// a summary-only edge, not a same-node ordering between actions on different nodes, and
/// not a user ordering Pacemaker finds invalid. The graph and the simulated execution of
/// crm_simulate both follow this.
pub fn graph_input(view: &ClusterView, t: &ActionTable, e: &crate::actions::Edge) -> bool {
    use crate::actions::flags::{CONSTRAINT, SAME_NODE, SUMMARY};
    let (fa, ta) = (&t.list[e.first], &t.list[e.then]);
    let other_nodes = fa.node.is_some() && ta.node.is_some() && fa.node != ta.node;
    !(e.flags & SUMMARY != 0
        || (e.flags & SAME_NODE != 0 && other_nodes)
        || (e.flags & CONSTRAINT != 0 && guest_and_container(view, fa, ta)))
}

/// Whether `first` runs on a guest node and `then` is an action of that node's container: a
/// user ordering between them is invalid (Pacemaker's `ordering_is_invalid`).
fn guest_and_container(
    view: &ClusterView,
    first: &crate::actions::Action,
    then: &crate::actions::Action,
) -> bool {
    let container = first
        .node
        .and_then(|n| view.nodes[n].remote.as_ref())
        .and_then(|l| l.container);
    first.rsc.is_some() && then.rsc.is_some() && container == then.rsc
}

/// A resource migrating to a node waits for that node's load to drop (`load_stopped_NODE`),
/// but not when the load drop itself waits for this migration (two resources swapping
/// nodes): Pacemaker drops such a `load_stopped -> migrate_to` input as a loop, checking the
/// newest actions first (its action list is built by prepending).
fn break_load_loops(t: &ActionTable, inputs: &mut [BTreeSet<usize>]) {
    for then in (0..t.list.len()).rev() {
        if t.list[then].task != "migrate_to" {
            continue;
        }
        let loads: Vec<usize> = inputs[then]
            .iter()
            .copied()
            .filter(|&f| t.list[f].task == "load_stopped")
            .collect();
        for first in loads {
            if depends_on(inputs, first, then) {
                inputs[then].remove(&first);
            }
        }
    }
}

/// Whether action `a` waits, directly or not, for action `b`.
fn depends_on(inputs: &[BTreeSet<usize>], a: usize, b: usize) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![a];
    while let Some(x) = stack.pop() {
        for &f in &inputs[x] {
            if f == b {
                return true;
            }
            if seen.insert(f) {
                stack.push(f);
            }
        }
    }
    false
}

/// The `id` and `long-id` a resource's actions carry in the graph: an orphaned instance
/// goes by its history name, with its instance id as the long id; an anonymous clone
/// instance by its clone-less id, with its history name (if another) or else its instance
/// id as the long id; anything else by its id.
pub fn primitive_names(view: &ClusterView, r: RscIdx) -> (String, Option<String>) {
    let rsc = &view.resources[r];
    let anonymous = rsc.id != rsc.base_id
        && view.resources[view.top_of(r)]
            .clone
            .as_ref()
            .is_some_and(|c| !c.unique);
    match &rsc.clone_name {
        Some(name) if rsc.orphan => (name.clone(), Some(rsc.id.clone())),
        _ if anonymous => {
            let long = rsc
                .clone_name
                .as_ref()
                .filter(|n| **n != rsc.base_id)
                .unwrap_or(&rsc.id);
            (rsc.base_id.clone(), Some(long.clone()))
        }
        _ => (rsc.id.clone(), None),
    }
}
