//! A seeded, single-threaded simulation of N ccm nodes over a faulty network.
//!
//! One [`EventQueue`]; the [`Network`]'s seeded RNG decides delays, losses and heartbeat
//! detection times, so a seed replays exactly. Packets go through the
//! real wire encoding. Heartbeat itself is modelled as "node status" events delivered a random
//! detection delay after connectivity between two nodes changes (as `deadtime` would): a node's
//! heartbeat reports a peer alive exactly when the link peer -> node delivers, so a link cut one
//! way leaves the two ends disagreeing about each other, as real heartbeat does.
//!
//! Invariants are checked after every event ([`Sim::violation`] holds the first one broken):
//! - a node only installs views that contain itself, with the right quorum flag;
//! - installed instances increase for each node incarnation;
//! - two committed views with the same instance never share a member (same name and incarnation)
//!   unless they are the same view.
//!
//! [`Sim::converged`] checks the stabilisation property: every group of connected live nodes agrees
//! on one view whose members are exactly that group.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use ccm::membership::{Config, Dest, Input, Membership, Millis, Output, Timing};
use ccm::message::Packet;
use ccm::view::{has_quorum, MemberSet, View};
use messaging::wire::Message;

use crate::net::{NetConfig, Network};
use crate::queue::EventQueue;

/// Network and failure-detector parameters of a simulation.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Number of nodes (named `n01`, `n02`, ...).
    pub nodes: usize,
    /// RNG seed.
    pub seed: u64,
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Packet delay range in ms (random within, so packets reorder).
    pub delay: (Millis, Millis),
    /// Heartbeat detection delay range in ms (status change → event).
    pub detect: (Millis, Millis),
    /// Protocol timing.
    pub timing: Timing,
    /// Trace lines kept for failure reports.
    pub keep_trace: usize,
}

impl SimConfig {
    /// Defaults for `nodes` nodes and `seed`: 1–30 ms delay, no loss, 100–800 ms detection.
    pub fn new(nodes: usize, seed: u64) -> Self {
        SimConfig {
            nodes,
            seed,
            loss: 0.0,
            delay: (1, 30),
            detect: (100, 800),
            timing: Timing::default(),
            keep_trace: 60,
        }
    }
}

#[derive(Debug, Clone)]
enum Event {
    Deliver {
        from: usize,
        to: usize,
        data: String,
    },
    Timer {
        node: usize,
        incarnation: u64,
        at: Millis,
    },
    HbCheck {
        node: usize,
        peer: usize,
    },
    /// Heartbeat on `node` tells its ccm that the ccm client on `peer` signed off.
    ClientLeft {
        node: usize,
        peer: usize,
    },
}

struct SimNode {
    name: String,
    incarnation: u64,
    machine: Membership,
    timer: Option<Millis>,
    /// Status of each peer as this node's heartbeat last reported it.
    hb_seen: BTreeMap<usize, bool>,
    /// Instance of the last view installed by the current incarnation.
    last_instance: u64,
}

/// The simulated cluster.
pub struct Sim {
    cfg: SimConfig,
    net: Network,
    queue: EventQueue<Event>,
    nodes: Vec<SimNode>,
    committed: HashMap<u64, Vec<View>>,
    trace: VecDeque<TraceEntry>,
    hasher: DefaultHasher,
    /// Views installed, in order: `(time, node, view)`.
    pub installs: Vec<(Millis, usize, View)>,
    /// Events processed so far.
    pub steps: u64,
    /// Packets handed to the network (before loss).
    pub packets: u64,
    /// Packets handed to the network, by message kind (`k=` on the wire).
    pub packets_by_kind: BTreeMap<String, u64>,
    /// The first invariant violation, if any.
    pub violation: Option<String>,
}

