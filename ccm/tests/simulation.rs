//! Many seeds of the chaos scenario, a determinism check, and targeted scenarios.

use sim::ccm::{chaos_scenario, Sim, SimConfig};

/// Seeds to run: `SIM_SEED` alone when set, else a fixed list.
fn seeds(count: u64) -> Vec<u64> {
    match std::env::var("SIM_SEED") {
        Ok(s) => vec![s.parse().expect("SIM_SEED is a number")],
        Err(_) => (1..=count).collect(),
    }
}

#[test]
fn chaos_many_seeds_keep_invariants_and_converge() {
    let mut failures = Vec::new();
    for nodes in [2, 3, 5, 7] {
        for seed in seeds(60) {
            if let Err(e) = chaos_scenario(nodes, seed, 25) {
                eprintln!("{e}");
                failures.push(format!("nodes={nodes} SIM_SEED={seed}"));
            }
        }
    }
    assert!(failures.is_empty(), "failing runs: {failures:?}");
}

#[test]
fn same_seed_gives_same_trace() {
    for seed in seeds(5) {
        let a = chaos_scenario(4, seed, 15).unwrap_or_else(|e| panic!("{e}"));
        let b = chaos_scenario(4, seed, 15).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.hash, b.hash, "SIM_SEED={seed} is not deterministic");
        assert_eq!(a.steps, b.steps);
    }
}

/// Starts `nodes` nodes with seed 7 and lets them settle for 10 s.
fn settled(nodes: usize) -> Sim {
    let mut sim = Sim::new(SimConfig::new(nodes, 7));
    sim.run_for(10_000);
    assert_eq!(sim.violation, None);
    assert_eq!(sim.converged(), None);
    sim
}

fn names(sim: &Sim, i: usize) -> Vec<String> {
    let v = sim.view(i).expect("has a view");
    v.names().into_iter().map(str::to_string).collect()
}

#[test]
fn three_nodes_agree_then_survivors_drop_a_crashed_node() {
    let mut sim = settled(3);
    let first = sim.view(0).unwrap().clone();
    assert_eq!(names(&sim, 0), ["n01", "n02", "n03"]);
    assert!(first.quorum);
    assert_eq!(first.leader, "n01");
    sim.crash(0);
    sim.run_for(10_000);
    assert_eq!(sim.violation, None);
    assert_eq!(sim.converged(), None);
    let after = sim.view(1).unwrap();
    assert_eq!(names(&sim, 1), ["n02", "n03"]);
    assert!(after.quorum, "2 of 3 is a majority");
    assert!(after.instance > first.instance);
    assert_eq!(after.leader, "n02");
    assert_eq!(sim.view(2), Some(after));
}

#[test]
fn two_node_cluster_keeps_quorum_on_both_sides_of_a_split() {
    let mut sim = settled(2);
    sim.partition(vec![0, 1]);
    sim.run_for(10_000);
    assert_eq!(sim.converged(), None);
    for i in 0..2 {
        let v = sim.view(i).unwrap();
        assert_eq!(v.members.len(), 1);
        assert!(v.quorum, "twonodes rule: a lone node keeps quorum");
    }
}

#[test]
fn five_nodes_split_three_two_then_merge_above_both_instances() {
    let mut sim = settled(5);
    sim.partition(vec![0, 0, 0, 1, 1]);
    sim.run_for(10_000);
    assert_eq!(sim.violation, None);
    assert_eq!(sim.converged(), None);
    let big = sim.view(0).unwrap().clone();
    let small = sim.view(3).unwrap().clone();
    assert_eq!(names(&sim, 0), ["n01", "n02", "n03"]);
    assert_eq!(names(&sim, 4), ["n04", "n05"]);
    assert!(big.quorum);
    assert!(!small.quorum, "2 of 5 is no quorum");
    sim.heal();
    sim.run_for(10_000);
    assert_eq!(sim.violation, None);
    assert_eq!(sim.converged(), None);
    let merged = sim.view(4).unwrap();
    assert_eq!(merged.members.len(), 5);
    assert!(merged.instance > big.instance.max(small.instance));
    assert!(merged.quorum);
}

#[test]
fn quick_restart_unnoticed_by_heartbeat_still_gives_a_new_view() {
    let mut sim = settled(3);
    let before = sim.view(0).unwrap().clone();
    sim.crash(2);
    sim.restart(2); // before any detection delay has passed
    sim.run_for(10_000);
    assert_eq!(sim.violation, None);
    assert_eq!(sim.converged(), None);
    let after = sim.view(0).unwrap();
    assert!(after.instance > before.instance);
    let n03 = after.members.iter().find(|m| m.name == "n03").unwrap();
    assert_eq!(n03.incarnation, 2);
    assert_eq!(n03.born, after.instance, "a restarted member is born again");
    let n01 = after.members.iter().find(|m| m.name == "n01").unwrap();
    assert!(
        n01.born < after.instance,
        "survivors keep their birth instance"
    );
}

