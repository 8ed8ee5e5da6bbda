//! Each `cib::verify` check on a small crafted CIB: the finding's text, severity and location.

use cib::verify::{verify_text, Check, Severity, Verification};

/// A valid two-node cluster with fencing disabled; `{RESOURCES}`, `{CONSTRAINTS}`, `{OPTIONS}`
/// and `{STATUS}` are filled in by each test.
const TEMPLATE: &str = r#"<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="opts">
        {OPTIONS}
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      {RESOURCES}
    </resources>
    <constraints>
      {CONSTRAINTS}
    </constraints>
  </configuration>
  <status>
    {STATUS}
  </status>
</cib>"#;

const NO_FENCING: &str = r#"<nvpair id="o1" name="stonith-enabled" value="false"/>"#;
const DUMMY: &str = r#"<primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"/>"#;
const ONLINE: &str = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>"#;

fn cib(options: &str, resources: &str, constraints: &str, status: &str) -> String {
    TEMPLATE
        .replace("{OPTIONS}", options)
        .replace("{RESOURCES}", resources)
        .replace("{CONSTRAINTS}", constraints)
        .replace("{STATUS}", status)
}

fn only(v: &Verification, check: Check) -> Vec<&cib::verify::Diagnostic> {
    v.diagnostics.iter().filter(|d| d.check == check).collect()
}

#[test]
fn a_clean_configuration_has_no_findings() {
    let v = verify_text(&cib(NO_FENCING, DUMMY, "", ONLINE));
    assert!(v.is_valid(), "{:?}", v.diagnostics);
}

#[test]
fn malformed_xml_is_repaired_as_libxml2_does_and_judged_on_the_result() {
    let v = verify_text("<cib validate-with=\"pacemaker-3.7\">\n<configuration>\n</cib>\n");
    let repairs = only(&v, Check::WellFormed);
    let seen: Vec<(Severity, usize, &str)> = repairs
        .iter()
        .map(|d| (d.severity, d.line, d.message.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                Severity::Recovered,
                3,
                "parser error : Opening and ending tag mismatch: configuration line 2 and cib"
            ),
            (
                Severity::Recovered,
                4,
                "parser error : Premature end of data in tag cib line 1"
            ),
        ]
    );
    // The repaired document has an empty configuration: a schema failure decides the verdict.
    assert!(v.has_errors());
    assert_eq!(
        v.diagnostics.last().unwrap().message,
        "CIB did not pass schema validation"
    );
}

#[test]
fn unrepairable_xml_names_the_line_and_garbage_is_no_document() {
    let v = verify_text("\n<cib a=\"1\" a=\"2\"/>");
    let d = &only(&v, Check::WellFormed)[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.line, 2);
    assert!(d.message.starts_with("parser error : "), "{}", d.message);
    let v = verify_text("garbage\n");
    assert_eq!(v.diagnostics[0].check, Check::NoDocument);
}

#[test]
fn primitive_without_class_fails_the_schema_and_stops_there() {
    let v = verify_text(&cib(
        "",
        r#"<primitive id="rsc1" type="Dummy"/>"#,
        "",
        ONLINE,
    ));
    let d = &only(&v, Check::Schema)[0];
    assert_eq!(d.element, "primitive");
    assert_eq!(d.id.as_deref(), Some("rsc1"));
    assert_eq!(
        d.message,
        "element primitive: Relax-NG validity error : Invalid sequence in interleave"
    );
    assert_eq!(
        v.diagnostics.last().unwrap().message,
        "CIB did not pass schema validation"
    );
    // Fencing is enabled without devices, but the scheduler checks never ran.
    assert!(only(&v, Check::Fencing).is_empty());
}

#[test]
fn unknown_resource_class_is_a_schema_error() {
    let v = verify_text(&cib(
        NO_FENCING,
        r#"<primitive id="rsc1" class="bogus" type="Dummy"/>"#,
        "",
        ONLINE,
    ));
    let msgs: Vec<&str> = only(&v, Check::Schema)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "element primitive: Relax-NG validity error : Invalid sequence in interleave",
            "element primitive: Relax-NG validity error : Element primitive failed to validate content",
            "element primitive: Relax-NG validity error : Element resources has extra content: primitive",
            "CIB did not pass schema validation",
        ]
    );
}

