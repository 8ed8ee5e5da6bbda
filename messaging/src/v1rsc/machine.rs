//! The decisions of Heartbeat's v1 resource manager ("nice failback": `auto_failback on|off`)
//! for a two-node site, as a sans-IO state machine. The rules and log texts follow Heartbeat
//! 3.0.6's `hb_resource.c` and the scripts it runs (`mach_down`, `hb_standby`, the `rc.d`
//! handlers); differences are noted where they are.

use std::collections::BTreeMap;

use super::{Held, RscStatus};
use crate::wire::Message;

/// Heartbeat's resource states (`HB_R_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Links not up yet.
    Init,
    /// We sent `starting` and wait for the other node's `resource`.
    Starting,
    /// Both nodes sent `starting`.
    BothStarting,
    /// A `resource` message arrived; the other side is not stable yet.
    ResourcesReceived,
    /// Resources settled.
    Stable,
    /// Releasing everything before stopping.
    Shutdown,
}

/// The standby exchange (`ask_resources`), as Heartbeat's `going_standby`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standby {
    /// None under way.
    Not,
    /// We asked to go standby.
    Me,
    /// The other node asked; we take its groups when it says `done`.
    Other,
    /// Our part is done; waiting for the other node's `done`.
    Done,
}

/// Identifies a running group action.
pub type ActionId = u64;

/// A group action for the runtime (`ResourceManager takegroup/givegroup` over the set's groups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start the set's groups (each resource in order).
    Acquire(Held),
    /// Stop the set's groups (each resource in reverse order).
    Release(Held),
    /// Start the one group with this key (legacy mode's `ip-request`).
    AcquireGroup(String),
    /// Stop the one group with this key.
    ReleaseGroup(String),
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Broadcast a cluster message (the runtime adds `src` and delivers it back to us too).
    Send(Message),
    /// Run a group action and report [`Input::Done`] with its id.
    Run {
        /// Reported back when finished.
        id: ActionId,
        /// What to run.
        action: Action,
    },
    /// Log at info level.
    Info(String),
    /// Log at warning level.
    Warn(String),
    /// Log at error level.
    Error(String),
    /// Everything is released after a shutdown request: heartbeat may stop.
    Stopped,
}

/// What the machine reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Our links are up (Heartbeat's "comm up"): announce ourselves.
    CommUp,
    /// A delivered cluster message of a resource type, ours included (`src` says whose).
    Delivered(Message),
    /// The other node was declared dead.
    PeerDead,
    /// A [`Command::Run`] finished.
    Done(ActionId),
    /// Local `hb_standby [all|local|foreign|failback]`.
    Standby(Held),
    /// Local `hb_takeover [all|local|foreign|failback]`.
    Takeover(Held),
    /// Stop: release everything, then [`Command::Stopped`].
    Shutdown,
    /// Once a second (delayed auto-failback and shutdown, the 10 s local-takeover timer).
    Tick,
}

/// What to send when an action finishes.
#[derive(Debug, Clone, Copy)]
enum After {
    /// `req_our_resources`: our held set, stable.
    OursAcquired,
    /// `mach_down`: the dead node's groups are ours.
    MachDown,
    /// `go_standby`: `ask_resources ... info=done`.
    StandbyDone(Held),
    /// `hb_giveup_resources`: `shutdone`.
    GaveUp,
}

/// Seconds in `ResourcesReceived` before taking our own groups anyway (`RQSTDELAY`).
const LOCAL_TAKEOVER_DELAY_TICKS: u32 = 10;

/// One node's v1 resource manager.
#[derive(Debug)]
pub struct Machine {
    me: String,
    peer: String,
    auto_failback: bool,
    phase: Phase,
    held: Held,
    other_held: Held,
    other_stable: bool,
    standby: Standby,
    takeover_in_progress: bool,
    needs_failback: bool,
    failback_delayed: bool,
    shutdown_wanted: bool,
    shutting_down: bool,
    peer_heard: bool,
    ticks_in_received: u32,
    next_id: ActionId,
    running: BTreeMap<ActionId, After>,
    out: Vec<Command>,
}

