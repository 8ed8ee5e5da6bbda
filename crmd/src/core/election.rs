//! S_ELECTION: a round that settles who the DC is when the view holds members whose crmd state
//! is unknown.
//!
//! The DC is a pure function of the view and of which members run a crmd
//! ([`crate::election::choose_dc`]). When a view brings members whose crmd is unknown, crmd
//! asks heartbeat about them; until every answer is in (or [`ROUND_TIMEOUT`] passed) the round
//! is open. While it is open, an unknown member that would win is waited for instead of
//! electing someone else who would then be deposed at once (a needless join round). Inputs: a
//! view (opens the round), `PeerCrmd` answers and peer messages (votes), the timer (closes it).

use std::collections::BTreeSet;

use super::{Core, Millis};
use crate::election::choose_dc;

/// How long a round waits for heartbeat's answers about unknown members.
pub const ROUND_TIMEOUT: Millis = 2_000;

/// An open round.
#[derive(Debug, Clone)]
pub(super) struct Round {
    /// Members whose crmd state is not known yet.
    waiting: BTreeSet<String>,
    /// When the round closes without them.
    pub(super) until: Millis,
    /// The election is held back for one of them.
    pub(super) deferred: bool,
}

impl Core {
    /// A view with members whose crmd state is unknown opens (or extends) the round.
    pub(super) fn open_round(&mut self, unknown: &[String]) {
        let until = self.now.ms + ROUND_TIMEOUT;
        let r = self.election.get_or_insert_with(|| Round {
            waiting: BTreeSet::new(),
            until,
            deferred: false,
        });
        r.waiting.extend(unknown.iter().cloned());
        r.until = until;
    }

    /// Forgets waited-for nodes that left the view; true when that closed the round.
    pub(super) fn prune_round(&mut self, members: &BTreeSet<String>) -> bool {
        let Some(r) = self.election.as_mut() else {
            return false;
        };
        r.waiting.retain(|n| members.contains(n));
        if r.waiting.is_empty() {
            self.election = None;
            return true;
        }
        false
    }

    /// `node`'s crmd state became known; true when that closed the round.
    pub(super) fn vote(&mut self, node: &str) -> bool {
        let Some(r) = self.election.as_mut() else {
            return false;
        };
        if r.waiting.remove(node) && r.waiting.is_empty() {
            self.election = None;
            return true;
        }
        false
    }

    /// Whether the election must wait: a member still unanswered would win over `candidates`.
    pub(super) fn election_defers(&mut self, candidates: &[(String, u64)]) -> bool {
        let Some(waiting) = self.election.as_ref().map(|r| r.waiting.clone()) else {
            return false;
        };
        let mut all = candidates.to_vec();
        if let Some(v) = &self.view {
            all.extend(
                v.members
                    .iter()
                    .map(|(n, b)| (n.to_lowercase(), *b))
                    .filter(|(n, _)| waiting.contains(n)),
            );
        }
        let defer = choose_dc(&all) != choose_dc(candidates);
        if let Some(r) = self.election.as_mut() {
            if defer && !r.deferred {
                tracing::info!(
                    "election: waiting for {} before choosing the DC",
                    waiting.iter().cloned().collect::<Vec<_>>().join(", ")
                );
            }
            r.deferred = defer;
        }
        defer
    }

    /// Closes a round whose time is up: the silent members count as without a crmd.
    pub(super) fn election_timeout(&mut self) {
        let Some(r) = self.election.as_ref() else {
            return;
        };
        if self.now.ms < r.until {
            return;
        }
        tracing::warn!(
            "election: no answer about {} within {} ms: counted without a crmd",
            r.waiting.iter().cloned().collect::<Vec<_>>().join(", "),
            ROUND_TIMEOUT
        );
        self.election = None;
        self.elect();
    }
}
