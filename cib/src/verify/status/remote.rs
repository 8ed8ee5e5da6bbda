//! Pacemaker Remote nodes whose connection resource failed or cannot run: fenced unless the
//! connection can be re-established elsewhere.

use super::*;

/// A remote connection that failed unrecoverably means its remote node must be fenced.
pub(super) fn check_remote_connections<'a>(
    cluster: &Cluster<'a>,
    states: &[&'a Element],
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    fencer: &mut Fencer<'a>,
    out: &mut Vec<Diagnostic>,
) {
    for (_, prim) in cluster.primitives() {
        if !crate::verify::history::is_remote_connection(prim.xml) {
            continue;
        }
        let failed = active_on
            .get(prim.id())
            .is_some_and(|v| v.iter().any(|(_, o)| o.remote_reset));
        if !failed {
            continue;
        }
        let state = states
            .iter()
            .find(|s| s.id() == Some(prim.id()) || s.attr("uname") == Some(prim.id()));
        if state.is_some_and(|s| s.attr("node_fenced").is_some_and(is_true)) {
            continue;
        }
        let reason = "remote connection is unrecoverable";
        fencer.fence("Remote", (prim.id(), false), reason, prim.xml, out);
    }
}

/// True when a remote connection could start on some online cluster node: then fencing its
/// remote node is revoked (or, for a failed connection, not needed).
pub(super) fn connection_can_run(
    cluster: &Cluster,
    connection: &str,
    views: &[NodeView],
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
) -> bool {
    views.iter().filter(|v| v.online && !v.remote).any(|v| {
        let start_failed = active_on
            .get(connection)
            .is_some_and(|o| o.iter().any(|(n, o)| n == v.uname && o.start_failed));
        let Some(node) = cluster.nodes.iter().find(|n| n.uname == v.uname) else {
            return false;
        };
        !start_failed && crate::verify::placement::may_run_on(cluster, connection, node, v.state)
    })
}

/// A remote node whose connection is down but whose history shows active resources is fenced,
/// unless the connection can be re-established elsewhere (then the fencing is revoked).
#[allow(clippy::too_many_arguments)]
pub(super) fn fence_disconnected_remote<'a>(
    cluster: &Cluster<'a>,
    view: &NodeView<'a>,
    state: &'a Element,
    remote_names: &[String],
    (connection_failed, revocable): (bool, bool),
    fencer: &mut Fencer<'a>,
    out: &mut Vec<Diagnostic>,
    active_on: &mut BTreeMap<String, Vec<(String, ReplayOutcome)>>,
) {
    let mut findings = Vec::new();
    replay_node(
        cluster,
        view,
        state,
        remote_names,
        fencer,
        &mut findings,
        active_on,
    );
    out.extend(findings);
    for lrm_rsc in lrm_resources(state) {
        let Some(rsc) = lrm_rsc.id() else { continue };
        let active = active_on
            .get(rsc)
            .is_some_and(|v| v.iter().any(|(n, o)| n == view.uname && o.active));
        if !active || !is_managed(cluster, rsc) {
            continue;
        }
        let reason = if connection_failed {
            format!("{rsc} is thought to be active there")
        } else {
            format!(
                "{rsc} is active there (fencing will be revoked if remote connection can be \
                 re-established elsewhere)"
            )
        };
        fencer.fence("Remote", (view.uname, false), &reason, state, out);
        if revocable {
            fencer.revoke(view.uname);
        }
        break;
    }
}
