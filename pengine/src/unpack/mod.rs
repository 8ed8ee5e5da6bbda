//! Stage 1: the CIB element tree -> [`ClusterView`], the scheduler's read-only picture of the
//! cluster (options, nodes, the resource tree with clone instances expanded, and what each
//! resource is doing on each node according to its operation history).

mod config;
mod expiry;
mod nodes;
mod resources;
mod status;

pub use config::{Config, NoQuorumPolicy};
pub use nodes::NodeInfo;
pub use resources::{CloneConfig, Kind, OpDef, Resource};
pub use status::{OnFail, OpRecord, RscNodeState};

use crate::rules::IdIndex;
use crate::Diagnostics;
use cib::Element;
use std::collections::BTreeMap;

/// A resource role, in Pacemaker's order (higher is "more active").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Role {
    /// Not known yet.
    #[default]
    Unknown,
    /// Not running.
    Stopped,
    /// Running (non-promotable, or promotable before its role is known).
    Started,
    /// Running as the unpromoted instance of a promotable clone.
    Unpromoted,
    /// Running promoted.
    Promoted,
}

impl Role {
    /// Parses target-role / rsc-role values, including the legacy Master/Slave names.
    pub fn parse(text: &str) -> Option<Role> {
        match text.to_ascii_lowercase().as_str() {
            "stopped" => Some(Role::Stopped),
            "started" => Some(Role::Started),
            "unpromoted" | "slave" => Some(Role::Unpromoted),
            "promoted" | "master" => Some(Role::Promoted),
            _ => None,
        }
    }

    /// The name crm_simulate prints.
    pub fn name(self) -> &'static str {
        match self {
            Role::Unknown => "Unknown",
            Role::Stopped => "Stopped",
            Role::Started => "Started",
            Role::Unpromoted => "Unpromoted",
            Role::Promoted => "Promoted",
        }
    }

    /// True when the resource is running in this role.
    pub fn is_active(self) -> bool {
        self >= Role::Started
    }
}

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
    /// History ids (or `id-` prefixes) of unsupported constructs (bundles), not orphans.
    pub unsupported_ids: Vec<String>,
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
            now,
        };
        resources::unpack(root, idx, &mut view, diags);
        status::unpack(root, idx, &mut view, diags);
        nodes::finish(&mut view);
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

/// Pacemaker's boolean spellings.
pub fn is_true(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "yes" | "y" | "on" | "1"
    )
}

/// Parses an interval or timeout (`10s`, `5min`, `1h`, `PT5M`, bare seconds) into milliseconds.
pub fn parse_interval_ms(v: &str) -> Option<u64> {
    let v = v.trim();
    if v.is_empty() {
        return Some(0);
    }
    if let Some(iso) = v.strip_prefix("PT").or_else(|| v.strip_prefix('P')) {
        let mut total = 0f64;
        let mut num = String::new();
        let mut in_time = v.starts_with("PT");
        for c in iso.chars() {
            match c {
                '0'..='9' | '.' => num.push(c),
                'T' => in_time = true,
                _ => {
                    let n: f64 = num.parse().ok()?;
                    num.clear();
                    total += n * match (c, in_time) {
                        ('H', _) => 3600.0,
                        ('M', true) => 60.0,
                        ('M', false) => 30.0 * 86400.0,
                        ('S', _) => 1.0,
                        ('D', _) => 86400.0,
                        ('W', _) => 7.0 * 86400.0,
                        ('Y', _) => 365.0 * 86400.0,
                        _ => return None,
                    };
                }
            }
        }
        return Some((total * 1000.0) as u64);
    }
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
        "ms" | "msec" | "msecs" => 1.0,
        "us" | "usec" | "usecs" => 0.001,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}
