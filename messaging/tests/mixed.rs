//! A mixed cluster: one real Heartbeat 3.0.6 node (`alpha`) and one of ours (`beta`), same ha.cf
//! and authkeys, crm off. Each sees the other's node and link status through `cl_status` (the
//! real `/usr/bin/cl_status` inside alpha's namespaces; cli's `cl_status` for beta when built,
//! else the same questions over the client API), and each detects the other's death (SIGKILL) and
//! return. Figures are printed, not asserted. Needs root and Debian's `heartbeat` package; skips
//! loudly otherwise.

use std::path::{Path, PathBuf};
use std::time::Duration;

use messaging::client::Client;
use messaging::lab::{self, Kind, Lab};

use crate::harness::heartbeat_bin;

pub const HACF: &str = "keepalive 250ms\ndeadtime 2\nwarntime 1\ninitdead 4\nudpport 694\n\
bcast eth0\nnode alpha beta\ncrm off\nauto_failback off\n\
traditional_compression yes\ncompression zlib\ncompression_threshold 1\n";
/// sha1 with a trailing word: both sides must key with the first word only.
pub const AUTHKEYS: &str = "auth 3\n3 sha1 mixed-secret trailing words\n";

fn our_cl_status() -> Option<PathBuf> {
    let p = Path::new(heartbeat_bin()).parent()?.join("cl_status");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("note: cli's cl_status not built; asking beta over the client API instead");
        None
    }
}

fn stat(lab: &Lab, name: &str) -> u64 {
    let mut c = Client::connect(&lab.socket(1), "anon").expect("beta api");
    c.stats()
        .expect("stats")
        .into_iter()
        .find(|(n, _)| n == name)
        .map_or(0, |(_, v)| v)
}

#[test]
fn real_heartbeat_and_ours_see_each_other_and_detect_death_both_ways() {
    if let Some(why) = lab::unavailable() {
        eprintln!("SKIP real_heartbeat_and_ours: {why}");
        return;
    }
    let ours_cl = our_cl_status();
    let ours_cl = ours_cl.as_deref();
    let mut lab = Lab::new(
        &[("alpha", Kind::Real), ("beta", Kind::Ours)],
        HACF,
        AUTHKEYS,
        Path::new(heartbeat_bin()),
    )
    .expect("lab");
    lab.start(0).expect("start alpha");
    lab.start(1).expect("start beta");
    let up = Duration::from_secs(30);
    let logs = |lab: &Lab| format!("--- alpha\n{}\n--- beta\n{}", lab.log(0), lab.log(1));
    assert!(
        lab.wait_status(0, "beta", "active", up, ours_cl).is_some(),
        "alpha never saw beta active\n{}",
        logs(&lab)
    );
    assert!(
        lab.wait_status(1, "alpha", "active", up, ours_cl).is_some(),
        "beta never saw alpha active\n{}",
        logs(&lab)
    );
    for i in [0, 1] {
        let nodes = lab
            .cl_status(i, &["listnodes"], ours_cl)
            .unwrap_or_default();
        let mut nodes: Vec<&str> = nodes.lines().map(str::trim).collect();
        nodes.sort_unstable();
        assert_eq!(nodes, ["alpha", "beta"], "listnodes on node {i}");
        let other = ["beta", "alpha"][i];
        assert_eq!(
            lab.cl_status(i, &["hblinkstatus", other, "eth0"], ours_cl)
                .as_deref(),
            Some("up"),
            "hblinkstatus on node {i}\n{}",
            logs(&lab)
        );
    }
    // A message over the 1 KB threshold goes compressed; the real node takes it (and goes on
    // acknowledging our sequence), its log says nothing against it.
    let mut c = Client::connect(&lab.socket(1), "bigsender").expect("beta api");
    let mut big = messaging::wire::Message::with_type("bigtest");
    big.set("payload", "0123456789abcdef".repeat(500));
    c.send_to_all(&big).expect("send big");
    // Flow control both ways, nothing refused.
    std::thread::sleep(Duration::from_secs(4));
    assert!(stat(&lab, "compressed_out") >= 1, "nothing went compressed");
    assert!(
        stat(&lab, "acks_out") > 0 && stat(&lab, "acks_in") > 0,
        "no NS_ackmsg\n{}",
        logs(&lab)
    );
    assert_eq!(
        stat(&lab, "bad_auth") + stat(&lab, "malformed"),
        0,
        "{}",
        logs(&lab)
    );

    let dead = Duration::from_secs(15);
    lab.kill9(0);
    let ours_saw = lab.wait_status(1, "alpha", "dead", dead, ours_cl);
    assert!(
        ours_saw.is_some(),
        "beta never declared alpha dead\n{}",
        logs(&lab)
    );
    lab.start(0).expect("restart alpha");
    assert!(
        lab.wait_status(1, "alpha", "active", up, ours_cl).is_some()
            && lab.wait_status(0, "beta", "active", up, ours_cl).is_some(),
        "no rejoin after alpha's restart\n{}",
        logs(&lab)
    );
    lab.kill9(1);
    let real_saw = lab.wait_status(0, "beta", "dead", dead, ours_cl);
    assert!(
        real_saw.is_some(),
        "alpha never declared beta dead\n{}",
        logs(&lab)
    );
    lab.start(1).expect("restart beta");
    assert!(
        lab.wait_status(0, "beta", "active", up, ours_cl).is_some()
            && lab.wait_status(1, "alpha", "active", up, ours_cl).is_some(),
        "no rejoin after beta's restart\n{}",
        logs(&lab)
    );
    // The real node complained about nothing we sent.
    let alpha_log = lab.log(0);
    for bad in [
        "authentication",
        "missing seqno",
        "bad sequence",
        "NV failure",
        "netstring",
    ] {
        assert!(
            !alpha_log
                .lines()
                .any(|l| l.contains(bad) && !l.contains("info:")),
            "alpha logged {bad:?}\n{alpha_log}"
        );
    }
    eprintln!(
        "deadtime 2 s, keepalive 250 ms, SIGKILL to detection (cl_status polled every 50 ms): \
         real killed -> ours saw dead after {:?}; ours killed -> real saw dead after {:?}",
        ours_saw.unwrap(),
        real_saw.unwrap()
    );
}
