//! Reliable, ordered delivery per sender (sans-IO).
//!
//! Every cluster message a node sends carries `seq` (hex, from 1 in each generation `hg`). Its
//! heartbeats carry `lastseq`, the newest `seq` sent so far, so a receiver notices a lost tail.
//! A receiver delivers in `seq` order, buffers what arrives early and asks the sender for the gap
//! with `t=NS_rexmit firstseq= lastseq=`. The sender answers from its history, or with
//! `t=NS_nak_rexmit` for what it no longer holds, and the receiver then skips those numbers.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::wire::Message;

/// How many sent messages a node keeps for retransmission.
pub const HISTORY_LEN: usize = 1000;
/// How many early messages a receiver buffers per sender before giving up on a gap.
pub const MAX_PENDING: usize = 2000;
/// A sender whose first heartbeat we see with `hbseq` at most this just started: deliver from seq 1.
pub const FRESH_START_HBSEQ: u64 = 3;

/// The sending side: sequence numbers and history.
#[derive(Debug, Default)]
pub struct Outbox {
    last_seq: u64,
    history: VecDeque<(u64, Message)>,
}

impl Outbox {
    /// Stamps `msg` with the next `seq` and keeps a copy.
    pub fn stamp(&mut self, msg: &mut Message) -> u64 {
        self.last_seq += 1;
        msg.set_hex("seq", self.last_seq);
        if self.history.len() == HISTORY_LEN {
            self.history.pop_front();
        }
        self.history.push_back((self.last_seq, msg.clone()));
        self.last_seq
    }

    /// The newest `seq` sent.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Answers a retransmission request: the messages still held, and the range no longer held.
    pub fn retransmit(&self, first: u64, last: u64) -> (Vec<Message>, Option<(u64, u64)>) {
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
pub enum Received {
    /// These messages are now deliverable, in order.
    Deliver(Vec<Message>),
    /// Already delivered or buffered (a second path, a retransmission, or a replay).
    Duplicate,
    /// Held until the gap before it is filled.
    Buffered,
}

/// The receiving side for one sender and generation.
#[derive(Debug)]
pub struct Inbox {
    generation: u64,
    delivered: u64,
    started: bool,
    pending: BTreeMap<u64, Message>,
    highest_known: u64,
    last_request: Option<Instant>,
}

impl Inbox {
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

    /// A heartbeat says the sender has sent up to `lastseq`; `hbseq` is the heartbeat's counter.
    pub fn heartbeat(&mut self, lastseq: u64, hbseq: u64) {
        if !self.started {
            self.started = true;
            // A sender that just started: everything it sent is for us. Otherwise join at its present.
            self.delivered = if hbseq <= FRESH_START_HBSEQ {
                0
            } else {
                lastseq
            };
        }
        self.highest_known = self.highest_known.max(lastseq);
    }

    /// A sequenced message arrived.
    pub fn receive(&mut self, seq: u64, msg: Message) -> Received {
        if !self.started {
            self.started = true;
            self.delivered = seq.saturating_sub(1);
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
    pub fn skip(&mut self, first: u64, last: u64) -> Vec<Message> {
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

    fn drain(&mut self) -> Vec<Message> {
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

    fn msg(n: u64) -> Message {
        let mut m = Message::with_type("app");
        m.set_hex("n", n);
        m
    }

    #[test]
    fn delivers_in_order_across_loss_and_duplicates() {
        let mut out = Outbox::default();
        let sent: Vec<Message> = (1..=5)
            .map(|i| {
                let mut m = msg(i);
                out.stamp(&mut m);
                m
            })
            .collect();
        let mut inbox = Inbox::new(9);
        inbox.heartbeat(0, 1);
        assert_eq!(
            inbox.receive(1, sent[0].clone()),
            Received::Deliver(vec![sent[0].clone()])
        );
        assert_eq!(inbox.receive(3, sent[2].clone()), Received::Buffered);
        assert_eq!(inbox.receive(3, sent[2].clone()), Received::Duplicate);
        inbox.heartbeat(5, 4);
        let now = Instant::now();
        assert_eq!(inbox.wanted(now, Duration::from_millis(100)), Some((2, 5)));
        assert_eq!(inbox.wanted(now, Duration::from_millis(100)), None);
        let (again, lost) = out.retransmit(2, 2);
        assert_eq!(lost, None);
        assert_eq!(
            inbox.receive(2, again[0].clone()),
            Received::Deliver(vec![sent[1].clone(), sent[2].clone()])
        );
        assert_eq!(inbox.wanted(now, Duration::from_millis(100)), Some((4, 5)));
        assert_eq!(inbox.receive(1, sent[0].clone()), Received::Duplicate);
    }

    #[test]
    fn skips_what_the_sender_forgot() {
        let mut out = Outbox::default();
        for i in 0..(HISTORY_LEN as u64 + 10) {
            out.stamp(&mut msg(i));
        }
        let (msgs, lost) = out.retransmit(1, 20);
        assert_eq!(lost, Some((1, 10)));
        assert_eq!(msgs.len(), 10);
        let mut inbox = Inbox::new(1);
        inbox.heartbeat(0, 1);
        assert_eq!(inbox.receive(11, msg(11)), Received::Buffered);
        assert_eq!(inbox.skip(1, 10).len(), 1);
        assert_eq!(inbox.delivered(), 11);
    }
}
