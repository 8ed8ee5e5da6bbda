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

/// A restarted Heartbeat 3.0.6 asks a live node for the node list (`t=reqnodes`) and, when the
/// answer comes, counts the nodes it knows to be active; alone, in `auto_failback legacy`, it
/// takes its groups without asking. So our status must reach it before our `repnodes`, even when
/// the first packet it heard from us was not a heartbeat. A probe plays the restarted node.
#[test]
fn a_node_list_request_is_answered_after_our_status() {
    use messaging::config::AuthKeys;
    use messaging::wire::datagram::{self, SealOptions};
    use messaging::wire::packet::Packet;
    use std::time::Instant;

    if skip_unless_root("reqnodes_after_status") {
        return;
    }
    let mut net = Net::new(1, 1);
    let probe = net.add_probe();
    // A long keepalive: a periodic heartbeat landing between the request and the answer would
    // pass for the one this test looks for.
    let hacf = "keepalive 3\ndeadtime 15\nwarntime 5\ninitdead 15\nbcast eth0\nnode node0 node1\n";
    let mut node =
        crate::harness::Node::prepare("node0", Some(&net.nodes[0]), hacf, crate::harness::AUTHKEYS);
    node.start();
    let keys = AuthKeys::parse(crate::harness::AUTHKEYS, "k").unwrap();
    let seal = move |mut p: Packet, seq: u64| {
        p.push_str("src", "node1")
            .push_str("seq", format!("{seq:x}"))
            .push_str("hg", "6a000001")
            .push_str("ts", "6a000001")
            .push_str("ttl", "3");
        datagram::seal(&p, &keys, SealOptions::default())
    };
    let seen = in_netns_probe(&probe, move |sock| {
        let mut status = Packet::with_type("status");
        status
            .push_str("st", "up")
            .push_str("dt", "3a98")
            .push_str("protocol", "1");
        sock.send_to(&seal(status, 1), "10.1.0.255:694").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let mut ask = Packet::with_type("reqnodes");
        ask.push_str("dest", "node0");
        sock.send_to(&seal(ask, 2), "10.1.0.255:694").unwrap();
        let mut types = Vec::new();
        let mut buf = vec![0u8; 70_000];
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end && !types.iter().any(|t| t == "repnodes") {
            let Ok((n, _)) = sock.recv_from(&mut buf) else {
                continue;
            };
            let Ok(d) = datagram::parse(&buf[..n]) else {
                continue;
            };
            if d.packet.get_str("src") == Some("node0") {
                types.push(d.packet.msg_type().unwrap_or_default().to_string());
            }
        }
        types
    });
    let answer = seen.iter().position(|t| t == "repnodes");
    let status = seen.iter().position(|t| t == "status");
    assert!(
        answer.is_some() && status < answer && status.is_some(),
        "node0 sent, after the request: {seen:?}\n{}",
        node.log()
    );
}

/// Runs `f` in `ns` with a broadcast UDP socket bound to port 694 (read timeout 200 ms).
fn in_netns_probe<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce(&std::net::UdpSocket) -> T + Send + 'static,
) -> T {
    crate::harness::in_netns(ns, move || {
        let sock = std::net::UdpSocket::bind("0.0.0.0:694").expect("bind 694");
        sock.set_broadcast(true).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        f(&sock)
    })
}
