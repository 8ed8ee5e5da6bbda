use super::*;
use crate::xml::parse_element;

/// Fixed rules: stops fence, everything else restarts; nothing expires.
struct Fixed;

impl Rules for Fixed {
    fn on_fail(&self, task: &str, _interval_ms: u64) -> OnFail {
        if task == "stop" {
            OnFail::Fence
        } else {
            OnFail::Restart
        }
    }
    fn expiry(&mut self, _op: &OpRecord) -> (bool, bool) {
        (false, false)
    }
    fn node_up(&self) -> bool {
        true
    }
}

fn replayed(ops: &str) -> RscNodeState {
    let lrm = parse_element(&format!("<lrm_resource id=\"r\">{ops}</lrm_resource>")).unwrap();
    replay(&mut Fixed, history(&lrm))
}

#[test]
fn history_runs_by_call_id_with_pending_last() {
    let lrm = parse_element(
        r#"<lrm_resource id="r">
        <lrm_rsc_op id="r_last_0" operation="start" call-id="-1" op-status="-1"/>
        <lrm_rsc_op id="r_monitor_10000" operation="monitor" interval="10000" call-id="9"/>
        <lrm_rsc_op id="r_last_failure_0" operation="monitor" call-id="3" rc-code="7"/>
        </lrm_resource>"#,
    )
    .unwrap();
    let calls: Vec<i64> = history(&lrm).iter().map(|o| o.call_id).collect();
    assert_eq!(calls, [3, 9, -1]);
    let raw: Vec<i64> = records(&lrm).map(|o| o.call_id).collect();
    assert_eq!(raw, [-1, 9, 3]);
}

#[test]
fn record_reads_every_field() {
    let op = OpRecord::read(
        &parse_element(
            r#"<lrm_rsc_op id="r_last_0" operation="monitor" call-id="4" rc-code="7"
            op-status="0" interval="0" last-run="50" exec-time="12" queue-time="3"
            exit-reason="gone" op-digest="abc" transition-key="1:2:7:uuid"/>"#,
        )
        .unwrap(),
    );
    assert_eq!(op.key, "r_last_0");
    assert!(op.is_probe());
    assert_eq!(op.display_task(), "probe");
    assert_eq!((op.rc, op.expected_rc, op.call_id), (7, 7, 4));
    assert_eq!((op.last_change, op.last_rc_change), (50, None));
    assert_eq!((op.exec_ms, op.queue_ms), (Some(12), Some(3)));
    assert_eq!(op.exit_reason, "gone");
    assert_eq!(op.digest.as_deref(), Some("abc"));
}

#[test]
fn an_error_expected_of_a_start_is_still_a_failure() {
    // Pacemaker fences the remote node of remote-fence-unclean-3 for such a start.
    let st = replayed(
        r#"<lrm_rsc_op id="r_last_0" operation="start" call-id="2" rc-code="1" op-status="0"
        transition-key="5:1:1:uuid"/>"#,
    );
    assert!(st.failed);
    assert_eq!(st.on_fail, OnFail::Restart);
    assert!(st.ops[0].failed);
}

#[test]
fn a_start_expected_not_running_is_stopped() {
    let st = replayed(
        r#"<lrm_rsc_op id="r_last_0" operation="start" call-id="2" rc-code="7" op-status="0"
        transition-key="5:1:7:uuid"/>"#,
    );
    assert_eq!(st.role, Role::Stopped);
    assert!(!st.failed);
}

#[test]
fn a_stop_that_finds_the_agent_missing_fails_with_its_on_fail() {
    // Pacemaker fences per-op-failcount's node for this stop ("prmDummy failed there").
    let st = replayed(
        r#"<lrm_rsc_op id="r_start_0" operation="start" call-id="1" rc-code="0"/>
        <lrm_rsc_op id="r_last_0" operation="stop" call-id="18" rc-code="5" op-status="7"
        transition-key="2:3:0:uuid"/>"#,
    );
    assert!(st.role.is_active());
    assert!(st.failed && st.banned);
    assert_eq!(st.on_fail, OnFail::Fence);
}

#[test]
fn a_pending_start_superseded_by_a_later_transitions_stop_comes_first() {
    let st = replayed(
        r#"<lrm_rsc_op id="r_last_0" operation="start" call-id="-1" op-status="-1" rc-code="-1"
              transition-magic="-1:-1;-1:8:0:uuid"/>
           <lrm_rsc_op id="r_last_1" operation="stop" call-id="8" op-status="0" rc-code="0"
              transition-magic="0:0;0:9:0:uuid"/>"#,
    );
    let tasks: Vec<&str> = st.ops.iter().map(|o| o.task.as_str()).collect();
    assert_eq!(tasks, ["start", "stop"]);
    assert!(!st.role.is_active());
    // From the same transition (or another engine), the pending one stays last.
    let st = replayed(
        r#"<lrm_rsc_op id="r_last_0" operation="start" call-id="-1" op-status="-1" rc-code="-1"
              transition-magic="-1:-1;-1:9:0:uuid"/>
           <lrm_rsc_op id="r_last_1" operation="stop" call-id="8" op-status="0" rc-code="0"
              transition-magic="0:0;0:9:0:uuid"/>"#,
    );
    assert!(st.role.is_active());
}

