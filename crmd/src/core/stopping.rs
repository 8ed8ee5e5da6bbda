//! S_STOPPING: a clean stop of this node's crmd (SIGTERM, e.g. `systemctl stop heartbeat`).
//!
//! As Pacemaker's controller does, crmd sets its node's transient attribute `shutdown` (the
//! time asked) through the DC; the policy engine then stops everything on the node and
//! schedules `do_shutdown` for it after those stops. The DC sends that action to the node, whose
//! crmd then exits 0, and heartbeat goes on stopping its other children: the resources moved,
//! nobody was fenced. A crmd that never joined a DC has nothing to hand over and exits at once;
//! one still waiting after `shutdown-escalation` (default 20 min) exits with an error.

use super::{options, Command, Core, Millis, Request, RequestBody, Writer};

/// How long a shutdown request may stay unanswered before it is sent again (the DC may have
/// changed or a join may have rebuilt the status without it).
const RESEND: Millis = 2_000;
/// Pacemaker's default `shutdown-escalation`.
const ESCALATION_DEFAULT: Millis = 20 * 60 * 1000;
/// The transient attribute that asks the DC to stop everything on a node.
pub const SHUTDOWN_ATTR: &str = "shutdown";

/// A stop in progress.
#[derive(Debug, Clone)]
pub(super) struct Stopping {
    since: Millis,
    /// The DC last asked, and when.
    asked: Option<(String, Millis)>,
}

impl Stopping {
    /// The next time something is due.
    pub(super) fn next_deadline(&self, cib: &cib::xml::Element) -> Millis {
        let resend = self
            .asked
            .as_ref()
            .map_or(self.since, |(_, at)| at + RESEND);
        resend.min(self.since + escalation(cib))
    }
}

fn escalation(cib: &cib::xml::Element) -> Millis {
    options::cluster_option(cib, "shutdown-escalation")
        .and_then(|v| vocab::parse_duration(&v).ok())
        .filter(|d| !d.is_zero())
        .map_or(ESCALATION_DEFAULT, |d| d.as_millis() as Millis)
}

impl Core {
    /// SIGTERM: starts the clean stop.
    pub(super) fn on_shutdown(&mut self) {
        if self.stopping.is_some() {
            return;
        }
        tracing::warn!("shutdown requested: asking the DC to move this node's resources away");
        self.stopping = Some(Stopping {
            since: self.now.ms,
            asked: None,
        });
    }

    /// Whether a clean stop is in progress.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_some()
    }

    /// Ends this crmd: nothing more is done after this step.
    pub(super) fn exit(&mut self, code: i32) {
        if !self.exited {
            self.exited = true;
            self.out.push(Command::Exit(code));
        }
    }

    /// Drives a stop in progress: asks the DC (again) and gives up after the escalation.
    pub(super) fn progress_shutdown(&mut self) {
        let Some(st) = self.stopping.clone() else {
            return;
        };
        if self.exited {
            return;
        }
        let now = self.now.ms;
        let me = self.me.clone();
        let Some(dc) = self.dc.clone().filter(|_| self.view.is_some()) else {
            tracing::warn!("shutdown: no DC to hand this node's resources to: exiting now");
            self.exit(0);
            return;
        };
        if now >= st.since + escalation(&self.cib) {
            tracing::error!(
                "shutdown escalation: the DC did not stop this node's resources in time: exiting"
            );
            self.exit(1);
            return;
        }
        let acked = crate::status::get_attr(&self.cib, &me, SHUTDOWN_ATTR).is_some();
        let due = match &st.asked {
            None => true,
            Some((asked_dc, at)) => *asked_dc != dc || (!acked && now >= at + RESEND),
        };
        if !due || !self.can_write() {
            return;
        }
        if let Some(s) = self.stopping.as_mut() {
            s.asked = Some((dc.clone(), now));
        }
        if acked {
            return;
        }
        tracing::info!("shutdown: asking DC {dc} to stop this node's resources");
        let mut next = self.cib.clone();
        let value = self.now.wall.to_string();
        crate::status::set_attr(&mut next, &me, SHUTDOWN_ATTR, Some(&value));
        let patch = cib::patch::diff(&self.cib, &next).to_xml_compact();
        // Connection 0 is nobody: the answer is dropped.
        self.on_client(
            0,
            Request {
                id: 0,
                body: RequestBody::Patch { patch },
                client: None,
            },
            Writer::daemon(&me),
        );
    }

    /// The DC's `do_shutdown` for this node: its resources are stopped.
    pub(super) fn on_do_shutdown(&mut self, from: &str) {
        if self.stopping.is_none() {
            tracing::warn!("{from} asked this node to shut down, but it is not stopping: ignored");
            return;
        }
        tracing::warn!("shutdown: the DC stopped this node's resources: crmd exits");
        self.exit(0);
    }
}