impl Sim {
    /// A cluster of `cfg.nodes` nodes, all up and connected, each started at time 0.
    pub fn new(cfg: SimConfig) -> Self {
        let names: BTreeSet<String> = (1..=cfg.nodes).map(|i| format!("n{i:02}")).collect();
        let nodes = names
            .iter()
            .map(|name| SimNode {
                name: name.clone(),
                incarnation: 0,
                machine: Membership::new(Config {
                    local: name.clone(),
                    incarnation: 0,
                    nodes: names.clone(),
                    timing: cfg.timing.clone(),
                }),
                timer: None,
                hb_seen: BTreeMap::new(),
                last_instance: 0,
            })
            .collect();
        let mut sim = Sim {
            net: Network::new(&NetConfig {
                nodes: cfg.nodes,
                seed: cfg.seed,
                loss: cfg.loss,
                delay: cfg.delay,
            }),
            cfg,
            queue: EventQueue::new(),
            nodes,
            committed: HashMap::new(),
            trace: VecDeque::new(),
            hasher: DefaultHasher::new(),
            installs: Vec::new(),
            steps: 0,
            packets: 0,
            packets_by_kind: BTreeMap::new(),
            violation: None,
        };
        for i in 0..sim.nodes.len() {
            sim.restart(i);
        }
        sim
    }

    /// Current simulated time.
    pub fn now(&self) -> Millis {
        self.queue.now()
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a simulation has at least one node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Node `i`'s name.
    pub fn name(&self, i: usize) -> &str {
        &self.nodes[i].name
    }

    /// Whether node `i` is running.
    pub fn is_up(&self, i: usize) -> bool {
        self.net.is_up(i)
    }

    /// Every view installed by node `i` at or after time `since`, in order.
    pub fn installs_since(&self, i: usize, since: Millis) -> Vec<&View> {
        self.installs
            .iter()
            .filter(|(at, node, _)| *node == i && *at >= since)
            .map(|(_, _, v)| v)
            .collect()
    }

    /// Node `i`'s committed view.
    pub fn view(&self, i: usize) -> Option<&View> {
        self.nodes[i].machine.view()
    }

    /// A mixing of every processed event: equal for equal seeds.
    pub fn trace_hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// The last trace lines, for failure reports.
    pub fn trace_tail(&self) -> String {
        let lines: Vec<String> = self.trace.iter().map(TraceEntry::render).collect();
        lines.join("\n")
    }

    /// Sets the packet-loss probability.
    pub fn set_loss(&mut self, loss: f64) {
        self.net.set_loss(loss);
        self.note(format!("loss {loss:.2}"));
    }

    /// Splits the network: `group[i]` is node i's side; nodes talk only within a side.
    pub fn partition(&mut self, group: Vec<usize>) {
        self.note(format!("partition {group:?}"));
        self.net.partition(group);
        self.all_pairs_changed();
    }

    /// Cuts the link between `a` and `b` only (others may still reach both: non-transitive).
    pub fn cut(&mut self, a: usize, b: usize) {
        self.note(format!("cut {a}-{b}"));
        self.net.cut(a, b);
        self.all_pairs_changed();
    }

    /// Cuts only `from -> to`: `to` stops hearing `from` (its heartbeat declares `from` dead)
    /// while `from` still hears `to`; third nodes hear both.
    pub fn cut_one_way(&mut self, from: usize, to: usize) {
        self.note(format!("cut {from}->{to}"));
        self.net.cut_one_way(from, to);
        self.all_pairs_changed();
    }

    /// Joins every side again and restores cut links.
    pub fn heal(&mut self) {
        self.note("heal".into());
        self.net.heal();
        self.all_pairs_changed();
    }

    /// Stops node `i` (its state is lost).
    pub fn crash(&mut self, i: usize) {
        if !self.net.is_up(i) {
            return;
        }
        self.note(format!("crash {}", self.nodes[i].name));
        self.net.set_up(i, false);
        self.nodes[i].timer = None;
        self.all_pairs_changed();
    }

    /// Starts node `i` again with a new incarnation and empty state.
    pub fn restart(&mut self, i: usize) {
        if self.net.is_up(i) {
            return;
        }
        self.net.set_up(i, true);
        let names: BTreeSet<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        let node = &mut self.nodes[i];
        node.incarnation += 1;
        node.timer = None;
        node.hb_seen.clear();
        node.last_instance = 0;
        node.machine = Membership::new(Config {
            local: node.name.clone(),
            incarnation: node.incarnation,
            nodes: names,
            timing: self.cfg.timing.clone(),
        });
        let line = format!("restart {} inc {}", node.name, node.incarnation);
        self.note(line);
        self.feed(i, Input::Start);
        self.all_pairs_changed();
    }

    /// Restarts only node `i`'s ccm: heartbeat stays up, so peers see no node death, only the
    /// client sign-off (and then a new incarnation).
    pub fn restart_ccm(&mut self, i: usize) {
        if !self.net.is_up(i) {
            return;
        }
        for peer in 0..self.nodes.len() {
            if peer != i && self.net.reaches(i, peer) {
                let d = self.net.delay();
                self.schedule(
                    d,
                    Event::ClientLeft {
                        node: peer,
                        peer: i,
                    },
                );
            }
        }
        self.net.set_up(i, false);
        let seen = std::mem::take(&mut self.nodes[i].hb_seen);
        self.restart(i);
        // Heartbeat itself did not restart: it reports its current view of the nodes at once.
        for (peer, alive) in seen {
            self.nodes[i].hb_seen.insert(peer, alive);
            if alive {
                let node = self.nodes[peer].name.clone();
                self.feed(i, Input::NodeStatus { node, alive });
            }
        }
    }

    /// Whether `a` and `b` can talk right now, both ways.
    pub fn connected(&self, a: usize, b: usize) -> bool {
        self.net.connected(a, b)
    }

    /// Runs events until time `until` (or until an invariant breaks).
    pub fn run_until(&mut self, until: Millis) {
        while self.violation.is_none() {
            let Some(ev) = self.queue.pop_until(until) else {
                break;
            };
            self.steps += 1;
            self.handle(ev);
        }
        self.queue.advance_to(until);
    }

    /// Runs for `ms` more milliseconds.
    pub fn run_for(&mut self, ms: Millis) {
        let until = self.now() + ms;
        self.run_until(until);
    }

    /// A random number in `lo..hi` from the simulation's RNG (for scenario drivers).
    pub fn random(&mut self, lo: u64, hi: u64) -> u64 {
        self.net.random(lo, hi)
    }

    /// `None` when every group of connected live nodes has one view whose members are exactly the
    /// group (current incarnations) and whose quorum flag is right; otherwise what is wrong.
    pub fn converged(&self) -> Option<String> {
        let mut groups: BTreeMap<usize, MemberSet> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if !self.net.is_up(i) {
                continue;
            }
            groups
                .entry(self.net.side(i))
                .or_default()
                .insert(n.name.clone(), n.incarnation);
        }
        for (i, n) in self.nodes.iter().enumerate() {
            if !self.net.is_up(i) {
                continue;
            }
            let want = &groups[&self.net.side(i)];
            let Some(v) = n.machine.view() else {
                return Some(format!("{} has no view", n.name));
            };
            if v.member_set() != *want {
                return Some(format!("{} has {v}, expected members {want:?}", n.name));
            }
            if v.quorum != has_quorum(want.len(), self.nodes.len()) {
                return Some(format!("{} has wrong quorum in {v}", n.name));
            }
            let first = want.keys().next().expect("group has members");
            let j = self.index(first);
            if self.nodes[j].machine.view() != Some(v) {
                return Some(format!("{} and {first} disagree", n.name));
            }
        }
        None
    }

