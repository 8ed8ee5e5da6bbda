//! Checks on the status section, as the scheduler's unpacking makes them: node states it must
//! ignore, nodes it must fence (or cannot), active orphans, tickets lost with loss-policy=fence.

use super::diagnostic::{Check, Diagnostic, Severity};
use super::history::{replay, ReplayOutcome};
use super::model::{nvpairs, Cluster};
use super::values::{is_true, parse_bool};
use crate::Element;
use std::collections::{BTreeMap, HashSet};

/// Which nodes are unclean, and how Pacemaker words fencing them.
struct Fencer<'a> {
    /// Unclean nodes in the order found, each with whether it can be fenced.
    unclean: Vec<(&'a str, bool)>,
    /// Fencing is enabled and some device exists.
    has_means: bool,
    /// The partition may fence anything: it has quorum or no-quorum-policy=ignore.
    may_fence_any: bool,
}

impl<'a> Fencer<'a> {
    fn new(cluster: &Cluster) -> Self {
        Fencer {
            unclean: Vec::new(),
            has_means: cluster.stonith_enabled() && cluster.has_fencing_device(),
            may_fence_any: is_true(cluster.cib.attr("have-quorum"))
                || cluster.option("no-quorum-policy") == Some("ignore"),
        }
    }

    fn is_unclean(&self, uname: &str) -> bool {
        self.unclean.iter().any(|(u, _)| *u == uname)
    }

    /// Without quorum, only members of our own partition (online nodes) may be fenced.
    fn can_fence(&self, online: bool) -> bool {
        self.has_means && (self.may_fence_any || online)
    }

    /// Marks a node unclean. Only the first reason is reported: Pacemaker logs later ones at
    /// trace level.
    fn fence(
        &mut self,
        kind: &str,
        (uname, online): (&'a str, bool),
        reason: &str,
        at: &Element,
        out: &mut Vec<Diagnostic>,
    ) {
        if self.is_unclean(uname) {
            return;
        }
        let fenceable = self.can_fence(online);
        let verb = if fenceable {
            "will be fenced"
        } else {
            "is unclean"
        };
        // Only scheduling the fencing (or failing to) marks the configuration as suspect.
        out.push(Diagnostic::at(
            Severity::Advisory,
            Check::UncleanNode,
            "pe_fence_node",
            at,
            format!("{kind} node {uname} {verb}: {reason}"),
        ));
        self.unclean.push((uname, fenceable));
    }

    /// Marks a node unclean without a message (never seen, and startup fencing is on).
    fn mark_unseen(&mut self, uname: &'a str) {
        if !self.is_unclean(uname) {
            self.unclean.push((uname, self.can_fence(false)));
        }
    }
}

/// A node whose recorded state is usable.
struct NodeView<'a> {
    uname: &'a str,
    state: Option<&'a Element>,
    online: bool,
    remote: bool,
    maintenance: bool,
}

fn transient_attr<'a>(state: &'a Element, name: &str) -> Option<&'a str> {
    let attrs = state.child("transient_attributes")?;
    nvpairs(attrs, "instance_attributes")
        .into_iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// All status-section findings.