fn resource_msg(held: Held, stable: bool, info: Option<&str>) -> Message {
    let mut m = Message::with_type("resource");
    m.set("rsc_hold", held.as_str())
        .set("rtype", "full")
        .set("isstable", if stable { "1" } else { "0" });
    if let Some(i) = info {
        m.set("info", i);
    }
    m
}

fn ask_msg(set: Held, info: &str) -> Message {
    let mut m = Message::with_type("ask_resources");
    m.set("rsc_hold", set.as_str()).set("info", info);
    m
}

impl Machine {
    /// Node `me` of a two-node site with `peer`; `auto_failback` as in ha.cf (`on`/`off`).
    pub fn new(me: &str, peer: &str, auto_failback: bool) -> Machine {
        Machine {
            me: me.to_string(),
            peer: peer.to_string(),
            auto_failback,
            phase: Phase::Init,
            held: Held::NONE,
            other_held: Held::NONE,
            other_stable: false,
            standby: Standby::Not,
            takeover_in_progress: false,
            needs_failback: false,
            failback_delayed: false,
            shutdown_wanted: false,
            shutting_down: false,
            peer_heard: false,
            ticks_in_received: 0,
            next_id: 1,
            running: BTreeMap::new(),
            out: Vec::new(),
        }
    }

    /// The groups we hold (or are acquiring).
    pub fn held(&self) -> Held {
        self.held
    }

    /// The resource state.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The standby exchange state.
    pub fn standby(&self) -> Standby {
        self.standby
    }

    /// Whether nothing is moving (Heartbeat's `hb_rsc_isstable`).
    pub fn is_stable(&self) -> bool {
        if self.shutting_down && self.phase == Phase::Init {
            return true;
        }
        self.other_stable
            && !self.takeover_in_progress
            && self.standby == Standby::Not
            && self.running.is_empty()
            && matches!(self.phase, Phase::Stable | Phase::Shutdown | Phase::Init)
    }

    /// What `cl_status rscstatus` prints: the held set when stable, else `transition`.
    pub fn resource_state(&self) -> RscStatus {
        if self.is_stable() {
            RscStatus::Stable(self.held)
        } else {
            RscStatus::Transition
        }
    }

    /// Feeds one input; returns what to do, in order.
    pub fn step(&mut self, input: Input) -> Vec<Command> {
        match input {
            Input::CommUp => {
                self.send(Message::with_type("starting"));
                self.phase = Phase::Starting;
            }
            Input::Delivered(m) => self.delivered(&m),
            Input::PeerDead => self.peer_dead(),
            Input::Done(id) => self.done(id),
            Input::Standby(set) => {
                self.info(format!("Going standby [{set}]."));
                self.send(ask_msg(set, "me"));
            }
            Input::Takeover(set) => {
                let mut m = Message::with_type("hb_takeover");
                m.set("rsc_hold", set.as_str());
                self.send(m);
            }
            Input::Shutdown => {
                self.shutdown_wanted = true;
                self.giveup_if_stable();
            }
            Input::Tick => self.tick(),
        }
        std::mem::take(&mut self.out)
    }

    fn send(&mut self, m: Message) {
        self.out.push(Command::Send(m));
    }

    fn info(&mut self, s: String) {
        self.out.push(Command::Info(s));
    }

    fn warn(&mut self, s: String) {
        self.out.push(Command::Warn(s));
    }

    fn error(&mut self, s: String) {
        self.out.push(Command::Error(s));
    }

    fn run(&mut self, action: Action, after: After) {
        let id = self.next_id;
        self.next_id += 1;
        self.running.insert(id, after);
        self.out.push(Command::Run { id, action });
    }

    fn send_held(&mut self, stable: bool, info: Option<&str>) {
        self.send(resource_msg(self.held, stable, info));
    }

