//! Hostile local clients against a real 3-node cluster (root only): idle and half-sent
//! connections never touch the membership, and only root, hacluster and haclient members get in.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ccm::api::CcmClient;

use crate::harness::{agree, binaries, skip_unless_root, start_cluster, wait_until, Node};

/// A `ccmapi=query` frame.
fn query_frame() -> Vec<u8> {
    let body = b">>>\nccmapi=query\n<<<\n";
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

/// Sends a query as user nobody with `groups` (setpriv syntax); returns stdout and stderr.
fn query_as_nobody(sock: &Path, groups: &str) -> (String, String) {
    let mut child = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", groups, "socat", "-t", "2"])
        .arg("-")
        .arg(format!("UNIX-CONNECT:{}", sock.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("setpriv socat");
    // socat may already have closed a refused connection: judged by the output, not here.
    let _ = child.stdin.take().unwrap().write_all(&query_frame());
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Lets other users reach the node's run directory, so only the socket's own mode and the
/// daemon's policy stand between them and ccm.
fn open_path_to(sock: &Path) {
    let mut dir = sock.parent();
    while let Some(d) = dir {
        if d == Path::new("/tmp") || d.as_os_str().is_empty() {
            break;
        }
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir = d.parent();
    }
}

fn logs(nodes: &[Node]) -> String {
    nodes.iter().map(Node::logs).collect::<Vec<_>>().join("\n")
}

#[test]
fn idle_and_hostile_ccm_clients_change_nothing() {
    if skip_unless_root("idle_and_hostile_ccm_clients") {
        return;
    }
    let (_net, nodes) = start_cluster(3, &binaries(), 200);
    let all: Vec<&Node> = nodes.iter().collect();
    let names = ["node0", "node1", "node2"];
    let mut first = None;
    assert!(
        wait_until(Duration::from_secs(30), || {
            first = agree(&all, &names);
            first.is_some()
        }),
        "3 nodes never agreed\n{}",
        logs(&nodes)
    );
    let first = first.unwrap();
    let sock = nodes[0].ccm_socket();
    open_path_to(&sock);
    let meta = std::fs::metadata(&sock).unwrap();
    println!("ccm.sock mode {:o} gid {}", meta.mode() & 0o777, meta.gid());
    assert_eq!(meta.mode() & 0o777, 0o660, "ccm.sock is 0660");

    // Someone outside the policy: no view.
    let (out, err) = query_as_nobody(&sock, "--clear-groups");
    assert!(!out.contains("ccmapi=view"), "nobody got a view: {out:?}");
    println!("nobody: {}", err.trim());
    // A haclient member may read the view.
    let (out, _) = query_as_nobody(&sock, "--groups=haclient");
    assert!(
        out.contains("ccmapi=view"),
        "a haclient member gets the view: {out:?}"
    );

    // 50 idle connections and 5 that stop halfway through a frame, on the leader's ccm.
    let mut idle: Vec<UnixStream> = (0..50)
        .map(|_| UnixStream::connect(&sock).unwrap())
        .collect();
    let mut half: Vec<UnixStream> = (0..5)
        .map(|_| {
            let mut s = UnixStream::connect(&sock).unwrap();
            s.write_all(&query_frame()[..6]).unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    let mut samples = 0;
    while started.elapsed() < Duration::from_secs(10) {
        for n in &nodes {
            let v = n.view();
            assert_eq!(
                v.as_ref().map(|v| v.instance),
                Some(first.instance),
                "{} changed view with idle clients: {v:?}\n{}",
                n.name,
                logs(&nodes)
            );
        }
        samples += 1;
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "view instance {} stable over {:?} ({samples} samples of 3 nodes) with 50 idle + 5 half-sent clients",
        first.instance,
        started.elapsed()
    );
    // The half-sent ones were dropped by now (5 s limit): reading gives end of stream.
    for s in &mut half {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 1];
        assert!(matches!(std::io::Read::read(s, &mut b), Ok(0) | Err(_)));
    }
    // A subscriber still gets its view promptly.
    let mut sub = CcmClient::subscribe(&sock).unwrap();
    let v = sub.next_view(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(v.map(|v| v.instance), Some(first.instance));
    idle.clear();
}

/// A local client other than ccm (root, signed on under another name, claiming to be ccm in the
/// message body) sends membership messages through node0's heartbeat: a `Leave` for node0 and a
/// `Commit` of a view without node1. Heartbeat authenticates node0 and stamps the real client, so
/// every ccm drops them: no view changes, and node1/node2 log why.
#[test]
fn forged_ccm_messages_from_a_local_client_change_no_view() {
    if skip_unless_root("forged_ccm_messages_from_a_local_client_change_no_view") {
        return;
    }
    use ccm::message::{Body, Packet};
    use ccm::view::View;
    use messaging::client::Client;

    let (_net, nodes) = start_cluster(3, &binaries(), 200);
    let all: Vec<&Node> = nodes.iter().collect();
    let names = ["node0", "node1", "node2"];
    let mut first = None;
    assert!(
        wait_until(Duration::from_secs(30), || {
            first = agree(&all, &names);
            first.is_some()
        }),
        "3 nodes never agreed\n{}",
        logs(&nodes)
    );
    let first = first.unwrap();
    let mut forger = Client::connect(&nodes[0].api_socket(), "mytool").expect("sign on");
    // A newer incarnation than node0's ccm, so the old code took it as node0 restarting and left.
    let incarnation = u64::MAX / 2;
    let forged_view = View {
        instance: first.instance + 100,
        leader: "node0".into(),
        members: Default::default(),
        quorum: true,
    };
    let mut sent = 0;
    for body in [Body::Leave, Body::Commit { view: forged_view }] {
        let mut m = Packet { incarnation, body }.encode();
        // Claims heartbeat must overwrite.
        m.set("from_id", "ccm").set("from_class", "daemon");
        for _ in 0..20 {
            forger.send_to_all(&m).expect("send");
            sent += 1;
        }
    }
    let started = Instant::now();
    let mut samples = 0;
    while started.elapsed() < Duration::from_secs(8) {
        for n in &nodes {
            let v = n.view();
            assert_eq!(
                v.as_ref().map(|v| (v.instance, v.members.clone())),
                Some((first.instance, first.members.clone())),
                "{} changed view after forged ccm messages: {v:?}\n{}",
                n.name,
                logs(&nodes)
            );
        }
        samples += 1;
        std::thread::sleep(Duration::from_millis(500));
    }
    let peer_logs = format!("{}\n{}", nodes[1].logs(), nodes[2].logs());
    let reported = peer_logs
        .lines()
        .filter(|l| l.contains("dropping a ccm message from node0") && l.contains("[mytool]"))
        .count();
    println!(
        "{sent} forged messages; view {} stable over {samples} samples of 3 nodes; {reported} drop lines on node1+node2",
        first.instance
    );
    // Reported once per node and client, not once per message.
    assert_eq!(reported, 2, "each peer logs the forgery once\n{peer_logs}");
}
