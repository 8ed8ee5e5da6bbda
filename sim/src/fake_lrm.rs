//! A node's LRM in the simulation: which agents really run (survives an lrmd restart, not a
//! power-off) and which recurring monitors lrmd runs (lost when lrmd restarts).

use std::collections::{BTreeMap, BTreeSet};

use crmd::core::{action_interval, action_rsc};
use graph::GraphAction;
use lrm::op::{Action, OpResult};
use tengine::record::OpSummary;
use vocab::{ExecStatus, OcfRc};

/// One node's resource state.
#[derive(Debug, Default)]
pub struct FakeLrm {
    /// Resources whose agent is running (the "processes").
    pub running: BTreeSet<String>,
    /// lrmd's recurring monitors: (rsc, interval) -> last rc.
    pub recurring: BTreeMap<(String, u64), i32>,
    /// lrmd is connected.
    pub up: bool,
    /// lrmd incarnation (results of an older one are lost).
    pub gen: u64,
    /// The last call id given.
    pub call_id: u64,
}

impl FakeLrm {
    /// Runs an action; its result.
    pub fn exec(&mut self, action: &GraphAction, wall: i64) -> OpSummary {
        let rsc = action_rsc(action);
        let interval = action_interval(action);
        let rc = match action.reference.operation.as_str() {
            "start" => {
                self.running.insert(rsc.clone());
                0
            }
            "stop" => {
                self.running.remove(&rsc);
                // lrmd cancels a stopped resource's recurring operations.
                self.recurring.retain(|(r, _), _| r != &rsc);
                0
            }
            "monitor" => {
                let rc = if self.running.contains(&rsc) { 0 } else { 7 };
                if interval > 0 {
                    self.recurring.insert((rsc.clone(), interval), rc);
                }
                rc
            }
            "cancel" => {
                self.recurring
                    .retain(|(r, i), _| !(r == &rsc && *i == interval));
                0
            }
            _ => 0,
        };
        self.call_id += 1;
        OpSummary {
            call_id: self.call_id,
            rc,
            op_status: 0,
            exit_reason: String::new(),
            exec_time_ms: 1,
            queue_time_ms: 0,
            last_rc_change: wall.max(0) as u64,
        }
    }

    /// The agent of `rsc` dies: the recurring monitors that see it (rc 7) as lrmd would report.
    pub fn agent_dies(&mut self, rsc: &str, wall: i64) -> Vec<OpResult> {
        self.running.remove(rsc);
        let mut events = Vec::new();
        for ((r, interval), last) in self.recurring.iter_mut() {
            if r == rsc && *last != 7 {
                *last = 7;
                self.call_id += 1;
                events.push(OpResult {
                    call_id: self.call_id,
                    rsc: r.clone(),
                    action: Action::Monitor,
                    interval_ms: *interval,
                    rc: OcfRc(7),
                    status: ExecStatus::Done,
                    exit_reason: "not running".into(),
                    stdout: String::new(),
                    stderr: String::new(),
                    exec_time_ms: 1,
                    queue_time_ms: 0,
                    run_at: wall.max(0) as u64,
                    ok: false,
                });
            }
        }
        events
    }

    /// lrmd restarts: its registrations and recurring monitors are gone, agents keep running.
    pub fn restart(&mut self) {
        self.recurring.clear();
        self.gen += 1;
    }

    /// The node powers off.
    pub fn power_off(&mut self) {
        self.running.clear();
        self.recurring.clear();
        self.gen += 1;
    }
}
