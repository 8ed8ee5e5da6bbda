//! `hb-demo`: a local three-node heartbeat-rs cluster in network namespaces running the classic
//! Heartbeat site (a virtual IP plus a web server, preferring node1), on built-in defaults.
//!
//! It starts the nodes, shows `crm_mon`, kills node1 and measures the client's outage, brings
//! node1 back, turns fencing on and cuts node2's heartbeat link (a split brain: node2 is fenced,
//! the VIP never has two holders), and then (on a terminal) lets you drive it: `mon`, `get`, `kill N`, `start N`,
//! `standby N`, `takeover N`, `quit`. `--tour-only` stops after the tour. Needs root.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use crmd::lab::{is_root, wait_until, Lab, LabConfig};
use flags::{Dialect, Given, Opt, Spec};

use crmd::lab::CLASSIC_VIP as VIP;

fn bin_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating hb-demo")?;
    let dir = if std::env::var_os("CARGO").is_some() {
        println!("building the daemons and tools ...");
        crmd::lab::prepare_bins(&exe)?
    } else {
        exe.parent()
            .context("hb-demo has no directory")?
            .to_path_buf()
    };
    for b in ["heartbeat", "ccm", "lrmd", "stonithd", "crmd", "crm_mon"] {
        if !dir.join(b).exists() {
            bail!(
                "{} is missing: run `cargo build --workspace --bins` first",
                dir.join(b).display()
            );
        }
    }
    Ok(dir)
}

fn page(lab: &Lab) -> Option<String> {
    lab.client_get(VIP, Duration::from_millis(500))
}

fn show_mon(lab: &Lab, node: usize) {
    match lab.run_on(node, "crm_mon -1") {
        Ok((_, out)) => println!("--- crm_mon -1 on {} ---\n{out}", lab.nodes[node].name),
        Err(e) => println!("crm_mon failed: {e}"),
    }
}

fn wait_page(lab: &Lab, from: &str, timeout: Duration) -> Option<Duration> {
    let t = Instant::now();
    wait_until(timeout, || lab.serves(VIP, from)).then(|| t.elapsed())
}

/// Waits until the CIB (as node2 sees it) shows the whole group running on `node`.
fn settle(lab: &Lab, node: &str) {
    let want = vec![node.to_string()];
    wait_until(Duration::from_secs(30), || {
        crmd::proto::CibClient::connect(&lab.nodes[1].cib_socket())
            .ok()
            .and_then(|mut c| c.query().ok())
            .and_then(|x| cib::xml::parse_element(&x).ok())
            .is_some_and(|cib| {
                ["IPaddr_10_1_0_100", "webserver"]
                    .iter()
                    .all(|r| crmd::status::running_on(&cib, r) == want)
            })
    });
}

fn node_index(lab: &Lab, arg: Option<&str>) -> Option<usize> {
    let name = arg?;
    lab.nodes
        .iter()
        .position(|n| n.name == name || n.name == format!("node{name}"))
}

fn tour(lab: &mut Lab) -> Result<()> {
    println!(
        "client at {} fetching http://{VIP}:8080/ ...",
        crmd::lab::CLIENT_ADDR
    );
    wait_page(lab, "node1", Duration::from_secs(60)).context("the site never came up on node1")?;
    println!("client: {}", page(lab).unwrap_or_default());
    settle(lab, "node1");
    show_mon(lab, 1);
    println!(">>> SIGKILL of every process of node1 (heartbeat, ccm, lrmd, crmd, the web server)");
    let t = Instant::now();
    lab.kill(0);
    match wait_page(lab, "node2", Duration::from_secs(30)) {
        Some(_) => println!(
            "client: served by node2 after an outage of {:.2} s",
            t.elapsed().as_secs_f64()
        ),
        None => println!("client: no failover within 30 s"),
    }
    settle(lab, "node2");
    show_mon(lab, 1);
    println!(">>> node1 comes back (auto_failback on: the site moves home)");
    lab.start(0)?;
    if wait_page(lab, "node1", Duration::from_secs(60)).is_some() {
        println!("client: {}", page(lab).unwrap_or_default());
    }
    settle(lab, "node1");
    show_mon(lab, 0);
    Ok(())
}

/// Whether every process of node `i` is gone (it was fenced or killed).
fn node_down(lab: &Lab, i: usize) -> bool {
    stonithd::netns::pids(&lab.nodes[i].ns).is_empty()
}

