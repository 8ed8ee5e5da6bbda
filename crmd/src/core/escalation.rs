//! A local daemon that stays unreachable is escalated, never retried silently: after
//! [`NEIGHBOUR_GRACE`] crmd logs an error naming it and recovers.
//!
//! Heartbeat respawns its children within a few seconds, so a restart inside the grace period
//! is not escalated. For lrmd, the cluster option [`DAEMON_LOST_REACTION`] chooses:
//! - `recover` (default), as Pacemaker's controller does when it cannot reconnect to its
//!   executor: crmd exits with [`EXIT_FATAL`] (CRM_EX_FATAL), which heartbeat does not respawn.
//!   The peers then see a member whose crmd is gone: the DC (a new one, if this node was DC)
//!   marks it unclean ("peer process is no longer available"), fences it when fencing is
//!   enabled and recovers its resources.
//! - `fence`: each resource in this node's history gets an INFINITY start fail-count, so the DC
//!   moves it away, and (if fencing is enabled) the node fences itself.

use super::{options, Command, Core, Millis, Neighbour, Request, RequestBody, Writer};

/// How long a neighbour may stay unreachable before it is escalated.
pub const NEIGHBOUR_GRACE: Millis = 30_000;

/// Pacemaker's CRM_EX_FATAL: crmd cannot go on and must not be respawned (heartbeat restarts
/// no child that exits 100).
pub const EXIT_FATAL: i32 = 100;

/// The cluster option choosing how a lost lrmd is recovered: `recover` (default: crmd exits
/// fatally and the peers recover the node) or `fence` (resources moved away, then this node
/// fences itself, if `stonith-enabled`).
pub const DAEMON_LOST_REACTION: &str = "daemon-lost-reaction";

/// When each neighbour was lost, and whether it was escalated yet.
#[derive(Debug, Default)]
pub(super) struct Lost {
    since: std::collections::BTreeMap<Neighbour, (Millis, bool)>,
}

impl Lost {
    /// The next time a neighbour is due for escalation.
    pub(super) fn next_deadline(&self) -> Option<Millis> {
        self.since
            .values()
            .filter(|(_, escalated)| !escalated)
            .map(|(at, _)| at + NEIGHBOUR_GRACE)
            .min()
    }
}

fn name(n: Neighbour) -> &'static str {
    match n {
        Neighbour::Heartbeat => "heartbeat",
        Neighbour::Ccm => "ccm",
        Neighbour::Lrmd => "lrmd",
        Neighbour::Stonithd => "stonithd",
    }
}

impl Core {
    pub(super) fn neighbour_lost_at(&mut self, n: Neighbour) {
        self.lost.since.entry(n).or_insert((self.now.ms, false));
    }

    pub(super) fn neighbour_back_at(&mut self, n: Neighbour) {
        if let Some((since, true)) = self.lost.since.remove(&n) {
            tracing::warn!(
                "{} is reachable again after {} s (escalated)",
                name(n),
                self.now.ms.saturating_sub(since) / 1000
            );
        }
    }

    /// Escalates every neighbour unreachable for longer than the grace period.
    pub(super) fn escalate_lost_neighbours(&mut self) {
        let now = self.now.ms;
        let due: Vec<Neighbour> = self
            .lost
            .since
            .iter_mut()
            .filter(|(_, (since, escalated))| !*escalated && now >= since + NEIGHBOUR_GRACE)
            .map(|(n, entry)| {
                entry.1 = true;
                *n
            })
            .collect();
        for n in due {
            self.escalate(n);
        }
    }

    fn escalate(&mut self, n: Neighbour) {
        tracing::error!(
            "{} unreachable for {} s: recovering locally",
            name(n),
            NEIGHBOUR_GRACE / 1000
        );
        let reaction = options::cluster_option(&self.cib, DAEMON_LOST_REACTION);
        let fence = reaction.as_deref() == Some("fence");
        if n == Neighbour::Lrmd && !fence {
            tracing::error!(
                "lrmd cannot be reconnected: crmd exits (CRM_EX_FATAL {EXIT_FATAL}) so the peers recover this node"
            );
            self.exit(EXIT_FATAL);
            return;
        }
        if n == Neighbour::Lrmd && self.is_dc() {
            // The DC never fences its own node, so a stop failing here could never be
            // resolved by this DC: the node fences itself below.
            tracing::error!("lrmd unreachable on the DC's own node");
        } else if n == Neighbour::Lrmd {
            self.give_up_local_resources();
        }
        if !fence {
            return;
        }
        if !options::fencing_enabled(&self.cib) || n == Neighbour::Stonithd {
            tracing::error!(
                "{DAEMON_LOST_REACTION}=fence, but {}: not fencing this node",
                if n == Neighbour::Stonithd {
                    "the fencer itself is unreachable"
                } else {
                    "fencing is disabled"
                }
            );
            return;
        }
        tracing::error!(
            "{} unreachable and {DAEMON_LOST_REACTION}=fence: fencing this node",
            name(n)
        );
        self.out.push(Command::Fence {
            tid: 0,
            aid: 0,
            target: self.me.clone(),
            action: "reboot".into(),
            origin: self.me.clone(),
            delay_ms: 0,
        });
    }

    /// Asks the DC to move every resource in this node's history elsewhere (INFINITY start
    /// fail-counts on this node).
    fn give_up_local_resources(&mut self) {
        let lrm = self.local.lrm();
        let rscs: Vec<String> = lrm
            .child("lrm_resources")
            .map(|r| {
                r.children_named("lrm_resource")
                    .filter_map(|e| e.attr("id").map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if rscs.is_empty() {
            return;
        }
        tracing::error!(
            "lrmd unreachable: asking the DC to recover {} elsewhere",
            rscs.join(", ")
        );
        let me = self.me.clone();
        let mut next = self.cib.clone();
        for rsc in &rscs {
            let attr = crate::status::fail_count_name(rsc, "start", 0);
            crate::status::set_attr(&mut next, &me, &attr, Some("INFINITY"));
        }
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
}
