//! Unit tests of the state machine on small hand-written graphs.

use super::*;

/// a(1, rsc) -> p(2, pseudo) -> b(3, rsc, priority 5) ; c(4, crm_event) independent;
/// d(5, probe expecting 7) independent.
const GRAPH: &str = r#"<transition_graph transition_id="3">
  <synapse id="0"><action_set>
    <rsc_op id="1" operation="start" operation_key="a_start_0" on_node="n1" on_node_uuid="1">
      <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_timeout="20000"/></rsc_op></action_set><inputs/></synapse>
  <synapse id="1"><action_set>
    <pseudo_event id="2" operation="running" operation_key="g_running_0">
      <attributes/></pseudo_event></action_set>
    <inputs><trigger><rsc_op id="1" operation="start" operation_key="a_start_0"/></trigger></inputs></synapse>
  <synapse id="2" priority="5"><action_set>
    <rsc_op id="3" operation="start" operation_key="b_start_0" on_node="n1" on_node_uuid="1">
      <primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_timeout="20000"/></rsc_op></action_set>
    <inputs><trigger><pseudo_event id="2" operation="running" operation_key="g_running_0"/></trigger></inputs></synapse>
  <synapse id="3"><action_set>
    <crm_event id="4" operation="clear_failcount" operation_key="a_clear_failcount_0" on_node="n1">
      <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes/></crm_event></action_set><inputs/></synapse>
  <synapse id="4" priority="10"><action_set>
    <rsc_op id="5" operation="monitor" operation_key="c_monitor_0" on_node="n1" on_node_uuid="1">
      <primitive id="c" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_op_target_rc="7" CRM_meta_timeout="20000"/></rsc_op></action_set><inputs/></synapse>
</transition_graph>"#;

fn transition() -> Transition {
    Transition::new(graph::parse_graph(GRAPH).expect("test graph parses"), 3)
}

fn ids(actions: &[GraphAction]) -> Vec<u32> {
    actions.iter().map(|a| a.reference.id).collect()
}

const OK: Outcome = Outcome::Done { rc: 0, status: 0 };

#[test]
fn priority_then_id_orders_ready_actions() {
    let mut t = transition();
    assert_eq!(ids(&t.take_ready()), vec![5, 1, 4]);
    assert_eq!(t.in_flight(), vec![1, 4, 5]);
    assert!(t.take_ready().is_empty(), "nothing is handed out twice");
}

#[test]
fn pseudo_events_complete_internally_and_release_dependants() {
    let mut t = transition();
    t.take_ready();
    t.complete(1, OK).unwrap();
    assert_eq!(ids(&t.take_ready()), vec![3], "pseudo 2 is skipped over");
    t.complete(4, OK).unwrap();
    t.complete(5, Outcome::Done { rc: 7, status: 0 }).unwrap();
    assert!(!t.is_finished());
    t.complete(3, OK).unwrap();
    assert!(t.is_finished());
    assert!(!t.is_aborted());
    assert_eq!(
        t.stats(),
        TransitionStats {
            completed: 5,
            ..Default::default()
        }
    );
}

#[test]
fn unexpected_rc_aborts_but_in_flight_completes() {
    let mut t = transition();
    t.take_ready();
    // The probe expects 7 ("not running"); 0 means the resource is active: unexpected.
    t.complete(5, OK).unwrap();
    assert!(t.is_aborted());
    assert_eq!(t.abort_reason(), Some(EVENT_FAILED));
    assert_eq!(t.failures(), &[(5, OK)]);
    t.complete(1, OK).unwrap();
    assert!(t.take_ready().is_empty(), "nothing fires after an abort");
    assert!(!t.is_finished(), "action 4 is still in flight");
    t.complete(4, OK).unwrap();
    assert!(t.is_finished());
    let s = t.stats();
    assert_eq!(
        (s.completed, s.failed, s.in_flight, s.pending),
        (2, 1, 0, 0)
    );
    assert_eq!(s.skipped, 2, "the pseudo event and b never ran");
}

