//! Failure expiry (`failure-timeout`) of one resource's history on one node, as Pacemaker
//! 2.1.5 judges it entry by entry: an entry older than the timeout is expired, unless the
//! resource still has an unexpired fail count there; when every failure has expired the
//! fail count is to be cleared. A failure of an operation configured with `on-fail=block`
//! disables the timeout for the resource (a blocked resource stays blocked).

use super::OpRecord;
use super::{ClusterView, NodeIdx, Resource};
use vocab::score::Score;

/// Expiry state while replaying one resource's history on one node.
pub struct Expiry<'a> {
    rsc: &'a Resource,
    attrs: &'a std::collections::BTreeMap<String, String>,
    now: i64,
    /// Seconds; Pacemaker drops it to 0 for good once a blocking failure is seen.
    timeout: i64,
    /// A remote connection's monitor failures do not expire before its node is fenced
    /// (the monitor reports only changes, so an expired failure could hide a lost node).
    hold_monitor_failures: bool,
}

impl<'a> Expiry<'a> {
    /// Starts with the resource's configured `failure-timeout`.
    pub fn new(view: &'a ClusterView, rsc: &'a Resource, node: NodeIdx) -> Self {
        let timeout = rsc.failure_timeout_ms() as i64 / 1000;
        let remote_unfenced = view
            .node_by_name
            .get(&rsc.id)
            .and_then(|&n| view.nodes[n].remote.as_ref())
            .is_some_and(|l| !l.was_fenced);
        Expiry {
            rsc,
            attrs: &view.nodes[node].attrs,
            now: view.now,
            timeout,
            hold_monitor_failures: super::remote::reconnect_interval_ms(rsc) > 0
                && view.config.stonith_enabled
                && remote_unfenced,
        }
    }

    /// Whether history entry `op` has expired, and whether the fail count is to be cleared.
    pub fn check(&mut self, op: &OpRecord) -> (bool, bool) {
        let mut expired = false;
        let mut unexpired = Score::ZERO;
        if self.timeout > 0 && op.last_change > 0 {
            let held = self.hold_monitor_failures && op.interval_ms > 0 && op.task == "monitor";
            expired = self.now >= op.last_change + self.timeout && !held;
            unexpired = self.fail_count(op, true);
        }
        let mut clear = false;
        if expired && self.fail_count(op, false).0 > 0 {
            if unexpired.0 == 0 {
                clear = true;
            } else {
                // Old, but the resource has failed here more recently.
                expired = false;
            }
        }
        (expired, clear)
    }

    /// The fail count (all operations), `effective`ly: zero once the last failure expired.
    fn fail_count(&mut self, op: &OpRecord, effective: bool) -> Score {
        let (count, last) = recorded_failures(self.attrs, &self.rsc.base_id, true);
        if count.0 > 0 && self.timeout > 0 && self.blocks(op) {
            self.timeout = 0;
        }
        if effective
            && count.0 > 0
            && last > 0
            && self.timeout > 0
            && self.now > last + self.timeout
        {
            return Score::ZERO;
        }
        count
    }

    /// Whether `op` is a failure of an operation configured with `on-fail=block`.
    fn blocks(&self, op: &OpRecord) -> bool {
        let name = &self.rsc.base_id;
        self.rsc.ops.iter().any(|d| {
            d.on_fail.as_deref() == Some("block")
                && d.name.eq_ignore_ascii_case(&op.task)
                && d.interval_ms == op.interval_ms
                && (op
                    .id
                    .eq_ignore_ascii_case(&format!("{name}_last_failure_0"))
                    || (op
                        .id
                        .eq_ignore_ascii_case(&format!("{name}_{}_{}", d.name, d.interval_ms))
                        && op.rc != op.expected_rc))
        })
    }
}

/// Whether a fail-count/last-failure attribute suffix names `rsc` (any clone instance number,
/// any operation).
/// A resource's recorded failures on one node, from its transient attributes: the sum of its
/// `fail-count-RSC[#op_interval]` values (instances `RSC:N` included) and the latest
/// `last-failure-RSC...` time. The one reading of those attributes. `instances`: whether
/// `RSC:N` attributes count too (the history's expiry check counts them; placement reads the
/// resource's own, as the corpus shows Pacemaker does).
pub(crate) fn recorded_failures<'a>(
    attrs: impl IntoIterator<Item = (&'a String, &'a String)>,
    base_id: &str,
    instances: bool,
) -> (Score, i64) {
    let matches = |rest: &str| {
        attr_matches(rest, base_id) && (instances || !rest[base_id.len()..].starts_with(':'))
    };
    let (mut count, mut last) = (Score::ZERO, 0i64);
    for (k, v) in attrs {
        if let Some(rest) = k.strip_prefix("fail-count-") {
            if matches(rest) {
                count = count.saturating_add(Score::parse(v).unwrap_or_default());
            }
        } else if let Some(rest) = k.strip_prefix("last-failure-") {
            if matches(rest) {
                last = last.max(v.parse().unwrap_or(0));
            }
        }
    }
    (count, last)
}

fn attr_matches(rest: &str, rsc: &str) -> bool {
    let Some(tail) = rest.strip_prefix(rsc) else {
        return false;
    };
    let tail = match tail.strip_prefix(':') {
        Some(t) => t.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => tail,
    };
    tail.is_empty() || tail.starts_with('#')
}
