//! End to end: the classic two-node Heartbeat site (VIP + web server, preferring node1) in
//! network namespaces, driven through failures. Needs root.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig};

const VIP: &str = "10.1.0.100";

/// The directory with heartbeat, ccm, lrmd and crmd, built on demand.
fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

/// Waits until the client gets a page from `node` through the VIP; returns how long it took.
fn served_by(lab: &Lab, node: &str, timeout: Duration) -> Duration {
    let start = Instant::now();
    let ok = wait_until(timeout, || lab.serves(VIP, node));
    assert!(
        ok,
        "the client never got a page from {node} via {VIP} (holders {:?})\n{}",
        lab.holders(VIP),
        lab.logs()
    );
    start.elapsed()
}

#[test]
fn classic_site_fails_over_and_back() {
    let Some(mut lab) = start_or_skip("classic_site", LabConfig::classic(bin_dir())) else {
        return;
    };
    served_by(&lab, "node1", Duration::from_secs(60));
    assert_eq!(lab.holders(VIP), vec!["node1"]);

    // Every decision can be replayed: the DC kept the policy engine's first input, compressed
    // as Pacemaker does.
    let pe_input = lab.nodes[0].dir.join("state/pengine/pe-input-0.bz2");
    let (rc, out) = lab
        .run_on(0, &format!("crm_simulate -x {} -S", pe_input.display()))
        .expect("crm_simulate");
    assert_eq!(rc, 0, "{out}");
    assert!(
        out.contains("Transition Summary:") && out.contains("Start      IPaddr_10_1_0_100"),
        "{out}"
    );

    lab.kill(0);
    let outage = served_by(&lab, "node2", Duration::from_secs(30));
    println!(
        "failover outage after SIGKILL of node1: {:.2} s",
        outage.as_secs_f64()
    );
    assert_eq!(lab.holders(VIP), vec!["node2"]);

    lab.start(0).expect("restart node1");
    // auto_failback on: the resources go home.
    served_by(&lab, "node1", Duration::from_secs(60));
    assert_eq!(lab.holders(VIP), vec!["node1"]);
}

/// Edits the live CIB through node `i`'s crmd (a patch the DC checks).
fn edit_cib(lab: &Lab, i: usize, edit: impl FnOnce(&mut cib::xml::Element)) {
    lab.edit_cib(i, edit)
        .unwrap_or_else(|e| panic!("patch refused: {e}"));
}

fn live_cib(lab: &Lab, i: usize) -> cib::xml::Element {
    lab.cib(i).expect("the live CIB")
}

fn fail_count(lab: &Lab, node: &str) -> Option<String> {
    crmd::status::get_attr(&live_cib(lab, 1), node, "fail-count-webserver#monitor_1000")
}

/// Whether `node`'s last 1 s monitor result for the web server is success.
fn monitor_ok(lab: &Lab, node: &str) -> bool {
    let cib = live_cib(lab, 1);
    let Some(lrm) = crmd::status::node_lrm(&cib, node) else {
        return false;
    };
    lrm.descendants().into_iter().any(|e| {
        e.name == "lrm_rsc_op"
            && e.attr("id") == Some("webserver_monitor_1000")
            && e.attr("rc-code") == Some("0")
    })
}

fn kill_web(lab: &Lab, i: usize) {
    let pidfile = lab.nodes[i].dir.join("conf/www/http.pid");
    let pid = std::fs::read_to_string(&pidfile).expect("web server pid");
    let pid: i32 = pid.trim().parse().expect("pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill web server");
}

