//! Failover times of one haresources site (keepalive 200 ms, deadtime 1500 ms, auto_failback on)
//! in the v1 namespace lab, for all-Heartbeat 3.0.6, all-ours (`hb_v1rsc`) and mixed (Heartbeat
//! on one node, ours on the other, both ways round) clusters. Needs root and Debian's
//! `heartbeat` package.
//!
//! ```text
//! cargo run -p lrm --example v1_failover [-- ROUNDS]
//! ```
//!
//! Each round: both nodes up with the site on node1; node1 powered off (every process killed):
//! failover = time until node2 runs the site; node1 started again: failback = time until the
//! site is back on node1 (auto_failback); `hb_standby` on node1: time until node2 runs it.
//! Times are sampled every 50 ms.

#[path = "../tests/v1lab.rs"]
mod v1lab;

use std::time::Duration;

use v1lab::{heartbeat_installed, prepare_bins, Kind, Site};

const LIMIT: Duration = Duration::from_secs(30);

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "—".to_string(), |d| format!("{:.2}", d.as_secs_f64()))
}

/// One round; `None` where a step did not happen within [`LIMIT`].
fn round(bins: &std::path::Path, kinds: [Kind; 2]) -> [Option<Duration>; 3] {
    let mut site = Site::new(bins, kinds, "on");
    site.start(0);
    site.start(1);
    if site.wait_on("node1", LIMIT).is_none() {
        return [None; 3];
    }
    site.settle();
    site.crash(0);
    let failover = site.wait_on("node2", LIMIT);
    site.start(0);
    let failback = site.wait_on("node1", LIMIT);
    site.settle();
    site.request(0, &["standby"]);
    let standby = site.wait_on("node2", LIMIT);
    [failover, failback, standby]
}

fn main() {
    if !nix::unistd::geteuid().is_root() || !heartbeat_installed() {
        eprintln!("v1_failover needs root and Debian's heartbeat package");
        std::process::exit(1);
    }
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let exe = std::env::current_exe().expect("own path");
    let bins = prepare_bins(exe.parent().unwrap().parent().unwrap().to_path_buf());
    let configs = [
        ("all Heartbeat 3.0.6", [Kind::Heartbeat, Kind::Heartbeat]),
        ("all heartbeat-rs", [Kind::Ours, Kind::Ours]),
        (
            "mixed (node1 3.0.6, node2 ours)",
            [Kind::Heartbeat, Kind::Ours],
        ),
        (
            "mixed (node1 ours, node2 3.0.6)",
            [Kind::Ours, Kind::Heartbeat],
        ),
    ];
    println!(
        "| cluster | round | failover after power-off (s) | auto-failback (s) | hb_standby (s) |"
    );
    println!("|---|---|---|---|---|");
    for (name, kinds) in configs {
        for r in 1..=rounds {
            let [a, b, c] = round(&bins, kinds);
            println!("| {name} | {r} | {} | {} | {} |", secs(a), secs(b), secs(c));
        }
    }
    println!("(— : did not happen within {} s)", LIMIT.as_secs());
}
