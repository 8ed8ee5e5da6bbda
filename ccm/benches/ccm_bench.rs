//! `cargo bench -p ccm --bench ccm_bench`: how long ccm takes to agree a new view, in simulation and (as root, with the
//! `heartbeat` binary next to this one) on real namespaced nodes. Prints tables.
//!
//! Simulated times exclude heartbeat's failure detection: the sim delivers node status changes
//! after a fixed 500 ms, which is subtracted. Real times are wall-clock from the fault to the
//! moment every affected node reports the new view (polled every 50 ms); a node crash includes
//! heartbeat's deadtime (1.5 s), a killed ccm is reported at once by heartbeat's client-leave event.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ccm::membership::Millis;
use flags::{Dialect, Given, Opt, Spec};
use sim::ccm::{Sim, SimConfig};
use sim::ccm_lab::{agree, is_root, start_cluster, wait_until, Binaries, Node};

/// ccm view-agreement benchmark: `--runs N` simulated runs per row (50), `--real-runs N`
/// real-cluster repetitions (3; 0 skips the real benchmark).
const SPEC: Spec = Spec {
    tool: "ccm_bench",
    dialect: Dialect::Getopt,
    options: &[
        Opt::long_value("runs"),
        Opt::long_value("real-runs"),
        // What `cargo bench` passes to a bench without the test harness.
        Opt::long_flag("bench"),
    ],
    help_groups: &[],
    help: "usage: ccm_bench [--runs N] [--real-runs N]\n",
    version: "ccm_bench\n",
};

struct Cli {
    runs: u64,
    real_runs: usize,
}

fn parse_cli() -> Result<Cli> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cli = Cli {
        runs: 50,
        real_runs: 3,
    };
    let given = flags::parse(&SPEC, &args).map_err(|stop| anyhow::anyhow!("{stop:?}"))?;
    for g in given {
        match g {
            Given::Opt {
                name: "runs",
                value,
            } => cli.runs = value.unwrap_or_default().parse().context("--runs")?,
            Given::Opt {
                name: "real-runs",
                value,
            } => cli.real_runs = value.unwrap_or_default().parse().context("--real-runs")?,
            _ => {}
        }
    }
    Ok(cli)
}

const DETECT: Millis = 500;

#[derive(Clone, Copy)]
enum Fault {
    Crash,
    Join,
    Merge,
}

fn main() -> Result<()> {
    let cli = parse_cli()?;
    println!("Simulation (1-30 ms one-way delay, heartbeat detection fixed at {DETECT} ms and subtracted; default timing: settle 200 ms, proposal timeout 1000 ms)");
    println!(
        "{:<8} {:>5} {:>5} {:>6} {:>9} {:>9} {:>9} {:>11} {:>9}",
        "fault", "loss", "nodes", "runs", "p50 ms", "p90 ms", "max ms", "packets/run", "wall ms"
    );
    let faults = [
        ("crash", Fault::Crash),
        ("join", Fault::Join),
        ("merge", Fault::Merge),
    ];
    for (label, fault) in faults {
        for (loss, nodes) in [
            (0.0, 3),
            (0.0, 5),
            (0.0, 9),
            (0.0, 16),
            (0.02, 5),
            (0.02, 16),
        ] {
            let started = Instant::now();
            let mut times = Vec::new();
            let mut packets = 0;
            for seed in 0..cli.runs {
                let (t, p) = sim_once(nodes, seed, fault, loss)?;
                times.push(t);
                packets += p;
            }
            times.sort_unstable();
            let pct = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
            println!(
                "{label:<8} {:>4}% {nodes:>5} {:>6} {:>9} {:>9} {:>9} {:>11} {:>9}",
                (loss * 100.0) as u32,
                cli.runs,
                pct(0.5),
                pct(0.9),
                times[times.len() - 1],
                packets / cli.runs,
                started.elapsed().as_millis()
            );
        }
    }
    if cli.real_runs > 0 {
        real(cli.real_runs)?;
    }
    Ok(())
}

