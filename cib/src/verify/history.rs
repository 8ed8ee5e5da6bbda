//! What the status checks read of one resource's history on one node: the one replay
//! ([`crate::history`]) under the configuration's `on-fail` settings, summarised.

use super::config::op_on_fail;
use super::model::{nvpairs, Cluster};
use crate::history::{self, Defaults, OnFail, Role, Rules};
use crate::Element;
use vocab::parse_duration_ms;

/// What the history says about the resource on the node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayOutcome {
    /// The resource is (or may be) running there.
    pub active: bool,
    /// It runs in the promoted role.
    pub promoted: bool,
    /// A failure whose on-fail is `fence` is unrecovered there.
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

/// The configuration's rules for one primitive: its operations' `on-fail` (or
/// `op_defaults`), Pacemaker's defaults otherwise. The checks judge no clock: no failure
/// expires.
struct ConfigRules<'c, 'a> {
    cluster: &'c Cluster<'a>,
    primitive: Option<&'a Element>,
}

impl ConfigRules<'_, '_> {
    fn configured(&self, task: &str, interval_ms: u64) -> Option<OnFail> {
        let op = self
            .primitive
            .and_then(|p| configured_op(p, task, interval_ms))?;
        op_on_fail(self.cluster, op).and_then(OnFail::parse)
    }
}

impl Rules for ConfigRules<'_, '_> {
    fn on_fail(&self, task: &str, interval_ms: u64) -> OnFail {
        let fencing = self.cluster.stonith_enabled();
        match self.configured(task, interval_ms) {
            Some(OnFail::Fence) if !fencing => OnFail::Block,
            Some(c) => c,
            None => Defaults { fencing }.on_fail(task, interval_ms),
        }
    }

    fn expiry(&mut self, _op: &history::OpRecord) -> (bool, bool) {
        (false, false)
    }

    fn node_up(&self) -> bool {
        false
    }
}

/// Replays `lrm_resource` (whose configured primitive is `primitive`, if any).
pub fn replay(
    cluster: &Cluster,
    lrm_resource: &Element,
    primitive: Option<&Element>,
) -> ReplayOutcome {
    let mut rules = ConfigRules { cluster, primitive };
    let state = history::replay(&mut rules, history::history(lrm_resource));
    let mut out = ReplayOutcome {
        active: state.role.is_active(),
        promoted: state.role == Role::Promoted,
        fence_failure: state.failed && state.on_fail == OnFail::Fence,
        failed: state.ops.iter().any(|o| o.failed),
        start_failed: state.ops.iter().any(|o| o.failed && o.task == "start"),
        ..Default::default()
    };
    // A connection failure stands until a completed start or stop; one demands fencing the
    // remote node unless its on-fail says otherwise, and a connection that reconnects by
    // itself keeps that demand.
    let remote = primitive.is_some_and(is_remote_connection);
    let reconnects = primitive.is_some_and(|p| {
        nvpairs(p, "instance_attributes")
            .iter()
            .any(|(k, _)| *k == "reconnect_interval")
    });
    for op in &state.ops {
        if matches!(op.status, -1 | 1) || op.task == "notify" {
            continue;
        }
        if op.failed {
            out.failed_now = true;
            let configured = rules.configured(&op.task, op.interval_ms);
            if remote
                && configured.is_none()
                && !op.is_probe()
                && op.task != "start"
                && cluster.stonith_enabled()
            {
                out.remote_reset = true;
            }
        } else if matches!(op.task.as_str(), "start" | "stop") {
            out.failed_now = false;
            if !reconnects {
                out.remote_reset = false;
            }
        }
    }
    out
}
