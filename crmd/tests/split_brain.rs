//! End to end: split brain. The classic Heartbeat failure is cutting only the heartbeat link:
//! both nodes take the VIP. With fencing, exactly one node holds it at every sample and the other
//! is fenced; without fencing, a three-node cluster's minority stops its resources and the
//! majority keeps them. Needs root.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cib::xml::{Element, Node};
use crmd::lab::{running_on, start_or_skip, wait_until, Lab, LabConfig};

const VIP: &str = "10.1.0.100";

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

fn live_cib(lab: &Lab, i: usize) -> Option<Element> {
    lab.cib(i)
}

fn edit(lab: &Lab, i: usize, f: impl FnOnce(&mut Element)) {
    lab.edit_cib(i, f).expect("change accepted");
}

fn set_option(cib: &mut Element, name: &str, value: &str) {
    let set = cib
        .child_mut("configuration")
        .and_then(|c| c.child_mut("crm_config"))
        .and_then(|c| c.elements_mut().next())
        .expect("cluster options");
    set.children
        .retain(|c| !matches!(c, Node::Element(e) if e.attr("name") == Some(name)));
    set.children.push(Node::Element(
        Element::new("nvpair")
            .with_attr("id", format!("opt-{name}"))
            .with_attr("name", name)
            .with_attr("value", value),
    ));
}

fn add(cib: &mut Element, section: &str, xml: &str) {
    cib.child_mut("configuration")
        .expect("configuration")
        .child_or_insert(section)
        .children
        .push(Node::Element(cib::xml::parse_element(xml).expect("xml")));
}

fn served_by(lab: &Lab, node: &str) -> bool {
    lab.serves(VIP, node)
}

