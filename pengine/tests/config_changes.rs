//! A running resource whose recorded parameter digests no longer match its configuration is
//! restarted, reloaded or left alone, as Pacemaker 2.1.5 decides from the history.

use graph::compare::structure;

/// Pacemaker's operation digest of a parameter set (what the controller records).
fn digest(params: &[(&str, &str)]) -> String {
    let mut el = cib::Element::new("parameters");
    for (k, v) in params {
        el.set_attr(k, *v);
    }
    cib::digest::digest(&el)
}

/// One node running `a` (configured with `state=<state>`), started with `start_attrs`.
fn actions(state: &str, start_attrs: &str) -> Vec<String> {
    let text = format!(
        r#"<cib have-quorum="true"><configuration>
        <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
        <nodes><node id="n1" uname="node1"/></nodes>
        <resources><primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
          <instance_attributes id="a-p"><nvpair id="a-p1" name="state" value="{state}"/><nvpair id="a-p2" name="passwd" value="secret2"/></instance_attributes>
        </primitive></resources><constraints/></configuration>
        <status><node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
          <lrm id="n1"><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">
            <lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="3" rc-code="0" op-status="0" interval="0" {start_attrs}/>
          </lrm_resource></lrm_resources></lrm>
        </node_state></status></cib>"#
    );
    let root = cib::Document::parse(&text).unwrap().root;
    let s = pengine::schedule(&root, 1_700_000_000).unwrap();
    structure(&s.graph).actions.into_keys().collect()
}

const STOP: &str = "rsc_op a_stop_0 on node1";
const START: &str = "rsc_op a_start_0 on node1";
const RELOAD: &str = "rsc_op a_reload-agent_0 on node1";

#[test]
fn unchanged_parameters_leave_it_running() {
    let d = digest(&[("passwd", "secret2"), ("state", "/new")]);
    let acts = actions("/new", &format!(r#"op-digest="{d}""#));
    assert!(acts.is_empty(), "{acts:?}");
}

#[test]
fn changed_parameters_restart_an_agent_that_cannot_reload() {
    let d = digest(&[("passwd", "secret2"), ("state", "/old")]);
    let acts = actions("/new", &format!(r#"op-digest="{d}""#));
    assert!(acts.contains(&STOP.to_string()), "{acts:?}");
    assert!(acts.contains(&START.to_string()), "{acts:?}");
    assert!(!acts.contains(&RELOAD.to_string()), "{acts:?}");
}

#[test]
fn a_reloadable_change_reloads_and_a_restart_parameter_change_restarts() {
    let all = digest(&[("passwd", "secret2"), ("state", "/old")]);
    // `state` is reloadable (not listed in op-force-restart): only the passwd counts.
    let restart = digest(&[("passwd", "secret2")]);
    let acts = actions(
        "/new",
        &format!(r#"op-digest="{all}" op-force-restart=" passwd " op-restart-digest="{restart}""#),
    );
    assert_eq!(acts, [RELOAD.to_string()], "{acts:?}");

    // Now `state` cannot be reloaded: its change restarts.
    let restart = digest(&[("state", "/old")]);
    let acts = actions(
        "/new",
        &format!(r#"op-digest="{all}" op-force-restart=" state " op-restart-digest="{restart}""#),
    );
    assert!(acts.contains(&STOP.to_string()), "{acts:?}");
    assert!(!acts.contains(&RELOAD.to_string()), "{acts:?}");
}

#[test]
fn a_change_of_private_parameters_only_is_ignored_in_a_simulation() {
    let all = digest(&[("passwd", "secret1"), ("state", "/new")]);
    let secure = digest(&[("state", "/new")]);
    let acts = actions(
        "/new",
        &format!(r#"op-digest="{all}" op-secure-params=" passwd " op-secure-digest="{secure}""#),
    );
    assert!(acts.is_empty(), "{acts:?}");
}

#[test]
fn a_history_of_another_agent_is_deleted_after_a_restart() {
    // Same parameters, but the history says another agent type ran it.
    let text_acts = {
        let text = format!(
            r#"<cib have-quorum="true"><configuration>
            <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
            <nodes><node id="n1" uname="node1"/></nodes>
            <resources><primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/></resources><constraints/></configuration>
            <status><node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
              <lrm id="n1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="apache">
                <lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="3" rc-code="0" op-status="0" interval="0" op-digest="{}"/>
              </lrm_resource></lrm_resources></lrm>
            </node_state></status></cib>"#,
            digest(&[])
        );
        let root = cib::Document::parse(&text).unwrap().root;
        let s = pengine::schedule(&root, 1_700_000_000).unwrap();
        let acts: Vec<String> = structure(&s.graph).actions.into_keys().collect();
        acts
    };
    for a in [STOP, START, "rsc_op a_delete_0 on node1"] {
        assert!(text_acts.contains(&a.to_string()), "{a}: {text_acts:?}");
    }
}

#[test]
fn a_fence_device_with_new_parameters_unfences_its_node_again() {
    let old = digest(&[("ipaddr", "10.0.0.1")]);
    let text = format!(
        r##"<cib have-quorum="true"><configuration>
        <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="true"/></cluster_property_set></crm_config>
        <nodes><node id="n1" uname="node1"/></nodes>
        <resources>
          <primitive id="fence" class="stonith" type="fence_scsi">
            <instance_attributes id="f-p"><nvpair id="f-p1" name="ipaddr" value="10.0.0.2"/></instance_attributes>
            <meta_attributes id="f-m"><nvpair id="f-m1" name="provides" value="unfencing"/></meta_attributes>
          </primitive>
        </resources><constraints/></configuration>
        <status><node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
          <transient_attributes id="n1"><instance_attributes id="n1-t"><nvpair id="n1-t1" name="#node-unfenced" value="1"/></instance_attributes></transient_attributes>
          <lrm id="n1"><lrm_resources><lrm_resource id="fence" class="stonith" type="fence_scsi">
            <lrm_rsc_op id="fence_last_0" operation_key="fence_start_0" operation="start" crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="3" rc-code="0" op-status="0" interval="0" op-digest="{old}"/>
          </lrm_resource></lrm_resources></lrm>
        </node_state></status></cib>"##
    );
    let root = cib::Document::parse(&text).unwrap().root;
    let s = pengine::schedule(&root, 1_700_000_000).unwrap();
    let acts: Vec<String> = structure(&s.graph).actions.into_keys().collect();
    for a in [
        "crm_event stonith-node1-on on node1",
        "rsc_op fence_stop_0 on node1",
        "rsc_op fence_start_0 on node1",
    ] {
        assert!(acts.contains(&a.to_string()), "{a}: {acts:?}");
    }
}
