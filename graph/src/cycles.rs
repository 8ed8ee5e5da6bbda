//! Ordering loops: actions that (directly or through others) wait on themselves can never run.
//! The policy engine must not produce them and the transition engine reports them before it
//! starts, naming the actions, instead of silently leaving them pending.

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;

use crate::model::TransitionGraph;

/// Every ordering loop of `graph`, each as its action ids in ascending order; loops are
/// ordered by their smallest id. Empty for a well-formed graph.
pub fn ordering_loops(graph: &TransitionGraph) -> Vec<Vec<u32>> {
    let mut edges: DiGraphMap<u32, ()> = DiGraphMap::new();
    for s in &graph.synapses {
        let then = s.action.reference.id;
        edges.add_node(then);
        for first in &s.inputs {
            edges.add_edge(first.id, then, ());
        }
    }
    let mut loops: Vec<Vec<u32>> = tarjan_scc(&edges)
        .into_iter()
        .filter(|scc| scc.len() > 1 || edges.contains_edge(scc[0], scc[0]))
        .map(|mut scc| {
            scc.sort_unstable();
            scc
        })
        .collect();
    loops.sort();
    loops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionKind, ActionRef, GraphAction, Synapse};

    fn action(id: u32) -> ActionRef {
        ActionRef {
            id,
            kind: ActionKind::RscOp,
            operation: "start".into(),
            operation_key: format!("r{id}_start_0"),
            internal_operation_key: None,
            on_node: Some("n1".into()),
            on_node_uuid: None,
            router_node: None,
        }
    }

    fn graph(orders: &[(u32, &[u32])]) -> TransitionGraph {
        TransitionGraph {
            attributes: Vec::new(),
            synapses: orders
                .iter()
                .enumerate()
                .map(|(i, (id, inputs))| Synapse {
                    id: i as u32,
                    priority: None,
                    action: GraphAction {
                        reference: action(*id),
                        primitive: None,
                        attributes: Vec::new(),
                        downed: Vec::new(),
                    },
                    inputs: inputs.iter().map(|&i| action(i)).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_chain_has_no_loop() {
        assert!(ordering_loops(&graph(&[(1, &[]), (2, &[1]), (3, &[1, 2])])).is_empty());
    }

    #[test]
    fn loops_are_found_and_named() {
        let g = graph(&[(1, &[3]), (2, &[1]), (3, &[2]), (4, &[4]), (5, &[1])]);
        assert_eq!(ordering_loops(&g), vec![vec![1, 2, 3], vec![4]]);
    }
}
