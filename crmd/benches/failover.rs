//! Failover benchmark: the classic two-node site in network namespaces. For two timer settings
//! it SIGKILLs every process of the active node several times and measures the client's outage
//! (last page from node1 to first page from node2, through the VIP), then prints the median;
//! and it reports the idle RSS and CPU of one node's daemons together. Needs root.
//!
//! `cargo bench -p crmd --bench failover [-- --runs N]`

use flags::{Dialect, Given, Opt, Spec};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crmd::lab::{is_root, wait_until, Lab, LabConfig};

const VIP: &str = "10.1.0.100";

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

fn page(lab: &Lab) -> Option<String> {
    lab.client_get(VIP, Duration::from_millis(300))
}

/// One kill of node1: the outage the client sees, in seconds.
fn one_failover(lab: &mut Lab) -> Option<f64> {
    if !wait_until(Duration::from_secs(60), || {
        page(lab).as_deref() == Some("served by node1")
    }) {
        return None;
    }
    let last_ok = Instant::now();
    lab.kill(0);
    let ok = wait_until(Duration::from_secs(60), || {
        page(lab).as_deref() == Some("served by node2")
    });
    let outage = last_ok.elapsed().as_secs_f64();
    lab.start(0).ok()?;
    ok.then_some(outage)
}

/// The split-brain scenario: fencing on (node1's device delayed 3 s), node2's heartbeat link
/// cut while the public LAN stays up. Returns (longest client outage s, most VIP holders seen
/// in one sample, samples).
fn split_brain(bins: &std::path::Path) -> Option<(f64, usize, usize)> {
    let mut lab = Lab::new(LabConfig::classic(bins.to_path_buf())).ok()?;
    lab.start_all().ok()?;
    if !wait_until(Duration::from_secs(60), || {
        page(&lab).as_deref() == Some("served by node1")
    }) {
        return None;
    }
    lab.enable_fencing(0, &[("node1", "3s")]).ok()?;
    std::thread::sleep(Duration::from_secs(2));
    lab.set_link(1, 1, false).ok()?;
    let end = Instant::now() + Duration::from_secs(12);
    let (mut longest, mut most, mut samples) = (0.0f64, 0usize, 0usize);
    let mut down_since: Option<Instant> = None;
    while Instant::now() < end {
        most = most.max(lab.holders(VIP).len());
        samples += 1;
        match (page(&lab).is_some(), down_since) {
            (false, None) => down_since = Some(Instant::now()),
            (true, Some(t)) => {
                longest = longest.max(t.elapsed().as_secs_f64());
                down_since = None;
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Some(t) = down_since {
        longest = longest.max(t.elapsed().as_secs_f64());
    }
    Some((longest, most, samples))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

/// (RSS in MiB, CPU ticks) summed over every process in the namespace.
fn usage(ns: &str) -> (f64, u64) {
    let out = std::process::Command::new("ip")
        .args(["netns", "pids", ns])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut rss_kb = 0u64;
    let mut ticks = 0u64;
    for pid in out.split_whitespace() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            rss_kb += status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // Fields after the command name (which may contain spaces) start after ')'.
            if let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) {
                let f: Vec<&str> = rest.split_whitespace().collect();
                let ut: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
                let st: u64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
                ticks += ut + st;
            }
        }
    }
    (rss_kb as f64 / 1024.0, ticks)
}

/// `--runs N` (5); `--bench` is what `cargo bench` passes.
fn runs_from_command_line() -> usize {
    const SPEC: Spec = Spec {
        tool: "failover",
        dialect: Dialect::Getopt,
        options: &[Opt::long_value("runs"), Opt::long_flag("bench")],
        help_groups: &[],
        help: "usage: failover [--runs N]\n",
        version: "failover\n",
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let given = flags::parse(&SPEC, &args).unwrap_or_else(|stop| {
        std::process::exit(
            stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr())
                .into(),
        )
    });
    given
        .iter()
        .find_map(|g| match g {
            Given::Opt {
                name: "runs",
                value,
            } => value.as_deref()?.parse().ok(),
            _ => None,
        })
        .unwrap_or(5)
}

fn main() {
    if !is_root() {
        eprintln!("SKIP failover benchmark: needs root (network namespaces)");
        return;
    }
    let runs = runs_from_command_line();
    let bins = bin_dir();
    println!("classic site (VIP + web server), SIGKILL of every process of the active node, {runs} runs each");
    println!(
        "{:<28} {:>12} {:>12} {:>12}",
        "timers", "median s", "min s", "max s"
    );
    let mut idle: Option<(f64, f64)> = None;
    for (keepalive, deadtime, warntime) in [("1", "3", "2"), ("100ms", "500ms", "300ms")] {
        let mut config = LabConfig::classic(bins.clone());
        config.keepalive = keepalive.into();
        config.deadtime = deadtime.into();
        config.warntime = warntime.into();
        let mut lab = Lab::new(config).expect("lab");
        lab.start_all().expect("start");
        let mut outages = Vec::new();
        for _ in 0..runs {
            match one_failover(&mut lab) {
                Some(o) => outages.push(o),
                None => eprintln!("a failover did not complete:\n{}", lab.logs()),
            }
        }
        let min = outages.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = outages.iter().cloned().fold(0.0, f64::max);
        println!(
            "{:<28} {:>12.2} {:>12.2} {:>12.2}",
            format!("keepalive {keepalive} deadtime {deadtime}"),
            median(outages),
            min,
            max
        );
        if idle.is_none() {
            // Idle cost of node2's heartbeat, ccm, lrmd, crmd and the services it runs.
            std::thread::sleep(Duration::from_secs(3));
            let ns = lab.nodes[1].ns.clone();
            let (_, t0) = usage(&ns);
            let t = Instant::now();
            std::thread::sleep(Duration::from_secs(10));
            let (rss, t1) = usage(&ns);
            let hz = 100.0; // USER_HZ on Linux
            let cpu = (t1 - t0) as f64 / hz / t.elapsed().as_secs_f64() * 100.0;
            idle = Some((rss, cpu));
        }
    }
    match split_brain(&bins) {
        Some((outage, most, samples)) => println!(
            "split brain (heartbeat link cut, fencing on, keepalive 200ms deadtime 1500ms): longest client outage {outage:.2} s, at most {most} VIP holder(s) in {samples} samples"
        ),
        None => println!("split brain: the scenario did not run to the end"),
    }
    if let Some((rss, cpu)) = idle {
        println!("idle node (heartbeat+ccm+lrmd+crmd+services, keepalive 1s): RSS {rss:.1} MiB, CPU {cpu:.2}% of one core");
    }
}
