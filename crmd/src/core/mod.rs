//! crmd's core: every decision the daemon makes, as a pure state machine.
//!
//! [`Core::step`] takes the time and one [`Input`] (a membership view, a peer's message, an
//! LRM or fencing result, a client request, a neighbour lost or back, a timer) and returns the
//! [`Command`]s to carry out (send to a peer, run an action on the LRM, fence, answer a client,
//! store the CIB or a policy engine input, wake me at ...). It does no I/O, reads no clock and
//! no environment, so whole clusters of cores can be driven by a seeded simulation
//! (`crmd/tests/sim_cluster.rs`); the daemon's runtime (`crate::daemon`) only does the I/O.
//!
//! The phases are those of Pacemaker's controller FSA that fit this design ([`Phase`]); they
//! are derived from the state at the end of every step and logged when they change.

mod dc;
mod election;
mod escalation;
mod fencing;
mod node;
pub mod options;
mod stopping;

use std::collections::{BTreeMap, BTreeSet};

use cib::series::Series;
use cib::version::CibVersion;
use cib::xml::Element;
use graph::GraphAction;
use lrm::op::OpResult;
use messaging::wire::Message;
use tengine::record::OpSummary;

use crate::election::choose_dc;
use crate::peer::PeerMsg;
use crate::proto::{ClusterInfo, Request, RequestBody, Response};
use crate::writer::Writer;

pub use escalation::{DAEMON_LOST_REACTION, EXIT_FATAL, NEIGHBOUR_GRACE};
pub use node::{action_interval, action_rsc, action_target_rc, empty_cib};
pub use stopping::SHUTDOWN_ATTR;

/// Monotonic milliseconds (the runtime's clock, or the simulation's).
pub type Millis = u64;

/// A client connection, numbered by the runtime.
pub type ConnId = u64;

/// The time of a step: monotonic (timers) and wall-clock seconds (policy engine "now", op
/// timestamps, `cib-last-written`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Monotonic milliseconds.
    pub ms: Millis,
    /// Seconds since the epoch.
    pub wall: i64,
}

/// The local daemons crmd depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Neighbour {
    /// The messaging layer (peers, node and client status).
    Heartbeat,
    /// Membership.
    Ccm,
    /// The local resource manager.
    Lrmd,
    /// The fencer.
    Stonithd,
}

/// Everything that can happen to a crmd.
#[derive(Debug, Clone)]
pub enum Input {
    /// ccm agreed a view.
    View(ccm::api::ViewEvent),
    /// heartbeat says a node's crmd signed on (`up`) or off.
    PeerCrmd {
        /// The node.
        node: String,
        /// Whether its crmd runs.
        up: bool,
    },
    /// A `t=crmd` message from another node, as heartbeat delivered it (stamped with the
    /// sending client, which the core checks with [`crate::trust`] before decoding).
    Peer {
        /// The sending node.
        src: String,
        /// The message.
        msg: Message,
    },
    /// A local client's request (a `subscribe` too).
    Client {
        /// Its connection.
        conn: ConnId,
        /// The request.
        req: Request,
        /// The user the client runs as (from its connection's credentials), recorded as
        /// `update-user` on a change it makes.
        user: String,
    },
    /// A local client went away.
    ClientGone(ConnId),
    /// An action run on the local lrmd ended.
    LrmDone {
        /// Transition id.
        tid: u64,
        /// The action.
        action: Box<GraphAction>,
        /// Its result, or why it could not run.
        result: Result<OpSummary, String>,
    },
    /// lrmd reported an operation result (recurring monitors among them).
    LrmEvent(Box<OpResult>),
    /// stonithd answered a fencing request.
    FenceDone {
        /// Transition id (0: not a transition's).
        tid: u64,
        /// The stonith action's id.
        aid: u32,
        /// The node.
        target: String,
        /// The devices that fenced it, or why it failed or was not confirmed.
        result: Result<Vec<String>, String>,
    },
    /// How many of heartbeat's ping nodes this node reaches.
    Connectivity {
        /// Reachable ping nodes.
        reachable: usize,
        /// All ping nodes.
        total: usize,
    },
    /// A neighbour's connection broke.
    NeighbourLost(Neighbour),
    /// A neighbour is connected (again).
    NeighbourBack(Neighbour),
    /// SIGTERM: stop cleanly (hand this node's resources to the others, then exit).
    Shutdown,
    /// A timer the core asked for ([`Command::WakeAt`]) expired.
    Tick,
}