/// Fencing on, then the classic split brain: node2's heartbeat link is cut while the public
/// LAN stays up. The majority fences node2, and the VIP never has two holders.
fn split_brain(lab: &mut Lab) -> Result<()> {
    println!(">>> fencing on: one fence_lab device per node (stonith-enabled=true)");
    // The device that fences node1 (the active node) waits 3 s, so node1 wins a fencing race.
    lab.enable_fencing(0, &[("node1", "3s")])?;
    let devices_up = wait_until(Duration::from_secs(30), || {
        lab.cib(0).is_some_and(|c| {
            lab.nodes
                .iter()
                .all(|n| !crmd::status::running_on(&c, &format!("fence-{}", n.name)).is_empty())
        })
    });
    if !devices_up {
        println!("the fencing devices did not start within 30 s; skipping the split-brain step");
        return Ok(());
    }
    show_mon(lab, 0);
    println!(">>> cutting node2's heartbeat link (its public LAN stays up): a split brain");
    let t = Instant::now();
    lab.set_link(1, 1, false)?;
    let (mut samples, mut most, mut outage, mut down_since) = (0, 0, Duration::ZERO, None);
    let mut fenced_after = None;
    while t.elapsed() < Duration::from_secs(30) {
        let holders = lab.holders(VIP);
        samples += 1;
        most = most.max(holders.len());
        match (page(lab).is_some(), down_since) {
            (false, None) => down_since = Some(Instant::now()),
            (true, Some(d)) => {
                outage = outage.max(d.elapsed());
                down_since = None;
            }
            _ => {}
        }
        if fenced_after.is_none() && node_down(lab, 1) {
            fenced_after = Some(t.elapsed());
        }
        if fenced_after.is_some_and(|f| t.elapsed() > f + Duration::from_secs(2)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    match fenced_after {
        Some(f) => println!("node2 was fenced after {:.2} s", f.as_secs_f64()),
        None => println!("node2 was not fenced within 30 s"),
    }
    println!(
        "VIP holders: at most {most} at once over {samples} samples; longest client outage {:.2} s",
        outage.as_secs_f64()
    );
    show_mon(lab, 0);
    println!(">>> the link heals and node2 comes back");
    lab.set_link(1, 1, true)?;
    lab.start(1)?;
    let rejoined = wait_until(Duration::from_secs(30), || {
        lab.cib(0).is_some_and(|c| {
            c.child("status").is_some_and(|s| {
                s.children_named("node_state")
                    .any(|n| n.attr("uname") == Some("node2") && n.attr("crmd") == Some("online"))
            })
        })
    });
    if !rejoined {
        println!("node2 did not rejoin within 30 s");
    }
    settle(lab, "node1");
    show_mon(lab, 0);
    Ok(())
}

fn interactive(lab: &mut Lab, bins: &std::path::Path) -> Result<()> {
    println!("Commands: mon [N] | get | kill N | start N | standby N | takeover N | quit");
    println!(
        "From another shell (as root): ip netns exec {} env CIB_SOCKET={} {}/crm_mon",
        lab.nodes[1].ns,
        lab.nodes[1].cib_socket().display(),
        bins.display()
    );
    let stdin = std::io::stdin();
    loop {
        print!("hb-demo> ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let idx = node_index(lab, words.get(1).copied());
        match (words.first().copied(), idx) {
            (None, _) => {}
            (Some("quit" | "exit" | "q"), _) => return Ok(()),
            (Some("mon"), i) => show_mon(lab, i.unwrap_or(1)),
            (Some("get"), _) => println!(
                "client: {}",
                page(lab).unwrap_or_else(|| "(no answer)".into())
            ),
            (Some("kill"), Some(i)) => {
                lab.kill(i);
                println!("killed every process of {}", lab.nodes[i].name);
            }
            (Some("start"), Some(i)) => lab.start(i)?,
            (Some(cmd @ ("standby" | "takeover")), Some(i)) => {
                let (_, out) = lab.run_on(i, &format!("hb_{cmd}"))?;
                print!("{out}");
            }
            _ => println!("?  mon [N] | get | kill N | start N | standby N | takeover N | quit"),
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

const USAGE: &str = "usage: hb-demo [--tour-only]
  A three-node demo cluster in network namespaces (needs root); --tour-only skips the prompt.
";

const SPEC: Spec = Spec {
    tool: "hb-demo",
    dialect: Dialect::Getopt,
    options: &[Opt::long_flag("tour-only"), Opt::HELP_H],
    help_groups: &[],
    help: USAGE,
    version: concat!("hb-demo (heartbeat-rs) ", env!("CARGO_PKG_VERSION"), "\n"),
};

fn main() -> Result<()> {
    // Read the command line before anything is created, so a typo starts nothing.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tour_only = match flags::parse(&SPEC, &args) {
        Ok(given) if given.iter().all(|g| matches!(g, Given::Opt { .. })) => !given.is_empty(),
        Ok(_) => {
            eprint!("{USAGE}");
            std::process::exit(flags::EXIT_USAGE.into());
        }
        Err(stop) => {
            let code = stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr());
            std::process::exit(code.into());
        }
    };
    if !is_root() {
        eprintln!(
            "hb-demo needs root: it creates network namespaces, veth pairs and a bridge,\n\
             and runs our own IPaddr agent and web server in them.\n\
             Run it as root, e.g.: sudo -E cargo run -p crmd --bin hb-demo"
        );
        std::process::exit(1);
    }
    // Everything else is built from this workspace; these come with a Debian system.
    for (program, package) in [
        ("ip", "iproute2"),
        ("ss", "iproute2"),
        ("setsid", "util-linux"),
    ] {
        if !on_path(program) {
            eprintln!("hb-demo needs `{program}`: apt-get install -y {package}");
            std::process::exit(1);
        }
    }
    let bins = bin_dir()?;
    let mut config = LabConfig::classic(bins.clone());
    config.nodes = vec!["node1".into(), "node2".into(), "node3".into()];
    println!("starting node1, node2, node3 (each in its own network and UTS namespace) ...");
    println!("haresources: {}", config.haresources.trim());
    let mut lab = Lab::new(config)?;
    lab.start_all()?;
    tour(&mut lab)?;
    split_brain(&mut lab)?;
    if !tour_only && std::io::stdin().is_terminal() {
        interactive(&mut lab, &bins)?;
    }
    println!("stopping the demo cluster");
    Ok(())
}
