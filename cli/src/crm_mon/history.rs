//! Direct reads of the CIB where crm_mon shows the raw record rather than the scheduler's
//! interpretation: operation history (in the order the status section lists it), node
//! states, meta attributes of constructs the scheduler skips (bundles), location bans.

use cib::history::{self, OpRecord};
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

/// The history of one resource on one node.
#[derive(Debug, Clone)]
pub struct RscHistory {
    /// The resource id as recorded.
    pub id: String,
    /// Operations sorted by call id (unrecorded and pending ones first, as crm_mon lists
    /// them).
    pub ops: Vec<OpRecord>,
}

/// The resource histories of a node state, in the order they are recorded.
pub fn histories(state: &Element) -> Vec<RscHistory> {
    let mut out = Vec::new();
    for lrm in state.children_named("lrm") {
        for rs in lrm.children_named("lrm_resources") {
            for r in rs.children_named("lrm_resource") {
                let mut ops: Vec<OpRecord> = history::records(r).collect();
                ops.sort_by_key(|o| o.call_id);
                out.push(RscHistory {
                    id: r.id().unwrap_or_default().to_string(),
                    ops,
                });
            }
        }
    }
    out
}

/// How a history ends, by the one replay under Pacemaker's default reactions: running, and
/// whether a failure left it failed there (a later start or stop clears it).
pub fn history_state(h: &RscHistory) -> (bool, bool) {
    let mut ops = h.ops.clone();
    history::in_call_order(&mut ops);
    let state = history::replay(&mut history::Defaults { fencing: false }, ops);
    (state.role.is_active(), state.failed)
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
