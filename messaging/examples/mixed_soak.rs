//! Long run of a mixed cluster: a real Heartbeat 3.0.6 node (`alpha`) and ours (`beta`), with a
//! client on beta sending a 1 KB message to the cluster every 100 ms (the real node acknowledges
//! them for flow control) and optional packet loss. Counts, per minute:
//! - false deaths: either side reporting the other not `active` while both run;
//! - stalls: a `cl_status` query on either side failing or taking longer than 2 s, or a 10 s
//!   window in which beta received no flow-control ack from alpha (alpha stopped taking our
//!   packets in order) or sent none (alpha's clients would stall).
//!
//! `cargo run -p messaging --example mixed_soak -- --minutes N [--loss PERCENT]` (root, Debian's
//! `heartbeat` package; needs our `heartbeat` and cli's `cl_status` built: `cargo build -p
//! messaging -p cli`).
//!
//! `-- --detect R` instead measures death detection in the same lab for all-Heartbeat, all-ours
//! and mixed pairs: R rounds of SIGKILL to each node in turn, time until the other's `cl_status
//! nodestatus` says `dead` (polled every 50 ms), as a table.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use messaging::client::Client;
use messaging::lab::{self, Kind, Lab};
use messaging::wire::Message;

const HACF: &str = "keepalive 250ms\ndeadtime 2\nwarntime 1\ninitdead 4\nudpport 694\n\
bcast eth0\nnode alpha beta\ncrm off\nauto_failback off\n";
const AUTHKEYS: &str = "auth 1\n1 sha1 soak-secret\n";

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(lab: &Lab) -> Vec<(String, u64)> {
    Client::connect(&lab.socket(1), "anon")
        .and_then(|mut c| c.stats())
        .unwrap_or_default()
}

fn stat(s: &[(String, u64)], name: &str) -> u64 {
    s.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v)
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Real => "Heartbeat 3.0.6",
        Kind::Ours => "heartbeat-rs",
    }
}

