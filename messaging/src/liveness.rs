//! Who is alive, through which links (sans-IO: callers pass the time in).
//!
//! A node is dead once *every* link has been silent for `deadtime` (`initdead` for a node never
//! heard since start-up; `deadping` for ping nodes). A link is dead once silent for `deadtime`.
//! A heartbeat arriving more than `warntime` after the previous one is reported as late.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::client::NodeStatus;

/// Timing parameters.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Silence before death.
    pub deadtime: Duration,
    /// Silence before a late-heartbeat warning.
    pub warntime: Duration,
    /// deadtime for nodes not heard since start-up.
    pub initdead: Duration,
    /// deadtime for ping nodes.
    pub deadping: Duration,
}

/// Normal cluster member or ping pseudo-node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A heartbeat node.
    Normal,
    /// A `ping`/`ping_group` pseudo-node.
    Ping,
}

impl NodeKind {
    /// `normal` or `ping`, as `cl_status nodetype` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Normal => "normal",
            NodeKind::Ping => "ping",
        }
    }
}

/// A state change callers must act upon (log, tell clients).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Node state changed.
    Node {
        /// Node.
        node: String,
        /// New state.
        status: NodeStatus,
        /// Its generation.
        generation: u64,
    },
    /// Link state changed.
    Link {
        /// Node.
        node: String,
        /// Link name.
        link: String,
        /// Alive now?
        up: bool,
    },
    /// A heartbeat came later than warntime.
    Late {
        /// Node.
        node: String,
        /// Time since the previous one.
        interval: Duration,
    },
}

#[derive(Debug)]
struct LinkState {
    last: Option<Instant>,
    up: bool,
}

#[derive(Debug)]
struct NodeState {
    kind: NodeKind,
    status: NodeStatus,
    generation: u64,
    last: Option<Instant>,
    links: BTreeMap<String, LinkState>,
}

/// The liveness table of every known node except the local one.
#[derive(Debug)]
pub struct Liveness {
    timing: Timing,
    started: Instant,
    link_names: Vec<String>,
    order: Vec<String>,
    nodes: BTreeMap<String, NodeState>,
}

impl Liveness {
    /// A table for `nodes` (status `init`), reached over `links`, starting at `now`.
    pub fn new(timing: Timing, links: Vec<String>, now: Instant) -> Self {
        Liveness {
            timing,
            started: now,
            link_names: links,
            order: Vec::new(),
            nodes: BTreeMap::new(),
        }
    }

    /// Adds a node (no-op if known).
    pub fn add_node(&mut self, name: &str, kind: NodeKind) {
        if self.nodes.contains_key(name) {
            return;
        }
        let links = match kind {
            NodeKind::Normal => self.link_names.clone(),
            // Heartbeat names a ping node's only link after the node itself.
            NodeKind::Ping => vec![name.to_string()],
        };
        self.order.push(name.to_string());
        self.nodes.insert(
            name.to_string(),
            NodeState {
                kind,
                status: NodeStatus::Init,
                generation: 0,
                last: None,
                links: links
                    .into_iter()
                    .map(|l| {
                        (
                            l,
                            LinkState {
                                last: None,
                                up: false,
                            },
                        )
                    })
                    .collect(),
            },
        );
    }

    /// Known nodes in the order they were added.
    pub fn nodes(&self) -> &[String] {
        &self.order
    }

    /// A node's kind.
    pub fn kind(&self, node: &str) -> Option<NodeKind> {
        self.nodes.get(node).map(|n| n.kind)
    }

    /// A node's state.
    pub fn status(&self, node: &str) -> Option<NodeStatus> {
        self.nodes.get(node).map(|n| n.status)
    }

    /// A node's generation (0 if never heard).
    pub fn generation(&self, node: &str) -> Option<u64> {
        self.nodes.get(node).map(|n| n.generation)
    }

    /// A node's links and whether each is up.
    pub fn links(&self, node: &str) -> Option<Vec<(String, bool)>> {
        self.nodes
            .get(node)
            .map(|n| n.links.iter().map(|(l, s)| (l.clone(), s.up)).collect())
    }

