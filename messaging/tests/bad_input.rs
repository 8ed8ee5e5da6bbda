use std::net::UdpSocket;
use std::time::{Duration, Instant};

use messaging::config::AuthKeys;
use messaging::wire::datagram::{self, SealOptions};
use messaging::wire::netstring;

use crate::harness::{
    hacf, in_netns, sees, skip_unless_root, start_cluster, wait_until, Net, Node, AUTHKEYS,
};

fn counters(node: &Node) -> Vec<(String, u64)> {
    node.client("anon").stats().expect("stats")
}

fn counter(stats: &[(String, u64)], name: &str) -> u64 {
    stats
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .expect(name)
}

#[test]
fn hostile_packets_are_dropped_and_counted() {
    if skip_unless_root("hostile_packets") {
        return;
    }
    let mut net = Net::new(2, 1);
    let probe = net.add_probe();
    let nodes = start_cluster(&net, &hacf(2, "bcast eth0", ""));
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    )));
    let before = counters(&nodes[0]);

    let bcast = "10.1.0.255:694";
    in_netns(&probe, move || {
        let sock = UdpSocket::bind("0.0.0.0:694").expect("bind 694");
        sock.set_broadcast(true).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // Capture a genuine heartbeat from node1.
        let mut buf = vec![0u8; 70_000];
        let end = Instant::now() + Duration::from_secs(5);
        let captured = loop {
            assert!(Instant::now() < end, "no heartbeat captured");
            let (n, _) = sock.recv_from(&mut buf).expect("capture");
            let p = datagram::parse(&buf[..n])
                .expect("genuine packet parses")
                .packet;
            if p.get_str("src") == Some("node1") && p.msg_type() == Some("status") {
                break buf[..n].to_vec();
            }
        };
        std::thread::sleep(Duration::from_millis(600));
        let send = |b: &[u8]| {
            sock.send_to(b, bcast).expect("send");
        };
        let genuine = datagram::parse(&captured).unwrap();
        let keys = AuthKeys::parse(AUTHKEYS, "k").unwrap();
        // Malformed: garbage, truncated, oversized.
        send(b"GET / HTTP/1.0\r\n\r\n");
        send(&captured[..captured.len() / 2]);
        send(&vec![b'A'; 65_507]);
        // Bad authentication: altered field under the genuine trailer, wrong key, unsigned.
        let mut altered = genuine.packet.clone();
        altered.set_str("st", "dead");
        let mut bytes = netstring::encode(&altered);
        bytes.extend_from_slice(&captured[genuine.body_len..]);
        send(&bytes);
        let mut forged = genuine.packet.clone();
        forged.set_str("seq", "fffffff");
        let wrong = AuthKeys::parse("auth 1\n1 sha1 wrong-secret\n", "k").unwrap();
        send(&datagram::seal(&forged, &wrong, SealOptions::default()));
        send(&netstring::encode(&genuine.packet));
        // Replay of the genuine packet, and the same packet in the classic encoding (accepted
        // as Heartbeat accepts it): duplicates, change nothing.
        send(&captured);
        send(&datagram::seal_classic(&genuine.packet, &keys).unwrap());
        // Properly signed but of an older generation: Heartbeat's replay warning.
        let mut old = genuine.packet.clone();
        let hg = old.get_hex("hg").unwrap();
        old.set_str("hg", format!("{:x}", hg - 1));
        send(&datagram::seal(&old, &keys, SealOptions::default()));
        // Properly signed, from a node ha.cf does not list.
        let mut stranger = genuine.packet.clone();
        stranger.set_str("src", "intruder");
        send(&datagram::seal(&stranger, &keys, SealOptions::default()));
    });

    assert!(
        wait_until(Duration::from_secs(5), || {
            let after = counters(&nodes[0]);
            counter(&after, "malformed") - counter(&before, "malformed") == 3
                && counter(&after, "bad_auth") - counter(&before, "bad_auth") == 3
                && counter(&after, "replayed") - counter(&before, "replayed") == 1
                && counter(&after, "duplicates") > counter(&before, "duplicates")
        }),
        "counters before {before:?} after {:?}",
        counters(&nodes[0])
    );
    // Each drop is logged at warning level with its reason and source, once per source and
    // reason (the three bad-auth packets claiming node1 give one line).
    let log = nodes[0].log();
    let lines = |needle: &str| log.lines().filter(|l| l.contains(needle)).count();
    assert!(
        lines("WARN: dropped malformed packet on link eth0") >= 1,
        "{log}"
    );
    assert_eq!(
        lines("WARN: dropped packet failing authentication from [node1] (claimed) on link eth0"),
        1,
        "{log}"
    );
    assert_eq!(lines("WARN: attempted replay attack [node1]?"), 1, "{log}");
    assert_eq!(
        lines("WARN: dropped packet from unknown node [intruder] on link eth0"),
        1,
        "{log}"
    );
    // Nothing of it changed anyone's mind, and the daemons are still up.
    std::thread::sleep(Duration::from_secs(2));
    assert!(sees(&nodes[0], "node1", "active") && sees(&nodes[1], "node0", "active"));
    for mut n in nodes {
        assert!(n.is_running(), "{} died", n.name);
    }
}
