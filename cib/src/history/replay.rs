//! The replay of one resource's operation history on one node, in call-id order, as
//! Pacemaker 2.1.5's unpacking judges each entry: role, failures, the reaction they demand,
//! bans, pending operations, expired failures.

use super::OpRecord;

/// A resource role, in Pacemaker's order (higher is "more active").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Role {
    /// Not known yet.
    #[default]
    Unknown,
    /// Not running.
    Stopped,
    /// Running (non-promotable, or promotable before its role is known).
    Started,
    /// Running as the unpromoted instance of a promotable clone.
    Unpromoted,
    /// Running promoted.
    Promoted,
}

impl Role {
    /// Parses target-role / rsc-role values, including the legacy Master/Slave names.
    pub fn parse(text: &str) -> Option<Role> {
        match text.to_ascii_lowercase().as_str() {
            "stopped" => Some(Role::Stopped),
            "started" => Some(Role::Started),
            "unpromoted" | "slave" => Some(Role::Unpromoted),
            "promoted" | "master" => Some(Role::Promoted),
            _ => None,
        }
    }

    /// The name crm_simulate prints.
    pub fn name(self) -> &'static str {
        match self {
            Role::Unknown => "Unknown",
            Role::Stopped => "Stopped",
            Role::Started => "Started",
            Role::Unpromoted => "Unpromoted",
            Role::Promoted => "Promoted",
        }
    }

    /// True when the resource is running in this role.
    pub fn is_active(self) -> bool {
        self >= Role::Started
    }
}

/// How to react to a failed operation, in increasing severity (Pacemaker's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum OnFail {
    /// Pretend it succeeded.
    #[default]
    Ignore,
    /// Demote only.
    Demote,
    /// Stop and start again (here or elsewhere).
    Restart,
    /// Restart the container the resource runs in (resources inside containers, guest
    /// connections).
    RestartContainer,
    /// Move away.
    Migrate,
    /// Leave it alone, unmanaged.
    Block,
    /// Stop and leave stopped.
    Stop,
    /// Put the node in standby.
    Standby,
    /// Fence the node.
    Fence,
}

impl OnFail {
    /// Reads an `on-fail` value (`nothing` is the legacy `ignore`).
    pub fn parse(v: &str) -> Option<OnFail> {
        Some(match v.to_ascii_lowercase().as_str() {
            "ignore" | "nothing" => OnFail::Ignore,
            "demote" => OnFail::Demote,
            "restart" => OnFail::Restart,
            "restart-container" => OnFail::RestartContainer,
            "block" => OnFail::Block,
            "stop" => OnFail::Stop,
            "standby" => OnFail::Standby,
            "fence" => OnFail::Fence,
            _ => return None,
        })
    }
}

/// A primitive's state on one node.
#[derive(Debug, Clone, Default)]
pub struct RscNodeState {
    /// Role after replaying the history.
    pub role: Role,
    /// Needs recovery (stop, then start where placement says).
    pub failed: bool,
    /// Most severe unrecovered on-fail.
    pub on_fail: OnFail,
    /// Operation history sorted by call id.
    pub ops: Vec<OpRecord>,
    /// An operation still in flight.
    pub pending_task: Option<String>,
    /// Must never run here again (stop failure, hard error).
    pub banned: bool,
    /// Banned on every node (fatal error).
    pub banned_everywhere: bool,
    /// A migrate_to from here is unfinished (target node name).
    pub partial_migration_target: Option<String>,
    /// Index in `ops` of the last start-like operation (recurring ops after it are active).
    pub last_start: Option<usize>,
    /// A failure here has expired (failure-timeout).
    pub expired_failure: bool,
    /// The fail count here is to be cleared (every failure expired, or the last failure's
    /// parameters changed).
    pub clear_failcount: bool,
    /// The last failure here ran with other parameters than configured now: its fail count is
    /// cleared, so it keeps nothing away from this node.
    pub failure_params_changed: bool,
    /// A failure here was ignored (`on-fail=ignore`): shown as "(failure ignored)".
    pub failure_ignored: bool,
    /// Must stop here although it did not fail (a resource inside it failed).
    pub restart: bool,
    /// Started here with other parameters than it has now: restarted, not failed.
    pub definition_changed: bool,
    /// With `definition_changed`: the change requires the stop here (another agent ran it, or
    /// its start was still in flight), rather than the start.
    pub definition_stop: bool,
    /// Started here with other parameters than it has now, and the agent can reload them.
    pub reload: bool,
    /// The replay found a role (Pacemaker's "known on" this node): not when the history
    /// holds only probes in flight or failures that expired.
    pub role_known: bool,
    /// The `lrm_resource` id the history was read from (an anonymous clone instance may
    /// take another instance's history).
    pub entry_id: String,
    /// Active here as the target of an unfinished live migration from this node.
    pub migrating_from: Option<usize>,
}

