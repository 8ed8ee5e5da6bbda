//! Real clusters: heartbeat + ccm per network namespace agree on views.

use std::time::Duration;

use ccm::api::{CcmClient, EventKind};

use crate::harness::{agree, binaries, skip_unless_root, start_cluster, wait_until, Node};

fn logs(nodes: &[Node]) -> String {
    nodes.iter().map(Node::logs).collect::<Vec<_>>().join("\n")
}

#[test]
fn three_real_nodes_agree_and_survivors_drop_a_killed_node() {
    if skip_unless_root("three_real_nodes") {
        return;
    }
    let (_net, mut nodes) = start_cluster(3, &binaries(), 200);
    let all: Vec<&Node> = nodes.iter().collect();
    let mut first = None;
    let agreed = wait_until(Duration::from_secs(30), || {
        first = agree(&all, &["node0", "node1", "node2"]);
        first.is_some()
    });
    assert!(agreed, "3 nodes never agreed on one view\n{}", logs(&nodes));
    let first = first.unwrap();
    assert!(first.quorum);
    assert_eq!(first.leader, "node0");

    let mut watcher = CcmClient::subscribe(&nodes[1].ccm_socket()).unwrap();
    nodes[0].crash();
    let survivors: Vec<&Node> = nodes[1..].iter().collect();
    let mut after = None;
    let agreed = wait_until(Duration::from_secs(30), || {
        after = agree(&survivors, &["node1", "node2"]);
        after.is_some()
    });
    assert!(
        agreed,
        "survivors never agreed without node0\n{}",
        logs(&nodes)
    );
    let after = after.unwrap();
    assert!(after.quorum, "2 of 3 keep quorum");
    assert!(after.instance > first.instance);
    assert_eq!(after.leader, "node1", "{}", logs(&nodes));
    assert_eq!(after.left, ["node0"]);
    eprintln!("3 nodes: {first:?}\nafter kill: {after:?}");
    let mut pushed = Vec::new();
    while let Ok(Some(v)) = watcher.next_view(Some(Duration::from_millis(200))) {
        pushed.push(v);
    }
    assert_eq!(pushed.last(), Some(&after), "subscriber saw {pushed:?}");

    // A clean ccm stop: exit 0, and the last node left loses quorum (1 of 3).
    assert_eq!(nodes[2].stop_ccm(), Some(0), "{}", nodes[2].logs());
    let alone = wait_until(Duration::from_secs(30), || {
        agree(&[&nodes[1]], &["node1"]).is_some()
    });
    assert!(alone, "node1 never got a view of its own\n{}", logs(&nodes));
    let last = watcher
        .next_view(Some(Duration::from_secs(5)))
        .unwrap()
        .unwrap();
    assert_eq!(last.event, EventKind::Invalid);
    assert!(!last.quorum);
    assert_eq!(last.left, ["node2"]);
}

#[test]
fn five_real_nodes_split_three_two_and_merge() {
    if skip_unless_root("five_real_nodes") {
        return;
    }
    let (net, nodes) = start_cluster(5, &binaries(), 200);
    let names = ["node0", "node1", "node2", "node3", "node4"];
    let all: Vec<&Node> = nodes.iter().collect();
    let agreed = wait_until(Duration::from_secs(30), || agree(&all, &names).is_some());
    assert!(agreed, "5 nodes never agreed\n{}", logs(&nodes));

    net.set_side(3, 1);
    net.set_side(4, 1);
    let (big, small): (Vec<&Node>, Vec<&Node>) = (all[..3].to_vec(), all[3..].to_vec());
    let (mut vb, mut vs) = (None, None);
    let split = wait_until(Duration::from_secs(30), || {
        vb = agree(&big, &names[..3]);
        vs = agree(&small, &names[3..]);
        vb.is_some() && vs.is_some()
    });
    assert!(
        split,
        "sides never agreed on their own views\n{}",
        logs(&nodes)
    );
    let (vb, vs) = (vb.unwrap(), vs.unwrap());
    assert!(vb.quorum, "3 of 5 have quorum");
    assert!(!vs.quorum, "2 of 5 have none");

    net.set_side(3, 0);
    net.set_side(4, 0);
    let mut merged = None;
    let healed = wait_until(Duration::from_secs(30), || {
        merged = agree(&all, &names);
        merged.is_some()
    });
    assert!(
        healed,
        "views never merged after the heal\n{}",
        logs(&nodes)
    );
    let merged = merged.unwrap();
    assert!(merged.quorum);
    assert!(merged.instance > vb.instance.max(vs.instance));
    eprintln!("5 nodes: split {vb:?} / {vs:?}\nmerged {merged:?}");

    // The debug command prints the same view.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccm"))
        .arg("--query")
        .arg("--socket")
        .arg(nodes[4].ccm_socket())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let head = format!(
        "ccm membership with quorum\ninstance {}\nmembers 5\n0 node0 (born: ",
        merged.instance
    );
    assert!(text.starts_with(&head), "ccm --query printed:\n{text}");
    assert_eq!(text.lines().count(), 8, "{text}");
}

/// The views each node reports, as `(instance, members)` (`None` when it has none).
fn snapshot(nodes: &[Node]) -> Vec<Option<(u64, Vec<String>)>> {
    nodes
        .iter()
        .map(|n| {
            let v = n.view()?;
            Some((v.instance, v.members.into_iter().map(|(m, _)| m).collect()))
        })
        .collect()
}

#[test]
fn three_real_nodes_settle_when_one_cannot_hear_another() {
    if skip_unless_root("three_real_nodes_one_way") {
        return;
    }
    let (net, nodes) = start_cluster(3, &binaries(), 200);
    let all: Vec<&Node> = nodes.iter().collect();
    let agreed = wait_until(Duration::from_secs(30), || {
        agree(&all, &["node0", "node1", "node2"]).is_some()
    });
    assert!(agreed, "3 nodes never agreed\n{}", logs(&nodes));

    // node1 stops hearing node0; node0 still hears node1; node2 hears both. The pairs
    // {node0, node2} and {node1, node2} tie; the lower names keep node2.
    net.drop_one_way(0, 1);
    let settled = wait_until(Duration::from_secs(60), || {
        agree(&[&nodes[0], &nodes[2]], &["node0", "node2"]).is_some()
            && agree(&[&nodes[1]], &["node1"]).is_some()
    });
    assert!(
        settled,
        "views never settled on [node0 node2] + [node1]: {:?}\n{}",
        snapshot(&nodes),
        logs(&nodes)
    );
    // Then nothing changes while the links stay as they are (before: a new view every 1.5-3 s).
    let before = snapshot(&nodes);
    let mut changes = 0;
    let mut last = before.clone();
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(200));
        let now = snapshot(&nodes);
        if now != last {
            changes += 1;
            last = now;
        }
    }
    assert_eq!(
        changes,
        0,
        "views kept changing: {before:?} -> {last:?}\n{}",
        logs(&nodes)
    );
}
