//! Translation of graph actions into LRM requests.

use super::*;

fn first_action(text: &str) -> GraphAction {
    let mut g = graph::parse_graph(text).expect("test graph parses");
    g.synapses.remove(0).action
}

#[test]
fn monitor_translates_params_meta_and_timing() {
    let a = first_action(
        r#"<transition_graph><synapse id="0"><action_set>
  <rsc_op id="16" operation="monitor" operation_key="ip_monitor_5000" on_node="n1" on_node_uuid="1">
    <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr"/>
    <attributes CRM_meta_interval="5000" CRM_meta_name="monitor" CRM_meta_OCF_CHECK_LEVEL="10" CRM_meta_timeout="30000" crm_feature_set="3.16.2" ip="127.0.0.10"/>
  </rsc_op></action_set><inputs/></synapse></transition_graph>"#,
    );
    let (spec, req) = to_lrm_request(&a).unwrap();
    assert_eq!(spec.id, "ip");
    assert_eq!(spec.agent, AgentId::ocf("heartbeat", "IPaddr"));
    assert_eq!(
        spec.params.into_iter().collect::<Vec<_>>(),
        [("ip".to_string(), "127.0.0.10".to_string())]
    );
    assert_eq!((req.rsc.as_str(), &req.action), ("ip", &Action::Monitor));
    assert_eq!((req.interval_ms, req.timeout_ms), (5000, 30000));
    assert_eq!(req.check_level, Some(10));
    assert_eq!(req.expected_rc, Some(0));
    assert_eq!(req.meta.get("name").map(String::as_str), Some("monitor"));
    assert!(!req.meta.contains_key("CRM_meta_name"));
}

#[test]
fn clone_instance_uses_primitive_id_and_cancel_names_the_target() {
    let a = first_action(
        r#"<transition_graph><synapse id="0"><action_set>
  <rsc_op id="3" operation="cancel" operation_key="rsc1:1_monitor_10000" on_node="node2" on_node_uuid="node2">
    <primitive id="rsc1" long-id="rsc1:1" class="ocf" provider="pacemaker" type="Stateful"/>
    <attributes CRM_meta_clone="1" CRM_meta_interval="10000" CRM_meta_operation="monitor" CRM_meta_timeout="20000"/>
  </rsc_op></action_set><inputs/></synapse></transition_graph>"#,
    );
    let (spec, req) = to_lrm_request(&a).unwrap();
    assert_eq!(spec.id, "rsc1");
    assert_eq!((req.action, req.interval_ms), (Action::Monitor, 10_000));
    assert_eq!(req.meta.get("clone").map(String::as_str), Some("1"));
}

#[test]
fn defaults_and_rejections() {
    let a = first_action(
        r#"<transition_graph><synapse id="0"><action_set>
  <rsc_op id="1" operation="monitor" operation_key="s_monitor_0">
    <primitive id="s" class="lsb" type="cron"/>
    <attributes CRM_meta_op_target_rc="7"/>
  </rsc_op></action_set><inputs/></synapse></transition_graph>"#,
    );
    let (spec, req) = to_lrm_request(&a).unwrap();
    assert_eq!(spec.agent, AgentId::new(ResourceClass::Lsb, "cron"));
    assert_eq!(
        (req.timeout_ms, req.interval_ms, req.expected_rc),
        (20_000, 0, Some(7))
    );

    let no_provider = first_action(
        r#"<transition_graph><synapse id="0"><action_set>
  <rsc_op id="2" operation="start" operation_key="x_start_0"><primitive id="x" class="ocf" type="Dummy"/><attributes/></rsc_op>
  </action_set><inputs/></synapse></transition_graph>"#,
    );
    assert!(matches!(
        to_lrm_request(&no_provider),
        Err(TengineError::BadAgent { id: 2, .. })
    ));
    let fence = first_action(
        r#"<transition_graph><synapse id="0"><action_set>
  <crm_event id="9" operation="stonith" operation_key="stonith-n2-reboot" on_node="n2"><attributes/></crm_event>
  </action_set><inputs/></synapse></transition_graph>"#,
    );
    assert!(matches!(
        to_lrm_request(&fence),
        Err(TengineError::NotAnRscOp {
            id: 9,
            kind: "crm_event"
        })
    ));
}
