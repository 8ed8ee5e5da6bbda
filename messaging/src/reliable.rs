//! Reliable, ordered delivery per sender (sans-IO).
//!
//! As in Heartbeat 3.0.6, every packet a node sends except the `NS_` protocol packets carries
//! `seq` (hex) from one counter per process, its heartbeats (`t=status`) included, so each
//! heartbeat also tells how far the sender got. A receiver delivers in `seq` order, buffers what
//! arrives early and asks the sender for each missing number (`t=NS_rexmit`, decimal
//! `firstseq`=`lastseq`). The sender answers from its history, or with `t=NS_nak_rexmit
//! firstseq=<hex>` for what it no longer holds, and the receiver then skips that number.
//! Items are generic: the daemon keeps sealed datagrams on the sending side and packets on the
//! receiving side.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// How many sent messages a node keeps for retransmission.
pub const HISTORY_LEN: usize = 1000;
/// How many early messages a receiver buffers per sender before giving up on a gap.
pub const MAX_PENDING: usize = 2000;
/// A sender whose first packet we see with `seq` at most this just started: deliver from seq 1.
pub const FRESH_START_SEQ: u64 = 3;

/// Flow-control acks go out for one `seq` in this many (Heartbeat's `ACK_MSG_DIV`).
pub const ACK_DIV: u64 = 10;

/// Heartbeat's flow control: a sender that announced `protocol` frees its history and lets its
/// clients go on only as receivers acknowledge (`t=NS_ackmsg ackseq=<hex>`). Each receiver acks
/// the numbers `n` with `n % ACK_DIV == trigger` (its own random offset) up to what it has
/// delivered in order. The `seq` to ack now, if it is newer than `acked`.
pub fn ack_due(delivered: u64, trigger: u64, acked: u64) -> Option<u64> {
    if delivered < trigger {
        return None;
    }
    let due = (delivered - trigger) / ACK_DIV * ACK_DIV + trigger;
    (due > 0 && due > acked).then_some(due)
}

/// The sending side: sequence numbers and history.
#[derive(Debug)]
pub struct Outbox<T> {
    last_seq: u64,
    history: VecDeque<(u64, T)>,
}

impl<T> Default for Outbox<T> {
    fn default() -> Self {
        Outbox {
            last_seq: 0,
            history: VecDeque::new(),
        }
    }
}

impl<T: Clone> Outbox<T> {
    /// The `seq` the next [`Outbox::keep`] takes.
    pub fn next_seq(&self) -> u64 {
        self.last_seq + 1
    }

    /// Keeps `item`, sent with the next `seq`, for retransmission; returns that `seq`.
    pub fn keep(&mut self, item: T) -> u64 {
        self.last_seq += 1;
        if self.history.len() == HISTORY_LEN {
            self.history.pop_front();
        }
        self.history.push_back((self.last_seq, item));
        self.last_seq
    }

    /// The newest `seq` sent.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Answers a retransmission request: the messages still held, and the range no longer held.
    pub fn retransmit(&self, first: u64, last: u64) -> (Vec<T>, Option<(u64, u64)>) {
        let last = last.min(self.last_seq);
        let oldest = self
            .history
            .front()
            .map(|(s, _)| *s)
            .unwrap_or(self.last_seq + 1);
        let msgs = self
            .history
            .iter()
            .filter(|(s, _)| (first..=last).contains(s))
            .map(|(_, m)| m.clone())
            .collect();
        let lost = (first < oldest).then(|| (first, last.min(oldest - 1)));
        (msgs, lost)
    }
}

/// What became of one incoming sequenced message.
#[derive(Debug, PartialEq, Eq)]
pub enum Received<T> {
    /// These messages are now deliverable, in order.
    Deliver(Vec<T>),
    /// Already delivered or buffered (a second path, a retransmission, or a replay).
    Duplicate,
    /// Held until the gap before it is filled.
    Buffered,
}

/// The receiving side for one sender and generation.
#[derive(Debug)]
pub struct Inbox<T> {
    generation: u64,
    delivered: u64,
    started: bool,
    pending: BTreeMap<u64, T>,
    highest_known: u64,
    last_request: Option<Instant>,
}

impl<T> Inbox<T> {
    /// A receiver for a sender's generation, before anything is known of its numbering.
    pub fn new(generation: u64) -> Self {
        Inbox {
            generation,
            delivered: 0,
            started: false,
            pending: BTreeMap::new(),
            highest_known: 0,
            last_request: None,
        }
    }

    /// The generation this inbox follows.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The last `seq` delivered.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// A sequenced message arrived.
    pub fn receive(&mut self, seq: u64, msg: T) -> Received<T> {
        if !self.started {
            self.started = true;
            // A sender that just started: everything it sent is for us. Otherwise join at its present.
            self.delivered = if seq <= FRESH_START_SEQ { 0 } else { seq - 1 };
        }
        self.highest_known = self.highest_known.max(seq);
        if seq <= self.delivered || self.pending.contains_key(&seq) {
            return Received::Duplicate;
        }
        self.pending.insert(seq, msg);
        let out = self.drain();
        if out.is_empty() {
            if self.pending.len() > MAX_PENDING {
                // The gap will never be filled in time; skip it rather than stall forever.
                let first = *self.pending.keys().next().expect("not empty");
                self.delivered = first - 1;
                return Received::Deliver(self.drain());
            }
            Received::Buffered
        } else {
            Received::Deliver(out)
        }
    }

