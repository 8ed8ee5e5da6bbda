//! A seeded network of N nodes. One ChaCha RNG decides every random choice (loss, delay, and
//! whatever the cluster model draws through [`Network::random`]), so a seed replays exactly.
//!
//! Reachability is directed: `reaches(from, to)` needs both nodes powered, on the same side of
//! the partition, and the link `from -> to` not cut. A link cut one way models asymmetric
//! connectivity (A hears B, B does not hear A); other nodes may still reach both (not transitive).

use std::collections::BTreeSet;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Millis;

/// Network parameters.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Number of nodes.
    pub nodes: usize,
    /// RNG seed.
    pub seed: u64,
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Packet delay range in ms (random within, so packets reorder).
    pub delay: (Millis, Millis),
}

/// The links between nodes and the RNG behind every random choice.
#[derive(Debug)]
pub struct Network {
    rng: ChaCha8Rng,
    loss: f64,
    delay: (Millis, Millis),
    up: Vec<bool>,
    side: Vec<usize>,
    /// Directed links cut: `(from, to)` drops what `from` sends to `to`.
    cut: BTreeSet<(usize, usize)>,
}

impl Network {
    /// All nodes powered off, one side, nothing cut.
    pub fn new(cfg: &NetConfig) -> Self {
        Network {
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            loss: cfg.loss,
            delay: cfg.delay,
            up: vec![false; cfg.nodes],
            side: vec![0; cfg.nodes],
            cut: BTreeSet::new(),
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.up.len()
    }

    /// Whether the network has no nodes.
    pub fn is_empty(&self) -> bool {
        self.up.is_empty()
    }

    /// Whether node `i` is powered.
    pub fn is_up(&self, i: usize) -> bool {
        self.up[i]
    }

    /// Powers node `i` on or off.
    pub fn set_up(&mut self, i: usize, up: bool) {
        self.up[i] = up;
    }

    /// Node `i`'s side of the partition.
    pub fn side(&self, i: usize) -> usize {
        self.side[i]
    }

    /// Whether what `from` sends can reach `to` right now (loss aside).
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        self.up[from]
            && self.up[to]
            && self.side[from] == self.side[to]
            && !self.cut.contains(&(from, to))
    }

    /// Whether `a` and `b` reach each other both ways.
    pub fn connected(&self, a: usize, b: usize) -> bool {
        self.reaches(a, b) && self.reaches(b, a)
    }

    /// Splits the network: `side[i]` is node i's side; nodes talk only within a side.
    pub fn partition(&mut self, side: Vec<usize>) {
        assert_eq!(side.len(), self.up.len());
        self.side = side;
    }

    /// Cuts the link between `a` and `b` both ways.
    pub fn cut(&mut self, a: usize, b: usize) {
        self.cut.insert((a, b));
        self.cut.insert((b, a));
    }

    /// Cuts only `from -> to`: `to` stops hearing `from`, `from` still hears `to`.
    pub fn cut_one_way(&mut self, from: usize, to: usize) {
        self.cut.insert((from, to));
    }

    /// One side again, every link restored (power and loss unchanged).
    pub fn heal(&mut self) {
        self.side = vec![0; self.up.len()];
        self.cut.clear();
    }

    /// Sets the packet-loss probability.
    pub fn set_loss(&mut self, loss: f64) {
        self.loss = loss;
    }

    /// Sends one packet `from -> to`: its delay, or `None` when it is lost or cannot arrive.
    pub fn transmit(&mut self, from: usize, to: usize) -> Option<Millis> {
        if !self.reaches(from, to) || self.rng.random_bool(self.loss) {
            return None;
        }
        Some(self.delay())
    }

    /// A packet delay drawn from the configured range.
    pub fn delay(&mut self) -> Millis {
        self.rng.random_range(self.delay.0..=self.delay.1)
    }

    /// A random number in `lo..=hi`.
    pub fn random_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        self.rng.random_range(lo..=hi)
    }

    /// A random number in `lo..hi`.
    pub fn random(&mut self, lo: u64, hi: u64) -> u64 {
        self.rng.random_range(lo..hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(n: usize) -> Network {
        let mut net = Network::new(&NetConfig {
            nodes: n,
            seed: 1,
            loss: 0.0,
            delay: (1, 30),
        });
        for i in 0..n {
            net.set_up(i, true);
        }
        net
    }

    #[test]
    fn a_one_way_cut_drops_one_direction_only() {
        let mut net = net(3);
        net.cut_one_way(0, 1);
        assert!(!net.reaches(0, 1));
        assert!(net.reaches(1, 0));
        assert!(!net.connected(0, 1));
        assert!(net.connected(0, 2) && net.connected(1, 2));
        assert_eq!(net.transmit(0, 1), None);
        assert!(net.transmit(1, 0).is_some());
        net.heal();
        assert!(net.connected(0, 1));
    }

    #[test]
    fn partitions_and_power_block_both_ways() {
        let mut net = net(3);
        net.partition(vec![0, 0, 1]);
        assert!(net.connected(0, 1));
        assert!(!net.reaches(0, 2) && !net.reaches(2, 0));
        net.set_up(1, false);
        assert!(!net.reaches(0, 1));
    }

    #[test]
    fn same_seed_same_draws() {
        let (mut a, mut b) = (net(2), net(2));
        let da: Vec<_> = (0..20).map(|_| a.transmit(0, 1)).collect();
        let db: Vec<_> = (0..20).map(|_| b.transmit(0, 1)).collect();
        assert_eq!(da, db);
    }
}