    fn delivered(&mut self, m: &Message) {
        let from_me = m
            .get("src")
            .is_some_and(|s| s.eq_ignore_ascii_case(&self.me));
        if !from_me {
            self.peer_heard = true;
        }
        match m.msg_type().unwrap_or_default() {
            "starting" | "resource" | "shutdone" => self.process_resources(m, from_me),
            "ask_resources" => self.ask_resources(m, from_me),
            // The peer's `hb_takeover`: Heartbeat's rc.d handler runs `hb_standby` with the
            // mirrored set (an unknown set, such as `failback`, means all).
            "hb_takeover" if !from_me => {
                let set = m
                    .get("rsc_hold")
                    .and_then(Held::parse)
                    .filter(|_| m.get("rsc_hold") != Some("failback"))
                    .map_or(Held::ALL, Held::mirrored);
                self.step_inner(Input::Standby(set));
            }
            _ => {}
        }
    }

    fn step_inner(&mut self, input: Input) {
        let out = self.step(input);
        self.out.extend(out);
    }

    fn process_resources(&mut self, m: &Message, from_me: bool) {
        let mut next = self.phase;
        match m.msg_type().unwrap_or_default() {
            "starting" if !from_me => {
                match self.phase {
                    Phase::ResourcesReceived | Phase::Stable | Phase::Shutdown => {}
                    Phase::Starting => next = Phase::BothStarting,
                    other => {
                        self.error(format!("Received 'starting' message in state {other:?}"));
                        return;
                    }
                }
                self.other_stable = false;
                if self.takeover_in_progress {
                    self.warn("T_STARTING received during takeover.".into());
                }
                self.send_held(self.phase == Phase::Stable, None);
            }
            "resource" => {
                let Some(n) = m.get("rsc_hold").and_then(Held::parse) else {
                    self.error("resource message without a valid rsc_hold field.".into());
                    return;
                };
                let full = m.get("rtype") == Some("full");
                let update = |cur: Held| {
                    if full || n == Held::NONE {
                        n
                    } else {
                        n.with(cur)
                    }
                };
                match self.phase {
                    Phase::BothStarting | Phase::Starting => next = Phase::ResourcesReceived,
                    Phase::ResourcesReceived | Phase::Stable | Phase::Shutdown => {}
                    Phase::Init => {
                        self.error("resource message received in state Init".into());
                        return;
                    }
                }
                if !from_me {
                    self.other_held = update(self.other_held);
                    match m.get("isstable") {
                        Some("1") if !self.other_stable => {
                            self.info("remote resource transition completed.".into());
                            self.other_stable = true;
                            self.send_held(self.phase == Phase::Stable, None);
                            self.auto_failback();
                        }
                        Some("1") | None => {}
                        Some(_) => self.other_stable = false,
                    }
                    if !matches!(self.phase, Phase::Stable | Phase::Shutdown) && self.other_stable {
                        self.info("remote resource transition completed.".into());
                        self.req_our_resources(false);
                        next = Phase::Stable;
                        self.send_held(true, None);
                        self.auto_failback();
                    }
                } else {
                    // Our own report, back from the cluster. What we hold changed when we sent
                    // it, and may have changed again since (an action finishing first), so its
                    // `rsc_hold` is not applied: a late `none` would undo a local takeover.
                    match m.get("info") {
                        Some("mach_down") => {
                            self.info("mach_down takeover complete.".into());
                            self.takeover_in_progress = false;
                            self.held = self.held.with(Held::FOREIGN);
                            self.needs_failback = true;
                            self.other_stable = true;
                        }
                        Some("shutdown") => next = Phase::Shutdown,
                        _ => {}
                    }
                }
            }
            "shutdone" if !from_me => {
                // The other node released everything and stops: take what we lack now.
                // (Heartbeat also starts a standby-style acquisition here; the groups it
                // would take are the same, so one takeover does.)
                self.info(format!("Received shutdown notice from '{}'.", self.peer));
                self.other_stable = true;
                self.other_held = Held::NONE;
                if self.held != Held::ALL && !self.shutting_down {
                    self.takeover_from_peer();
                }
            }
            "shutdone" => {
                next = Phase::Shutdown;
                self.held = Held::NONE;
            }
            _ => {}
        }
        self.phase = next;
        if self.phase != Phase::ResourcesReceived {
            self.ticks_in_received = 0;
        }
        self.audit();
        self.giveup_if_stable();
    }

