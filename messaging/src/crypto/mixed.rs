//! Whether our links may be encrypted: not while a node that cannot decrypt them (a Heartbeat
//! 3.0.6 peer in a rolling migration) is up.
//!
//! Our nodes put `crypto=<cipher>` in their heartbeats, sealed or not. An authentic, fresh clear
//! heartbeat without it comes from a node that cannot decrypt: encryption stops while such a node
//! has been heard within the hold time (the deadtime), and starts again once none has. Only
//! heartbeats that passed signature and replay checks count, so a replayed packet cannot switch
//! encryption off.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A change of mode, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Switch {
    /// `node` sends clear heartbeats without crypto support: links go (or stay) clear.
    Off {
        /// The node.
        node: String,
    },
    /// No such node heard for the hold time: links are encrypted again.
    On,
}

/// The nodes that cannot decrypt, with when each was last heard.
#[derive(Debug)]
pub struct MixedCluster {
    hold: Duration,
    clear_only: BTreeMap<String, Instant>,
}

impl MixedCluster {
    /// Encrypting until a clear-only node is heard; such a node counts for `hold` after its last
    /// heartbeat.
    pub fn new(hold: Duration) -> MixedCluster {
        MixedCluster {
            hold,
            clear_only: BTreeMap::new(),
        }
    }

    /// Whether packets are sealed now.
    pub fn encrypting(&self) -> bool {
        self.clear_only.is_empty()
    }

    /// An authentic, fresh heartbeat from `node`: sealed or advertising crypto (`capable`), or not.
    pub fn heard(&mut self, node: &str, capable: bool, now: Instant) -> Option<Switch> {
        if capable {
            let was = self.encrypting();
            self.clear_only.remove(node);
            return (!was && self.encrypting()).then_some(Switch::On);
        }
        let new = self.clear_only.insert(node.to_string(), now).is_none();
        new.then(|| Switch::Off {
            node: node.to_string(),
        })
    }

    /// Forgets clear-only nodes silent for the hold time.
    pub fn tick(&mut self, now: Instant) -> Option<Switch> {
        let was = self.encrypting();
        let hold = self.hold;
        self.clear_only
            .retain(|_, last| now.saturating_duration_since(*last) < hold);
        (!was && self.encrypting()).then_some(Switch::On)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_only_node_stops_encryption_until_it_is_gone() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut m = MixedCluster::new(2 * s);
        assert!(m.encrypting());
        assert_eq!(m.heard("node2", true, t0), None);
        assert_eq!(
            m.heard("node1", false, t0),
            Some(Switch::Off {
                node: "node1".into()
            })
        );
        assert!(!m.encrypting());
        assert_eq!(m.heard("node1", false, t0 + s), None, "reported once");
        assert_eq!(m.tick(t0 + 2 * s), None, "heard 1 s ago");
        assert_eq!(m.tick(t0 + 3 * s), Some(Switch::On));
        assert!(m.encrypting());
    }

    #[test]
    fn a_replaced_node_that_advertises_crypto_turns_it_back_on_at_once() {
        let t0 = Instant::now();
        let mut m = MixedCluster::new(Duration::from_secs(2));
        m.heard("node1", false, t0);
        m.heard("node3", false, t0);
        assert_eq!(m.heard("node1", true, t0), None, "node3 still clear-only");
        assert_eq!(m.heard("node3", true, t0), Some(Switch::On));
    }
}
