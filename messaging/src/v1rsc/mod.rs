//! Heartbeat v1's resource protocol (a `haresources` site without a CRM), as Heartbeat 3.0.6
//! speaks it with `auto_failback on|off` (its "nice failback" mode), for a node of ours that runs
//! next to a Heartbeat 3.0.6 peer during a rolling migration.
//!
//! A resource group is *local* on its home node (the first word of its haresources line) and
//! *foreign* on the other. Nodes tell each other what they hold in cluster messages:
//!
//! | `t=` | fields | meaning |
//! |---|---|---|
//! | `starting` | | "my links are up: tell me what you hold" |
//! | `resource` | `rsc_hold=none\|local\|foreign\|all`, `rtype=full`, `isstable=0\|1`, `info=` | what the sender holds; `info=mach_down` after taking a dead node's groups, `info=shutdown` when leaving |
//! | `ask_resources` | `rsc_hold=`, `info=me\|other\|done` | the three-phase standby: "I want to go standby", "I can take them", "released / acquired" (also auto-failback) |
//! | `hb_takeover` | `rsc_hold=` | `hb_takeover`: the other node runs `hb_standby` with the mirrored set |
//! | `shutdone` | `st=dead` | the sender released everything and stops |
//!
//! [`Machine`] is the decision part, sans-IO: inputs are delivered cluster messages (our own
//! included, as Heartbeat handles its own broadcasts), the peer's death, completed resource
//! actions, local `hb_standby`/`hb_takeover`/shutdown requests and a one-second tick; outputs are
//! messages to broadcast, group actions to run and log lines.

mod legacy;
mod machine;
#[cfg(test)]
mod tests;

pub use legacy::LegacyMachine;
pub use machine::{Action, ActionId, Command, Input, Machine, Phase, Standby};

use crate::wire::Message;

/// Whether this node runs its haresources site with the v1 resource manager: `HA_RESOURCE_MANAGER`
/// in the environment, else in `/etc/default/heartbeat-rs` (the unit's environment file), is `v1`.
pub fn selected() -> bool {
    let from_file = || {
        std::fs::read_to_string("/etc/default/heartbeat-rs")
            .ok()?
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("HA_RESOURCE_MANAGER="))
            .map(|v| v.trim_matches(['"', '\'']).to_string())
    };
    std::env::var("HA_RESOURCE_MANAGER")
        .ok()
        .or_else(from_file)
        .as_deref()
        == Some("v1")
}

/// What Heartbeat's `hb_standby [set]` sends (`failback` is sent as `foreign`).
pub fn standby_request(set: Held) -> Message {
    let mut m = Message::with_type("ask_resources");
    m.set("rsc_hold", set.as_str()).set("info", "me");
    m
}

/// What Heartbeat's `hb_takeover [word]` sends: the word as given (`failback` included, which
/// the other node reads as `all`).
pub fn takeover_request(word: &str) -> Message {
    let mut m = Message::with_type("hb_takeover");
    m.set("rsc_hold", word);
    m
}

/// Which groups: bits "local" (home here) and "foreign" (home on the other node).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held(u8);

impl Held {
    /// No group.
    pub const NONE: Held = Held(0);
    /// The groups whose home is this node.
    pub const LOCAL: Held = Held(1);
    /// The groups whose home is the other node.
    pub const FOREIGN: Held = Held(2);
    /// Every group.
    pub const ALL: Held = Held(3);

    /// Heartbeat's word: `none`, `local`, `foreign`, `all`.
    pub fn as_str(self) -> &'static str {
        ["none", "local", "foreign", "all"][usize::from(self.0 & 3)]
    }

    /// Parses Heartbeat's word (`failback` is `foreign`, as `hb_standby` reads it).
    pub fn parse(s: &str) -> Option<Held> {
        Some(match s {
            "none" => Held::NONE,
            "local" => Held::LOCAL,
            "foreign" | "failback" => Held::FOREIGN,
            "all" => Held::ALL,
            _ => return None,
        })
    }

    /// Whether every group of `other` is in `self`.
    pub fn contains(self, other: Held) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `self` and `other` share a group.
    pub fn intersects(self, other: Held) -> bool {
        self.0 & other.0 != 0
    }

    /// The union.
    pub fn with(self, other: Held) -> Held {
        Held(self.0 | other.0)
    }

    /// `self` without `other`.
    pub fn without(self, other: Held) -> Held {
        Held(self.0 & !other.0)
    }

    /// The same groups seen from the other node (local and foreign swap).
    pub fn mirrored(self) -> Held {
        Held(((self.0 & 1) << 1) | ((self.0 & 2) >> 1))
    }
}

/// Heartbeat 3.0.6's `cl_status rscstatus` error when the CRM runs the resources (heartbeat
/// answers the query so then).
pub const RSC_UNDER_CRM: &str =
    "Cannot get cluster resource status of a pacemaker cluster; try crm_mon";

/// What `cl_status rscstatus` prints about a node: the groups it holds while nothing moves,
/// else `transition` (Heartbeat answers so while `hb_rsc_isstable` is false).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RscStatus {
    /// Nothing moves; these groups run here.
    Stable(Held),
    /// Groups are being acquired or released.
    Transition,
}

impl RscStatus {
    /// Heartbeat's word: `none`, `local`, `foreign`, `all` or `transition`.
    pub fn as_str(self) -> &'static str {
        match self {
            RscStatus::Stable(h) => h.as_str(),
            RscStatus::Transition => "transition",
        }
    }

    /// Parses one of [`RscStatus::as_str`]'s words (only those: `failback` is no status).
    pub fn parse(s: &str) -> Option<RscStatus> {
        match s {
            "transition" => Some(RscStatus::Transition),
            "failback" => None,
            other => Held::parse(other).map(RscStatus::Stable),
        }
    }

    /// The status of groups split by home: `local` and `foreign` each tell whether every
    /// group of that kind runs here (`None`: partly, so moving). A kind without groups is
    /// not held, as Heartbeat never sets its bit.
    pub fn of_groups(local: Option<bool>, foreign: Option<bool>) -> RscStatus {
        match (local, foreign) {
            (Some(l), Some(f)) => RscStatus::Stable(
                [(l, Held::LOCAL), (f, Held::FOREIGN)]
                    .into_iter()
                    .filter(|(held, _)| *held)
                    .fold(Held::NONE, |acc, (_, h)| acc.with(h)),
            ),
            _ => RscStatus::Transition,
        }
    }
}

impl std::fmt::Display for RscStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod status_words {
    use super::{Held, RscStatus};

    #[test]
    fn groups_held_map_to_heartbeats_words() {
        let cases = [
            (Some(false), Some(false), "none"),
            (Some(true), Some(false), "local"),
            (Some(false), Some(true), "foreign"),
            (Some(true), Some(true), "all"),
            (None, Some(true), "transition"),
            (Some(true), None, "transition"),
        ];
        for (local, foreign, word) in cases {
            let s = RscStatus::of_groups(local, foreign);
            assert_eq!(s.as_str(), word, "{local:?} {foreign:?}");
            assert_eq!(RscStatus::parse(word), Some(s));
        }
        assert_eq!(RscStatus::parse("failback"), None);
        assert_eq!(RscStatus::parse("bogus"), None);
        assert_eq!(RscStatus::Stable(Held::ALL).to_string(), "all");
    }
}