pub fn check(cluster: &Cluster) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let status = cluster.cib.child("status");
    let states: Vec<&Element> = status
        .map(|s| s.children_named("node_state").collect())
        .unwrap_or_default();
    let remote_names = cluster.remote_node_names();
    let fencing = cluster.stonith_enabled();
    let mut fencer = Fencer::new(cluster);
    let mut views: Vec<NodeView> = Vec::new();

    for state in &states {
        if state.id().is_none() {
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::Status,
                "unpack_node_state",
                state,
                "Ignoring malformed node_state entry without id",
            ));
            continue;
        }
        if state.attr("uname").is_none() {
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::Status,
                "unpack_node_state",
                state,
                "Ignoring malformed node_state entry without uname",
            ));
            continue;
        }
    }

    // Cluster nodes from the configuration.
    for node in cluster.nodes.iter().filter(|n| !n.remote) {
        let state = states.iter().copied().find(|s| {
            s.id() == node.xml.id()
                || (s.attr("uname").is_some() && s.attr("uname") == Some(node.uname))
        });
        let maintenance = is_true(
            nvpairs(node.xml, "instance_attributes")
                .into_iter()
                .find(|(k, _)| *k == "maintenance")
                .map(|(_, v)| v),
        );
        let Some(state) = state.filter(|s| s.attr("uname").is_some()) else {
            if cluster.startup_fencing() {
                fencer.mark_unseen(node.uname);
            }
            views.push(NodeView {
                uname: node.uname,
                state: None,
                online: false,
                remote: false,
                maintenance,
            });
            continue;
        };
        let (online, reason) = if fencing {
            online_with_fencing(state)
        } else {
            online_without_fencing(state)
        };
        if let Some(reason) = reason {
            fencer.fence("Cluster", (node.uname, online), reason, state, &mut out);
        }
        if fencer.is_unclean(node.uname) {
            out.push(Diagnostic::at(
                Severity::Advisory,
                Check::UncleanNode,
                "determine_online_status",
                state,
                format!("{} is unclean", node.uname),
            ));
        }
        views.push(NodeView {
            uname: node.uname,
            state: Some(state),
            online,
            remote: false,
            maintenance,
        });
    }

    // Recorded states for nodes the configuration no longer has.
    for state in &states {
        let (Some(id), Some(uname)) = (state.id(), state.attr("uname")) else {
            continue;
        };
        let known = cluster
            .nodes
            .iter()
            .any(|n| n.xml.id() == Some(id) || n.uname == uname)
            || remote_names.iter().any(|r| r == id || r == uname);
        if !known {
            out.push(Diagnostic::at(Severity::Warning, Check::Status, "unpack_node_state", state,
                format!("Ignoring recorded node state for '{uname}' because it is no longer in the configuration")));
        }
    }

    // Replay resource histories: online cluster nodes, then offline ones when fencing is enabled.
    let mut active_on: BTreeMap<String, Vec<(String, ReplayOutcome)>> = BTreeMap::new();
    for view in &views {
        let Some(state) = view.state else { continue };
        if !view.online && !fencing {
            continue;
        }
        replay_node(
            cluster,
            view,
            state,
            &remote_names,
            &mut fencer,
            &mut out,
            &mut active_on,
        );
    }
    // Remote and guest nodes: online when their connection runs, unfailed, on an online node.
    let guests = cluster.guest_node_names();
    let online_nodes: Vec<&str> = views.iter().filter(|v| v.online).map(|v| v.uname).collect();
    for name in &remote_names {
        let outcomes = active_on.get(name).map(Vec::as_slice).unwrap_or_default();
        let connection_failed = outcomes.iter().any(|(_, o)| o.failed_now);
        let connected = !connection_failed
            && outcomes
                .iter()
                .any(|(n, o)| o.active && online_nodes.contains(&n.as_str()));
        let Some(state) = states
            .iter()
            .copied()
            .find(|s| s.id() == Some(name) || s.attr("uname") == Some(name))
        else {
            continue;
        };
        if !connected {
            if fencing && !guests.contains(name) {
                let offline = NodeView {
                    uname: name,
                    state: Some(state),
                    online: false,
                    remote: true,
                    maintenance: false,
                };
                let can_run = connection_can_run(cluster, name, &views, &active_on);
                let revocable = !connection_failed && can_run;
                fence_disconnected_remote(
                    cluster,
                    &offline,
                    state,
                    &remote_names,
                    (connection_failed, revocable),
                    &mut fencer,
                    &mut out,
                    &mut active_on,
                );
                // A failed connection that can start nowhere leaves the node's resources in an
                // unknown state; only fencing can settle them (unless a reconnect is pending).
                let reconnect_pending = is_true(state.attr("node_fenced"))
                    && cluster.resource(name).is_some_and(|r| {
                        nvpairs(r.xml, "instance_attributes")
                            .iter()
                            .any(|(k, _)| *k == "reconnect_interval")
                    });
                if connection_failed && !can_run && !reconnect_pending {
                    let reason = "the connection is unrecoverable";
                    fencer.fence("Remote", (name, false), reason, state, &mut out);
                }
            }
            continue;
        }
        let view = NodeView {
            uname: name,
            state: Some(state),
            online: true,
            remote: true,
            maintenance: false,
        };
        replay_node(
            cluster,
            &view,
            state,
            &remote_names,
            &mut fencer,
            &mut out,
            &mut active_on,
        );
        views.push(view);
    }

    // Offline cluster nodes with managed resources still recorded as active must be fenced.
    if fencing {
        for view in views
            .iter()
            .filter(|v| !v.online && !v.remote && !v.maintenance && v.state.is_some())
        {
            let Some(state) = view.state else { continue };
            // In recorded order: the first active resource is the reason given.
            for lrm_rsc in lrm_resources(state) {
                let Some(rsc) = lrm_rsc.id() else { continue };
                let active = active_on
                    .get(rsc)
                    .is_some_and(|v| v.iter().any(|(n, o)| n == view.uname && o.active));
                if active && is_managed(cluster, rsc) {
                    let reason = format!("{rsc} is thought to be active there");
                    fencer.fence("Cluster", (view.uname, false), &reason, state, &mut out);
                }
            }
        }
    }

    check_remote_connections(cluster, &states, &active_on, &mut fencer, &mut out);
    check_clone_capacity(cluster, &active_on, &mut out);
    check_failure_timeout_conflict(cluster, &active_on, &mut out);
    check_tickets(cluster, &active_on, &views, &mut fencer, &mut out);
    schedule_fencing(cluster, &fencer, &mut out);
    out
}

