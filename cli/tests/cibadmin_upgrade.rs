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

/// Heartbeat 2.x era CIBs (pacemaker-1.0: underscore options, `cluster-infrastructure=
/// heartbeat`, `type="normal"` nodes; cluster-wide defaults that moved to `rsc_defaults` and
/// `op_defaults`) upgrade exactly as Pacemaker 2.1.5 upgraded them (`tests/data/
/// cibadmin_upgrade`); the content change bumps epoch to 2 (num_updates 0).
#[test]
fn heartbeat_era_cibs_upgrade_as_pacemaker() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cibadmin_upgrade");
    for name in ["heartbeat-2.x", "defaults-moved"] {
        let input = std::fs::read_to_string(data.join(format!("{name}.xml"))).unwrap();
        let (_d, cib) = common::temp_cib(&input);
        let (rc, err) = cibadmin(&cib, &["--upgrade", "--force"]);
        assert_eq!(rc, 0, "{name}: {err}");
        let expected =
            std::fs::read_to_string(data.join(format!("{name}.upgraded-by-pacemaker.xml")))
                .unwrap();
        assert_eq!(
            root(&cib),
            cib::Document::parse(&expected).unwrap().root,
            "{name}"
        );
    }
}

#[test]
fn schemas_needing_transforms_are_refused_unchanged() {
    // upgrade-2.10.xsl would rewrite this operation's `requires`; upgrade-1.3.xsl the first
    // ACL syntax. Neither is carried: exit 3, nothing changed.
    let moved = CIB.replace("pacemaker-3.2", "pacemaker-2.10").replace(
        "<resources/>",
        r#"<resources><primitive id="p" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="p-start" name="start" interval="0" requires="fencing"/></operations></primitive></resources>"#,
    );
    let acl = CIB.replace("pacemaker-3.2", "pacemaker-1.2").replace(
        "<constraints/>",
        r#"<constraints/><acls><acl_user id="u"><read id="r" xpath="/cib"/></acl_user></acls>"#,
    );
    for (text, names) in [(moved, "operation p-start"), (acl, "upgrade-1.3.xsl")] {
        let (_d, cib) = common::temp_cib(&text);
        let before = std::fs::read_to_string(&cib).unwrap();
        let (rc, err) = cibadmin(&cib, &["--upgrade", "--force"]);
        assert_eq!(rc, 3, "{err}");
        assert!(err.contains(names), "{err}");
        assert_eq!(std::fs::read_to_string(&cib).unwrap(), before);
    }
}

/// Pacemaker 2.1.5 on schema names it does not ship: exit 78 and these two lines.
#[test]
fn unknown_schemas_fail_as_pacemaker() {
    for v in ["transitional-0.6", "pacemaker-0.7", "pacemaker-1.1"] {
        let (_d, cib) = common::temp_cib(&CIB.replace("pacemaker-3.2", v));
        let (rc, err) = cibadmin(&cib, &["--upgrade", "--force"]);
        assert_eq!(
            (rc, err.as_str()),
            (78, "Could not connect to the CIB: Update does not conform to the configured schema\nInit failed, could not perform requested operations\n"),
            "{v}"
        );
    }
}
