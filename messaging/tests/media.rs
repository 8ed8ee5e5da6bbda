use std::process::{Command, Stdio};
use std::time::Duration;

use messaging::client::Client;

use crate::harness::{
    hacf, sees, skip_unless_root, start_cluster, wait_until, Net, Node, AUTHKEYS,
};

fn link_status(observer: &Node, node: &str, link: &str) -> String {
    let mut c = Client::connect(&observer.socket(), "anon").expect("connect");
    c.link_status(node, link).unwrap_or_default()
}

#[test]
fn two_media_survive_one_cut_and_die_with_both() {
    if skip_unless_root("two_media") {
        return;
    }
    let net = Net::new(2, 2);
    let media = format!(
        "ucast eth0 {}\nucast eth0 {}\nbcast eth1",
        net.addr(0, 0),
        net.addr(1, 0)
    );
    let nodes = start_cluster(&net, &hacf(2, &media, ""));
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    ) && link_status(
        &nodes[0], "node1", "eth0"
    ) == "up"
        && link_status(&nodes[0], "node1", "eth1") == "up"));
    let mut c = nodes[0].client("anon");
    assert_eq!(c.links("node1").unwrap(), vec!["eth0", "eth1"]);

    net.set_link(1, 1, false);
    assert!(wait_until(Duration::from_secs(10), || link_status(
        &nodes[0], "node1", "eth1"
    ) == "dead"));
    // Stay well past deadtime with one path left: nobody may die.
    std::thread::sleep(Duration::from_secs(3));
    assert!(sees(&nodes[0], "node1", "active") && sees(&nodes[1], "node0", "active"));
    assert_eq!(link_status(&nodes[0], "node1", "eth0"), "up");

    net.set_link(1, 0, false);
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "dead"
    ) && sees(
        &nodes[1], "node0", "dead"
    )));

    net.set_link(1, 1, true);
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], "node1", "active"
    )));
}

#[test]
fn multicast_three_nodes() {
    if skip_unless_root("multicast") {
        return;
    }
    let net = Net::new(3, 1);
    let nodes = start_cluster(&net, &hacf(3, "mcast eth0 239.0.0.43 694 1 0", ""));
    assert!(wait_until(Duration::from_secs(10), || {
        ["node1", "node2"]
            .iter()
            .all(|n| sees(&nodes[0], n, "active"))
            && sees(&nodes[2], "node0", "active")
    }));
}

#[test]
fn ping_nodes_follow_icmp_reachability() {
    if skip_unless_root("ping_nodes") {
        return;
    }
    let net = Net::new(2, 1);
    let extra = format!(
        "ping {}\nping_group far {} 10.1.0.77",
        net.addr(1, 0),
        net.addr(1, 0)
    );
    let nodes = start_cluster(&net, &hacf(2, "bcast eth0", &extra));
    let peer = net.addr(1, 0);
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], &peer, "ping"
    ) && sees(
        &nodes[0], "far", "ping"
    )));
    let mut c = nodes[0].client("anon");
    assert_eq!(c.node_type(&peer).unwrap(), "ping");
    assert_eq!(c.node_type("node1").unwrap(), "normal");
    net.set_link(1, 0, false);
    assert!(wait_until(Duration::from_secs(10), || sees(
        &nodes[0], &peer, "dead"
    ) && sees(
        &nodes[0], "far", "dead"
    )));
}

#[test]
fn serial_line_carries_heartbeats() {
    if skip_unless_root("serial") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("ttyA"), dir.path().join("ttyB"));
    let mut socat = Command::new("socat")
        .arg("-d")
        .arg("-d")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat");
    assert!(wait_until(Duration::from_secs(5), || a.exists() && b.exists()));
    let conf = |dev: &std::path::Path| {
        format!(
            "keepalive 200ms\ndeadtime 1500ms\ninitdead 2\nbaud 115200\nserial {}\nnode sera serb\n",
            dev.display()
        )
    };
    let mut na = Node::prepare("sera", None, &conf(&a), AUTHKEYS);
    let mut nb = Node::prepare("serb", None, &conf(&b), AUTHKEYS);
    na.start();
    nb.start();
    let link = a.display().to_string();
    let ok = wait_until(Duration::from_secs(10), || {
        sees(&na, "serb", "active") && sees(&nb, "sera", "active")
    });
    assert!(
        ok,
        "serial heartbeats not seen:\n{}\n{}",
        na.log(),
        nb.log()
    );
    let mut c = na.client("anon");
    assert_eq!(c.links("serb").unwrap(), vec![link.clone()]);
    assert_eq!(c.link_status("serb", &link).unwrap(), "up");
    let _ = socat.kill();
    let _ = socat.wait();
    assert!(wait_until(Duration::from_secs(10), || sees(
        &na, "serb", "dead"
    )));
}
