//! End to end, from the package: `packaging/build-deb.sh` builds the `.deb`, each node of a
//! namespace cluster gets it installed in a private mount namespace (post-install step run for
//! real, Debian's own OCF agents hidden), and `heartbeat` starts exactly as the systemd unit
//! starts it, with no lab-only settings. The classic haresources site must start, fail over,
//! and be driven by the Pacemaker tools as root and as a `haclient` member, while an unknown
//! user is kept out. Needs root.

use std::path::PathBuf;
use std::time::Duration;

use crmd::lab::{is_root, unpack_package, wait_until, Lab, LabConfig, CLASSIC_VIP as VIP};

fn package() -> (tempfile::TempDir, PathBuf) {
    let bins = crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build");
    let dir = tempfile::tempdir().expect("tempdir");
    unpack_package(&bins, dir.path()).expect("package builds and unpacks");
    let root = dir.path().join("root");
    (dir, root)
}

fn installed_lab(test: &str, crm_respawn: bool) -> Option<(Lab, tempfile::TempDir)> {
    if !is_root() {
        eprintln!("SKIP {test}: needs root (network and mount namespaces)");
        return None;
    }
    let (keep, root) = package();
    let mut config = LabConfig::classic(root.join("usr/lib/heartbeat-rs"));
    config.installed = Some(root);
    config.crm_respawn = crm_respawn;
    let mut lab = Lab::new(config).expect("lab");
    lab.start_all().expect("nodes start from the package");
    Some((lab, keep))
}

fn ok(lab: &Lab, node: usize, user: Option<&str>, cmd: &str) -> String {
    let (rc, out) = lab.run_installed(node, user, cmd).expect("nsenter");
    assert_eq!(rc, 0, "`{cmd}` as {user:?} failed ({rc}):\n{out}");
    out
}

/// The uid of node `node`'s process named `name` (found through the node's network
/// namespace: the PID namespace is the host's, shared with any other lab).
fn process_uid(lab: &Lab, node: usize, name: &str) -> Option<u32> {
    stonithd::netns::pids(&lab.nodes[node].ns)
        .into_iter()
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name)
        })
        .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next()?.parse().ok())
        })
}

/// The uid `user` has on node `node` (its own /etc/passwd, as the package's postinst made it).
fn uid_of(lab: &Lab, node: usize, user: &str) -> Option<u32> {
    ok(lab, node, None, &format!("id -u {user}"))
        .trim()
        .parse()
        .ok()
}

#[test]
fn the_package_runs_the_classic_site_with_least_privilege() {
    let Some((mut lab, _keep)) = installed_lab("installed_site", true) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(90), || lab.serves(VIP, "node1")),
        "the site never came up on node1\n{}",
        lab.logs()
    );

    // Pacemaker's privilege split: the controller and membership unprivileged.
    let hacluster = uid_of(&lab, 0, "hacluster");
    assert!(hacluster.is_some_and(|u| u != 0), "{hacluster:?}");
    for (daemon, uid) in [
        ("crmd", hacluster),
        ("ccm", hacluster),
        ("lrmd", Some(0)),
        ("stonithd", Some(0)),
    ] {
        assert_eq!(process_uid(&lab, 0, daemon), uid, "{daemon}'s uid");
    }
    let modes = ok(
        &lab,
        0,
        None,
        "stat -c '%n %U:%G %a' /var/lib/heartbeat/crm /var/lib/heartbeat/crm/cib.xml /run/heartbeat /run/heartbeat/cib.sock",
    );
    println!("{modes}");
    for (path, want) in [
        ("/var/lib/heartbeat/crm ", "hacluster:haclient 750"),
        ("/var/lib/heartbeat/crm/cib.xml ", "hacluster:"),
        ("/run/heartbeat ", "hacluster:haclient 750"),
    ] {
        let line = modes.lines().find(|l| l.starts_with(path)).unwrap_or("");
        assert!(line.contains(want), "{path}: {line}\n{modes}");
    }
    let cib_mode = modes
        .lines()
        .find(|l| l.starts_with("/var/lib/heartbeat/crm/cib.xml"))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap_or("");
    assert!(
        cib_mode.ends_with('0'),
        "cib.xml must not be world-readable: {cib_mode}"
    );

    // One logging path: the daemons running as hacluster append to ha.cf's logfile too.
    let log = ok(
        &lab,
        0,
        None,
        "stat -c '%U:%G %a' /var/log/ha-log; cat /var/log/ha-log",
    );
    assert!(log.starts_with("root:haclient 660\n"), "{log}");
    for entity in ["heartbeat", "ccm", "crmd", "lrmd"] {
        assert!(
            log.contains(&format!(" node1 {entity}: [")),
            "no {entity} line in /var/log/ha-log:\n{log}"
        );
    }

    // An operator in haclient, and an unknown user.
    ok(&lab, 0, None, "useradd --system --gid haclient hbop");
    ok(&lab, 1, None, "useradd --system --gid haclient hbop");
    for user in [None, Some("hbop")] {
        let mon = ok(&lab, 0, user, "crm_mon -1");
        assert!(mon.contains("node1") && mon.contains("Online"), "{mon}");
        let q = ok(&lab, 0, user, "cibadmin -Q");
        assert!(q.contains("<cib"), "{q}");
        ok(&lab, 0, user, "stonith_admin -L");
    }
    let (rc, out) = lab
        .run_installed(0, Some("nobody"), "crm_mon -1")
        .expect("nsenter");
    assert_ne!(rc, 0, "nobody must not read the cluster:\n{out}");

    // The operator moves the site, then clears the move (auto_failback brings it home).
    // haresources' first line becomes group_1.
    let group = "group_1";
    ok(
        &lab,
        0,
        Some("hbop"),
        &format!("crm_resource --move -r {group} -N node2"),
    );
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(VIP, "node2")),
        "the move never happened\n{}",
        lab.logs()
    );
    ok(
        &lab,
        1,
        Some("hbop"),
        &format!("crm_resource --clear -r {group}"),
    );
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(VIP, "node1")),
        "clearing the move did not bring the site home\n{}",
        lab.logs()
    );

    // Node loss: the site fails over.
    lab.kill(0);
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(VIP, "node2")),
        "no failover to node2\n{}",
        lab.logs()
    );
}

#[test]
fn a_v1_site_without_a_crm_line_runs_its_haresources() {
    let Some((lab, _keep)) = installed_lab("installed_v1_site", false) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(90), || lab.serves(VIP, "node1")),
        "the haresources site never came up without a crm line\n{}",
        lab.logs()
    );
    assert!(
        lab.nodes[0]
            .log()
            .contains("No crm directive: the haresources site runs under the CRM"),
        "{}",
        lab.nodes[0].log()
    );
}