/// Everything a crmd does to the world.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Send to one other node's crmd.
    Send {
        /// The node.
        to: String,
        /// The message.
        msg: PeerMsg,
    },
    /// Send to every other node's crmd.
    Broadcast(PeerMsg),
    /// Ask heartbeat whether these nodes' crmds run (answers come as [`Input::PeerCrmd`]).
    AskCrmdStatus(Vec<String>),
    /// Run an action on the local lrmd (answer: [`Input::LrmDone`]).
    LrmExec {
        /// Transition id.
        tid: u64,
        /// The action.
        action: Box<GraphAction>,
    },
    /// Ask the local stonithd to fence a node (answer: [`Input::FenceDone`]).
    Fence {
        /// Transition id (0: not a transition's).
        tid: u64,
        /// The stonith action's id.
        aid: u32,
        /// The node.
        target: String,
        /// `reboot`, `off` or `on`.
        action: String,
        /// Who asks (this node).
        origin: String,
        /// `priority-fencing-delay` to apply, in ms.
        delay_ms: u64,
    },
    /// Answer (or send an event to) a client connection.
    Reply {
        /// The connection.
        conn: ConnId,
        /// The answer.
        resp: Response,
    },
    /// Store this CIB's configuration (its version changed epoch).
    SaveCib(Box<Element>),
    /// Keep this policy engine input in its series (`pe-input-N`, `pe-warn-N`, `pe-error-N`).
    SavePeInput {
        /// The transition it was computed for.
        tid: u64,
        /// Which series.
        series: Series,
        /// The CIB the policy engine ran on.
        cib: Box<Element>,
    },
    /// Wake me (with [`Input::Tick`]) at this time; replaces the previous wake-up.
    WakeAt(Millis),
    /// End the process with this code (0: a clean stop; [`EXIT_FATAL`]: do not respawn me).
    /// The core takes no input after it.
    Exit(i32),
}

/// The controller's phase (Pacemaker's FSA states that fit this design).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No membership view yet.
    Starting,
    /// A view, but no DC known.
    Pending,
    /// An election round: members of the view whose crmd state is unknown could win, so the
    /// DC is chosen once they answered (or the round timed out).
    Election,
    /// A member under another node's DC.
    NotDc,
    /// A local neighbour (lrmd) is gone: local actions fail until it is back.
    Recovery,
    /// Stopping cleanly: waiting for the DC to stop this node's resources.
    Stopping,
    /// DC: a join round is collecting the members' reports.
    Integration,
    /// DC: the join's CIB was sent; waiting for the members to confirm they installed it.
    FinalizeJoin,
    /// DC: the policy engine is due (possibly waiting for a retry pause).
    PolicyEngine,
    /// DC: a transition is running.
    TransitionEngine,
    /// DC: nothing to do.
    Idle,
}

impl Phase {
    /// Pacemaker's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Starting => "S_STARTING",
            Phase::Pending => "S_PENDING",
            Phase::Election => "S_ELECTION",
            Phase::NotDc => "S_NOT_DC",
            Phase::Recovery => "S_RECOVERY",
            Phase::Stopping => "S_STOPPING",
            Phase::Integration => "S_INTEGRATION",
            Phase::FinalizeJoin => "S_FINALIZE_JOIN",
            Phase::PolicyEngine => "S_POLICY_ENGINE",
            Phase::TransitionEngine => "S_TRANSITION_ENGINE",
            Phase::Idle => "S_IDLE",
        }
    }
}

/// What the core is told once, at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// This node's name (lowercase).
    pub me: String,
    /// The CIB read at start (status empty).
    pub cib: Element,
    /// The configured (normal) nodes, for `info`.
    pub nodes: Vec<String>,
}

/// How long a client write waits for a DC before it is refused.
const WRITE_HOLD: Millis = 10_000;

/// A client write waiting for a DC.
#[derive(Debug, Clone)]
struct Held {
    body: RequestBody,
    conn: ConnId,
    id: u64,
    until: Millis,
    writer: Writer,
}

