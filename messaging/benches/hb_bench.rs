//! Heartbeat benchmark (needs root): death-detection latency, idle CPU and RSS per node for 2- and
//! 5-node clusters in network namespaces. Run: `cargo bench -p messaging --bench hb_bench`.

#[path = "../tests/harness/mod.rs"]
mod harness;

use std::time::{Duration, Instant};

use harness::{hacf, sees, start_cluster, wait_until, Net, Node};
use messaging::client::{Event, NodeStatus};

const KEEPALIVE_MS: u64 = 200;
const DEADTIME_MS: u64 = 1500;
const ROUNDS: usize = 3;
const IDLE_SECS: u64 = 10;

fn clock_ticks() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_comm = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after_comm.split_whitespace().collect();
    // Fields 14 and 15 of stat; after the comm they are at 11 and 12 (0-based).
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn pid(node: &Node) -> u32 {
    node.child.as_ref().expect("running").id()
}

fn all_active(nodes: &[Node]) -> bool {
    nodes.iter().all(|o| {
        nodes
            .iter()
            .filter(|n| n.name != o.name)
            .all(|n| sees(o, &n.name, "active"))
    })
}

struct Row {
    nodes: usize,
    detect_ms: Vec<u128>,
    cpu_pct: f64,
    rss_kib: u64,
}

fn measure(n: usize) -> Row {
    let net = Net::new(n, 1);
    let conf = hacf(n, "bcast eth0", "")
        .replace("keepalive 200ms", &format!("keepalive {KEEPALIVE_MS}ms"))
        .replace("deadtime 1500ms", &format!("deadtime {DEADTIME_MS}ms"));
    let mut nodes = start_cluster(&net, &conf);
    assert!(
        wait_until(Duration::from_secs(15), || all_active(&nodes)),
        "cluster did not form"
    );

    // Idle cost: CPU over IDLE_SECS and resident memory, averaged over nodes.
    let before: Vec<u64> = nodes.iter().map(|n| cpu_ticks(pid(n))).collect();
    std::thread::sleep(Duration::from_secs(IDLE_SECS));
    let used: u64 = nodes
        .iter()
        .zip(&before)
        .map(|(n, b)| cpu_ticks(pid(n)) - b)
        .sum();
    let cpu_pct = used as f64 / clock_ticks() / IDLE_SECS as f64 / n as f64 * 100.0;
    let rss = nodes.iter().map(|n| rss_kib(pid(n))).sum::<u64>() / n as u64;

    // Death detection: SIGKILL the last node, time until node0's client hears it is dead.
    let mut detect = Vec::new();
    let victim = n - 1;
    let victim_name = nodes[victim].name.clone();
    for _ in 0..ROUNDS {
        let mut watcher = nodes[0].client("bench");
        while let Ok(Some(_)) = watcher.recv_timeout(Duration::from_millis(1)) {}
        let t0 = Instant::now();
        nodes[victim].kill9();
        loop {
            match watcher.recv_timeout(Duration::from_secs(10)).expect("recv") {
                Some(Event::Node(e)) if e.node == victim_name && e.status == NodeStatus::Dead => {
                    break
                }
                Some(_) => {}
                None => panic!("death not reported"),
            }
        }
        detect.push(t0.elapsed().as_millis());
        nodes[victim].start();
        assert!(
            wait_until(Duration::from_secs(15), || all_active(&nodes)),
            "rejoin failed"
        );
    }
    Row {
        nodes: n,
        detect_ms: detect,
        cpu_pct,
        rss_kib: rss,
    }
}

fn main() {
    if harness::skip_unless_root("hb_bench") {
        return;
    }
    println!(
        "heartbeat-rs: keepalive {KEEPALIVE_MS} ms, deadtime {DEADTIME_MS} ms, bcast over a veth bridge; \
         detection bound = deadtime + keepalive = {} ms",
        DEADTIME_MS + KEEPALIVE_MS
    );
    println!("| nodes | detect min ms | detect median ms | detect max ms | idle CPU % per node | RSS KiB per node |");
    println!("|------:|--------------:|-----------------:|--------------:|--------------------:|-----------------:|");
    for n in [2, 5] {
        let mut r = measure(n);
        r.detect_ms.sort();
        println!(
            "| {} | {} | {} | {} | {:.3} | {} |",
            r.nodes,
            r.detect_ms[0],
            r.detect_ms[r.detect_ms.len() / 2],
            r.detect_ms[r.detect_ms.len() - 1],
            r.cpu_pct,
            r.rss_kib
        );
    }
}