/// Samples VIP holders and the client's view until `stop`; returns (holder sets seen, longest
/// client outage).
fn sample(lab: &Lab, stop: &AtomicBool, seen: &Mutex<Vec<Vec<String>>>) -> Duration {
    let mut longest = Duration::ZERO;
    let mut down_since: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let holders = lab.holders(VIP);
        seen.lock().unwrap().push(holders);
        let ok = lab.client_get(VIP, Duration::from_millis(300)).is_some();
        match (ok, down_since) {
            (false, None) => down_since = Some(Instant::now()),
            (true, Some(t)) => {
                longest = longest.max(t.elapsed());
                down_since = None;
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Some(t) = down_since {
        longest = longest.max(t.elapsed());
    }
    longest
}

#[test]
fn heartbeat_link_cut_with_fencing_leaves_exactly_one_holder() {
    let Some(mut lab) = start_or_skip("split_brain", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || served_by(&lab, "node1")),
        "{}",
        lab.logs()
    );
    // The device that fences node1 (the active node) waits 3 s: in a fencing race node1
    // shoots first, and the service never moves.
    lab.enable_fencing(0, &[("node1", "3s")])
        .expect("fencing configured");
    assert!(
        wait_until(Duration::from_secs(30), || live_cib(&lab, 1).is_some_and(
            |c| {
                !running_on(&c, "fence-node1").is_empty()
                    && !running_on(&c, "fence-node2").is_empty()
            }
        )),
        "fencing devices never started\n{}",
        lab.logs()
    );

    let stop = AtomicBool::new(false);
    let seen = Mutex::new(Vec::new());
    let outage = std::thread::scope(|s| {
        let sampler = s.spawn(|| sample(&lab, &stop, &seen));
        std::thread::sleep(Duration::from_millis(500));
        // Cut only the heartbeat link of node2; the public LAN stays up.
        lab.set_link(1, 1, false).expect("cut");
        let fenced = wait_until(Duration::from_secs(30), || crmd_gone(&lab, 1));
        assert!(fenced, "node2 was never fenced\n{}", lab.logs());
        std::thread::sleep(Duration::from_secs(2));
        stop.store(true, Ordering::SeqCst);
        sampler.join().expect("sampler")
    });
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() > 10, "too few samples: {}", seen.len());
    for h in &seen {
        assert_eq!(
            h,
            &vec!["node1".to_string()],
            "a sample saw holders {h:?}\n{}",
            lab.logs()
        );
    }
    println!("split brain with fencing: {} samples, all with the VIP on node1 only; longest client outage {:.2} s", seen.len(), outage.as_secs_f64());
    assert!(
        outage < Duration::from_millis(2500),
        "outage {outage:?} above deadtime + 1 s"
    );
    let log1 = lab.nodes[0].log();
    assert!(log1.contains("node2 was fenced (by fence-node2)"), "{log1}");

    // The link heals and node2 comes back: still one holder.
    lab.set_link(1, 1, true).expect("heal");
    lab.start(1).expect("node2 returns");
    assert!(
        wait_until(Duration::from_secs(30), || live_cib(&lab, 0).is_some_and(
            |c| {
                c.child("status").is_some_and(|s| {
                    s.children_named("node_state").any(|n| {
                        n.attr("uname") == Some("node2") && n.attr("crmd") == Some("online")
                    })
                })
            }
        )),
        "node2 never rejoined\n{}",
        lab.logs()
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(lab.holders(VIP), vec!["node1"]);
    assert!(served_by(&lab, "node1"));
}

/// Whether every process of node `i` is gone (it was fenced).
fn crmd_gone(lab: &Lab, i: usize) -> bool {
    std::process::Command::new("ip")
        .args(["netns", "pids", &lab.nodes[i].ns])
        .output()
        .map(|o| o.stdout.iter().all(|b| b.is_ascii_whitespace()))
        .unwrap_or(false)
}

#[test]
fn without_fencing_the_minority_stops_and_the_majority_keeps_the_service() {
    let mut config = LabConfig::classic(bin_dir());
    config.nodes = vec!["node1".into(), "node2".into(), "node3".into()];
    let Some(lab) = start_or_skip("split_brain", config) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || served_by(&lab, "node1")),
        "{}",
        lab.logs()
    );
    edit(&lab, 0, |cib| {
        set_option(cib, "no-quorum-policy", "stop");
        add(
            cib,
            "resources",
            r#"<clone id="base-clone"><primitive id="base" class="ocf" provider="heartbeat" type="Dummy"/></clone>"#,
        );
    });
    let all = |c: &Element| running_on(c, "base") == vec!["node1", "node2", "node3"];
    assert!(
        wait_until(Duration::from_secs(30), || live_cib(&lab, 0)
            .is_some_and(|c| all(&c))),
        "clone never ran everywhere\n{}",
        lab.logs()
    );

    let stop = AtomicBool::new(false);
    let seen = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        let sampler = s.spawn(|| sample(&lab, &stop, &seen));
        lab.set_link(2, 1, false)
            .expect("cut node3's heartbeat link");
        // node3 alone has no quorum: it stops what it runs.
        let stopped = wait_until(Duration::from_secs(30), || {
            live_cib(&lab, 2).is_some_and(|c| {
                c.attr("have-quorum") == Some("0")
                    && !running_on(&c, "base").contains(&"node3".to_string())
            })
        });
        assert!(stopped, "the minority kept its resources\n{}", lab.logs());
        // The majority keeps quorum and the service.
        assert!(live_cib(&lab, 0).is_some_and(|c| c.attr("have-quorum") == Some("1")));
        std::thread::sleep(Duration::from_secs(2));
        stop.store(true, Ordering::SeqCst);
        sampler.join().expect("sampler");
    });
    for h in seen.into_inner().unwrap() {
        assert_eq!(
            h,
            vec!["node1".to_string()],
            "holders {h:?}\n{}",
            lab.logs()
        );
    }
    assert!(served_by(&lab, "node1"));

    // Heal: one cluster again, the clone back on all three.
    lab.set_link(2, 1, true).expect("heal");
    assert!(
        wait_until(Duration::from_secs(60), || live_cib(&lab, 0)
            .is_some_and(|c| all(&c))),
        "after healing the clone is not back everywhere\n{}",
        lab.logs()
    );
    assert_eq!(lab.holders(VIP), vec!["node1"]);
}

