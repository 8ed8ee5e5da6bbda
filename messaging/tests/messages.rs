use std::time::{Duration, Instant};

use messaging::client::{Client, Event};
use messaging::wire::Message;

use crate::harness::{hacf, sees, skip_unless_root, start_cluster, wait_until, Net};

fn numbered(i: u64) -> Message {
    let mut m = Message::with_type("test_seq");
    m.set("n", i.to_string())
        .set("body", "line one\nline two \\ backslash");
    m
}

/// Receives `count` test messages (or until `timeout`), returning their numbers in arrival order.
fn collect(c: &mut Client, count: usize, timeout: Duration) -> (Vec<u64>, Vec<Event>) {
    let end = Instant::now() + timeout;
    let (mut got, mut other) = (Vec::new(), Vec::new());
    while got.len() < count && Instant::now() < end {
        match c.recv_timeout(Duration::from_millis(100)).expect("recv") {
            Some(Event::Message(m)) if m.msg_type() == Some("test_seq") => {
                assert_eq!(m.get("body"), Some("line one\nline two \\ backslash"));
                got.push(m.get("n").unwrap().parse().unwrap());
            }
            Some(ev) => other.push(ev),
            None => {}
        }
    }
    (got, other)
}

#[test]
fn messages_to_one_and_all_nodes_with_client_status() {
    if skip_unless_root("messages") {
        return;
    }
    let net = Net::new(3, 1);
    let nodes = start_cluster(&net, &hacf(3, "bcast eth0", ""));
    assert!(wait_until(Duration::from_secs(10), || ["node1", "node2"]
        .iter()
        .all(|n| sees(&nodes[0], n, "active"))
        && sees(&nodes[2], "node1", "active")));
    let mut r1 = nodes[1].client("receiver");
    let mut r2 = nodes[2].client("receiver");
    let mut s = nodes[0].client("sender");
    assert_eq!(s.local_node(), "node0");
    assert!(wait_until(Duration::from_secs(5), || s
        .client_status("node1", "receiver", Duration::from_millis(100))
        .unwrap()
        == "online"));
    for i in 1..=20 {
        s.send_to_node("node1", &numbered(i)).unwrap();
    }
    s.send_to_all(&numbered(100)).unwrap();
    let (got1, _) = collect(&mut r1, 21, Duration::from_secs(5));
    assert_eq!(got1, (1..=20).chain([100]).collect::<Vec<_>>());
    let (got2, _) = collect(&mut r2, 1, Duration::from_secs(5));
    assert_eq!(got2, vec![100], "node2 must only get the broadcast");
    let (own, _) = collect(&mut s, 1, Duration::from_secs(5));
    assert_eq!(own, vec![100], "broadcasts are delivered locally too");

    // A message far larger than a datagram travels in fragments and arrives whole.
    let mut big = Message::with_type("test_big");
    let body: String = (0..40_000)
        .map(|i| format!("<line n=\"{i}\"/>\n"))
        .collect();
    big.set("xml", body.clone());
    s.send_to_node("node1", &big).unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    let got = loop {
        assert!(Instant::now() < end, "big message not delivered");
        if let Some(Event::Message(m)) = r1.recv_timeout(Duration::from_millis(100)).unwrap() {
            if m.msg_type() == Some("test_big") {
                break m;
            }
        }
    };
    assert_eq!(got.get("xml").map(str::len), Some(body.len()));
    assert_eq!(got.get("xml"), Some(body.as_str()));
    assert_eq!(got.get("from_id"), Some("sender"));

    // A casual client (signed on under its own pid, as cl_status does) comes and goes
    // without a join or leave reaching anyone; the named one's leave below still does.
    let casual = nodes[1].client(&std::process::id().to_string());
    drop(casual);
    drop(r1);
    let mut saw_leave = false;
    let end = Instant::now() + Duration::from_secs(5);
    while !saw_leave && Instant::now() < end {
        if let Some(Event::Client(c)) = s.recv_timeout(Duration::from_millis(100)).unwrap() {
            assert_ne!(
                c.client,
                std::process::id().to_string(),
                "a casual client was announced: {c:?}"
            );
            saw_leave = c.node == "node1" && c.client == "receiver" && c.status == "leave";
        }
    }
    assert!(saw_leave, "no client leave event");
    assert_eq!(
        s.client_status("node1", "receiver", Duration::from_millis(100))
            .unwrap(),
        "offline"
    );
}

#[test]
fn thirty_percent_loss_no_false_death_and_ordered_once() {
    if skip_unless_root("loss") {
        return;
    }
    let net = Net::new(2, 1);
    let conf = hacf(2, "bcast eth0", "").replace("deadtime 1500ms", "deadtime 2");
    let nodes = start_cluster(&net, &conf);
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    ) && sees(
        &nodes[1], "node0", "active"
    )));
    let mut r = nodes[1].client("receiver");
    let mut s = nodes[0].client("sender");
    // Loss on both nodes' outputs and inputs: each packet is dropped with 30% on its way out
    // (netem) or on both ends (iptables fallback).
    net.loss(0, 0, 30);
    net.loss(1, 0, 30);
    const N: u64 = 300;
    for i in 1..=N {
        s.send_to_node("node1", &numbered(i)).unwrap();
        if i % 20 == 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let (got, events) = collect(&mut r, N as usize, Duration::from_secs(30));
    assert_eq!(
        got,
        (1..=N).collect::<Vec<_>>(),
        "not exactly once and in order; receiver {:?} sender {:?}\n{}",
        r.stats(),
        s.stats(),
        nodes[1].log()
    );
    std::thread::sleep(Duration::from_secs(3));
    while let Ok(Some(_)) = s.recv_timeout(Duration::from_millis(1)) {}
    let deaths: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Node(n) if n.status.as_str() == "dead"))
        .collect();
    assert!(deaths.is_empty(), "false death under loss: {deaths:?}");
    assert!(sees(&nodes[0], "node1", "active") && sees(&nodes[1], "node0", "active"));
    let stats = r.stats().unwrap();
    let get = |k: &str| stats.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap();
    assert!(
        get("rexmit_requests") > 0,
        "loss should have caused retransmission requests: {stats:?}"
    );
}
