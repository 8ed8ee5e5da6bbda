//! Status entries: ids, keys, digests and the merge rules.

use super::*;

fn action(id: u32, operation: &str, interval: u64, extra: &str) -> GraphAction {
    let interval_attr = if interval > 0 {
        format!(r#"CRM_meta_interval="{interval}" "#)
    } else {
        String::new()
    };
    let text = format!(
        r#"<transition_graph><synapse id="0"><action_set>
  <rsc_op id="{id}" operation="{operation}" operation_key="d_{operation}_{interval}" on_node="node1" on_node_uuid="1">
    <primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/>
    <attributes {interval_attr}CRM_meta_on_node="node1" CRM_meta_timeout="20000" {extra}/>
  </rsc_op></action_set><inputs/></synapse></transition_graph>"#
    );
    let mut g = graph::parse_graph(&text).expect("test action parses");
    g.synapses.remove(0).action
}

fn done(call_id: u64, rc: i32) -> OpSummary {
    OpSummary {
        call_id,
        rc,
        op_status: 0,
        exit_reason: String::new(),
        exec_time_ms: 12,
        queue_time_ms: 1,
        last_rc_change: 1_700_000_000,
    }
}

fn ops(status: &Element) -> Vec<String> {
    status
        .descendants()
        .into_iter()
        .filter(|e| e.name == "lrm_rsc_op")
        .map(|e| e.id().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn start_entry_has_pacemaker_attributes() {
    let a = action(6, "start", 0, "");
    let op = lrm_rsc_op(&a, &done(3, 0), 4, "uuid-1", "node1");
    let names: Vec<&str> = op.attrs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "operation_key",
            "operation",
            "crm-debug-origin",
            "crm_feature_set",
            "transition-key",
            "transition-magic",
            "exit-reason",
            "on_node",
            "call-id",
            "rc-code",
            "op-status",
            "interval",
            "last-rc-change",
            "exec-time",
            "queue-time",
            "op-digest"
        ]
    );
    assert_eq!(op.attr("id"), Some("d_last_0"));
    assert_eq!(op.attr("operation_key"), Some("d_start_0"));
    assert_eq!(op.attr("transition-key"), Some("6:4:0:uuid-1"));
    assert_eq!(op.attr("transition-magic"), Some("0:0;6:4:0:uuid-1"));
    assert_eq!(op.attr("call-id"), Some("3"));
    // Pacemaker's digest of a parameter-less resource (seen throughout its test CIBs).
    assert_eq!(
        op.attr("op-digest"),
        Some("f2317cad3d54cec5d7d7aa7d0bf35cf8")
    );
}

#[test]
fn recurring_digest_includes_timeout_and_id_is_the_key() {
    let a = action(7, "monitor", 10_000, "");
    let op = lrm_rsc_op(&a, &done(4, 0), 4, "u", "node1");
    assert_eq!(op.attr("id"), Some("d_monitor_10000"));
    assert_eq!(op.attr("interval"), Some("10000"));
    // Pacemaker's digest for `<parameters CRM_meta_timeout="20000"/>`.
    assert_eq!(
        op.attr("op-digest"),
        Some("4811cef7f7f94e3a35a70be7916cb2fd")
    );
}

#[test]
fn digest_ignores_meta_and_attribute_order() {
    let a = action(
        1,
        "start",
        0,
        r#"state="/x" alpha="1" crm_feature_set="3.16.2""#,
    );
    let b = action(
        1,
        "start",
        0,
        r#"alpha="1" CRM_meta_notify="true" state="/x""#,
    );
    assert_eq!(op_digest(&a), op_digest(&b));
    assert_ne!(op_digest(&a), op_digest(&action(1, "start", 0, "")));
}

#[test]
fn digest_leaves_out_the_bundle_address_as_the_scheduler_does() {
    // (A bundle replica's instance gets `pcmk_external_ip`; the scheduler's digest check
    // leaves it out, so the recorded digest must too, or every replica restarts.)
    let plain = action(1, "start", 0, r#"state="/x""#);
    let bundled = action(
        1,
        "start",
        0,
        r#"state="/x" pcmk_external_ip="192.168.20.188""#,
    );
    assert_eq!(op_digest(&plain), op_digest(&bundled));
}

#[test]
fn probe_and_failures_get_their_ids() {
    let probe = action(2, "monitor", 0, r#"CRM_meta_op_target_rc="7""#);
    let op = lrm_rsc_op(&probe, &done(1, 7), 1, "u", "node1");
    assert_eq!(op.attr("id"), Some("d_last_0"));
    assert_eq!(op.attr("transition-key"), Some("2:1:7:u"));
    let failed = lrm_rsc_op(&probe, &done(1, 0), 1, "u", "node1");
    assert_eq!(failed.attr("id"), Some("d_last_failure_0"));
    let mut timed_out = done(5, 1);
    timed_out.op_status = 2;
    timed_out.exit_reason = "timed out".into();
    let start = lrm_rsc_op(&action(3, "start", 0, ""), &timed_out, 1, "u", "node1");
    assert_eq!(start.attr("id"), Some("d_last_failure_0"));
    assert_eq!(start.attr("transition-magic"), Some("2:1;3:1:0:u"));
    assert_eq!(start.attr("exit-reason"), Some("timed out"));
}

#[test]
fn record_creates_parents_and_replaces_by_id() {
    let mut status = Element::new("status");
    let start = action(1, "start", 0, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &start,
        lrm_rsc_op(&start, &done(1, 0), 1, "u", "node1"),
    );
    let ns = status.child("node_state").expect("node_state created");
    assert_eq!((ns.id(), ns.attr("uname")), (Some("1"), Some("node1")));
    let lrm = ns.child("lrm").expect("lrm created");
    assert_eq!(lrm.id(), Some("1"));
    let lr = lrm
        .child("lrm_resources")
        .and_then(|r| r.child("lrm_resource"))
        .expect("lrm_resource");
    assert_eq!(
        (
            lr.id(),
            lr.attr("class"),
            lr.attr("provider"),
            lr.attr("type")
        ),
        (Some("d"), Some("ocf"), Some("heartbeat"), Some("Dummy"))
    );
    let mon = action(2, "monitor", 10_000, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &mon,
        lrm_rsc_op(&mon, &done(2, 0), 1, "u", "node1"),
    );
    record_op(
        &mut status,
        "node1",
        "1",
        &mon,
        lrm_rsc_op(&mon, &done(3, 0), 2, "u", "node1"),
    );
    assert_eq!(ops(&status), ["d_last_0", "d_monitor_10000"]);
    let entry = status
        .descendants()
        .into_iter()
        .find(|e| e.id() == Some("d_monitor_10000"))
        .unwrap();
    assert_eq!(entry.attr("call-id"), Some("3"), "replaced, not duplicated");
}

#[test]
fn failures_update_last_and_stop_clears_recurring() {
    let mut status = Element::new("status");
    let start = action(1, "start", 0, "");
    let mon = action(2, "monitor", 10_000, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &start,
        lrm_rsc_op(&start, &done(1, 0), 1, "u", "node1"),
    );
    record_op(
        &mut status,
        "node1",
        "1",
        &mon,
        lrm_rsc_op(&mon, &done(2, 0), 1, "u", "node1"),
    );
    let stop = action(3, "stop", 0, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &stop,
        lrm_rsc_op(&stop, &done(3, 1), 1, "u", "node1"),
    );
    assert_eq!(
        ops(&status),
        ["d_last_0", "d_monitor_10000", "d_last_failure_0"]
    );
    let last = status
        .descendants()
        .into_iter()
        .find(|e| e.id() == Some("d_last_0"))
        .unwrap();
    assert_eq!(
        (last.attr("operation"), last.attr("rc-code")),
        (Some("stop"), Some("1"))
    );
    record_op(
        &mut status,
        "node1",
        "1",
        &stop,
        lrm_rsc_op(&stop, &done(4, 0), 2, "u", "node1"),
    );
    assert_eq!(
        ops(&status),
        ["d_last_0", "d_last_failure_0"],
        "a successful stop ends monitors"
    );
}

#[test]
fn cancel_and_delete_prune_history() {
    let mut status = Element::new("status");
    let mon = action(2, "monitor", 10_000, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &mon,
        lrm_rsc_op(&mon, &done(2, 0), 1, "u", "node1"),
    );
    let cancel = action(5, "cancel", 10_000, r#"CRM_meta_operation="monitor""#);
    record_op(
        &mut status,
        "node1",
        "1",
        &cancel,
        lrm_rsc_op(&cancel, &done(0, 0), 1, "u", "node1"),
    );
    assert!(ops(&status).is_empty());
    let delete = action(6, "delete", 0, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &delete,
        lrm_rsc_op(&delete, &done(0, 0), 1, "u", "node1"),
    );
    let resources = status
        .descendants()
        .into_iter()
        .filter(|e| e.name == "lrm_resource")
        .count();
    assert_eq!(resources, 0);
}

#[test]
fn stop_keeps_a_recorded_monitor_failure() {
    let mut status = Element::new("status");
    let mon = action(2, "monitor", 10_000, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &mon,
        lrm_rsc_op(&mon, &done(2, 7), 1, "u", "node1"),
    );
    assert_eq!(
        ops(&status),
        ["d_last_failure_0"],
        "a failed monitor is only a failure"
    );
    let stop = action(3, "stop", 0, "");
    record_op(
        &mut status,
        "node1",
        "1",
        &stop,
        lrm_rsc_op(&stop, &done(3, 0), 2, "u", "node1"),
    );
    assert_eq!(ops(&status), ["d_last_failure_0", "d_last_0"]);
}