    /// Heartbeat's audit: the two nodes must never both hold a group.
    fn audit(&mut self) {
        if self.held.intersects(Held::LOCAL) && self.other_held.intersects(Held::FOREIGN) {
            self.error("Both machines own our resources!".into());
        }
        if self.other_held.intersects(Held::LOCAL) && self.held.intersects(Held::FOREIGN) {
            self.error("Both machines own foreign resources!".into());
        }
    }

    fn req_our_resources(&mut self, anyway: bool) {
        if self.shutting_down {
            return;
        }
        if (self.other_held.intersects(Held::FOREIGN) || self.held.intersects(Held::LOCAL))
            && !anyway
            && self.standby == Standby::Not
        {
            self.info("Local Resource acquisition completed. (none)".into());
            return;
        }
        self.held = self.held.with(Held::LOCAL);
        self.run(Action::Acquire(Held::LOCAL), After::OursAcquired);
    }

    fn takeover_from_peer(&mut self) {
        if self.shutting_down {
            self.info("Resource takeover cancelled - shutdown in progress.".into());
            return;
        }
        self.info(format!("Resources being acquired from {}.", self.peer));
        self.held = self.held.with(Held::FOREIGN);
        self.other_held = Held::NONE;
        self.other_stable = true;
        self.takeover_in_progress = true;
        self.run(Action::Acquire(Held::FOREIGN), After::MachDown);
        self.req_our_resources(true);
        self.peer_heard = true;
    }

    fn peer_dead(&mut self) {
        if self.standby != Standby::Not {
            self.info("Cancelling pending standby operation".into());
            self.standby = Standby::Not;
            if !self.other_stable && self.held == Held::ALL {
                self.other_stable = true;
            }
        }
        if self.shutting_down {
            return;
        }
        self.needs_failback = true;
        // Without news from it, the dead node may have held anything.
        let gave_up = self.peer_heard && self.other_held == Held::NONE;
        if !gave_up {
            self.warn("No STONITH device configured.".into());
            self.warn("Shared disks are not protected.".into());
            self.takeover_from_peer();
            return;
        }
        self.info(format!("Dead node {} gave up resources.", self.peer));
        if self.held == Held::ALL {
            self.other_stable = true;
            return;
        }
        if !self.held.intersects(Held::LOCAL) {
            self.req_our_resources(true);
        }
        if !self.held.intersects(Held::FOREIGN) {
            self.takeover_from_peer();
        }
    }

    fn auto_failback(&mut self) {
        self.failback_delayed = false;
        if self.shutting_down
            || !self.held.intersects(Held::FOREIGN)
            || !self.needs_failback
            || !self.auto_failback
        {
            self.needs_failback = false;
            return;
        }
        if self.standby != Standby::Not || !self.other_stable || self.phase != Phase::Stable {
            // Heartbeat retries a second later.
            self.failback_delayed = true;
            return;
        }
        self.info("Auto failback triggered.".into());
        self.send(ask_msg(Held::FOREIGN, "me"));
        self.needs_failback = false;
    }

