//! The sans-IO membership state machine.
//!
//! ```text
//!  heartbeat node status ─┐
//!  ccm packets from peers ─┼─> Membership::step(now, Input) ─> Vec<Output>: Send{to, packet},
//!  timer ticks (now) ──────┘                                    SetTimer{at}, NewView(view)
//! ```
//!
//! # Algorithm
//!
//! *Contact.* A peer is in contact when heartbeat reports its node alive, we heard a ccm packet of
//! its current incarnation since then, within `peer_timeout`, and it is not suspected. The local
//! node is always in contact with itself. Every node broadcasts a `Hello` each `hello_interval`.
//!
//! *Leader.* The lowest-named node of a node's contact set is the leader. Only a node that is its
//! own leader proposes; a node that receives a proposal from a lower-named node drops its own round.
//!
//! *Two phases.* When the contact set differs from the committed view's members (for `settle` ms,
//! so several changes batch into one view), the leader sends `Propose{instance, members}` with
//! `instance` one above every instance it has seen. A member acknowledges a proposal only if its
//! instance is above every instance it has acknowledged before, so two different views can never
//! share an instance and a member. When every member acknowledged, the leader sends `Commit` and
//! each member installs the view if its instance is above the one it has.
//!
//! *Failures.* A member that does not answer within `proposal_timeout` gets the proposal again up
//! to `proposal_retries` times, then it is suspected for `suspect_time` and the leader proposes
//! without it. A `Nack` carries the member's largest seen instance, and the leader retries above
//! it. A node whose view stays out of step with its contact set, or with the views its peers report,
//! for `stuck_timeout` asks its leader with `Join` to run a round. A leader that sees a member
//! report an older view it had acknowledged resends the `Commit`.
//!
//! *Partitions.* Each side agrees on its own view. After a heal the lowest-named node sees the
//! others, and proposes the union with an instance above the maximum of both sides.

use std::collections::{BTreeMap, BTreeSet};

use crate::message::{Body, Packet};
use crate::view::{has_quorum, Member, MemberSet, View};

/// Milliseconds on the caller's clock.
pub type Millis = u64;

/// Time constants of the protocol, in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// Interval between `Hello` broadcasts.
    pub hello_interval: Millis,
    /// A peer not heard from for this long is out of contact (its ccm died, heartbeat did not).
    pub peer_timeout: Millis,
    /// How long the contact set must differ from the view before the leader proposes.
    pub settle: Millis,
    /// How long the leader waits for acknowledgements before resending.
    pub proposal_timeout: Millis,
    /// Resends before silent members are suspected and left out.
    pub proposal_retries: u32,
    /// How long a suspected member stays out of contact.
    pub suspect_time: Millis,
    /// How long a node's view may stay out of step before it asks its leader for a round.
    pub stuck_timeout: Millis,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            hello_interval: 1000,
            peer_timeout: 5000,
            settle: 200,
            proposal_timeout: 1000,
            proposal_retries: 2,
            suspect_time: 3000,
            stuck_timeout: 3000,
        }
    }
}

/// What a membership machine is told about itself.
#[derive(Debug, Clone)]
pub struct Config {
    /// This node's name.
    pub local: String,
    /// This ccm's incarnation: must grow on every restart of the node's ccm.
    pub incarnation: u64,
    /// The configured cluster nodes (for quorum), including this one.
    pub nodes: BTreeSet<String>,
    /// Protocol timing.
    pub timing: Timing,
}

/// Something that happened to the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// First input: start talking.
    Start,
    /// Heartbeat says `node` is alive (`up`/`active`) or `dead`.
    NodeStatus {
        /// The node.
        node: String,
        /// Alive or not.
        alive: bool,
    },
    /// A ccm packet from `from`.
    Packet {
        /// Sender node.
        from: String,
        /// The packet.
        packet: Packet,
    },
    /// The ccm client on `node` signed off from heartbeat.
    PeerLeft {
        /// The node.
        node: String,
    },
    /// A timer set with [`Output::SetTimer`] expired (or any wake-up; early ticks are harmless).
    Tick,
    /// This ccm is shutting down.
    Shutdown,
}

