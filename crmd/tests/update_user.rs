//! End to end: the real user of every CIB change is recorded (Pacemaker's `update-user`,
//! `update-client`, `update-origin` on `<cib>`), from the credentials of the `cib.sock`
//! connection, through a write forwarded to the DC as well as one made on it; `CIB_file` writes
//! record the invoking user. Needs root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig, CLASSIC_VIP};

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("daemons build")
}

/// The gid of group `haclient`, created when missing.
fn haclient_gid() -> u32 {
    if nix::unistd::Group::from_name("haclient")
        .ok()
        .flatten()
        .is_none()
    {
        let _ = Command::new("groupadd").args(["-r", "haclient"]).status();
    }
    nix::unistd::Group::from_name("haclient")
        .ok()
        .flatten()
        .expect("group haclient")
        .gid
        .as_raw()
}

/// `cmd` as user nobody with primary group haclient.
fn as_haclient_member(cmd: &str) -> String {
    format!(
        "setpriv --reuid=65534 --regid={} --clear-groups {cmd}",
        haclient_gid()
    )
}

/// Lets user nobody reach node `i`'s CIB socket: the directories are root's, mode 0700. (The
/// socket's own mode and peer policy are the IPC layer's; a haclient member may write.)
fn open_to_haclient(lab: &Lab) {
    let mut paths = vec![lab.nodes[0].dir.parent().unwrap().to_path_buf()];
    for n in &lab.nodes {
        paths.push(n.dir.clone());
        paths.push(n.dir.join("run"));
    }
    for p in paths {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for n in &lab.nodes {
        let sock = n.cib_socket();
        let mode = std::fs::metadata(&sock).unwrap().permissions().mode();
        if mode & 0o060 != 0o060 {
            // Before the IPC layer's 0660 root:haclient socket.
            std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).unwrap();
        }
    }
}

fn writer_of(lab: &Lab) -> Option<(String, String, String)> {
    let cib = lab.cib(0)?;
    Some((
        cib.attr("update-user")?.to_string(),
        cib.attr("update-client")?.to_string(),
        cib.attr("update-origin")?.to_string(),
    ))
}

#[test]
fn cib_changes_record_the_real_user() {
    let Some(lab) = start_or_skip("update_user", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(CLASSIC_VIP, "node1")),
        "{}",
        lab.logs()
    );
    open_to_haclient(&lab);
    // Through each node: one write is made on the DC, the other forwarded to it.
    for (i, value) in [(0, "5min"), (1, "6min")] {
        let cmd = as_haclient_member(&format!(
            "crm_attribute -t crm_config -n cluster-recheck-interval -v {value}"
        ));
        let (rc, out) = lab.run_on(i, &cmd).unwrap();
        assert_eq!(rc, 0, "{cmd}: {out}");
        let want = (
            "nobody".to_string(),
            "crm_attribute".to_string(),
            lab.nodes[i].name.clone(),
        );
        assert!(
            wait_until(Duration::from_secs(10), || writer_of(&lab).as_ref()
                == Some(&want)),
            "through {}: recorded {:?}, want {want:?}",
            lab.nodes[i].name,
            writer_of(&lab)
        );
    }
    // Root is recorded as root.
    let (rc, out) = lab
        .run_on(1, "cibadmin --modify -X '<cib cluster-name=\"lab\"/>'")
        .unwrap();
    assert_eq!(rc, 0, "{out}");
    assert!(
        wait_until(Duration::from_secs(10), || writer_of(&lab)
            .is_some_and(|w| w.0 == "root" && w.1 == "cibadmin")),
        "{:?}",
        writer_of(&lab)
    );
    assert!(lab.serves(CLASSIC_VIP, "node1"));
}

#[test]
fn cib_file_writes_record_the_invoking_user() {
    if !crmd::lab::is_root() {
        eprintln!("SKIP cib_file_writes_record_the_invoking_user: needs root (setpriv)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let file = dir.path().join("cib.xml");
    std::fs::write(
        &file,
        r#"<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>"#,
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let bins = bin_dir();
    let out = Command::new("sh")
        .arg("-c")
        .arg(as_haclient_member(&format!(
            "{}/crm_attribute -t crm_config -n cluster-recheck-interval -v 7min",
            bins.display()
        )))
        .env("CIB_file", &file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let cib = cib::xml::parse_element(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(cib.attr("update-user"), Some("nobody"), "{}", cib.to_xml());
    assert_eq!(cib.attr("update-client"), Some("crm_attribute"));
}
