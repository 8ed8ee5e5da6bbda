use std::time::Duration;

use messaging::client::{Event, NodeStatus};

use crate::harness::{hacf, sees, skip_unless_root, start_cluster, wait_until, Net};

fn all_active(nodes: &[crate::harness::Node]) -> bool {
    nodes.iter().all(|obs| {
        nodes
            .iter()
            .filter(|n| n.name != obs.name)
            .all(|n| sees(obs, &n.name, "active"))
    })
}

fn cluster_lifecycle(n: usize) {
    let net = Net::new(n, 1);
    let mut nodes = start_cluster(&net, &hacf(n, "bcast eth0", "uuidfrom nodename"));
    assert!(
        wait_until(Duration::from_secs(10), || all_active(&nodes)),
        "{n}-node cluster never became fully active:\n{}",
        nodes[0].log()
    );
    let victim = n - 1;
    let mut watcher = nodes[0].client("anon");
    let old_gen = watcher.node_generation(&nodes[victim].name).unwrap();
    nodes[victim].kill9();
    let victim_name = nodes[victim].name.clone();
    let dead_seen = wait_until(Duration::from_secs(10), || {
        nodes[..victim]
            .iter()
            .all(|o| sees(o, &victim_name, "dead"))
    });
    assert!(dead_seen, "survivors did not declare {victim_name} dead");
    let mut saw_dead_event = false;
    while let Ok(Some(ev)) = watcher.recv_timeout(Duration::from_millis(10)) {
        if let Event::Node(e) = ev {
            saw_dead_event |= e.node == victim_name && e.status == NodeStatus::Dead;
        }
    }
    assert!(saw_dead_event, "client was not told about the death");
    nodes[victim].start();
    assert!(
        wait_until(Duration::from_secs(10), || all_active(&nodes)),
        "{victim_name} did not rejoin"
    );
    let new_gen = watcher.node_generation(&victim_name).unwrap();
    assert!(
        new_gen > old_gen,
        "generation {new_gen} not above {old_gen}"
    );
}

#[test]
fn two_nodes_see_each_other_detect_death_and_rejoin() {
    if skip_unless_root("two_nodes") {
        return;
    }
    cluster_lifecycle(2);
}

#[test]
fn three_nodes_see_each_other_detect_death_and_rejoin() {
    if skip_unless_root("three_nodes") {
        return;
    }
    cluster_lifecycle(3);
}

#[test]
fn five_nodes_see_each_other_detect_death_and_rejoin() {
    if skip_unless_root("five_nodes") {
        return;
    }
    cluster_lifecycle(5);
}

#[test]
fn autojoin_any_admits_unlisted_nodes() {
    if skip_unless_root("autojoin") {
        return;
    }
    let net = Net::new(2, 1);
    let conf = "keepalive 200ms\ndeadtime 1500ms\ninitdead 2\nbcast eth0\nautojoin any\n";
    let nodes = start_cluster(&net, conf);
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    ) && sees(
        &nodes[1], "node0", "active"
    )));
    let mut c = nodes[0].client("anon");
    let mut listed = c.nodes().unwrap();
    listed.sort();
    assert_eq!(listed, vec!["node0", "node1"]);
}

#[test]
fn graceful_shutdown_is_announced_before_deadtime() {
    if skip_unless_root("graceful_shutdown") {
        return;
    }
    let net = Net::new(2, 1);
    // A deadtime far beyond the wait below: only the shutdown announcement can explain a death.
    let conf = hacf(2, "bcast eth0", "")
        .replace("deadtime 1500ms", "deadtime 60")
        .replace("initdead 2", "initdead 60");
    let mut nodes = start_cluster(&net, &conf);
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    )));
    nodes[1].terminate();
    assert!(
        wait_until(Duration::from_secs(5), || sees(&nodes[0], "node1", "dead")),
        "SIGTERM'd node not announced dead"
    );
}