#[test]
fn dangling_constraint_reference() {
    let c = r#"<rsc_location id="l1" rsc="nope" node="node1" score="INFINITY"/>"#;
    let v = verify_text(&cib(NO_FENCING, DUMMY, c, ONLINE));
    let d = &only(&v, Check::UnknownReference)[0];
    assert_eq!(d.id.as_deref(), Some("l1"));
    assert_eq!(d.message, "element rsc_location: validity error : IDREF attribute rsc references an unknown ID \"nope\"");
    assert_eq!(d.line, 16);
}

#[test]
fn order_and_colocation_references_are_checked() {
    let c = r#"<rsc_order id="o1" first="rsc1" then="ghost"/><rsc_colocation id="c1" rsc="ghost2" with-rsc="rsc1" score="10"/>"#;
    let v = verify_text(&cib(NO_FENCING, DUMMY, c, ONLINE));
    let msgs: Vec<&str> = only(&v, Check::UnknownReference)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].contains("IDREF attribute then references an unknown ID \"ghost\""));
    assert!(msgs[1].contains("IDREF attribute rsc references an unknown ID \"ghost2\""));
}

#[test]
fn invalid_score() {
    let c = r#"<rsc_location id="l1" rsc="rsc1" node="node1" score="abc"/>"#;
    let v = verify_text(&cib(NO_FENCING, DUMMY, c, ONLINE));
    assert_eq!(
        only(&v, Check::InvalidScore)[0].message,
        "element rsc_location: Relax-NG validity error : Type integer doesn't allow value 'abc'"
    );
}

#[test]
fn duplicate_ids() {
    let r = r#"<primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"/><primitive id="rsc1" class="ocf" provider="pacemaker" type="Stateful"/>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", ONLINE));
    let msgs: Vec<&str> = only(&v, Check::DuplicateId)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "element primitive: Relax-NG validity error : ID rsc1 redefined",
            "element primitive: Relax-NG validity error : Invalid sequence in interleave",
            "element primitive: Relax-NG validity error : Element primitive failed to validate content",
        ]
    );
    assert_eq!(
        v.diagnostics.last().unwrap().message,
        "CIB did not pass schema validation"
    );
}

#[test]
fn unknown_schema_version() {
    let text = cib(NO_FENCING, DUMMY, "", ONLINE).replace("pacemaker-3.7", "pacemaker-9.9");
    let v = verify_text(&text);
    assert!(v.has_errors());
    assert_eq!(
        v.diagnostics.last().unwrap().message,
        "CIB did not pass schema validation"
    );
}

#[test]
fn fencing_enabled_without_devices() {
    let v = verify_text(&cib("", DUMMY, "", ONLINE));
    let msgs: Vec<&str> = only(&v, Check::Fencing)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "Resource start-up disabled since no STONITH resources have been defined",
            "Either configure some or disable STONITH with the stonith-enabled option",
            "NOTE: Clusters with shared data need STONITH to ensure data integrity",
        ]
    );
    assert!(v.diagnostics.iter().all(|d| d.origin == "unpack_resources"));
}

#[test]
fn duplicate_recurring_operation() {
    let r = r#"<primitive id="rsc1" class="ocf" provider="pacemaker" type="Stateful"><operations>
        <op id="rsc1-monitor-promoted" name="monitor" interval="10s" role="Promoted"/>
        <op id="rsc1-monitor-unpromoted" name="monitor" interval="10000ms" role="Unpromoted"/>
      </operations></primitive>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", ONLINE));
    let dups = only(&v, Check::DuplicateOperation);
    // Reported once per operation of the pair, as Pacemaker does.
    assert_eq!(dups.len(), 2);
    let d = &dups[1];
    assert_eq!(d.id.as_deref(), Some("rsc1-monitor-unpromoted"));
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(
        d.message,
        "Operation rsc1-monitor-unpromoted is duplicate of rsc1-monitor-promoted (do not use same name and interval combination more than once per resource)"
    );
}

#[test]
fn bad_interval_is_logged_and_read_as_zero() {
    let r = r#"<primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"><operations>
        <op id="rsc1-mon" name="monitor" interval="often"/></operations></primitive>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", ONLINE));
    let d = &only(&v, Check::InvalidDuration)[0];
    assert_eq!(d.message, "Using 0 instead of 'often'");
    assert_eq!(d.severity, Severity::Advisory);
    assert!(v.is_valid(), "Pacemaker accepts it: {:?}", v.diagnostics);
}

