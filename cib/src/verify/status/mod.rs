//! Checks on the status section, as the scheduler's unpacking makes them: node states it must
//! ignore, nodes it must fence (or cannot), active orphans, tickets lost with loss-policy=fence.

use super::diagnostic::{Check, Diagnostic, Severity};
use super::model::{nvpairs, Cluster};
use crate::verify::history::{replay, ReplayOutcome};
use crate::Element;
use vocab::{is_true, parse_bool};

mod fencing;
mod instances;
mod membership;
mod remote;

use fencing::{check_tickets, schedule_fencing, Fencer};
use instances::{check_clone_capacity, check_failure_timeout_conflict, check_stop_operations};
pub(in crate::verify) use membership::has_online_node;
use membership::membership;
use remote::{check_remote_connections, connection_can_run, fence_disconnected_remote};
use std::collections::{BTreeMap, HashSet};

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
    // Without a status section Pacemaker has no node or resource state to judge.
    let Some(status) = cluster.cib.child("status") else {
        return out;
    };
    let states: Vec<&Element> = status.children_named("node_state").collect();
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
        let maintenance = nvpairs(node.xml, "instance_attributes")
            .into_iter()
            .find(|(k, _)| *k == "maintenance")
            .is_some_and(|(_, v)| is_true(v));
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
        let judged = membership(state, fencing);
        let online = judged.online;
        if let Some(reason) = judged.unclean {
            // Pacemaker decides whether it can fence before it records the node as online.
            fencer.fence("Cluster", (node.uname, false), reason, state, &mut out);
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
                let reconnect_pending = state.attr("node_fenced").is_some_and(is_true)
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

    check_stop_operations(cluster, &active_on, &mut out);
    check_remote_connections(cluster, &states, &active_on, &mut fencer, &mut out);
    check_clone_capacity(cluster, &active_on, &mut out);
    check_failure_timeout_conflict(cluster, &active_on, &mut out);
    check_tickets(cluster, &active_on, &views, &mut fencer, &mut out);
    schedule_fencing(cluster, &fencer, &mut out);
    out
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
                && !r.meta("maintenance").is_some_and(is_true)
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

/// The `lrm_resource` entries of a node's state, in recorded order.
fn lrm_resources(state: &Element) -> impl Iterator<Item = &Element> {
    state
        .child("lrm")
        .and_then(|l| l.child("lrm_resources"))
        .into_iter()
        .flat_map(|r| r.children_named("lrm_resource"))
}
