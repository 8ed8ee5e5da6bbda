//! The structural view of a graph: the multiset of action keys and of ordering edges.
//!
//! Two graphs are equivalent when both multisets are equal; ids, synapse numbering,
//! attributes and node uuids do not matter (the same rules as `tools/graph-compare`).

use crate::model::{ActionKind, ActionRef, TransitionGraph};
use std::collections::BTreeMap;

/// `rsc_op KEY on NODE`, `crm_event KEY on NODE` or `pseudo_event KEY`.
pub fn action_key(r: &ActionRef) -> String {
    match (r.kind, &r.on_node) {
        (ActionKind::PseudoEvent, _) => format!("{} {}", r.kind.tag(), r.operation_key),
        (_, None) => format!("{} {} on -", r.kind.tag(), r.operation_key),
        (_, Some(node)) => format!("{} {} on {}", r.kind.tag(), r.operation_key, node),
    }
}

/// Counted action keys and edges (`first -> then`) of a graph.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Structure {
    /// Action key -> multiplicity.
    pub actions: BTreeMap<String, usize>,
    /// (first, then) -> multiplicity.
    pub edges: BTreeMap<(String, String), usize>,
}

/// Builds the structural view of a graph.
pub fn structure(graph: &TransitionGraph) -> Structure {
    let mut s = Structure::default();
    for syn in &graph.synapses {
        let then = action_key(&syn.action.reference);
        *s.actions.entry(then.clone()).or_default() += 1;
        for input in &syn.inputs {
            *s.edges
                .entry((action_key(input), then.clone()))
                .or_default() += 1;
        }
    }
    s
}

/// Differences between an expected and an actual structure, as human-readable lines.
pub fn differences(expected: &Structure, actual: &Structure) -> Vec<String> {
    let mut out = Vec::new();
    diff_counts(
        &expected.actions,
        &actual.actions,
        |k| k.clone(),
        "action",
        &mut out,
    );
    diff_counts(
        &expected.edges,
        &actual.edges,
        |(a, b)| format!("{a} -> {b}"),
        "edge",
        &mut out,
    );
    out
}

fn diff_counts<K: Ord>(
    exp: &BTreeMap<K, usize>,
    act: &BTreeMap<K, usize>,
    show: impl Fn(&K) -> String,
    what: &str,
    out: &mut Vec<String>,
) {
    for (k, n) in exp {
        let m = act.get(k).copied().unwrap_or(0);
        for _ in m..*n {
            out.push(format!("- missing {what}: {}", show(k)));
        }
    }
    for (k, n) in act {
        let m = exp.get(k).copied().unwrap_or(0);
        for _ in m..*n {
            out.push(format!("+ extra {what}: {}", show(k)));
        }
    }
}