    fn index(&self, name: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .expect("known node")
    }

    fn all_pairs_changed(&mut self) {
        for a in 0..self.nodes.len() {
            for b in 0..self.nodes.len() {
                if a != b && self.net.is_up(a) {
                    let d = self
                        .net
                        .random_inclusive(self.cfg.detect.0, self.cfg.detect.1);
                    self.schedule(d, Event::HbCheck { node: a, peer: b });
                }
            }
        }
    }

    fn schedule(&mut self, delay: Millis, ev: Event) {
        self.queue.schedule(delay, ev);
    }

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Deliver { from, to, data } => {
                if !self.net.reaches(from, to) {
                    return;
                }
                let msg = Message::decode(data.as_bytes()).expect("sim packets decode");
                let packet = Packet::decode(&msg).expect("sim packets are ccm packets");
                let from = self.nodes[from].name.clone();
                self.feed(to, Input::Packet { from, packet });
            }
            Event::Timer {
                node,
                incarnation,
                at,
            } => {
                let n = &self.nodes[node];
                if self.net.is_up(node) && n.incarnation == incarnation && n.timer == Some(at) {
                    self.nodes[node].timer = None;
                    self.feed(node, Input::Tick);
                }
            }
            Event::ClientLeft { node, peer } => {
                if self.net.is_up(node) {
                    let name = self.nodes[peer].name.clone();
                    self.feed(node, Input::PeerLeft { node: name });
                }
            }
            Event::HbCheck { node, peer } => {
                if !self.net.is_up(node) {
                    return;
                }
                // Heartbeat on `node` sees `peer` alive while it hears it.
                let alive = self.net.reaches(peer, node);
                if self.nodes[node].hb_seen.get(&peer) != Some(&alive) {
                    self.nodes[node].hb_seen.insert(peer, alive);
                    let name = self.nodes[peer].name.clone();
                    if !alive {
                        // Heartbeat reports the clients of a dead node as signed off first.
                        self.feed(node, Input::PeerLeft { node: name.clone() });
                    }
                    self.feed(node, Input::NodeStatus { node: name, alive });
                }
            }
        }
    }

    fn feed(&mut self, i: usize, input: Input) {
        let now = self.now();
        let outputs = self.nodes[i].machine.step(now, input.clone());
        // Hashed as data and rendered only for a failure report: formatting every step would
        // dominate the simulation's cost.
        (now, i, &input, &outputs).hash(&mut self.hasher);
        let node = self.nodes[i].name.clone();
        self.push_trace(TraceEntry::Step {
            now,
            node,
            input: input.clone(),
            outputs: outputs.clone(),
        });
        for out in outputs {
            match out {
                Output::Send { to, packet } => self.send(i, to, &packet),
                Output::SetTimer { at } => {
                    self.nodes[i].timer = Some(at);
                    let incarnation = self.nodes[i].incarnation;
                    self.schedule(
                        at.saturating_sub(now),
                        Event::Timer {
                            node: i,
                            incarnation,
                            at,
                        },
                    );
                }
                Output::NewView(view) => self.on_install(i, view),
            }
        }
    }

    fn send(&mut self, from: usize, to: Dest, packet: &Packet) {
        let msg = packet.encode();
        let kind = msg.get("k").unwrap_or_default().to_string();
        let data = msg.encode();
        let targets: Vec<usize> = match to {
            Dest::All => (0..self.nodes.len()).filter(|&j| j != from).collect(),
            Dest::Node(name) => vec![self.index(&name)],
        };
        for to in targets {
            self.packets += 1;
            *self.packets_by_kind.entry(kind.clone()).or_default() += 1;
            let Some(d) = self.net.transmit(from, to) else {
                continue;
            };
            let data = data.clone();
            self.schedule(d, Event::Deliver { from, to, data });
        }
    }

    fn on_install(&mut self, i: usize, view: View) {
        let n = &self.nodes[i];
        let mut problems = Vec::new();
        if view.member_set().get(&n.name) != Some(&n.incarnation) {
            problems.push(format!(
                "{} installed a view without itself: {view}",
                n.name
            ));
        }
        if view.instance <= n.last_instance {
            problems.push(format!(
                "{} instance went backwards: {} after {}",
                n.name, view.instance, n.last_instance
            ));
        }
        if view.quorum != has_quorum(view.members.len(), self.nodes.len()) {
            problems.push(format!("wrong quorum flag in {view}"));
        }
        let names = view.names();
        if names.windows(2).any(|w| w[0] >= w[1]) {
            problems.push(format!("members not sorted/unique in {view}"));
        }
        let set = view.member_set();
        for other in self.committed.get(&view.instance).into_iter().flatten() {
            let shared = other
                .member_set()
                .iter()
                .any(|(name, inc)| set.get(name) == Some(inc));
            if shared && (other.member_set() != set || other.leader != view.leader) {
                problems.push(format!("two views with one instance: {other} and {view}"));
            }
        }
        self.nodes[i].last_instance = view.instance;
        let line = format!("{} {} INSTALL {view}", self.now(), self.nodes[i].name);
        self.push_trace(TraceEntry::Line(line));
        self.installs.push((self.now(), i, view.clone()));
        let same = self.committed.entry(view.instance).or_default();
        if !same.contains(&view) {
            same.push(view);
        }
        if let Some(p) = problems.into_iter().next() {
            self.violation = Some(p);
        }
    }

    fn note(&mut self, line: String) {
        let line = format!("{} == {line}", self.now());
        line.hash(&mut self.hasher);
        self.push_trace(TraceEntry::Line(line));
    }

    fn push_trace(&mut self, line: TraceEntry) {
        if self.trace.len() >= self.cfg.keep_trace {
            self.trace.pop_front();
        }
        self.trace.push_back(line);
    }
}

