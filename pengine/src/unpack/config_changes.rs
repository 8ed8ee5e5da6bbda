//! Configuration changes seen in the operation history: each recorded operation of an active
//! resource carries the digest of the parameters it ran with; when today's parameters give
//! another digest, Pacemaker 2.1.5 restarts the resource, reloads it (the agent recorded a
//! restart digest, so it can reload), or schedules the recurring operation again.

use super::{ClusterView, OpDef, RscIdx};
use cib::history::OpRecord;
use cib::Element;
use std::collections::BTreeMap;
use vocab::score::Score;

/// What a recorded operation's digests say about the configuration now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Unchanged.
    Same,
    /// A parameter the agent cannot reload changed (or the op's own parameters did).
    Restart,
    /// Some parameter changed (or no digest was recorded): reload if the agent can.
    Changed,
}

/// Checks every active resource's history on every node that can run resources (or is in
/// maintenance), as Pacemaker does before placement, and marks what must change.
pub fn check(view: &mut ClusterView) {
    for n in 0..view.nodes.len() {
        let node = &view.nodes[n];
        let eligible = node.maintenance || node.available_before_placement();
        for r in 0..view.resources.len() {
            let Some(st) = view.resources[r].node_state.get(&n) else {
                continue;
            };
            // Pacemaker looks the history up by name: an instance whose history here goes by
            // another instance's name (and not its own last taken one) is not checked.
            let rsc = &view.resources[r];
            let by_name = st.entry_id.is_empty()
                || st.entry_id == rsc.id
                || rsc.clone_name.as_deref() == Some(st.entry_id.as_str());
            if !eligible || !by_name || skipped(view, r) || !st.role.is_active() {
                continue;
            }
            if rsc.other_agent_on.contains(&n) {
                // Another agent ran it: stop that one (the new one starts afresh).
                let st = view.resources[r].node_state.get_mut(&n).expect("listed");
                st.definition_changed = true;
                st.definition_stop = true;
                unfence_again(view, r, n, "Device definition changed");
                continue;
            }
            let checks: Vec<(usize, Verdict)> = active_ops(&st.ops)
                .filter(|&i| checked(view, r, n, &st.ops[i]))
                .map(|i| (i, compare(view, r, n, &st.ops[i])))
                .filter(|(_, v)| *v != Verdict::Same)
                .collect();
            let orphaned = active_ops(&st.ops).any(|i| orphaned(view, r, n, &st.ops[i]));
            // A changed definition gives a failed resource a fresh start: its fail count here
            // is cleared.
            let failed_before = {
                let rsc = &view.resources[r];
                crate::assign::fail_count(&view.nodes[n], &rsc.base_id, rsc, view.now)
                    != Score::ZERO
            };
            if (orphaned || !checks.is_empty()) && failed_before {
                let st = view.resources[r].node_state.get_mut(&n).expect("listed");
                st.clear_failcount = true;
            }
            for (i, verdict) in checks {
                apply(view, r, n, i, verdict);
            }
        }
    }
}

/// Resources this check leaves alone: orphans (cleaned up instead) and bundle parts (their
/// containers are compared by [`super::bundle::restart_changed_containers`]).
fn skipped(view: &ClusterView, r: RscIdx) -> bool {
    let rsc = &view.resources[r];
    rsc.kind != super::Kind::Primitive || rsc.orphan || super::bundle::replica_of(view, r).is_some()
}

/// Indices of the operations since the last start, or none when the last stop came after it
/// (Pacemaker's active-operation window: a successful stop ends it; a start or migrate_from
/// begins it, else a successful monitor after the stop, else a promote or demote).
fn active_ops(ops: &[OpRecord]) -> impl Iterator<Item = usize> {
    let (mut start, mut stop) = (None, None);
    let (mut implied_monitor, mut implied_clone) = (None, None);
    for (i, o) in ops.iter().enumerate() {
        match o.task.as_str() {
            "stop" if o.status == 0 => stop = Some(i),
            "start" | "migrate_from" => start = Some(i),
            "monitor" if implied_monitor <= stop && (o.rc == 0 || o.rc == 8) => {
                implied_monitor = Some(i)
            }
            "promote" | "demote" => implied_clone = Some(i),
            _ => {}
        }
    }
    let start = start.or(implied_clone).or(implied_monitor);
    let from = if start < stop {
        ops.len()
    } else {
        start.unwrap_or(0)
    };
    from..ops.len()
}

