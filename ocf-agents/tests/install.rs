//! `ocf-agents install` / `uninstall`: the provider layout and the heartbeat-class links.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

#[test]
fn install_layout_and_uninstall() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("ocf");
    let hb = dir.path().join("resource.d");
    let prefix_s = prefix.to_str().unwrap();
    let hb_s = hb.to_str().unwrap();
    run_ok(
        BINARY,
        &[
            "install",
            "--prefix",
            prefix_s,
            "--provider",
            "hbrs-layout",
            "--heartbeat-dir",
            hb_s,
        ],
    );
    let binary = prefix.join("lib/hbrs-layout/ocf-agents");
    assert_eq!(
        binary.metadata().unwrap().permissions().mode() & 0o777,
        0o755
    );
    for agent in run_ok(BINARY, &["list"]).lines() {
        let link = prefix.join("resource.d/hbrs-layout").join(agent);
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            std::path::Path::new("../../lib/hbrs-layout/ocf-agents")
        );
        // Each link answers as its own agent.
        let out = std::process::Command::new(&link)
            .arg("meta-data")
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("name=\"{agent}\"")));
    }
    // Heartbeat-class links only for agents that take positional arguments.
    let mut hb_links: Vec<String> = std::fs::read_dir(&hb)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    hb_links.sort();
    assert_eq!(
        hb_links,
        [
            "Delay",
            "Filesystem",
            "IPaddr",
            "IPaddr2",
            "IPsrcaddr",
            "IPv6addr",
            "MailTo",
            "SendArp",
            "portblock"
        ]
    );

    // A foreign script is not replaced without --force.
    std::fs::remove_file(hb.join("IPaddr")).unwrap();
    std::fs::write(hb.join("IPaddr"), "#!/bin/sh\n").unwrap();
    let refused = std::process::Command::new(BINARY)
        .args([
            "install",
            "--prefix",
            prefix_s,
            "--provider",
            "hbrs-layout",
            "--heartbeat-dir",
            hb_s,
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));

    run_ok(
        BINARY,
        &[
            "uninstall",
            "--prefix",
            prefix_s,
            "--provider",
            "hbrs-layout",
            "--heartbeat-dir",
            hb_s,
        ],
    );
    assert!(!prefix.join("resource.d/hbrs-layout").exists());
    assert!(!binary.exists());
    // The foreign script stays.
    assert!(hb.join("IPaddr").exists());
    assert!(!hb.join("Filesystem").exists());
}

#[test]
fn run_subcommand_and_usage() {
    let install = Install::new();
    let out = std::process::Command::new(BINARY)
        .args(["run", "Dummy", "monitor"])
        .env("HA_RSCTMP", install.rsctmp())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(OCF_NOT_RUNNING));
    let unknown = std::process::Command::new(BINARY)
        .args(["run", "Nope", "start"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    let methods = install.agent("IPaddr2", "m").call("methods");
    assert!(methods.stdout.lines().any(|l| l == "validate-all"));
}
