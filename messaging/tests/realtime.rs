//! ha.cf `realtime`/`rtprio`: heartbeat's threads run round-robin real-time with locked memory
//! (a loaded machine must not delay heartbeats past deadtime); its children do not.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::harness::{skip_unless_root, wait_until, Node, AUTHKEYS};

const SCHED_OTHER: u32 = 0;
const SCHED_RR: u32 = 2;

/// (policy, rt_priority) of every thread of `pid`, from /proc/PID/task/*/stat.
fn thread_policies(pid: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let stat = std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start at field 3;
        // rt_priority is field 40 and policy field 41.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        out.push((f[38].parse().unwrap(), f[37].parse().unwrap()));
    }
    out
}

fn locked_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// Starts a node with `extra` ha.cf lines and a respawned child that records its own policy
/// (`chrt -p`); returns (node, the child's record).
fn node_with_child(name: &str, port: u16, extra: &str) -> (Node, std::path::PathBuf) {
    let work = tempfile::tempdir().unwrap().keep();
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o777)).unwrap();
    let record = work.join("child-policy");
    let child = work.join("child.sh");
    std::fs::write(
        &child,
        format!(
            "#!/bin/sh\nchrt -p $$ > {}.tmp && mv {0}.tmp {0}\nexec sleep 600\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&child, std::fs::Permissions::from_mode(0o755)).unwrap();
    let hacf = format!(
        "udpport {port}\nbcast lo\nkeepalive 200ms\ndeadtime 2\ninitdead 2\nnode {name}\ncrm off\n\
         {extra}respawn hacluster {}\n",
        child.display()
    );
    let mut node = Node::prepare(name, None, &hacf, AUTHKEYS);
    node.start();
    (node, record)
}

fn child_policy(node: &Node, record: &std::path::Path) -> String {
    assert!(
        wait_until(Duration::from_secs(15), || record.exists()),
        "the respawned child never ran\n{}",
        node.log()
    );
    std::fs::read_to_string(record).unwrap()
}

#[test]
fn heartbeat_runs_real_time_with_locked_memory_and_its_children_do_not() {
    if skip_unless_root("realtime") {
        return;
    }
    let (mut node, record) = node_with_child("rt", 16967, "rtprio 5\n");
    let pid = node.child.as_ref().unwrap().id();
    let log = node.log();
    if log.contains("Unable to set scheduler parameters") {
        println!("SKIP realtime: this machine refuses real-time scheduling to root:\n{log}");
        return;
    }
    let threads = thread_policies(pid);
    assert!(threads.len() > 1, "{threads:?}");
    assert!(
        threads.iter().all(|&t| t == (SCHED_RR, 5)),
        "every heartbeat thread SCHED_RR at rtprio 5: {threads:?}"
    );
    assert!(locked_kb(pid) > 0, "memory not locked\n{log}");
    let child = child_policy(&node, &record);
    assert!(
        child.contains("SCHED_OTHER"),
        "a child must not inherit real-time: {child}"
    );
    node.terminate();
    let _ = std::fs::remove_dir_all(record.parent().unwrap());
}

#[test]
fn realtime_off_leaves_heartbeat_at_normal_priority() {
    if skip_unless_root("realtime") {
        return;
    }
    let (mut node, record) = node_with_child("nort", 16968, "realtime off\n");
    let pid = node.child.as_ref().unwrap().id();
    let threads = thread_policies(pid);
    assert!(
        threads.iter().all(|&(policy, _)| policy == SCHED_OTHER),
        "{threads:?}"
    );
    assert_eq!(locked_kb(pid), 0);
    assert!(child_policy(&node, &record).contains("SCHED_OTHER"));
    node.terminate();
    let _ = std::fs::remove_dir_all(record.parent().unwrap());
}
