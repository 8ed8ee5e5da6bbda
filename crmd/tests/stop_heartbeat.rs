//! End to end (#18, S_STOPPING): `systemctl stop heartbeat` (SIGTERM) on the node serving the
//! classic VIP + web group, with fencing enabled. heartbeat stops crmd first while messaging
//! and lrmd still run; crmd asks the DC to stop the node's resources, exits 0 on the DC's
//! `do_shutdown`, and heartbeat ends: the group is served by the other node and nobody was
//! fenced. Needs root (network namespaces).

use std::time::{Duration, Instant};

use crmd::lab::{start_or_skip, wait_until, LabConfig, CLASSIC_VIP};

fn bin_dir() -> std::path::PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("bins")
}

#[test]
fn stopping_heartbeat_moves_the_group_cleanly_without_fencing() {
    let Some(lab) = start_or_skip("stop_heartbeat", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(CLASSIC_VIP, "node1")),
        "{}",
        lab.logs()
    );
    lab.enable_fencing(1, &[]).expect("fencing configured");
    std::thread::sleep(Duration::from_secs(3));
    assert!(lab.serves(CLASSIC_VIP, "node1"), "{}", lab.logs());

    let ns = lab.nodes[0].ns.clone();
    let heartbeat: Vec<i32> = stonithd::netns::pids(&ns)
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm"))
                .is_ok_and(|c| c.trim() == "heartbeat")
        })
        .collect();
    assert!(!heartbeat.is_empty(), "no heartbeat in {ns}");
    let asked = Instant::now();
    for pid in &heartbeat {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("SIGTERM heartbeat");
    }
    let alive = || {
        heartbeat.iter().any(|p| {
            std::path::Path::new(&format!("/proc/{p}/comm")).exists()
                && !std::fs::read_to_string(format!("/proc/{p}/stat"))
                    .unwrap_or_default()
                    .contains(") Z ")
        })
    };
    assert!(
        wait_until(Duration::from_secs(110), || !alive()),
        "heartbeat on node1 did not stop\n{}",
        lab.logs()
    );
    let stopped = asked.elapsed();
    assert!(
        wait_until(Duration::from_secs(30), || lab.serves(CLASSIC_VIP, "node2")),
        "the group did not move\n{}",
        lab.logs()
    );
    let log1 = lab.nodes[0].log();
    assert!(
        log1.contains("shutdown requested: asking the DC to move this node's resources away")
            && log1.contains("crmd exits with code 0"),
        "{log1}"
    );
    let logs = lab.logs();
    assert!(
        !logs.lines().any(|l| l.contains("fenced node")),
        "a node was fenced\n{logs}"
    );
    println!(
        "heartbeat on node1 stopped in {:.1} s; the group is served by node2; no fencing",
        stopped.as_secs_f64()
    );
}
