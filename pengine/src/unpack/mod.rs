//! Stage 1: the CIB element tree -> [`ClusterView`], the scheduler's read-only picture of the
//! cluster (options, nodes, the resource tree with clone instances expanded, and what each
//! resource is doing on each node according to its operation history).

pub mod bundle;
pub mod bundle_container;
mod config;
pub(crate) mod config_changes;
pub(crate) mod expiry;
mod node_params;
mod nodes;
pub mod remote;
mod resources;
mod shutdown_lock;
pub(crate) mod status;

pub use cib::history::{OnFail, OpRecord, Role, RscNodeState};
pub use config::{Config, NoQuorumPolicy};
pub use nodes::{cmp_names as cmp_node_names, NodeInfo};
pub use resources::{CloneConfig, Kind, OpDef, Resource};

use crate::rules::IdIndex;
use crate::Diagnostics;
use cib::Element;
use std::collections::BTreeMap;

/// Index of a node in [`ClusterView::nodes`].
pub type NodeIdx = usize;
/// Index of a resource in [`ClusterView::resources`].
pub type RscIdx = usize;

/// The scheduler's view of the cluster, built once from the CIB.
pub struct ClusterView {
    /// Cluster options.
    pub config: Config,
    /// Nodes in CIB order.
    pub nodes: Vec<NodeInfo>,
    /// Node name -> index.
    pub node_by_name: BTreeMap<String, NodeIdx>,
    /// All resources (parents before children), clone instances expanded.
    pub resources: Vec<Resource>,
    /// Resource id (instance id for clone instances) -> index.
    pub rsc_by_id: BTreeMap<String, RscIdx>,
    /// Top-level resources in CIB order.
    pub top: Vec<RscIdx>,
    /// Tickets: id -> (granted, standby).
    pub tickets: BTreeMap<String, (bool, bool)>,
    /// History ids (or `id-` prefixes) of unsupported constructs, not orphans.
    pub unsupported_ids: Vec<String>,
    /// Bundles and the resources and guest nodes they were expanded into.
    pub bundles: Vec<bundle::Bundle>,
    /// "Now" used for rules and failure timeouts.
    pub now: i64,
}

impl ClusterView {
    /// Builds the view.
    pub fn unpack(root: &Element, idx: &IdIndex, now: i64, diags: &mut Diagnostics) -> ClusterView {
        let config = config::unpack(root, idx, now);
        let nodes = nodes::unpack(root, idx, &config, now);
        let node_by_name = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.uname.clone(), i))
            .collect();
        let mut view = ClusterView {
            config,
            nodes,
            node_by_name,
            resources: Vec::new(),
            rsc_by_id: BTreeMap::new(),
            top: Vec::new(),
            tickets: BTreeMap::new(),
            unsupported_ids: Vec::new(),
            bundles: Vec::new(),
            now,
        };
        remote::add_nodes(root, idx, &mut view);
        resources::unpack(root, idx, &mut view, diags);
        remote::link_connections(&mut view);
        status::unpack(root, idx, &mut view, diags);
        nodes::finish(&mut view);
        node_params::unpack(root, idx, &mut view);
        bundle::restart_changed_containers(&mut view);
        config_changes::check(&mut view);
        shutdown_lock::apply(&mut view);
        if let Some(t) = root.child("status").and_then(|s| s.child("tickets")) {
            for ticket in t.children_named("ticket_state") {
                if let Some(id) = ticket.attr("id") {
                    let granted = ticket.attr("granted").is_some_and(crate::unpack::is_true);
                    let standby = ticket.attr("standby").is_some_and(crate::unpack::is_true);
                    view.tickets.insert(id.to_string(), (granted, standby));
                }
            }
        }
        view
    }

    /// The top-level ancestor of a resource.
    pub fn top_of(&self, mut r: RscIdx) -> RscIdx {
        while let Some(p) = self.resources[r].parent {
            r = p;
        }
        r
    }

    /// Whether `inner` is `outer` or lies inside it.
    pub fn is_within(&self, mut inner: RscIdx, outer: RscIdx) -> bool {
        loop {
            if inner == outer {
                return true;
            }
            match self.resources[inner].parent {
                Some(p) => inner = p,
                None => return false,
            }
        }
    }

    /// The topmost resource above `r` below any bundle (Pacemaker's `uber_parent`: a bundle's
    /// container, IP and connection, and its clone, are their own tops).
    pub fn top_below_bundle(&self, mut r: RscIdx) -> RscIdx {
        while let Some(p) = self.resources[r].parent {
            if self.bundles.iter().any(|b| b.rsc == p) {
                break;
            }
            r = p;
        }
        r
    }

    /// Fencing is enabled but no fencing device is configured: then nothing can be fenced and
    /// Pacemaker unmanages every primitive when it assigns it.
    pub fn fencing_without_devices(&self) -> bool {
        self.config.stonith_enabled && !self.resources.iter().any(|r| r.class == "stonith")
    }

    /// All primitives under (or equal to) `r`, in tree order.
    pub fn primitives_of(&self, r: RscIdx) -> Vec<RscIdx> {
        let mut out = Vec::new();
        let mut stack = vec![r];
        while let Some(x) = stack.pop() {
            let rsc = &self.resources[x];
            if rsc.kind == Kind::Primitive {
                out.push(x);
            } else {
                stack.extend(rsc.children.iter().rev());
            }
        }
        out
    }

    /// Where primitive `r` is active and in which role, by node index.
    pub fn active_roles(&self, r: RscIdx) -> Vec<(NodeIdx, Role)> {
        self.resources[r]
            .node_state
            .iter()
            .filter(|(_, s)| s.role.is_active())
            .map(|(n, s)| (*n, s.role))
            .collect()
    }

    /// Nodes a resource (any kind) is active on, sorted and deduplicated.
    pub fn running_on(&self, r: RscIdx) -> Vec<NodeIdx> {
        let mut v: Vec<NodeIdx> = self
            .primitives_of(r)
            .iter()
            .flat_map(|p| self.resources[*p].running_nodes())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

pub use vocab::is_true;

/// An op's `interval` or `timeout` in milliseconds; an empty value means 0 (an op without an
/// interval), malformed text `None`.
pub fn parse_interval_ms(v: &str) -> Option<u64> {
    if v.trim().is_empty() {
        return Some(0);
    }
    vocab::parse_duration_ms(v).ok()
}

/// With fencing enabled and no fencing device, no primitive may be started or stopped (data
/// integrity needs fencing): each is left where it is, as Pacemaker's assignment does.
/// (crm_verify reports the configuration error itself.)
pub fn unmanage_without_fencing_devices(view: &mut ClusterView) {
    if !view.fencing_without_devices() {
        return;
    }
    for rsc in view
        .resources
        .iter_mut()
        .filter(|r| r.kind == Kind::Primitive)
    {
        rsc.no_fencing_device = true;
    }
}