#[test]
fn on_fail_fence_without_fencing_and_stop_on_stop() {
    let r = r#"<primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"><operations>
        <op id="rsc1-start" name="start" interval="0" on-fail="fence"/>
        <op id="rsc1-stop" name="stop" interval="0" on-fail="stop"/></operations></primitive>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", ONLINE));
    let msgs: Vec<&str> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(msgs, ["Resetting 'on-fail' for operation 'rsc1_start_0' to 'stop' because 'fence' is not valid when fencing is disabled"]);
    // The stop operation is judged only once a stop is due: when the resource runs somewhere.
    let running = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
        <lrm id="1"><lrm_resources><lrm_resource id="rsc1" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:abc"/>
        </lrm_resource></lrm_resources></lrm></node_state>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", running));
    let msgs: Vec<&str> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(msgs.contains(&"Resetting 'on-fail' for rsc1 stop action to default value because 'stop' is not allowed for stop"), "{msgs:?}");
}

#[test]
fn invalid_order_kind_is_a_schema_error() {
    let r = r#"<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/><primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>"#;
    let c = r#"<rsc_order id="ord" first="a" then="b" kind="foo"/>"#;
    let v = verify_text(&cib(NO_FENCING, r, c, ONLINE));
    let msgs: Vec<&str> = only(&v, Check::Schema)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "element rsc_order: Relax-NG validity error : Invalid attribute kind for element rsc_order",
            "element rsc_order: Relax-NG validity error : Element constraints has extra content: rsc_order",
            "CIB did not pass schema validation",
        ]
    );
}

#[test]
fn invalid_order_kind_and_influence_without_schema() {
    let r = r#"<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/><primitive id="b" class="ocf" provider="pacemaker" type="Dummy"/>"#;
    let c = r#"<rsc_order id="ord" first="a" then="b" kind="foo"/><rsc_colocation id="col" rsc="a" with-rsc="b" score="10" influence="maybe"/>"#;
    let text = cib(NO_FENCING, r, c, ONLINE).replace("pacemaker-3.7", "none");
    let v = verify_text(&text);
    let msgs: Vec<&str> = only(&v, Check::InvalidValue)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "Resetting 'kind' for constraint ord to 'Mandatory' because 'foo' is not valid",
            "Constraint 'col' has invalid value for influence (using default)",
        ]
    );
}

#[test]
fn schema_errors_cascade_to_the_section_like_libxml() {
    let r = r#"<group id="g"><primitive id="rsc1" class="bogus" type="Dummy"/></group>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", ONLINE));
    let msgs: Vec<(&str, &str)> = only(&v, Check::Schema)
        .iter()
        .map(|d| (d.element.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        [
            ("primitive", "element primitive: Relax-NG validity error : Invalid sequence in interleave"),
            ("primitive", "element primitive: Relax-NG validity error : Element primitive failed to validate content"),
            ("group", "element group: Relax-NG validity error : Invalid sequence in interleave"),
            ("group", "element group: Relax-NG validity error : Element group failed to validate content"),
            ("group", "element group: Relax-NG validity error : Element resources has extra content: group"),
            ("cib", "CIB did not pass schema validation"),
        ]
    );
}

#[test]
fn promoted_target_role_outside_promotable_clone() {
    let r = r#"<primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="m">
        <nvpair id="m1" name="target-role" value="Promoted"/></meta_attributes></primitive>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", ONLINE));
    assert_eq!(
        only(&v, Check::InvalidValue)[0].message,
        "Ignoring 'target-role' for rsc1 because 'Promoted' only makes sense for promotable clones"
    );
}

#[test]
fn deprecated_syntax() {
    let r = r#"<group id="g"><meta_attributes id="gm"><nvpair id="gm1" name="ordered" value="false"/></meta_attributes>
        <primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"/></group>
        <clone id="c"><primitive id="rsc2" class="ocf" provider="pacemaker" type="Dummy"/></clone>
        <primitive id="rsc3" class="ocf" provider="pacemaker" type="Dummy" restart-type="restart"/>"#;
    let c = r#"<rsc_order id="ord" first="c" then="rsc3" require-all="false"/>"#;
    let opts = format!(r#"{NO_FENCING}<nvpair id="o2" name="stonith-action" value="poweroff"/>"#);
    let v = verify_text(&cib(&opts, r, c, ONLINE));
    let msgs: Vec<&str> = only(&v, Check::Deprecated)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("Support for stonith-action of 'poweroff' is deprecated")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("Support for the 'ordered' group meta-attribute is deprecated")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("Support for restart-type is deprecated")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.starts_with("Support for require-all in ordering constraints is deprecated")), "{msgs:?}");
    assert!(v
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning));
}

