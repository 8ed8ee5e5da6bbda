//! End to end (#18): lrmd on node1 dies and cannot be respawned (its binary is gone). Within
//! crmd's grace period nothing is escalated; beyond it node1's crmd logs an error naming lrmd.
//! With `daemon-lost-reaction=fence` it gives its resources up and fences itself; with the
//! default `recover` it exits with CRM_EX_FATAL (100), heartbeat does not respawn it, and a peer
//! DC fences node1 ("peer process is no longer available"). Either way the service moves to
//! node2. Needs root (network namespaces).

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cib::xml::{Element, Node};
use crmd::lab::{start_or_skip, wait_until, LabConfig};

const VIP: &str = "10.1.0.100";

/// A private copy of the daemons' directory (hard links), so removing lrmd from it touches no
/// other test: heartbeat looks for its daemons next to itself.
fn private_bins(dir: &Path) -> PathBuf {
    let shared = crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("bins");
    let own = dir.join("bin");
    std::fs::create_dir_all(&own).unwrap();
    for e in std::fs::read_dir(&shared).unwrap() {
        let e = e.unwrap();
        let to = own.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            symlink(e.path(), &to).unwrap();
        } else if std::fs::hard_link(e.path(), &to).is_err() {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    own
}

/// The lrmd process started from `exe` inside network namespace `ns`.
fn lrmd_pid(exe: &Path, ns: &str) -> Option<i32> {
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if std::fs::read_link(e.path().join("exe")).ok().as_deref() != Some(exe) {
            continue;
        }
        let out = std::process::Command::new("ip")
            .args(["netns", "identify", &pid.to_string()])
            .output()
            .ok()?;
        if String::from_utf8_lossy(&out.stdout).trim() == ns {
            return Some(pid);
        }
    }
    None
}

#[test]
fn an_lrmd_that_cannot_be_respawned_is_escalated_and_the_service_moves() {
    let tmp = std::env::temp_dir().join(format!("lost-lrmd-fence-{}", std::process::id()));
    let bins = private_bins(&tmp);
    let Some(lab) = start_or_skip("lost_lrmd", LabConfig::classic(bins.clone())) else {
        let _ = std::fs::remove_dir_all(&tmp);
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(VIP, "node1")),
        "{}",
        lab.logs()
    );
    lab.enable_fencing(1, &[]).expect("fencing configured");
    lab.edit_cib(1, |cib| {
        let set = cib
            .child_mut("configuration")
            .and_then(|c| c.child_mut("crm_config"))
            .and_then(|c| c.child_mut("cluster_property_set"))
            .expect("options");
        set.children.push(Node::Element(
            Element::new("nvpair")
                .with_attr("id", "opt-daemon-lost-reaction")
                .with_attr("name", "daemon-lost-reaction")
                .with_attr("value", "fence"),
        ));
    })
    .expect("option set");
    std::thread::sleep(Duration::from_secs(3));
    assert!(lab.serves(VIP, "node1"), "{}", lab.logs());

    let exe = bins.join("lrmd");
    let pid = lrmd_pid(&exe, &lab.nodes[0].ns).expect("node1's lrmd runs");
    std::fs::remove_file(&exe).expect("lrmd removed");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill lrmd");
    let lost_at = Instant::now();

    // Inside the grace period: still served by node1, nothing escalated.
    std::thread::sleep(Duration::from_secs(20));
    assert!(
        !lab.nodes[0].log().contains("lrmd unreachable for"),
        "escalated early\n{}",
        lab.logs()
    );
    assert!(
        wait_until(Duration::from_secs(90), || lab.serves(VIP, "node2")),
        "the service never moved\n{}",
        lab.logs()
    );
    let moved = lost_at.elapsed();
    let log = lab.nodes[0].log();
    assert!(
        log.contains("lrmd unreachable for 30 s: recovering locally"),
        "node1 does not say why\n{log}"
    );
    assert!(
        log.contains("lrmd unreachable and daemon-lost-reaction=fence: fencing this node"),
        "{log}"
    );
    println!(
        "lrmd lost on node1; service on node2 after {:.1}s",
        moved.as_secs_f64()
    );
    drop(lab);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn an_lrmd_that_cannot_be_respawned_makes_crmd_exit_and_a_peer_fences_the_node() {
    let tmp = std::env::temp_dir().join(format!("lost-lrmd-recover-{}", std::process::id()));
    let bins = private_bins(&tmp);
    let Some(lab) = start_or_skip("lost_lrmd", LabConfig::classic(bins.clone())) else {
        let _ = std::fs::remove_dir_all(&tmp);
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(VIP, "node1")),
        "{}",
        lab.logs()
    );
    lab.enable_fencing(1, &[]).expect("fencing configured");
    std::thread::sleep(Duration::from_secs(3));
    assert!(lab.serves(VIP, "node1"), "{}", lab.logs());

    let exe = bins.join("lrmd");
    let pid = lrmd_pid(&exe, &lab.nodes[0].ns).expect("node1's lrmd runs");
    std::fs::remove_file(&exe).expect("lrmd removed");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill lrmd");
    let lost_at = Instant::now();
    assert!(
        wait_until(Duration::from_secs(120), || lab.serves(VIP, "node2")),
        "the service never moved\n{}",
        lab.logs()
    );
    let moved = lost_at.elapsed();
    let log = lab.nodes[0].log();
    assert!(log.contains("lrmd unreachable for 30 s"), "{log}");
    assert!(log.contains("crmd exits with code 100"), "{log}");
    assert!(
        log.contains("exited with return code 100.") && log.contains("not restarting it"),
        "heartbeat respawned crmd or did not say why not\n{log}"
    );
    let logs = lab.logs();
    assert!(
        logs.lines().any(|l| l.contains("fenced node1 with")),
        "node1 was not fenced by a peer\n{logs}"
    );
    println!(
        "lrmd lost on node1 (default recover): crmd exited 100, node1 fenced, service on node2 after {:.1}s",
        moved.as_secs_f64()
    );
    drop(lab);
    let _ = std::fs::remove_dir_all(&tmp);
}
