//! What a clone's notifications tell its agents (`CRM_meta_notify_*_resource` and
//! `_uname`): which instances are active, inactive, promoted or unpromoted now, which start,
//! stop, promote or demote in this transition, and on which nodes. Pacemaker computes one
//! table per clone once every action is settled and gives it to the instances' notify
//! operations and to their required start, stop, promote and demote operations.

use crate::actions::ActionTable;
use crate::constraints::Constraints;
use crate::unpack::{cmp_node_names, ClusterView, NodeIdx, Role, RscIdx};
use graph::ActionKind;
use std::collections::BTreeMap;

/// One instance (by id) on one node (none when it is nowhere).
type Entry = (String, Option<NodeIdx>);

/// The notification variables of clone `c` (names without `CRM_meta_`).
pub fn variables(
    view: &ClusterView,
    cons: &Constraints,
    t: &ActionTable,
    c: RscIdx,
) -> BTreeMap<String, String> {
    let mut lists = instance_roles(view, c);
    instance_changes(view, t, c, &mut lists);
    let mut out = BTreeMap::new();
    let mut put = |name: &str, entries: Vec<Entry>, with_nodes: bool| {
        let (rscs, nodes) = words(view, entries, with_nodes);
        out.insert(format!("notify_{name}_resource"), rscs);
        if with_nodes {
            out.insert(format!("notify_{name}_uname"), nodes);
        }
    };
    for name in ["stop", "start", "demote", "promote", "active"] {
        put(name, lists.remove(name).unwrap_or_default(), true);
    }
    // (With the pre-2.0 names too, for older agents.)
    let unpromoted = lists.remove("unpromoted").unwrap_or_default();
    put("unpromoted", unpromoted.clone(), true);
    put("slave", unpromoted, true);
    let promoted = lists.remove("promoted").unwrap_or_default();
    put("promoted", promoted.clone(), true);
    put("master", promoted, true);
    put(
        "inactive",
        lists.remove("inactive").unwrap_or_default(),
        false,
    );
    node_variables(view, cons, c, &mut out);
    out
}

/// Each instance by its role now: inactive, or active (and promoted or unpromoted).
fn instance_roles(view: &ClusterView, c: RscIdx) -> BTreeMap<&'static str, Vec<Entry>> {
    let mut lists: BTreeMap<&str, Vec<Entry>> = BTreeMap::new();
    // (A promotable instance running in no particular role is unpromoted.)
    let promotable = view.resources[c]
        .clone
        .as_ref()
        .is_some_and(|k| k.promotable);
    for p in view.primitives_of(c) {
        let id = view.resources[p].id.clone();
        let roles = view.active_roles(p);
        let role = roles.iter().map(|(_, r)| *r).max().unwrap_or(Role::Stopped);
        let role = match role {
            Role::Started if promotable => Role::Unpromoted,
            r => r,
        };
        let node = roles.first().map(|(n, _)| *n);
        let entry = (id, node);
        match role {
            Role::Stopped => lists.entry("inactive").or_default().push(entry),
            Role::Unpromoted => {
                lists.entry("unpromoted").or_default().push(entry.clone());
                lists.entry("active").or_default().push(entry);
            }
            Role::Promoted => {
                lists.entry("promoted").or_default().push(entry.clone());
                lists.entry("active").or_default().push(entry);
            }
            _ => lists.entry("active").or_default().push(entry),
        }
    }
    lists
}

/// What each instance does in this transition (its own required actions that can run, or
/// a stop implied by fencing), by task.
fn instance_changes(
    view: &ClusterView,
    t: &ActionTable,
    c: RscIdx,
    lists: &mut BTreeMap<&'static str, Vec<Entry>>,
) {
    for p in view.primitives_of(c) {
        for task in ["start", "stop", "promote", "demote"] {
            for i in t.of(p, task) {
                let a = &t.list[i];
                let Some(n) = a.node else { continue };
                let implied_stop = task == "stop" && view.nodes[n].unclean;
                if a.optional || !(a.runnable || implied_stop) {
                    continue;
                }
                let id = view.resources[p].id.clone();
                lists.entry(task).or_default().push((id, Some(n)));
            }
        }
    }
}

