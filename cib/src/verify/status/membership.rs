//! Whether a cluster node is a member that can run resources, or must be fenced, judged from
//! its `node_state` the way Pacemaker does with fencing enabled and disabled.

use super::*;

/// Node membership as judged when fencing is enabled. Returns (online, reason to fence).
pub(super) fn online_with_fencing(state: &Element) -> (bool, Option<&'static str>) {
    let join = state.attr("join").unwrap_or("");
    let in_ccm = state.attr("in_ccm");
    let crmd_online = state
        .attr("crmd")
        .is_some_and(|v| v.eq_ignore_ascii_case("online"));
    let expected = state.attr("expected").unwrap_or("down");
    let terminate = transient_attr(state, "terminate")
        .is_some_and(|v| parse_bool(v).unwrap_or_else(|| v.parse::<i64>().unwrap_or(0) > 0));
    let shutdown = transient_attr(state, "shutdown").is_some_and(|v| v != "0");
    let in_cluster = in_ccm.is_some_and(is_true);
    if shutdown {
        (crmd_online, None)
    } else if in_ccm.is_none() {
        (false, Some("peer has not been seen by the cluster"))
    } else if join.eq_ignore_ascii_case("nack") {
        (false, Some("peer failed Pacemaker membership criteria"))
    } else if (!terminate && expected.eq_ignore_ascii_case("down"))
        || (terminate && join.eq_ignore_ascii_case("down") && !in_cluster && !crmd_online)
    {
        // Expected down, or just shot as requested.
        (false, None)
    } else if !in_cluster {
        (false, Some("peer is no longer part of the cluster"))
    } else if !crmd_online {
        (false, Some("peer process is no longer available"))
    } else if terminate {
        (false, Some("termination was requested"))
    } else if ["member", "pending", "down"]
        .iter()
        .any(|j| join.eq_ignore_ascii_case(j))
    {
        // Active, or up but not yet ready to run resources.
        (true, None)
    } else {
        (false, Some("peer was in an unknown state"))
    }
}

/// Node membership as judged when fencing is disabled.
pub(super) fn online_without_fencing(state: &Element) -> (bool, Option<&'static str>) {
    let crmd_online = state
        .attr("crmd")
        .is_some_and(|v| v.eq_ignore_ascii_case("online"));
    let expected_up = state
        .attr("expected")
        .is_some_and(|v| v.eq_ignore_ascii_case("member"));
    if !state.attr("in_ccm").is_some_and(is_true) {
        (false, None)
    } else if crmd_online {
        (
            state
                .attr("join")
                .is_some_and(|j| j.eq_ignore_ascii_case("member")),
            None,
        )
    } else if !expected_up {
        (false, None)
    } else {
        (false, Some("peer is unexpectedly down"))
    }
}

/// True when the status section shows some configured cluster node online.
pub(in crate::verify) fn has_online_node(cluster: &Cluster) -> bool {
    let Some(status) = cluster.cib.child("status") else {
        return false;
    };
    status.children_named("node_state").any(|state| {
        let configured = cluster.nodes.iter().any(|n| {
            !n.remote && (n.xml.id() == state.id() || Some(n.uname) == state.attr("uname"))
        });
        let (online, _) = if cluster.stonith_enabled() {
            online_with_fencing(state)
        } else {
            online_without_fencing(state)
        };
        configured && online
    })
}
