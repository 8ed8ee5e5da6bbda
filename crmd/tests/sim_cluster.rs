//! Seeded simulations of whole clusters of crmd cores (no root, no processes): elections,
//! joins, node loss, partitions, neighbour restarts, agent failures and fencing, with the
//! invariants of `crmd_sim` checked at every step and convergence checked after every event.

use cib::xml::Element;
use sim::crmd::Cluster;

const RESOURCES: &[&str] = &["fence-sim", "a", "b", "c"];

fn config() -> Element {
    let mut xml = String::from(
        r#"<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9">
<configuration>
 <crm_config><cluster_property_set id="opts">
  <nvpair id="o1" name="stonith-enabled" value="true"/>
  <nvpair id="o2" name="no-quorum-policy" value="stop"/>
 </cluster_property_set></crm_config>
 <nodes/>
 <resources>
  <primitive id="fence-sim" class="stonith" type="fence_lab">
   <operations><op id="fence-sim-mon" name="monitor" interval="60s"/></operations>
  </primitive>"#,
    );
    for r in &RESOURCES[1..] {
        xml.push_str(&format!(
            r#"<primitive id="{r}" class="ocf" provider="heartbeat" type="Dummy">
   <operations><op id="{r}-mon" name="monitor" interval="10s"/></operations></primitive>"#
        ));
    }
    xml.push_str("</resources><constraints/></configuration><status/></cib>");
    cib::xml::parse_element(&xml).expect("test CIB parses")
}

fn cluster(seed: u64) -> Cluster {
    if std::env::var_os("SIM_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_test_writer()
            .try_init();
    }
    let mut c = Cluster::new(3, seed, &config(), RESOURCES);
    if let Err(e) = c.settle(60_000) {
        panic!("seed {seed}: the cluster never settled at start: {e}");
    }
    c
}

fn assert_clean(c: &Cluster, what: &str) {
    assert!(
        c.violations.is_empty(),
        "{what}: invariants broken: {:#?}",
        c.violations
    );
}

#[test]
fn a_cluster_starts_with_one_dc_and_every_resource_once() {
    for seed in 0..3 {
        let c = cluster(seed);
        assert_clean(&c, &format!("seed {seed}"));
        assert!(c.fences.is_empty(), "seed {seed}: fenced {:?}", c.fences);
    }
}

/// The issue's lrmd fault: after lrmd is killed and respawned, the node must re-read what it
/// runs and its recurring monitors must come back, so a later agent failure is seen and
/// recovered. `check_converged` requires a recurring monitor for every running resource.
#[test]
fn after_an_lrmd_restart_monitors_come_back_and_failures_are_recovered() {
    for seed in 0..3 {
        let mut c = cluster(seed);
        let holder = (0..3)
            .find(|&i| c.nodes[i].lrm.running.contains("a"))
            .expect("a runs somewhere");
        c.restart_lrmd(holder, 500);
        assert!(
            c.nodes[holder].lrm.recurring.is_empty(),
            "the fake lrmd lost its monitors"
        );
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: not settled after the lrmd restart: {e}"));
        c.agent_fails("a");
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: a's failure not recovered: {e}"));
        assert_clean(&c, &format!("seed {seed}"));
        assert!(c.fences.is_empty(), "seed {seed}: fenced {:?}", c.fences);
    }
}

/// The issue's ccm fault: a view without a node for 200 ms must not get it fenced once it is
/// back (the request is withdrawn before it starts).
#[test]
fn a_short_membership_blip_fences_nobody() {
    for seed in 0..5 {
        let mut c = cluster(seed);
        let victim = (seed as usize) % 3;
        c.ccm_blip(victim);
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: not settled after the blip: {e}"));
        assert!(
            c.fences.is_empty(),
            "seed {seed}: fenced after a 200 ms blip: {:?}",
            c.fences
        );
        assert_clean(&c, &format!("seed {seed}"));
    }
}