/// Death detection for each pairing, `rounds` kills of each node.
fn detect(rounds: u64, ours: &Path, cl: &Path) -> anyhow::Result<()> {
    println!("death detection, keepalive 250ms, deadtime 2s, cl_status polled every 50 ms");
    println!("| killed | observer | rounds | min ms | median ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for pair in [
        [Kind::Real, Kind::Real],
        [Kind::Ours, Kind::Ours],
        [Kind::Real, Kind::Ours],
    ] {
        let mut lab = Lab::new(
            &[("alpha", pair[0]), ("beta", pair[1])],
            HACF,
            AUTHKEYS,
            ours,
        )?;
        lab.start(0)?;
        lab.start(1)?;
        let up = Duration::from_secs(40);
        let names = ["alpha", "beta"];
        let formed = |lab: &Lab| {
            lab.wait_status(0, "beta", "active", up, Some(cl)).is_some()
                && lab
                    .wait_status(1, "alpha", "active", up, Some(cl))
                    .is_some()
        };
        anyhow::ensure!(
            formed(&lab),
            "no cluster
{}
{}",
            lab.log(0),
            lab.log(1)
        );
        let mut times: [Vec<u128>; 2] = [vec![], vec![]];
        for _ in 0..rounds {
            for victim in [0, 1] {
                let observer = 1 - victim;
                lab.kill9(victim);
                let t = lab.wait_status(
                    observer,
                    names[victim],
                    "dead",
                    Duration::from_secs(20),
                    Some(cl),
                );
                times[victim].push(t.map_or(u128::MAX, |d| d.as_millis()));
                lab.start(victim)?;
                anyhow::ensure!(
                    formed(&lab),
                    "no rejoin
{}
{}",
                    lab.log(0),
                    lab.log(1)
                );
            }
        }
        for victim in [0, 1] {
            if pair[0] == pair[1] && victim == 1 {
                // Same kinds: fold both directions into one row.
                continue;
            }
            let mut t = times[victim].clone();
            if pair[0] == pair[1] {
                t.extend(&times[1]);
            }
            t.sort_unstable();
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                kind_name(pair[victim]),
                kind_name(pair[1 - victim]),
                t.len(),
                t[0],
                t[t.len() / 2],
                t[t.len() - 1]
            );
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let minutes = arg(&args, "--minutes", 1);
    let loss = arg(&args, "--loss", 0);
    let detect_rounds = arg(&args, "--detect", 0);
    if let Some(why) = lab::unavailable() {
        println!("SKIP mixed_soak: {why}");
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let ours = target.join("heartbeat");
    let cl: PathBuf = target.join("cl_status");
    anyhow::ensure!(
        ours.exists() && cl.exists(),
        "build first: cargo build -p messaging -p cli ({} / {})",
        ours.display(),
        cl.display()
    );
    if detect_rounds > 0 {
        return detect(detect_rounds, &ours, &cl);
    }
    let mut lab = Lab::new(
        &[("alpha", Kind::Real), ("beta", Kind::Ours)],
        HACF,
        AUTHKEYS,
        &ours,
    )?;
    lab.start(0)?;
    lab.start(1)?;
    let up = Duration::from_secs(30);
    anyhow::ensure!(
        lab.wait_status(0, "beta", "active", up, Some(&cl))
            .is_some()
            && lab
                .wait_status(1, "alpha", "active", up, Some(&cl))
                .is_some(),
        "the cluster did not form\n{}\n{}",
        lab.log(0),
        lab.log(1)
    );
    if loss > 0 {
        // Both directions on alpha's side: its input and its output.
        for chain in ["INPUT", "OUTPUT"] {
            let p = format!("{:.4}", 1.0 - (1.0 - loss as f64 / 100.0f64).sqrt());
            let ok = std::process::Command::new("ip")
                .args(["netns", "exec", &lab.nodes[0].ns, "iptables", "-A", chain])
                .args(["-p", "udp", "-m", "statistic", "--mode", "random"])
                .args(["--probability", &p, "-j", "DROP"])
                .status()?
                .success();
            anyhow::ensure!(ok, "iptables failed");
        }
    }
    // Client traffic from beta.
    let sock = lab.socket(1);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let sender = std::thread::spawn(move || -> u64 {
        let mut sent = 0;
        let Ok(mut c) = Client::connect(&sock, "soak") else {
            return 0;
        };
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let mut m = Message::with_type("soak");
            m.set("n", sent.to_string()).set("pad", "x".repeat(1000));
            if c.send_to_all(&m).is_ok() {
                sent += 1;
            }
            while let Ok(Some(_)) = c.recv_timeout(Duration::from_millis(1)) {}
            std::thread::sleep(Duration::from_millis(100));
        }
        sent
    });

    println!("mixed soak: alpha = Heartbeat 3.0.6, beta = ours; keepalive 250ms, deadtime 2s, loss {loss}%, {minutes} min");
    println!("| minute | false deaths | stalls | slowest cl_status ms | beta pkts in | rexmit req | rexmitted | acks in | acks out | alpha 'lost packet' lines |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let (mut false_deaths, mut stalls) = (0u64, 0u64);
    let start = Instant::now();
    let mut last_acks = (0u64, 0u64, Instant::now());
    for minute in 1..=minutes {
        let (mut fd, mut st, mut slowest) = (0u64, 0u64, Duration::ZERO);
        let end = start + Duration::from_secs(60 * minute);
        while Instant::now() < end {
            for (i, other) in [(0, "beta"), (1, "alpha")] {
                let t = Instant::now();
                let s = lab.cl_status(i, &["nodestatus", other], Some(&cl));
                let took = t.elapsed();
                slowest = slowest.max(took);
                match s.as_deref() {
                    Some("active") => {}
                    Some(_) => fd += 1,
                    None => st += 1,
                }
                if took > Duration::from_secs(2) {
                    st += 1;
                }
            }
            let s = stats(&lab);
            let (ain, aout) = (stat(&s, "acks_in"), stat(&s, "acks_out"));
            if ain != last_acks.0 && aout != last_acks.1 {
                last_acks = (ain, aout, Instant::now());
            } else if last_acks.2.elapsed() > Duration::from_secs(10) {
                st += 1;
                last_acks = (ain, aout, Instant::now());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false_deaths += fd;
        stalls += st;
        let s = stats(&lab);
        let lost = lab
            .log(0)
            .lines()
            .filter(|l| l.contains("lost packet"))
            .count();
        println!(
            "| {minute} | {fd} | {st} | {} | {} | {} | {} | {} | {} | {lost} |",
            slowest.as_millis(),
            stat(&s, "packets_in"),
            stat(&s, "rexmit_requests"),
            stat(&s, "rexmitted"),
            stat(&s, "acks_in"),
            stat(&s, "acks_out"),
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = sender.join().unwrap_or(0);
    println!(
        "total: {false_deaths} false deaths, {stalls} stalls in {minutes} min; beta's client sent {sent} messages"
    );
    // What the real node complained about (its mlockall warning aside).
    let mut complaints = std::collections::BTreeMap::<String, u64>::new();
    for line in lab
        .log(0)
        .lines()
        .filter(|l| l.contains("ERROR") || l.contains("CRIT"))
    {
        if line.contains("lock ourselves into memory") {
            continue;
        }
        let what = line.split("]: ").nth(1).unwrap_or(line);
        let what: String = what.chars().filter(|c| !c.is_ascii_digit()).collect();
        *complaints.entry(what).or_default() += 1;
    }
    for (what, n) in complaints {
        println!("alpha logged {n}x: {what}");
    }
    Ok(())
}
