//! What a graph action carries in `<attributes>`, as Pacemaker's graph producer writes it:
//! the agent's parameters, the action's meta attributes as `CRM_meta_*` (its operation's
//! definition over `op_defaults`, and what scheduling added), and what each resource above
//! it adds (clone number and limits, container). The transition engine hands these to the
//! agent: clone agents read `CRM_meta_clone*` and `CRM_meta_notify_*`, every agent its
//! timeout. [`operation`] is the operation's part, [`notify`] the notification variables.

use crate::actions::{Action, ActionTable};
use crate::assign::Assignment;
use crate::constraints::Constraints;
use crate::unpack::{ClusterView, Kind, RscIdx};
use graph::ActionKind;
use operation::{op_entry, operation_meta, OpDefaults};
use std::collections::BTreeMap;

mod notify;
mod operation;

/// What the attributes of one graph's actions are made from, read once per graph.
pub struct Sources<'a> {
    asg: &'a Assignment,
    defaults: OpDefaults<'a>,
    /// Each notifying clone's notification variables.
    notify: BTreeMap<RscIdx, Meta>,
}

impl<'a> Sources<'a> {
    /// Reads `op_defaults` and computes the notification variables (every action settled).
    pub fn new(
        view: &'a ClusterView,
        cons: &Constraints,
        asg: &'a Assignment,
        t: &ActionTable,
    ) -> Self {
        let notify = (0..view.resources.len())
            .filter(|&c| view.resources[c].clone.as_ref().is_some_and(|k| k.notify))
            .map(|c| (c, notify::variables(view, cons, t, c)))
            .collect();
        Sources {
            asg,
            defaults: OpDefaults::new(view),
            notify,
        }
    }

    /// The variables action `i` tells, if it is one that carries them.
    fn notify_variables(&self, view: &ClusterView, t: &ActionTable, i: usize) -> Option<&Meta> {
        if !notify::carries_variables(t, i) {
            return None;
        }
        let mut x = t.list[i].rsc?;
        while let Some(p) = view.resources[x].parent {
            if let Some(vars) = self.notify.get(&p) {
                return Some(vars);
            }
            x = p;
        }
        None
    }
}

type Meta = BTreeMap<String, String>;

