//! The same cluster state prints the same resource and node lines in crm_mon, crm_simulate -S
//! and crm_resource --list: one membership rule and one text layer behind all three. The
//! expected lines are what Pacemaker 2.1.5's own tools print for this CIB.
#![cfg(all(feature = "cib-tools", feature = "simulate", feature = "stonith-tools"))]

use std::path::Path;
use std::process::Command;

/// node1 is a member written in other letter case; node2 carries 2.1.7-style timestamps (not
/// membership to 2.1.5); node3 is offline in standby. `ip` failed and is disabled and
/// unmanaged; the group is unmanaged, so its member is too.
const CIB: &str = r#"<cib have-quorum="true" validate-with="pacemaker-3.9" crm_feature_set="3.16.1" epoch="3" num_updates="0" admin_epoch="0" dc-uuid="1">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/><node id="3" uname="node3"><instance_attributes id="n3a"><nvpair id="n3s" name="standby" value="on"/></instance_attributes></node></nodes>
    <resources>
      <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
        <meta_attributes id="ip-m"><nvpair id="ip-m1" name="target-role" value="Stopped"/><nvpair id="ip-m2" name="is-managed" value="false"/></meta_attributes>
      </primitive>
      <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
      <group id="grp">
        <meta_attributes id="grp-m"><nvpair id="grp-m1" name="is-managed" value="false"/></meta_attributes>
        <primitive id="db" class="ocf" provider="heartbeat" type="Dummy"/>
      </group>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="TRUE" crmd="Online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
          <lrm_rsc_op id="ip_last_0" operation_key="ip_start_0" operation="start" crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" exit-reason="" on_node="node1" call-id="3" rc-code="0" op-status="0" interval="0" last-rc-change="1" exec-time="1" queue-time="0" op-digest="x"/>
          <lrm_rsc_op id="ip_last_failure_0" operation_key="ip_monitor_10000" operation="monitor" crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="2:1:0:x" transition-magic="0:1;2:1:0:x" exit-reason="" on_node="node1" call-id="4" rc-code="1" op-status="0" interval="10000" last-rc-change="2" exec-time="1" queue-time="0" op-digest="x"/>
        </lrm_resource>
        <lrm_resource id="db" class="ocf" provider="heartbeat" type="Dummy">
          <lrm_rsc_op id="db_last_0" operation_key="db_start_0" operation="start" crm-debug-origin="x" crm_feature_set="3.16.1" transition-key="3:1:0:x" transition-magic="0:0;3:1:0:x" exit-reason="" on_node="node1" call-id="5" rc-code="0" op-status="0" interval="0" last-rc-change="1" exec-time="1" queue-time="0" op-digest="x"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="1700000000" crmd="1700000000" join="member" expected="member"/>
    <node_state id="3" uname="node3" in_ccm="false" crmd="offline" join="down" expected="down"/>
  </status>
</cib>"#;

fn run(bin: &str, args: &[&str], cib: &Path) -> String {
    let out = Command::new(bin)
        .args(args)
        .env("CIB_file", cib)
        .output()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn has_line(text: &str, line: &str, tool: &str) {
    assert!(
        text.lines().any(|l| l == line),
        "{tool} lacks line {line:?}:\n{text}"
    );
}

#[test]
fn crm_mon_crm_simulate_and_crm_resource_print_one_state_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let cib = dir.path().join("cib.xml");
    std::fs::write(&cib, CIB).unwrap();
    let mon = run(env!("CARGO_BIN_EXE_crm_mon"), &["-1", "-r"], &cib);
    let sim = run(
        env!("CARGO_BIN_EXE_crm_simulate"),
        &["-S", "-x", cib.to_str().unwrap()],
        &cib,
    );
    let res = run(env!("CARGO_BIN_EXE_crm_resource"), &["--list"], &cib);
    let lines = [
        "* Node node3: OFFLINE (standby)",
        "* Online: [ node1 ]",
        "* OFFLINE: [ node2 ]",
        "* ip\t(ocf:heartbeat:IPaddr2):\t FAILED node1 (disabled, unmanaged)",
        "* web\t(ocf:heartbeat:apache):\t Stopped",
        "* Resource Group: grp (unmanaged):",
        "  * db\t(ocf:heartbeat:Dummy):\t Started node1 (unmanaged)",
    ];
    for line in lines {
        has_line(&mon, &format!("  {line}"), "crm_mon");
        has_line(&sim, &format!("    {line}"), "crm_simulate");
    }
    // crm_resource --list shows no nodes, otherwise the same words.
    for line in [
        "  * ip\t(ocf:heartbeat:IPaddr2):\t FAILED (disabled, unmanaged)",
        "  * Resource Group: grp (unmanaged):",
        "    * db\t(ocf:heartbeat:Dummy):\t Started (unmanaged)",
    ] {
        has_line(&res, line, "crm_resource");
    }
}

#[test]
fn crm_verify_and_crm_simulate_judge_node_membership_alike() {
    let dir = tempfile::tempdir().unwrap();
    let cib = dir.path().join("cib.xml");
    let fencing = CIB.replace(
        r#"name="stonith-enabled" value="false""#,
        r#"name="stonith-enabled" value="true""#,
    );
    std::fs::write(&cib, fencing).unwrap();
    let path = cib.to_str().unwrap();
    let verify = Command::new(env!("CARGO_BIN_EXE_crm_verify"))
        .args(["-VV", "-x", path])
        .output()
        .unwrap();
    let verify = String::from_utf8_lossy(&verify.stderr).into_owned();
    let sim = run(
        env!("CARGO_BIN_EXE_crm_simulate"),
        &["-S", "-x", path],
        &cib,
    );
    // node2's timestamps are not membership: both tools make it unclean, for the same reason.
    assert!(
        verify.contains("Cluster node node2 is unclean: peer is no longer part of the cluster"),
        "{verify}"
    );
    has_line(&sim, "    * Node node2: UNCLEAN (offline)", "crm_simulate");
    // node1, written in other letter case, is a healthy member to both.
    assert!(!verify.contains("node1 is unclean"), "{verify}");
    has_line(&sim, "    * Online: [ node1 ]", "crm_simulate");
}

/// One replay of the operation history behind crm_verify's status checks and the scheduler:
/// both fence the same nodes for the same history (a stop that found the agent missing, a
/// connection start whose error the transition expected), as Pacemaker 2.1.5 does.
#[test]
fn crm_verify_and_crm_simulate_fence_for_the_same_history() {
    let xml = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus/xml");
    if !xml.is_dir() {
        println!("SKIP: scheduler corpus not found at {}", xml.display());
        return;
    }
    for (case, node, reason) in [
        ("per-op-failcount", "rh73-01-snmp", "prmDummy failed there"),
        (
            "remote-fence-unclean-3",
            "overcloud-novacompute-0",
            "the connection is unrecoverable",
        ),
    ] {
        let cib = xml.join(format!("{case}.xml"));
        let path = cib.to_str().unwrap();
        let verify = Command::new(env!("CARGO_BIN_EXE_crm_verify"))
            .args(["-VVV", "-x", path])
            .output()
            .unwrap();
        let verify = String::from_utf8_lossy(&verify.stderr).into_owned();
        assert!(
            verify.contains(&format!("node {node} will be fenced: {reason}")),
            "{case}: {verify}"
        );
        let sim = run(
            env!("CARGO_BIN_EXE_crm_simulate"),
            &["-S", "-x", path],
            &cib,
        );
        has_line(
            &sim,
            &format!("  * Fence (reboot) {node} '{reason}'"),
            "crm_simulate",
        );
    }
}