/// Where a packet goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dest {
    /// One node.
    Node(String),
    /// Every other node.
    All,
}

/// Something the machine wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send `packet` to `to`.
    Send {
        /// Destination.
        to: Dest,
        /// Packet.
        packet: Packet,
    },
    /// Call `step(at, Input::Tick)` at time `at` (replaces the previous timer).
    SetTimer {
        /// Deadline.
        at: Millis,
    },
    /// A new view was installed locally.
    NewView(View),
}

#[derive(Debug, Clone)]
struct Peer {
    incarnation: u64,
    /// When a packet of `incarnation` was last heard; `None` after heartbeat reported the node dead.
    last_heard: Option<Millis>,
    /// The peer's ccm said goodbye (until a new incarnation shows up).
    left: bool,
    /// Instance of the peer's view as its last `Hello` said.
    view: u64,
    /// Highest instance the peer acknowledged, as its last `Hello` said.
    acked: u64,
}

#[derive(Debug, Clone)]
struct Round {
    instance: u64,
    members: MemberSet,
    acks: BTreeSet<String>,
    deadline: Millis,
    tries: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Accepted {
    instance: u64,
    leader: String,
    members: MemberSet,
}

/// One node's membership state machine. See the module docs for the algorithm.
#[derive(Debug)]
pub struct Membership {
    cfg: Config,
    now: Millis,
    started: bool,
    stopped: bool,
    hb_alive: BTreeSet<String>,
    peers: BTreeMap<String, Peer>,
    suspects: BTreeMap<String, Millis>,
    view: Option<View>,
    max_seen: u64,
    highest_acked: u64,
    accepted: Option<Accepted>,
    round: Option<Round>,
    /// Since when the contact set differs from the view.
    set_mismatch_since: Option<Millis>,
    /// Since when the view differs from what peers report (or the set differs) — for `Join`.
    stuck_since: Option<Millis>,
    force_round: bool,
    next_hello: Millis,
    last_timer: Option<Millis>,
}

impl Membership {
    /// A machine that has not started yet (feed it [`Input::Start`]).
    pub fn new(cfg: Config) -> Self {
        Membership {
            cfg,
            now: 0,
            started: false,
            stopped: false,
            hb_alive: BTreeSet::new(),
            peers: BTreeMap::new(),
            suspects: BTreeMap::new(),
            view: None,
            max_seen: 0,
            highest_acked: 0,
            accepted: None,
            round: None,
            set_mismatch_since: None,
            stuck_since: None,
            force_round: false,
            next_hello: 0,
            last_timer: None,
        }
    }

    /// The committed view, if any.
    pub fn view(&self) -> Option<&View> {
        self.view.as_ref()
    }

    /// This node's name.
    pub fn local(&self) -> &str {
        &self.cfg.local
    }

    /// This ccm's incarnation.
    pub fn incarnation(&self) -> u64 {
        self.cfg.incarnation
    }

    /// The nodes this one is in contact with right now, itself included.
    pub fn contact(&self) -> MemberSet {
        let mut set = MemberSet::new();
        set.insert(self.cfg.local.clone(), self.cfg.incarnation);
        for (name, p) in &self.peers {
            let fresh = p
                .last_heard
                .is_some_and(|t| self.now.saturating_sub(t) <= self.cfg.timing.peer_timeout);
            let suspected = self
                .suspects
                .get(name)
                .is_some_and(|&until| until > self.now);
            if fresh && !p.left && !suspected && self.hb_alive.contains(name) {
                set.insert(name.clone(), p.incarnation);
            }
        }
        set
    }

    /// Feeds one input at time `now` (which must not go backwards) and returns what to do.
    pub fn step(&mut self, now: Millis, input: Input) -> Vec<Output> {
        self.now = self.now.max(now);
        let mut out = Vec::new();
        if self.stopped {
            return out;
        }
        match input {
            Input::Start => {
                self.started = true;
                self.next_hello = self.now;
            }
            Input::NodeStatus { node, alive } => self.on_node_status(node, alive, &mut out),
            Input::Packet { from, packet } => self.on_packet(from, packet, &mut out),
            Input::PeerLeft { node } => {
                if let Some(p) = self.peers.get_mut(&node) {
                    p.left = true;
                }
            }
            Input::Tick => {}
            Input::Shutdown => {
                self.stopped = true;
                out.push(self.send(Dest::All, Body::Leave));
                return out;
            }
        }
        if !self.started {
            return out;
        }
        self.on_time(&mut out);
        self.evaluate(&mut out);
        self.arm_timer(&mut out);
        out
    }

