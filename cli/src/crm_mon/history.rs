//! Direct reads of the CIB where crm_mon shows the raw record rather than the scheduler's
//! interpretation: operation history (in the order the status section lists it), node
//! states, meta attributes of constructs the scheduler skips (bundles), location bans.

use cib::Element;
use std::collections::BTreeMap;

/// The `meta_attributes` name/value pairs of `e` (first value wins).
pub fn meta_attributes(e: &Element) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for set in e.children_named("meta_attributes") {
        for nv in set.children_named("nvpair") {
            if let (Some(n), Some(v)) = (nv.attr("name"), nv.attr("value")) {
                out.entry(n.to_string()).or_insert_with(|| v.to_string());
            }
        }
    }
    out
}

/// The `<node_state>` entries.
pub fn node_states(cib: &Element) -> Vec<&Element> {
    cib.child("status")
        .map(|s| s.children_named("node_state").collect())
        .unwrap_or_default()
}

/// One recorded operation.
#[derive(Debug, Clone)]
pub struct Op {
    /// `operation`.
    pub task: String,
    /// `call-id`.
    pub call: i64,
    /// `rc-code`.
    pub rc: i64,
    /// `op-status`.
    pub status: i64,
    /// `interval` in ms.
    pub interval_ms: u64,
    /// `exec-time` in ms.
    pub exec_ms: u64,
    /// `queue-time` in ms.
    pub queue_ms: u64,
    /// `exit-reason`.
    pub exit_reason: String,
    /// `last-rc-change` (seconds since the epoch), when recorded.
    pub last_rc_change: Option<i64>,
    /// The expected rc (from `transition-key`).
    pub expected_rc: i64,
    /// The record's id (`rsc_last_0`).
    pub id: String,
    /// `operation_key` (`rsc_monitor_10000`).
    pub key: String,
}

impl Op {
    /// The task as crm_mon names it: a one-time monitor is a probe.
    pub fn display_task(&self) -> &str {
        if self.task == "monitor" && self.interval_ms == 0 {
            "probe"
        } else {
            &self.task
        }
    }
}

/// The history of one resource on one node.
#[derive(Debug, Clone)]
pub struct RscHistory {
    /// The resource id as recorded.
    pub id: String,
    /// Operations sorted by call id.
    pub ops: Vec<Op>,
}

fn num<T: std::str::FromStr + Default>(e: &Element, k: &str) -> T {
    e.attr(k)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_default()
}

fn op_of(e: &Element) -> Op {
    let expected_rc = e
        .attr("transition-key")
        .and_then(|k| k.split(':').nth(2))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Op {
        task: e.attr("operation").unwrap_or_default().to_string(),
        call: num(e, "call-id"),
        rc: num(e, "rc-code"),
        status: num(e, "op-status"),
        interval_ms: num(e, "interval"),
        exec_ms: num(e, "exec-time"),
        queue_ms: num(e, "queue-time"),
        exit_reason: e.attr("exit-reason").unwrap_or_default().to_string(),
        last_rc_change: e.attr("last-rc-change").and_then(|v| v.trim().parse().ok()),
        expected_rc,
        id: e.id().unwrap_or_default().to_string(),
        key: e
            .attr("operation_key")
            .or(e.id())
            .unwrap_or_default()
            .to_string(),
    }
}

/// The resource histories of a node state, in the order they are recorded.
pub fn histories(state: &Element) -> Vec<RscHistory> {
    let mut out = Vec::new();
    for lrm in state.children_named("lrm") {
        for rs in lrm.children_named("lrm_resources") {
            for r in rs.children_named("lrm_resource") {
                let mut ops: Vec<Op> = r.children_named("lrm_rsc_op").map(op_of).collect();
                ops.sort_by_key(|o| o.call);
                out.push(RscHistory {
                    id: r.id().unwrap_or_default().to_string(),
                    ops,
                });
            }
        }
    }
    out
}

/// How a history ends: running, and whether a failure left it failed there; probes that
/// found the agent missing (rc 5) leave it stopped.
pub fn history_state(h: &RscHistory) -> (bool, bool) {
    let mut active = false;
    let mut failed = false;
    for op in &h.ops {
        if op.status != 0 || op.call < 0 {
            continue;
        }
        let probe = op.task == "monitor" && op.interval_ms == 0;
        match (op.task.as_str(), op.rc) {
            ("start" | "promote" | "demote" | "migrate_from", 0) => {
                active = true;
                failed = false;
            }
            ("stop" | "migrate_to", 0) => {
                active = false;
                failed = false;
            }
            ("monitor", 0 | 8) => active = true,
            ("monitor", 7) => active = false,
            (_, 5) if probe => active = false,
            (_, rc) if rc != op.expected_rc => {
                active = true;
                failed = true;
            }
            _ => {}
        }
    }
    (active, failed)
}

/// Whether the history ends with the resource running.
pub fn history_active(h: &RscHistory) -> bool {
    history_state(h).0
}

/// Whether the last probe of `rsc` on some node found its agent not installed (rc 5).
pub fn not_installed(cib: &Element, rsc: &str) -> bool {
    node_states(cib).into_iter().any(|s| {
        histories(s).iter().any(|h| {
            h.id == rsc
                && h.ops.last().is_some_and(|o| {
                    o.task == "monitor" && o.interval_ms == 0 && o.rc == 5 && o.status == 0
                })
        })
    })
}

/// The nodes whose history shows `rsc` running.
pub fn active_nodes(cib: &Element, rsc: &str) -> Vec<String> {
    node_states(cib)
        .into_iter()
        .filter(|s| {
            histories(s)
                .iter()
                .any(|h| h.id == rsc && history_active(h))
        })
        .filter_map(|s| s.attr("uname").map(str::to_string))
        .collect()
}

/// Whether `rsc` runs on node `uname` according to its history, and whether it failed.
pub fn state_on(cib: &Element, rsc: &str, uname: &str) -> (bool, bool) {
    node_states(cib)
        .into_iter()
        .filter(|s| s.attr("uname") == Some(uname))
        .flat_map(histories)
        .find(|h| h.id == rsc)
        .map(|h| history_state(&h))
        .unwrap_or((false, false))
}

/// A `rsc_location` with a negative score on a named node.
#[derive(Debug, Clone)]
pub struct Ban {
    /// Constraint id.
    pub id: String,
    /// Resource.
    pub rsc: String,
    /// Node.
    pub node: String,
    /// Limited to the promoted role.
    pub promoted_only: bool,
    /// The score as a number (-INFINITY is -1000000).
    pub weight: i64,
}

/// The simple (node + score) negative location constraints.
pub fn bans(cib: &Element) -> Vec<Ban> {
    let Some(cons) = cib
        .child("configuration")
        .and_then(|c| c.child("constraints"))
    else {
        return Vec::new();
    };
    cons.children_named("rsc_location")
        .filter(|l| {
            l.attr("score")
                .is_some_and(|s| s.trim_start().starts_with('-'))
        })
        .filter_map(|l| {
            Some(Ban {
                id: l.id()?.to_string(),
                rsc: l.attr("rsc")?.to_string(),
                node: l.attr("node")?.to_string(),
                promoted_only: matches!(l.attr("role"), Some("Promoted" | "Master")),
                weight: l
                    .attr("score")
                    .and_then(vocab::Score::parse)
                    .map_or(0, vocab::Score::value),
            })
        })
        .collect()
}
