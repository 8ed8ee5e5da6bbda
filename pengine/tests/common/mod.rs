//! What the hand-written scheduling tests share.

/// A three-node cluster (node1..node3, all online members, quorate, fencing off) with
/// `resources` and `constraints`, and `status` inside node1's node state (its history).
pub fn cib(resources: &str, constraints: &str, status: &str) -> cib::Element {
    let text = format!(
        r#"<cib have-quorum="true"><configuration>
        <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
        <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/><node id="n3" uname="node3"/></nodes>
        <resources>{resources}</resources><constraints>{constraints}</constraints></configuration>
        <status>
          <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">{status}</node_state>
          <node_state id="n2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
          <node_state id="n3" uname="node3" in_ccm="true" crmd="online" join="member" expected="member"/>
        </status></cib>"#
    );
    cib::Document::parse(&text).unwrap().root
}
