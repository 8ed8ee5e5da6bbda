//! The metadata of the cluster options heartbeat-rs implements, in the layout Pacemaker 2.1.5's
//! daemons print for `metadata` (crmsh reads it to know and complete cluster properties). Each
//! option is listed under the daemon that owns it in Pacemaker, with our defaults.

use std::fmt::Write as _;
use vocab::xml_escape::{escape, Policy};

/// The Pacemaker release whose metadata layout this follows.
const PACEMAKER_VERSION: &str = "2.1.5";

/// The Pacemaker daemons we answer for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// `pacemaker-controld` (formerly `crmd`).
    Controld,
    /// `pacemaker-schedulerd` (formerly `pengine`).
    Schedulerd,
    /// `pacemaker-based` (formerly `cib`).
    Based,
    /// `pacemaker-fenced` (formerly `stonithd`).
    Fenced,
}

impl Daemon {
    /// The program name.
    pub fn name(self) -> &'static str {
        match self {
            Daemon::Controld => "pacemaker-controld",
            Daemon::Schedulerd => "pacemaker-schedulerd",
            Daemon::Based => "pacemaker-based",
            Daemon::Fenced => "pacemaker-fenced",
        }
    }

    fn descriptions(self) -> (&'static str, &'static str) {
        match self {
            Daemon::Controld => (
                "Cluster options read by the heartbeat-rs controller (crmd)",
                "Controller options",
            ),
            Daemon::Schedulerd => (
                "Cluster options read by the heartbeat-rs policy engine",
                "Policy engine options",
            ),
            Daemon::Based => (
                "Cluster options read by the heartbeat-rs CIB service",
                "CIB service options",
            ),
            Daemon::Fenced => (
                "Instance attributes of \"stonith\"-class resources understood by the heartbeat-rs fencing daemon",
                "Fencing device attributes",
            ),
        }
    }
}

/// One option: name, type, default, allowed values (for `select`), short description.
struct Opt {
    name: &'static str,
    kind: &'static str,
    default: Option<&'static str>,
    values: &'static [&'static str],
    short: &'static str,
}

const fn opt(
    name: &'static str,
    kind: &'static str,
    default: Option<&'static str>,
    short: &'static str,
) -> Opt {
    Opt {
        name,
        kind,
        default,
        values: &[],
        short,
    }
}

const NO_QUORUM: Opt = Opt {
    name: "no-quorum-policy",
    kind: "select",
    default: Some("stop"),
    values: &["stop", "freeze", "ignore", "demote", "suicide"],
    short: "What the cluster does with its resources without quorum",
};

const CONTROLD: &[Opt] = &[
    opt(
        "dc-version",
        "string",
        Some("none"),
        "Version of the node elected DC (set by the cluster)",
    ),
    opt(
        "cluster-infrastructure",
        "string",
        Some("heartbeat-rs"),
        "The messaging layer the cluster runs on (set by the cluster)",
    ),
    opt(
        "cluster-name",
        "string",
        None,
        "A name for the cluster, free to choose",
    ),
    opt(
        "cluster-recheck-interval",
        "time",
        Some("15min"),
        "How often the DC re-runs the policy engine without any event",
    ),
    NO_QUORUM,
    // Ours, not Pacemaker's: what a node does once lrmd, stonithd, ccm or heartbeat stayed
    // unreachable beyond crmd's grace period (30 s) and its resources were given up.
    Opt {
        name: "daemon-lost-reaction",
        kind: "select",
        default: Some("recover"),
        values: &["recover", "fence"],
        short: "After a local cluster daemon stays unreachable for 30s and the node gives up its resources: recover (nothing more) or fence (the node fences itself, if stonith-enabled)",
    },
];

