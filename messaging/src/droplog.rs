//! Rate-limited reporting of dropped cluster packets (sans-IO: the caller logs the lines).
//!
//! The first drop of each (reason, source) is reported at once with its details; further drops
//! of the same pair within the window are only counted, and one summary line per pair reports
//! the count when the window ends. A flood of forged packets therefore costs a few log lines per
//! window, not one per packet, and the number of pairs followed is bounded (forged source names
//! beyond the bound share one entry).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Why a packet was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropReason {
    /// Not a message (garbage, truncated, oversized, required fields missing).
    Malformed,
    /// Unsigned, unknown key or wrong digest.
    BadAuth,
    /// From a node not in the configuration.
    UnknownNode,
    /// An old generation or heartbeat counter: a replay.
    Replay,
}

impl DropReason {
    /// Short name used in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Malformed => "malformed",
            DropReason::BadAuth => "failing authentication",
            DropReason::UnknownNode => "from an unknown node",
            DropReason::Replay => "replayed",
        }
    }
}

/// Pairs followed at most; beyond, sources share the entry [`OTHER_SOURCES`].
pub const MAX_SOURCES: usize = 256;
/// The shared source name once [`MAX_SOURCES`] is reached.
pub const OTHER_SOURCES: &str = "(other sources)";

#[derive(Debug)]
struct Window {
    start: Instant,
    suppressed: u64,
}

/// Decides which drops are reported.
#[derive(Debug)]
pub struct DropLog {
    window: Duration,
    open: BTreeMap<(DropReason, String), Window>,
}

impl DropLog {
    /// Reports each (reason, source) at most once per `window`, plus one summary.
    pub fn new(window: Duration) -> Self {
        DropLog {
            window,
            open: BTreeMap::new(),
        }
    }

    /// A packet was dropped; returns the line to log now, if any (`detail` is only built then).
    pub fn dropped(
        &mut self,
        now: Instant,
        reason: DropReason,
        source: &str,
        detail: impl FnOnce() -> String,
    ) -> Option<String> {
        let mut key = (reason, source.to_string());
        if !self.open.contains_key(&key) && self.open.len() >= MAX_SOURCES {
            key.1 = OTHER_SOURCES.to_string();
        }
        match self.open.get_mut(&key) {
            Some(w) => {
                w.suppressed += 1;
                None
            }
            None => {
                self.open.insert(
                    key,
                    Window {
                        start: now,
                        suppressed: 0,
                    },
                );
                Some(detail())
            }
        }
    }

    /// Ends the windows that are over: one summary line for each with suppressed drops.
    pub fn tick(&mut self, now: Instant) -> Vec<String> {
        let window = self.window;
        let mut lines = Vec::new();
        self.open.retain(|(reason, source), w| {
            if now.duration_since(w.start) < window {
                return true;
            }
            if w.suppressed > 0 {
                lines.push(format!(
                    "{} more packets {} from [{source}] dropped in the last {}s",
                    w.suppressed,
                    reason.as_str(),
                    window.as_secs()
                ));
            }
            false
        });
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_drop_is_reported_then_counted_then_summarised() {
        let t0 = Instant::now();
        let mut log = DropLog::new(Duration::from_secs(30));
        let first = log.dropped(t0, DropReason::Replay, "node2", || "replay of node2".into());
        assert_eq!(first.as_deref(), Some("replay of node2"));
        for i in 1..=99 {
            let later = t0 + Duration::from_millis(i);
            assert_eq!(
                log.dropped(later, DropReason::Replay, "node2", || unreachable!()),
                None
            );
        }
        // Another reason or source is reported on its own.
        assert!(log
            .dropped(t0, DropReason::BadAuth, "node2", || "bad".into())
            .is_some());
        assert!(log.tick(t0 + Duration::from_secs(29)).is_empty());
        let summary = log.tick(t0 + Duration::from_secs(30));
        assert_eq!(
            summary,
            ["99 more packets replayed from [node2] dropped in the last 30s"]
        );
        // A new window reports at once again.
        assert!(log
            .dropped(
                t0 + Duration::from_secs(31),
                DropReason::Replay,
                "node2",
                || "again".into()
            )
            .is_some());
    }

    #[test]
    fn forged_source_names_share_one_entry_beyond_the_bound() {
        let t0 = Instant::now();
        let mut log = DropLog::new(Duration::from_secs(30));
        let mut reported = 0;
        for i in 0..10_000 {
            let src = format!("forged{i}");
            if log
                .dropped(t0, DropReason::BadAuth, &src, String::new)
                .is_some()
            {
                reported += 1;
            }
        }
        assert_eq!(reported, MAX_SOURCES + 1);
        assert_eq!(log.open.len(), MAX_SOURCES + 1);
    }
}