/// Node membership as judged when fencing is enabled. Returns (online, reason to fence).
fn online_with_fencing(state: &Element) -> (bool, Option<&'static str>) {
    let join = state.attr("join").unwrap_or("");
    let in_ccm = state.attr("in_ccm");
    let crmd_online = state
        .attr("crmd")
        .is_some_and(|v| v.eq_ignore_ascii_case("online"));
    let expected = state.attr("expected").unwrap_or("down");
    let terminate = transient_attr(state, "terminate")
        .is_some_and(|v| parse_bool(v).unwrap_or_else(|| v.parse::<i64>().unwrap_or(0) > 0));
    let shutdown = transient_attr(state, "shutdown").is_some_and(|v| v != "0");
    let in_cluster = is_true(in_ccm);
    if shutdown {
        (crmd_online, None)
    } else if in_ccm.is_none() {
        (false, Some("peer has not been seen by the cluster"))
    } else if join.eq_ignore_ascii_case("nack") {
        (false, Some("peer failed Pacemaker membership criteria"))
    } else if (!terminate && expected.eq_ignore_ascii_case("down"))
        || (terminate && join.eq_ignore_ascii_case("down") && !in_cluster && !crmd_online)
    {
        // Expected down, or just shot as requested.
        (false, None)
    } else if !in_cluster {
        (false, Some("peer is no longer part of the cluster"))
    } else if !crmd_online {
        (false, Some("peer process is no longer available"))
    } else if terminate {
        (false, Some("termination was requested"))
    } else if ["member", "pending", "down"]
        .iter()
        .any(|j| join.eq_ignore_ascii_case(j))
    {
        // Active, or up but not yet ready to run resources.
        (true, None)
    } else {
        (false, Some("peer was in an unknown state"))
    }
}

/// Node membership as judged when fencing is disabled.
fn online_without_fencing(state: &Element) -> (bool, Option<&'static str>) {
    let crmd_online = state
        .attr("crmd")
        .is_some_and(|v| v.eq_ignore_ascii_case("online"));
    let expected_up = state
        .attr("expected")
        .is_some_and(|v| v.eq_ignore_ascii_case("member"));
    if !is_true(state.attr("in_ccm")) {
        (false, None)
    } else if crmd_online {
        (
            state
                .attr("join")
                .is_some_and(|j| j.eq_ignore_ascii_case("member")),
            None,
        )
    } else if !expected_up {
        (false, None)
    } else {
        (false, Some("peer is unexpectedly down"))
    }
}

/// The configured primitive an `lrm_resource` id belongs to (`rsc`, or `rsc:N` for a clone instance).
fn configured_primitive<'a>(cluster: &Cluster<'a>, id: &str) -> Option<&'a Element> {
    let base = match id.rsplit_once(':') {
        Some((b, n)) if n.bytes().all(|c| c.is_ascii_digit()) => b,
        _ => id,
    };
    cluster
        .primitives()
        .find(|(_, r)| r.id() == id || r.id() == base)
        .map(|(_, r)| r.xml)
}

