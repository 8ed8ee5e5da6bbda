//! End to end: three nodes, a clone and a colocated, ordered chain (fs -> ip -> web) that must
//! hold through the loss and return of the node running the chain. Needs root.

use std::path::PathBuf;
use std::time::Duration;

use cib::xml::Element;
use crmd::lab::{running_on, start_or_skip, wait_until, Lab, LabConfig};

const VIP: &str = "10.1.0.101";

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

const CONFIG: &str = r#"<configuration>
  <crm_config><cluster_property_set id="opts">
    <nvpair id="opts-stonith" name="stonith-enabled" value="false"/>
    <nvpair id="opts-nq" name="no-quorum-policy" value="stop"/>
  </cluster_property_set></crm_config>
  <nodes/>
  <resources>
    <clone id="base-clone">
      <primitive id="base" class="ocf" provider="heartbeat" type="Dummy">
        <operations><op id="base-mon" name="monitor" interval="2s"/></operations>
      </primitive>
    </clone>
    <primitive id="fs" class="ocf" provider="heartbeat" type="Dummy">
      <operations><op id="fs-mon" name="monitor" interval="2s"/></operations>
    </primitive>
    <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="ip-ia">
        <nvpair id="ip-ip" name="ip" value="10.1.0.101"/>
        <nvpair id="ip-mask" name="cidr_netmask" value="24"/>
        <nvpair id="ip-nic" name="nic" value="eth0"/>
      </instance_attributes>
      <operations><op id="ip-mon" name="monitor" interval="5s"/></operations>
    </primitive>
    <primitive id="web" class="heartbeat" type="webserver">
      <operations><op id="web-mon" name="monitor" interval="5s"/></operations>
    </primitive>
  </resources>
  <constraints>
    <rsc_order id="o-base-fs" first="base-clone" then="fs"/>
    <rsc_colocation id="c-fs-base" rsc="fs" with-rsc="base-clone" score="INFINITY"/>
    <rsc_order id="o-fs-ip" first="fs" then="ip"/>
    <rsc_colocation id="c-ip-fs" rsc="ip" with-rsc="fs" score="INFINITY"/>
    <rsc_order id="o-ip-web" first="ip" then="web"/>
    <rsc_colocation id="c-web-ip" rsc="web" with-rsc="ip" score="INFINITY"/>
    <rsc_location id="l-fs" rsc="fs" node="node1" score="100"/>
  </constraints>
</configuration>"#;

fn live_cib(lab: &Lab, i: usize) -> Option<Element> {
    lab.cib(i)
}

fn load_config(lab: &Lab, i: usize) {
    let mut client = crmd::proto::CibClient::connect(&lab.nodes[i].cib_socket()).expect("connect");
    let old = cib::xml::parse_element(&client.query().expect("query")).expect("parse");
    let mut new = old.clone();
    let mut conf = cib::xml::parse_element(CONFIG).expect("config parses");
    // Keep the nodes the cluster registered when they joined.
    if let Some(nodes) = old.child("configuration").and_then(|c| c.child("nodes")) {
        *conf.child_mut("nodes").expect("nodes") = nodes.clone();
    }
    new.children
        .retain(|c| !matches!(c, cib::xml::Node::Element(e) if e.name == "configuration"));
    new.children.insert(0, cib::xml::Node::Element(conf));
    let patch = cib::patch::diff(&old, &new);
    client
        .patch(patch.to_xml_compact())
        .expect("configuration accepted");
}

/// Where fs, ip, web and the clone's instances run.
type Placement = (Vec<String>, Vec<String>, Vec<String>, Vec<String>);

/// The chain and the clone as seen from node `observer`: (fs, ip, web, base) placements.
fn placement(lab: &Lab, observer: usize) -> Option<Placement> {
    let cib = live_cib(lab, observer)?;
    Some((
        running_on(&cib, "fs"),
        running_on(&cib, "ip"),
        running_on(&cib, "web"),
        running_on(&cib, "base"),
    ))
}

/// `crm_mon -1` on node `i` of the live cluster.
fn crm_mon(lab: &Lab, i: usize) -> String {
    let (rc, out) = lab.run_on(i, "crm_mon -1").expect("crm_mon");
    assert_eq!(rc, 0, "crm_mon failed: {out}");
    out
}

/// What crm_mon must say once the cluster settled with the chain on `chain_node`.
fn assert_crm_mon(lab: &Lab, i: usize, chain_node: &str, online: &[&str]) {
    let out = crm_mon(lab, i);
    for line in [
        format!("* fs\t(ocf:heartbeat:Dummy):\t Started {chain_node}"),
        format!("* ip\t(ocf:heartbeat:IPaddr2):\t Started {chain_node}"),
        format!("* web\t(heartbeat:webserver):\t Started {chain_node}"),
        format!("* Online: [ {} ]", online.join(" ")),
        format!("* Started: [ {} ]", online.join(" ")),
    ] {
        assert!(
            out.contains(&line),
            "crm_mon on node{} lacks {line:?}:\n{out}",
            i + 1
        );
    }
}