    /// A fresh heartbeat from `node` over `link`. `node_fresh` is false when another link already
    /// delivered this same heartbeat (then only the link is refreshed). `announced` is the state
    /// the node claims (`dead` means it is shutting down).
    pub fn heard(
        &mut self,
        node: &str,
        link: &str,
        generation: u64,
        announced: NodeStatus,
        node_fresh: bool,
        now: Instant,
    ) -> Vec<Change> {
        let mut out = Vec::new();
        let warntime = self.timing.warntime;
        let Some(n) = self.nodes.get_mut(node) else {
            return out;
        };
        if let Some(l) = n.links.get_mut(link) {
            l.last = Some(now);
            if !l.up {
                l.up = true;
                out.push(Change::Link {
                    node: node.to_string(),
                    link: link.to_string(),
                    up: true,
                });
            }
        }
        if !node_fresh {
            return out;
        }
        if let Some(prev) = n.last {
            let interval = now.saturating_duration_since(prev);
            if interval > warntime && n.status.is_alive() {
                out.push(Change::Late {
                    node: node.to_string(),
                    interval,
                });
            }
        }
        n.last = Some(now);
        let restarted = n.generation != 0 && generation > n.generation && n.status.is_alive();
        n.generation = generation;
        if restarted {
            // The node died and came back between two heartbeats: say so, so clients
            // forget what they knew about its previous life.
            out.push(Change::Node {
                node: node.to_string(),
                status: NodeStatus::Dead,
                generation,
            });
            n.status = NodeStatus::Dead;
        }
        let status = match (n.kind, announced) {
            (NodeKind::Ping, _) => NodeStatus::Ping,
            (_, NodeStatus::Dead) => NodeStatus::Dead,
            (_, s) => s,
        };
        if status != n.status {
            n.status = status;
            out.push(Change::Node {
                node: node.to_string(),
                status,
                generation,
            });
        }
        out
    }

    /// Expires silent links and nodes.
    pub fn tick(&mut self, now: Instant) -> Vec<Change> {
        let mut out = Vec::new();
        let since_start = now.saturating_duration_since(self.started);
        for (name, n) in self.nodes.iter_mut() {
            let deadtime = match n.kind {
                NodeKind::Normal => self.timing.deadtime,
                NodeKind::Ping => self.timing.deadping,
            };
            for (lname, l) in n.links.iter_mut() {
                let silent = l.last.map(|t| now.saturating_duration_since(t) > deadtime);
                if l.up && silent == Some(true) {
                    l.up = false;
                    out.push(Change::Link {
                        node: name.clone(),
                        link: lname.clone(),
                        up: false,
                    });
                }
            }
            let expired = match n.last {
                Some(t) => now.saturating_duration_since(t) > deadtime,
                None => since_start > self.timing.initdead.max(deadtime),
            };
            if expired && n.status != NodeStatus::Dead {
                n.status = NodeStatus::Dead;
                out.push(Change::Node {
                    node: name.clone(),
                    status: NodeStatus::Dead,
                    generation: n.generation,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(now: Instant) -> Liveness {
        let t = Timing {
            deadtime: Duration::from_secs(2),
            warntime: Duration::from_secs(1),
            initdead: Duration::from_secs(4),
            deadping: Duration::from_secs(2),
        };
        let mut l = Liveness::new(t, vec!["eth0".into(), "eth1".into()], now);
        l.add_node("n2", NodeKind::Normal);
        l
    }

    #[test]
    fn node_lives_while_any_link_speaks() {
        let t0 = Instant::now();
        let mut l = table(t0);
        let s = |x: u64| t0 + Duration::from_millis(x);
        l.heard("n2", "eth0", 7, NodeStatus::Active, true, s(0));
        l.heard("n2", "eth1", 7, NodeStatus::Active, false, s(0));
        for ms in (500..=3000).step_by(500) {
            l.heard("n2", "eth1", 7, NodeStatus::Active, true, s(ms));
            let ch = l.tick(s(ms));
            assert!(
                !ch.iter().any(|c| matches!(c, Change::Node { .. })),
                "{ch:?}"
            );
        }
        assert_eq!(
            l.links("n2").unwrap(),
            vec![("eth0".into(), false), ("eth1".into(), true)]
        );
        let ch = l.tick(s(5100));
        assert!(ch.contains(&Change::Node {
            node: "n2".into(),
            status: NodeStatus::Dead,
            generation: 7
        }));
    }

    #[test]
    fn initdead_applies_before_first_contact_and_restart_is_reported() {
        let t0 = Instant::now();
        let mut l = table(t0);
        assert!(l.tick(t0 + Duration::from_secs(3)).is_empty());
        assert_eq!(l.tick(t0 + Duration::from_secs(5)).len(), 1);
        let t = t0 + Duration::from_secs(6);
        l.heard("n2", "eth0", 7, NodeStatus::Active, true, t);
        let ch = l.heard("n2", "eth0", 8, NodeStatus::Active, true, t);
        let states: Vec<_> = ch
            .iter()
            .filter_map(|c| match c {
                Change::Node { status, .. } => Some(*status),
                _ => None,
            })
            .collect();
        assert_eq!(states, vec![NodeStatus::Dead, NodeStatus::Active]);
    }
}
