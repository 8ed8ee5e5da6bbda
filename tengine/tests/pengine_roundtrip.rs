//! What `record_op` writes, the policy engine reads back: executing a scheduled transition and
//! recording its results must leave a CIB the scheduler considers settled.

use std::collections::BTreeMap;

use cib::Element;
use graph::{ActionKind, GraphAction};
use tengine::{lrm_rsc_op, record_op, OpSummary, Outcome, Transition};

const NOW: i64 = 1_700_000_000;

fn cib(resources: &str) -> Element {
    let text = format!(
        r#"<cib have-quorum="true" crm_feature_set="3.16.2"><configuration>
        <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
        <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/></nodes>
        <resources>{resources}</resources><constraints>
          <rsc_location id="d-prefers-1" rsc="d" node="node1" score="100"/>
        </constraints></configuration>
        <status>
          <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
          <node_state id="n2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
        </status></cib>"#
    );
    cib::Document::parse(&text).expect("test CIB parses").root
}

const DUMMY: &str = r#"<primitive id="d" class="ocf" provider="heartbeat" type="Dummy">
  <instance_attributes id="d-ia"><nvpair id="d-state" name="state" value="/run/d.state"/></instance_attributes>
  <operations><op id="d-mon" name="monitor" interval="10s"/></operations></primitive>"#;

/// `rsc_op key on node` for every executable action of the CIB's next transition.
fn scheduled(root: &Element) -> Vec<(String, String)> {
    let s = pengine::schedule(root, NOW).expect("schedules");
    s.graph
        .synapses
        .iter()
        .filter(|s| s.action.reference.kind == ActionKind::RscOp)
        .map(|s| {
            let r = &s.action.reference;
            (
                r.operation_key.clone(),
                r.on_node.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Runs the CIB's next transition with `result` deciding each action's rc, recording every
/// finished resource operation into the status section as the controller would.
fn run_transition(
    root: &mut Element,
    transition_id: u64,
    result: impl Fn(&GraphAction) -> i32,
) -> Transition {
    let graph = pengine::schedule(root, NOW).expect("schedules").graph;
    let mut t = Transition::new(graph, transition_id);
    let mut call_id = 10 * transition_id;
    loop {
        let ready = t.take_ready();
        if ready.is_empty() && t.in_flight().is_empty() {
            break;
        }
        for a in ready {
            let rc = result(&a);
            if a.reference.kind == ActionKind::RscOp {
                call_id += 1;
                let summary = OpSummary {
                    call_id,
                    rc,
                    last_rc_change: NOW as u64,
                    ..OpSummary::default()
                };
                let node = a.reference.on_node.clone().unwrap_or_default();
                let node_id = a.reference.on_node_uuid.clone().unwrap_or_default();
                let op = lrm_rsc_op(&a, &summary, transition_id, "te-uuid", &node);
                let status = root.child_or_insert("status");
                record_op(status, &node, &node_id, &a, op);
            }
            t.complete(a.reference.id, Outcome::Done { rc, status: 0 })
                .expect("in flight");
        }
    }
    assert!(t.is_finished());
    t
}

/// The expected result of every action: probes find nothing, everything else succeeds.
fn as_expected(a: &GraphAction) -> i32 {
    a.attributes
        .iter()
        .find(|(k, _)| k == "CRM_meta_op_target_rc")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn recorded_start_settles_the_cluster() {
    let mut root = cib(DUMMY);
    let first = scheduled(&root);
    assert!(
        first.contains(&("d_start_0".into(), "node1".into())),
        "{first:?}"
    );
    assert!(
        first.contains(&("d_monitor_0".into(), "node2".into())),
        "probes: {first:?}"
    );
    let t = run_transition(&mut root, 1, as_expected);
    assert!(!t.is_aborted());
    assert_eq!(t.stats().failed, 0);

    let rsc = root
        .descendants()
        .into_iter()
        .filter(|e| e.name == "lrm_resource" && e.id() == Some("d"))
        .count();
    assert_eq!(rsc, 2, "history for d on both nodes");
    let ops: BTreeMap<String, String> = root
        .descendants()
        .into_iter()
        .filter(|e| e.name == "lrm_rsc_op" && e.attr("on_node") == Some("node1"))
        .map(|e| {
            (
                e.id().unwrap_or_default().to_string(),
                e.attr("operation_key").unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        BTreeMap::from([
            ("d_last_0".to_string(), "d_start_0".to_string()),
            ("d_monitor_10000".to_string(), "d_monitor_10000".to_string()),
        ])
    );

    let again = scheduled(&root);
    assert!(
        again.is_empty(),
        "nothing left to do after recording: {again:?}"
    );
}

#[test]
fn recorded_failed_start_is_recovered() {
    let mut root = cib(DUMMY);
    let t = run_transition(&mut root, 1, |a| {
        if a.reference.operation_key == "d_start_0" {
            1
        } else {
            as_expected(a)
        }
    });
    assert!(t.is_aborted());
    assert_eq!(t.abort_reason(), Some("Event failed"));
    assert_eq!(t.stats().failed, 1);
    let failure = root
        .descendants()
        .into_iter()
        .find(|e| e.id() == Some("d_last_failure_0"))
        .cloned()
        .expect("failure recorded");
    assert_eq!(failure.attr("rc-code"), Some("1"));
    let next = scheduled(&root);
    assert!(
        next.contains(&("d_stop_0".into(), "node1".into())),
        "the scheduler reads the failure and recovers: {next:?}"
    );
}

#[test]
fn recorded_probe_finding_the_resource_active_needs_no_start() {
    let mut root = cib(DUMMY);
    // The resource already runs on node1: its probe there returns 0 (unexpected: aborts).
    let t = run_transition(&mut root, 1, |a| {
        if a.reference.operation_key == "d_monitor_0"
            && a.reference.on_node.as_deref() == Some("node1")
        {
            0
        } else {
            as_expected(a)
        }
    });
    assert!(
        t.is_aborted(),
        "an active resource found by a probe aborts the transition"
    );
    let next = scheduled(&root);
    assert!(
        !next.iter().any(|(k, _)| k == "d_start_0"),
        "the recorded probe says it runs: {next:?}"
    );
    run_transition(&mut root, 2, as_expected);
    assert!(scheduled(&root).is_empty(), "{:?}", scheduled(&root));
}