const SCHEDULERD: &[Opt] = &[
    NO_QUORUM,
    opt(
        "symmetric-cluster",
        "boolean",
        Some("true"),
        "Resources may run on any node unless a constraint says otherwise",
    ),
    opt(
        "maintenance-mode",
        "boolean",
        Some("false"),
        "Leave every resource alone: no starts, stops or monitors",
    ),
    opt(
        "start-failure-is-fatal",
        "boolean",
        Some("true"),
        "A failed start bans the resource from that node",
    ),
    opt(
        "enable-startup-probes",
        "boolean",
        Some("true"),
        "Probe for resources already active before starting them",
    ),
    opt(
        "shutdown-lock",
        "boolean",
        Some("false"),
        "Keep the resources of a cleanly stopped node locked to it",
    ),
    opt(
        "stonith-enabled",
        "boolean",
        Some("true"),
        "Fence nodes that fail or can not stop their resources",
    ),
    Opt {
        name: "stonith-action",
        kind: "select",
        default: Some("reboot"),
        values: &["reboot", "off", "poweroff"],
        short: "What fencing does to a node",
    },
    opt(
        "stonith-timeout",
        "time",
        Some("60s"),
        "How long a fencing action may take",
    ),
    opt(
        "concurrent-fencing",
        "boolean",
        Some("false"),
        "Fence several nodes at once",
    ),
    opt(
        "startup-fencing",
        "boolean",
        Some("true"),
        "Fence nodes never seen since the cluster started",
    ),
    opt(
        "priority-fencing-delay",
        "time",
        Some("0"),
        "Delay fencing of the node with the most important resources",
    ),
    opt(
        "cluster-delay",
        "time",
        Some("60s"),
        "Allowance for network delay on actions",
    ),
    opt(
        "migration-limit",
        "integer",
        Some("-1"),
        "Live migrations a node may run at once (-1: no limit)",
    ),
    opt(
        "stop-all-resources",
        "boolean",
        Some("false"),
        "Stop every resource",
    ),
    opt(
        "stop-orphan-resources",
        "boolean",
        Some("true"),
        "Stop resources that are no longer configured",
    ),
    opt(
        "stop-orphan-actions",
        "boolean",
        Some("true"),
        "Cancel recurring operations that are no longer configured",
    ),
    Opt {
        name: "node-health-strategy",
        kind: "select",
        default: Some("none"),
        values: &[
            "none",
            "migrate-on-red",
            "only-green",
            "progressive",
            "custom",
        ],
        short: "How node health attributes affect placement",
    },
    opt(
        "node-health-base",
        "integer",
        Some("0"),
        "Base health score of a node (progressive and custom)",
    ),
    opt(
        "node-health-green",
        "integer",
        Some("0"),
        "Score of a green health attribute",
    ),
    opt(
        "node-health-yellow",
        "integer",
        Some("0"),
        "Score of a yellow health attribute",
    ),
    opt(
        "node-health-red",
        "integer",
        Some("-INFINITY"),
        "Score of a red health attribute",
    ),
    Opt {
        name: "placement-strategy",
        kind: "select",
        default: Some("default"),
        values: &["default", "utilization", "minimal", "balanced"],
        short: "How resources are spread over nodes",
    },
];

const BASED: &[Opt] = &[];