    fn on_node_status(&mut self, node: String, alive: bool, out: &mut Vec<Output>) {
        if node == self.cfg.local {
            return;
        }
        if alive {
            if self.hb_alive.insert(node.clone()) && self.started {
                // Say hello at once so the newcomer learns about us without waiting a period.
                out.push(self.hello(Dest::Node(node)));
            }
        } else {
            self.hb_alive.remove(&node);
            if let Some(p) = self.peers.get_mut(&node) {
                p.last_heard = None;
            }
        }
    }

    fn on_packet(&mut self, from: String, packet: Packet, out: &mut Vec<Output>) {
        if from == self.cfg.local || !self.started {
            return;
        }
        let was_in_contact = self.contact().contains_key(&from);
        match self.peers.get_mut(&from) {
            Some(p) if packet.incarnation < p.incarnation => return,
            Some(p) if packet.incarnation > p.incarnation => {
                *p = Peer {
                    incarnation: packet.incarnation,
                    last_heard: Some(self.now),
                    left: false,
                    view: 0,
                    acked: 0,
                };
            }
            Some(p) => {
                if p.left {
                    return;
                }
                p.last_heard = Some(self.now);
            }
            None => {
                self.peers.insert(
                    from.clone(),
                    Peer {
                        incarnation: packet.incarnation,
                        last_heard: Some(self.now),
                        left: false,
                        view: 0,
                        acked: 0,
                    },
                );
            }
        }
        let inc = packet.incarnation;
        match packet.body {
            Body::Hello { view, acked } => {
                self.max_seen = self.max_seen.max(view).max(acked);
                if let Some(p) = self.peers.get_mut(&from) {
                    p.view = view;
                    p.acked = acked;
                }
                if !was_in_contact && self.hb_alive.contains(&from) {
                    // Answer a newcomer directly so discovery takes one delay, not one period.
                    out.push(self.hello(Dest::Node(from.clone())));
                }
                self.resend_missed_commit(&from, inc, view, acked, out);
            }
            Body::Propose { instance, members } => self.on_propose(from, instance, members, out),
            Body::Ack { instance } => self.on_ack(from, inc, instance, out),
            Body::Nack { instance, max_seen } => {
                self.max_seen = self.max_seen.max(max_seen);
                if self.round.as_ref().is_some_and(|r| r.instance == instance) {
                    self.round = None;
                    self.force_round = true;
                }
            }
            Body::Commit { view } => self.on_commit(view, out),
            Body::Join => {
                if self.is_leader() {
                    self.force_round = true;
                }
            }
            Body::Leave => {
                if let Some(p) = self.peers.get_mut(&from) {
                    p.left = true;
                }
            }
        }
    }

    /// A member reports an older view although it acknowledged ours: it missed the commit.
    fn resend_missed_commit(
        &mut self,
        from: &str,
        inc: u64,
        view: u64,
        acked: u64,
        out: &mut Vec<Output>,
    ) {
        let Some(v) = &self.view else { return };
        let ours = v.leader == self.cfg.local
            && v.members
                .iter()
                .any(|m| m.name == from && m.incarnation == inc);
        if ours && view < v.instance && acked == v.instance {
            let body = Body::Commit { view: v.clone() };
            out.push(self.send(Dest::Node(from.to_string()), body));
        }
    }