/// All of a crmd's state.
pub struct Core {
    me: String,
    nodes: Vec<String>,
    /// The replica (the master copy on the DC).
    cib: Element,
    /// The version last handed to the store.
    saved: CibVersion,
    view: Option<ccm::api::ViewEvent>,
    /// Nodes whose crmd is known to run.
    crmd_up: BTreeSet<String>,
    /// The latest join offer from each node that was not yet in our view when it arrived (its
    /// offer can outrun our membership news); answered once a view lists the node.
    early_offers: BTreeMap<String, Message>,
    dc: Option<String>,
    subscribers: BTreeSet<ConnId>,
    /// Forwarded writes waiting for the DC: rid -> (client connection, client's id, give-up time).
    forwarded: BTreeMap<u64, (ConnId, u64, Millis)>,
    next_rid: u64,
    held: Vec<Held>,
    local: node::LocalExec,
    /// Whether lrmd is connected, and whether it ever was (a reconnect means a restart).
    lrm_up: bool,
    lrm_seen: bool,
    /// Stops asked for while lrmd is away: run when it is back. A failed stop gets the node
    /// fenced, and lrmd is usually respawned within a second (lost for good, crmd exits).
    held_stops: Vec<(u64, GraphAction)>,
    /// Ping nodes reached / configured, as heartbeat last said.
    connectivity: Option<(usize, usize)>,
    dc_state: Option<dc::DcState>,
    /// Neighbours unreachable, for escalation.
    lost: escalation::Lost,
    /// A clean stop in progress.
    stopping: Option<stopping::Stopping>,
    /// The open election round, if any.
    election: Option<election::Round>,
    /// The core asked the runtime to exit: it takes no more input.
    exited: bool,
    phase: Phase,
    /// The wake-up last asked for.
    wake: Option<Millis>,
    now: Now,
    out: Vec<Command>,
}

impl Core {
    /// A crmd that has just started.
    pub fn new(cfg: Config) -> Core {
        let saved = CibVersion::from_element(&cfg.cib);
        Core {
            local: node::LocalExec::new(&cfg.me),
            crmd_up: BTreeSet::from([cfg.me.clone()]),
            early_offers: BTreeMap::new(),
            me: cfg.me,
            nodes: cfg.nodes,
            cib: cfg.cib,
            saved,
            view: None,
            dc: None,
            subscribers: BTreeSet::new(),
            forwarded: BTreeMap::new(),
            next_rid: 1,
            held: Vec::new(),
            lrm_up: false,
            lrm_seen: false,
            held_stops: Vec::new(),
            connectivity: None,
            dc_state: None,
            lost: escalation::Lost::default(),
            stopping: None,
            election: None,
            exited: false,
            phase: Phase::Starting,
            wake: None,
            now: Now { ms: 0, wall: 0 },
            out: Vec::new(),
        }
    }

    /// Handles one input at `now`; returns what to do.
    pub fn step(&mut self, now: Now, input: Input) -> Vec<Command> {
        if self.exited {
            return Vec::new();
        }
        self.now = now;
        match input {
            Input::View(view) => self.on_view(view),
            Input::PeerCrmd { node, up } => self.on_peer_crmd(&node.to_lowercase(), up),
            Input::Peer { src, msg } => self.on_peer_message(&src.to_lowercase(), &msg),
            Input::Client { conn, req, user } => {
                let writer = Writer::new(&self.me, req.client.as_deref(), &user);
                self.on_client(conn, req, writer)
            }
            Input::ClientGone(conn) => {
                self.subscribers.remove(&conn);
            }
            Input::LrmDone {
                tid,
                action,
                result,
            } => self.on_lrm_done(tid, *action, result),
            Input::LrmEvent(result) => self.on_lrm_event(*result),
            Input::FenceDone {
                tid,
                aid,
                target,
                result,
            } => self.on_fence_done(tid, aid, &target.to_lowercase(), result),
            Input::Connectivity { reachable, total } => {
                self.connectivity = Some((reachable, total));
                self.update_connectivity();
            }
            Input::NeighbourLost(n) => {
                self.neighbour_lost_at(n);
                self.on_neighbour_lost(n)
            }
            Input::NeighbourBack(n) => {
                self.neighbour_back_at(n);
                self.on_neighbour_back(n)
            }
            Input::Shutdown => self.on_shutdown(),
            Input::Tick => {}
        }
        // Before the timers: what the escalation writes is then acted on in this same step.
        self.escalate_lost_neighbours();
        self.progress_shutdown();
        self.on_time();
        self.note_phase();
        self.schedule_wake();
        std::mem::take(&mut self.out)
    }