/// One kept trace entry: a machine step, or a line said as it happened.
enum TraceEntry {
    Step {
        now: Millis,
        node: String,
        input: Input,
        outputs: Vec<Output>,
    },
    Line(String),
}

impl TraceEntry {
    fn render(&self) -> String {
        match self {
            TraceEntry::Step {
                now,
                node,
                input,
                outputs,
            } => format!("{now} {node} {input:?} -> {outputs:?}"),
            TraceEntry::Line(line) => line.clone(),
        }
    }
}

/// Outcome of one randomised scenario run.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// The seed.
    pub seed: u64,
    /// Trace hash.
    pub hash: u64,
    /// Events processed.
    pub steps: u64,
    /// Views installed (all nodes).
    pub installs: usize,
    /// Packets sent by kind.
    pub packets_by_kind: BTreeMap<String, u64>,
}

/// Runs the standard chaos scenario for `seed` with `nodes` nodes: random partitions, single
/// link cuts (non-transitive connectivity), heals, node crashes and restarts, ccm-only restarts
/// and loss; then a held partition that must converge per side; then a full heal
/// that must converge to one view. `Err` carries the seed, the problem and the trace tail.
pub fn chaos_scenario(nodes: usize, seed: u64, faults: usize) -> Result<ScenarioReport, String> {
    let mut cfg = SimConfig::new(nodes, seed);
    cfg.loss = 0.02;
    let mut sim = Sim::new(cfg);
    let fail = |sim: &Sim, what: String| {
        format!(
            "SIM_SEED={seed} nodes={nodes}: {what}\n--- last trace lines ---\n{}",
            sim.trace_tail()
        )
    };
    sim.run_for(5_000);
    for _ in 0..faults {
        let wait = sim.random(0, 4_000);
        sim.run_for(wait);
        let n = sim.len();
        match sim.random(0, 8) {
            0 | 1 => {
                let sides = sim.random(2, 4) as usize;
                let group = (0..n)
                    .map(|_| sim.random(0, sides as u64) as usize)
                    .collect();
                sim.partition(group);
            }
            2 => sim.heal(),
            3 => {
                let i = sim.random(0, n as u64) as usize;
                sim.crash(i);
            }
            4 => {
                let i = sim.random(0, n as u64) as usize;
                sim.restart(i);
            }
            6 => {
                let i = sim.random(0, n as u64) as usize;
                sim.restart_ccm(i);
            }
            5 => {
                let loss = sim.random(0, 20) as f64 / 100.0;
                sim.set_loss(loss);
            }
            _ => {
                let a = sim.random(0, n as u64) as usize;
                let b = sim.random(0, n as u64) as usize;
                if a != b {
                    sim.cut(a, b);
                }
            }
        }
        if let Some(v) = &sim.violation {
            return Err(fail(&sim, v.clone()));
        }
    }
    // Held partition (transitive), no loss: each side must agree on its own view.
    sim.set_loss(0.0);
    sim.heal();
    for i in 0..sim.len() {
        sim.restart(i);
    }
    let group = (0..sim.len()).map(|_| sim.random(0, 2) as usize).collect();
    sim.partition(group);
    sim.run_for(30_000);
    if let Some(problem) = sim.violation.clone().or_else(|| sim.converged()) {
        return Err(fail(&sim, format!("partitioned: {problem}")));
    }
    sim.heal();
    sim.run_for(30_000);
    if let Some(problem) = sim.violation.clone().or_else(|| sim.converged()) {
        return Err(fail(&sim, format!("healed: {problem}")));
    }
    Ok(ScenarioReport {
        seed,
        hash: sim.trace_hash(),
        steps: sim.steps,
        installs: sim.installs.len(),
        packets_by_kind: sim.packets_by_kind.clone(),
    })
}