#[test]
fn timeouts_failures_and_bad_status_abort() {
    for outcome in [
        Outcome::TimedOut,
        Outcome::Failed("no lrmd".into()),
        Outcome::Done { rc: 0, status: 4 },
    ] {
        let mut t = transition();
        t.take_ready();
        t.complete(1, outcome.clone()).unwrap();
        assert!(t.is_aborted(), "{outcome:?}");
        assert_eq!(t.stats().failed, 1);
    }
}

#[test]
fn completing_unknown_or_unfired_actions_is_an_error() {
    let mut t = transition();
    assert!(matches!(
        t.complete(99, OK),
        Err(TengineError::UnknownAction(99))
    ));
    assert!(matches!(
        t.complete(1, OK),
        Err(TengineError::NotInFlight(1))
    ));
    t.take_ready();
    t.complete(1, OK).unwrap();
    assert!(matches!(
        t.complete(1, OK),
        Err(TengineError::NotInFlight(1))
    ));
    assert!(matches!(
        t.complete(2, OK),
        Err(TengineError::NotInFlight(2))
    ));
}

#[test]
fn external_abort_keeps_first_reason() {
    let mut t = transition();
    t.abort("New CIB");
    t.abort("Peer left");
    assert_eq!(t.abort_reason(), Some("New CIB"));
    assert!(t.take_ready().is_empty());
    assert!(t.is_finished());
    assert_eq!(t.stats().skipped, 5);
}

#[test]
fn missing_inputs_and_cycles_block_without_hanging() {
    let text = r#"<transition_graph>
  <synapse id="0"><action_set><rsc_op id="1" operation="start" operation_key="a_start_0"><attributes/></rsc_op></action_set>
    <inputs><trigger><rsc_op id="42" operation="stop" operation_key="x_stop_0"/></trigger></inputs></synapse>
  <synapse id="1"><action_set><rsc_op id="2" operation="start" operation_key="b_start_0"><attributes/></rsc_op></action_set>
    <inputs><trigger><rsc_op id="3" operation="start" operation_key="c_start_0"/></trigger></inputs></synapse>
  <synapse id="2"><action_set><rsc_op id="3" operation="start" operation_key="c_start_0"><attributes/></rsc_op></action_set>
    <inputs><trigger><rsc_op id="2" operation="start" operation_key="b_start_0"/></trigger></inputs></synapse>
  <synapse id="3"><action_set><rsc_op id="4" operation="start" operation_key="d_start_0"><attributes/></rsc_op></action_set><inputs/></synapse>
</transition_graph>"#;
    let mut t = Transition::new(graph::parse_graph(text).unwrap(), 1);
    assert_eq!(
        t.ordering_loops(),
        [vec![2, 3]],
        "the loop is named before anything runs"
    );
    assert_eq!(ids(&t.take_ready()), vec![4]);
    assert_eq!(t.stats().skipped, 3);
    assert!(!t.is_finished());
    t.complete(4, OK).unwrap();
    assert!(t.is_finished());
    assert!(!t.is_aborted());
}

#[test]
fn ignored_failures_confirm_the_action() {
    let text = GRAPH.replace(
        r#"<attributes CRM_meta_timeout="20000"/></rsc_op></action_set><inputs/></synapse>
  <synapse id="1">"#,
        r#"<attributes CRM_meta_on_fail="ignore" CRM_meta_timeout="20000"/></rsc_op></action_set><inputs/></synapse>
  <synapse id="1">"#,
    );
    let mut t = Transition::new(graph::parse_graph(&text).unwrap(), 3);
    t.take_ready();
    t.complete(1, Outcome::Done { rc: 1, status: 0 }).unwrap();
    assert!(!t.is_aborted());
    assert_eq!(ids(&t.take_ready()), vec![3]);
}