/// Whether Pacemaker compares this entry's digest: recurring operations that are still
/// configured (and not paused by maintenance), and the one-shot start-like operations.
fn checked(view: &ClusterView, r: RscIdx, n: usize, op: &OpRecord) -> bool {
    if op.interval_ms > 0 {
        return !paused(view, r, n) && configured(view, r, &op.task, op.interval_ms).is_some();
    }
    matches!(
        op.task.as_str(),
        "monitor" | "start" | "promote" | "migrate_from"
    )
}

/// A recurring operation that is no longer configured (or disabled): cancelled elsewhere.
fn orphaned(view: &ClusterView, r: RscIdx, n: usize, op: &OpRecord) -> bool {
    op.interval_ms > 0
        && !paused(view, r, n)
        && configured(view, r, &op.task, op.interval_ms).is_none()
}

/// Maintenance pauses monitoring (what runs is cancelled, not checked).
fn paused(view: &ClusterView, r: RscIdx, n: usize) -> bool {
    view.resources[r].meta_flag("maintenance", false)
        || view.nodes[n].maintenance
        || view.config.maintenance_mode
}

/// The enabled configuration of an operation.
fn configured<'a>(
    view: &'a ClusterView,
    r: RscIdx,
    task: &str,
    interval: u64,
) -> Option<&'a OpDef> {
    view.resources[r]
        .ops
        .iter()
        .find(|o| o.name == task && o.interval_ms == interval && o.enabled)
}

/// Compares a recorded operation's digests with today's parameters for it.
/// (On node `n`: the parameters may differ per node.)
fn compare(view: &ClusterView, r: RscIdx, n: usize, op: &OpRecord) -> Verdict {
    let config = configured(view, r, &op.task, op.interval_ms);
    let all = digested_params(view, r, n, op, config);
    let verdict = compare_digests(view, r, op, &all);
    // crm_simulate works on sanitized input: a change of private parameters only is none.
    let only_private = op
        .secure_digest
        .as_ref()
        .is_some_and(|d| *d == digest(&secure_params(view, r, n, op, &all)));
    if verdict != Verdict::Same && only_private {
        return Verdict::Same;
    }
    verdict
}

/// Whether a failed start or monitor recorded as the resource's last failure ran with other
/// parameters than configured now: its fail count is cleared (Pacemaker's
/// `should_clear_for_param_change`, which also counts private parameters).
pub fn last_failure_params_changed(view: &ClusterView, r: RscIdx, n: usize, op: &OpRecord) -> bool {
    // (A bundle connection that reaches its container's host is checked once placed, when
    // that address is known: `last_failure_params_changed_at`.)
    !needs_host_name(view, r) && last_failure_params_differ(view, r, n, op, None)
}

/// The check of `last_failure_params_changed` for a bundle connection that reaches its
/// container's host (`addr` is `#uname`), made once placed with that host's name `host`
/// (Pacemaker's deferred parameter check).
pub fn last_failure_params_changed_at(
    view: &ClusterView,
    r: RscIdx,
    n: usize,
    op: &OpRecord,
    host: &str,
) -> bool {
    needs_host_name(view, r) && last_failure_params_differ(view, r, n, op, Some(host))
}

/// A bundle replica's connection whose address is its container's host name.
fn needs_host_name(view: &ClusterView, r: RscIdx) -> bool {
    super::bundle::replica_of(view, r).is_some_and(|(_, rep)| rep.remote == Some(r))
        && view.resources[r].params.get("addr").map(String::as_str) == Some("#uname")
}

