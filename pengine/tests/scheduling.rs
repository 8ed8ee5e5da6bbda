//! Focused scheduling behaviours on small hand-written CIBs (the corpus test covers breadth).

use graph::compare::structure;

mod common;
use common::cib;

fn actions(root: &cib::Element) -> Vec<String> {
    let s = pengine::schedule(root, 1_700_000_000).unwrap();
    structure(&s.graph).actions.into_keys().collect()
}

const DUMMY: &str = r#"class="ocf" provider="pacemaker" type="Dummy""#;

#[test]
fn equal_scores_spread_resources_over_nodes() {
    let r = format!(
        r#"<primitive id="a" {DUMMY}/><primitive id="b" {DUMMY}/><primitive id="c" {DUMMY}/>"#
    );
    let acts = actions(&cib(&r, "", ""));
    for (rsc, node) in [("a", "node1"), ("b", "node2"), ("c", "node3")] {
        assert!(
            acts.contains(&format!("rsc_op {rsc}_start_0 on {node}")),
            "{rsc} not on {node}: {acts:?}"
        );
    }
}

#[test]
fn mandatory_colocation_follows_the_primary_and_ban_moves_it() {
    let r = format!(r#"<primitive id="a" {DUMMY}/><primitive id="b" {DUMMY}/>"#);
    let c = r#"<rsc_colocation id="b-with-a" rsc="b" with-rsc="a" score="INFINITY"/>
               <rsc_location id="a-not-1" rsc="a" node="node1" score="-INFINITY"/>"#;
    let acts = actions(&cib(&r, c, ""));
    assert!(
        acts.contains(&"rsc_op a_start_0 on node2".to_string()),
        "{acts:?}"
    );
    assert!(
        acts.contains(&"rsc_op b_start_0 on node2".to_string()),
        "{acts:?}"
    );
}

#[test]
fn a_failed_monitor_is_recovered_in_place() {
    let r = format!(
        r#"<primitive id="a" {DUMMY}><operations><op id="a-m" name="monitor" interval="10s"/></operations></primitive>"#
    );
    let status = r#"<lrm><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="a_last_0" operation="start" interval="0" call-id="2" rc-code="0" op-status="0" transition-key="1:1:0:x"/>
        <lrm_rsc_op id="a_monitor_10000" operation="monitor" interval="10000" call-id="3" rc-code="7" op-status="0" transition-key="2:1:0:x"/>
        </lrm_resource></lrm_resources></lrm>"#;
    let root = cib(
        &r,
        r#"<rsc_location id="stay" rsc="a" node="node1" score="100"/>"#,
        status,
    );
    let s = pengine::schedule(&root, 1_700_000_000).unwrap();
    let st = structure(&s.graph);
    assert!(
        st.actions.contains_key("rsc_op a_stop_0 on node1"),
        "{:?}",
        st.actions
    );
    assert!(st.actions.contains_key("rsc_op a_start_0 on node1"));
    assert!(st.edges.contains_key(&(
        "rsc_op a_stop_0 on node1".into(),
        "rsc_op a_start_0 on node1".into()
    )));
    assert!(st.edges.contains_key(&(
        "rsc_op a_start_0 on node1".into(),
        "rsc_op a_monitor_10000 on node1".into()
    )));
}

#[test]
fn groups_start_in_order_behind_their_pseudo_actions() {
    let r = format!(
        r#"<group id="g"><primitive id="m1" {DUMMY}/><primitive id="m2" {DUMMY}/></group>"#
    );
    let s = pengine::schedule(&cib(&r, "", ""), 1_700_000_000).unwrap();
    let st = structure(&s.graph);
    assert!(st.edges.contains_key(&(
        "pseudo_event g_start_0".into(),
        "rsc_op m1_start_0 on node1".into()
    )));
    assert!(st.edges.contains_key(&(
        "rsc_op m1_start_0 on node1".into(),
        "rsc_op m2_start_0 on node1".into()
    )));
    assert!(st.edges.contains_key(&(
        "rsc_op m2_start_0 on node1".into(),
        "pseudo_event g_running_0".into()
    )));
}

#[test]
fn the_same_input_gives_the_same_graph() {
    let r =
        format!(r#"<clone id="c"><primitive id="p" {DUMMY}/></clone><primitive id="x" {DUMMY}/>"#);
    let root = cib(&r, r#"<rsc_order id="o" first="c" then="x"/>"#, "");
    let a = graph::xml::to_xml(&pengine::schedule(&root, 1).unwrap().graph);
    let b = graph::xml::to_xml(&pengine::schedule(&root, 1).unwrap().graph);
    assert_eq!(a, b);
}

/// node1's history of `a`: its stop failed.
const FAILED_STOP: &str = r#"<lrm><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="a_last_0" operation="stop" interval="0" call-id="5" rc-code="1" op-status="4" transition-key="1:2:0:x"/>
        </lrm_resource></lrm_resources></lrm>"#;

/// `resources` with a failed stop of `a` on node1, and fencing enabled.
fn failed_stop_with_fencing_enabled(resources: &str) -> cib::Element {
    let text = cib(resources, "", FAILED_STOP).to_xml().replace(
        r#"name="stonith-enabled" value="false""#,
        r#"name="stonith-enabled" value="true""#,
    );
    cib::Document::parse(&text).unwrap().root
}

/// A failed stop with fencing enabled (on-fail defaults to `fence`): its node is fenced and the
/// resource starts elsewhere only after that (Pacemaker's behaviour). Before, the stop was
/// retried forever.
#[test]
fn a_failed_stop_with_fencing_on_fences_its_node_before_the_move() {
    let r = format!(
        r#"<primitive id="a" {DUMMY}/><primitive id="fence" class="stonith" type="fence_dummy"/>"#
    );
    let root = failed_stop_with_fencing_enabled(&r);
    let s = pengine::schedule(&root, 1_700_000_000).unwrap();
    let st = structure(&s.graph);
    let fence = st
        .actions
        .keys()
        .find(|k| k.contains("stonith") && k.contains("node1"))
        .cloned()
        .unwrap_or_else(|| panic!("node1 not fenced: {:?}", st.actions));
    assert!(
        !st.actions.contains_key("rsc_op a_stop_0 on node1"),
        "the stop is retried: {:?}",
        st.actions
    );
    let start = st
        .actions
        .keys()
        .find(|k| k.starts_with("rsc_op a_start_0 on "))
        .cloned()
        .unwrap_or_else(|| panic!("a not started elsewhere: {:?}", st.actions));
    assert!(!start.ends_with("node1"));
    assert!(
        st.edges.contains_key(&(fence.clone(), start.clone())),
        "{start} does not wait for {fence}"
    );
    println!(
        "{fence} -> {start}; edges {:?}",
        st.edges.keys().collect::<Vec<_>>()
    );
}

#[test]
fn no_quorum_freeze_promotes_nothing() {
    // bug-cl-5212's rule: with no-quorum-policy=freeze and no quorum, what runs keeps its
    // role; an unpromoted instance is not promoted (Pacemaker: next role above the current).
    let text = r#"<cib have-quorum="false"><configuration>
        <crm_config><cluster_property_set id="o">
          <nvpair id="o1" name="stonith-enabled" value="false"/>
          <nvpair id="o2" name="no-quorum-policy" value="freeze"/>
        </cluster_property_set></crm_config>
        <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/></nodes>
        <resources><clone id="ms">
          <meta_attributes id="ms-m"><nvpair id="ms-m1" name="promotable" value="true"/></meta_attributes>
          <primitive id="s" class="ocf" provider="pacemaker" type="Stateful"/>
        </clone></resources><constraints/></configuration>
        <status>
          <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
            <transient_attributes id="n1"><instance_attributes id="n1-a">
              <nvpair id="n1-a1" name="master-s" value="10"/>
            </instance_attributes></transient_attributes>
            <lrm><lrm_resources><lrm_resource id="s" class="ocf" provider="pacemaker" type="Stateful">
              <lrm_rsc_op id="s_last_0" operation="start" interval="0" call-id="2" rc-code="0" op-status="0" transition-key="1:1:0:x"/>
            </lrm_resource></lrm_resources></lrm>
          </node_state>
          <node_state id="n2" uname="node2" in_ccm="false" crmd="offline" join="down" expected="down"/>
        </status></cib>"#;
    let root = cib::Document::parse(text).unwrap().root;
    let acts = actions(&root);
    assert!(
        !acts.iter().any(|a| a.contains("promote")),
        "promoted without quorum under freeze: {acts:?}"
    );
}

/// What the agents of a promotable, notifying clone are told: their instance and the clone's
/// limits, the notification lists, the operation's own definition (name, timeout), and that a
/// monitor where the instance is promoted expects "running promoted".
#[test]
fn clone_agents_get_their_meta_attributes() {
    let r = r#"<clone id="ms"><meta_attributes id="ms-m">
          <nvpair id="ms-p" name="promotable" value="true"/>
          <nvpair id="ms-n" name="notify" value="true"/></meta_attributes>
        <primitive id="s" class="ocf" provider="pacemaker" type="Stateful"><operations>
          <op id="s-start" name="start" interval="0" timeout="30s"/>
          <op id="s-mp" name="monitor" interval="10s" role="Promoted"/>
          <op id="s-mu" name="monitor" interval="11s" role="Unpromoted"/>
        </operations></primitive></clone>"#;
    // (node1 has a promotion score for it.)
    let promotable_on_1 = r#"<transient_attributes id="n1"><instance_attributes id="n1-t">
        <nvpair id="n1-ms" name="master-s" value="10"/></instance_attributes></transient_attributes>"#;
    let s = pengine::schedule(&cib(r, "", promotable_on_1), 1_700_000_000).unwrap();
    let attrs = |key: &str| {
        s.graph
            .synapses
            .iter()
            .map(|syn| &syn.action)
            .find(|a| a.reference.operation_key == key)
            .unwrap_or_else(|| panic!("no {key}"))
            .attributes
            .iter()
            .cloned()
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let start = attrs("s:0_start_0");
    for (name, value) in [
        ("CRM_meta_clone", "0"),
        ("CRM_meta_clone_max", "3"),
        ("CRM_meta_notify", "true"),
        ("CRM_meta_promoted_max", "1"),
        ("CRM_meta_name", "start"),
        ("CRM_meta_timeout", "30000"),
        ("CRM_meta_notify_start_resource", "s:0 s:1 s:2"),
        ("CRM_meta_notify_active_resource", " "),
    ] {
        assert_eq!(
            start.get(name).map(String::as_str),
            Some(value),
            "{name}: {start:?}"
        );
    }
    let promoted_monitor = s
        .graph
        .synapses
        .iter()
        .map(|syn| &syn.action)
        .find(|a| a.reference.operation_key.ends_with("_monitor_10000"))
        .expect("a promoted monitor");
    assert!(
        promoted_monitor
            .attributes
            .contains(&("CRM_meta_op_target_rc".into(), "8".into())),
        "{:?}",
        promoted_monitor.attributes
    );
}

/// Fencing enabled but no fencing device: nothing can be fenced, and Pacemaker leaves every
/// resource where it is (unmanaged) rather than move one whose node it cannot fence. Only the
/// probes remain (Pacemaker 2.1.5's graph for the same CIB).
#[test]
fn without_a_fencing_device_a_failed_stop_is_left_alone() {
    let root = failed_stop_with_fencing_enabled(&format!(r#"<primitive id="a" {DUMMY}/>"#));
    let mut acts = actions(&root);
    acts.sort();
    assert_eq!(
        acts,
        ["rsc_op a_monitor_0 on node2", "rsc_op a_monitor_0 on node3"],
        "fenced, stopped or moved without a fencing device"
    );
}
