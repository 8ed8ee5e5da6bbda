//! Nodes: configuration (`<nodes>`) plus membership state (`<node_state>`).

use super::{is_true, ClusterView, Config};
use crate::rules::{self, IdIndex, RuleContext};
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
    /// Capacity as written, in the order Pacemaker reads it (for `crm_simulate -U`).
    pub utilization_text: Vec<(String, String)>,
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
            let utilization_text = rules::nvpairs_in_order(idx, n, "utilization", &ctx);
            let utilization = utilization_text
                .iter()
                .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k.clone(), v)))
                .collect();
            nodes.push(NodeInfo {
                id,
                uname,
                kind: kind.into(),
                attrs,
                utilization,
                utilization_text,
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

fn member_flag(v: Option<&str>) -> Option<bool> {
    v.map(|v| is_true(v) || v.parse::<i64>().is_ok_and(|n| n > 0))
}

fn determine_online(node: &mut NodeInfo, ns: &Element, cfg: &Config) {
    let in_cluster = member_flag(ns.attr("in_ccm"));
    let crmd_online = ns
        .attr("crmd")
        .is_some_and(|c| c == "online" || c.parse::<i64>().is_ok_and(|n| n > 0));
    let join = ns.attr("join").unwrap_or("");
    let expected = ns.attr("expected").unwrap_or("");
    node.expected_up = expected == "member";
    node.shutdown = node
        .attrs
        .get("shutdown")
        .is_some_and(|v| v != "0" && !v.is_empty());
    let terminate = node
        .attrs
        .get("terminate")
        .is_some_and(|v| is_true(v) || v.parse::<i64>().is_ok_and(|n| n > 0));
    let fence = |node: &mut NodeInfo, reason: &str| {
        node.unclean = true;
        node.unclean_reason = reason.to_string();
    };
    if !cfg.stonith_enabled {
        if in_cluster != Some(true) {
            return;
        }
        if crmd_online {
            if join == "member" {
                node.online = true;
            }
        } else if node.expected_up && !node.shutdown {
            fence(node, "peer is unexpectedly down");
        }
        return;
    }
    if node.shutdown {
        node.online = in_cluster == Some(true) && crmd_online;
    } else if in_cluster.is_none() {
        fence(node, "peer has not been seen by the cluster");
    } else if join == "nack" {
        fence(node, "peer failed Pacemaker membership criteria");
    } else if !terminate && expected == "down" {
        if in_cluster == Some(true) || crmd_online {
            node.standby = true;
            node.pending = true;
        }
    } else if terminate && join == "down" && in_cluster == Some(false) && !crmd_online {
        // just fenced
    } else if in_cluster == Some(false) && (node.expected_up || join != "down") {
        fence(node, "peer is no longer part of the cluster");
    } else if in_cluster == Some(false) {
        // Left cleanly: simply offline.
    } else if !crmd_online && node.expected_up {
        fence(node, "peer process is no longer available");
    } else if !crmd_online {
        // Never fully joined: not running anything we know of.
    } else if terminate {
        fence(node, "termination was requested");
    } else if join == "member" {
        node.online = true;
    } else if join == "pending" || join == "down" {
        node.standby = true;
        node.pending = true;
    } else {
        fence(node, "peer was in an unknown state");
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