/// A node cut off from the others is fenced by the majority before its resources start
/// elsewhere, never by itself, and the cluster converges once it is powered on again.
#[test]
fn an_isolated_node_is_fenced_by_the_majority_and_returns() {
    for seed in 0..3 {
        let mut c = cluster(seed);
        let victim = (seed as usize + 1) % 3;
        c.isolate(victim);
        c.run_for(15_000);
        let name = c.nodes[victim].name.clone();
        assert!(
            c.fences.iter().any(|f| f.target == name && f.by != name),
            "seed {seed}: {name} was not fenced: {:?}",
            c.fences
        );
        c.heal();
        c.power_on(victim);
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: not settled after the return: {e}"));
        assert_clean(&c, &format!("seed {seed}"));
    }
}

/// Random faults, one after another, each followed by a convergence check (a small CTS in
/// simulation). Prints one line per event and a summary.
#[test]
fn seeded_fault_sequences_converge_without_violations() {
    // SIM_SEEDS=N SIM_EVENTS=M run a longer soak of the same kind.
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (seeds, events) = (env("SIM_SEEDS", 6), env("SIM_EVENTS", 10));
    let mut summary = Vec::new();
    for seed in 0..seeds {
        let mut c = cluster(seed);
        let mut longest = 0;
        for event in 0..events {
            let i = c.random(0, 3) as usize;
            let what = match c.random(0, 7) {
                0 => {
                    c.crash(i);
                    let down = c.random(2_000, 8_000);
                    c.run_for(down);
                    c.power_on(i);
                    "crash+power-on"
                }
                1 => {
                    c.isolate(i);
                    let down = c.random(2_000, 8_000);
                    c.run_for(down);
                    c.heal();
                    c.power_on(i);
                    "isolate+heal"
                }
                2 => {
                    let down = c.random(100, 2_000);
                    c.restart_lrmd(i, down);
                    "lrmd restart"
                }
                3 => {
                    c.restart_crmd(i);
                    "crmd restart"
                }
                4 => {
                    let r = ["a", "b", "c"][i];
                    c.agent_fails(r);
                    "agent failure"
                }
                5 => {
                    c.stop_heartbeat(i);
                    let down = c.random(5_000, 15_000);
                    c.run_for(down);
                    c.power_on(i);
                    "clean stop+return"
                }
                _ => {
                    c.ccm_blip(i);
                    "ccm blip"
                }
            };
            // Sometimes the next fault comes before the cluster has recovered from this one.
            if c.random(0, 3) == 0 {
                let gap = c.random(200, 3_000);
                c.run_for(gap);
                println!(
                    "seed {seed} event {event}: {what} on node{}: next fault after {gap} ms",
                    i + 1
                );
                continue;
            }
            match c.settle(90_000) {
                Ok(ms) => {
                    longest = longest.max(ms);
                    println!(
                        "seed {seed} event {event}: {what} on node{}: converged in {ms} ms",
                        i + 1
                    );
                }
                Err(e) => panic!(
                    "seed {seed} event {event}: {what} on node{}: not converged: {e}",
                    i + 1
                ),
            }
            assert_clean(&c, &format!("seed {seed} event {event} ({what})"));
        }
        if let Err(e) = c.settle(90_000) {
            panic!("seed {seed}: not converged after the last event: {e}");
        }
        assert_clean(&c, &format!("seed {seed} at the end"));
        summary.push((seed, c.fences.len(), longest));
    }
    println!("seed  fences  longest-convergence-ms");
    for (seed, fences, longest) in summary {
        println!("{seed:>4}  {fences:>6}  {longest:>8}");
    }
}