/// One simulated fault; returns (agreement time after detection, packets sent meanwhile).
fn sim_once(nodes: usize, seed: u64, fault: Fault, loss: f64) -> Result<(Millis, u64)> {
    let mut cfg = SimConfig::new(nodes, seed);
    cfg.loss = loss;
    cfg.detect = (DETECT, DETECT);
    let mut sim = Sim::new(cfg);
    match fault {
        Fault::Join => sim.crash(nodes - 1),
        Fault::Merge => sim.partition((0..nodes).map(|i| usize::from(i % 2 == 1)).collect()),
        Fault::Crash => {}
    }
    sim.run_for(15_000);
    if let Some(p) = sim.converged() {
        bail!("seed {seed}: not settled before the fault: {p}");
    }
    let before = sim.packets;
    let start = sim.now();
    match fault {
        Fault::Crash => sim.crash(nodes / 2),
        Fault::Join => sim.restart(nodes - 1),
        Fault::Merge => sim.heal(),
    }
    while sim.converged().is_some() {
        sim.run_for(1);
        if sim.now() > start + 60_000 {
            bail!("seed {seed}: no agreement within 60 s of simulated time");
        }
    }
    if let Some(v) = &sim.violation {
        bail!("seed {seed}: invariant broken: {v}");
    }
    Ok((
        (sim.now() - start).saturating_sub(DETECT),
        sim.packets - before,
    ))
}

fn real(runs: usize) -> Result<()> {
    // Cargo builds the ccm binary for a bench; heartbeat must be built next to it
    // (`cargo build --release -p messaging`).
    let ccm = std::path::Path::new(env!("CARGO_BIN_EXE_ccm"));
    let dir = ccm.parent().context("binary directory")?.to_path_buf();
    let bins = Binaries {
        heartbeat: dir.join("heartbeat"),
        ccm: dir.join("ccm"),
    };
    println!();
    if !is_root() || !bins.heartbeat.exists() || !bins.ccm.exists() {
        println!(
            "Real cluster: SKIPPED (needs root and {} and {})",
            bins.heartbeat.display(),
            bins.ccm.display()
        );
        return Ok(());
    }
    println!(
        "Real cluster (3 namespaced nodes, keepalive 200 ms, deadtime 1500 ms, ccm hello 200 ms)"
    );
    println!("{:<28} {:>4} {:>10}", "event", "run", "wall ms");
    for run in 0..runs {
        let t0 = Instant::now();
        let (_net, mut nodes) = start_cluster(3, &bins, 200);
        let all: Vec<&Node> = nodes.iter().collect();
        let names = ["node0", "node1", "node2"];
        if !wait_until(Duration::from_secs(30), || agree(&all, &names).is_some()) {
            bail!("real run {run}: no first view");
        }
        println!(
            "{:<28} {run:>4} {:>10}",
            "start -> first 3-node view",
            t0.elapsed().as_millis()
        );
        let t1 = Instant::now();
        nodes[2].crash();
        let survivors: Vec<&Node> = nodes[..2].iter().collect();
        if !wait_until(Duration::from_secs(30), || {
            agree(&survivors, &names[..2]).is_some()
        }) {
            bail!("real run {run}: survivors did not agree");
        }
        println!(
            "{:<28} {run:>4} {:>10}",
            "node crash -> 2-node view",
            t1.elapsed().as_millis()
        );
        nodes[2].start();
        let all: Vec<&Node> = nodes.iter().collect();
        if !wait_until(Duration::from_secs(30), || agree(&all, &names).is_some()) {
            bail!("real run {run}: restarted node did not join");
        }
        let t1 = Instant::now();
        nodes[2].kill();
        let survivors: Vec<&Node> = nodes[..2].iter().collect();
        if !wait_until(Duration::from_secs(30), || {
            agree(&survivors, &names[..2]).is_some()
        }) {
            bail!("real run {run}: survivors did not agree");
        }
        println!(
            "{:<28} {run:>4} {:>10}",
            "ccm killed -> 2-node view",
            t1.elapsed().as_millis()
        );
        let t2 = Instant::now();
        nodes[2].start();
        let all: Vec<&Node> = nodes.iter().collect();
        if !wait_until(Duration::from_secs(30), || agree(&all, &names).is_some()) {
            bail!("real run {run}: restarted node did not join");
        }
        println!(
            "{:<28} {run:>4} {:>10}",
            "restart -> 3-node view",
            t2.elapsed().as_millis()
        );
    }
    Ok(())
}
