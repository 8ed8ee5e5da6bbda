use super::*;
use crate::xml::parse_element;
use vocab::Score;

#[test]
fn reads_crm_mon_example() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/cli-corpus/crm_mon.xml"
    ))
    .unwrap();
    let cib = Cib::from_element(&parse_element(&text).unwrap()).unwrap();
    let conf = &cib.configuration;
    assert_eq!(cib.version.num_updates, 173);
    assert_eq!(conf.option("cluster-name"), Some("test-cluster"));
    assert_eq!(conf.option("stonith_enabled"), Some("true"));
    assert_eq!(conf.op_default("timeout"), Some("5s"));
    assert_eq!(conf.nodes[0].attribute("location"), Some("office"));
    let dummy = conf
        .primitives()
        .into_iter()
        .find(|p| p.id == "dummy")
        .unwrap();
    assert_eq!(dummy.agent_spec(), "ocf:pacemaker:Dummy");
    assert_eq!(dummy.param("op_sleep"), Some("6"));
    let mon = dummy
        .operations
        .iter()
        .find(|o| o.name == "monitor")
        .unwrap();
    assert_eq!(
        (mon.interval_ms, mon.on_fail.as_deref()),
        (60_000, Some("stop"))
    );
    let Some(Resource::Clone(pc)) = conf.resource("promotable-clone") else {
        panic!()
    };
    assert!(pc.promotable());
    let Some(Resource::Clone(ping)) = conf.resource("ping-clone") else {
        panic!()
    };
    assert!(!ping.promotable());
    assert!(
        matches!(conf.resource("httpd-bundle"), Some(Resource::Bundle(b)) if b.primitive.is_some())
    );
    let Constraint::Location(loc) = &conf.constraints[0] else {
        panic!()
    };
    assert_eq!(loc.score, Some(Score::MINUS_INFINITY));
    let Constraint::Location(rule_loc) = &conf.constraints[1] else {
        panic!()
    };
    assert_eq!(rule_loc.rules[0].role.as_deref(), Some("Promoted"));
    assert_eq!(conf.tags.len(), 5);
    let n2 = cib.status.node("cluster02").unwrap();
    let ping_ops = &n2.resources.iter().find(|r| r.id == "ping").unwrap().ops;
    assert_eq!(ping_ops[1].interval_ms, 10_000);
    assert_eq!(ping_ops[0].rc, 0);
    assert_eq!(
        cib.status.node("cluster01").unwrap().attribute("pingd"),
        Some("1000")
    );
}

#[test]
fn reads_heartbeat_2_dialect() {
    let cib = parse_element(
        r#"<cib admin_epoch="0" epoch="1" num_updates="1"><configuration><crm_config>
        <cluster_property_set id="cib-bootstrap-options"><attributes>
        <nvpair id="o1" name="no_quorum_policy" value="ignore"/></attributes></cluster_property_set>
        </crm_config><nodes><node id="u1" uname="n1" type="normal"/></nodes><resources>
        <master_slave id="ms"><primitive id="d" class="heartbeat" type="drbd" is_managed="false">
        <instance_attributes id="ia"><attributes><nvpair id="p1" name="1" value="r0"/></attributes>
        </instance_attributes><operations><op id="op1" name="monitor" interval="10s" on_fail="restart" disabled="true"/></operations></primitive></master_slave>
        </resources><constraints>
        <rsc_order id="o" from="web" type="after" to="ip"/>
        <rsc_colocation id="c" from="web" to="ip" score="INFINITY"/></constraints></configuration>
        <status/></cib>"#,
    )
    .unwrap();
    let cib = Cib::from_element(&cib).unwrap();
    let conf = &cib.configuration;
    assert_eq!(conf.option("no-quorum-policy"), Some("ignore"));
    let Some(Resource::Clone(ms)) = conf.resource("ms") else {
        panic!()
    };
    assert!(ms.promotable());
    let Resource::Primitive(d) = ms.child.as_ref() else {
        panic!()
    };
    assert_eq!(d.meta("is-managed"), Some("false"));
    assert_eq!(d.param("1"), Some("r0"));
    assert_eq!(d.operations[0].on_fail.as_deref(), Some("restart"));
    assert!(!d.operations[0].enabled);
    let Constraint::Order(o) = &conf.constraints[0] else {
        panic!()
    };
    assert_eq!(
        (o.first.as_deref(), o.then.as_deref()),
        (Some("ip"), Some("web"))
    );
    let Constraint::Colocation(c) = &conf.constraints[1] else {
        panic!()
    };
    assert_eq!(
        (c.rsc.as_deref(), c.with_rsc.as_deref(), c.score),
        (Some("web"), Some("ip"), Score::INFINITY)
    );
}