/// True when an `lrm_resource` id matches no configured or implicit resource.
fn is_orphan(cluster: &Cluster, id: &str, remote_names: &[String]) -> bool {
    if configured_primitive(cluster, id).is_some() || remote_names.iter().any(|r| r == id) {
        return false;
    }
    // Bundles create their containers, addresses and connections as `<bundle>-...`.
    !cluster
        .resources
        .iter()
        .any(|r| r.xml.name == "bundle" && id.starts_with(&format!("{}-", r.id())))
}

fn is_managed(cluster: &Cluster, lrm_id: &str) -> bool {
    if cluster.maintenance_mode() {
        return false;
    }
    let base = lrm_id.rsplit_once(':').map(|(b, _)| b).unwrap_or(lrm_id);
    match cluster
        .resources
        .iter()
        .find(|r| r.id() == lrm_id || r.id() == base)
    {
        Some(r) => {
            r.meta("is-managed").and_then(parse_bool).unwrap_or(true)
                && !is_true(r.meta("maintenance"))
        }
        None => true,
    }
}

fn replay_node<'a>(
    cluster: &Cluster<'a>,
    view: &NodeView<'a>,
    state: &'a Element,
    remote_names: &[String],
    fencer: &mut Fencer<'a>,
    out: &mut Vec<Diagnostic>,
    active_on: &mut BTreeMap<String, Vec<(String, ReplayOutcome)>>,
) {
    for lrm_rsc in lrm_resources(state) {
        let Some(id) = lrm_rsc.id() else { continue };
        let primitive = configured_primitive(cluster, id);
        let outcome = replay(cluster, lrm_rsc, primitive);
        if outcome.active && is_orphan(cluster, id, remote_names) {
            let message = if cluster.stop_orphans() {
                format!("Detected active orphan {id} running on {}", view.uname)
            } else {
                format!("Resource '{id}' must be stopped manually on {} because cluster is configured not to stop active orphans", view.uname)
            };
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::Status,
                "process_rsc_state",
                lrm_rsc,
                message,
            ));
        }
        let guest = cluster.guest_node_names().iter().any(|g| g == view.uname);
        if outcome.fence_failure && !guest && !view.maintenance && is_managed(cluster, id) {
            let kind = if view.remote { "Remote" } else { "Cluster" };
            let reason = format!("{id} failed there");
            fencer.fence(kind, (view.uname, view.online), &reason, lrm_rsc, out);
        }
        active_on
            .entry(id.to_string())
            .or_default()
            .push((view.uname.to_string(), outcome));
    }
}

fn check_tickets<'a>(
    cluster: &Cluster<'a>,
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    views: &[NodeView<'a>],
    fencer: &mut Fencer<'a>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(constraints) = cluster
        .cib
        .child("configuration")
        .and_then(|c| c.child("constraints"))
    else {
        return;
    };
    let granted: HashSet<&str> = cluster
        .cib
        .child("status")
        .and_then(|s| s.child("tickets"))
        .map(|t| {
            t.children_named("ticket_state")
                .filter(|t| is_true(t.attr("granted")))
                .filter_map(|t| t.id())
                .collect()
        })
        .unwrap_or_default();
    for c in constraints.children_named("rsc_ticket") {
        if c.attr("loss-policy") != Some("fence")
            || c.attr("ticket").is_some_and(|t| granted.contains(t))
        {
            continue;
        }
        let Some(rsc) = c.attr("rsc") else { continue };
        let promoted_only = c
            .attr("rsc-role")
            .is_some_and(|r| matches!(r, "Promoted" | "Master"));
        // The primitives at or below the constrained resource.
        let members: Vec<&str> = cluster
            .primitives()
            .filter(|(i, _)| {
                let mut cur = Some(*i);
                while let Some(x) = cur {
                    if cluster.resources[x].id() == rsc {
                        return true;
                    }
                    cur = cluster.resources[x].parent;
                }
                false
            })
            .map(|(_, r)| r.id())
            .collect();
        for (lrm_id, outcomes) in active_on {
            let base = lrm_id.rsplit_once(':').map(|(b, _)| b).unwrap_or(lrm_id);
            if !members.contains(&base) && !members.contains(&lrm_id.as_str()) {
                continue;
            }
            for (node, o) in outcomes {
                if !o.active || (promoted_only && !o.promoted) {
                    continue;
                }
                let Some(view) = views.iter().find(|v| v.uname == node && !v.remote) else {
                    continue;
                };
                let node = (view.uname, view.online);
                fencer.fence("Cluster", node, "deadman ticket was lost", c, out);
            }
        }
    }
}

