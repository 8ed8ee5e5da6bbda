//! Per-resource operation history: what crmd turns into the CIB's `lrm_rsc_op` entries
//! (`<rsc>_last_0`, `<rsc>_last_failure_0`, one entry per recurring operation).

use serde::{Deserialize, Serialize};

use crate::op::{Action, OpResult};
use vocab::{ExecStatus, OcfRc};

/// One remembered operation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpRecord {
    /// `<rsc>_<action>_<interval_ms>`.
    pub op_key: String,
    /// Call id.
    pub call_id: u64,
    /// Action.
    pub action: Action,
    /// Interval in ms.
    pub interval_ms: u64,
    /// OCF rc.
    pub rc: OcfRc,
    /// Execution status.
    pub status: ExecStatus,
    /// Exit reason.
    pub exit_reason: String,
    /// Run time, ms.
    pub exec_time_ms: u64,
    /// Queue time, ms.
    pub queue_time_ms: u64,
    /// When it last ran (seconds since the epoch).
    pub last_run: u64,
    /// When its result last changed (seconds since the epoch).
    pub last_rc_change: u64,
    /// Whether the result was the expected one.
    pub ok: bool,
}

impl OpRecord {
    /// The attributes of this record's `<lrm_rsc_op>` element in the CIB status section, as far
    /// as the LRM knows them (crmd adds `transition-key`, `transition-magic`, `on_node`, digests).
    /// `id` is the CIB entry's id: `<rsc>_last_0`, `<rsc>_last_failure_0` or the op key.
    pub fn lrm_rsc_op_attrs(&self, id: &str) -> Vec<(&'static str, String)> {
        vec![
            ("id", id.to_string()),
            ("operation_key", self.op_key.clone()),
            ("operation", self.action.as_str().to_string()),
            ("exit-reason", self.exit_reason.clone()),
            ("call-id", self.call_id.to_string()),
            ("rc-code", self.rc.0.to_string()),
            ("op-status", self.status.code().to_string()),
            ("interval", self.interval_ms.to_string()),
            ("last-rc-change", self.last_rc_change.to_string()),
            ("exec-time", self.exec_time_ms.to_string()),
            ("queue-time", self.queue_time_ms.to_string()),
        ]
    }

    fn from_result(r: &OpResult, previous: Option<&OpRecord>) -> Self {
        let same_result = previous.is_some_and(|p| {
            p.action == r.action
                && p.interval_ms == r.interval_ms
                && p.rc == r.rc
                && p.status == r.status
        });
        OpRecord {
            op_key: r.key(),
            call_id: r.call_id,
            action: r.action.clone(),
            interval_ms: r.interval_ms,
            rc: r.rc,
            status: r.status,
            exit_reason: r.exit_reason.clone(),
            exec_time_ms: r.exec_time_ms,
            queue_time_ms: r.queue_time_ms,
            last_run: r.run_at,
            last_rc_change: match previous {
                Some(p) if same_result => p.last_rc_change,
                _ => r.run_at,
            },
            ok: r.ok,
        }
    }
}

/// Everything remembered about one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceHistory {
    /// The latest non-recurring operation (`<rsc>_last_0`).
    pub last: Option<OpRecord>,
    /// The latest operation whose result was not the expected one (`<rsc>_last_failure_0`).
    pub last_failure: Option<OpRecord>,
    /// The latest result of each active recurring operation, sorted by key.
    pub recurring: Vec<OpRecord>,
}

impl ResourceHistory {
    /// Remembers a result.
    pub fn record(&mut self, r: &OpResult) {
        if r.status == ExecStatus::Cancelled {
            return;
        }
        if r.interval_ms == 0 {
            self.last = Some(OpRecord::from_result(r, self.last.as_ref()));
        } else {
            let key = r.key();
            match self.recurring.iter_mut().find(|e| e.op_key == key) {
                Some(entry) => *entry = OpRecord::from_result(r, Some(entry)),
                None => {
                    self.recurring.push(OpRecord::from_result(r, None));
                    self.recurring.sort_by(|a, b| a.op_key.cmp(&b.op_key));
                }
            }
        }
        if !r.ok {
            self.last_failure = Some(OpRecord::from_result(r, self.last_failure.as_ref()));
        }
    }

    /// Every `<lrm_rsc_op>` entry for resource `rsc`, in CIB order: last, last failure, recurring.
    pub fn lrm_rsc_ops(&self, rsc: &str) -> Vec<Vec<(&'static str, String)>> {
        let mut ops = Vec::new();
        if let Some(last) = &self.last {
            ops.push(last.lrm_rsc_op_attrs(&format!("{rsc}_last_0")));
        }
        if let Some(failure) = &self.last_failure {
            ops.push(failure.lrm_rsc_op_attrs(&format!("{rsc}_last_failure_0")));
        }
        ops.extend(self.recurring.iter().map(|r| r.lrm_rsc_op_attrs(&r.op_key)));
        ops
    }

    /// Drops a cancelled recurring operation.
    pub fn forget_recurring(&mut self, action: &Action, interval_ms: u64) {
        self.recurring
            .retain(|e| !(e.action == *action && e.interval_ms == interval_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(
        call_id: u64,
        action: Action,
        interval_ms: u64,
        rc: i32,
        at: u64,
        ok: bool,
    ) -> OpResult {
        OpResult {
            call_id,
            rsc: "r".into(),
            action,
            interval_ms,
            rc: OcfRc(rc),
            status: ExecStatus::Done,
            exit_reason: String::new(),
            stdout: String::new(),
            stderr: String::new(),
            exec_time_ms: 1,
            queue_time_ms: 0,
            run_at: at,
            ok,
        }
    }

    #[test]
    fn last_rc_change_moves_only_when_the_result_changes() {
        let mut h = ResourceHistory::default();
        h.record(&result(1, Action::Monitor, 5000, 0, 100, true));
        h.record(&result(1, Action::Monitor, 5000, 0, 105, true));
        assert_eq!(h.recurring[0].last_rc_change, 100);
        assert_eq!(h.recurring[0].last_run, 105);
        h.record(&result(1, Action::Monitor, 5000, 7, 110, false));
        assert_eq!(h.recurring[0].last_rc_change, 110);
        assert_eq!(h.last_failure.as_ref().unwrap().op_key, "r_monitor_5000");
        h.record(&result(2, Action::Stop, 0, 0, 111, true));
        assert_eq!(h.last.as_ref().unwrap().op_key, "r_stop_0");
        let ops = h.lrm_rsc_ops("r");
        let ids: Vec<&str> = ops.iter().map(|attrs| attrs[0].1.as_str()).collect();
        assert_eq!(ids, ["r_last_0", "r_last_failure_0", "r_monitor_5000"]);
        assert!(ops[1].contains(&("rc-code", "7".to_string())));
        assert!(ops[1].contains(&("last-rc-change", "110".to_string())));
        h.forget_recurring(&Action::Monitor, 5000);
        assert!(h.recurring.is_empty());
    }
}
