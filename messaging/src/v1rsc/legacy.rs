//! Heartbeat's `auto_failback legacy` (its default, "nice failback" off): no resource reports;
//! each node asks for its own groups one by one with `ip-request` (`ipaddr=<group key>`), the
//! holder gives the group up and answers `ip-request-resp` (`dest`, `ipaddr`, `weown`, `ok=OK`),
//! and the asker takes it. A dead or stopping node's groups are taken at once. Groups therefore
//! always go home. There is no standby in this mode (Heartbeat: "Standby mode only implemented
//! when nice_failback on").

use std::collections::{BTreeMap, BTreeSet};

use super::machine::{Action, ActionId, Command, Input};
use super::RscStatus;
use crate::wire::Message;

/// What to do when an action finishes.
#[derive(Debug, Clone)]
enum After {
    Nothing,
    /// Answer the peer's `ip-request` for this key.
    Answer(String),
    /// `hb_giveup_resources`: `shutdone`.
    GaveUp,
}

/// One node's legacy resource manager.
#[derive(Debug)]
pub struct LegacyMachine {
    me: String,
    peer: String,
    /// Keys of the groups whose home is this node, and of the others.
    local: Vec<String>,
    foreign: Vec<String>,
    held: BTreeSet<String>,
    running: BTreeMap<ActionId, After>,
    next_id: ActionId,
    shutting_down: bool,
    out: Vec<Command>,
}

impl LegacyMachine {
    /// Node `me` with `peer`; `local` and `foreign` are the group keys by home node.
    pub fn new(me: &str, peer: &str, local: Vec<String>, foreign: Vec<String>) -> LegacyMachine {
        LegacyMachine {
            me: me.to_string(),
            peer: peer.to_string(),
            local,
            foreign,
            held: BTreeSet::new(),
            running: BTreeMap::new(),
            next_id: 1,
            shutting_down: false,
            out: Vec::new(),
        }
    }

    /// What `cl_status rscstatus` prints: the held set when idle, else `transition`.
    pub fn resource_state(&self) -> RscStatus {
        if !self.running.is_empty() {
            return RscStatus::Transition;
        }
        let has = |keys: &[String]| !keys.is_empty() && keys.iter().all(|k| self.held.contains(k));
        RscStatus::of_groups(Some(has(&self.local)), Some(has(&self.foreign)))
    }

    /// Feeds one input; returns what to do, in order.
    pub fn step(&mut self, input: Input) -> Vec<Command> {
        match input {
            Input::CommUp => {
                // req_our_resources: ask the holder for each of our groups.
                for key in self.local.clone() {
                    let mut m = Message::with_type("ip-request");
                    m.set("ipaddr", key);
                    self.out.push(Command::Send(m));
                }
            }
            Input::Delivered(m) => self.delivered(&m),
            Input::PeerDead => {
                if !self.shutting_down {
                    self.out.push(Command::Info(format!(
                        "Resources being acquired from {}.",
                        self.peer
                    )));
                    self.take_all_missing();
                }
            }
            Input::Done(id) => self.done(id),
            Input::Standby(_) => self.out.push(Command::Info(
                "Standby mode only implemented when nice_failback on".into(),
            )),
            Input::Takeover(set) => {
                let mut m = Message::with_type("hb_takeover");
                m.set("rsc_hold", set.as_str());
                self.out.push(Command::Send(m));
            }
            Input::Shutdown => self.give_up(),
            Input::Tick => {}
        }
        std::mem::take(&mut self.out)
    }

    fn run(&mut self, action: Action, after: After) {
        let id = self.next_id;
        self.next_id += 1;
        self.running.insert(id, after);
        self.out.push(Command::Run { id, action });
    }

    fn take(&mut self, key: &str) {
        if self.held.insert(key.to_string()) {
            self.run(Action::AcquireGroup(key.to_string()), After::Nothing);
        }
    }

    fn take_all_missing(&mut self) {
        for key in self.foreign.clone().iter().chain(self.local.clone().iter()) {
            self.take(key);
        }
    }

    fn delivered(&mut self, m: &Message) {
        let from_me = m
            .get("src")
            .is_some_and(|s| s.eq_ignore_ascii_case(&self.me));
        if from_me || self.shutting_down {
            return;
        }
        let key = m.get("ipaddr").unwrap_or_default().to_string();
        match m.msg_type().unwrap_or_default() {
            // rc.d/ip-request: give the group up if we run it, then answer.
            "ip-request" if !key.is_empty() => {
                if self.held.remove(&key) {
                    self.out.push(Command::Info(format!(
                        "{} asks for resource group {key}: releasing it.",
                        self.peer
                    )));
                    self.run(Action::ReleaseGroup(key.clone()), After::Answer(key));
                } else {
                    self.out.push(Command::Info(format!(
                        "{} asks for resource group {key}: not held here.",
                        self.peer
                    )));
                    self.answer(&key, false);
                }
            }
            // rc.d/ip-request-resp: our request was answered.
            "ip-request-resp"
                if m.get("dest")
                    .is_some_and(|d| d.eq_ignore_ascii_case(&self.me)) =>
            {
                self.out.push(Command::Info(format!(
                    "received ip-request-resp {key} {} {}",
                    m.get("ok").unwrap_or_default(),
                    m.get("weown").unwrap_or_default()
                )));
                if m.get("ok") == Some("OK") && !key.is_empty() {
                    self.take(&key);
                }
            }
            "shutdone" => {
                self.out.push(Command::Info(format!(
                    "Received shutdown notice from '{}'.",
                    self.peer
                )));
                self.take_all_missing();
            }
            _ => {}
        }
    }

    fn answer(&mut self, key: &str, weown: bool) {
        let mut m = Message::with_type("ip-request-resp");
        m.set("dest", self.peer.clone())
            .set("ipaddr", key)
            .set("weown", if weown { "yes" } else { "no" })
            .set("ok", "OK");
        self.out.push(Command::Send(m));
    }

    fn give_up(&mut self) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        self.held.clear();
        self.out
            .push(Command::Info("Giving up all HA resources.".into()));
        self.run(Action::Release(super::Held::ALL), After::GaveUp);
    }

    fn done(&mut self, id: ActionId) {
        match self.running.remove(&id) {
            Some(After::Answer(key)) => self.answer(&key, true),
            Some(After::GaveUp) => {
                self.out
                    .push(Command::Info("All HA resources relinquished.".into()));
                let mut m = Message::with_type("shutdone");
                m.set("st", "dead");
                self.out.push(Command::Send(m));
                self.out.push(Command::Stopped);
            }
            Some(After::Nothing) | None => {}
        }
    }
}
