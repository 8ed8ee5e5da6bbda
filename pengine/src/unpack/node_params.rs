//! Parameters that differ per node: `instance_attributes` blocks with rules on node
//! attributes (`#uname`, ...) give a primitive other parameters on each node, as Pacemaker's
//! per-node resource parameters (used by location rules' `value-source` and by digests).

use super::{ClusterView, Kind};
use crate::rules::{self, IdIndex, RuleContext};
use cib::Element;
use std::collections::BTreeMap;

/// Fills `params_by_node` of every primitive whose parameters depend on the node (node
/// attributes must be complete: after `nodes::finish`).
pub fn unpack(root: &Element, idx: &IdIndex, view: &mut ClusterView) {
    let Some(resources) = root
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return;
    };
    for r in 0..view.resources.len() {
        let rsc = &view.resources[r];
        if rsc.kind != Kind::Primitive || rsc.orphan {
            continue;
        }
        // (By id in the configuration: the status section reuses resource ids.)
        let Some(el) = find_primitive(resources, &rsc.base_id) else {
            continue;
        };
        let template = el.attr("template").and_then(|t| idx.get(t));
        let ruled = |e: &Element| {
            e.children_named("instance_attributes")
                .any(|b| idx.resolve(b).child("rule").is_some())
        };
        if !ruled(el) && !template.is_some_and(ruled) {
            continue;
        }
        let inherited = rsc
            .parent
            .map(|p| view.resources[p].params.clone())
            .unwrap_or_default();
        let per_node: Vec<BTreeMap<String, String>> = view
            .nodes
            .iter()
            .map(|node| {
                let ctx = RuleContext {
                    now: view.now,
                    node_attrs: Some(&node.attrs),
                    rsc: Some((&rsc.class, rsc.provider.as_deref(), &rsc.agent)),
                    ..Default::default()
                };
                let mut params = BTreeMap::new();
                rules::unpack_nvpairs(idx, el, "instance_attributes", &ctx, &mut params);
                if let Some(t) = template {
                    rules::unpack_nvpairs(idx, t, "instance_attributes", &ctx, &mut params);
                }
                for (k, v) in &inherited {
                    params.entry(k.clone()).or_insert_with(|| v.clone());
                }
                params
            })
            .collect();
        view.resources[r].params_by_node = per_node;
    }
}

/// The `<primitive>` with this id anywhere under `<resources>`.
fn find_primitive<'a>(el: &'a Element, id: &str) -> Option<&'a Element> {
    el.elements().find_map(|c| match c.name.as_str() {
        "primitive" if c.attr("id") == Some(id) => Some(c),
        "group" | "clone" | "master" | "bundle" => find_primitive(c, id),
        _ => None,
    })
}