impl RscNodeState {
    /// Whether it must be stopped here (and recovered): it failed, or its content did.
    pub fn must_recover(&self) -> bool {
        self.failed || self.restart || self.definition_changed
    }

    /// Whether an expired failure of this recurring operation (since the last start) has it
    /// scheduled again.
    pub fn rescheduled(&self, task: &str, interval_ms: u64) -> bool {
        let from = self.last_start.map(|i| i + 1).unwrap_or(0);
        self.ops[from.min(self.ops.len())..]
            .iter()
            .any(|o| o.reschedule && o.task == task && o.interval_ms == interval_ms)
    }

    /// Recurring operations active since the last start (key = interval, name).
    pub fn active_recurring(&self) -> Vec<(&str, u64)> {
        let from = self.last_start.map(|i| i + 1).unwrap_or(0);
        self.ops[from.min(self.ops.len())..]
            .iter()
            .filter(|o| o.interval_ms > 0 && o.status != 1 && o.status != -1)
            .map(|o| (o.task.as_str(), o.interval_ms))
            .collect()
    }

    /// Whether the history tells anything, as Pacemaker's "known on": its replay left a role
    /// (a probe still in flight, or a failure that expired, does not).
    pub fn known(&self) -> bool {
        self.migrating_from.is_some() || self.role_known
    }

    /// All recurring operations in the history that were not cancelled.
    pub fn recorded_recurring(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .ops
            .iter()
            .filter(|o| o.interval_ms > 0 && o.status != 1)
            .map(|o| (o.task.as_str(), o.interval_ms))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// What the replay needs from the reader's picture of the cluster.
pub trait Rules {
    /// The reaction to a failure of `task` at `interval_ms`: the configured `on-fail` or the
    /// default.
    fn on_fail(&self, task: &str, interval_ms: u64) -> OnFail;
    /// Whether history entry `op` has expired (`failure-timeout`), and whether the fail count
    /// is then to be cleared.
    fn expiry(&mut self, op: &OpRecord) -> (bool, bool);
    /// Whether the node is up and clean (an expired recurring failure is scheduled again only
    /// there).
    fn node_up(&self) -> bool;
    /// Whether the resource's recorded last failure (`*_last_failure_0`) ran with other
    /// parameters than configured now: its fail count is then cleared. Without a
    /// configuration to compare with, never.
    fn last_failure_params_changed(&self, _op: &OpRecord) -> bool {
        false
    }
}

/// The rules without a configuration: Pacemaker's default reactions (a failed stop fences
/// the node when fencing is enabled and blocks otherwise; any other failure restarts), and no
/// failure expires.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    /// `stonith-enabled`.
    pub fencing: bool,
}

impl Rules for Defaults {
    fn on_fail(&self, task: &str, _interval_ms: u64) -> OnFail {
        match task {
            "stop" if self.fencing => OnFail::Fence,
            "stop" => OnFail::Block,
            _ => OnFail::Restart,
        }
    }

    fn expiry(&mut self, _op: &OpRecord) -> (bool, bool) {
        (false, false)
    }

