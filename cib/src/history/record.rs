//! `<lrm_rsc_op>`: one recorded operation result, with every field a reader needs.

use crate::Element;

/// One recorded operation, as the status section holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpRecord {
    /// `id` (`<rsc>_last_0`, `<rsc>_last_failure_0`, `<rsc>_monitor_<ms>`).
    pub id: String,
    /// `operation_key` (`<rsc>_<op>_<interval_ms>`), or the id when absent.
    pub key: String,
    /// `operation`.
    pub task: String,
    /// `interval` (recorded in plain milliseconds).
    pub interval_ms: u64,
    /// `rc-code` (the OCF return code).
    pub rc: i64,
    /// `op-status` (0 done, -1 pending, 1 cancelled, ...).
    pub status: i64,
    /// `call-id` (-1 pending).
    pub call_id: i64,
    /// The expected return code: `transition-key`'s, else `op-expected-rc` (success
    /// or "not running" for anything but a monitor), else "not running" for a probe and success otherwise.
    pub expected_rc: i64,
    /// `op-digest`.
    pub digest: Option<String>,
    /// `op-restart-digest`: recorded only when the agent can reload.
    pub restart_digest: Option<String>,
    /// `op-force-restart`: the parameters a reload cannot change (space-separated).
    pub force_restart: Option<String>,
    /// The transition that asked for it (`transition-magic`'s key, else `transition-key`):
    /// its number and the transition engine's uuid.
    pub transition: Option<(i64, String)>,
    /// `op-secure-digest`: the digest without the private parameters.
    pub secure_digest: Option<String>,
    /// `op-secure-params`: the private parameters (space-separated).
    pub secure_params: Option<String>,
    /// `crm_feature_set` of the controller that recorded it.
    pub feature_set: Option<String>,
    /// `last-rc-change` (or `last-run`; 0 when neither).
    pub last_change: i64,
    /// `last-rc-change` itself, when recorded.
    pub last_rc_change: Option<i64>,
    /// `exec-time` in ms, when recorded.
    pub exec_ms: Option<u64>,
    /// `queue-time` in ms, when recorded.
    pub queue_ms: Option<u64>,
    /// `exit-reason` ("" when absent).
    pub exit_reason: String,
    /// `migrate_source`.
    pub migrate_source: Option<String>,
    /// `migrate_target`.
    pub migrate_target: Option<String>,
    /// Set by [`super::replay`]: this operation failed (and the failure has not expired).
    pub failed: bool,
    /// Set by [`super::replay`]: an expired failure of this recurring operation has it
    /// scheduled again.
    pub reschedule: bool,
}

fn num<T: std::str::FromStr>(e: &Element, name: &str) -> Option<T> {
    e.attr(name).and_then(|v| v.trim().parse().ok())
}

impl OpRecord {
    /// Reads an `<lrm_rsc_op>`; absent or malformed numbers read as 0.
    pub fn read(e: &Element) -> OpRecord {
        let task = e.attr("operation").unwrap_or("").to_string();
        let interval_ms = num(e, "interval").unwrap_or(0);
        // transition-key is "action:transition:expected-rc:uuid". Only monitors may expect
        // an error; other actions expect success or "not running" (an error expected of them
        // is still an error).
        let expected_rc = match e
            .attr("transition-key")
            .and_then(|k| k.split(':').nth(2))
            .and_then(|v| v.parse().ok())
            .or_else(|| e.attr("op-expected-rc").and_then(|v| v.parse().ok()))
        {
            Some(rc) if task == "monitor" || rc == 0 || rc == 7 => rc,
            Some(_) => 0,
            None if task == "monitor" && interval_ms == 0 => 7,
            None => 0,
        };
        let last_rc_change = num(e, "last-rc-change");
        let id = e.attr("id").unwrap_or("").to_string();
        OpRecord {
            key: e.attr("operation_key").unwrap_or(&id).to_string(),
            id,
            task,
            interval_ms,
            rc: num(e, "rc-code").unwrap_or(0),
            status: num(e, "op-status").unwrap_or(0),
            call_id: num(e, "call-id").unwrap_or(0),
            expected_rc,
            digest: e.attr("op-digest").map(str::to_string),
            restart_digest: e.attr("op-restart-digest").map(str::to_string),
            force_restart: e.attr("op-force-restart").map(str::to_string),
            transition: transition_of(e),
            secure_digest: e.attr("op-secure-digest").map(str::to_string),
            secure_params: e.attr("op-secure-params").map(str::to_string),
            feature_set: e.attr("crm_feature_set").map(str::to_string),
            last_change: last_rc_change.or_else(|| num(e, "last-run")).unwrap_or(0),
            last_rc_change,
            exec_ms: num(e, "exec-time"),
            queue_ms: num(e, "queue-time"),
            exit_reason: e.attr("exit-reason").unwrap_or("").to_string(),
            migrate_source: e.attr("migrate_source").map(str::to_string),
            migrate_target: e.attr("migrate_target").map(str::to_string),
            failed: false,
            reschedule: false,
        }
    }

