//! Texts that come from the one vocabulary (`vocab`) and once disagreed between tools.

use std::process::Command;

/// `crm_resource --list-operations` names an operation's `op-status` as Pacemaker does
/// (`pcmk_exec_status_str`): 5 is a hard error, not "Not installed".
#[test]
fn list_operations_names_execution_status_like_pacemaker() {
    let dir = tempfile::tempdir().unwrap();
    let cib = dir.path().join("cib.xml");
    std::fs::write(
        &cib,
        r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="n1"/></nodes>
    <resources><primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/></resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="d" class="ocf" provider="heartbeat" type="Dummy">
        <lrm_rsc_op id="d_last_0" operation_key="d_start_0" operation="start" call-id="3" rc-code="1" op-status="5" interval="0" last-rc-change="1606076573" exec-time="10"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status>
</cib>
"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crm_resource"))
        .args(["--list-operations"])
        .env("CIB_file", &cib)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("d_start_0 (node=n1, call=3, rc=1, last-rc-change='Sun Nov 22 20:22:53 2020', exec=10ms): Hard error"),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
