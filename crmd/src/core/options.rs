//! Reading and setting cluster options and resource facts in a CIB (no state).

use std::collections::BTreeMap;

use cib::xml::Element;

use crate::status;

/// A `crm_config` cluster option.
pub fn cluster_option(cib: &Element, name: &str) -> Option<String> {
    cib.child("configuration")?
        .child("crm_config")?
        .descendants()
        .into_iter()
        .find(|e| e.name == "nvpair" && e.attr("name") == Some(name))
        .and_then(|e| e.attr("value"))
        .map(str::to_string)
}

/// Whether fencing is enabled (`stonith-enabled`, default true).
pub fn fencing_enabled(cib: &Element) -> bool {
    cluster_option(cib, "stonith-enabled").is_none_or(|v| vocab::parse_bool(&v).unwrap_or(true))
}

/// Whether `rsc` (an LRM resource id, maybe a clone instance `id:N`) is a fencing device.
pub fn is_fencing_device(cib: &Element, rsc: &str) -> bool {
    let base = rsc.split(':').next().unwrap_or(rsc);
    cib.child("configuration")
        .and_then(|c| c.child("resources"))
        .map(|r| {
            r.descendants().into_iter().any(|e| {
                e.name == "primitive"
                    && e.attr("id") == Some(base)
                    && e.attr("class") == Some("stonith")
            })
        })
        .unwrap_or(false)
}

/// What `crm_mon` shows as the DC's version.
pub const DC_VERSION: &str = concat!("2.1.5-heartbeat-rs-", env!("CARGO_PKG_VERSION"));

/// Sets a `cib-bootstrap-options` cluster option (creating the set when missing).
pub fn set_cluster_option(cib: &mut Element, name: &str, value: &str) {
    use cib::xml::Node;
    let crm_config = cib
        .child_or_insert("configuration")
        .child_or_insert("crm_config");
    if !crm_config
        .children_named("cluster_property_set")
        .any(|s| s.attr("id") == Some("cib-bootstrap-options"))
    {
        crm_config.children.insert(
            0,
            Node::Element(
                Element::new("cluster_property_set").with_attr("id", "cib-bootstrap-options"),
            ),
        );
    }
    let set = crm_config
        .elements_mut()
        .find(|s| s.name == "cluster_property_set" && s.attr("id") == Some("cib-bootstrap-options"))
        .expect("just ensured");
    let existing = set.children.iter().position(
        |c| matches!(c, Node::Element(nv) if nv.name == "nvpair" && nv.attr("name") == Some(name)),
    );
    if let Some(Node::Element(nv)) = existing.map(|i| &mut set.children[i]) {
        nv.set_attr("value", value);
    } else {
        set.children.push(Node::Element(
            Element::new("nvpair")
                .with_attr("id", format!("cib-bootstrap-options-{name}"))
                .with_attr("name", name)
                .with_attr("value", value),
        ));
    }
}

/// The configuration errors `crm_verify` would report, as text.
pub fn config_errors(cib: &Element) -> Vec<String> {
    cib::verify::verify_root(cib)
        .diagnostics
        .into_iter()
        .filter(|d| matches!(d.severity, cib::verify::Severity::Error))
        .map(|d| {
            format!(
                "{} {}: {}",
                d.element,
                d.id.as_deref().unwrap_or("(no id)"),
                d.message
            )
        })
        .collect()
}

pub fn is_version_attr(k: &str) -> bool {
    matches!(
        k,
        "admin_epoch"
            | "epoch"
            | "num_updates"
            | "cib-last-written"
            | "update-origin"
            | "update-client"
            | "update-user"
            | "have-quorum"
            | "dc-uuid"
    )
}

/// `priority-fencing-delay` (ms) for fencing `target`: the delay applies only when `target` runs
/// resources of a higher combined `priority` than every other node, so in a two-node fencing
/// race the node with the important resources survives.
pub fn priority_fencing_delay(cib: &Element, target: &str) -> u64 {
    let Some(delay) = cluster_option(cib, "priority-fencing-delay")
        .and_then(|v| vocab::parse_duration_ms(&v).ok())
        .filter(|d| *d > 0)
    else {
        return 0;
    };
    let Some(resources) = cib
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return 0;
    };
    let default = cib
        .child("configuration")
        .and_then(|c| c.child("rsc_defaults"))
        .map(|d| d.descendants())
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.name == "nvpair" && e.attr("name") == Some("priority"))
        .and_then(|e| e.attr("value"))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    let mut per_node: BTreeMap<String, i64> = BTreeMap::new();
    for top in resources.elements() {
        let own = top
            .children_named("meta_attributes")
            .flat_map(|m| m.children_named("nvpair"))
            .find(|nv| nv.attr("name") == Some("priority"))
            .and_then(|nv| nv.attr("value"))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default);
        let prims: Vec<&Element> = std::iter::once(top)
            .chain(top.descendants())
            .filter(|e| e.name == "primitive" && e.attr("class") != Some("stonith"))
            .collect();
        for p in prims {
            for node in status::last_known_on(cib, p.attr("id").unwrap_or("")) {
                *per_node.entry(node).or_default() += own;
            }
        }
    }
    let mine = per_node.get(target).copied().unwrap_or(0);
    let others_max = per_node
        .iter()
        .filter(|(n, _)| n.as_str() != target)
        .map(|(_, v)| *v)
        .max()
        .unwrap_or(0);
    if mine > others_max {
        delay
    } else {
        0
    }
}