/// The nodes the clone may use, every node, and (for agents whose attributes live on the
/// host) each node's host.
fn node_variables(
    view: &ClusterView,
    cons: &Constraints,
    c: RscIdx,
    out: &mut BTreeMap<String, String>,
) {
    let mut available: Vec<&str> = allowed_nodes(view, cons, c)
        .map(|n| view.nodes[n].uname.as_str())
        .collect();
    available.sort_by(|a, b| cmp_node_names(a, b));
    out.insert(
        "notify_available_uname".into(),
        joined(available.into_iter()),
    );
    let mut nodes: Vec<NodeIdx> = (0..view.nodes.len()).collect();
    nodes.sort_by(|&a, &b| cmp_node_names(&view.nodes[a].uname, &view.nodes[b].uname));
    let names = nodes.iter().map(|&n| view.nodes[n].uname.as_str());
    out.insert("notify_all_uname".into(), joined(names));
    // Agents whose attributes live on the host are told each node's host too (a bundle's
    // clone takes the setting from its primitive).
    let instance = view.primitives_of(c).first().copied();
    let bundled = view.bundles.iter().any(|b| b.child == Some(c));
    let holder = if bundled { instance } else { Some(c) };
    if let Some(h) = holder.filter(|&h| {
        view.resources[h]
            .meta("container-attribute-target")
            .is_some_and(|t| t.eq_ignore_ascii_case("host"))
    }) {
        let hosts = nodes.iter().map(|&n| {
            let host = crate::unpack::bundle::attribute_node(view, h, n).unwrap_or(n);
            view.nodes[host].uname.as_str()
        });
        out.insert("notify_all_hosts".into(), joined(hosts));
    }
}

/// The nodes clone `c` may be placed on at all: every node in a symmetric cluster, else
/// those a location constraint names; with exclusive discovery, not the nodes up for
/// probing that it is not to be discovered on (Pacemaker drops those when probing).
fn allowed_nodes<'a>(
    view: &'a ClusterView,
    cons: &'a Constraints,
    c: RscIdx,
) -> impl Iterator<Item = NodeIdx> + 'a {
    let exclusive = move |n: NodeIdx| {
        cons.discovery
            .iter()
            .any(|(r, m, mode)| *r == c && *m == n && mode == "exclusive")
    };
    let exclusive_clone = cons
        .discovery
        .iter()
        .any(|(r, _, mode)| *r == c && mode == "exclusive");
    // A bundle's clone may go to its own replicas' nodes, but no other bundle's.
    let bundle = view.bundles.iter().find(|b| b.child == Some(c));
    let replica_node = move |n: NodeIdx, b: &crate::unpack::bundle::Bundle| {
        b.replicas.iter().any(|r| r.node == Some(n))
    };
    let other_bundles_node =
        move |n: NodeIdx| bundle.is_some() && view.bundles.iter().any(|b| replica_node(n, b));
    (0..view.nodes.len()).filter(move |&n| {
        let node = &view.nodes[n];
        let located = bundle.is_some_and(|b| replica_node(n, b))
            || (view.config.symmetric && !other_bundles_node(n))
            || cons.locations.iter().any(|l| l.rsc == c && l.node == n);
        // (Probes come before remote nodes whose connections are lost are fenced.)
        let unclean = node.remote.as_ref().map_or(node.unclean, |l| l.was_unclean);
        let probed = node.online
            && !unclean
            && node
                .attrs
                .get("resource-discovery-enabled")
                .is_none_or(|v| crate::unpack::is_true(v));
        located && !(exclusive_clone && probed && !exclusive(n))
    })
}

/// The instances of a list (sorted by id, each once) and their nodes, as space-separated
/// words (a single space when empty). With nodes, an instance without one is left out.
fn words(view: &ClusterView, mut entries: Vec<Entry>, with_nodes: bool) -> (String, String) {
    entries.sort_by(|a, b| {
        let node_id = |e: &Entry| e.1.map(|n| view.nodes[n].id.clone());
        // (Entries without a node sort after those with one.)
        a.0.cmp(&b.0)
            .then_with(|| node_id(a).is_none().cmp(&node_id(b).is_none()))
            .then_with(|| node_id(a).cmp(&node_id(b)))
    });
    let mut rscs = Vec::new();
    let mut nodes = Vec::new();
    let mut last: Option<&str> = None;
    for (id, node) in &entries {
        if with_nodes && node.is_none() {
            continue;
        }
        if last == Some(id.as_str()) {
            continue;
        }
        last = Some(id);
        rscs.push(id.as_str());
        if let Some(n) = node {
            nodes.push(view.nodes[*n].uname.as_str());
        }
    }
    (joined(rscs.into_iter()), joined(nodes.into_iter()))
}

fn joined<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let text = words.collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        " ".into()
    } else {
        text
    }
}

/// Whether action `i` carries its clone's notification variables: an instance's notify
/// operation, or its required start, stop, promote or demote on a node.
pub fn carries_variables(t: &ActionTable, i: usize) -> bool {
    let a = &t.list[i];
    let notify = a.task == "notify" && a.kind == ActionKind::RscOp;
    let changes = matches!(a.task.as_str(), "start" | "stop" | "promote" | "demote")
        && !a.optional
        && a.node.is_some();
    notify || changes
}
