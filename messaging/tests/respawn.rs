use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::harness::{skip_unless_root, wait_until, Node, AUTHKEYS};

fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn respawned_children_restart_as_their_user_unless_they_exit_100() {
    if skip_unless_root("respawn") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (dying, done) = (work.path().join("dying.sh"), work.path().join("done.sh"));
    let log1 = work.path().join("dying.log");
    let log2 = work.path().join("done.log");
    script(
        &dying,
        &format!("id -u >> {}\nsleep 0.2\nexit 1", log1.display()),
    );
    script(
        &done,
        &format!("echo $HA_API_SOCKET >> {}\nexit 100", log2.display()),
    );
    let hacf = format!(
        "udpport 16960\nbcast lo\nkeepalive 200ms\ndeadtime 2\ninitdead 2\nnode resp\ncrm off\n\
         respawn nobody {}\nrespawn root {}\n",
        dying.display(),
        done.display()
    );
    let mut node = Node::prepare("resp", None, &hacf, AUTHKEYS);
    node.start();
    assert!(
        wait_until(Duration::from_secs(10), || lines(&log1).len() >= 3),
        "dying child was not restarted: {:?}\n{}",
        lines(&log1),
        node.log()
    );
    let nobody = nix::unistd::User::from_name("nobody")
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    assert!(
        lines(&log1).iter().all(|u| *u == nobody.to_string()),
        "{:?}",
        lines(&log1)
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        lines(&log2),
        vec![node.socket().display().to_string()],
        "exit 100 must not be restarted; children learn the API socket"
    );
    // Logged as Heartbeat 3.0.6 does.
    let log = node.log();
    assert!(
        log.contains(&format!(
            "Client {} exited with return code 100.",
            done.display()
        )) && log.contains("exited with 100: not restarting it"),
        "{log}"
    );
    node.terminate();
    let after = lines(&log1).len();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        lines(&log1).len(),
        after,
        "children restarted after shutdown"
    );
}

#[test]
fn crm_respawn_starts_listed_daemons_and_skips_missing_ones() {
    if skip_unless_root("crm_respawn") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let ccm = work.path().join("ccm");
    let log = work.path().join("ccm.log");
    script(
        &ccm,
        &format!("echo $HA_NODENAME >> {}\nexec sleep 60", log.display()),
    );
    let hacf = format!(
        "udpport 16961\nbcast lo\nkeepalive 200ms\ndeadtime 2\ninitdead 2\nnode crmnode\ncrm respawn\n\
         crm_daemon_dir {}\n",
        work.path().display()
    );
    let mut node = Node::prepare("crmnode", None, &hacf, AUTHKEYS);
    node.extra_args = vec!["--crm-daemons".into(), "'ccm:root no-such-daemon'".into()];
    node.start();
    assert!(
        wait_until(Duration::from_secs(5), || lines(&log) == vec!["crmnode"]),
        "{}",
        node.log()
    );
    assert!(
        node.log().contains("CRM daemon no-such-daemon not found"),
        "{}",
        node.log()
    );
    node.terminate();
}

/// On shutdown the children stop one at a time, last started first (crmd, the last CRM daemon,
/// first), each allowed to finish before the next gets SIGTERM.
#[test]
fn children_stop_in_reverse_start_order_one_at_a_time() {
    if skip_unless_root("respawn_order") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let order = work.path().join("order.log");
    let (first, second) = (work.path().join("first.sh"), work.path().join("second.sh"));
    // Each records its SIGTERM; the second takes a second to finish stopping.
    script(
        &first,
        &format!(
            "trap 'echo first-term >> {0}; exit 0' TERM\necho first-up >> {0}\nwhile :; do sleep 0.1; done",
            order.display()
        ),
    );
    script(
        &second,
        &format!(
            "trap 'echo second-term >> {0}; sleep 1; echo second-done >> {0}; exit 0' TERM\necho second-up >> {0}\nwhile :; do sleep 0.1; done",
            order.display()
        ),
    );
    let hacf = format!(
        "udpport 16962\nbcast lo\nkeepalive 200ms\ndeadtime 2\ninitdead 2\nnode ordr\ncrm off\n\
         respawn root {}\nrespawn root {}\n",
        first.display(),
        second.display()
    );
    let mut node = Node::prepare("ordr", None, &hacf, AUTHKEYS);
    node.start();
    assert!(
        wait_until(Duration::from_secs(10), || lines(&order).len() == 2),
        "{:?}\n{}",
        lines(&order),
        node.log()
    );
    node.terminate();
    assert!(
        wait_until(Duration::from_secs(10), || lines(&order).len() == 5),
        "{:?}\n{}",
        lines(&order),
        node.log()
    );
    assert_eq!(
        lines(&order)[2..],
        ["second-term", "second-done", "first-term"],
        "{}",
        node.log()
    );
}