#[test]
fn failed_monitor_restarts_then_moves_after_migration_threshold() {
    let Some(lab) = start_or_skip("classic_site", LabConfig::classic(bin_dir())) else {
        return;
    };
    served_by(&lab, "node1", Duration::from_secs(60));
    edit_cib(&lab, 1, |cib| {
        let conf = cib.child_mut("configuration").expect("configuration");
        let web = conf
            .child_mut("resources")
            .and_then(|r| {
                r.elements_mut()
                    .find(|e| e.name == "group")
                    .and_then(|g| g.elements_mut().find(|p| p.attr("id") == Some("webserver")))
            })
            .expect("webserver primitive");
        let op = web
            .child_mut("operations")
            .and_then(|o| o.elements_mut().next())
            .expect("monitor op");
        op.set_attr("interval", "1s");
        let defaults = conf
            .child_mut("rsc_defaults")
            .and_then(|d| d.child_mut("meta_attributes"))
            .expect("rsc_defaults");
        defaults.children.push(cib::xml::Node::Element(
            cib::xml::Element::new("nvpair")
                .with_attr("id", "rsc-options-migration-threshold")
                .with_attr("name", "migration-threshold")
                .with_attr("value", "2"),
        ));
    });
    // The new 1 s monitor must be running before we break things.
    assert!(
        wait_until(Duration::from_secs(20), || {
            crmd::status::node_lrm(&live_cib(&lab, 0), "node1")
                .is_some_and(|l| l.to_xml().contains("webserver_monitor_1000"))
        }),
        "the 1 s monitor never started\n{}",
        lab.logs()
    );

    kill_web(&lab, 0);
    assert!(
        wait_until(Duration::from_secs(20), || fail_count(&lab, "node1")
            .as_deref()
            == Some("1")),
        "no fail count after the first failure\n{}",
        lab.logs()
    );
    served_by(&lab, "node1", Duration::from_secs(20));
    // Restarted in place, and its monitor reports it healthy again before the next failure.
    assert!(
        wait_until(Duration::from_secs(20), || monitor_ok(&lab, "node1")),
        "the restarted web server's monitor never reported success\n{}",
        lab.logs()
    );

    kill_web(&lab, 0);
    // Second failure reaches migration-threshold=2: the group moves.
    served_by(&lab, "node2", Duration::from_secs(30));
    assert_eq!(
        fail_count(&lab, "node1").as_deref(),
        Some("2"),
        "{}",
        lab.logs()
    );
    assert_eq!(lab.holders(VIP), vec!["node2"]);

    let (rc, out) = lab
        .run_on(1, "crm_resource --cleanup -r webserver")
        .expect("crm_resource");
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("Cleaned up webserver"), "{out}");
    assert!(
        wait_until(Duration::from_secs(10), || fail_count(&lab, "node1")
            .is_none()),
        "cleanup left the fail count"
    );
    // Fail count gone and auto_failback on: home again.
    served_by(&lab, "node1", Duration::from_secs(30));
}

#[test]
fn auto_failback_off_leaves_resources_where_they_are() {
    let mut config = LabConfig::classic(bin_dir());
    config.auto_failback = false;
    let Some(mut lab) = start_or_skip("classic_site", config) else {
        return;
    };
    served_by(&lab, "node1", Duration::from_secs(60));
    lab.kill(0);
    served_by(&lab, "node2", Duration::from_secs(30));
    lab.start(0).expect("restart node1");
    // node1 is back in the cluster (its crmd joined) ...
    assert!(
        wait_until(Duration::from_secs(30), || {
            live_cib(&lab, 1)
                .child("status")
                .map(|s| {
                    s.children_named("node_state").any(|n| {
                        n.attr("uname") == Some("node1") && n.attr("crmd") == Some("online")
                    })
                })
                .unwrap_or(false)
        }),
        "node1 never rejoined\n{}",
        lab.logs()
    );
    // ... and after the cluster settled, the service still runs on node2.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        lab.client_get(VIP, Duration::from_secs(2)).as_deref(),
        Some("served by node2")
    );
    assert_eq!(lab.holders(VIP), vec!["node2"]);
}

#[test]
fn hb_standby_gives_everything_away_and_hb_takeover_takes_it_back() {
    let Some(lab) = start_or_skip("classic_site", LabConfig::classic(bin_dir())) else {
        return;
    };
    served_by(&lab, "node1", Duration::from_secs(60));

    let (rc, out) = lab.run_on(0, "hb_standby").expect("hb_standby");
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("Going standby [all]."), "{out}");
    served_by(&lab, "node2", Duration::from_secs(30));
    assert_eq!(lab.holders(VIP), vec!["node2"]);

    let (rc, out) = lab.run_on(0, "hb_takeover").expect("hb_takeover");
    assert_eq!(rc, 0, "{out}");
    served_by(&lab, "node1", Duration::from_secs(30));
    assert_eq!(lab.holders(VIP), vec!["node1"]);

    let (rc, out) = lab.run_on(0, "hb_standby bogus").expect("hb_standby");
    assert_eq!(rc, 1);
    assert!(out.contains("wrong resources(bogus)."), "{out}");
}