#[test]
fn lsb_resources_cannot_be_unique_clones() {
    let r = r#"<clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="globally-unique" value="true"/></meta_attributes>
        <primitive id="lsb1" class="lsb" type="dummy"/></clone>"#;
    let v = verify_text(&cib(NO_FENCING, r, "", ONLINE));
    assert_eq!(
        only(&v, Check::InvalidValue)[0].message,
        "Ignoring globally-unique for c because lsb resources such as lsb1:0 can be used only as anonymous clones"
    );
}

const FENCED: &str = r#"<nvpair id="o1" name="stonith-enabled" value="true"/>"#;
const WITH_DEVICE: &str = r#"<primitive id="fence1" class="stonith" type="fence_dummy"/>"#;

#[test]
fn node_that_left_the_cluster_is_fenced() {
    let status = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
        <node_state id="2" uname="node2" in_ccm="false" crmd="offline" join="down" expected="member"/>"#;
    let v = verify_text(&cib(FENCED, WITH_DEVICE, "", status));
    let msgs: Vec<&str> = only(&v, Check::UncleanNode)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "Cluster node node2 will be fenced: peer is no longer part of the cluster",
            "node2 is unclean",
            "Scheduling node node2 for fencing",
        ]
    );
    // Only scheduling the fencing makes the configuration suspect.
    let severities: Vec<Severity> = only(&v, Check::UncleanNode)
        .iter()
        .map(|d| d.severity)
        .collect();
    assert_eq!(
        severities,
        [Severity::Advisory, Severity::Advisory, Severity::Warning]
    );
}

#[test]
fn unseen_node_is_unclean_only_with_startup_fencing() {
    let status = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>"#;
    let v = verify_text(&cib(FENCED, WITH_DEVICE, "", status));
    assert!(only(&v, Check::UncleanNode)
        .iter()
        .any(|d| d.message == "Scheduling node node2 for fencing"));
    let blind = format!(r#"{FENCED}<nvpair id="o2" name="startup-fencing" value="false"/>"#);
    assert!(verify_text(&cib(&blind, WITH_DEVICE, "", status)).is_valid());
}

#[test]
fn failed_stop_fences_the_node() {
    let status = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
        <lrm id="1"><lrm_resources><lrm_resource id="rsc1" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation="stop" call-id="5" rc-code="1" op-status="0" interval="0" transition-key="1:2:0:abc"/>
        </lrm_resource></lrm_resources></lrm></node_state>
        <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>"#;
    let r = format!("{WITH_DEVICE}{DUMMY}");
    let v = verify_text(&cib(FENCED, &r, "", status));
    assert!(
        v.diagnostics
            .iter()
            .any(|d| d.message == "Cluster node node1 will be fenced: rsc1 failed there"),
        "{:?}",
        v.diagnostics
    );
}

#[test]
fn unclean_node_without_fencing_cannot_be_fenced() {
    let status = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
        <node_state id="2" uname="node2" in_ccm="true" crmd="offline" join="down" expected="member"/>"#;
    let v = verify_text(&cib(NO_FENCING, DUMMY, "", status));
    let msgs: Vec<&str> = only(&v, Check::UncleanNode)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "Cluster node node2 is unclean: peer is unexpectedly down",
            "node2 is unclean",
            "Node node2 is unclean but cannot be fenced",
            "Resource functionality and data integrity cannot be guaranteed (configure, enable, and test fencing to correct this)",
        ]
    );
}

#[test]
fn disconnected_remote_node_is_fenced_unless_the_connection_can_move() {
    let r = format!(
        r#"{WITH_DEVICE}{DUMMY}<primitive id="remote1" class="ocf" provider="pacemaker" type="remote"/>"#
    );
    let remote_history = r#"<node_state id="remote1" uname="remote1" remote_node="true">
        <lrm id="remote1"><lrm_resources><lrm_resource id="rsc1" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:abc"/>
        </lrm_resource></lrm_resources></lrm></node_state>"#;
    let status = format!("{ONLINE}{remote_history}");
    // The connection can start on an online node: the fencing is announced, then revoked.
    let v = verify_text(&cib(FENCED, &r, "", &status));
    assert!(v.is_valid(), "{:?}", v.diagnostics);
    assert_eq!(
        only(&v, Check::UncleanNode)[0].message,
        "Remote node remote1 will be fenced: rsc1 is active there (fencing will be revoked if remote connection can be re-established elsewhere)"
    );
    // Both cluster nodes ban the connection: the remote node really is fenced.
    let bans = r#"<rsc_location id="b1" rsc="remote1" node="node1" score="-INFINITY"/><rsc_location id="b2" rsc="remote1" node="node2" score="-INFINITY"/>"#;
    let v = verify_text(&cib(FENCED, &r, bans, &status));
    assert!(
        v.diagnostics
            .iter()
            .any(|d| d.message == "Scheduling node remote1 for fencing"),
        "{:?}",
        v.diagnostics
    );
}