    fn on_propose(
        &mut self,
        leader: String,
        instance: u64,
        members: MemberSet,
        out: &mut Vec<Output>,
    ) {
        self.max_seen = self.max_seen.max(instance);
        if leader < self.cfg.local && self.round.is_some() {
            // A lower-named node is running a round: defer to it.
            self.round = None;
        }
        let proposal = Accepted {
            instance,
            leader: leader.clone(),
            members,
        };
        let me_ok = proposal.members.get(&self.cfg.local) == Some(&self.cfg.incarnation);
        let fresh = instance > self.highest_acked;
        let repeat = self.accepted.as_ref() == Some(&proposal);
        let body = if me_ok && (fresh || repeat) {
            self.highest_acked = self.highest_acked.max(instance);
            self.accepted = Some(proposal);
            Body::Ack { instance }
        } else {
            Body::Nack {
                instance,
                max_seen: self.max_seen.max(self.highest_acked),
            }
        };
        out.push(self.send(Dest::Node(leader), body));
    }

    fn on_ack(&mut self, from: String, inc: u64, instance: u64, out: &mut Vec<Output>) {
        let Some(round) = &mut self.round else { return };
        if round.instance != instance || round.members.get(&from) != Some(&inc) {
            return;
        }
        round.acks.insert(from);
        if round.acks.len() == round.members.len() {
            self.commit(out);
        }
    }

    fn on_commit(&mut self, view: View, out: &mut Vec<Output>) {
        self.max_seen = self.max_seen.max(view.instance);
        let me = view
            .members
            .iter()
            .any(|m| m.name == self.cfg.local && m.incarnation == self.cfg.incarnation);
        let newer = self
            .view
            .as_ref()
            .is_none_or(|v| view.instance > v.instance);
        if me && newer {
            self.install(view, out);
        }
    }

    fn on_time(&mut self, out: &mut Vec<Output>) {
        if self.now >= self.next_hello {
            out.push(self.hello(Dest::All));
            self.next_hello = self.now + self.cfg.timing.hello_interval;
        }
        self.suspects.retain(|_, until| *until > self.now);
        let timing = self.cfg.timing.clone();
        let Some(round) = &mut self.round else { return };
        if self.now < round.deadline {
            return;
        }
        if round.tries < timing.proposal_retries {
            round.tries += 1;
            round.deadline = self.now + timing.proposal_timeout;
            let (instance, members) = (round.instance, round.members.clone());
            let silent: Vec<String> = members
                .keys()
                .filter(|n| !round.acks.contains(*n))
                .cloned()
                .collect();
            for node in silent {
                let body = Body::Propose {
                    instance,
                    members: members.clone(),
                };
                out.push(self.send(Dest::Node(node), body));
            }
        } else {
            for node in round.members.keys().filter(|n| !round.acks.contains(*n)) {
                self.suspects
                    .insert(node.clone(), self.now + timing.suspect_time);
            }
            self.round = None;
            self.force_round = true;
        }
    }

    fn is_leader(&self) -> bool {
        self.contact().keys().next() == Some(&self.cfg.local)
    }

    /// Decides whether to start a round or to ask the leader for one.
    fn evaluate(&mut self, out: &mut Vec<Output>) {
        let contact = self.contact();
        let set_ok = self
            .view
            .as_ref()
            .is_some_and(|v| v.member_set() == contact);
        let my_instance = self.view.as_ref().map_or(0, |v| v.instance);
        let peers_agree = contact
            .keys()
            .filter(|n| **n != self.cfg.local)
            .all(|n| self.peers.get(n).is_some_and(|p| p.view == my_instance));
        self.set_mismatch_since = if set_ok {
            None
        } else {
            Some(self.set_mismatch_since.unwrap_or(self.now))
        };
        self.stuck_since = if set_ok && peers_agree {
            None
        } else {
            Some(self.stuck_since.unwrap_or(self.now))
        };
        let stuck = self
            .stuck_since
            .is_some_and(|t| self.now >= t + self.cfg.timing.stuck_timeout);
        let leader = contact.keys().next().cloned().unwrap_or_default();
        if leader != self.cfg.local {
            self.round = None;
            self.force_round = false;
            if stuck {
                out.push(self.send(Dest::Node(leader), Body::Join));
                self.stuck_since = Some(self.now);
            }
            return;
        }
        if let Some(round) = &self.round {
            // A member vanished or a node appeared: the round can no longer match contact.
            if round.members == contact {
                return;
            }
            if round.members.iter().all(|(n, i)| contact.get(n) == Some(i)) {
                return; // Only additions: let the round finish, then run the next.
            }
            self.round = None;
        }
        let settled = self
            .set_mismatch_since
            .is_some_and(|t| self.now >= t + self.cfg.timing.settle);
        if settled || self.force_round || stuck {
            self.start_round(contact, out);
        }
    }