/// Rules whose every operation says `on-fail=ignore`.
struct IgnoreAll;

impl Rules for IgnoreAll {
    fn on_fail(&self, _task: &str, _interval_ms: u64) -> OnFail {
        OnFail::Ignore
    }
    fn expiry(&mut self, _op: &OpRecord) -> (bool, bool) {
        (false, false)
    }
    fn node_up(&self) -> bool {
        true
    }
}

#[test]
fn on_fail_ignore_does_not_hide_a_missing_agent() {
    // not-installed-agent: a monitor that found the agent gone fails the resource anyway.
    let lrm = parse_element(
        r#"<lrm_resource id="r">
        <lrm_rsc_op id="r_last_0" operation="start" call-id="2" rc-code="0" op-status="0"/>
        <lrm_rsc_op id="r_last_failure_0" operation="monitor" interval="10000" call-id="3"
        rc-code="5" op-status="7"/>
        </lrm_resource>"#,
    )
    .unwrap();
    let st = replay(&mut IgnoreAll, history(&lrm));
    assert!(st.failed);
    assert!(st.banned);
    // An ordinary error stays ignored.
    let lrm = parse_element(
        r#"<lrm_resource id="r">
        <lrm_rsc_op id="r_last_0" operation="start" call-id="2" rc-code="0" op-status="0"/>
        <lrm_rsc_op id="r_last_failure_0" operation="monitor" interval="10000" call-id="3"
        rc-code="1" op-status="0"/>
        </lrm_resource>"#,
    )
    .unwrap();
    let st = replay(&mut IgnoreAll, history(&lrm));
    assert!(!st.failed);
    assert!(st.failure_ignored);
}

#[test]
fn a_monitor_that_succeeds_after_its_own_failure_has_recovered() {
    // monitor-recovery: one call recorded twice, the failure (older last-rc-change) listed
    // after the later success; Pacemaker orders them by last-rc-change.
    let st = replayed(
        r#"<lrm_rsc_op id="r_last_0" operation="start" call-id="41" rc-code="0" op-status="0"/>
        <lrm_rsc_op id="r_monitor_15000" operation="monitor" interval="15000" call-id="44"
        rc-code="0" op-status="0" last-rc-change="200"/>
        <lrm_rsc_op id="r_last_failure_0" operation="monitor" interval="15000" call-id="44"
        rc-code="1" op-status="0" last-rc-change="100"/>"#,
    );
    assert!(!st.failed);
    assert_eq!(st.on_fail, OnFail::Ignore);
    assert_eq!(st.role, Role::Started);
    // Another operation's success does not clear it.
    let st = replayed(
        r#"<lrm_rsc_op id="r_last_0" operation="start" call-id="41" rc-code="0" op-status="0"/>
        <lrm_rsc_op id="r_last_failure_0" operation="monitor" interval="15000" call-id="44"
        rc-code="1" op-status="0"/>
        <lrm_rsc_op id="r_monitor_30000" operation="monitor" interval="30000" call-id="45"
        rc-code="0" op-status="0"/>"#,
    );
    assert!(st.failed);
}

/// Fixed rules whose configuration differs from every recorded last failure's parameters.
struct ChangedParams;

impl Rules for ChangedParams {
    fn on_fail(&self, _task: &str, _interval_ms: u64) -> OnFail {
        OnFail::Restart
    }
    fn expiry(&mut self, _op: &OpRecord) -> (bool, bool) {
        (false, false)
    }
    fn node_up(&self) -> bool {
        true
    }
    fn last_failure_params_changed(&self, op: &OpRecord) -> bool {
        op.id.ends_with("_last_failure_0")
    }
}

#[test]
fn a_last_failure_with_changed_parameters_has_its_fail_count_cleared() {
    // failed-probe-clone: Pacemaker clears the fail count of a probe that found the agent
    // missing once the parameters changed, though nothing expired.
    let lrm = parse_element(
        r#"<lrm_resource id="r">
        <lrm_rsc_op id="r_last_failure_0" operation="monitor" interval="0" call-id="5"
        rc-code="5" op-status="0" op-digest="abc"/></lrm_resource>"#,
    )
    .unwrap();
    let st = replay(&mut ChangedParams, history(&lrm));
    assert!(st.clear_failcount && st.failure_params_changed);
    assert!(!st.expired_failure);
    let st = replay(&mut Fixed, history(&lrm));
    assert!(!st.clear_failcount);
}

#[test]
fn a_probe_finding_it_not_running_clears_past_failures() {
    // Pacemaker's update_resource_state: an expected "not running" clears a past failure
    // (a restart-type one), whatever the operation.
    let st = replayed(
        r#"<lrm_rsc_op id="r_last_failure_0" operation="monitor" interval="10000" call-id="4"
        rc-code="1" op-status="0"/>
        <lrm_rsc_op id="r_last_0" operation="monitor" interval="0" call-id="5" rc-code="7"
        op-status="0"/>"#,
    );
    assert_eq!(st.role, Role::Stopped);
    assert!(!st.failed);
    assert_eq!(st.on_fail, OnFail::Ignore);
}
