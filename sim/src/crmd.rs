//! A seeded, single-threaded simulation of a cluster of crmd cores over [`crate::net`].
//!
//! Every node is a real [`crmd::core::Core`] driven through `step`; around it the harness plays
//! the neighbours: a network of per-pair FIFO links that can be cut (heartbeat's reliable,
//! ordered delivery while a link is up), a membership service that turns connectivity into ccm
//! views after a detection delay, a [`FakeLrm`] per node and a power fencer. One ChaCha RNG
//! seeded by the caller decides every delay, so a seed replays exactly.
//!
//! Checked at every step: no resource's agent runs on two nodes, and no fencing targets a
//! node that had no trouble (a healthy member) or the node that asked. Checked once the
//! cluster should have settled ([`Cluster::check_converged`]): one DC that every node follows,
//! identical CIBs, every resource running exactly once with its recurring monitor in place.

use std::collections::{BTreeMap, BTreeSet};

use ccm::api::{EventKind, ViewEvent};
use cib::xml::Element;
use crmd::core::{Command, Config, Core, Input, Neighbour, Now, Phase};
use crmd::peer::PeerMsg;

use crate::fake_lrm::FakeLrm;
use crate::net::{NetConfig, Network};
use crate::queue::EventQueue;
use crate::Millis;

/// Wall-clock seconds at simulated time 0.
const WALL_BASE: i64 = 1_700_000_000;

/// One simulated node.
pub struct SimNode {
    /// `node1`, `node2`, ...
    pub name: String,
    /// The node's crmd.
    pub core: Core,
    /// Powered on.
    pub alive: bool,
    /// Its crmd runs (false after it exited and until a power-on or restart).
    pub crmd_running: bool,
    /// heartbeat is stopping on it (`stop_heartbeat`): when crmd exits 0 the node leaves.
    pub leaving: bool,
    /// crmd incarnation: inputs for an older one are dropped.
    pub gen: u64,
    /// The view instance it joined in (ccm's "born").
    pub born: u64,
    /// What runs there.
    pub lrm: FakeLrm,
    /// The CIB configuration on this node's disk (what a restarted crmd starts from).
    pub disk: Element,
    /// The wake-up the core asked for.
    wake: Option<Millis>,
}

enum Ev {
    /// An input for a node's crmd incarnation.
    Input { node: usize, gen: u64, input: Input },
    /// An LRM result, lost if lrmd restarted meanwhile.
    LrmDone {
        node: usize,
        gen: u64,
        lrm_gen: u64,
        input: Input,
    },
    /// The core's timer.
    Tick { node: usize, gen: u64, at: Millis },
    /// The membership service publishes views for the current connectivity.
    Views,
    /// A fencing device powers a node off, then answers the requester.
    FenceFire {
        by: usize,
        gen: u64,
        tid: u64,
        aid: u32,
        target: String,
    },
}

/// A fencing request seen on the wire.
#[derive(Debug, Clone)]
pub struct FenceRecord {
    /// When it was asked.
    pub at: Millis,
    /// The asking node.
    pub by: String,
    /// The node to fence.
    pub target: String,
}

/// The cluster.
pub struct Cluster {
    net: Network,
    queue: EventQueue<Ev>,
    /// The nodes, in the network's order.
    pub nodes: Vec<SimNode>,
    /// Last scheduled delivery per directed link (FIFO).
    last_delivery: BTreeMap<(usize, usize), Millis>,
    instance: u64,
    /// Nodes that had trouble (crash, partition) since the last convergence: fencing them is
    /// expected.
    pub troubled: BTreeSet<String>,
    /// Every fencing request made.
    pub fences: Vec<FenceRecord>,
    /// Invariants broken (empty when all is well).
    pub violations: Vec<String>,
    /// Resources configured (names as the LRM knows them).
    pub resources: Vec<String>,
    /// Every crmd exit: (time, node, exit code).
    pub exits: Vec<(Millis, String, i32)>,
}

