//! Nodes: configuration (`<nodes>`) plus membership state (`<node_state>`).

use super::{is_true, ClusterView, Config};
use crate::rules::{self, IdIndex, RuleContext};
use cib::membership::{judge, NodeStateFacts};
use cib::Element;
use std::collections::BTreeMap;

/// One node as the scheduler sees it.
#[derive(Debug, Clone, Default)]
pub struct NodeInfo {
    /// Node id (uuid).
    pub id: String,
    /// Node name.
    pub uname: String,
    /// `member`, `remote` (or guest, set later).
    pub kind: String,
    /// Can run resources.
    pub online: bool,
    /// Must be fenced before anything else happens to it.
    pub unclean: bool,
    /// Why it is unclean (Pacemaker's reason text).
    pub unclean_reason: String,
    /// In standby (also set while joining).
    pub standby: bool,
    /// Still joining.
    pub pending: bool,
    /// In maintenance.
    pub maintenance: bool,
    /// Shutting down cleanly.
    pub shutdown: bool,
    /// Expected to be up.
    pub expected_up: bool,
    /// Has a `node_state` entry.
    pub seen: bool,
    /// Node attributes (configuration, then transient), plus `#uname`, `#id`, `#kind`.
    pub attrs: BTreeMap<String, String>,
    /// Capacity (`utilization`).
    pub utilization: BTreeMap<String, i64>,
    /// Config-level score (`<node score>`), rarely used.
    pub base_score: crate::score::Score,
}

impl NodeInfo {
    /// Can this node host resources?
    pub fn can_run(&self) -> bool {
        self.online && !self.unclean && !self.standby && !self.maintenance && !self.shutdown
    }
}

/// Unpacks configured nodes and their `node_state`.
pub fn unpack(root: &Element, idx: &IdIndex, cfg: &Config, now: i64) -> Vec<NodeInfo> {
    let mut nodes = Vec::new();
    let ctx = RuleContext {
        now,
        ..Default::default()
    };
    if let Some(cnodes) = root.child("configuration").and_then(|c| c.child("nodes")) {
        for n in cnodes.children_named("node") {
            let id = n.attr("id").unwrap_or_default().to_string();
            let uname = n
                .attr("uname")
                .map(str::to_string)
                .unwrap_or_else(|| id.clone());
            let kind = match n.attr("type") {
                Some("remote") => "remote",
                _ => "member",
            };
            let mut attrs = BTreeMap::new();
            rules::unpack_nvpairs(idx, n, "instance_attributes", &ctx, &mut attrs);
            let mut util = BTreeMap::new();
            rules::unpack_nvpairs(idx, n, "utilization", &ctx, &mut util);
            let utilization = util
                .into_iter()
                .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k, v)))
                .collect();
            nodes.push(NodeInfo {
                id,
                uname,
                kind: kind.into(),
                attrs,
                utilization,
                unclean: cfg.stonith_enabled && cfg.startup_fencing && kind == "member",
                unclean_reason: "node is unclean".into(),
                base_score: n
                    .attr("score")
                    .and_then(crate::score::Score::parse)
                    .unwrap_or_default(),
                ..Default::default()
            });
        }
    }
    let Some(status) = root.child("status") else {
        return nodes;
    };
    for ns in status.children_named("node_state") {
        let id = ns.attr("id").unwrap_or_default();
        let Some(node) = nodes
            .iter_mut()
            .find(|n| n.id == id || (n.id.is_empty() && ns.attr("uname") == Some(&n.uname)))
        else {
            continue;
        };
        if node.kind != "member" {
            continue;
        }
        node.seen = true;
        node.unclean = false;
        if let Some(ta) = ns.child("transient_attributes") {
            let mut transient = BTreeMap::new();
            rules::unpack_nvpairs(idx, ta, "instance_attributes", &ctx, &mut transient);
            for (k, v) in transient {
                node.attrs.insert(k, v);
            }
        }
        determine_online(node, ns, cfg);
    }
    nodes
}

/// Applies the one membership rule ([`cib::membership::judge`]) to a cluster node.
fn determine_online(node: &mut NodeInfo, ns: &Element, cfg: &Config) {
    let facts = NodeStateFacts::of(
        ns,
        node.attrs.get("shutdown").map(String::as_str),
        node.attrs.get("terminate").map(String::as_str),
    );
    let m = judge(&facts, cfg.stonith_enabled);
    node.online = m.online;
    node.expected_up = m.expected_up;
    node.shutdown = m.shutdown;
    if m.pending {
        node.pending = true;
        node.standby = true;
    }
    if let Some(reason) = m.unclean {
        node.unclean = true;
        node.unclean_reason = reason.to_string();
    }
}

/// Derives standby/maintenance and the built-in rule attributes once everything is known.
pub fn finish(view: &mut ClusterView) {
    let dc = view.config.dc_uuid.clone();
    for n in &mut view.nodes {
        if n.attrs.get("standby").is_some_and(|v| is_true(v)) {
            n.standby = true;
        }
        if n.attrs.get("maintenance").is_some_and(|v| is_true(v)) || view.config.maintenance_mode {
            n.maintenance = true;
        }
        n.attrs.insert("#uname".into(), n.uname.clone());
        n.attrs.insert("#id".into(), n.id.clone());
        let kind = if n.kind == "member" {
            "cluster"
        } else {
            n.kind.as_str()
        }
        .to_string();
        n.attrs.insert("#kind".into(), kind);
        n.attrs.insert(
            "#is_dc".into(),
            (dc.as_deref() == Some(n.id.as_str())).to_string(),
        );
        if let Some(name) = view.config.get("cluster-name") {
            n.attrs.insert("#cluster-name".into(), name.to_string());
        }
    }
}