fn last_failure_params_differ(
    view: &ClusterView,
    r: RscIdx,
    n: usize,
    op: &OpRecord,
    host: Option<&str>,
) -> bool {
    if !op.id.ends_with("_last_failure_0")
        || !matches!(op.task.as_str(), "start" | "monitor")
        || op.digest.is_none()
    {
        return false;
    }
    let config = configured(view, r, &op.task, op.interval_ms);
    let mut all = digested_params(view, r, n, op, config);
    if let Some(h) = host {
        all.insert("addr".into(), h.to_string());
    }
    compare_digests(view, r, op, &all) != Verdict::Same
}

/// The digests' verdict, private parameters included.
fn compare_digests(
    view: &ClusterView,
    r: RscIdx,
    op: &OpRecord,
    all: &BTreeMap<String, String>,
) -> Verdict {
    let config = configured(view, r, &op.task, op.interval_ms);
    // A one-shot operation with parameters of its own is restarted on any change, so that
    // they apply (a reload would not pass them).
    let own_params = op.interval_ms == 0 && config.is_some_and(|c| !c.params.is_empty());
    if let Some(recorded) = &op.restart_digest {
        let restart = restart_params(all, op.force_restart.as_deref());
        if digest(&restart) != *recorded {
            return Verdict::Restart;
        }
    }
    match &op.digest {
        None => Verdict::Changed,
        Some(d) if *d == digest(all) => Verdict::Same,
        Some(_) if own_params => Verdict::Restart,
        Some(_) => Verdict::Changed,
    }
}

/// The parameters of the secure digest: without the private ones, and as a controller older
/// than feature set 3.16.0 hashed them (only the resource's own parameters, without
/// Pacemaker's fencing parameters or the timeout).
fn secure_params(
    view: &ClusterView,
    r: RscIdx,
    n: usize,
    op: &OpRecord,
    all: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let version = op
        .feature_set
        .as_deref()
        .or(view.config.feature_set.as_deref())
        .unwrap_or("3.16.2");
    let old = cib::patch::compare_versions(version, "3.16.0").is_lt();
    let private: Vec<&str> = op
        .secure_params
        .as_deref()
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let rsc = &view.resources[r];
    let mut out = if old {
        rsc.params_on(n).clone()
    } else {
        all.clone()
    };
    let fencing_own = old && rsc.class == "stonith";
    out.retain(|k, _| {
        let dropped = private.contains(&k.as_str())
            || cib::digest::not_digested(k)
            || (fencing_own && is_fence_param(k));
        !dropped
    });
    if !old {
        if let Some(t) = all.get("CRM_meta_timeout") {
            out.insert("CRM_meta_timeout".into(), t.clone());
        }
    }
    out
}

/// The parameters Pacemaker itself interprets for a fencing device (not the agent's).
fn is_fence_param(name: &str) -> bool {
    if matches!(name, "provides" | "stonith-timeout") {
        return true;
    }
    let Some(rest) = name.strip_prefix("pcmk_") else {
        return false;
    };
    if matches!(
        rest,
        "action_limit"
            | "delay_base"
            | "delay_max"
            | "host_argument"
            | "host_check"
            | "host_list"
            | "host_map"
    ) {
        return true;
    }
    // pcmk_<action>_action, pcmk_<action>_timeout, pcmk_<action>_retries
    rest.find('_')
        .is_some_and(|i| matches!(&rest[i..], "_action" | "_timeout" | "_retries"))
}