/// Waits until the chain runs together on `chain_node` and the clone on exactly `clone_nodes`,
/// the VIP is held there only, and the client gets the page from it.
fn settled(lab: &Lab, observer: usize, chain_node: &str, clone_nodes: &[&str]) {
    let want_chain = vec![chain_node.to_string()];
    let want_clone: Vec<String> = clone_nodes.iter().map(|s| s.to_string()).collect();
    let page = format!("served by {chain_node}");
    let ok = wait_until(Duration::from_secs(60), || {
        placement(lab, observer).is_some_and(|(fs, ip, web, base)| {
            fs == want_chain && ip == want_chain && web == want_chain && base == want_clone
        }) && lab.holders(VIP) == want_chain
            && lab.client_get(VIP, Duration::from_millis(500)).as_deref() == Some(page.as_str())
    });
    assert!(
        ok,
        "never settled with the chain on {chain_node} and the clone on {clone_nodes:?}: now {:?}, VIP on {:?}\n{}",
        placement(lab, observer),
        lab.holders(VIP),
        lab.logs()
    );
}

#[test]
fn chain_and_clone_survive_node_loss_and_return() {
    let mut config = LabConfig::classic(bin_dir());
    config.nodes = vec!["node1".into(), "node2".into(), "node3".into()];
    config.haresources = String::new();
    let Some(mut lab) = start_or_skip("three_nodes", config) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(30), || {
            live_cib(&lab, 2).is_some_and(|c| c.attr("dc-uuid").is_some())
        }),
        "no DC\n{}",
        lab.logs()
    );
    load_config(&lab, 2);
    settled(&lab, 2, "node1", &["node1", "node2", "node3"]);
    assert_crm_mon(&lab, 1, "node1", &["node1", "node2", "node3"]);

    lab.kill(0);
    // The chain moves as one to a survivor; which one is the policy engine's choice.
    let ok = wait_until(Duration::from_secs(60), || {
        placement(&lab, 2).is_some_and(|(fs, ip, web, base)| {
            fs.len() == 1
                && fs[0] != "node1"
                && ip == fs
                && web == fs
                && base == vec!["node2".to_string(), "node3".to_string()]
        })
    });
    assert!(
        ok,
        "after losing node1: {:?}\n{}",
        placement(&lab, 2),
        lab.logs()
    );
    let (fs, ..) = placement(&lab, 2).expect("placement");
    settled(&lab, 2, &fs[0], &["node2", "node3"]);
    assert_crm_mon(&lab, 2, &fs[0], &["node2", "node3"]);
    assert!(crm_mon(&lab, 2).contains("* OFFLINE: [ node1 ]"));

    lab.start(0).expect("node1 returns");
    // Its location preference (100) outweighs the default stickiness (0): everything goes home.
    settled(&lab, 1, "node1", &["node1", "node2", "node3"]);
    assert_crm_mon(&lab, 0, "node1", &["node1", "node2", "node3"]);
}

/// A node dies while it runs an action of the DC's transition: the DC counts the action as
/// lost instead of waiting for it forever, and recovers the resource elsewhere.
#[test]
fn losing_a_node_mid_action_does_not_stall_the_cluster() {
    let mut config = LabConfig::classic(bin_dir());
    config.nodes = vec!["node1".into(), "node2".into(), "node3".into()];
    config.haresources = String::new();
    let Some(mut lab) = start_or_skip("three_nodes", config) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(30), || {
            live_cib(&lab, 0).is_some_and(|c| c.attr("dc-uuid").is_some())
        }),
        "no DC\n{}",
        lab.logs()
    );
    let mut client = crmd::proto::CibClient::connect(&lab.nodes[0].cib_socket()).expect("connect");
    let old = cib::xml::parse_element(&client.query().expect("query")).expect("parse");
    let mut new = old.clone();
    let conf = new.child_mut("configuration").expect("configuration");
    conf.child_or_insert("crm_config").children.push(cib::xml::Node::Element(
        cib::xml::parse_element(
            r#"<cluster_property_set id="opts"><nvpair id="opts-st" name="stonith-enabled" value="false"/></cluster_property_set>"#,
        )
        .unwrap(),
    ));
    conf.child_or_insert("resources").children.push(cib::xml::Node::Element(
        cib::xml::parse_element(
            r#"<primitive id="slow" class="ocf" provider="heartbeat" type="Delay"><instance_attributes id="slow-ia"><nvpair id="slow-sd" name="startdelay" value="6"/><nvpair id="slow-md" name="mondelay" value="0"/></instance_attributes><operations><op id="slow-start" name="start" interval="0" timeout="30s"/></operations></primitive>"#,
        )
        .unwrap(),
    ));
    conf.child_or_insert("constraints")
        .children
        .push(cib::xml::Node::Element(
            cib::xml::parse_element(
                r#"<rsc_location id="slow-on-3" rsc="slow" node="node3" score="100"/>"#,
            )
            .unwrap(),
        ));
    client
        .patch(cib::patch::diff(&old, &new).to_xml_compact())
        .expect("configuration accepted");
    // node3 is now inside its 6 s start; kill it.
    std::thread::sleep(Duration::from_secs(2));
    lab.kill(2);
    let ok = wait_until(Duration::from_secs(60), || {
        live_cib(&lab, 0).is_some_and(|c| {
            let on = running_on(&c, "slow");
            on.len() == 1 && on[0] != "node3"
        })
    });
    assert!(ok, "slow never recovered on a survivor\n{}", lab.logs());
    assert!(
        lab.logs()
            .contains("slow_start_0 on node3: no result, its node left the cluster"),
        "the DC should have counted node3's start as lost\n{}",
        lab.logs()
    );
}
