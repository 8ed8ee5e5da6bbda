//! Where a resource may be placed, as far as the checks need it: standby nodes, bans and
//! `resource-discovery="exclusive"` locations (with `#uname` and node-attribute rules).

use super::model::{nvpairs, Cluster, ConfiguredNode};
use crate::Element;
use vocab::is_true;

/// The value of a node attribute: `#uname`, `#id`, or a permanent/transient node attribute.
fn node_attribute<'a>(
    node: &ConfiguredNode<'a>,
    state: Option<&'a Element>,
    name: &str,
) -> Option<&'a str> {
    match name {
        "#uname" => Some(node.uname),
        "#id" => node.xml.id(),
        _ => nvpairs(node.xml, "instance_attributes")
            .into_iter()
            .chain(
                state
                    .and_then(|s| s.child("transient_attributes"))
                    .map(|t| nvpairs(t, "instance_attributes"))
                    .unwrap_or_default(),
            )
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v),
    }
}

/// Evaluates a location rule for a node. Only attribute expressions are understood; anything
/// else counts as matching, so an unknown rule never makes a node look forbidden.
fn rule_matches(rule: &Element, node: &ConfiguredNode, state: Option<&Element>) -> bool {
    let results = rule.elements().filter_map(|e| match e.name.as_str() {
        "expression" => {
            let value = node_attribute(node, state, e.attr("attribute").unwrap_or(""));
            let wanted = e.attr("value");
            Some(match e.attr("operation").unwrap_or("") {
                "eq" => value.is_some() && value == wanted,
                "ne" => value != wanted,
                "defined" => value.is_some(),
                "not_defined" => value.is_none(),
                _ => true,
            })
        }
        "rule" => Some(rule_matches(e, node, state)),
        _ => None,
    });
    let results: Vec<bool> = results.collect();
    if rule.attr("boolean-op") == Some("or") {
        results.is_empty() || results.iter().any(|r| *r)
    } else {
        results.iter().all(|r| *r)
    }
}

/// True when a location constraint applies to `node` (by `node` attribute or by its rules).
fn location_applies(location: &Element, node: &ConfiguredNode, state: Option<&Element>) -> bool {
    match location.attr("node") {
        Some(n) => n == node.uname,
        None => location
            .children_named("rule")
            .any(|r| rule_matches(r, node, state)),
    }
}

/// True unless the node is in standby, bans the resource, or lies outside its exclusive
/// discovery set.
pub fn may_run_on(
    cluster: &Cluster,
    rsc: &str,
    node: &ConfiguredNode,
    state: Option<&Element>,
) -> bool {
    if node_attribute(node, state, "standby").is_some_and(is_true) {
        return false;
    }
    let locations: Vec<&Element> = cluster
        .cib
        .child("configuration")
        .and_then(|c| c.child("constraints"))
        .map(|c| {
            c.children_named("rsc_location")
                .filter(|l| l.attr("rsc") == Some(rsc))
                .collect()
        })
        .unwrap_or_default();
    let banned = locations
        .iter()
        .any(|l| l.attr("score") == Some("-INFINITY") && location_applies(l, node, state));
    let exclusive: Vec<&&Element> = locations
        .iter()
        .filter(|l| l.attr("resource-discovery") == Some("exclusive"))
        .collect();
    let outside_exclusive =
        !exclusive.is_empty() && !exclusive.iter().any(|l| location_applies(l, node, state));
    !banned && !outside_exclusive
}