    fn start_round(&mut self, members: MemberSet, out: &mut Vec<Output>) {
        let current = self.view.as_ref().map_or(0, |v| v.instance);
        let instance = self.max_seen.max(self.highest_acked).max(current) + 1;
        self.max_seen = instance;
        self.highest_acked = instance;
        self.force_round = false;
        self.stuck_since = None;
        self.accepted = Some(Accepted {
            instance,
            leader: self.cfg.local.clone(),
            members: members.clone(),
        });
        let others: Vec<String> = members
            .keys()
            .filter(|n| **n != self.cfg.local)
            .cloned()
            .collect();
        self.round = Some(Round {
            instance,
            members: members.clone(),
            acks: [self.cfg.local.clone()].into(),
            deadline: self.now + self.cfg.timing.proposal_timeout,
            tries: 0,
        });
        for node in others.iter() {
            let body = Body::Propose {
                instance,
                members: members.clone(),
            };
            out.push(self.send(Dest::Node(node.clone()), body));
        }
        if others.is_empty() {
            self.commit(out);
        }
    }

    fn commit(&mut self, out: &mut Vec<Output>) {
        let Some(round) = self.round.take() else {
            return;
        };
        self.force_round = false;
        let previous = self.view.as_ref();
        let members: Vec<Member> = round
            .members
            .iter()
            .map(|(name, &incarnation)| {
                let born = previous
                    .and_then(|v| {
                        v.members
                            .iter()
                            .find(|m| m.name == *name && m.incarnation == incarnation)
                    })
                    .map_or(round.instance, |m| m.born);
                Member {
                    name: name.clone(),
                    incarnation,
                    born,
                }
            })
            .collect();
        let view = View {
            instance: round.instance,
            leader: self.cfg.local.clone(),
            quorum: has_quorum(members.len(), self.cfg.nodes.len()),
            members,
        };
        for node in round.members.keys().filter(|n| **n != self.cfg.local) {
            let body = Body::Commit { view: view.clone() };
            out.push(self.send(Dest::Node(node.clone()), body));
        }
        self.install(view, out);
    }

    fn install(&mut self, view: View, out: &mut Vec<Output>) {
        self.view = Some(view.clone());
        self.accepted = None;
        out.push(Output::NewView(view));
        // Tell everyone at once, so leaders notice members that missed the commit.
        out.push(self.hello(Dest::All));
        self.next_hello = self.now + self.cfg.timing.hello_interval;
    }

    fn arm_timer(&mut self, out: &mut Vec<Output>) {
        let t = &self.cfg.timing;
        let mut candidates = vec![self.next_hello];
        candidates.extend(self.round.as_ref().map(|r| r.deadline));
        candidates.extend(self.set_mismatch_since.map(|s| s + t.settle));
        candidates.extend(self.stuck_since.map(|s| s + t.stuck_timeout));
        for (name, p) in &self.peers {
            if let (Some(h), true) = (p.last_heard, self.hb_alive.contains(name)) {
                candidates.push(h + t.peer_timeout + 1);
            }
        }
        candidates.extend(self.suspects.values().copied());
        // Deadlines already passed were handled by this step; only future ones need a wake-up.
        let at = candidates
            .into_iter()
            .filter(|&at| at > self.now)
            .min()
            .unwrap_or(self.now + t.hello_interval);
        if self.last_timer != Some(at) {
            self.last_timer = Some(at);
            out.push(Output::SetTimer { at });
        }
    }

    fn hello(&self, to: Dest) -> Output {
        let body = Body::Hello {
            view: self.view.as_ref().map_or(0, |v| v.instance),
            acked: self.highest_acked,
        };
        self.send(to, body)
    }

    fn send(&self, to: Dest, body: Body) -> Output {
        Output::Send {
            to,
            packet: Packet {
                incarnation: self.cfg.incarnation,
                body,
            },
        }
    }
}
