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
//! *Contact.* A peer is in contact when heartbeat has not reported its node dead (since it last
//! reported it alive), we heard a ccm packet of its current incarnation since then, within
//! `peer_timeout`, its ccm did not sign off, and it is not suspected. The local node is always in
//! contact with itself. Every node broadcasts a `Hello` each `hello_interval`.
//!
//! *Leader.* The lowest-named node of a node's contact set is the leader. Only a node that is its
//! own leader proposes; a node that receives a proposal from a lower-named node drops its own round.
//!
//! *Two phases.* When the contact set differs from the committed view's members (for `settle` ms,
//! so several changes batch into one view), the leader sends `Propose{instance, members}` with
//! `instance` one above every instance it has seen. A member acknowledges a proposal only if its
//! instance is above every instance it has acknowledged before, so two different views can never
//! share an instance and a member, and only if no proposed member is one it knows it cannot
//! reach (heartbeat said dead, silent, left, suspected), so a view never joins two nodes that
//! cannot talk. The acknowledgement carries the member's `born`. When every member acknowledged,
//! the leader sends `Commit` and each member installs the view if its instance is above the one
//! it has; a round overtaken by a newer installed view is dropped.
//!
//! *Failures.* A member that does not answer within `proposal_timeout` gets the proposal again up
//! to `proposal_retries` times, then it is suspected for `suspect_time` and the leader proposes
//! without it. A `Nack` carries the member's largest seen instance, and the leader retries above
//! it after `settle`. A node whose view stays out of step with its contact set, or with the views its peers report,
//! for `stuck_timeout` asks its leader with `Join` to run a round; if it is still stuck another
//! `stuck_timeout` later (the leader cannot see all of its contact set: connectivity is not
//! transitive), it runs a round for its own contact set. A leader that sees a member report an
//! older view it had acknowledged resends the `Commit`.
//!
//! *Partitions.* Each side agrees on its own view. After a heal the lowest-named node sees the
//! others, and proposes the union with an instance above the maximum of both sides.
//!
//! *Asymmetric links.* Every `Hello` says whom the sender hears. When those reports show that
//! not everyone in our contact set hears each other (a link lost one way, or a pair that cannot
//! talk while a third hears both), and that picture has held for `asymmetry_hold`, the node
//! aims for its group under [`crate::connectivity`]'s deterministic rule (the largest set of
//! nodes that all hear each other, ties to the lowest names) instead of its whole contact set,
//! and refuses proposals naming nodes outside that group. Nodes with the same reports draw the
//! same groups, so views settle instead of replacing each other. The hold keeps a node from
//! acting on the short disagreement while heartbeat on different nodes notices a death.

use std::collections::{BTreeMap, BTreeSet};

use crate::connectivity::{self, Reports};
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
    /// How long reports must show nodes in contact that do not all hear each other before the
    /// node leaves some of them out (see *Asymmetric links*).
    pub asymmetry_hold: Millis,
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
            asymmetry_hold: 3000,
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Input {
    /// First input: start talking.
    Start,
    /// Heartbeat says `node` is alive (`up`/`active`) or `dead` (`init` is no news: don't send it).
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
    /// Heartbeat reports the ccm client on `node` signed off (also sent when the node dies). The
    /// peer is out of contact until it speaks again.
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// Whom the peer hears, as its last `Hello` said (`None`: it did not say).
    hears: Option<BTreeSet<String>>,
}

