use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use messaging::config::AuthKeys;
use messaging::crypto::is_sealed;
use messaging::wire::datagram::{self, SealOptions};
use messaging::wire::packet::Packet;
use messaging::wire::Message;

use crate::harness::{
    hacf, in_netns, sees, skip_unless_root, spawn_in_netns, wait_until, Net, Node, AUTHKEYS,
};

const KEY_LINE: &str = "crypto 8d1f0c3e5a7b9d2f4e6a8c0b1d3f5e7a9c2b4d6f8e0a1c3b5d7f9e2a4c6b8d0f\n";
/// What the CIB replication would carry: a fencing device's password.
const PASSWORD: &str = "Fence-Pa55word-7";

fn counter(node: &Node, name: &str) -> u64 {
    let stats = node.client("anon").stats().expect("stats");
    stats
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .expect(name)
}

/// Starts nodes node0..node{net.members-1} with `hacf`, the crypto key in authkeys.
fn start(net: &Net, hacf: &str) -> Vec<Node> {
    (0..net.members)
        .map(|i| {
            let keys = format!("{AUTHKEYS}{KEY_LINE}");
            let mut n = Node::prepare(&format!("node{i}"), Some(&net.nodes[i]), hacf, &keys);
            n.start();
            n
        })
        .collect()
}