#[test]
fn clone_instances_beyond_clone_max_are_orphans() {
    let r = r#"<clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="clone-max" value="1"/></meta_attributes>
        <primitive id="rsc1" class="ocf" provider="pacemaker" type="Dummy"/></clone>"#;
    let running = |node: &str| {
        format!(
            r#"<node_state id="{node}" uname="node{node}" in_ccm="true" crmd="online" join="member" expected="member">
        <lrm id="{node}"><lrm_resources><lrm_resource id="rsc1" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:abc"/>
        </lrm_resource></lrm_resources></lrm></node_state>"#
        )
    };
    let status = format!("{}{}", running("1"), running("2"));
    let v = verify_text(&cib(NO_FENCING, r, "", &status));
    assert_eq!(
        only(&v, Check::Status)[0].message,
        "Detected active orphan rsc1:1 running on node2"
    );
}

#[test]
fn active_orphan_is_reported() {
    let status = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
        <lrm id="1"><lrm_resources><lrm_resource id="gone" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="gone_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:abc"/>
        </lrm_resource></lrm_resources></lrm></node_state>"#;
    let v = verify_text(&cib(NO_FENCING, DUMMY, "", status));
    assert_eq!(
        only(&v, Check::Status)[0].message,
        "Detected active orphan gone running on node1"
    );
}

#[test]
fn recorded_state_of_a_removed_node() {
    let status = r#"<node_state id="9" uname="node9" in_ccm="true" crmd="online" join="member" expected="member"/>"#;
    let v = verify_text(&cib(NO_FENCING, DUMMY, "", status));
    assert_eq!(
        only(&v, Check::Status)[0].message,
        "Ignoring recorded node state for 'node9' because it is no longer in the configuration"
    );
}

#[test]
fn lost_ticket_with_fence_policy_fences_where_the_resource_runs() {
    let status = r#"<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
        <lrm id="1"><lrm_resources><lrm_resource id="rsc1" class="ocf" provider="pacemaker" type="Dummy">
          <lrm_rsc_op id="rsc1_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:abc"/>
        </lrm_resource></lrm_resources></lrm></node_state>
        <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
        <tickets><ticket_state id="t1" granted="false"/></tickets>"#;
    let c = r#"<rsc_ticket id="tk" rsc="rsc1" ticket="t1" loss-policy="fence"/>"#;
    let r = format!("{WITH_DEVICE}{DUMMY}");
    let v = verify_text(&cib(FENCED, &r, c, status));
    assert!(
        v.diagnostics
            .iter()
            .any(|d| d.message == "Cluster node node1 will be fenced: deadman ticket was lost"),
        "{:?}",
        v.diagnostics
    );
}

#[test]
fn agents_named_by_path_are_configuration_errors() {
    let rscs = r#"<primitive id="abs" class="lsb" type="/tmp/x.sh"/>
      <primitive id="up" class="ocf" provider="heartbeat" type="../x"/>
      <primitive id="prov" class="ocf" provider=".." type="Dummy"/>
      <primitive id="fence" class="stonith" type="/tmp/fence_x"/>
      <primitive id="ok" class="ocf" provider="heartbeat" type="Dummy"/>
      <primitive id="glue" class="stonith" type="external/ssh"/>"#;
    let v = verify_text(&cib(NO_FENCING, rscs, "", ONLINE));
    let found = only(&v, Check::AgentName);
    let ids: Vec<&str> = found.iter().filter_map(|d| d.id.as_deref()).collect();
    assert_eq!(ids, ["abs", "up", "prov", "fence"], "{found:#?}");
    assert!(found.iter().all(|d| d.severity == Severity::Error));
    assert_eq!(
        found[0].message,
        "Resource abs is not valid: invalid type '/tmp/x.sh': contains '/' (a path, not a name); \
         agents run only from the installed agent directories"
    );
    assert!(found[0].line > 0);
    assert!(!v.is_valid());
}