/// The parameters an operation's digest covers: the resource's, the operation's own, and
/// for a recurring operation its timeout.
fn digested_params(
    view: &ClusterView,
    r: RscIdx,
    n: usize,
    op: &OpRecord,
    config: Option<&OpDef>,
) -> BTreeMap<String, String> {
    let mut all = view.resources[r].params_on(n).clone();
    if let Some(c) = config {
        all.extend(c.params.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    all.retain(|k, _| !cib::digest::not_digested(k));
    if op.interval_ms > 0 {
        let timeout = config.map_or(20_000, |c| c.timeout_ms);
        all.insert("CRM_meta_timeout".into(), timeout.to_string());
    }
    all
}

/// The parameters a reload cannot change: those the history lists in `op-force-restart`.
fn restart_params(
    all: &BTreeMap<String, String>,
    force_restart: Option<&str>,
) -> BTreeMap<String, String> {
    let Some(list) = force_restart else {
        return all.clone();
    };
    let names: Vec<&str> = list.split_whitespace().collect();
    all.iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A fence device's parameter digests on node `n` (all, and without the parameters Pacemaker
/// itself interprets), which a fencing action lists when unfencing is in use so that a
/// device whose definition changed unfences its nodes again.
/// The secure digest leaves out the usual secrets (no agent meta-data says which), and for a
/// CIB older than feature set 3.16.0 the parameters Pacemaker adds itself.
pub(crate) fn fencing_digests(view: &ClusterView, r: RscIdx, n: usize) -> (String, String) {
    let mut all = view.resources[r].params_on(n).clone();
    all.retain(|k, _| !cib::digest::not_digested(k));
    let version = view.config.feature_set.as_deref().unwrap_or("3.16.2");
    let old = cib::patch::compare_versions(version, "3.16.0").is_lt();
    let mut secure = all.clone();
    // (Before 3.16.0 the fence parameters Pacemaker adds itself were left out too.)
    let left_out =
        |k: &str| matches!(k, "passwd" | "password" | "user") || (old && is_fence_param(k));
    secure.retain(|k, _| !left_out(k));
    (digest(&all), digest(&secure))
}

/// Pacemaker's operation digest of a parameter set.
fn digest(params: &BTreeMap<String, String>) -> String {
    let mut el = Element::new("parameters");
    for (k, v) in params {
        el.set_attr(k, v);
    }
    cib::digest::digest(&el)
}

/// A fencing device whose definition changed on a node has the node unfenced again (when
/// unfencing is in use and the node is up and staying).
fn unfence_again(view: &mut ClusterView, r: RscIdx, n: usize, reason: &str) {
    let node = &view.nodes[n];
    if view.resources[r].class != "stonith"
        || !node.online
        || node.unclean
        || node.shutdown
        || !crate::actions::unfencing_enabled(view)
    {
        return;
    }
    let node = &mut view.nodes[n];
    node.unfence_reason
        .get_or_insert_with(|| reason.to_string());
}

/// Records the consequence of a changed digest on the resource's state on node `n`.
fn apply(view: &mut ClusterView, r: RscIdx, n: usize, i: usize, verdict: Verdict) {
    let reload = verdict == Verdict::Changed
        && view.resources[r].node_state[&n].ops[i]
            .restart_digest
            .is_some();
    let reason = match (view.resources[r].node_state[&n].ops[i].interval_ms, reload) {
        (0, true) => "Device parameters changed (reload)",
        (0, false) => "Device parameters changed",
        _ if verdict == Verdict::Changed => "Device parameters changed (reschedule)",
        _ => "Device parameters changed",
    };
    unfence_again(view, r, n, reason);
    let managed = view.resources[r].managed();
    let st = view.resources[r]
        .node_state
        .get_mut(&n)
        .expect("checked above");
    if st.ops[i].interval_ms > 0 {
        // A recurring operation is not reloaded: it runs again with the new parameters.
        st.ops[i].reschedule = true;
        return;
    }
    let reloadable = st.ops[i].restart_digest.is_some();
    if verdict == Verdict::Changed && reloadable {
        if st.pending_task.as_deref() == Some("start") {
            // A start still in flight ran with the old parameters: stop and start again.
            st.definition_changed = true;
            st.definition_stop = true;
        } else if managed && !st.failed {
            st.reload = true;
        }
        return;
    }
    st.definition_changed = true;
}
