//! The fencing history: every operation, pending, done or failed.

use serde::{Deserialize, Serialize};

/// Where an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Running.
    Pending,
    /// Succeeded.
    Done,
    /// Every device (or level) failed.
    Failed,
}

/// One fencing operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Operation id.
    pub id: u64,
    /// The node fenced.
    pub target: String,
    /// `reboot`, `off` or `on`.
    pub action: String,
    /// Who asked (`crmd`, `stonith_admin`).
    pub client: String,
    /// The node that asked.
    pub origin: String,
    /// The node that executed it.
    pub delegate: String,
    /// Where it is.
    pub state: State,
    /// Device that succeeded, or why it failed.
    pub detail: String,
    /// When it started / finished (epoch seconds).
    pub started: i64,
    /// 0 while pending.
    pub completed: i64,
}

/// A bounded history, newest last.
#[derive(Debug, Default, Clone)]
pub struct History {
    entries: Vec<Entry>,
    next_id: u64,
}

/// How many entries are kept.
const KEPT: usize = 500;

impl History {
    /// Starts an entry; returns its id.
    pub fn begin(
        &mut self,
        target: &str,
        action: &str,
        client: &str,
        origin: &str,
        now: i64,
    ) -> u64 {
        self.next_id += 1;
        self.entries.push(Entry {
            id: self.next_id,
            target: target.into(),
            action: action.into(),
            client: client.into(),
            origin: origin.into(),
            delegate: origin.into(),
            state: State::Pending,
            detail: String::new(),
            started: now,
            completed: 0,
        });
        if self.entries.len() > KEPT {
            self.entries.remove(0);
        }
        self.next_id
    }

    /// Finishes an entry.
    pub fn finish(&mut self, id: u64, ok: bool, detail: &str, now: i64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.state = if ok { State::Done } else { State::Failed };
            e.detail = detail.into();
            e.completed = now;
        }
    }

    /// Entries for `target` (all when empty).
    pub fn for_target(&self, target: &str) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|e| target.is_empty() || e.target == target)
            .cloned()
            .collect()
    }
}