    fn ask_resources(&mut self, m: &Message, from_me: bool) {
        if self.phase == Phase::Shutdown {
            return;
        }
        let rtype = m.get("rsc_hold").and_then(Held::parse).unwrap_or(Held::ALL);
        let (Some(info), Some(from)) = (m.get("info"), m.get("src")) else {
            self.error("Received standby message without info/from".into());
            return;
        };
        let mut ignored = false;
        match self.standby {
            Standby::Not => {
                if !self.other_stable {
                    self.warn(format!(
                        "standby message [{info}] from {from} ignored.  Other side is in flux."
                    ));
                    return;
                }
                if self.phase != Phase::Stable {
                    self.warn(format!(
                        "standby message [{info}] from {from} ignored.  local resources in flux."
                    ));
                    return;
                }
                if info == "me" {
                    self.other_stable = false;
                    self.info(format!("{from} wants to go standby [{rtype}]"));
                    if from_me {
                        self.standby = Standby::Me;
                    } else {
                        self.standby = Standby::Other;
                        self.send(ask_msg(rtype, "other"));
                    }
                } else {
                    ignored = true;
                }
            }
            Standby::Me if !from_me => {
                if info == "other" {
                    self.info(format!("standby: {from} can take our {rtype} resources"));
                    self.go_standby(true, rtype);
                } else {
                    ignored = true;
                }
            }
            Standby::Me => {
                if info == "done" {
                    self.info(format!("Local standby process completed [{rtype}]."));
                    self.standby = Standby::Done;
                    self.held = self.held.without(rtype);
                } else {
                    ignored = true;
                }
            }
            Standby::Other => {
                if info == "done" {
                    if !from_me {
                        self.info(format!("standby: acquire [{rtype}] resources from {from}"));
                        self.go_standby(false, rtype);
                        self.standby = Standby::Done;
                    } else {
                        ignored = true;
                    }
                } else if !from_me || info != "other" {
                    ignored = true;
                }
            }
            Standby::Done => {
                if info == "done" {
                    if from_me {
                        self.info(format!("Standby resource acquisition done [{rtype}]."));
                        self.held = self.held.with(rtype.mirrored());
                    } else {
                        self.info(format!(
                            "Other node completed standby takeover of {rtype} resources."
                        ));
                    }
                    self.standby = Standby::Not;
                    self.send_held(true, None);
                } else {
                    ignored = true;
                }
            }
        }
        if ignored {
            self.error(format!(
                "Ignored standby message '{info}' from {from} in state {:?}",
                self.standby
            ));
        }
        self.giveup_if_stable();
    }

    /// Releases (`giving_up`) or acquires the groups of a standby exchange. `set` is named from
    /// the requesting node's side.
    fn go_standby(&mut self, giving_up: bool, set: Held) {
        let act = if giving_up {
            self.other_stable = false;
            self.held = self.held.without(set);
            self.send_held(false, Some("standby"));
            set
        } else {
            set.mirrored()
        };
        if act == Held::NONE {
            self.error(format!(
                "no resources to {}",
                if giving_up { "give up" } else { "acquire" }
            ));
            return;
        }
        self.info(format!(
            "{} {act} HA resources (standby).",
            if giving_up { "give up" } else { "acquire" }
        ));
        let action = if giving_up {
            Action::Release(act)
        } else {
            Action::Acquire(act)
        };
        self.run(action, After::StandbyDone(set));
    }

    fn done(&mut self, id: ActionId) {
        let Some(after) = self.running.remove(&id) else {
            return;
        };
        match after {
            After::OursAcquired => {
                self.info("Local Resource acquisition completed.".into());
                self.send_held(true, Some("req_our_resources()"));
            }
            After::MachDown => {
                self.info(format!(
                    "mach_down takeover complete for node {}.",
                    self.peer
                ));
                let mut m = Message::with_type("resource");
                m.set("rsc_hold", "foreign").set("info", "mach_down");
                self.send(m);
            }
            After::StandbyDone(set) => self.send(ask_msg(set, "done")),
            After::GaveUp => {
                self.info("All HA resources relinquished.".into());
                let mut m = Message::with_type("shutdone");
                m.set("st", "dead");
                self.send(m);
                self.out.push(Command::Stopped);
                return;
            }
        }
        self.giveup_if_stable();
    }

    fn giveup_if_stable(&mut self) {
        if !self.shutdown_wanted || self.shutting_down {
            return;
        }
        if !self.is_stable() && self.phase != Phase::Init {
            return;
        }
        self.shutdown_wanted = false;
        self.shutting_down = true;
        self.held = Held::NONE;
        self.phase = Phase::Shutdown;
        self.send_held(false, Some("shutdown"));
        self.info("Giving up all HA resources.".into());
        self.run(Action::Release(Held::ALL), After::GaveUp);
    }

    fn tick(&mut self) {
        if self.failback_delayed {
            self.auto_failback();
        }
        if self.phase == Phase::ResourcesReceived {
            self.ticks_in_received += 1;
            if self.ticks_in_received > LOCAL_TAKEOVER_DELAY_TICKS {
                self.phase = Phase::Stable;
                self.req_our_resources(false);
                self.info("local resource transition completed.".into());
                self.send_held(true, None);
                self.audit();
            }
        }
        self.giveup_if_stable();
    }
}