    /// The sender no longer holds `first..=last`: stop waiting for it.
    pub fn skip(&mut self, first: u64, last: u64) -> Vec<T> {
        if first <= self.delivered + 1 && last > self.delivered {
            self.delivered = last;
            self.pending.retain(|s, _| *s > last);
        }
        self.drain()
    }

    /// The gap to request now, if any and if the last request is older than `interval`.
    pub fn wanted(&mut self, now: Instant, interval: Duration) -> Option<(u64, u64)> {
        if !self.started || self.highest_known <= self.delivered {
            return None;
        }
        let first = self.delivered + 1;
        // Ask for everything up to the newest known number, not just the first gap: over a lossy
        // link one round trip then fills many gaps (what we already hold comes back as duplicates).
        let last = self.highest_known;
        if self
            .last_request
            .is_some_and(|t| now.saturating_duration_since(t) < interval)
        {
            return None;
        }
        self.last_request = Some(now);
        Some((first, last))
    }

    /// The numbers still missing below the newest known one (at most `max`), once per `interval`.
    pub fn missing(&mut self, now: Instant, interval: Duration, max: usize) -> Vec<u64> {
        let Some((first, last)) = self.wanted(now, interval) else {
            return Vec::new();
        };
        (first..=last)
            .filter(|s| !self.pending.contains_key(s))
            .take(max)
            .collect()
    }

    fn drain(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        while let Some(m) = self.pending.remove(&(self.delivered + 1)) {
            self.delivered += 1;
            out.push(m);
        }
        if !out.is_empty() {
            self.last_request = None;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_in_order_across_loss_and_duplicates() {
        let mut out = Outbox::default();
        let sent: Vec<u64> = (1..=5).map(|i| out.keep(i * 10)).collect();
        assert_eq!(sent, vec![1, 2, 3, 4, 5]);
        let mut inbox = Inbox::new(9);
        assert_eq!(inbox.receive(1, 10), Received::Deliver(vec![10]));
        assert_eq!(inbox.receive(3, 30), Received::Buffered);
        assert_eq!(inbox.receive(3, 30), Received::Duplicate);
        assert_eq!(inbox.receive(5, 50), Received::Buffered);
        let now = Instant::now();
        let gap = Duration::from_millis(100);
        assert_eq!(inbox.missing(now, gap, 10), vec![2, 4]);
        assert_eq!(inbox.missing(now, gap, 10), Vec::<u64>::new());
        let (again, lost) = out.retransmit(2, 2);
        assert_eq!(lost, None);
        assert_eq!(inbox.receive(2, again[0]), Received::Deliver(vec![20, 30]));
        assert_eq!(inbox.missing(now, gap, 10), vec![4]);
        assert_eq!(inbox.receive(1, 10), Received::Duplicate);
    }

    #[test]
    fn acks_one_seq_in_ten_at_the_receivers_offset() {
        assert_eq!(ack_due(6, 7, 0), None);
        assert_eq!(ack_due(7, 7, 0), Some(7));
        assert_eq!(ack_due(16, 7, 7), None);
        assert_eq!(ack_due(17, 7, 7), Some(17));
        assert_eq!(ack_due(42, 3, 0), Some(33));
        assert_eq!(ack_due(9, 0, 0), None);
        assert_eq!(ack_due(10, 0, 0), Some(10));
    }

    #[test]
    fn joins_a_running_sender_at_its_present() {
        let mut inbox = Inbox::new(1);
        assert_eq!(inbox.receive(500, 'a'), Received::Deliver(vec!['a']));
        let mut fresh = Inbox::new(1);
        assert_eq!(fresh.receive(3, 'c'), Received::Buffered);
        assert_eq!(
            fresh.missing(Instant::now(), Duration::from_millis(1), 9),
            vec![1, 2]
        );
    }

    #[test]
    fn skips_what_the_sender_forgot() {
        let mut out = Outbox::default();
        for i in 0..(HISTORY_LEN as u64 + 10) {
            out.keep(i);
        }
        let (msgs, lost) = out.retransmit(1, 20);
        assert_eq!(lost, Some((1, 10)));
        assert_eq!(msgs.len(), 10);
        let mut inbox = Inbox::new(1);
        assert_eq!(inbox.receive(2, 2u64), Received::Buffered);
        assert_eq!(inbox.receive(11, 11u64), Received::Buffered);
        assert_eq!(inbox.skip(1, 1), vec![2]);
        assert_eq!(inbox.skip(3, 10), vec![11]);
        assert_eq!(inbox.delivered(), 11);
    }
}