#[test]
fn lossy_network_still_converges_once_quiet() {
    for seed in seeds(10) {
        let mut cfg = SimConfig::new(4, seed);
        cfg.loss = 0.3;
        let mut sim = Sim::new(cfg);
        sim.run_for(20_000);
        sim.set_loss(0.0);
        sim.run_for(20_000);
        assert_eq!(sim.violation, None, "SIM_SEED={seed}");
        assert_eq!(
            sim.converged(),
            None,
            "SIM_SEED={seed}\n{}",
            sim.trace_tail()
        );
    }
}

/// Views every live node reports must be consistent and may only join nodes that hear each
/// other: `None` when so, otherwise what is wrong.
fn views_respect_links(sim: &Sim) -> Option<String> {
    for i in (0..sim.len()).filter(|&i| sim.is_up(i)) {
        let Some(v) = sim.view(i) else {
            return Some(format!("{} has no view", sim.name(i)));
        };
        let members: Vec<usize> = (0..sim.len())
            .filter(|&j| v.names().contains(&sim.name(j)))
            .collect();
        for &a in &members {
            if sim.view(a) != Some(v) {
                return Some(format!("{} and {} disagree", sim.name(i), sim.name(a)));
            }
            for &b in &members {
                if a != b && !sim.connected(a, b) {
                    return Some(format!("{v} joins {} and {}", sim.name(a), sim.name(b)));
                }
            }
        }
    }
    None
}

/// Applies `fault` to a settled cluster, lets it settle for 20 s, then counts the views installed
/// during the next 60 s: with connectivity unchanged, there must be none.
fn views_after_settling(nodes: usize, seed: u64, fault: impl Fn(&mut Sim)) -> (usize, Sim) {
    let mut sim = Sim::new(SimConfig::new(nodes, seed));
    sim.run_for(10_000);
    assert_eq!(sim.converged(), None, "SIM_SEED={seed}");
    fault(&mut sim);
    sim.run_for(20_000);
    let settled_at = sim.now();
    sim.run_for(60_000);
    assert_eq!(sim.violation, None, "SIM_SEED={seed}");
    let changes = (0..nodes)
        .map(|i| sim.installs_since(i, settled_at).len())
        .sum();
    (changes, sim)
}

#[test]
fn one_way_link_loss_settles_on_stable_views() {
    let mut flapping = Vec::new();
    for seed in seeds(10) {
        // n02 stops hearing n01; n01 still hears n02; n03 hears both.
        let (changes, sim) = views_after_settling(3, seed, |sim| sim.cut_one_way(0, 1));
        if changes > 0 {
            flapping.push(format!(
                "SIM_SEED={seed}: {changes} view changes after settling"
            ));
        }
        if let Some(problem) = views_respect_links(&sim) {
            flapping.push(format!("SIM_SEED={seed}: {problem}"));
        }
    }
    assert!(flapping.is_empty(), "{flapping:#?}");
}

#[test]
fn the_larger_fully_connected_set_wins_deterministically() {
    for seed in seeds(5) {
        // Five nodes; n05 cannot hear n01 (one way): the four others stay together and n05 is
        // left alone, whatever the seed.
        let (changes, sim) = views_after_settling(5, seed, |sim| sim.cut_one_way(0, 4));
        assert_eq!(changes, 0, "SIM_SEED={seed}\n{}", sim.trace_tail());
        assert_eq!(views_respect_links(&sim), None, "SIM_SEED={seed}");
        let big = sim.view(1).unwrap().names().join(" ");
        assert_eq!(big, "n01 n02 n03 n04", "SIM_SEED={seed}");
        assert_eq!(sim.view(4).unwrap().names(), ["n05"], "SIM_SEED={seed}");
        // Same outcome for the tie in three nodes: the set with the lower names wins.
        let (_, sim) = views_after_settling(3, seed, |sim| sim.cut_one_way(1, 0));
        assert_eq!(
            sim.view(2).unwrap().names(),
            ["n01", "n03"],
            "SIM_SEED={seed}"
        );
        assert_eq!(sim.view(1).unwrap().names(), ["n02"], "SIM_SEED={seed}");
    }
}

#[test]
fn a_cut_between_two_of_three_settles_and_heals() {
    for seed in seeds(5) {
        let (changes, mut sim) = views_after_settling(3, seed, |sim| sim.cut(0, 2));
        assert_eq!(changes, 0, "SIM_SEED={seed}\n{}", sim.trace_tail());
        assert_eq!(views_respect_links(&sim), None, "SIM_SEED={seed}");
        sim.heal();
        sim.run_for(20_000);
        assert_eq!(sim.converged(), None, "SIM_SEED={seed}");
    }
}