fn schedule_fencing(cluster: &Cluster, fencer: &Fencer, out: &mut Vec<Diagnostic>) {
    let mut integrity_lost = false;
    for (uname, fenceable) in &fencer.unclean {
        if *fenceable {
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::UncleanNode,
                "schedule_fencing",
                cluster.cib,
                format!("Scheduling node {uname} for fencing"),
            ));
        } else {
            integrity_lost = true;
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::UncleanNode,
                "schedule_fencing_and_shutdowns",
                cluster.cib,
                format!("Node {uname} is unclean but cannot be fenced"),
            ));
        }
    }
    if integrity_lost && !cluster.stonith_enabled() {
        out.push(Diagnostic::at(Severity::Warning, Check::UncleanNode, "schedule_fencing_and_shutdowns", cluster.cib,
            "Resource functionality and data integrity cannot be guaranteed (configure, enable, and test fencing to correct this)"));
    }
}

/// Index of the clone a resource sits in, if any.
fn enclosing_clone(cluster: &Cluster, mut index: usize) -> Option<usize> {
    while let Some(p) = cluster.resources[index].parent {
        if cluster.resources[p].is_clone() {
            return Some(p);
        }
        index = p;
    }
    None
}

/// Instances active beyond `clone-max` (or `clone-node-max` on one node) are orphans.
fn check_clone_capacity(
    cluster: &Cluster,
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    out: &mut Vec<Diagnostic>,
) {
    let node_count = cluster.nodes.len() + cluster.remote_node_names().len();
    for (index, prim) in cluster.primitives() {
        let Some(clone) = enclosing_clone(cluster, index).map(|c| &cluster.resources[c]) else {
            continue;
        };
        let clone_max = clone
            .meta("clone-max")
            .and_then(|v| v.parse().ok())
            .unwrap_or(node_count);
        let node_max: usize = clone
            .meta("clone-node-max")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let unique = is_true(clone.meta("globally-unique"));
        let mut total = 0usize;
        let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
        for (lrm_id, outcomes) in active_on {
            // Anonymous instances may be recorded without their `:N` suffix.
            let (base, n) = lrm_id.rsplit_once(':').unwrap_or((lrm_id, ""));
            if base != prim.id() || !n.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let instance: usize = n.parse().unwrap_or(0);
            for (node, _) in outcomes.iter().filter(|(_, o)| o.active) {
                let on_node = per_node.entry(node.as_str()).or_default();
                *on_node += 1;
                total += 1;
                let over = if unique {
                    instance >= clone_max
                } else {
                    total > clone_max || *on_node > node_max
                };
                if over {
                    let lrm_id = if n.is_empty() {
                        format!("{lrm_id}:{}", total - 1)
                    } else {
                        lrm_id.clone()
                    };
                    out.push(Diagnostic::at(
                        Severity::Warning,
                        Check::Status,
                        "process_rsc_state",
                        prim.xml,
                        format!("Detected active orphan {lrm_id} running on {node}"),
                    ));
                }
            }
        }
    }
}