/// Every datagram to UDP 694 seen in `probe` during `dur`, with its source.
fn capture(probe: &str, dur: Duration) -> std::thread::JoinHandle<Vec<(SocketAddr, Vec<u8>)>> {
    spawn_in_netns(probe, move || {
        let sock = UdpSocket::bind("0.0.0.0:694").expect("bind 694");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = vec![0u8; 70_000];
        let mut got = Vec::new();
        let end = Instant::now() + dur;
        while Instant::now() < end {
            if let Ok((n, from)) = sock.recv_from(&mut buf) {
                got.push((from, buf[..n].to_vec()));
            }
        }
        got
    })
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A CIB-like message with a fence password from node0's client to node1's, captured on the
/// link. Returns the capture.
fn send_password_and_capture(probe: &str, nodes: &[Node]) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut r = nodes[1].client("receiver");
    let mut s = nodes[0].client("sender");
    assert!(wait_until(Duration::from_secs(5), || s
        .client_status("node1", "receiver", Duration::from_millis(100))
        .unwrap()
        == "online"));
    let cap = capture(probe, Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    let mut m = Message::with_type("cib_full");
    m.set(
        "xml",
        format!("<primitive id=\"fence-n1\" class=\"stonith\" type=\"fence_ipmilan\"><instance_attributes id=\"fa\"><nvpair id=\"fa-pw\" name=\"passwd\" value=\"{PASSWORD}\"/></instance_attributes></primitive>"),
    );
    s.send_to_node("node1", &m).unwrap();
    let end = Instant::now() + Duration::from_secs(5);
    let got = loop {
        assert!(Instant::now() < end, "the message did not cross the link");
        if let Some(messaging::client::Event::Message(m)) =
            r.recv_timeout(Duration::from_millis(100)).unwrap()
        {
            if m.msg_type() == Some("cib_full") {
                break m;
            }
        }
    };
    assert!(got.get("xml").unwrap().contains(PASSWORD));
    cap.join().expect("capture")
}

#[test]
fn encrypted_links_hide_cib_content_and_drop_tampered_and_replayed_packets() {
    if skip_unless_root("crypto_capture") {
        return;
    }
    // The control: without crypto the capture shows the password, so the search is meaningful.
    {
        let mut net = Net::new(2, 1);
        let probe = net.add_probe();
        let nodes = start(&net, &hacf(2, "bcast eth0", ""));
        assert!(wait_until(Duration::from_secs(10), || sees(
            &nodes[0], "node1", "active"
        )));
        let clear = send_password_and_capture(&probe, &nodes);
        assert!(
            clear.iter().any(|(_, p)| contains(p, PASSWORD)),
            "control: a clear link must show the password"
        );
    }

    let mut net = Net::new(2, 1);
    let probe = net.add_probe();
    let nodes = start(&net, &hacf(2, "bcast eth0", "crypto chacha20poly1305"));
    assert!(
        wait_until(Duration::from_secs(10), || sees(
            &nodes[0], "node1", "active"
        ) && sees(
            &nodes[1], "node0", "active"
        )),
        "encrypted nodes never saw each other:\n{}",
        nodes[0].log()
    );
    assert!(nodes[0].log().contains("links to our nodes are encrypted"));
    let captured = send_password_and_capture(&probe, &nodes);
    let from_node = |i: usize| -> Vec<&Vec<u8>> {
        let addr = net.addr(i, 0);
        captured
            .iter()
            .filter(|(from, _)| from.ip().to_string() == addr)
            .map(|(_, p)| p)
            .collect()
    };
    let (n0, n1) = (from_node(0), from_node(1));
    assert!(
        n0.len() >= 5 && n1.len() >= 5,
        "captured {} and {}",
        n0.len(),
        n1.len()
    );
    for p in n0.iter().chain(&n1) {
        assert!(
            is_sealed(p),
            "a clear packet on an encrypted link: {:?}",
            String::from_utf8_lossy(p)
        );
        for needle in [PASSWORD, "passwd", "stonith", "cib_full", ">>>", "t=status"] {
            assert!(!contains(p, needle), "{needle:?} visible on the wire");
        }
    }

    // Tampering and replaying captured packets, from the probe.
    let before_bad = counter(&nodes[1], "bad_auth");
    let before_replay = counter(&nodes[1], "replayed");
    let before_in = counter(&nodes[1], "encrypted_in");
    let genuine = n0.last().unwrap().to_vec();
    let mut tampered = genuine.clone();
    let at = tampered.len() - 20;
    tampered[at] ^= 0x20;
    in_netns(&probe, move || {
        let sock = UdpSocket::bind("0.0.0.0:0").expect("bind");
        sock.set_broadcast(true).unwrap();
        sock.send_to(&tampered, "10.1.0.255:694").expect("send");
        sock.send_to(&genuine, "10.1.0.255:694").expect("send");
    });
    assert!(
        wait_until(Duration::from_secs(5), || counter(&nodes[1], "bad_auth")
            > before_bad
            && counter(&nodes[1], "replayed") > before_replay),
        "tampered/replayed packets not refused:\n{}",
        nodes[1].log()
    );
    let log = nodes[1].log();
    assert!(
        log.contains("WARN: dropped encrypted packet claiming [node0] fails authentication"),
        "{log}"
    );
    assert!(
        log.contains("WARN: dropped replayed encrypted packet from [node0]"),
        "{log}"
    );
    assert!(
        counter(&nodes[1], "encrypted_in") > before_in,
        "genuine traffic still flows"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(sees(&nodes[1], "node0", "active") && sees(&nodes[0], "node1", "active"));
}

/// A clear heartbeat as Heartbeat 3.0.6 would send it (no `crypto=`), signed with the site's key.
fn clear_heartbeat(src: &str, hg: u64, seq: u64) -> Vec<u8> {
    let mut p = Packet::with_type("status");
    p.push_str("st", "active")
        .push_str("dt", "5dc")
        .push_str("protocol", "1")
        .push_str("src", src)
        .push_str("seq", format!("{seq:x}"))
        .push_str("hg", format!("{hg:x}"))
        .push_str("ts", "65600000");
    datagram::seal(
        &p,
        &AuthKeys::parse(AUTHKEYS, "k").unwrap(),
        SealOptions::default(),
    )
}

#[test]
fn a_node_without_crypto_makes_links_clear_until_it_is_gone() {
    if skip_unless_root("crypto_mixed") {
        return;
    }
    // node2 is in ha.cf but played by the probe, speaking in clear like Heartbeat 3.0.6.
    let mut net = Net::new(2, 1);
    let probe = net.add_probe();
    let nodes = start(&net, &hacf(3, "bcast eth0", "crypto chacha20poly1305"));
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    )));
    let cap = capture(&probe, Duration::from_secs(3));
    let sender = spawn_in_netns(&probe, move || {
        let sock = UdpSocket::bind("0.0.0.0:0").expect("bind");
        sock.set_broadcast(true).unwrap();
        for seq in 1..=12u64 {
            sock.send_to(&clear_heartbeat("node2", 7, seq), "10.1.0.255:694")
                .expect("send");
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    sender.join().unwrap();
    let mixed = cap.join().unwrap();
    assert!(
        sees(&nodes[0], "node2", "active"),
        "the clear node is a member"
    );
    let log = nodes[0].log();
    assert!(
        log.contains("WARN: crypto chacha20poly1305: node node2 sends clear heartbeats without crypto support (Heartbeat 3.0.6?): mixed cluster, links are NOT encrypted while it is up"),
        "{log}"
    );
    // Once switched, node0 sends authentic clear packets that still say it can decrypt.
    let keys = AuthKeys::parse(AUTHKEYS, "k").unwrap();
    let clear_from_node0: Vec<Packet> = mixed
        .iter()
        .filter(|(from, _)| from.ip().to_string() == net.addr(0, 0))
        .filter(|(_, p)| !is_sealed(p))
        .map(|(_, p)| datagram::open(p, &keys).expect("signed").0)
        .collect();
    assert!(clear_from_node0.len() >= 3, "node0 never went clear");
    for p in &clear_from_node0 {
        if p.msg_type() == Some("status") {
            assert_eq!(p.get_str("crypto"), Some("chacha20poly1305"));
        }
    }
    assert!(sees(&nodes[1], "node0", "active") && sees(&nodes[0], "node1", "active"));

    // node2 gone: after deadtime, sealed again.
    assert!(
        wait_until(Duration::from_secs(5), || nodes[0]
            .log()
            .contains("links are encrypted again")),
        "{}",
        nodes[0].log()
    );
    let after = capture(&probe, Duration::from_secs(1)).join().unwrap();
    let from0: Vec<_> = after
        .iter()
        .filter(|(from, _)| from.ip().to_string() == net.addr(0, 0))
        .collect();
    assert!(!from0.is_empty() && from0.iter().all(|(_, p)| is_sealed(p)));
}

/// Not crypto, but the same probe trick: a classic site run by the CRM here says loudly when a
/// peer speaks Heartbeat v1's resource protocol (both could run the groups).
#[test]
fn a_crm_site_reports_a_peer_speaking_the_v1_resource_protocol() {
    if skip_unless_root("v1_guard") {
        return;
    }
    let net = Net::new(2, 1);
    let hacf = hacf(2, "bcast eth0", "");
    let mut nodes: Vec<Node> = (0..2)
        .map(|i| Node::prepare(&format!("node{i}"), Some(&net.nodes[i]), &hacf, AUTHKEYS))
        .collect();
    // node0 runs a haresources site (no crm line); its CRM daemons are not needed here.
    std::fs::write(nodes[0].confdir().join("haresources"), "node0 Dummy\n").unwrap();
    nodes[0].extra_args = vec!["--crm-daemons".into(), "'no-such-daemon:root'".into()];
    for n in nodes.iter_mut() {
        n.start();
    }
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    )));
    let mut peer = nodes[1].client("v1peer");
    peer.send_to_all(&Message::with_type("starting")).unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || nodes[0].log().contains(
            "ERROR: node node1 runs Heartbeat v1's resource protocol"
        )),
        "{}",
        nodes[0].log()
    );
}

