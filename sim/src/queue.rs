//! Simulated time: a queue of events ordered by `(time, sequence)`, so equal times keep the
//! order they were scheduled in and a seed replays exactly.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::Millis;

/// Pending events and the current simulated time.
#[derive(Debug)]
pub struct EventQueue<E> {
    now: Millis,
    seq: u64,
    order: BinaryHeap<Reverse<(Millis, u64)>>,
    events: HashMap<u64, E>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            now: 0,
            seq: 0,
            order: BinaryHeap::new(),
            events: HashMap::new(),
        }
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current simulated time.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// Schedules `ev` `delay` ms from now.
    pub fn schedule(&mut self, delay: Millis, ev: E) {
        self.seq += 1;
        self.order.push(Reverse((self.now + delay, self.seq)));
        self.events.insert(self.seq, ev);
    }

    /// The next event due at or before `until`, advancing the clock to its time.
    pub fn pop_until(&mut self, until: Millis) -> Option<E> {
        let &Reverse((at, seq)) = self.order.peek()?;
        if at > until {
            return None;
        }
        self.order.pop();
        self.now = at;
        Some(self.events.remove(&seq).expect("queued event exists"))
    }

    /// Moves the clock forward to `until` (never backwards).
    pub fn advance_to(&mut self, until: Millis) {
        self.now = self.now.max(until);
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