/// The `<attributes>` of action `i`, sorted by name.
pub fn attributes(
    view: &ClusterView,
    t: &ActionTable,
    i: usize,
    sources: &Sources,
) -> Vec<(String, String)> {
    let a = &t.list[i];
    let mut out = Meta::new();
    // (A fencing pseudo action, of a guest node, names its node too.)
    let node = a
        .node
        .filter(|_| a.kind != ActionKind::PseudoEvent || a.task == "stonith");
    if let Some(n) = node {
        out.insert("CRM_meta_on_node".into(), view.nodes[n].uname.clone());
        out.insert("CRM_meta_on_node_uuid".into(), view.nodes[n].id.clone());
    }
    if let Some(r) = a.rsc {
        let rsc = &view.resources[r];
        // The operation's own parameters (on a node), then the resource's (those of a
        // primitive, or of anything placed on a node).
        if let (Some(op), Some(_)) = (op_entry(rsc, a), a.node) {
            out.extend(op.params.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if a.node.is_some() || rsc.kind == Kind::Primitive {
            let params = a.node.map_or(&rsc.params, |n| rsc.params_on(n));
            for (k, v) in params.iter().filter(|(k, _)| valid_attr_name(k)) {
                out.insert(k.clone(), v.clone());
            }
            if let Some(host) = bundle_connection_host(view, sources.asg, r) {
                out.insert("addr".into(), host);
            }
        }
        for (k, v) in operation_meta(view, r, a, &sources.defaults) {
            if let Some(name) = meta_name(&k) {
                out.insert(name, v);
            }
        }
    }
    // What scheduling added never replaces what the operation's definition says (an op's
    // own `record-pending` stays), nor do the notification variables.
    for (k, v) in &a.meta {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if let Some(vars) = sources.notify_variables(view, t, i) {
        for (k, v) in vars {
            if let Some(name) = meta_name(k) {
                out.entry(name).or_insert_with(|| v.clone());
            }
        }
    }
    // A fencing action passes on its target's node attributes (Pacemaker's old fencing
    // library read them).
    if let (None, Some(n), "stonith") = (a.rsc, a.node, a.task.as_str()) {
        for (k, v) in &view.nodes[n].attrs {
            if let Some(name) = meta_name(k) {
                out.insert(name, v.clone());
            }
        }
        if crate::actions::unfencing_enabled(view) {
            let (all, secure) = unfencing_device_digests(view, n);
            out.insert("CRM_meta_digests_all".into(), all);
            out.insert("CRM_meta_digests_secure".into(), secure);
        }
    }
    if let Some(r) = a.rsc {
        resource_meta(view, r, &mut out);
        guest_host_meta(view, sources.asg, a, &mut out);
    }
    out.into_iter().collect()
}

/// A synapse's priority: its action's, or its resource's `priority` if higher; none unless
/// positive.
pub fn synapse_priority(view: &ClusterView, a: &Action) -> Option<i64> {
    let rsc = a.rsc.map_or(0, |r| view.resources[r].priority());
    Some(rsc.max(a.priority)).filter(|&p| p > 0)
}

/// The name an action meta attribute has in the graph (`CRM_meta_` and `-` as `_`); none for
/// the cluster's own attributes (`#` or `:` in the name).
fn meta_name(name: &str) -> Option<String> {
    (!name.contains(['#', ':'])).then(|| format!("CRM_meta_{}", name.replace('-', "_")))
}

/// What `r` and each resource above it add: a clone instance its number, a clone its
/// limits (and promotable ones, also under their pre-2.0 names), a contained resource its
/// outermost container.
fn resource_meta(view: &ClusterView, r: RscIdx, out: &mut Meta) {
    let rsc = &view.resources[r];
    if rsc.kind == Kind::Primitive {
        if let Some(n) = clone_instance(view, r) {
            out.insert("CRM_meta_clone".into(), n.to_string());
        }
        if let Some(v) = rsc.meta("remote-node") {
            out.insert("CRM_meta_remote_node".into(), v.to_string());
        }
        // A bundle replica's instance is told the replica's address.
        let replica = view
            .bundles
            .iter()
            .flat_map(|b| &b.replicas)
            .find(|rep| rep.child == Some(r));
        if let Some(addr) = replica.and_then(|rep| rep.addr.as_ref()) {
            out.insert("pcmk_external_ip".into(), addr.clone());
        }
        let mut p = Some(r);
        while let Some(x) = p {
            if let Some(k) = crate::unpack::remote::container_of(view, &view.resources[x]) {
                out.insert("CRM_meta_container".into(), view.resources[k].id.clone());
            }
            p = view.resources[x].parent;
        }
    }
    let mut p = Some(r);
    while let Some(x) = p {
        // (A bundle, unlike the clone inside it, adds nothing.)
        let bundle = view.bundles.iter().any(|b| b.rsc == x);
        if let Some(c) = view.resources[x].clone.as_ref().filter(|_| !bundle) {
            let bool_text = |b: bool| if b { "true" } else { "false" };
            out.insert(
                "CRM_meta_globally_unique".into(),
                bool_text(c.shown_unique()).into(),
            );
            out.insert("CRM_meta_notify".into(), bool_text(c.notify).into());
            out.insert("CRM_meta_clone_max".into(), c.max.to_string());
            out.insert("CRM_meta_clone_node_max".into(), c.node_max.to_string());
            if c.promotable {
                for (name, v) in [
                    ("promoted_max", c.promoted_max),
                    ("promoted_node_max", c.promoted_node_max),
                    ("master_max", c.promoted_max),
                    ("master_node_max", c.promoted_node_max),
                ] {
                    out.insert(format!("CRM_meta_{name}"), v.to_string());
                }
            }
        }
        p = view.resources[x].parent;
    }
}

/// The instance number of the clone instance `r` is (or is part of).
fn clone_instance(view: &ClusterView, r: RscIdx) -> Option<usize> {
    let mut x = r;
    loop {
        let parent = view.resources[x].parent?;
        if view.resources[parent].clone.is_some() {
            let id = &view.resources[x].id;
            return id.rsplit_once(':').and_then(|(_, n)| n.parse().ok());
        }
        x = parent;
    }
}

/// Whether a parameter name can be an XML attribute name (others are left out).
fn valid_attr_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A bundle replica's connection configured to reach its container's host (`addr` is
/// `#uname`) reaches the node its container goes to, else the one it runs on now.
pub(crate) fn bundle_connection_host(
    view: &ClusterView,
    asg: &Assignment,
    r: RscIdx,
) -> Option<String> {
    if view.resources[r].params.get("addr").map(String::as_str) != Some("#uname") {
        return None;
    }
    let replica = view
        .bundles
        .iter()
        .flat_map(|b| &b.replicas)
        .find(|rep| rep.remote == Some(r))?;
    let k = replica.container;
    let node = asg.node[k].or_else(|| view.resources[k].running_nodes().first().copied())?;
    Some(view.nodes[node].uname.clone())
}

/// An action on a guest node names the host its container is on (`CRM_meta_physical_host`,
/// with the resource's `container-attribute-target`): where the container runs now for an
/// action that takes something down, where it goes for one that brings something up.
fn guest_host_meta(view: &ClusterView, asg: &Assignment, a: &Action, out: &mut Meta) {
    let Some(k) = a
        .node
        .and_then(|n| view.nodes[n].remote.as_ref())
        .and_then(|l| l.container)
    else {
        return;
    };
    let task = match a.task.as_str() {
        "notify" | "notified" => a
            .meta
            .get("CRM_meta_notify_operation")
            .map_or("", String::as_str),
        task => task,
    };
    let host = match task {
        "stop" | "stopped" | "demote" | "demoted" => {
            view.resources[k].running_nodes().first().copied()
        }
        "start" | "running" | "monitor" | "promote" | "promoted" => asg.node[k],
        _ => None,
    };
    let Some(host) = host else { return };
    if let Some(target) = a
        .rsc
        .and_then(|r| view.resources[r].meta("container-attribute-target"))
    {
        out.insert(
            "CRM_meta_container_attribute_target".into(),
            target.to_string(),
        );
    }
    out.insert(
        "CRM_meta_physical_host".into(),
        view.nodes[host].uname.clone(),
    );
}

/// `ID:AGENT:DIGEST,` for each fence device that unfences, last configured first (the two
/// digest kinds of [`crate::unpack::config_changes::fencing_digests`]).
fn unfencing_device_digests(view: &ClusterView, n: usize) -> (String, String) {
    let (mut all, mut secure) = (String::new(), String::new());
    for (r, rsc) in view.resources.iter().enumerate().rev() {
        let unfences = rsc.meta("provides") == Some("unfencing")
            || rsc.params.get("provides").map(String::as_str) == Some("unfencing")
            || rsc.meta("requires") == Some("unfencing");
        if rsc.kind != Kind::Primitive || rsc.class != "stonith" || !unfences {
            continue;
        }
        let (a, s) = crate::unpack::config_changes::fencing_digests(view, r, n);
        all += &format!("{}:{}:{a},", rsc.id, rsc.agent);
        secure += &format!("{}:{}:{s},", rsc.id, rsc.agent);
    }
    (all, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_names_are_shell_names_and_cluster_attributes_stay_out() {
        assert_eq!(meta_name("on-fail").as_deref(), Some("CRM_meta_on_fail"));
        assert_eq!(meta_name("fail-count-rsc#start_0"), None);
        assert_eq!(meta_name("last-failure-rsc:0"), None);
    }
}
