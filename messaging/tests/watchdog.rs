//! `watchdog`: heartbeat feeds the device from its main loop, stops when it hangs, and disarms
//! it (magic `V`) on a clean shutdown. The kernel's softdog would reboot this machine, so the
//! test uses a stand-in file that records every feed (and says so).

use std::time::Duration;

use crate::harness::*;

fn size(p: &std::path::Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn watchdog_is_fed_stops_when_heartbeat_hangs_and_is_disarmed_on_shutdown() {
    if skip_unless_root("watchdog") {
        return;
    }
    let net = Net::new(1, 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let wd = dir.path().join("watchdog");
    let conf = hacf(1, "bcast eth0", &format!("watchdog {}", wd.display()));
    let mut node = Node::prepare("node0", Some(&net.nodes[0]), &conf, AUTHKEYS);
    node.start();
    eprintln!(
        "NOTE: watchdog device is a stand-in file ({}); softdog would reset the test machine",
        wd.display()
    );
    assert!(
        wait_until(Duration::from_secs(5), || size(&wd) >= 5),
        "heartbeat never fed the watchdog\n{}",
        node.log()
    );
    let pid = nix::unistd::Pid::from_raw(node.child.as_ref().expect("running").id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).expect("stop");
    std::thread::sleep(Duration::from_millis(200));
    let hung = size(&wd);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        size(&wd),
        hung,
        "a hung heartbeat must not feed the watchdog"
    );
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).expect("cont");
    assert!(
        wait_until(Duration::from_secs(5), || size(&wd) > hung + 2),
        "feeding did not resume"
    );
    node.terminate();
    let bytes = std::fs::read(&wd).expect("read");
    assert_eq!(
        bytes.last(),
        Some(&b'V'),
        "a clean stop disarms the watchdog"
    );
    assert!(bytes[..bytes.len() - 1].iter().all(|b| *b == 0));
}