/// Failure timeouts cannot apply to resources whose failures block (on-fail=block).
fn check_failure_timeout_conflict(
    cluster: &Cluster,
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    out: &mut Vec<Diagnostic>,
) {
    for (_, prim) in cluster.primitives() {
        let Some(timeout) = prim
            .meta("failure-timeout")
            .and_then(super::values::parse_duration_ms)
        else {
            continue;
        };
        if timeout == 0 {
            continue;
        }
        let blocks = prim.xml.child("operations").is_some_and(|ops| {
            ops.children_named("op")
                .any(|op| super::config::op_on_fail(cluster, op) == Some("block"))
        });
        let failed = active_on.iter().any(|(id, outcomes)| {
            let base = id.rsplit_once(':').map(|(b, _)| b).unwrap_or(id);
            base == prim.id() && outcomes.iter().any(|(_, o)| o.failed)
        });
        if blocks && failed {
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::InvalidValue,
                "pe_get_failcount",
                prim.xml,
                format!(
                    "Ignoring failure timeout {} for {} because it conflicts with on-fail=block",
                    timeout / 1000,
                    prim.id()
                ),
            ));
        }
    }
}

/// A remote connection that failed unrecoverably means its remote node must be fenced.
fn check_remote_connections<'a>(
    cluster: &Cluster<'a>,
    states: &[&'a Element],
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    fencer: &mut Fencer<'a>,
    out: &mut Vec<Diagnostic>,
) {
    for (_, prim) in cluster.primitives() {
        if !super::history::is_remote_connection(prim.xml) {
            continue;
        }
        let failed = active_on
            .get(prim.id())
            .is_some_and(|v| v.iter().any(|(_, o)| o.remote_reset));
        if !failed {
            continue;
        }
        let state = states
            .iter()
            .find(|s| s.id() == Some(prim.id()) || s.attr("uname") == Some(prim.id()));
        if state.is_some_and(|s| is_true(s.attr("node_fenced"))) {
            continue;
        }
        let reason = "remote connection is unrecoverable";
        fencer.fence("Remote", (prim.id(), false), reason, prim.xml, out);
    }
}

/// The `lrm_resource` entries of a node's state, in recorded order.
fn lrm_resources(state: &Element) -> impl Iterator<Item = &Element> {
    state
        .child("lrm")
        .and_then(|l| l.child("lrm_resources"))
        .into_iter()
        .flat_map(|r| r.children_named("lrm_resource"))
}

/// True when a remote connection could start on some online cluster node: then fencing its
/// remote node is revoked (or, for a failed connection, not needed).
fn connection_can_run(
    cluster: &Cluster,
    connection: &str,
    views: &[NodeView],
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
) -> bool {
    views.iter().filter(|v| v.online && !v.remote).any(|v| {
        let start_failed = active_on
            .get(connection)
            .is_some_and(|o| o.iter().any(|(n, o)| n == v.uname && o.start_failed));
        let Some(node) = cluster.nodes.iter().find(|n| n.uname == v.uname) else {
            return false;
        };
        !start_failed && super::placement::may_run_on(cluster, connection, node, v.state)
    })
}

/// A remote node whose connection is down but whose history shows active resources is fenced,
/// unless the connection can be re-established elsewhere (then the fencing is revoked).
#[allow(clippy::too_many_arguments)]
fn fence_disconnected_remote<'a>(
    cluster: &Cluster<'a>,
    view: &NodeView<'a>,
    state: &'a Element,
    remote_names: &[String],
    (connection_failed, revocable): (bool, bool),
    fencer: &mut Fencer<'a>,
    out: &mut Vec<Diagnostic>,
    active_on: &mut BTreeMap<String, Vec<(String, ReplayOutcome)>>,
) {
    let mut findings = Vec::new();
    replay_node(
        cluster,
        view,
        state,
        remote_names,
        fencer,
        &mut findings,
        active_on,
    );
    out.extend(findings);
    for lrm_rsc in lrm_resources(state) {
        let Some(rsc) = lrm_rsc.id() else { continue };
        let active = active_on
            .get(rsc)
            .is_some_and(|v| v.iter().any(|(n, o)| n == view.uname && o.active));
        if !active || !is_managed(cluster, rsc) {
            continue;
        }
        let reason = if connection_failed {
            format!("{rsc} is thought to be active there")
        } else {
            format!(
                "{rsc} is active there (fencing will be revoked if remote connection can be \
                 re-established elsewhere)"
            )
        };
        fencer.fence("Remote", (view.uname, false), &reason, state, out);
        if revocable {
            fencer.unclean.retain(|(u, _)| *u != view.uname);
        }
        break;
    }
}
