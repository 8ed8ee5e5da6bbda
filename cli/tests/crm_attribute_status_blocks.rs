//! `crm_attribute -t status` reads and edits every `<transient_attributes>` block of a node's
//! state, not only the first, as Pacemaker 2.1.5 does (results compared with its tool).

mod common;

use std::process::Command;

const CIB: &str = r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes><resources/><constraints/></configuration><status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="1"><instance_attributes id="status-1"><nvpair id="status-1-a" name="a" value="1"/></instance_attributes></transient_attributes><transient_attributes id="1"><instance_attributes id="status-1-b"><nvpair id="status-1-b" name="b" value="2"/></instance_attributes></transient_attributes></node_state></status></cib>"#;

fn crm_attribute(cib: &std::path::Path, args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_crm_attribute"))
        .args(args)
        .env("CIB_file", cib)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[test]
fn second_transient_block_is_read_updated_and_deleted() {
    let (_d, cib) = common::temp_cib(CIB);
    let get = |n: &str| crm_attribute(&cib, &["-G", "-t", "status", "-N", "n1", "-n", n]);
    assert_eq!(get("a"), (0, "scope=status  name=a value=1\n".into()));
    assert_eq!(get("b"), (0, "scope=status  name=b value=2\n".into()));
    let (rc, _) = crm_attribute(&cib, &["-t", "status", "-N", "n1", "-n", "b", "-v", "5"]);
    assert_eq!(rc, 0);
    assert_eq!(get("b"), (0, "scope=status  name=b value=5\n".into()));
    let text = std::fs::read_to_string(&cib).unwrap();
    assert_eq!(
        text.matches("name=\"b\"").count(),
        1,
        "updated in place: {text}"
    );
    let (rc, out) = crm_attribute(&cib, &["-t", "status", "-N", "n1", "-n", "b", "-D"]);
    assert_eq!(
        (rc, out.as_str()),
        (0, "Deleted status attribute: id=status-1-b name=b\n")
    );
    assert!(!std::fs::read_to_string(&cib)
        .unwrap()
        .contains("name=\"b\""));
}