/// #18: lrmd dies on the node running `a` and never comes back. Within the grace period
/// nothing is escalated; beyond it the node gives its resources up, the DC's stop there fails,
/// and a peer fences it (stonith-enabled) before `a` starts elsewhere (`check_always`: never
/// active twice). After a power-on the cluster converges.
#[test]
fn an_lrmd_lost_for_good_gets_its_resources_recovered_elsewhere() {
    let grace = crmd::core::NEIGHBOUR_GRACE;
    for seed in 0..3 {
        let mut c = cluster(seed);
        let holder = (0..3)
            .find(|&i| c.nodes[i].lrm.running.contains("a"))
            .expect("a runs somewhere");
        let name = c.nodes[holder].name.clone();
        c.lose_lrmd(holder);
        c.run_for(grace - 5_000);
        assert!(
            c.fences.is_empty(),
            "seed {seed}: escalated early: {:?}",
            c.fences
        );
        assert!(c.nodes[holder].lrm.running.contains("a"));
        c.run_for(30_000);
        assert!(
            c.fences.iter().any(|f| f.target == name && f.by != name),
            "seed {seed}: {name} was not fenced by a peer: {:?}",
            c.fences
        );
        let on: Vec<&str> = c
            .nodes
            .iter()
            .filter(|n| n.alive && n.lrm.running.contains("a"))
            .map(|n| n.name.as_str())
            .collect();
        assert!(
            on.len() == 1 && on[0] != name,
            "seed {seed}: a runs on {on:?}"
        );
        println!(
            "seed {seed}: {name} lost lrmd; fences {:?}; a now on {on:?}",
            c.fences
                .iter()
                .map(|f| (&f.by, &f.target))
                .collect::<Vec<_>>()
        );
        c.power_on(holder);
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: not settled after the power-on: {e}"));
        assert_clean(&c, &format!("seed {seed}"));
    }
}

/// #18 on the DC's own node, with `daemon-lost-reaction=fence`: the DC does not loop on a stop
/// it cannot run (it never fences its own node); it fences itself after the grace period, a
/// survivor becomes DC and recovers its resources, and the cluster converges after a power-on.
#[test]
fn a_dc_whose_lrmd_is_lost_for_good_fences_itself_when_configured() {
    let grace = crmd::core::NEIGHBOUR_GRACE;
    for seed in 0..3 {
        let mut c = cluster(seed);
        let dc = (0..3).find(|&i| c.nodes[i].core.is_dc()).expect("a DC");
        let name = c.nodes[dc].name.clone();
        let ours: Vec<String> = RESOURCES
            .iter()
            .filter(|r| c.nodes[dc].lrm.running.contains(**r))
            .map(|r| r.to_string())
            .collect();
        c.set_option(dc, crmd::core::DAEMON_LOST_REACTION, "fence");
        c.settle(60_000).expect("the option reaches every node");
        c.lose_lrmd(dc);
        c.run_for(grace + 20_000);
        assert!(
            c.fences.iter().any(|f| f.target == name && f.by == name),
            "seed {seed}: {name} did not fence itself: {:?}",
            c.fences
        );
        for r in &ours {
            assert!(
                c.nodes.iter().any(|n| n.alive && n.lrm.running.contains(r)),
                "seed {seed}: {r} (was on {name}) not recovered"
            );
        }
        println!("seed {seed}: DC {name} lost lrmd, fenced itself; {ours:?} recovered elsewhere");
        c.power_on(dc);
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: not settled after the power-on: {e}"));
        assert_clean(&c, &format!("seed {seed}"));
    }
}

