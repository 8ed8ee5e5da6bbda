//! `shutdown-lock`: what a node's clean shutdown stops stays with that node until it is back
//! or `shutdown-lock-limit` has passed (Pacemaker 2.1.5).

use graph::compare::structure;

const NOW: i64 = 1_700_000_000;

/// Two nodes; node2 is down and its history holds `a`, locked there since `locked_at`.
fn actions(options: &str, locked_at: i64) -> Vec<String> {
    let text = format!(
        r#"<cib have-quorum="true"><configuration>
        <crm_config><cluster_property_set id="o">
          <nvpair id="o1" name="stonith-enabled" value="false"/>
          <nvpair id="o2" name="shutdown-lock" value="true"/>{options}
        </cluster_property_set></crm_config>
        <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/></nodes>
        <resources><primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/></resources>
        <constraints/></configuration>
        <status>
          <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
            <lrm id="n1"><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">
              <lrm_rsc_op id="a_last_0" operation_key="a_monitor_0" operation="monitor" transition-key="1:1:7:x" transition-magic="0:7;1:1:7:x" call-id="1" rc-code="7" op-status="0" interval="0"/>
            </lrm_resource></lrm_resources></lrm>
          </node_state>
          <node_state id="n2" uname="node2" in_ccm="false" crmd="offline" join="down" expected="down">
            <lrm id="n2"><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy" shutdown-lock="{locked_at}">
              <lrm_rsc_op id="a_last_0" operation_key="a_stop_0" operation="stop" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0"/>
            </lrm_resource></lrm_resources></lrm>
          </node_state>
        </status></cib>"#
    );
    let root = cib::Document::parse(&text).unwrap().root;
    let s = pengine::schedule(&root, NOW).unwrap();
    structure(&s.graph).actions.into_keys().collect()
}

#[test]
fn a_locked_resource_waits_for_its_node() {
    let acts = actions("", NOW - 60);
    assert!(acts.is_empty(), "{acts:?}");
}

#[test]
fn an_expired_lock_is_forgotten_and_the_resource_starts_elsewhere() {
    let limit = r#"<nvpair id="o3" name="shutdown-lock-limit" value="10m"/>"#;
    // Within the limit: still locked.
    assert!(actions(limit, NOW - 60).is_empty());
    // Past it: node2's history is forgotten (it is down, so the clean-up waits there, but
    // the resource starts on node1).
    let acts = actions(limit, NOW - 3600);
    for a in [
        "rsc_op a_start_0 on node1",
        "crm_event a_lrm_delete_0 on node2",
    ] {
        assert!(acts.contains(&a.to_string()), "{a}: {acts:?}");
    }
}