    /// This node's name.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// The replica.
    pub fn cib(&self) -> &Element {
        &self.cib
    }

    /// The DC this node follows.
    pub fn dc(&self) -> Option<&str> {
        self.dc.as_deref()
    }

    /// Whether this node is the DC.
    pub fn is_dc(&self) -> bool {
        self.dc.as_deref() == Some(self.me.as_str())
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The fencing requests this DC holds or has handed to stonithd: (target, started).
    pub fn fencing(&self) -> Vec<(String, bool)> {
        self.dc_state
            .as_ref()
            .map(|d| d.fencing.summary())
            .unwrap_or_default()
    }

    fn derive_phase(&self) -> Phase {
        if self.stopping.is_some() {
            return Phase::Stopping;
        }
        if self.view.is_none() {
            return Phase::Starting;
        }
        if self.lrm_seen && !self.lrm_up {
            return Phase::Recovery;
        }
        if self.election.as_ref().is_some_and(|r| r.deferred) {
            return Phase::Election;
        }
        match (&self.dc, &self.dc_state) {
            (None, _) => Phase::Pending,
            (Some(_), Some(d)) if self.is_dc() => d.phase(),
            _ => Phase::NotDc,
        }
    }

    fn note_phase(&mut self) {
        let phase = self.derive_phase();
        if phase != self.phase {
            tracing::info!("{} -> {}", self.phase.as_str(), phase.as_str());
            self.phase = phase;
        }
    }

    /// Everything that happens at a time: held writes, unanswered forwarded writes, DC timers.
    fn on_time(&mut self) {
        self.election_timeout();
        let now = self.now.ms;
        if !self.held.is_empty() {
            let ready = self.can_write();
            for h in std::mem::take(&mut self.held) {
                if ready {
                    self.write_or_forward(h.conn, h.id, h.body, h.until, h.writer);
                } else if now > h.until {
                    self.reply(
                        h.conn,
                        Response::fail(
                            h.id,
                            102,
                            "No DC: the cluster has not elected a designated controller",
                        ),
                    );
                } else {
                    self.held.push(h);
                }
            }
        }
        let overdue: Vec<u64> = self
            .forwarded
            .iter()
            .filter(|(_, f)| now > f.2)
            .map(|(rid, _)| *rid)
            .collect();
        for rid in overdue {
            if let Some((conn, id, _)) = self.forwarded.remove(&rid) {
                tracing::warn!("the DC did not answer forwarded write {rid}");
                // CRM_EX_TIMEOUT: the write may or may not have been applied.
                self.reply(
                    conn,
                    Response::fail(id, 124, "the DC did not answer in time"),
                );
            }
        }
        if self.is_dc() {
            self.dc_on_time();
        }
    }

    /// Whether a write can go to the DC now: this node is the DC, or it follows a DC that is in
    /// its own view with it (a DC that has not yet seen this node join would drop the request).
    fn can_write(&self) -> bool {
        match (&self.dc, &self.view) {
            (Some(_), _) if self.is_dc() => true,
            (Some(dc), Some(_)) => {
                let members = self.members();
                members.contains(dc) && members.contains(&self.me)
            }
            _ => false,
        }
    }

    /// A client write: applied here on the DC, else forwarded to it (answered when it
    /// replies, or failed at `until`).
    fn write_or_forward(
        &mut self,
        conn: ConnId,
        id: u64,
        body: RequestBody,
        until: Millis,
        writer: Writer,
    ) {
        if self.is_dc() {
            let mut r = self.dc_write(body, &writer);
            r.id = id;
            self.reply(conn, r);
            return;
        }
        let rid = self.next_rid;
        self.next_rid += 1;
        let msg = PeerMsg::Request {
            rid,
            body: serde_json::to_string(&body).unwrap_or_default(),
            client: writer.client.clone(),
            user: writer.user.clone(),
        };
        if self.send_to_dc(msg) {
            self.forwarded
                .insert(rid, (conn, id, until.max(self.now.ms + WRITE_HOLD)));
        }
    }

    fn schedule_wake(&mut self) {
        let mut next: Option<Millis> = self
            .held
            .iter()
            .map(|h| h.until + 1)
            .chain(self.forwarded.values().map(|f| f.2 + 1))
            .chain(self.lost.next_deadline())
            .chain(self.stopping.as_ref().map(|s| s.next_deadline(&self.cib)))
            .chain(self.election.as_ref().map(|r| r.until))
            .min();
        if let Some(d) = self.dc_state.as_ref().filter(|_| self.is_dc()) {
            next = [next, d.next_deadline(&self.cib)]
                .into_iter()
                .flatten()
                .min();
        }
        if next != self.wake {
            self.wake = next;
            if let Some(at) = next {
                self.out.push(Command::WakeAt(at));
            }
        }
    }

    fn on_view(&mut self, view: ccm::api::ViewEvent) {
        tracing::info!(
            "membership view {}: {:?} (quorum {})",
            view.instance,
            view.members,
            view.quorum
        );
        self.suicide_if_quorum_lost(&view);
        let members: BTreeSet<String> =
            view.members.iter().map(|(n, _)| n.to_lowercase()).collect();
        let unknown: Vec<String> = members
            .iter()
            .filter(|n| !self.crmd_up.contains(*n))
            .cloned()
            .collect();
        self.prune_round(&members);
        if !unknown.is_empty() {
            self.open_round(&unknown);
            self.out.push(Command::AskCrmdStatus(unknown));
        }
        self.crmd_up.retain(|n| members.contains(n));
        self.crmd_up.insert(self.me.clone());
        self.view = Some(view);
        // A new DC starts its first join itself; a standing DC re-joins the new membership.
        if !self.elect() && self.is_dc() {
            self.start_join();
        }
        // Offers refused only because their sender was not in our view yet: a DC waiting for
        // our report would otherwise finish its join without us and never ask again.
        for (src, offer) in std::mem::take(&mut self.early_offers) {
            if members.contains(&src) {
                self.on_peer_message(&src, &offer);
            }
        }
    }

    fn on_peer_crmd(&mut self, node: &str, up: bool) {
        if node == self.me {
            return;
        }
        let closed = self.vote(node);
        if up {
            // A crmd that (re)started has an empty replica and history: a new join round.
            // (One already known is old news, e.g. a status answer after its first message.)
            if self.crmd_up.insert(node.to_string()) && !self.elect() && self.is_dc() {
                self.start_join();
            }
        } else if self.crmd_up.remove(node) {
            tracing::info!("crmd on {node} left");
            if !self.elect() && self.is_dc() {
                self.start_join();
            }
        }
        if closed {
            self.elect();
        }
    }

    /// `no-quorum-policy=suicide` (with fencing on): a partition that had quorum and lost it
    /// fences its own nodes, so the quorate side may take over at once. Each node fences itself;
    /// this and an operator's request are the only ways a node fences itself.
    fn suicide_if_quorum_lost(&mut self, view: &ccm::api::ViewEvent) {
        let had_quorum = self.view.as_ref().is_some_and(|v| v.quorum);
        if !had_quorum || view.quorum {
            return;
        }
        let policy = options::cluster_option(&self.cib, "no-quorum-policy");
        let fencing = options::fencing_enabled(&self.cib);
        tracing::warn!(
            "quorum lost (no-quorum-policy {}, fencing {fencing})",
            policy.as_deref().unwrap_or("stop")
        );
        if fencing && policy.as_deref() == Some("suicide") {
            tracing::error!("quorum lost with no-quorum-policy=suicide: fencing this node");
            self.out.push(Command::Fence {
                tid: 0,
                aid: 0,
                target: self.me.clone(),
                action: "off".into(),
                origin: self.me.clone(),
                delay_ms: 0,
            });
        }
    }

    /// A `t=crmd` message: acted on only if it is the peer crmd's and it may ask what it asks.
    fn on_peer_message(&mut self, src: &str, m: &Message) {
        if src == self.me {
            return;
        }
        let members = self.view.as_ref().map(|_| self.members());
        let ctx = crate::trust::Context {
            members: members.as_deref(),
            dc: self.dc.as_deref(),
        };
        if let Err(why) = crate::trust::check(src, m, ctx) {
            if matches!(why, crate::trust::Refused::NotMember(_))
                && m.get("op") == Some("join_offer")
            {
                self.early_offers.insert(src.to_string(), m.clone());
            }
            tracing::warn!(
                "dropping crmd message op={} from node {src} client [{}]: {why}",
                m.get("op").unwrap_or("?"),
                m.get(messaging::origin::FROM_ID).unwrap_or("")
            );
            return;
        }
        match PeerMsg::decode(m) {
            Ok(msg) => {
                self.peer_seen(src);
                self.on_peer(src, msg);
            }
            Err(e) => tracing::warn!("ignoring a bad crmd message from {src}: {e}"),
        }
    }

    /// A crmd message from `node` proves its crmd runs.
    fn peer_seen(&mut self, node: &str) {
        let closed = self.vote(node);
        if self.crmd_up.insert(node.to_string()) || closed {
            self.elect();
        }
    }

    /// Recomputes the DC from the view, among members whose crmd runs; true when this node
    /// just became the DC (and started a join round).
    fn elect(&mut self) -> bool {
        let candidates: Vec<(String, u64)> = match &self.view {
            Some(v) => v
                .members
                .iter()
                .map(|(n, b)| (n.to_lowercase(), *b))
                .filter(|(n, _)| self.crmd_up.contains(n))
                .collect(),
            None => return false,
        };
        let dc = choose_dc(&candidates).map(str::to_string);
        if self.election_defers(&candidates) {
            return false;
        }
        if dc == self.dc {
            return false;
        }
        tracing::info!("DC is now {}", dc.as_deref().unwrap_or("(none)"));
        let was_dc = self.is_dc();
        self.dc = dc;
        if self.is_dc() && !was_dc {
            self.dc_state = Some(dc::DcState::new());
            self.start_join();
            return true;
        } else if !self.is_dc() && was_dc {
            if let Some(d) = self.dc_state.take() {
                d.fencing.log_abandoned();
            }
        }
        false
    }

    fn members(&self) -> Vec<String> {
        self.view
            .as_ref()
            .map(|v| v.members.iter().map(|(n, _)| n.to_lowercase()).collect())
            .unwrap_or_default()
    }

    /// Whether `node` is in the view with its crmd running (it can report, so it is healthy).
    fn is_active_member(&self, node: &str) -> bool {
        self.crmd_up.contains(node) && self.members().iter().any(|m| m == node)
    }

    fn on_peer(&mut self, src: &str, msg: PeerMsg) {
        match msg {
            PeerMsg::JoinOffer { join } => {
                if self.dc.is_none() {
                    // Our own view has not arrived yet; the offer tells us who won.
                    self.dc = Some(src.to_string());
                } else if self.dc.as_deref() != Some(src) {
                    tracing::info!("join offer from {src}, which is not our DC ({:?})", self.dc);
                }
                let report = self.own_report(join);
                self.send_to(src, report);
            }
            PeerMsg::JoinReport {
                join,
                cib,
                lrm,
                attrs,
            } => self.on_join_report(src, join, &cib, &lrm, &attrs),
            PeerMsg::CibFull { cib, join } => {
                self.on_cib_full(&cib);
                if join > 0 {
                    self.send_to(src, PeerMsg::JoinAck { join });
                }
            }
            PeerMsg::JoinAck { join } => self.on_join_ack(src, join),
            PeerMsg::CibDiff { from, patch } => self.on_cib_diff(src, &from, &patch),
            PeerMsg::SyncReq => {
                if self.is_dc() {
                    let full = PeerMsg::CibFull {
                        join: 0,
                        cib: self.cib.to_xml_compact(),
                    };
                    self.send_to(src, full);
                }
            }
            PeerMsg::Request {
                rid,
                body,
                client,
                user,
            } => {
                let writer = Writer::forwarded(src, &client, &user);
                let resp = match serde_json::from_str::<RequestBody>(&body) {
                    Ok(body) if self.is_dc() => self.dc_write(body, &writer),
                    Ok(_) => Response::fail(0, 102, "this node is not the DC"),
                    Err(e) => Response::fail(0, 76, format!("invalid forwarded request: {e}")),
                };
                let body = serde_json::to_string(&resp).unwrap_or_default();
                self.send_to(src, PeerMsg::Reply { rid, body });
            }
            PeerMsg::Reply { rid, body } => {
                if let Some((conn, id, _)) = self.forwarded.remove(&rid) {
                    let mut resp: Response = serde_json::from_str(&body)
                        .unwrap_or_else(|e| Response::fail(0, 76, format!("bad reply: {e}")));
                    resp.id = id;
                    self.reply(conn, resp);
                }
            }
            PeerMsg::Exec { tid, action } => self.on_exec(tid, &action),
            PeerMsg::Result {
                tid,
                aid,
                rc,
                status,
                op,
                rsc,
                task,
                interval_ms,
                target_rc,
            } => {
                if self.is_dc() {
                    self.dc_result(dc::OpOutcome {
                        node: src.to_string(),
                        tid,
                        aid,
                        rc,
                        status,
                        lrm_resource: op,
                        rsc,
                        task,
                        interval_ms,
                        target_rc,
                    });
                }
            }
            PeerMsg::Forget { rsc } => self.local.forget(&rsc),
            PeerMsg::Reprobe => {
                if self.is_dc() {
                    self.dc_reprobe(src);
                }
            }
        }
    }

    /// Sends to one node; to ourselves means handling it here.
    fn send_to(&mut self, node: &str, msg: PeerMsg) {
        if node == self.me {
            match msg {
                // The DC applies its own changes before broadcasting them.
                PeerMsg::CibFull { .. } | PeerMsg::CibDiff { .. } if self.is_dc() => {}
                msg => {
                    let me = self.me.clone();
                    self.on_peer(&me, msg);
                }
            }
        } else {
            self.out.push(Command::Send {
                to: node.to_string(),
                msg,
            });
        }
    }

    fn send_to_dc(&mut self, msg: PeerMsg) -> bool {
        match self.dc.clone() {
            Some(dc) => {
                self.send_to(&dc, msg);
                true
            }
            None => false,
        }
    }

    fn reply(&mut self, conn: ConnId, resp: Response) {
        self.out.push(Command::Reply { conn, resp });
    }

    fn on_client(&mut self, conn: ConnId, req: Request, writer: Writer) {
        let id = req.id;
        let resp = match req.body {
            RequestBody::Query => Response {
                cib: Some(self.cib.to_xml()),
                ..Response::ok(id)
            },
            RequestBody::Info => Response {
                text: serde_json::to_string(&self.info()).ok(),
                ..Response::ok(id)
            },
            RequestBody::Subscribe => {
                self.subscribers.insert(conn);
                Response::ok(id)
            }
            body => {
                let until = self.now.ms + WRITE_HOLD;
                if self.can_write() {
                    self.write_or_forward(conn, id, body, until, writer);
                } else {
                    // No DC we can reach yet (the cluster is starting): hold the write a while.
                    self.held.push(Held {
                        body,
                        conn,
                        id,
                        until,
                        writer,
                    });
                }
                return;
            }
        };
        self.reply(conn, resp);
    }

    fn info(&self) -> ClusterInfo {
        let mut nodes = self.nodes.clone();
        nodes.sort();
        ClusterInfo {
            local_node: self.me.clone(),
            dc: self.dc.clone(),
            quorum: self.view.as_ref().is_some_and(|v| v.quorum),
            members: self.members(),
            nodes,
        }
    }

    /// Installs a new replica version: stores configuration changes, tells subscribers.
    fn install(&mut self, cib: Element) {
        self.cib = cib;
        let v = CibVersion::from_element(&self.cib);
        if (v.admin_epoch, v.epoch) != (self.saved.admin_epoch, self.saved.epoch) {
            self.out.push(Command::SaveCib(Box::new(self.cib.clone())));
            self.saved = v;
        }
        let event = Response {
            event: Some("cib_changed".into()),
            ..Response::ok(0)
        };
        for conn in self.subscribers.clone() {
            self.reply(conn, event.clone());
        }
        self.update_connectivity();
    }

    fn on_cib_full(&mut self, xml: &str) {
        match cib::xml::parse_element(xml) {
            Ok(cib) => self.install(cib),
            Err(e) => tracing::warn!("ignoring an unreadable CIB from the DC: {e}"),
        }
    }

    fn on_cib_diff(&mut self, src: &str, from: &str, patch: &str) {
        let ours = CibVersion::from_element(&self.cib).to_string();
        if ours != from {
            tracing::info!("replica at {ours}, diff from {from}: asking {src} for the whole CIB");
            self.send_to(src, PeerMsg::SyncReq);
            return;
        }
        let mut next = self.cib.clone();
        let applied = cib::xml::parse_element(patch)
            .map_err(|e| e.to_string())
            .and_then(|p| cib::patch::apply_unchecked(&p, &mut next).map_err(|e| e.to_string()));
        match applied {
            Ok(()) => self.install(next),
            Err(e) => {
                tracing::warn!("diff from {src} does not apply ({e}): resyncing");
                self.send_to(src, PeerMsg::SyncReq);
            }
        }
    }

    /// Keeps this node's `pingd` attribute equal to the number of `ping`/`ping_group` nodes
    /// heartbeat can reach, so connectivity rules can move resources off a node that lost its
    /// network (Heartbeat's `ipfail`, Pacemaker's `ping` agent).
    fn update_connectivity(&mut self) {
        let Some((reachable, total)) = self.connectivity else {
            return;
        };
        if total == 0 || self.dc.is_none() {
            return;
        }
        let reachable = reachable.to_string();
        let me = self.me.clone();
        // Only once the DC has us in the status section, and only on change.
        if crate::status::expected(&self.cib, &me).is_none()
            || crate::status::get_attr(&self.cib, &me, "pingd").as_deref()
                == Some(reachable.as_str())
        {
            return;
        }
        // One request in flight at a time: the replica shows it once the DC applied it.
        if self.local.pingd_sent.as_deref() == Some(reachable.as_str()) {
            return;
        }
        self.local.pingd_sent = Some(reachable.clone());
        tracing::info!("{reachable} of {total} ping nodes reachable");
        let mut next = self.cib.clone();
        crate::status::set_attr(&mut next, &me, "pingd", Some(&reachable));
        let patch = cib::patch::diff(&self.cib, &next).to_xml_compact();
        // Connection 0 is nobody: the answer is dropped.
        let writer = Writer::daemon(&me);
        self.on_client(
            0,
            Request {
                id: 0,
                body: RequestBody::Patch { patch },
                client: None,
            },
            writer,
        );
    }

    fn on_neighbour_lost(&mut self, n: Neighbour) {
        match n {
            Neighbour::Lrmd => {
                if self.lrm_up {
                    tracing::error!(
                        "lost the connection to lrmd: local actions fail until it is back"
                    );
                }
                self.lrm_up = false;
            }
            Neighbour::Ccm => {
                tracing::error!(
                    "lost the connection to ccm: keeping the last view until it is back"
                )
            }
            Neighbour::Heartbeat => {
                tracing::error!("lost the connection to heartbeat: no peers until it is back");
                // Without the messaging layer there is no membership: stand down.
                self.view = None;
                self.election = None;
                self.crmd_up = BTreeSet::from([self.me.clone()]);
                if self.is_dc() {
                    if let Some(d) = self.dc_state.take() {
                        d.fencing.log_abandoned();
                    }
                }
                self.dc = None;
            }
            Neighbour::Stonithd => tracing::error!("stonithd cannot be reached"),
        }
    }

    fn on_neighbour_back(&mut self, n: Neighbour) {
        match n {
            Neighbour::Lrmd => {
                let restarted = self.lrm_seen;
                self.lrm_up = true;
                self.lrm_seen = true;
                if restarted {
                    self.lrm_restarted();
                }
                for (tid, action) in std::mem::take(&mut self.held_stops) {
                    tracing::info!(
                        "lrmd is back: running the held {}",
                        action.reference.operation_key
                    );
                    self.out.push(Command::LrmExec {
                        tid,
                        action: Box::new(action),
                    });
                }
            }
            other => tracing::info!("{other:?} connected"),
        }
    }
}

#[cfg(test)]
mod tests;