/// Sealed packets cross a serial line (which carries only `>>>`/`<<<` text) as text frames.
#[test]
fn encrypted_serial_line() {
    if skip_unless_root("crypto_serial") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("ttyA"), dir.path().join("ttyB"));
    let mut socat = std::process::Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("socat");
    assert!(wait_until(Duration::from_secs(5), || a.exists() && b.exists()));
    let conf = |dev: &std::path::Path| {
        format!(
            "keepalive 200ms\ndeadtime 1500ms\ninitdead 2\nbaud 115200\nserial {}\n\
             node sera serb\ncrypto chacha20poly1305\n",
            dev.display()
        )
    };
    let keys = format!("{AUTHKEYS}{KEY_LINE}");
    let mut na = Node::prepare("sera", None, &conf(&a), &keys);
    let mut nb = Node::prepare("serb", None, &conf(&b), &keys);
    na.start();
    nb.start();
    let ok = wait_until(Duration::from_secs(10), || {
        sees(&na, "serb", "active") && sees(&nb, "sera", "active")
    });
    assert!(
        ok,
        "encrypted serial heartbeats not seen:\n{}\n{}",
        na.log(),
        nb.log()
    );
    assert!(counter(&na, "encrypted_in") > 0 && counter(&nb, "encrypted_in") > 0);
    let _ = socat.kill();
    let _ = socat.wait();
}