impl Cluster {
    /// `n` nodes named `node1..`, all starting from `cib` (configuration only).
    pub fn new(n: usize, seed: u64, cib: &Element, resources: &[&str]) -> Cluster {
        let names: Vec<String> = (1..=n).map(|i| format!("node{i}")).collect();
        let nodes = names
            .iter()
            .map(|name| SimNode {
                name: name.clone(),
                core: new_core(name, &names, cib),
                alive: true,
                crmd_running: true,
                leaving: false,
                gen: 1,
                born: 1,
                lrm: FakeLrm {
                    up: true,
                    ..FakeLrm::default()
                },
                disk: cib.clone(),
                wake: None,
            })
            .collect();
        let mut net = Network::new(&NetConfig {
            nodes: n,
            seed,
            loss: 0.0,
            delay: (1, 15),
        });
        for i in 0..n {
            net.set_up(i, true);
        }
        let mut c = Cluster {
            net,
            queue: EventQueue::new(),
            nodes,
            last_delivery: BTreeMap::new(),
            instance: 1,
            troubled: BTreeSet::new(),
            fences: Vec::new(),
            violations: Vec::new(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            exits: Vec::new(),
        };
        for i in 0..n {
            c.lrm_connects(i, 5);
        }
        c.membership_changed();
        c
    }

    fn at(&mut self, delay: Millis, ev: Ev) {
        self.queue.schedule(delay, ev);
    }

    /// The simulated time.
    pub fn now(&self) -> Millis {
        self.queue.now()
    }

    fn input(&mut self, node: usize, delay: Millis, input: Input) {
        let gen = self.nodes[node].gen;
        self.at(delay, Ev::Input { node, gen, input });
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    fn wall(&self) -> i64 {
        WALL_BASE + (self.now() / 1000) as i64
    }

    fn linked(&self, a: usize, b: usize) -> bool {
        self.net.reaches(a, b)
    }

    /// Groups of nodes that hear each other both ways.
    pub fn partitions(&self) -> Vec<Vec<usize>> {
        let mut seen = BTreeSet::new();
        let mut groups = Vec::new();
        for i in 0..self.nodes.len() {
            if !self.nodes[i].alive || seen.contains(&i) {
                continue;
            }
            let mut group = vec![i];
            seen.insert(i);
            let mut k = 0;
            while k < group.len() {
                let a = group[k];
                for b in 0..self.nodes.len() {
                    if !seen.contains(&b) && self.linked(a, b) && self.linked(b, a) {
                        seen.insert(b);
                        group.push(b);
                    }
                }
                k += 1;
            }
            group.sort();
            groups.push(group);
        }
        groups
    }

    /// Connectivity changed: views follow after a detection delay.
    fn membership_changed(&mut self) {
        let delay = self.net.random(100, 600);
        self.at(delay, Ev::Views);
    }

    fn publish_views(&mut self) {
        self.instance += 1;
        let total = self.nodes.len();
        for group in self.partitions() {
            let members: Vec<(String, u64)> = group
                .iter()
                .map(|&i| (self.nodes[i].name.clone(), self.nodes[i].born))
                .collect();
            self.send_view(&group, members, total);
        }
    }

    fn send_view(&mut self, to: &[usize], members: Vec<(String, u64)>, total: usize) {
        let quorum = members.len() * 2 > total;
        let view = ViewEvent {
            event: if quorum {
                EventKind::NewMembership
            } else {
                EventKind::Invalid
            },
            instance: self.instance,
            leader: members[0].0.clone(),
            quorum,
            members,
            joined: vec![],
            left: vec![],
        };
        for &i in to {
            let d = self.net.random(1, 20);
            self.input(i, d, Input::View(view.clone()));
        }
    }

    fn lrm_connects(&mut self, node: usize, delay: Millis) {
        self.input(node, delay, Input::NeighbourBack(Neighbour::Lrmd));
    }

    /// Runs the simulation until `until`.
    pub fn run_until(&mut self, until: Millis) {
        while let Some(ev) = self.queue.pop_until(until) {
            self.handle(ev);
        }
        self.queue.advance_to(until);
    }

    /// Runs for `ms` more.
    pub fn run_for(&mut self, ms: Millis) {
        self.run_until(self.now() + ms);
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Input { node, gen, input } => self.deliver(node, gen, input),
            Ev::LrmDone {
                node,
                gen,
                lrm_gen,
                input,
            } => {
                let input = if self.nodes[node].lrm.gen == lrm_gen {
                    input
                } else {
                    match input {
                        Input::LrmDone { tid, action, .. } => Input::LrmDone {
                            tid,
                            action,
                            result: Err("lrmd connection lost".into()),
                        },
                        other => other,
                    }
                };
                self.deliver(node, gen, input);
            }
            Ev::Tick { node, gen, at } => {
                if self.nodes[node].wake == Some(at) {
                    self.nodes[node].wake = None;
                    self.deliver(node, gen, Input::Tick);
                }
            }
            Ev::Views => self.publish_views(),
            Ev::FenceFire {
                by,
                gen,
                tid,
                aid,
                target,
            } => {
                if let Some(t) = self.index(&target) {
                    if self.nodes[t].alive {
                        self.power_off(t);
                    }
                }
                self.deliver(
                    by,
                    gen,
                    Input::FenceDone {
                        tid,
                        aid,
                        target,
                        result: Ok(vec!["fence-sim".into()]),
                    },
                );
            }
        }
    }

    fn deliver(&mut self, node: usize, gen: u64, input: Input) {
        let now = Now {
            ms: self.now(),
            wall: self.wall(),
        };
        let n = &mut self.nodes[node];
        if !n.alive || n.gen != gen {
            return;
        }
        let cmds = n.core.step(now, input);
        for cmd in cmds {
            self.carry_out(node, cmd);
        }
        self.check_always();
    }

    fn carry_out(&mut self, from: usize, cmd: Command) {
        match cmd {
            Command::Send { to, msg } => {
                if let Some(j) = self.index(&to) {
                    self.send(from, j, msg);
                }
            }
            Command::Broadcast(msg) => {
                for j in 0..self.nodes.len() {
                    if j != from {
                        self.send(from, j, msg.clone());
                    }
                }
            }
            Command::AskCrmdStatus(names) => {
                for name in names {
                    if let Some(j) = self.index(&name) {
                        if self.linked(from, j) {
                            let up = self.nodes[j].crmd_running;
                            self.input(from, 2, Input::PeerCrmd { node: name, up });
                        }
                    }
                }
            }
            Command::LrmExec { tid, action } => {
                let wall = self.wall();
                let lrm = &mut self.nodes[from].lrm;
                let lrm_gen = lrm.gen;
                let result = if lrm.up {
                    Ok(lrm.exec(&action, wall))
                } else {
                    Err("lrmd is not connected".to_string())
                };
                let gen = self.nodes[from].gen;
                let d = self.net.random(5, 60);
                self.at(
                    d,
                    Ev::LrmDone {
                        node: from,
                        gen,
                        lrm_gen,
                        input: Input::LrmDone {
                            tid,
                            action,
                            result,
                        },
                    },
                );
            }
            Command::Fence {
                tid, aid, target, ..
            } => {
                let by = self.nodes[from].name.clone();
                // Only a node in trouble (lost quorum, a daemon lost for good) fences itself.
                if target == by && !self.troubled.contains(&by) {
                    self.violations
                        .push(format!("t={} {by} asked to fence itself", self.now()));
                }
                if !self.troubled.contains(&target) {
                    self.violations.push(format!(
                        "t={} {by} fenced {target}, which had no trouble",
                        self.now()
                    ));
                }
                self.fences.push(FenceRecord {
                    at: self.now(),
                    by,
                    target: target.clone(),
                });
                let gen = self.nodes[from].gen;
                self.at(
                    200,
                    Ev::FenceFire {
                        by: from,
                        gen,
                        tid,
                        aid,
                        target,
                    },
                );
            }
            Command::Exit(code) => self.crmd_exits(from, code),
            Command::Reply { .. } | Command::SavePeInput { .. } => {}
            Command::SaveCib(cib) => {
                self.nodes[from].disk = crmd::status::without_status(&cib);
            }
            Command::WakeAt(at) => {
                self.nodes[from].wake = Some(at);
                let gen = self.nodes[from].gen;
                let delay = at.saturating_sub(self.now());
                self.at(
                    delay,
                    Ev::Tick {
                        node: from,
                        gen,
                        at,
                    },
                );
            }
        }
    }

    fn send(&mut self, from: usize, to: usize, msg: PeerMsg) {
        if !self.linked(from, to) {
            return;
        }
        let Some(d) = self.net.transmit(from, to) else {
            return;
        };
        // heartbeat delivers each sender's messages in order.
        let now = self.now();
        let when = (now + d).max(*self.last_delivery.get(&(from, to)).unwrap_or(&0));
        self.last_delivery.insert((from, to), when);
        let src = self.nodes[from].name.clone();
        let gen = self.nodes[to].gen;
        // As heartbeat delivers it: stamped with the sending client (the peer crmd).
        let mut msg = msg.encode();
        messaging::origin::stamp(&mut msg, "crmd", 0, 0);
        self.at(
            when - now,
            Ev::Input {
                node: to,
                gen,
                input: Input::Peer { src, msg },
            },
        );
    }

    /// Invariants that hold at every moment.
    fn check_always(&mut self) {
        // A fencing device may start elsewhere before its old node is fenced (it is needed to
        // fence that node), as in Pacemaker; every other resource is exclusive.
        for rsc in self.resources.iter().filter(|r| !r.starts_with("fence")) {
            let on: Vec<&str> = self
                .nodes
                .iter()
                .filter(|n| n.alive && n.lrm.running.contains(rsc))
                .map(|n| n.name.as_str())
                .collect();
            if on.len() > 1 {
                let v = format!("t={} {rsc} active on {on:?}", self.now());
                if !self.violations.contains(&v) {
                    self.violations.push(v);
                }
            }
        }
    }

    /// Node `i`'s crmd exited: heartbeat does not respawn it (it exits only to stop cleanly
    /// or with CRM_EX_FATAL); after a clean stop heartbeat finishes and the node leaves.
    fn crmd_exits(&mut self, i: usize, code: i32) {
        let name = self.nodes[i].name.clone();
        self.exits.push((self.now(), name.clone(), code));
        let n = &mut self.nodes[i];
        n.crmd_running = false;
        n.gen += 1;
        n.wake = None;
        self.peer_crmd_all(i, false);
        if code == 0 && self.nodes[i].leaving {
            let left: Vec<&String> = self
                .resources
                .iter()
                .filter(|r| self.nodes[i].lrm.running.contains(*r))
                .collect();
            if !left.is_empty() {
                self.violations.push(format!(
                    "t={} {name} stopped cleanly with {left:?} still running",
                    self.now()
                ));
            }
            self.nodes[i].leaving = false;
            self.power_off(i);
        }
    }

    // ---- faults ----

    /// `systemctl stop heartbeat` on node `i`: its crmd gets SIGTERM and stops cleanly.
    pub fn stop_heartbeat(&mut self, i: usize) {
        if !self.nodes[i].alive || !self.nodes[i].crmd_running {
            return;
        }
        self.nodes[i].leaving = true;
        self.input(i, 1, Input::Shutdown);
    }

    fn power_off(&mut self, i: usize) {
        self.net.set_up(i, false);
        let n = &mut self.nodes[i];
        n.alive = false;
        n.gen += 1;
        n.wake = None;
        n.lrm.power_off();
        n.lrm.up = false;
        self.membership_changed();
    }

    /// kill -9 of a whole node (power-off).
    pub fn crash(&mut self, i: usize) {
        self.troubled.insert(self.nodes[i].name.clone());
        self.power_off(i);
    }

    /// Powers a dead node on: a fresh crmd from its disk.
    pub fn power_on(&mut self, i: usize) {
        if self.nodes[i].alive {
            return;
        }
        self.instance += 1;
        self.net.set_up(i, true);
        let names: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        let n = &mut self.nodes[i];
        n.alive = true;
        n.crmd_running = true;
        n.gen += 1;
        n.born = self.instance;
        n.core = new_core(&n.name, &names, &n.disk);
        self.lrm_connects(i, 5);
        self.nodes[i].lrm.up = true;
        self.peer_crmd_all(i, true);
        self.membership_changed();
    }

    /// crmd on node `i` is killed and respawned.
    pub fn restart_crmd(&mut self, i: usize) {
        if !self.nodes[i].alive {
            return;
        }
        let names: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        self.peer_crmd_all(i, false);
        let n = &mut self.nodes[i];
        n.gen += 1;
        n.wake = None;
        n.crmd_running = true;
        n.core = new_core(&n.name, &names, &n.disk);
        self.lrm_connects(i, 50);
        // ccm sends the current view to a new subscriber.
        let group = self
            .partitions()
            .into_iter()
            .find(|g| g.contains(&i))
            .unwrap_or_default();
        let members: Vec<(String, u64)> = group
            .iter()
            .map(|&j| (self.nodes[j].name.clone(), self.nodes[j].born))
            .collect();
        let total = self.nodes.len();
        self.send_view(&[i], members, total);
        self.peer_crmd_all(i, true);
    }

    fn peer_crmd_all(&mut self, i: usize, up: bool) {
        let name = self.nodes[i].name.clone();
        for j in 0..self.nodes.len() {
            if j != i && self.linked(i, j) {
                self.input(
                    j,
                    if up { 100 } else { 1 },
                    Input::PeerCrmd {
                        node: name.clone(),
                        up,
                    },
                );
            }
        }
    }

    /// lrmd on node `i` is killed and respawned after `down` ms.
    pub fn restart_lrmd(&mut self, i: usize, down: Millis) {
        if !self.nodes[i].alive {
            return;
        }
        self.nodes[i].lrm.restart();
        self.nodes[i].lrm.up = false;
        self.input(i, 1, Input::NeighbourLost(Neighbour::Lrmd));
        self.at(down, Ev::Views); // harmless: views unchanged
        self.lrm_back_later(i, down);
    }

    /// An operator sets a cluster option through node `i`'s crmd (a CIB patch, as `crm_attribute`
    /// sends).
    pub fn set_option(&mut self, i: usize, name: &str, value: &str) {
        let mut next = self.nodes[i].core.cib().clone();
        crmd::core::options::set_cluster_option(&mut next, name, value);
        let patch = cib::patch::diff(self.nodes[i].core.cib(), &next).to_xml_compact();
        let req = crmd::proto::Request {
            id: 1,
            body: crmd::proto::RequestBody::Patch { patch },
            client: None,
        };
        self.input(
            i,
            1,
            Input::Client {
                conn: 0,
                req,
                user: "root".into(),
            },
        );
    }

    /// lrmd on node `i` dies and is never respawned (its agents' processes keep running).
    pub fn lose_lrmd(&mut self, i: usize) {
        if !self.nodes[i].alive {
            return;
        }
        self.troubled.insert(self.nodes[i].name.clone());
        self.nodes[i].lrm.up = false;
        self.input(i, 1, Input::NeighbourLost(Neighbour::Lrmd));
    }

    fn lrm_back_later(&mut self, i: usize, down: Millis) {
        // lrmd is usable again when crmd hears it is back.
        let gen = self.nodes[i].gen;
        self.at(
            down,
            Ev::Input {
                node: i,
                gen,
                input: Input::NeighbourBack(Neighbour::Lrmd),
            },
        );
        self.nodes[i].lrm.up = true;
    }

    /// The agent of `rsc` dies wherever it runs; recurring monitors see it.
    pub fn agent_fails(&mut self, rsc: &str) {
        let wall = self.wall();
        for i in 0..self.nodes.len() {
            if self.nodes[i].alive && self.nodes[i].lrm.running.contains(rsc) {
                let events = self.nodes[i].lrm.agent_dies(rsc, wall);
                for e in events {
                    self.input(i, 3, Input::LrmEvent(Box::new(e)));
                }
            }
        }
    }

    /// Node `i` is cut off from every other node (both ways).
    pub fn isolate(&mut self, i: usize) {
        self.troubled.insert(self.nodes[i].name.clone());
        for j in 0..self.nodes.len() {
            if j != i {
                self.net.cut(i, j);
            }
        }
        self.membership_changed();
    }

    /// Every link works again.
    pub fn heal(&mut self) {
        self.net.heal();
        self.membership_changed();
    }

    /// ccm on node `i` restarts: for 200 ms the others' view lacks it, then it is back.
    pub fn ccm_blip(&mut self, i: usize) {
        self.instance += 1;
        let total = self.nodes.len();
        let others: Vec<usize> = (0..self.nodes.len())
            .filter(|&j| j != i && self.nodes[j].alive)
            .collect();
        let members: Vec<(String, u64)> = others
            .iter()
            .map(|&j| (self.nodes[j].name.clone(), self.nodes[j].born))
            .collect();
        self.send_view(&others, members, total);
        self.instance += 1;
        self.nodes[i].born = self.instance;
        self.at(200, Ev::Views);
    }

    // ---- checks ----

    /// The settled-state properties; `Err` says which failed.
    pub fn check_converged(&self) -> Result<(), String> {
        for group in self.partitions() {
            let group: Vec<usize> = group
                .into_iter()
                .filter(|&i| self.nodes[i].crmd_running)
                .collect();
            if group.is_empty() {
                continue;
            }
            let dcs: Vec<&str> = group
                .iter()
                .filter(|&&i| self.nodes[i].core.is_dc())
                .map(|&i| self.nodes[i].name.as_str())
                .collect();
            if dcs.len() != 1 {
                return Err(format!("partition {group:?} has DCs {dcs:?}"));
            }
            for &i in &group {
                if self.nodes[i].core.dc() != Some(dcs[0]) {
                    return Err(format!(
                        "{} follows {:?}, not {}",
                        self.nodes[i].name,
                        self.nodes[i].core.dc(),
                        dcs[0]
                    ));
                }
            }
            let dc = group
                .iter()
                .find(|&&i| self.nodes[i].core.is_dc())
                .copied()
                .unwrap_or(group[0]);
            if self.nodes[dc].core.phase() != Phase::Idle {
                return Err(format!("the DC is in {:?}", self.nodes[dc].core.phase()));
            }
            let reference = self.nodes[dc].core.cib().to_xml();
            for &i in &group {
                if self.nodes[i].core.cib().to_xml() != reference {
                    return Err(format!(
                        "{}'s CIB {} differs from the DC's {}",
                        self.nodes[i].name,
                        cib::version::CibVersion::from_element(self.nodes[i].core.cib()),
                        cib::version::CibVersion::from_element(self.nodes[dc].core.cib())
                    ));
                }
            }
        }
        for rsc in &self.resources {
            let on: Vec<usize> = (0..self.nodes.len())
                .filter(|&i| self.nodes[i].alive && self.nodes[i].lrm.running.contains(rsc))
                .collect();
            if on.len() != 1 {
                return Err(format!("{rsc} runs on {} nodes", on.len()));
            }
            let lrm = &self.nodes[on[0]].lrm;
            if !lrm.recurring.keys().any(|(r, _)| r == rsc) {
                return Err(format!(
                    "{rsc} on {} has no recurring monitor",
                    self.nodes[on[0]].name
                ));
            }
        }
        Ok(())
    }

    /// Runs until settled (checked every second) or `deadline` ms pass; `Ok(ms taken)`.
    pub fn settle(&mut self, deadline: Millis) -> Result<Millis, String> {
        let start = self.now();
        loop {
            self.run_for(1000);
            match self.check_converged() {
                Ok(()) => {
                    self.troubled.clear();
                    return Ok(self.now() - start);
                }
                Err(e) if self.now() - start >= deadline => return Err(e),
                Err(_) => {}
            }
        }
    }

    /// A random number in `lo..hi` from the simulation's RNG.
    pub fn random(&mut self, lo: u64, hi: u64) -> u64 {
        self.net.random(lo, hi)
    }
}

fn new_core(me: &str, names: &[String], cib: &Element) -> Core {
    Core::new(Config {
        me: me.to_string(),
        cib: cib.clone(),
        nodes: names.to_vec(),
    })
}
