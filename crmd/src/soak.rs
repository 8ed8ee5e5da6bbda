//! The fault soak (modelled on Pacemaker's CTS): a 3-node namespace lab with fencing, Dummy
//! resources, a group, a clone and the classic VIP + web site, driven through seeded random
//! faults. After every event it checks each second, until the cluster converges or a deadline
//! passes, that no resource is active twice, every partition agrees on one CIB and one DC,
//! everything that can run runs, and nobody was fenced without cause; a client probes the VIP
//! all along. Needs root. Used by `examples/soak.rs` and `tests/soak.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cib::xml::Element;

use crate::lab::{client_get_in, running_on, wait_until, Lab, LabConfig, CLASSIC_VIP};

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// Number of events (faults and their repairs each count as one).
    pub events: usize,
    /// Seed of the event sequence.
    pub seed: u64,
    /// How long an event may take to converge.
    pub deadline: Duration,
    /// Directory holding the daemons (see [`crate::lab::prepare_bins`]).
    pub bin_dir: PathBuf,
}

/// The figures of a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Events run.
    pub events: usize,
    /// Distinct violations seen, over all events.
    pub violations: usize,
    /// Events that did not converge within the deadline.
    pub not_converged: usize,
    /// The client's longest outage, seconds.
    pub longest_outage: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "events {}, violations {}, not converged {}, longest outage {:.1} s",
            self.events, self.violations, self.not_converged, self.longest_outage
        )
    }
}

/// The resources the soak adds to the classic site (which brings the VIP + web group).
const RESOURCES: &str = r#"<resources>
  <primitive id="d1" class="ocf" provider="heartbeat" type="Dummy">
    <operations><op id="d1-mon" name="monitor" interval="3s"/></operations>
  </primitive>
  <primitive id="d2" class="ocf" provider="heartbeat" type="Dummy">
    <operations><op id="d2-mon" name="monitor" interval="3s"/></operations>
  </primitive>
  <group id="g">
    <primitive id="ga" class="ocf" provider="heartbeat" type="Dummy">
      <operations><op id="ga-mon" name="monitor" interval="3s"/></operations>
    </primitive>
    <primitive id="gb" class="ocf" provider="heartbeat" type="Dummy">
      <operations><op id="gb-mon" name="monitor" interval="3s"/></operations>
    </primitive>
  </group>
  <clone id="c">
    <primitive id="cd" class="ocf" provider="heartbeat" type="Dummy">
      <operations><op id="cd-mon" name="monitor" interval="3s"/></operations>
    </primitive>
  </clone>
</resources>"#;

/// The daemons a node runs, killed in turn.
const DAEMONS: [&str; 5] = ["heartbeat", "ccm", "lrmd", "stonithd", "crmd"];

/// How long a fault may go unnoticed (twice the lab's deadtime, more than a monitor interval).
const NOTICE: Duration = Duration::from_secs(4);

/// Converged checks in a row (a second apart) that make an event converged.
const STABLE: usize = 3;

/// Dummy resources whose monitor the soak can make fail.
const DUMMIES: [&str; 4] = ["d1", "d2", "ga", "gb"];

