//! The structural view of a graph: the multiset of action keys and of ordering edges.
//!
//! Two graphs are equivalent when both multisets are equal; ids, synapse numbering,
//! attributes and node uuids do not matter (the same rules as `tools/graph-compare`);
//! [`attribute_differences`] is its stricter `--attrs` mode.

use crate::model::{ActionKind, ActionRef, Synapse, TransitionGraph};
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

/// Names cts-scheduler strips from the recorded graphs, so never compared.
const ATTRS_IGNORED: [&str; 2] = ["crm_feature_set", "batch-limit"];

/// What `--attrs` compares of one action: its `<attributes>` (minus [`ATTRS_IGNORED`]), its
/// `<primitive>` class/provider/type and its synapse's priority, as sorted name/value pairs.
fn action_attributes(syn: &Synapse) -> Vec<(String, String)> {
    let a = &syn.action;
    let mut out: Vec<(String, String)> = a
        .attributes
        .iter()
        .filter(|(k, _)| !ATTRS_IGNORED.contains(&k.as_str()))
        .cloned()
        .collect();
    if let Some(p) = &a.primitive {
        out.push(("<primitive>.class".into(), p.class.clone()));
        if let Some(provider) = &p.provider {
            out.push(("<primitive>.provider".into(), provider.clone()));
        }
        out.push(("<primitive>.type".into(), p.agent_type.clone()));
    }
    if let Some(p) = syn.priority.filter(|&p| p != 0) {
        out.push(("<synapse>.priority".into(), p.to_string()));
    }
    out.sort();
    out
}

/// Per action key, the attribute sets of the actions with that key (sorted: keys are
/// normally unique, a few pseudo events repeat).
fn attributes_by_key(graph: &TransitionGraph) -> BTreeMap<String, Vec<Vec<(String, String)>>> {
    let mut by_key: BTreeMap<String, Vec<Vec<(String, String)>>> = BTreeMap::new();
    for syn in &graph.synapses {
        by_key
            .entry(action_key(&syn.action.reference))
            .or_default()
            .push(action_attributes(syn));
    }
    for sets in by_key.values_mut() {
        sets.sort();
    }
    by_key
}

/// The stricter comparison (`graph-compare --attrs`) of two graphs whose structures are
/// equal: per action, lines `~ attributes: KEY: -name=expected +name=actual`.
pub fn attribute_differences(expected: &TransitionGraph, actual: &TransitionGraph) -> Vec<String> {
    let actual = attributes_by_key(actual);
    let mut out = Vec::new();
    for (key, exp_sets) in attributes_by_key(expected) {
        let act_sets = actual.get(&key).map(Vec::as_slice).unwrap_or_default();
        for (e, a) in exp_sets.iter().zip(act_sets) {
            if e == a {
                continue;
            }
            let (e, a): (BTreeMap<_, _>, BTreeMap<_, _>) =
                (e.iter().cloned().collect(), a.iter().cloned().collect());
            let names: std::collections::BTreeSet<&String> = e.keys().chain(a.keys()).collect();
            let mut parts = Vec::new();
            for n in names {
                if e.get(n) != a.get(n) {
                    if let Some(v) = e.get(n) {
                        parts.push(format!("-{n}={v}"));
                    }
                    if let Some(v) = a.get(n) {
                        parts.push(format!("+{n}={v}"));
                    }
                }
            }
            out.push(format!("~ attributes: {key}: {}", parts.join(" ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(priority: &str, attrs: &str) -> TransitionGraph {
        crate::parse_graph(&format!(
            r#"<transition_graph transition_id="0"><synapse id="0"{priority}><action_set>
<rsc_op id="1" operation="start" operation_key="A_start_0" on_node="n1" on_node_uuid="1">
<primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>
<attributes crm_feature_set="3.16.2" {attrs}/></rsc_op></action_set><inputs/></synapse>
</transition_graph>"#
        ))
        .unwrap()
    }

    #[test]
    fn attributes_and_priority_are_compared_but_feature_set_is_not() {
        let expected = graph(r#" priority="1000000""#, r#"CRM_meta_timeout="20000""#);
        assert!(attribute_differences(&expected, &expected).is_empty());
        let actual = graph("", r#"CRM_meta_timeout="30000" CRM_meta_name="start""#);
        assert_eq!(
            attribute_differences(&expected, &actual),
            vec![
                "~ attributes: rsc_op A_start_0 on n1: -<synapse>.priority=1000000 \
                 +CRM_meta_name=start -CRM_meta_timeout=20000 +CRM_meta_timeout=30000"
            ]
        );
    }
}