    /// A one-time monitor: a probe.
    pub fn is_probe(&self) -> bool {
        self.task == "monitor" && self.interval_ms == 0
    }

    /// The task as crm_mon names it: a probe is `probe`.
    pub fn display_task(&self) -> &str {
        if self.is_probe() {
            "probe"
        } else {
            &self.task
        }
    }
}

/// An `<lrm_resource>`'s operations in the order the status section lists them.
pub fn records(lrm_resource: &Element) -> impl Iterator<Item = OpRecord> + '_ {
    lrm_resource
        .children_named("lrm_rsc_op")
        .map(OpRecord::read)
}

/// An `<lrm_resource>`'s operations in the order they ran: by call id, pending ones (call id
/// -1) last, as Pacemaker orders a history.
pub fn history(lrm_resource: &Element) -> Vec<OpRecord> {
    let mut ops: Vec<OpRecord> = records(lrm_resource).collect();
    // Kept for a whole scheduler run, one per resource and node: no growth slack.
    ops.shrink_to_fit();
    in_call_order(&mut ops);
    ops
}

/// Sorts operations by call id, pending ones (call id -1) last. Two records of one call (a
/// recurring monitor's latest result and its `last_failure`) go by `last-rc-change`, as
/// Pacemaker's `sort_op_by_callid`: a monitor that failed and then succeeded again has
/// recovered.
pub fn in_call_order(ops: &mut [OpRecord]) {
    ops.sort_by(|a, b| {
        let call = |o: &OpRecord| if o.call_id < 0 { i64::MAX } else { o.call_id };
        call(a).cmp(&call(b)).then_with(|| {
            if a.call_id < 0 {
                return std::cmp::Ordering::Equal;
            }
            let (la, lb) = (
                a.last_rc_change.unwrap_or(-1),
                b.last_rc_change.unwrap_or(-1),
            );
            if la >= 0 && la < lb {
                std::cmp::Ordering::Less
            } else if lb >= 0 && la > lb {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
    });
    // An operation still pending goes before what a later transition of the same transition
    // engine did (a pending start superseded by a later stop), as Pacemaker's op ordering.
    let done = ops.iter().take_while(|o| o.call_id >= 0).count();
    if done == 0 || done == ops.len() {
        return;
    }
    let mut order: Vec<usize> = (0..done).collect();
    for p in done..ops.len() {
        let at = ops[p].transition.as_ref().and_then(|(t, uuid)| {
            order.iter().position(|&d| {
                ops[d]
                    .transition
                    .as_ref()
                    .is_some_and(|(dt, du)| du == uuid && *t >= 0 && dt > t)
            })
        });
        match at {
            Some(i) => order.insert(i, p),
            None => order.push(p),
        }
    }
    let sorted: Vec<OpRecord> = order.iter().map(|&i| ops[i].clone()).collect();
    ops.clone_from_slice(&sorted);
}

/// The transition number and uuid an operation's result names: `transition-magic`
/// (`status:rc;action:transition:rc:uuid`), else `transition-key`.
fn transition_of(e: &Element) -> Option<(i64, String)> {
    let key = match e.attr("transition-magic") {
        Some(m) => m.split_once(';')?.1,
        None => e.attr("transition-key")?,
    };
    let mut parts = key.splitn(4, ':');
    let _action = parts.next()?;
    let transition = parts.next()?.trim().parse().ok()?;
    let _rc = parts.next()?;
    Some((transition, parts.next()?.to_string()))
}
