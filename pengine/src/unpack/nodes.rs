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
    /// Capacity as written, in the order Pacemaker reads it (for `crm_simulate -U`).
    pub utilization_text: Vec<(String, String)>,
    /// Config-level score (`<node score>`), rarely used.
    pub base_score: vocab::score::Score,
    /// For a Pacemaker Remote or guest node: its connection and what is known about it.
    pub remote: Option<super::remote::RemoteLink>,
    /// Position of its `node_state` in the status section (the order Pacemaker reads
    /// histories in, so the order a multiply active resource lists its nodes in).
    pub status_order: usize,
    /// A fencing device's definition changed here: the node is unfenced again (with this
    /// reason), and what needs unfencing restarts after it.
    pub unfence_reason: Option<String>,
    /// Listed under `<nodes>` (not only made for a remote connection or bundle replica).
    pub configured: bool,
}

impl NodeInfo {
    /// A Pacemaker Remote or guest node (reached through a connection resource).
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// A guest node (its connection runs inside a container resource).
    pub fn is_guest(&self) -> bool {
        self.remote.as_ref().is_some_and(|r| r.container.is_some())
    }

    /// Whether it could run resources as unpacked, before placement brought remote nodes up
    /// or down (Pacemaker checks configuration changes and clean-ups at that point).
    pub fn available_before_placement(&self) -> bool {
        let (online, unclean, shutdown) = match &self.remote {
            Some(l) => (l.was_online, l.was_unclean, l.was_shutdown),
            None => (self.online, self.unclean, self.shutdown),
        };
        online && !unclean && !shutdown && !self.standby && !self.maintenance
    }

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
                    .and_then(vocab::score::Score::parse)
                    .unwrap_or_default(),
                remote: (kind == "remote").then(super::remote::RemoteLink::default),
                configured: true,
                ..Default::default()
            });
        }
    }
    let Some(status) = root.child("status") else {
        return nodes;
    };
    for (order, ns) in status.children_named("node_state").enumerate() {
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
        node.status_order = order;
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
        // (Pacemaker reads a cluster node's standby with its node state: a node the status
        // never mentions is not in standby.)
        let stated = n.seen || n.kind != "member";
        if stated && n.attrs.get("standby").is_some_and(|v| is_true(v)) {
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
        // The node's site: its `site-name` attribute, else the cluster's name.
        if !n.attrs.contains_key("#site-name") {
            let site = n
                .attrs
                .get("site-name")
                .map(String::as_str)
                .or_else(|| view.config.get("cluster-name"))
                .map(str::to_string);
            if let Some(site) = site {
                n.attrs.insert("#site-name".into(), site);
            }
        }
    }
}

/// Pacemaker's node name order: case-insensitive, with runs of digits compared as numbers
/// ("node9" < "node10" < "remotenode9"); the order its node list, and so fencing, follows.
pub fn cmp_names(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let digits =
        |s: &[u8], from: usize| from + s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let (ei, ej) = (digits(a, i), digits(b, j));
            let value = |s: &[u8]| {
                s.iter().fold(0u128, |v, c| {
                    v.saturating_mul(10).saturating_add(u128::from(c - b'0'))
                })
            };
            let by_value = value(&a[i..ei]).cmp(&value(&b[j..ej]));
            let by_len = (ei - i).cmp(&(ej - j));
            match by_value.then(by_len) {
                Ordering::Equal => {}
                other => return other,
            }
            (i, j) = (ei, ej);
        } else {
            match a[i].to_ascii_lowercase().cmp(&b[j].to_ascii_lowercase()) {
                Ordering::Equal => {}
                other => return other,
            }
            i += 1;
            j += 1;
        }
    }
    // Whichever has characters left sorts last.
    (a.len() - i).min(1).cmp(&(b.len() - j).min(1))
}

#[cfg(test)]
mod tests {
    use super::cmp_names;
    use std::cmp::Ordering::*;

    #[test]
    fn numbers_sort_by_value_and_case_is_ignored() {
        assert_eq!(cmp_names("node9", "node10"), Less);
        assert_eq!(cmp_names("node10", "remotenode9"), Less);
        assert_eq!(cmp_names("Node1", "node1"), Equal);
        assert_eq!(cmp_names("node007", "node7"), Greater);
        assert_eq!(cmp_names("galera-2", "messaging-1"), Less);
        assert_eq!(cmp_names("node", "node1"), Less);
    }
}