/// #18, the default `daemon-lost-reaction=recover` on the DC's own node: after the grace period
/// the DC's crmd exits with CRM_EX_FATAL (100) and is not respawned; a survivor becomes DC, sees
/// a member whose crmd is gone ("peer process is no longer available"), fences it and recovers
/// its resources; after a power-on the cluster converges.
#[test]
fn a_dc_whose_lrmd_is_lost_for_good_exits_fatally_and_a_peer_recovers_its_node() {
    let grace = crmd::core::NEIGHBOUR_GRACE;
    for seed in 0..3 {
        let mut c = cluster(seed);
        let dc = (0..3).find(|&i| c.nodes[i].core.is_dc()).expect("a DC");
        let name = c.nodes[dc].name.clone();
        let ours: Vec<String> = RESOURCES
            .iter()
            .filter(|r| c.nodes[dc].lrm.running.contains(**r))
            .map(|r| r.to_string())
            .collect();
        c.lose_lrmd(dc);
        c.run_for(grace - 5_000);
        assert!(
            c.exits.is_empty(),
            "seed {seed}: exited early: {:?}",
            c.exits
        );
        c.run_for(25_000);
        assert!(
            c.exits
                .iter()
                .any(|(_, n, code)| *n == name && *code == crmd::core::EXIT_FATAL),
            "seed {seed}: {name}'s crmd did not exit fatally: {:?}",
            c.exits
        );
        assert!(
            c.fences.iter().any(|f| f.target == name && f.by != name),
            "seed {seed}: {name} was not fenced by a peer: {:?}",
            c.fences
        );
        let new_dc = (0..3).find(|&i| c.nodes[i].alive && c.nodes[i].core.is_dc());
        assert!(
            new_dc.is_some_and(|i| i != dc),
            "seed {seed}: no new DC ({new_dc:?})"
        );
        for r in &ours {
            assert!(
                c.nodes.iter().any(|n| n.alive && n.lrm.running.contains(r)),
                "seed {seed}: {r} (was on {name}) not recovered"
            );
        }
        println!(
            "seed {seed}: DC {name} lost lrmd, exited 100, fenced by {:?}; {ours:?} recovered",
            c.fences.iter().map(|f| &f.by).collect::<Vec<_>>()
        );
        c.power_on(dc);
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: not settled after the power-on: {e}"));
        assert_clean(&c, &format!("seed {seed}"));
    }
}

/// #18 S_STOPPING: heartbeat stops on a node (its crmd gets SIGTERM). The crmd asks the DC to
/// stop its resources (`shutdown` attribute), waits for the DC's `do_shutdown`, exits 0 and the
/// node leaves: its resources run elsewhere, nobody is fenced, and it rejoins cleanly later.
/// Done for a member and for the DC itself.
#[test]
fn stopping_heartbeat_moves_the_nodes_resources_without_fencing() {
    for seed in 0..4 {
        let mut c = cluster(seed);
        let dc = (0..3).find(|&i| c.nodes[i].core.is_dc()).expect("a DC");
        let target = if seed % 2 == 0 {
            dc
        } else {
            (0..3)
                .filter(|&i| i != dc)
                .max_by_key(|&i| c.nodes[i].lrm.running.len())
                .expect("a member")
        };
        let name = c.nodes[target].name.clone();
        let ours: Vec<String> = RESOURCES
            .iter()
            .filter(|r| c.nodes[target].lrm.running.contains(**r))
            .map(|r| r.to_string())
            .collect();
        c.stop_heartbeat(target);
        c.run_for(20_000);
        assert!(
            c.exits.iter().any(|(_, n, code)| *n == name && *code == 0),
            "seed {seed}: {name} did not stop cleanly: {:?}",
            c.exits
        );
        assert!(!c.nodes[target].alive, "seed {seed}: {name} did not leave");
        assert!(c.fences.is_empty(), "seed {seed}: fenced: {:?}", c.fences);
        for r in &ours {
            assert!(
                c.nodes.iter().any(|n| n.alive && n.lrm.running.contains(r)),
                "seed {seed}: {r} (was on {name}) not moved"
            );
        }
        println!(
            "seed {seed}: stopped {name}{}; {ours:?} moved, no fencing",
            if target == dc { " (the DC)" } else { "" }
        );
        c.power_on(target);
        c.settle(60_000)
            .unwrap_or_else(|e| panic!("seed {seed}: not settled after the return: {e}"));
        assert!(c.fences.is_empty(), "seed {seed}: fenced: {:?}", c.fences);
        assert_clean(&c, &format!("seed {seed}"));
    }
}