#[derive(Debug, Clone)]
struct Round {
    instance: u64,
    members: MemberSet,
    /// Members that acknowledged, with the `born` they reported (0: new).
    acks: BTreeMap<String, u64>,
    deadline: Millis,
    tries: u32,
    /// Started by a node that is not its contact set's leader (see `unanswered_joins`).
    fallback: bool,
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
    /// Nodes heartbeat reported alive (to greet each newcomer once).
    hb_alive: BTreeSet<String>,
    /// Nodes heartbeat reported dead. A node heartbeat has not reported on yet (still `init`) may
    /// be in contact once its ccm speaks: heartbeat delivering its packets proves it is alive.
    hb_dead: BTreeSet<String>,
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
    /// `Join`s sent while stuck without the view getting in step since.
    unanswered_joins: u32,
    /// No new round before this time (back-off after a `Nack`).
    retry_at: Millis,
    /// Since when the reports show nodes in contact that do not all hear each other.
    asymmetric_since: Option<Millis>,
    /// The names the last broadcast `Hello` reported hearing.
    advertised: BTreeSet<String>,
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
            hb_dead: BTreeSet::new(),
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
            unanswered_joins: 0,
            retry_at: 0,
            asymmetric_since: None,
            advertised: BTreeSet::new(),
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
        let mut set = self.heard();
        set.retain(|name, _| self.suspects.get(name).is_none_or(|&u| u <= self.now));
        set
    }

    /// The nodes this one hears right now, itself included: the contact set before our own
    /// suspicions, which are a protocol matter, not a fact about the links. This is what
    /// `Hello`s report and what asymmetry is judged on.
    fn heard(&self) -> MemberSet {
        let mut set = MemberSet::new();
        set.insert(self.cfg.local.clone(), self.cfg.incarnation);
        for (name, p) in &self.peers {
            let fresh = p
                .last_heard
                .is_some_and(|t| self.now.saturating_sub(t) <= self.cfg.timing.peer_timeout);
            if fresh && !p.left && !self.hb_dead.contains(name) {
                set.insert(name.clone(), p.incarnation);
            }
        }
        set
    }

    /// The nodes this one aims to share a view with: its contact set, or only its group within
    /// it once asymmetric connectivity has held for `asymmetry_hold` (see the module docs).
    pub fn target(&self) -> MemberSet {
        let contact = self.contact();
        if !self.asymmetry_held() {
            return contact;
        }
        let group = connectivity::group_of(&self.reports(&self.heard()), &self.cfg.local);
        contact
            .into_iter()
            .filter(|(n, _)| group.contains(n))
            .collect()
    }

    fn asymmetry_held(&self) -> bool {
        self.asymmetric_since
            .is_some_and(|t| self.now >= t + self.cfg.timing.asymmetry_hold)
    }

    /// Who hears whom, as far as we know first-hand: whom we hear and the reports of those
    /// peers (reports of peers we no longer hear are stale, so they are left out).
    fn reports(&self, heard: &MemberSet) -> Reports {
        let mut reports = Reports::new();
        reports.insert(self.cfg.local.clone(), heard.keys().cloned().collect());
        for name in heard.keys().filter(|n| **n != self.cfg.local) {
            if let Some(hears) = self.peers.get(name).and_then(|p| p.hears.as_ref()) {
                reports.insert(name.clone(), hears.clone());
            }
        }
        reports
    }

    /// Starts or ends the `asymmetry_hold` clock from the current reports.
    fn track_asymmetry(&mut self, heard: &MemberSet) {
        let reports = self.reports(heard);
        let asymmetric = !connectivity::is_closed_group(&reports)
            && connectivity::group_of(&reports, &self.cfg.local).len() < heard.len();
        self.asymmetric_since = if asymmetric {
            Some(self.asymmetric_since.unwrap_or(self.now))
        } else {
            None
        };
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
                // Not sticky like a `Leave` packet: heartbeat also reports this for every node it
                // declares dead, and the same ccm comes back when a partition heals.
                if let Some(p) = self.peers.get_mut(&node) {
                    p.last_heard = None;
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
        let heard = self.heard();
        self.track_asymmetry(&heard);
        self.evaluate(&mut out);
        self.advertise_heard(heard, &mut out);
        self.arm_timer(&mut out);
        out
    }

    /// Tells everyone at once when whom we hear changed, so peers' pictures of who hears whom
    /// stay current (the periodic `Hello` would take up to `hello_interval`).
    fn advertise_heard(&mut self, heard: MemberSet, out: &mut Vec<Output>) {
        if !heard.keys().eq(self.advertised.iter()) {
            out.push(self.hello(Dest::All));
            self.next_hello = self.now + self.cfg.timing.hello_interval;
        }
    }

    fn on_node_status(&mut self, node: String, alive: bool, out: &mut Vec<Output>) {
        if node == self.cfg.local {
            return;
        }
        if alive {
            self.hb_dead.remove(&node);
            if self.hb_alive.insert(node.clone()) && self.started {
                // Say hello at once so the newcomer learns about us without waiting a period.
                out.push(self.hello(Dest::Node(node)));
            }
        } else {
            self.hb_alive.remove(&node);
            self.hb_dead.insert(node.clone());
            if let Some(p) = self.peers.get_mut(&node) {
                p.last_heard = None;
            }
        }
    }

    fn on_packet(&mut self, from: String, packet: Packet, out: &mut Vec<Output>) {
        if from == self.cfg.local || !self.started {
            return;
        }
        // A new incarnation counts as a newcomer too.
        let was_in_contact = self.contact().get(&from) == Some(&packet.incarnation);
        match self.peers.get_mut(&from) {
            Some(p) if packet.incarnation < p.incarnation => return,
            Some(p) if packet.incarnation > p.incarnation => {
                *p = Peer {
                    incarnation: packet.incarnation,
                    last_heard: Some(self.now),
                    left: false,
                    view: 0,
                    acked: 0,
                    hears: None,
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
                        hears: None,
                    },
                );
            }
        }
        let inc = packet.incarnation;
        match packet.body {
            Body::Hello { view, acked, hears } => {
                self.max_seen = self.max_seen.max(view).max(acked);
                if let Some(p) = self.peers.get_mut(&from) {
                    p.view = view;
                    p.acked = acked;
                    p.hears = hears;
                }
                if !was_in_contact && !self.hb_dead.contains(&from) {
                    // Answer a newcomer directly so discovery takes one delay, not one period.
                    out.push(self.hello(Dest::Node(from.clone())));
                }
                self.resend_missed_commit(&from, inc, view, acked, out);
            }
            Body::Propose { instance, members } => {
                self.on_propose(from, inc, instance, members, out)
            }
            Body::Ack {
                instance,
                leader_incarnation,
                born,
            } => {
                if leader_incarnation == self.cfg.incarnation {
                    self.on_ack(from, inc, instance, born, out);
                }
            }
            Body::Nack { instance, max_seen } => {
                self.max_seen = self.max_seen.max(max_seen);
                if self.round.as_ref().is_some_and(|r| r.instance == instance) {
                    // Retry, but not at once: a refusal over contact needs heartbeat or a hello
                    // to change the picture first.
                    self.round = None;
                    self.force_round = true;
                    self.retry_at = self.now + self.cfg.timing.settle;
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
        leader_incarnation: u64,
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
        // No proposed member may be one we know we cannot reach, so that no view joins two nodes
        // that cannot talk (when connectivity is not transitive). Members we have not heard
        // from yet are given the benefit of the doubt: a lost hello must not stall a join.
        // Once links are known to be asymmetric, only our group may share a view with us.
        let target = self.target();
        let in_group = !self.asymmetry_held()
            || proposal
                .members
                .iter()
                .all(|(n, i)| target.get(n) == Some(i));
        let me_ok = proposal.members.get(&self.cfg.local) == Some(&self.cfg.incarnation)
            && in_group
            && proposal
                .members
                .iter()
                .all(|(n, &i)| *n == self.cfg.local || self.may_reach(n, i));
        let fresh = instance > self.highest_acked;
        let repeat = self.accepted.as_ref() == Some(&proposal);
        let body = if me_ok && (fresh || repeat) {
            if self.round.as_ref().is_some_and(|r| r.instance < instance) {
                // Our own round could only commit an instance below one we now acknowledged.
                self.round = None;
            }
            self.highest_acked = self.highest_acked.max(instance);
            self.accepted = Some(proposal);
            Body::Ack {
                instance,
                leader_incarnation,
                born: self.own_born(),
            }
        } else {
            Body::Nack {
                instance,
                max_seen: self.max_seen.max(self.highest_acked),
            }
        };
        out.push(self.send(Dest::Node(leader), body));
    }

    fn on_ack(&mut self, from: String, inc: u64, instance: u64, born: u64, out: &mut Vec<Output>) {
        let Some(round) = &mut self.round else { return };
        if round.instance != instance || round.members.get(&from) != Some(&inc) {
            return;
        }
        round.acks.insert(from, born);
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
                .filter(|n| !round.acks.contains_key(*n))
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
            for node in round
                .members
                .keys()
                .filter(|n| !round.acks.contains_key(*n))
            {
                self.suspects
                    .insert(node.clone(), self.now + timing.suspect_time);
            }
            self.round = None;
            self.force_round = true;
        }
    }

    fn is_leader(&self) -> bool {
        self.target().keys().next() == Some(&self.cfg.local)
    }

    /// Decides whether to start a round or to ask the leader for one.
    fn evaluate(&mut self, out: &mut Vec<Output>) {
        let contact = self.target();
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
            self.unanswered_joins = 0;
            None
        } else {
            Some(self.stuck_since.unwrap_or(self.now))
        };
        let stuck = self
            .stuck_since
            .is_some_and(|t| self.now >= t + self.cfg.timing.stuck_timeout);
        let leader = contact.keys().next().cloned().unwrap_or_default();
        if leader != self.cfg.local {
            self.force_round = false;
            if self.round.as_ref().is_some_and(|r| r.fallback) {
                return; // Our own fallback round runs to its end.
            }
            self.round = None;
            if !stuck {
                return;
            }
            if self.unanswered_joins == 0 {
                out.push(self.send(Dest::Node(leader), Body::Join));
                self.unanswered_joins += 1;
                self.stuck_since = Some(self.now);
            } else {
                // The would-be leader does not serve us (it cannot see our whole contact set:
                // connectivity is not transitive). Agree on our contact set ourselves.
                self.unanswered_joins = 0;
                self.start_round(contact, true, out);
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
        if (settled || self.force_round || stuck) && self.now >= self.retry_at {
            self.start_round(contact, false, out);
        }
    }

    fn start_round(&mut self, members: MemberSet, fallback: bool, out: &mut Vec<Output>) {
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
            acks: [(self.cfg.local.clone(), self.own_born())].into(),
            deadline: self.now + self.cfg.timing.proposal_timeout,
            tries: 0,
            fallback,
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
        if self
            .view
            .as_ref()
            .is_some_and(|v| v.instance >= round.instance)
        {
            return; // Overtaken by a newer view while the round ran.
        }
        self.force_round = false;
        let members: Vec<Member> = round
            .members
            .iter()
            .map(|(name, &incarnation)| {
                let reported = round.acks.get(name).copied().unwrap_or(0);
                Member {
                    name: name.clone(),
                    incarnation,
                    born: if reported == 0 {
                        round.instance
                    } else {
                        reported
                    },
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
        candidates.extend(self.asymmetric_since.map(|s| s + t.asymmetry_hold));
        for (name, p) in &self.peers {
            if let (Some(h), false) = (p.last_heard, self.hb_dead.contains(name)) {
                candidates.push(h + t.peer_timeout + 1);
            }
        }
        candidates.extend(self.suspects.values().copied());
        if self.force_round {
            candidates.push(self.retry_at);
        }
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

    /// False when we know incarnation `inc` of `node` is out of reach: heartbeat reported the
    /// node dead, the peer is suspected, we know a newer incarnation, or that incarnation left or
    /// went silent.
    fn may_reach(&self, node: &str, inc: u64) -> bool {
        if self.hb_dead.contains(node) || self.suspects.get(node).is_some_and(|&u| u > self.now) {
            return false;
        }
        let Some(p) = self.peers.get(node) else {
            return true;
        };
        if p.incarnation != inc {
            return p.incarnation < inc;
        }
        let fresh = p
            .last_heard
            .is_some_and(|t| self.now.saturating_sub(t) <= self.cfg.timing.peer_timeout);
        fresh && !p.left
    }

    /// Our `born` in our current view (0 if we have none).
    fn own_born(&self) -> u64 {
        self.view
            .as_ref()
            .and_then(|v| {
                v.members
                    .iter()
                    .find(|m| m.name == self.cfg.local && m.incarnation == self.cfg.incarnation)
            })
            .map_or(0, |m| m.born)
    }

    fn hello(&mut self, to: Dest) -> Output {
        let hears: BTreeSet<String> = self.heard().into_keys().collect();
        if to == Dest::All {
            self.advertised = hears.clone();
        }
        let body = Body::Hello {
            view: self.view.as_ref().map_or(0, |v| v.instance),
            acked: self.highest_acked,
            hears: Some(hears),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Member;

    fn machine(local: &str, incarnation: u64, nodes: &[&str]) -> Membership {
        Membership::new(Config {
            local: local.into(),
            incarnation,
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            timing: Timing::default(),
        })
    }

    fn packet(incarnation: u64, body: Body) -> Packet {
        Packet { incarnation, body }
    }

    fn send(to: Dest, incarnation: u64, body: Body) -> Output {
        Output::Send {
            to,
            packet: packet(incarnation, body),
        }
    }

    fn from(node: &str, incarnation: u64, body: Body) -> Input {
        Input::Packet {
            from: node.into(),
            packet: packet(incarnation, body),
        }
    }

    /// A hello from a peer that does not say whom it hears.
    fn hello(view: u64, acked: u64) -> Body {
        Body::Hello {
            view,
            acked,
            hears: None,
        }
    }

    /// A hello saying the sender hears `hears`.
    fn hello_hearing(view: u64, acked: u64, hears: &[&str]) -> Body {
        Body::Hello {
            view,
            acked,
            hears: Some(hears.iter().map(|n| n.to_string()).collect()),
        }
    }

    fn b_node() -> Dest {
        Dest::Node("b".into())
    }

    #[test]
    fn leader_discovers_a_peer_proposes_after_settle_and_commits_on_ack() {
        let mut a = machine("a", 1, &["a", "b"]);
        assert_eq!(
            a.step(0, Input::Start),
            [
                send(Dest::All, 1, hello_hearing(0, 0, &["a"])),
                Output::SetTimer { at: 200 }
            ]
        );
        let up = Input::NodeStatus {
            node: "b".into(),
            alive: true,
        };
        assert_eq!(
            a.step(10, up),
            [send(b_node(), 1, hello_hearing(0, 0, &["a"]))]
        );
        // First packet from b: answered directly; b joins the contact set, which everyone
        // is told at once.
        assert_eq!(
            a.step(20, from("b", 7, hello(0, 0))),
            [
                send(b_node(), 1, hello_hearing(0, 0, &["a", "b"])),
                send(Dest::All, 1, hello_hearing(0, 0, &["a", "b"])),
            ]
        );
        let members: MemberSet = [("a".to_string(), 1), ("b".to_string(), 7)].into();
        let propose = Body::Propose {
            instance: 1,
            members: members.clone(),
        };
        assert_eq!(
            a.step(200, Input::Tick),
            [send(b_node(), 1, propose), Output::SetTimer { at: 1020 }]
        );
        let ack = Body::Ack {
            instance: 1,
            leader_incarnation: 1,
            born: 0,
        };
        let view = View {
            instance: 1,
            leader: "a".into(),
            quorum: true,
            members: vec![
                Member {
                    name: "a".into(),
                    incarnation: 1,
                    born: 1,
                },
                Member {
                    name: "b".into(),
                    incarnation: 7,
                    born: 1,
                },
            ],
        };
        assert_eq!(
            a.step(230, from("b", 7, ack)),
            [
                send(b_node(), 1, Body::Commit { view: view.clone() }),
                Output::NewView(view.clone()),
                send(Dest::All, 1, hello_hearing(1, 1, &["a", "b"])),
                Output::SetTimer { at: 1230 },
            ]
        );
        assert_eq!(a.view(), Some(&view));
    }

    /// Member-side tests look at sends and views only; timers are covered above.
    fn effects(m: &mut Membership, now: Millis, input: Input) -> Vec<Output> {
        m.step(now, input)
            .into_iter()
            .filter(|o| !matches!(o, Output::SetTimer { .. }))
            .collect()
    }

    #[test]
    fn member_acks_each_instance_once_and_refuses_stale_proposals() {
        let mut b = machine("b", 7, &["a", "b", "c"]);
        b.step(0, Input::Start);
        let set = |pairs: &[(&str, u64)]| -> MemberSet {
            pairs.iter().map(|(n, i)| (n.to_string(), *i)).collect()
        };
        let to_a = Dest::Node("a".into());
        let to_c = Dest::Node("c".into());
        let p1 = Body::Propose {
            instance: 1,
            members: set(&[("a", 1), ("b", 7)]),
        };
        let ack1 = Body::Ack {
            instance: 1,
            leader_incarnation: 1,
            born: 0,
        };
        // (a's first packet also puts it in contact, which b tells everyone.)
        assert_eq!(
            effects(&mut b, 10, from("a", 1, p1.clone())),
            [
                send(to_a.clone(), 7, ack1.clone()),
                send(Dest::All, 7, hello_hearing(0, 1, &["a", "b"]))
            ]
        );
        // The same proposal again (a retry) is acknowledged again.
        assert_eq!(
            effects(&mut b, 20, from("a", 1, p1)),
            [send(to_a.clone(), 7, ack1)]
        );
        // Another leader's proposal for the same instance is refused.
        let rival = Body::Propose {
            instance: 1,
            members: set(&[("b", 7), ("c", 2)]),
        };
        assert_eq!(
            effects(&mut b, 30, from("c", 2, rival)),
            [
                send(
                    to_c,
                    7,
                    Body::Nack {
                        instance: 1,
                        max_seen: 1
                    }
                ),
                send(Dest::All, 7, hello_hearing(0, 1, &["a", "b", "c"]))
            ]
        );
        // A proposal naming an old incarnation of b is refused, whatever its instance.
        let stale = Body::Propose {
            instance: 5,
            members: set(&[("a", 1), ("b", 6)]),
        };
        assert_eq!(
            effects(&mut b, 40, from("a", 1, stale)),
            [send(
                to_a,
                7,
                Body::Nack {
                    instance: 5,
                    max_seen: 5
                }
            )]
        );
    }

    #[test]
    fn member_installs_only_newer_commits_that_name_it() {
        let mut b = machine("b", 7, &["a", "b"]);
        b.step(0, Input::Start);
        let view = |instance: u64, b_inc: u64| View {
            instance,
            leader: "a".into(),
            quorum: true,
            members: vec![
                Member {
                    name: "a".into(),
                    incarnation: 1,
                    born: 1,
                },
                Member {
                    name: "b".into(),
                    incarnation: b_inc,
                    born: instance,
                },
            ],
        };
        let commit = |v: View| from("a", 1, Body::Commit { view: v });
        assert_eq!(
            effects(&mut b, 10, commit(view(3, 7))),
            [
                Output::NewView(view(3, 7)),
                send(Dest::All, 7, hello_hearing(3, 0, &["a", "b"]))
            ]
        );
        assert_eq!(effects(&mut b, 20, commit(view(2, 7))), []);
        assert_eq!(effects(&mut b, 30, commit(view(3, 7))), []);
        assert_eq!(effects(&mut b, 40, commit(view(4, 6))), []);
        assert_eq!(b.view().map(|v| v.instance), Some(3));
    }

    #[test]
    fn packets_from_an_older_incarnation_are_ignored() {
        let mut a = machine("a", 1, &["a", "b"]);
        a.step(0, Input::Start);
        let up = Input::NodeStatus {
            node: "b".into(),
            alive: true,
        };
        a.step(1, up);
        a.step(2, from("b", 8, hello(0, 0)));
        assert_eq!(a.contact().get("b"), Some(&8));
        assert_eq!(effects(&mut a, 3, from("b", 7, hello(0, 0))), []);
        assert_eq!(a.contact().get("b"), Some(&8));
        // A goodbye takes b out of contact until a new incarnation speaks.
        a.step(4, from("b", 8, Body::Leave));
        assert_eq!(a.contact().get("b"), None);
        a.step(5, from("b", 9, hello(0, 0)));
        assert_eq!(a.contact().get("b"), Some(&9));
    }
}
