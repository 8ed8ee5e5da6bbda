//! Dummy: lifecycle, idempotence and validation exit codes.

use crate::support::*;

#[test]
fn lifecycle_is_idempotent() {
    let install = Install::new();
    let dummy = install.agent("Dummy", "d1");
    assert_eq!(dummy.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(dummy.rc("stop"), OCF_SUCCESS, "stopping a stopped resource");
    assert_eq!(dummy.rc("start"), OCF_SUCCESS);
    assert!(install.rsctmp().join("Dummy-d1.state").exists());
    assert_eq!(dummy.rc("monitor"), OCF_SUCCESS);
    assert_eq!(
        dummy.rc("start"),
        OCF_SUCCESS,
        "starting a started resource"
    );
    assert_eq!(dummy.rc("stop"), OCF_SUCCESS);
    assert_eq!(dummy.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(dummy.rc("stop"), OCF_SUCCESS);
}

#[test]
fn instances_do_not_share_state() {
    let install = Install::new();
    let a = install.agent("Dummy", "a");
    let b = install.agent("Dummy", "b");
    assert_eq!(a.rc("start"), OCF_SUCCESS);
    assert_eq!(b.rc("monitor"), OCF_NOT_RUNNING);
}

#[test]
fn migration_moves_the_state() {
    let install = Install::new();
    let dummy = install.agent("Dummy", "m");
    assert_eq!(dummy.rc("start"), OCF_SUCCESS);
    assert_eq!(dummy.rc("migrate_to"), OCF_SUCCESS);
    assert_eq!(dummy.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(dummy.rc("migrate_from"), OCF_SUCCESS);
    assert_eq!(dummy.rc("monitor"), OCF_SUCCESS);
}

#[test]
fn validation_errors() {
    let install = Install::new();
    let relative = install.agent("Dummy", "v").param("state", "relative/file");
    let reply = relative.call("validate-all");
    assert_eq!(reply.code, OCF_ERR_CONFIGURED);
    assert!(
        reply.stderr.contains("ocf-exit-reason:"),
        "{}",
        reply.stderr
    );
    let missing_dir = install
        .agent("Dummy", "v")
        .param("state", "/nonexistent-hbrs-dir/state");
    assert_eq!(missing_dir.rc("validate-all"), OCF_ERR_ARGS);
    let bad_sleep = install.agent("Dummy", "v").param("op_sleep", "soon");
    assert_eq!(bad_sleep.rc("validate-all"), OCF_ERR_CONFIGURED);
    let ok = install.agent("Dummy", "v");
    assert_eq!(ok.rc("validate-all"), OCF_SUCCESS);
}

#[test]
fn unknown_and_unsupported_actions() {
    let install = Install::new();
    let dummy = install.agent("Dummy", "u");
    assert_eq!(dummy.rc("frobnicate"), OCF_ERR_UNIMPLEMENTED);
    assert_eq!(dummy.rc("promote"), OCF_ERR_UNIMPLEMENTED);
}

#[test]
fn meta_data_needs_no_environment_and_validates_against_the_dtd() {
    if skip_without("dummy::meta_data_dtd", &["xmllint"]) {
        return;
    }
    let install = Install::new();
    for agent in run_ok(BINARY, &["list"]).lines() {
        let path = install.agent_path(agent);
        let out = std::process::Command::new(&path)
            .arg("meta-data")
            .env_clear()
            .output()
            .unwrap();
        assert!(out.status.success(), "{agent} meta-data failed");
        let xml = String::from_utf8(out.stdout).unwrap();
        assert!(xml.contains(&format!("<resource-agent name=\"{agent}\"")));
        assert!(xml.contains("<version>1.1</version>"));
        for action in ["start", "stop", "monitor", "meta-data", "validate-all"] {
            assert!(
                xml.contains(&format!("<action name=\"{action}\" timeout=")),
                "{agent} lacks {action}"
            );
        }
        let mut lint = std::process::Command::new("xmllint")
            .args(["--noout", "--valid", "-"])
            .current_dir("/usr/share/resource-agents")
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("xmllint (libxml2-utils)");
        use std::io::Write;
        lint.stdin
            .take()
            .unwrap()
            .write_all(xml.as_bytes())
            .unwrap();
        let result = lint.wait_with_output().unwrap();
        assert!(
            result.status.success(),
            "{agent} meta-data is not valid: {}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
}
