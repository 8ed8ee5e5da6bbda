//! End to end: agents run only from the installed agent directories. A fence device or a
//! resource whose agent is a path is refused by stonith_admin, stonithd and the CIB write path,
//! with Pacemaker's exit codes, and nothing runs. Needs root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig, CLASSIC_VIP};

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("daemons build")
}

fn configured(lab: &Lab, id: &str) -> bool {
    lab.cib(0).is_some_and(|c| c.find_by_id(id).is_some())
}

#[test]
fn agents_named_by_path_are_refused_and_never_run() {
    let Some(lab) = start_or_skip("agent_paths", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(CLASSIC_VIP, "node1")),
        "{}",
        lab.logs()
    );
    let marker = PathBuf::from(format!("/tmp/hb-agent-path-{}.marker", std::process::id()));
    let script = PathBuf::from(format!("/tmp/hb-agent-path-{}.sh", std::process::id()));
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch {}\nexit 0\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = script.display();

    // stonith_admin: Pacemaker's CRM_EX_INVALID_PARAM, nothing registered.
    for agent in [format!("{s}"), "../../tmp/fence_x".into(), "reboot".into()] {
        let (rc, out) = lab
            .run_on(
                1,
                &format!("stonith_admin -R evil --agent={agent} -o port=1"),
            )
            .unwrap();
        assert_eq!(rc, 2, "stonith_admin -R --agent={agent}: {out}");
        assert!(out.contains("invalid agent"), "{out}");
    }
    // stonithd itself, asked without the tool's check.
    let xml = format!("<primitive id=\"evil\" class=\"stonith\" type=\"{s}\"/>");
    let (_, listed) = lab.run_on(1, "stonith_admin -L").unwrap();
    assert!(!listed.contains("evil"), "{listed}");
    let sock = lab.nodes[1].dir.join("run/stonithd.sock");
    let answer = stonithd::proto::call(
        &sock,
        &stonithd::proto::Request::Register { xml },
        Duration::from_secs(10),
    )
    .expect("stonithd answers");
    assert_eq!(answer.rc, 2, "{answer:?}");
    assert!(
        answer
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("invalid agent"),
        "{answer:?}"
    );

    // The CIB write path: CRM_EX_CONFIG, the configuration unchanged.
    for (id, xml) in [
        (
            "evil-fence",
            format!("<primitive id=\"evil-fence\" class=\"stonith\" type=\"{s}\"/>"),
        ),
        (
            "evil-lsb",
            format!("<primitive id=\"evil-lsb\" class=\"lsb\" type=\"{s}\"/>"),
        ),
        (
            "evil-ocf",
            "<primitive id=\"evil-ocf\" class=\"ocf\" provider=\"heartbeat\" type=\"../x\"/>"
                .to_string(),
        ),
    ] {
        let (rc, out) = lab
            .run_on(0, &format!("cibadmin --create -o resources -X '{xml}'"))
            .unwrap();
        assert_eq!(rc, 78, "{id}: {out}");
        assert!(out.contains(id), "the refusal names the resource: {out}");
        assert!(!configured(&lab, id), "{id} was configured");
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(!marker.exists(), "{s} ran");
    assert!(lab.serves(CLASSIC_VIP, "node1"), "{}", lab.logs());
    let _ = std::fs::remove_file(&script);
}