/// The seeds' second failure: the active node's public NIC dies while the heartbeat link stays
/// up. Heartbeat's ping node (the client's address) becomes unreachable from node1 only, its
/// `pingd` attribute drops to 0, and the connectivity rule the haresources import added moves
/// the site to node2.
#[test]
fn public_nic_down_moves_the_site_to_the_connected_node() {
    let mut config = LabConfig::classic(bin_dir());
    config.ping = vec![crmd::lab::CLIENT_ADDR.to_string()];
    let Some(lab) = start_or_skip("split_brain", config) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || served_by(&lab, "node1")),
        "{}",
        lab.logs()
    );
    assert!(
        wait_until(Duration::from_secs(20), || live_cib(&lab, 1).is_some_and(
            |c| {
                crmd::status::get_attr(&c, "node1", "pingd").as_deref() == Some("1")
                    && crmd::status::get_attr(&c, "node2", "pingd").as_deref() == Some("1")
            }
        )),
        "pingd never reached 1 on both nodes\n{}",
        lab.logs()
    );
    let cut = Instant::now();
    lab.set_link(0, 0, false).expect("cut node1's public NIC");
    assert!(
        wait_until(Duration::from_secs(40), || served_by(&lab, "node2")),
        "the site never moved to node2\n{}",
        lab.logs()
    );
    println!(
        "public NIC of node1 down: served by node2 after {:.2} s",
        cut.elapsed().as_secs_f64()
    );
    // The web server answers a moment before its start result reaches the CIB.
    assert!(
        wait_until(Duration::from_secs(20), || live_cib(&lab, 1)
            .is_some_and(|c| running_on(&c, "webserver") == vec!["node2"])),
        "the CIB never showed webserver on node2 alone\n{}",
        lab.logs()
    );
    let c = live_cib(&lab, 1).expect("cib");
    assert_eq!(
        crmd::status::get_attr(&c, "node1", "pingd").as_deref(),
        Some("0")
    );
}

/// The same race decided by `priority-fencing-delay` instead of a per-device delay: fencing the
/// node that runs the higher-priority resources waits, so that node wins.
#[test]
fn priority_fencing_delay_lets_the_node_with_the_resources_win() {
    let Some(lab) = start_or_skip("split_brain", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || served_by(&lab, "node1")),
        "{}",
        lab.logs()
    );
    lab.enable_fencing(0, &[]).expect("fencing configured");
    edit(&lab, 0, |cib| {
        set_option(cib, "priority-fencing-delay", "3s");
        let defaults = cib
            .child_mut("configuration")
            .and_then(|c| c.child_mut("rsc_defaults"))
            .and_then(|d| d.child_mut("meta_attributes"))
            .expect("rsc_defaults");
        defaults.children.push(Node::Element(
            Element::new("nvpair")
                .with_attr("id", "rsc-options-priority")
                .with_attr("name", "priority")
                .with_attr("value", "10"),
        ));
    });
    std::thread::sleep(Duration::from_secs(2));
    lab.set_link(1, 1, false).expect("cut");
    assert!(
        wait_until(Duration::from_secs(30), || crmd_gone(&lab, 1)),
        "node2 was never fenced\n{}",
        lab.logs()
    );
    // node2 may be shot before it even asks; if it asked, its request had to wait.
    let log2 = lab.nodes[1].log();
    if log2.contains("fencing node1 (reboot) for crmd@node2") {
        assert!(
            log2.contains("priority-fencing-delay: waiting 3000 ms before fencing node1"),
            "{log2}"
        );
    }
    assert!(!crmd_gone(&lab, 0), "node1 must survive\n{}", lab.logs());
    assert_eq!(lab.holders(VIP), vec!["node1"]);
    assert!(served_by(&lab, "node1"));
}

/// `no-quorum-policy=suicide`: the node cut off from a quorate three-node cluster fences
/// itself; the majority's own fencing of it is delayed 10 s here, so only the suicide can
/// explain it being gone within 8 s.
#[test]
fn suicide_policy_makes_the_minority_fence_itself() {
    let mut config = LabConfig::classic(bin_dir());
    config.nodes = vec!["node1".into(), "node2".into(), "node3".into()];
    let Some(lab) = start_or_skip("split_brain", config) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || served_by(&lab, "node1")),
        "{}",
        lab.logs()
    );
    lab.enable_fencing(0, &[("node3", "10s")])
        .expect("fencing configured");
    edit(&lab, 0, |cib| {
        set_option(cib, "no-quorum-policy", "suicide")
    });
    std::thread::sleep(Duration::from_secs(2));
    lab.set_link(2, 1, false)
        .expect("cut node3's heartbeat link");
    assert!(
        wait_until(Duration::from_secs(8), || crmd_gone(&lab, 2)),
        "node3 did not fence itself\n{}",
        lab.logs()
    );
    assert!(
        lab.nodes[2]
            .log()
            .contains("quorum lost with no-quorum-policy=suicide: fencing this node"),
        "{}",
        lab.nodes[2].log()
    );
    assert_eq!(lab.holders(VIP), vec!["node1"]);
    assert!(served_by(&lab, "node1"));
}