const FENCED: &[Opt] = &[
    opt(
        "pcmk_host_map",
        "string",
        None,
        "Map of node names to device ports (node:port;...)",
    ),
    opt(
        "pcmk_host_list",
        "string",
        None,
        "Nodes this device can fence",
    ),
    Opt {
        name: "pcmk_host_check",
        kind: "select",
        default: Some("dynamic-list"),
        values: &["dynamic-list", "static-list", "status", "none"],
        short: "How to find which nodes the device can fence",
    },
    opt(
        "pcmk_delay_max",
        "time",
        Some("0s"),
        "Upper bound of a random delay before fencing",
    ),
    opt(
        "pcmk_delay_base",
        "string",
        Some("0s"),
        "Fixed delay before fencing",
    ),
    opt(
        "pcmk_reboot_action",
        "string",
        Some("reboot"),
        "Agent action to use for reboot",
    ),
    opt(
        "pcmk_reboot_timeout",
        "time",
        Some("60s"),
        "Timeout of a reboot",
    ),
    opt(
        "pcmk_reboot_retries",
        "integer",
        Some("2"),
        "Retries of a reboot within its timeout",
    ),
    opt(
        "pcmk_off_action",
        "string",
        Some("off"),
        "Agent action to use for off",
    ),
    opt("pcmk_off_timeout", "time", Some("60s"), "Timeout of an off"),
    opt(
        "pcmk_on_action",
        "string",
        Some("on"),
        "Agent action to use for on",
    ),
    opt("pcmk_on_timeout", "time", Some("60s"), "Timeout of an on"),
    opt(
        "pcmk_list_action",
        "string",
        Some("list"),
        "Agent action to use for list",
    ),
    opt(
        "pcmk_list_timeout",
        "time",
        Some("60s"),
        "Timeout of a list",
    ),
    opt(
        "pcmk_monitor_action",
        "string",
        Some("monitor"),
        "Agent action to use for monitor",
    ),
    opt(
        "pcmk_monitor_timeout",
        "time",
        Some("60s"),
        "Timeout of a monitor",
    ),
    opt(
        "pcmk_status_action",
        "string",
        Some("status"),
        "Agent action to use for status",
    ),
    opt(
        "pcmk_status_timeout",
        "time",
        Some("60s"),
        "Timeout of a status",
    ),
];

fn options(d: Daemon) -> &'static [Opt] {
    match d {
        Daemon::Controld => CONTROLD,
        Daemon::Schedulerd => SCHEDULERD,
        Daemon::Based => BASED,
        Daemon::Fenced => FENCED,
    }
}

/// The `metadata` answer of `d`, in Pacemaker's OCF-like layout.
pub fn metadata(d: Daemon) -> String {
    let (long, short) = d.descriptions();
    let mut x = String::new();
    let _ = writeln!(x, "<?xml version=\"1.0\"?>");
    let _ = writeln!(
        x,
        "<resource-agent name=\"{}\" version=\"{PACEMAKER_VERSION}\">",
        d.name()
    );
    let _ = writeln!(x, "  <version>1.1</version>");
    let _ = writeln!(
        x,
        "  <longdesc lang=\"en\">{}</longdesc>",
        escape(long, Policy::Pacemaker)
    );
    let _ = writeln!(
        x,
        "  <shortdesc lang=\"en\">{}</shortdesc>",
        escape(short, Policy::Pacemaker)
    );
    let _ = writeln!(x, "  <parameters>");
    for o in options(d) {
        let mut longdesc = escape(o.short, Policy::Pacemaker).into_owned();
        if !o.values.is_empty() {
            let _ = write!(longdesc, "  Allowed values: {}", o.values.join(", "));
        }
        let _ = writeln!(x, "    <parameter name=\"{}\">", o.name);
        let _ = writeln!(x, "      <longdesc lang=\"en\">{longdesc}</longdesc>");
        let _ = writeln!(
            x,
            "      <shortdesc lang=\"en\">{}</shortdesc>",
            escape(o.short, Policy::Pacemaker)
        );
        let default = o
            .default
            .map(|v| format!(" default=\"{}\"", escape(v, Policy::Pacemaker)))
            .unwrap_or_default();
        if o.values.is_empty() {
            let _ = writeln!(x, "      <content type=\"{}\"{default}/>", o.kind);
        } else {
            let _ = writeln!(x, "      <content type=\"{}\"{default}>", o.kind);
            for v in o.values {
                let _ = writeln!(x, "        <option value=\"{v}\" />");
            }
            let _ = writeln!(x, "      </content>");
        }
        let _ = writeln!(x, "    </parameter>");
    }
    let _ = writeln!(x, "  </parameters>");
    let _ = writeln!(x, "</resource-agent>");
    x
}