    fn node_up(&self) -> bool {
        false
    }
}

/// Replays `ops` (one resource's history on one node, in call-id order): the state it leaves,
/// holding the operations with their `failed` and `reschedule` verdicts.
pub fn replay(rules: &mut impl Rules, mut ops: Vec<OpRecord>) -> RscNodeState {
    let mut st = RscNodeState {
        role: Role::Unknown,
        ..Default::default()
    };
    // The operation (name, interval) of the latest failure that was not ignored: the same
    // monitor succeeding later clears it (Pacemaker's `last_failure`).
    let mut last_failure: Option<(String, u64)> = None;
    for (i, op) in ops.iter_mut().enumerate() {
        let o = op.clone();
        if o.status == 1 {
            continue;
        }
        let mut expired = false;
        if o.status != -1 && o.status != 7 {
            let (e, clear) = rules.expiry(&o);
            expired = e;
            st.clear_failcount |= clear;
            if clear {
                st.expired_failure = true;
            } else if !expired && rules.last_failure_params_changed(&o) {
                st.clear_failcount = true;
                st.failure_params_changed = true;
            }
        }
        let probe = o.task == "monitor" && o.interval_ms == 0;
        if o.status == -1 {
            st.pending_task = Some(o.task.clone());
            match o.task.as_str() {
                "start" | "migrate_from" => {
                    st.role = st.role.max(Role::Started);
                    st.last_start = Some(i);
                }
                "promote" => st.role = Role::Promoted,
                "demote" | "stop" | "migrate_to" => {
                    st.role = st.role.max(Role::Started);
                }
                _ => {}
            }
            continue;
        }
        st.pending_task = None;
        // "Done" and "error" are re-judged from the return code; other statuses are final.
        let exec_ok = o.status == 0 || (o.status == 4 && !matches!(o.rc, 5 | 6));
        let success = exec_ok && (o.rc == o.expected_rc || (probe && matches!(o.rc, 0 | 7 | 8)));
        // "Not running" as expected, whatever the operation: stopped, past failures cleared.
        if success && o.rc == 7 && o.task != "monitor" {
            st.role = Role::Stopped;
            clear_failure(&mut st);
            continue;
        }
        if success {
            match o.task.as_str() {
                "start" | "migrate_from" => {
                    st.role = Role::Started;
                    st.last_start = Some(i);
                    clear_failure(&mut st);
                }
                "stop" => {
                    st.role = Role::Stopped;
                    st.last_start = Some(i);
                    clear_failure(&mut st);
                    st.partial_migration_target = None;
                }
                // A role change restarts the recurring operations too.
                "promote" => {
                    st.role = Role::Promoted;
                    st.last_start = Some(i);
                    clear_failure(&mut st);
                }
                "demote" => {
                    if st.on_fail == OnFail::Demote {
                        clear_failure(&mut st);
                    }
                    st.role = Role::Unpromoted;
                    st.last_start = Some(i);
                }
                "migrate_to" => {
                    st.role = Role::Started;
                    st.partial_migration_target = o.migrate_target.clone();
                }
                "monitor" => {
                    match o.rc {
                        7 => {
                            st.role = Role::Stopped;
                            if probe {
                                st.last_start = Some(i);
                            }
                        }
                        8 => st.role = Role::Promoted,
                        _ => {
                            if st.role < Role::Started {
                                st.role = Role::Started;
                            }
                        }
                    }
                    let same = |(task, interval): &(String, u64)| {
                        *task == o.task && *interval == o.interval_ms
                    };
                    // ("Not running" as expected clears past failures too.)
                    if o.rc == 7 || last_failure.as_ref().is_some_and(same) {
                        clear_failure(&mut st);
                    }
                }
                _ => {
                    if st.role < Role::Started && o.task != "notify" && o.task != "meta-data" {
                        st.role = Role::Started;
                    }
                }
            }
            continue;
        }
        // A failure. Expired failures are ignored entirely; an expired recurring monitor
        // failure (with a digest, on a node that can run it) gets the monitor rescheduled.
        if expired {
            if probe && o.rc == 7 {
                st.role = Role::Stopped;
            }
            op.reschedule = o.interval_ms > 0 && o.digest.is_some() && rules.node_up();
            st.expired_failure = true;
            continue;
        }
        op.failed = true;
        last_failure = Some((o.task.clone(), o.interval_ms));
        let mut on_fail = rules.on_fail(&o.task, o.interval_ms);
        // (Only an agent found missing by the executor cannot be ignored; a hard error is.)
        let hard_error = o.status == 7;
        // A failed stop inside a container counts as done too: restarting the container
        // stops it anyway.
        let container_stop = on_fail == OnFail::RestartContainer && o.task == "stop";
        if (on_fail == OnFail::Ignore || container_stop) && !hard_error {
            // The failure is ignored: the operation counts as done.
            st.failure_ignored = true;
            if container_stop {
                st.on_fail = st.on_fail.max(OnFail::RestartContainer);
            }
            match o.task.as_str() {
                "stop" => st.role = Role::Stopped,
                "start" | "migrate_from" => st.role = Role::Started,
                "promote" => st.role = Role::Promoted,
                "demote" => st.role = Role::Unpromoted,
                _ => {
                    if st.role < Role::Started && !probe {
                        st.role = Role::Started;
                    }
                }
            }
            continue;
        }
        if exec_ok && o.rc == 5 || o.status == 7 {
            // Not installed: this node can never run it.
            st.banned = true;
            if probe {
                st.role = Role::Stopped;
                continue;
            }
        }
        if exec_ok && o.rc == 6 {
            st.banned_everywhere = true;
        }
        // Invalid parameters, unimplemented actions and missing privileges are hard errors:
        // this node is out for good.
        if exec_ok && matches!(o.rc, 2..=4) && !(o.rc == 3 && o.interval_ms > 0) {
            st.banned = true;
        }
        if probe && exec_ok && o.rc == 5 {
            continue;
        }
        match o.task.as_str() {
            "stop" => {
                st.banned = true;
                st.role = st.role.max(Role::Started);
            }
            "promote" => st.role = Role::Promoted,
            // A failed demote leaves the instance promoted only when on-fail=block; else it
            // counts as unpromoted (its recovery stops it anyway, and any promotion follows).
            "demote" if on_fail == OnFail::Block => st.role = Role::Promoted,
            "demote" => st.role = Role::Unpromoted,
            "migrate_to" => {
                st.role = Role::Started;
            }
            "monitor" if exec_ok && (o.rc == 8 || o.rc == 9) => st.role = Role::Promoted,
            // A monitor that finds it not running, unexpectedly, leaves the role it had
            // (a promoted instance is recovered from its promoted role).
            "monitor" if exec_ok && o.rc == 7 && !probe => {
                st.role = st.role.max(Role::Started);
            }
            _ => {
                if st.role < Role::Started {
                    st.role = Role::Started;
                }
            }
        }
        if o.task == "monitor" && o.interval_ms > 0 && o.rc == 9 && on_fail == OnFail::Restart {
            on_fail = OnFail::Restart;
        }
        // A hard error (agent not installed, invalid configuration) cannot be ignored: the
        // resource is failed and recovered elsewhere whatever its on-fail says.
        if on_fail == OnFail::Ignore && hard_error {
            on_fail = OnFail::Restart;
        }
        if on_fail == OnFail::Ignore {
            continue;
        }
        if on_fail > st.on_fail {
            st.on_fail = on_fail;
        }
    }
    st.role_known = st.role != Role::Unknown;
    if st.role == Role::Unknown {
        st.role = Role::Stopped;
    }
    if st.on_fail > OnFail::Ignore && st.role.is_active() {
        st.failed = true;
    }
    st.ops = ops;
    st
}

fn clear_failure(st: &mut RscNodeState) {
    if matches!(
        st.on_fail,
        OnFail::Ignore
            | OnFail::Demote
            | OnFail::Restart
            | OnFail::RestartContainer
            | OnFail::Block
    ) {
        st.on_fail = OnFail::Ignore;
        st.failed = false;
    }
}