/// A small deterministic generator (splitmix64): the library carries no `rand`.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// One event: a fault, or the repair of an earlier one.
#[derive(Debug, Clone)]
enum Event {
    KillDaemon(usize, &'static str),
    PowerOff(usize),
    PowerOn(usize),
    HbCut(usize),
    HbHeal(usize),
    PublicDown(usize),
    PublicUp(usize),
    Loss(usize),
    LossEnd(usize),
    AgentFail(&'static str),
    Standby(usize),
    Online(usize),
    Move(&'static str, usize),
    Clear(&'static str),
    /// A node that was fenced (or lost its heartbeat) boots again.
    Reboot(usize),
    /// `systemctl stop heartbeat`: SIGTERM; its resources must move without any fencing.
    StopHeartbeat(usize),
}

impl Event {
    /// The repair that must follow this fault, if any.
    fn repair(&self) -> Option<Event> {
        match *self {
            Event::PowerOff(i) | Event::StopHeartbeat(i) => Some(Event::PowerOn(i)),
            Event::HbCut(i) => Some(Event::HbHeal(i)),
            Event::PublicDown(i) => Some(Event::PublicUp(i)),
            Event::Loss(i) => Some(Event::LossEnd(i)),
            Event::Standby(i) => Some(Event::Online(i)),
            Event::Move(r, _) => Some(Event::Clear(r)),
            _ => None,
        }
    }

    /// The node this event may rightly get fenced.
    fn may_fence(&self) -> Option<usize> {
        match *self {
            Event::KillDaemon(i, "heartbeat")
            | Event::PowerOff(i)
            | Event::HbCut(i)
            | Event::Loss(i) => Some(i),
            _ => None,
        }
    }

    fn describe(&self, lab: &Lab) -> String {
        let n = |i: usize| lab.nodes[i].name.clone();
        match self {
            Event::KillDaemon(i, d) => format!("kill -9 {d} on {}", n(*i)),
            Event::PowerOff(i) => format!("power off {}", n(*i)),
            Event::PowerOn(i) => format!("power on {}", n(*i)),
            Event::HbCut(i) => format!("cut heartbeat link of {}", n(*i)),
            Event::HbHeal(i) => format!("heal heartbeat link of {}", n(*i)),
            Event::PublicDown(i) => format!("public link of {} down", n(*i)),
            Event::PublicUp(i) => format!("public link of {} up", n(*i)),
            Event::Loss(i) => format!("30% loss on {} eth1", n(*i)),
            Event::LossEnd(i) => format!("end loss on {}", n(*i)),
            Event::AgentFail(r) => format!("monitor of {r} fails"),
            Event::Standby(i) => format!("standby {}", n(*i)),
            Event::Online(i) => format!("online {}", n(*i)),
            Event::Move(r, i) => format!("move {r} to {}", n(*i)),
            Event::Clear(r) => format!("clear {r}"),
            Event::Reboot(i) => format!("reboot {} (fenced or lost)", n(*i)),
            Event::StopHeartbeat(i) => format!("stop heartbeat on {}", n(*i)),
        }
    }

    /// The event's kind, for the per-kind counts.
    fn kind(&self) -> String {
        match self {
            Event::KillDaemon(_, d) => format!("kill -9 {d}"),
            other => {
                let dbg = format!("{other:?}");
                dbg.split('(').next().unwrap_or("").to_string()
            }
        }
    }
}

/// The client's view of the VIP, sampled by a thread: the longest outage since the last reset.
#[derive(Default)]
struct Probe {
    down_since: Option<Instant>,
    longest: f64,
}

impl Probe {
    fn take_longest(&mut self) -> f64 {
        let ongoing = self.down_since.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let l = self.longest.max(ongoing);
        self.longest = 0.0;
        if self.down_since.is_some() {
            self.down_since = Some(Instant::now());
        }
        l
    }
}

fn start_probe(
    ns: String,
    stop: Arc<AtomicBool>,
) -> (Arc<Mutex<Probe>>, std::thread::JoinHandle<()>) {
    let probe = Arc::new(Mutex::new(Probe::default()));
    let p = probe.clone();
    let handle = std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let ok = client_get_in(&ns, CLASSIC_VIP, Duration::from_millis(500)).is_some();
            let mut p = p.lock().expect("probe lock");
            match (ok, p.down_since) {
                (false, None) => p.down_since = Some(Instant::now()),
                (true, Some(t)) => {
                    p.longest = p.longest.max(t.elapsed().as_secs_f64());
                    p.down_since = None;
                }
                _ => {}
            }
            drop(p);
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    (probe, handle)
}

/// Runs the soak, printing one line per event and the summary.
pub fn run(opts: &SoakOptions) -> Result<Summary> {
    let mut config = LabConfig::classic(opts.bin_dir.clone());
    config.nodes = vec!["node1".into(), "node2".into(), "node3".into()];
    let mut lab = Lab::new(config)?;
    lab.start_all()?;
    if !wait_until(Duration::from_secs(90), || {
        lab.client_get(CLASSIC_VIP, Duration::from_millis(400))
            .is_some()
    }) {
        anyhow::bail!("the classic site never came up:\n{}", lab.logs());
    }
    lab.enable_fencing(0, &[]).context("enabling fencing")?;
    let extra = cib::xml::parse_element(RESOURCES).expect("built-in resources parse");
    lab.edit_cib(0, |cib| {
        let res = cib
            .child_or_insert("configuration")
            .child_or_insert("resources");
        res.children.extend(extra.children.iter().cloned());
    })
    .context("adding the soak's resources")?;
    let mut soak = Soak {
        lab,
        rng: Rng(opts.seed),
        powered_off: BTreeSet::new(),
        next_daemon: 0,
    };
    let (conv, errs) = soak.settle(Duration::from_secs(120));
    if conv.is_none() || !errs.is_empty() {
        anyhow::bail!(
            "the cluster did not settle before the first event: {errs:?}\n{}",
            soak.lab.logs()
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (probe, handle) = start_probe(soak.lab.client_ns.clone(), stop.clone());
    let mut summary = Summary::default();
    // Per kind: (events, not converged, violations).
    let mut kinds: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut pending: Option<Event> = None;
    for n in 1..=opts.events {
        let event = match pending.take() {
            Some(e) => e,
            None => soak.next_event(),
        };
        let what = event.describe(&soak.lab);
        probe.lock().expect("probe lock").take_longest();
        let fenced_before = soak.fencings();
        let started = Instant::now();
        if let Err(e) = soak.apply(&event) {
            println!("{n:4} {what}: could not apply: {e:#}");
        }
        pending = event.repair();
        let applied = started.elapsed().as_secs_f64();
        let (mut converged, mut violations) = soak.settle(opts.deadline);
        if let (Event::KillDaemon(i, "lrmd"), Some(_)) = (&event, converged) {
            // The respawned lrmd must run the node's recurring monitors again.
            if let Err(v) = soak.monitor_sees_a_failure_on(*i) {
                violations.insert(v);
            }
            let (again, more) = soak.settle(opts.deadline);
            converged = converged.zip(again).map(|(a, b)| a + b);
            violations.extend(more);
        }
        let fenced = soak.fencings();
        for (victim, count) in &fenced {
            let new = count - fenced_before.get(victim).copied().unwrap_or(0);
            let expected = event
                .may_fence()
                .is_some_and(|i| soak.lab.nodes[i].name == *victim);
            if new > 0 && !expected {
                violations.insert(format!("unexpected fencing of {victim} ({new}x)"));
            }
        }
        let outage = probe.lock().expect("probe lock").take_longest();
        summary.events += 1;
        summary.violations += violations.len();
        let k = kinds.entry(event.kind()).or_default();
        k.0 += 1;
        k.1 += usize::from(converged.is_none());
        k.2 += violations.len();
        summary.longest_outage = summary.longest_outage.max(outage);
        let conv = if let Some(t) = converged {
            format!("converged in {:.1} s", applied + t)
        } else {
            summary.not_converged += 1;
            "NOT CONVERGED".to_string()
        };
        let v: Vec<String> = violations.into_iter().collect();
        println!(
            "{n:4} {what}: {conv}, outage {outage:.1} s, violations {}{}",
            v.len(),
            if v.is_empty() {
                String::new()
            } else {
                format!(": {}", v.join("; "))
            }
        );
    }
    stop.store(true, Ordering::Relaxed);
    let _ = handle.join();
    for (kind, (count, nc, v)) in &kinds {
        println!("  {kind:<20} {count:4} events, {nc} not converged, {v} violations");
    }
    println!("{summary}");
    if summary.violations > 0 || summary.not_converged > 0 {
        if let Ok(dir) = std::env::var("SOAK_KEEP_LOGS") {
            let _ = std::fs::write(dir, soak.lab.logs());
        }
    }
    Ok(summary)
}

struct Soak {
    lab: Lab,
    rng: Rng,
    /// Nodes the soak powered off on purpose (not to be rebooted behind its back).
    powered_off: BTreeSet<usize>,
    next_daemon: usize,
}

impl Soak {
    fn n(&self) -> usize {
        self.lab.nodes.len()
    }

    /// Whether node `i` runs a heartbeat.
    fn alive(&self, i: usize) -> bool {
        !self.pids_named(i, "heartbeat").is_empty()
    }

    /// The pids in node `i`'s namespace whose `/proc/PID/comm` is `name`.
    fn pids_named(&self, i: usize, name: &str) -> Vec<i32> {
        stonithd::netns::pids(&self.lab.nodes[i].ns)
            .into_iter()
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == name)
            })
            .collect()
    }

    /// Fencing operations done so far, by victim (stonithd's "fenced X with" log lines).
    fn fencings(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for node in &self.lab.nodes {
            for line in node.log().lines() {
                if let Some(rest) = line.split("fenced ").nth(1) {
                    if let Some(victim) = rest
                        .split(" with ")
                        .next()
                        .filter(|_| rest.contains(" with "))
                    {
                        *m.entry(victim.to_string()).or_insert(0) += 1;
                    }
                }
            }
        }
        m
    }

    fn next_event(&mut self) -> Event {
        // A node that is down without the soak having powered it off was fenced: boot it.
        if let Some(i) = (0..self.n()).find(|&i| !self.powered_off.contains(&i) && !self.alive(i)) {
            return Event::Reboot(i);
        }
        let i = self.rng.below(self.n());
        match self.rng.below(10) {
            0 | 1 => {
                let d = DAEMONS[self.next_daemon % DAEMONS.len()];
                self.next_daemon += 1;
                Event::KillDaemon(i, d)
            }
            2 => Event::PowerOff(i),
            3 => Event::HbCut(i),
            4 => Event::PublicDown(i),
            5 => Event::Loss(i),
            6 => Event::AgentFail(DUMMIES[self.rng.below(DUMMIES.len())]),
            7 => Event::Standby(i),
            8 => Event::StopHeartbeat(i),
            _ => Event::Move(DUMMIES[self.rng.below(DUMMIES.len())], i),
        }
    }

    fn apply(&mut self, event: &Event) -> Result<()> {
        match *event {
            Event::KillDaemon(i, d) => {
                for pid in self.pids_named(i, d) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
            Event::PowerOff(i) => {
                self.lab.kill(i);
                self.powered_off.insert(i);
            }
            Event::StopHeartbeat(i) => {
                for pid in self.pids_named(i, "heartbeat") {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGTERM,
                    );
                }
                self.powered_off.insert(i);
                // crmd hands the node's resources over before heartbeat ends.
                let _ = wait_until(Duration::from_secs(110), || !self.alive(i));
            }
            Event::PowerOn(i) | Event::Reboot(i) => {
                self.lab.kill(i);
                self.lab.start(i)?;
                self.powered_off.remove(&i);
            }
            Event::HbCut(i) => self.lab.set_link(i, 1, false)?,
            Event::HbHeal(i) => self.lab.set_link(i, 1, true)?,
            Event::PublicDown(i) => self.lab.set_link(i, 0, false)?,
            Event::PublicUp(i) => self.lab.set_link(i, 0, true)?,
            Event::Loss(i) => {
                for chain in ["INPUT", "OUTPUT"] {
                    let dir = if chain == "INPUT" { "-i" } else { "-o" };
                    let (rc, out) = self.lab.run_on(
                        i,
                        &format!("iptables -A {chain} {dir} eth1 -m statistic --mode random --probability 0.3 -j DROP"),
                    )?;
                    anyhow::ensure!(rc == 0, "iptables: {out}");
                }
                // The loss lasts a while before its repair.
                std::thread::sleep(Duration::from_secs(10));
            }
            Event::LossEnd(i) => {
                self.lab
                    .run_on(i, "iptables -F INPUT; iptables -F OUTPUT")?;
            }
            Event::AgentFail(r) => {
                // Dummy's monitor says "not running" (7) once its state file is gone.
                for node in &self.lab.nodes {
                    let f = node.dir.join(format!("rsctmp/Dummy-{r}.state"));
                    let _ = std::fs::remove_file(f);
                }
            }
            Event::Standby(i) | Event::Online(i) => {
                let v = if matches!(event, Event::Standby(_)) {
                    "on"
                } else {
                    "off"
                };
                let j = self.live_other(i);
                let (rc, out) = self.lab.run_on(
                    j,
                    &format!("crm_standby -N {} -v {v}", self.lab.nodes[i].name),
                )?;
                anyhow::ensure!(rc == 0, "crm_standby: {out}");
            }
            Event::Move(r, i) => {
                let j = self.live_other(i);
                let (rc, out) = self.lab.run_on(
                    j,
                    &format!("crm_resource --move -r {r} -N {}", self.lab.nodes[i].name),
                )?;
                // 108 (CRM_EX_EXISTS): it already runs there, as Pacemaker answers.
                anyhow::ensure!(rc == 0 || rc == 108, "crm_resource --move: {out}");
            }
            Event::Clear(r) => {
                let j = self.live_other(usize::MAX);
                let (rc, out) = self
                    .lab
                    .run_on(j, &format!("crm_resource --clear -r {r}"))?;
                anyhow::ensure!(rc == 0, "crm_resource --clear: {out}");
            }
        }
        Ok(())
    }

    /// A live node, preferably not `i`, to run commands on.
    fn live_other(&self, i: usize) -> usize {
        (0..self.n())
            .filter(|&j| j != i)
            .chain([i])
            .find(|&j| j < self.n() && self.alive(j))
            .unwrap_or(0)
    }

    /// Checks every second until converged or `deadline`: (seconds to converge if it did,
    /// violations seen). The cluster needs a while to notice a fault (deadtime, a monitor
    /// interval), so convergence only counts from [`NOTICE`] on, and only once it held for
    /// [`STABLE`] checks in a row.
    fn settle(&self, deadline: Duration) -> (Option<f64>, BTreeSet<String>) {
        let start = Instant::now();
        let mut seen = BTreeSet::new();
        let mut streak: Option<(usize, f64)> = None;
        loop {
            let (ok, violations, why) = self.check();
            seen.extend(violations);
            let t = start.elapsed();
            streak = match (ok && t >= NOTICE, streak) {
                (false, _) => None,
                (true, None) => Some((1, t.as_secs_f64())),
                (true, Some((n, since))) => Some((n + 1, since)),
            };
            if let Some((_, since)) = streak.filter(|(n, _)| *n >= STABLE) {
                return (Some(since), seen);
            }
            if t > deadline {
                if std::env::var_os("SOAK_VERBOSE").is_some() {
                    eprintln!("not converged: {why}");
                }
                return (None, seen);
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// The Dummy agents' state files on the live nodes (the agents' own truth, not the CIB's):
    /// instance (`d1`, `cd:0`) -> nodes where it is active.
    fn dummies_on_disk(&self) -> BTreeMap<String, Vec<String>> {
        let mut on: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, node) in self.lab.nodes.iter().enumerate() {
            if !self.alive(i) {
                continue;
            }
            let Ok(dir) = std::fs::read_dir(node.dir.join("rsctmp")) else {
                continue;
            };
            for e in dir.flatten() {
                let f = e.file_name().to_string_lossy().into_owned();
                if let Some(inst) = f
                    .strip_prefix("Dummy-")
                    .and_then(|r| r.strip_suffix(".state"))
                {
                    on.entry(inst.to_string())
                        .or_default()
                        .push(node.name.clone());
                }
            }
        }
        on
    }

    /// After an lrmd restart on node `i`: a Dummy running there loses its state file, and its
    /// recurring monitor must notice (a new monitor failure in the CIB) within a bound.
    fn monitor_sees_a_failure_on(&self, i: usize) -> std::result::Result<(), String> {
        let name = self.lab.nodes[i].name.clone();
        let disk = self.dummies_on_disk();
        let Some(rsc) = DUMMIES
            .iter()
            .find(|r| disk.get(**r).is_some_and(|on| on == &vec![name.clone()]))
        else {
            return Ok(()); // nothing of ours runs there
        };
        let failures = |c: &Element| {
            crate::status::get_attr(
                c,
                &name,
                &crate::status::fail_count_name(rsc, "monitor", 3000),
            )
        };
        let before = self.lab.cib(i).map(|c| failures(&c));
        let f = self.lab.nodes[i]
            .dir
            .join(format!("rsctmp/Dummy-{rsc}.state"));
        let _ = std::fs::remove_file(f);
        let seen = wait_until(Duration::from_secs(15), || {
            (0..self.n())
                .filter_map(|j| self.lab.cib(j))
                .any(|c| Some(failures(&c)) != before)
        });
        if seen {
            Ok(())
        } else {
            Err(format!(
                "{rsc}'s monitor on {name} did not run after the lrmd restart"
            ))
        }
    }

    /// One look at the cluster: (converged, safety violations, why not converged).
    fn check(&self) -> (bool, Vec<String>, String) {
        let mut violations = Vec::new();
        let disk = self.dummies_on_disk();
        let holders = self.lab.holders(CLASSIC_VIP);
        if holders.len() > 1 {
            violations.push(format!("VIP held by {}", holders.join(",")));
        }
        let live: Vec<usize> = (0..self.n()).filter(|&i| self.alive(i)).collect();
        let cibs: BTreeMap<usize, Element> = live
            .iter()
            .filter_map(|&i| self.lab.cib(i).map(|c| (i, c)))
            .collect();
        for (i, cib) in &cibs {
            for rsc in primitives(cib) {
                if rsc.clone_member {
                    continue;
                }
                let on = running_on(cib, &rsc.id);
                if on.len() > 1 {
                    violations.push(format!(
                        "{} active on {} (CIB of {})",
                        rsc.id,
                        on.join(","),
                        self.lab.nodes[*i].name
                    ));
                }
            }
        }
        // An anonymous clone's instances may share a name; every other instance runs once.
        let clones: BTreeSet<String> = cibs
            .values()
            .next()
            .map(|c| {
                primitives(c)
                    .into_iter()
                    .filter(|p| p.clone_member)
                    .map(|p| p.id)
                    .collect()
            })
            .unwrap_or_default();
        for (inst, on) in &disk {
            let anonymous = clones.contains(inst);
            if on.len() > 1 && !anonymous {
                violations.push(format!(
                    "{inst} active on {} (agent state files)",
                    on.join(",")
                ));
            }
        }
        if cibs.len() < live.len() {
            return (
                false,
                violations,
                "a live node's CIB does not answer".into(),
            );
        }
        // Partitions: each node's set of online members must agree with its members' sets.
        let mut why = String::new();
        let mut quorate = None;
        for (i, cib) in &cibs {
            let members = online(cib);
            let me = &self.lab.nodes[*i].name;
            if !members.contains(me) {
                why = format!("{me} does not see itself online");
                continue;
            }
            for m in &members {
                let Some(j) = self.lab.nodes.iter().position(|n| &n.name == m) else {
                    continue;
                };
                let Some(other) = cibs.get(&j) else {
                    why = format!("{me} sees {m} online, but it is down");
                    continue;
                };
                if online(other) != members {
                    why = format!("{me} and {m} disagree on the membership");
                } else if version(other) != version(cib) {
                    why = format!("{me} and {m} have different CIB versions");
                } else if other.to_xml_compact() != cib.to_xml_compact() {
                    why = format!("{me} and {m} hold different CIBs at the same version");
                } else if other.attr("dc-uuid") != cib.attr("dc-uuid") {
                    why = format!("{me} and {m} disagree on the DC");
                }
            }
            match dc_name(cib) {
                Some(dc) if members.contains(&dc) => {}
                _ => why = format!("{me}'s partition has no DC"),
            }
            if members.len() * 2 > self.n() {
                quorate = Some((*i, members));
            }
        }
        if !why.is_empty() {
            return (false, violations, why);
        }
        let Some((i, members)) = quorate else {
            return (live.is_empty(), violations, "no quorate partition".into());
        };
        let cib = &cibs[&i];
        let active: Vec<&String> = members.iter().filter(|m| !standby(cib, m)).collect();
        for rsc in primitives(cib) {
            let on = running_on(cib, &rsc.id);
            let want = if rsc.clone_member { active.len() } else { 1 };
            if on.len() != want {
                return (
                    false,
                    violations,
                    format!("{} runs on {on:?}, expected {want} instance(s)", rsc.id),
                );
            }
            if !rsc.dummy {
                continue;
            }
            // The agents agree: each instance active once, on the node the CIB says.
            let mut agents: Vec<String> = disk
                .iter()
                .filter(|(inst, _)| {
                    inst.as_str() == rsc.id || inst.split(':').next() == Some(rsc.id.as_str())
                })
                .flat_map(|(_, nodes)| nodes.iter().cloned())
                .collect();
            agents.sort();
            let mut cib_on = on.clone();
            cib_on.sort();
            if agents != cib_on {
                return (
                    false,
                    violations,
                    format!(
                        "{}'s agents run on {agents:?}, the CIB says {cib_on:?}",
                        rsc.id
                    ),
                );
            }
        }
        (true, violations, String::new())
    }
}

struct Primitive {
    id: String,
    clone_member: bool,
    /// An `ocf:heartbeat:Dummy` (its state file tells where it runs).
    dummy: bool,
}

/// Every configured primitive, noting which are clone instances.
fn primitives(cib: &Element) -> Vec<Primitive> {
    fn walk(e: &Element, in_clone: bool, out: &mut Vec<Primitive>) {
        for c in e.elements() {
            match c.name.as_str() {
                "primitive" => out.push(Primitive {
                    id: c.attr("id").unwrap_or_default().to_string(),
                    clone_member: in_clone,
                    dummy: c.attr("type") == Some("Dummy"),
                }),
                "group" => walk(c, in_clone, out),
                "clone" | "master" => walk(c, true, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(r) = cib
        .child("configuration")
        .and_then(|c| c.child("resources"))
    {
        walk(r, false, &mut out);
    }
    out
}

/// The nodes the CIB's status shows with crmd online.
fn online(cib: &Element) -> BTreeSet<String> {
    cib.child("status")
        .map(|s| {
            s.children_named("node_state")
                .filter(|n| n.attr("crmd") == Some("online"))
                .filter_map(|n| n.attr("uname").map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn version(cib: &Element) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        cib.attr("admin_epoch"),
        cib.attr("epoch"),
        cib.attr("num_updates"),
    )
}

/// The DC's name, from `dc-uuid` and the node_state ids.
fn dc_name(cib: &Element) -> Option<String> {
    let uuid = cib.attr("dc-uuid")?;
    let status = cib.child("status")?;
    status
        .children_named("node_state")
        .find(|n| n.attr("id") == Some(uuid))
        .and_then(|n| n.attr("uname"))
        .map(str::to_string)
        .or_else(|| {
            cib.child("configuration")?
                .child("nodes")?
                .children_named("node")
                .find(|n| n.attr("id") == Some(uuid))
                .and_then(|n| n.attr("uname"))
                .map(str::to_string)
        })
}

/// Whether node `name` is in standby per the CIB.
fn standby(cib: &Element, name: &str) -> bool {
    let Some(nodes) = cib.child("configuration").and_then(|c| c.child("nodes")) else {
        return false;
    };
    nodes
        .children_named("node")
        .filter(|n| n.attr("uname") == Some(name))
        .flat_map(|n| n.children_named("instance_attributes"))
        .flat_map(|ia| ia.children_named("nvpair"))
        .any(|nv| nv.attr("name") == Some("standby") && nv.attr("value") == Some("on"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIB: &str = r#"<cib epoch="5" num_updates="2" admin_epoch="0" dc-uuid="u2">
      <configuration>
        <nodes>
          <node id="u1" uname="node1"><instance_attributes id="n1-ia">
            <nvpair id="n1-sb" name="standby" value="on"/></instance_attributes></node>
          <node id="u2" uname="node2"/>
        </nodes>
        <resources>
          <primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>
          <group id="g"><primitive id="ga" class="ocf" provider="heartbeat" type="Dummy"/></group>
          <clone id="c"><primitive id="cd" class="ocf" provider="heartbeat" type="Dummy"/></clone>
        </resources>
      </configuration>
      <status>
        <node_state id="u1" uname="node1" crmd="online"/>
        <node_state id="u2" uname="node2" crmd="online"/>
        <node_state id="u3" uname="node3" crmd="offline"/>
      </status>
    </cib>"#;

    #[test]
    fn reads_primitives_membership_dc_and_standby_from_a_cib() {
        let cib = cib::xml::parse_element(CIB).unwrap();
        let p: Vec<(String, bool)> = primitives(&cib)
            .into_iter()
            .map(|p| (p.id, p.clone_member))
            .collect();
        assert_eq!(
            p,
            [
                ("d1".to_string(), false),
                ("ga".to_string(), false),
                ("cd".to_string(), true)
            ]
        );
        assert_eq!(
            online(&cib).into_iter().collect::<Vec<_>>(),
            ["node1", "node2"]
        );
        assert_eq!(dc_name(&cib).as_deref(), Some("node2"));
        assert!(standby(&cib, "node1") && !standby(&cib, "node2"));
        assert_eq!(version(&cib), (Some("0"), Some("5"), Some("2")));
    }

    #[test]
    fn the_same_seed_gives_the_same_events() {
        let draw = |seed| {
            let mut r = Rng(seed);
            (0..50).map(|_| r.below(9)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        assert!(draw(7).iter().all(|&x| x < 9));
    }

    #[test]
    fn faults_have_repairs_and_only_some_may_fence() {
        assert!(matches!(Event::HbCut(1).repair(), Some(Event::HbHeal(1))));
        assert!(Event::KillDaemon(0, "crmd").repair().is_none());
        assert_eq!(Event::KillDaemon(2, "heartbeat").may_fence(), Some(2));
        assert_eq!(Event::KillDaemon(2, "ccm").may_fence(), None);
        assert_eq!(Event::Standby(1).may_fence(), None);
    }
}