#[test]
fn id_refs_sets_and_errors() {
    let cib = parse_element(
        r#"<cib><configuration><resources>
        <primitive id="a" class="ocf" provider="p" type="t"><meta_attributes id="m"><nvpair id="m1" name="target-role" value="Stopped"/></meta_attributes></primitive>
        <primitive id="b" class="ocf" provider="p" type="t"><meta_attributes id-ref="m"/></primitive>
        </resources><constraints><rsc_order id="o1" first="a" then="b" kind="Serialize"/>
        <rsc_colocation id="c1" score="100"><resource_set id="s1" sequential="false"><resource_ref id="a"/><resource_ref id="b"/></resource_set></rsc_colocation>
        <rsc_ticket id="t1" ticket="T" rsc="a" loss-policy="stop"/></constraints>
        <fencing-topology><fencing-level id="f1" index="1" target="n1" devices="x,y"/></fencing-topology>
        <alerts><alert id="al" path="/bin/true"><recipient id="r" value="/tmp/x"/></alert></alerts>
        </configuration></cib>"#,
    )
    .unwrap();
    let cib = Cib::from_element(&cib).unwrap();
    let conf = &cib.configuration;
    let b = conf.primitives()[1];
    assert_eq!(b.meta("target-role"), Some("Stopped"));
    let Constraint::Order(o) = &conf.constraints[0] else {
        panic!()
    };
    assert_eq!((o.kind, o.symmetrical), (OrderKind::Serialize, false));
    let Constraint::Colocation(c) = &conf.constraints[1] else {
        panic!()
    };
    assert!(!c.sets[0].sequential);
    assert_eq!(c.sets[0].resources, ["a", "b"]);
    assert!(matches!(&conf.constraints[2], Constraint::Ticket(t) if t.ticket == "T"));
    assert_eq!(conf.fencing_levels[0].devices, ["x", "y"]);
    assert_eq!(conf.alerts[0].recipients, ["/tmp/x"]);

    let bad = parse_element(r#"<cib><configuration><resources><primitive class="ocf"/></resources></configuration></cib>"#).unwrap();
    assert!(matches!(
        Cib::from_element(&bad),
        Err(ModelError::MissingAttribute {
            attribute: "id",
            ..
        })
    ));
    let bad = parse_element(r#"<cib><configuration><constraints><rsc_location id="l" rsc="a" node="n" score="lots"/></constraints></configuration></cib>"#).unwrap();
    assert!(matches!(
        Cib::from_element(&bad),
        Err(ModelError::InvalidValue {
            attribute: "score",
            ..
        })
    ));
    assert!(matches!(
        Cib::from_element(&Element::new("x")),
        Err(ModelError::NotACib(_))
    ));
    // A recorded operation without an id is refused, naming its line.
    let bad = parse_element(
        "<cib><status><node_state id=\"1\" uname=\"n\"><lrm><lrm_resources>\n\
         <lrm_resource id=\"r\"><lrm_rsc_op operation=\"start\" call-id=\"3\"/>\
         </lrm_resource></lrm_resources></lrm></node_state></status></cib>",
    )
    .unwrap();
    assert!(matches!(
        Cib::from_element(&bad),
        Err(ModelError::MissingAttribute {
            element,
            attribute: "id",
            line: 2,
        }) if element == "lrm_rsc_op"
    ));
}

#[test]
fn templates_are_applied_on_request() {
    let cib = parse_element(
        r#"<cib><configuration><resources>
        <template id="t" class="ocf" provider="heartbeat" type="IPaddr2">
          <instance_attributes id="t-ia"><nvpair id="t-nic" name="nic" value="eth0"/><nvpair id="t-ip" name="ip" value="1.1.1.1"/></instance_attributes>
          <operations><op id="t-m" name="monitor" interval="10s"/><op id="t-s" name="start" interval="0" timeout="20s"/></operations>
        </template>
        <primitive id="ip" template="t"><instance_attributes id="ip-ia"><nvpair id="ip-ip" name="ip" value="10.0.0.1"/></instance_attributes>
          <operations><op id="ip-m" name="monitor" interval="10000ms" timeout="5s"/></operations></primitive>
        </resources></configuration></cib>"#,
    )
    .unwrap();
    let conf = Cib::from_element(&cib).unwrap().configuration;
    assert_eq!(conf.templates.len(), 1);
    let raw = conf.primitives()[0];
    assert_eq!(raw.class, None);
    let ip = conf.resolve_template(raw);
    assert_eq!(ip.agent_spec(), "ocf:heartbeat:IPaddr2");
    assert_eq!(ip.param("ip"), Some("10.0.0.1"));
    assert_eq!(ip.param("nic"), Some("eth0"));
    let names: Vec<(&str, Option<u64>)> = ip
        .operations
        .iter()
        .map(|o| (o.name.as_str(), o.timeout_ms))
        .collect();
    assert_eq!(names, [("monitor", Some(5_000)), ("start", Some(20_000))]);
}
