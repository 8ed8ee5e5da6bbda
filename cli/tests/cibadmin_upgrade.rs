//! `cibadmin --upgrade` on a CIB file, as Pacemaker 2.1.5 does it (results compared with its
//! tool): an older pacemaker-3.x schema moves to pacemaker-3.9 with admin_epoch raised and
//! epoch restarted; a CIB already there is left alone; --force is required.

mod common;

use std::process::Command;

const CIB: &str = r#"<cib validate-with="pacemaker-3.2" epoch="5" num_updates="2" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>"#;

fn cibadmin(cib: &std::path::Path, args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_cibadmin"))
        .args(args)
        .env("CIB_file", cib)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn root(cib: &std::path::Path) -> cib::Element {
    cib::Document::parse(&std::fs::read_to_string(cib).unwrap())
        .unwrap()
        .root
}

#[test]
fn upgrade_moves_to_the_latest_schema_once() {
    let (_d, cib) = common::temp_cib(CIB);
    assert_eq!(cibadmin(&cib, &["--upgrade"]).0, 107, "needs --force");
    assert_eq!(root(&cib).attr("validate-with"), Some("pacemaker-3.2"));
    assert_eq!(cibadmin(&cib, &["--upgrade", "--force"]).0, 0);
    let r = root(&cib);
    assert_eq!(r.attr("validate-with"), Some("pacemaker-3.9"));
    assert_eq!(
        (
            r.attr("admin_epoch"),
            r.attr("epoch"),
            r.attr("num_updates")
        ),
        (Some("1"), Some("1"), Some("2"))
    );
    let before = std::fs::read_to_string(&cib).unwrap();
    assert_eq!(cibadmin(&cib, &["--upgrade", "--force"]).0, 0);
    assert_eq!(
        std::fs::read_to_string(&cib).unwrap(),
        before,
        "already latest: unchanged"
    );
}

#[test]
fn schemas_needing_transforms_are_refused_unchanged() {
    let (_d, cib) = common::temp_cib(&CIB.replace("pacemaker-3.2", "pacemaker-2.10"));
    let before = std::fs::read_to_string(&cib).unwrap();
    let (rc, err) = cibadmin(&cib, &["--upgrade", "--force"]);
    assert_eq!(rc, 3, "{err}");
    assert_eq!(std::fs::read_to_string(&cib).unwrap(), before);
}
