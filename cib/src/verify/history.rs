//! Replays one resource's operation history on one node (`lrm_resource`) to learn whether the
//! resource is active there and whether a failure demands fencing the node.

use super::config::op_on_fail;
use super::model::Cluster;
use crate::Element;
use vocab::parse_duration_ms;

/// Agent return codes and execution statuses the replay distinguishes.
const RC_OK: i64 = 0;
const RC_NOT_RUNNING: i64 = 7;
const RC_PROMOTED: i64 = 8;
const RC_NOT_INSTALLED: i64 = 5;
const STATUS_PENDING: i64 = -1;
const STATUS_DONE: i64 = 0;
const STATUS_CANCELLED: i64 = 1;
/// An executor error is re-judged by its return code, as Pacemaker does.
const STATUS_ERROR: i64 = 4;

/// What the history says about the resource on the node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayOutcome {
    /// The resource is (or may be) running there.
    pub active: bool,
    /// It runs in the promoted role.
    pub promoted: bool,
    /// A failure whose on-fail is `fence` was recorded.
    pub fence_failure: bool,
    /// Some operation failed.
    pub failed: bool,
    /// The latest failure has not been followed by a completed start or stop.
    pub failed_now: bool,
    /// A remote connection failed in a way that requires fencing its remote node.
    pub remote_reset: bool,
    /// A start failed: the fail count is then INFINITY and the node is off-limits.
    pub start_failed: bool,
}

/// True for a Pacemaker Remote connection resource (`ocf:pacemaker:remote`).
pub fn is_remote_connection(primitive: &Element) -> bool {
    primitive.attr("class") == Some("ocf")
        && primitive.attr("provider") == Some("pacemaker")
        && primitive.attr("type") == Some("remote")
}

struct RecordedOp<'a> {
    task: &'a str,
    call_id: i64,
    rc: i64,
    status: i64,
    interval_ms: u64,
    expected_rc: i64,
}

fn num(e: &Element, name: &str, default: i64) -> i64 {
    e.attr(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn recorded_op(xml: &Element) -> RecordedOp<'_> {
    // Recorded intervals are plain milliseconds.
    let interval_ms = xml
        .attr("interval")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let task = xml.attr("operation").unwrap_or("");
    let probe = task == "monitor" && interval_ms == 0;
    // transition-key is "action:transition:expected-rc:uuid". Only monitors may expect anything
    // but success; an error expected of another action is still an error.
    let recorded_expectation = xml
        .attr("transition-key")
        .and_then(|k| k.split(':').nth(2))
        .and_then(|v| v.parse().ok());
    let expected_rc = match recorded_expectation {
        Some(rc) if task == "monitor" || rc == RC_OK => rc,
        Some(_) => RC_OK,
        None if probe => RC_NOT_RUNNING,
        None => RC_OK,
    };
    RecordedOp {
        task,
        call_id: num(xml, "call-id", -1),
        rc: num(xml, "rc-code", 0),
        status: num(xml, "op-status", 0),
        interval_ms,
        expected_rc,
    }
}

/// The configured operation matching a recorded one (same name and interval).
fn configured_op<'a>(primitive: &'a Element, task: &str, interval_ms: u64) -> Option<&'a Element> {
    primitive
        .child("operations")?
        .children_named("op")
        .find(|op| {
            op.attr("name") == Some(task)
                && op
                    .attr("interval")
                    .and_then(|v| parse_duration_ms(v).ok())
                    .unwrap_or(0)
                    == interval_ms
        })
}

/// Replays `lrm_resource` (whose configured primitive is `primitive`, if any).
pub fn replay(
    cluster: &Cluster,
    lrm_resource: &Element,
    primitive: Option<&Element>,
) -> ReplayOutcome {
    let mut ops: Vec<RecordedOp> = lrm_resource
        .children_named("lrm_rsc_op")
        .map(recorded_op)
        .collect();
    // Pending operations (call-id -1) sort last, as Pacemaker orders history by call id.
    ops.sort_by_key(|op| if op.call_id < 0 { i64::MAX } else { op.call_id });
    let mut out = ReplayOutcome::default();
    let remote = primitive.is_some_and(is_remote_connection);
    let reconnects = primitive.is_some_and(|p| {
        super::model::nvpairs(p, "instance_attributes")
            .iter()
            .any(|(k, _)| *k == "reconnect_interval")
    });
    for op in &ops {
        if op.status == STATUS_CANCELLED || op.task == "notify" {
            continue;
        }
        let probe = op.task == "monitor" && op.interval_ms == 0;
        if op.status == STATUS_PENDING {
            if matches!(op.task, "start" | "promote" | "migrate_from" | "migrate_to") {
                out.active = true;
            }
            continue;
        }
        let judged_by_rc = op.status == STATUS_DONE || op.status == STATUS_ERROR;
        let succeeded = judged_by_rc
            && (op.rc == op.expected_rc
                || (probe
                    && matches!(
                        op.rc,
                        RC_OK | RC_NOT_RUNNING | RC_PROMOTED | RC_NOT_INSTALLED
                    )));
        if succeeded {
            // A completed start or stop forgives a connection failure unless it reconnects by itself.
            if matches!(op.task, "start" | "stop") {
                out.failed_now = false;
                if !reconnects {
                    out.remote_reset = false;
                }
            }
            match (op.task, op.rc) {
                ("stop", _) | (_, RC_NOT_RUNNING) | (_, RC_NOT_INSTALLED) => {
                    out.active = false;
                    out.promoted = false;
                }
                ("demote", _) => out.promoted = false,
                (_, RC_PROMOTED) | ("promote", _) => {
                    out.active = true;
                    out.promoted = true;
                }
                ("start" | "migrate_from" | "migrate_to" | "monitor", _) => out.active = true,
                _ => {}
            }
            continue;
        }
        out.failed = true;
        out.failed_now = true;
        out.start_failed |= op.task == "start";
        if op.task == "monitor" && op.rc == RC_NOT_RUNNING && judged_by_rc {
            out.active = false;
        } else {
            out.active = true;
            if op.task == "promote" || op.rc == RC_PROMOTED {
                out.promoted = true;
            }
        }
        let configured = primitive.and_then(|p| configured_op(p, op.task, op.interval_ms));
        let on_fail = configured.and_then(|c| op_on_fail(cluster, c));
        if remote && on_fail.is_none() && !probe && op.task != "start" && cluster.stonith_enabled()
        {
            out.remote_reset = true;
        }
        let on_fail = match on_fail {
            Some(v) => v,
            None if op.task == "stop" && cluster.stonith_enabled() => "fence",
            None => "restart",
        };
        if on_fail == "fence" && cluster.stonith_enabled() {
            out.fence_failure = true;
        }
    }
    out
}
