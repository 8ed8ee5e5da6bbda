//! crm_simulate -S sections: current status, transition summary, the simulated execution of
//! the graph, and the revised status, in Pacemaker 2.1.5's layout.

use super::bundle_text;
use super::status_text::{
    clone_child_name, clone_disabled, clone_heading, disabled, group_flags, group_heading,
    node_list_line, stopped_lines, summarised_location, CloneFlags, NodeMode, Nodes, PrimitiveText,
};
use crate::graph_build::in_graph;
use crate::unpack::{ClusterView, Kind, Role, RscIdx};
use crate::Schedule;
use graph::ActionKind;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Where every primitive runs, and in which role, at one point in time (dereferences to
/// that map), and where a failure was cleared by the transition.
#[derive(Default)]
pub struct Placement {
    on: BTreeMap<RscIdx, Vec<(usize, Role)>>,
    /// `(resource, node)` pairs whose failure a stop or start there has cleared (the
    /// revised status re-reads a history that now ends with it).
    recovered: BTreeSet<(RscIdx, usize)>,
}

impl std::ops::Deref for Placement {
    type Target = BTreeMap<RscIdx, Vec<(usize, Role)>>;
    fn deref(&self) -> &Self::Target {
        &self.on
    }
}

impl std::ops::DerefMut for Placement {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.on
    }
}

impl FromIterator<(RscIdx, Vec<(usize, Role)>)> for Placement {
    fn from_iter<I: IntoIterator<Item = (RscIdx, Vec<(usize, Role)>)>>(iter: I) -> Self {
        Placement {
            on: iter.into_iter().collect(),
            recovered: BTreeSet::new(),
        }
    }
}

pub(super) fn current_placement(view: &ClusterView) -> Placement {
    Placement {
        on: (0..view.resources.len())
            .filter(|&r| view.resources[r].kind == Kind::Primitive)
            .map(|r| {
                let mut on = view.active_roles(r);
                on.retain(|(n, _)| !crate::unpack::status::dangling_migration(view, r, *n));
                (r, on)
            })
            .collect(),
        recovered: BTreeSet::new(),
    }
}

/// The placement after the executed graph: stops remove, starts add, promotions change roles.
/// As the revised status shows it (see [`placement_after`]).
pub fn revised_placement(s: &Schedule) -> Placement {
    placement_after(s, true)
}

/// The placement after the executed graph. `as_shown`: as the revised status re-reads the
/// history, where an operation still in flight stays last (a stop does not end it).
pub(super) fn placement_after(s: &Schedule, as_shown: bool) -> Placement {
    let mut p = current_placement(&s.view);
    apply_stops(s, as_shown, &mut p);
    forget_fenced_nodes(s, &mut p);
    apply_starts(s, as_shown, &mut p);
    p
}

/// Stops remove a primitive from its node (everywhere, when fencing implies them), demotes
/// lower its role.
fn apply_stops(s: &Schedule, as_shown: bool, p: &mut Placement) {
    let view = &s.view;
    let t = &s.actions;
    for (i, a) in t.list.iter().enumerate() {
        if !in_graph(t, i) {
            continue;
        }
        // A primitive's stop implied by fencing (a pseudo action on no node) stops it
        // wherever it ran, and ends its failures there.
        if let (Some(r), None, "stop") = (a.rsc, a.node, a.task.as_str()) {
            if view.resources[r].kind == Kind::Primitive {
                let gone = p.entry(r).or_default();
                let nodes: Vec<usize> = gone.iter().map(|(n, _)| *n).collect();
                gone.clear();
                p.recovered.extend(nodes.into_iter().map(|n| (r, n)));
            }
            continue;
        }
        let (Some(r), Some(n)) = (a.rsc, a.node) else {
            continue;
        };
        if view.resources[r].kind != Kind::Primitive {
            continue;
        }
        let entry = p.entry(r).or_default();
        match a.task.as_str() {
            // An operation still in flight there can stay the last of the history, so the
            // resource still shows active there.
            "stop" if as_shown && outlives_simulated_op(&view.resources[r], n) => {}
            "stop" => entry.retain(|(x, _)| *x != n),
            "demote" => entry
                .iter_mut()
                .filter(|(x, _)| *x == n)
                .for_each(|e| e.1 = Role::Unpromoted),
            _ => {}
        }
    }
}

/// A node really fenced (not a guest's pseudo fencing) loses its whole resource history:
/// crm_simulate deletes it as the controller would.
fn forget_fenced_nodes(s: &Schedule, p: &mut Placement) {
    let t = &s.actions;
    for (i, a) in t.list.iter().enumerate() {
        if a.task != "stonith" || a.kind != graph::ActionKind::CrmEvent || is_unfence(a) {
            continue;
        }
        let Some(n) = a.node.filter(|_| in_graph(t, i)) else {
            continue;
        };
        for (&r, entry) in p.on.iter_mut() {
            if entry.iter().any(|(x, _)| *x == n) {
                entry.retain(|(x, _)| *x != n);
                p.recovered.insert((r, n));
            }
        }
    }
}

/// Starts (and completed migrations) add a primitive where it goes, promotions raise its
/// role; a stop or start there ends its failure.
fn apply_starts(s: &Schedule, as_shown: bool, p: &mut Placement) {
    let view = &s.view;
    let t = &s.actions;
    for (i, a) in t.list.iter().enumerate() {
        if !in_graph(t, i) {
            continue;
        }
        let (Some(r), Some(n)) = (a.rsc, a.node) else {
            continue;
        };
        // (A demote recovers a failure handled with on-fail=demote.)
        let demote_recovers = a.task == "demote"
            && view.resources[r]
                .node_state
                .get(&n)
                .is_some_and(|st| st.on_fail == crate::unpack::OnFail::Demote);
        // (A lost connection waiting to reconnect keeps its failure until that expires.)
        let awaits = crate::unpack::remote::awaits_reconnect(&view.resources[r]);
        if (matches!(a.task.as_str(), "stop" | "start") && !awaits) || demote_recovers {
            p.recovered.insert((r, n));
        }
        let entry = p.entry(r).or_default();
        match a.task.as_str() {
            "start" | "migrate_from" if !entry.iter().any(|(x, _)| *x == n) => {
                let promotable = view.resources[view.top_of(r)]
                    .clone
                    .as_ref()
                    .is_some_and(|c| c.promotable);
                entry.push((
                    n,
                    if promotable {
                        Role::Unpromoted
                    } else {
                        Role::Started
                    },
                ));
            }
            "migrate_to" => entry.retain(|(x, _)| *x != n),
            "promote" => entry
                .iter_mut()
                .filter(|(x, _)| *x == n)
                .for_each(|e| e.1 = Role::Promoted),
            // A recurring monitor recorded on a guest node where its stop was only implied
            // by the guest's fencing (nothing recorded): the revised status re-reads the
            // history there, running, its old failure standing.
            "monitor"
                if as_shown
                    && a.interval_ms > 0
                    && view.nodes[n].is_guest()
                    && !entry.iter().any(|(x, _)| *x == n)
                    && view.resources[r]
                        .node_state
                        .get(&n)
                        .is_some_and(|st| st.role.is_active()) =>
            {
                entry.push((n, Role::Started));
                p.recovered.remove(&(r, n));
            }
            _ => {}
        }
    }
}

/// Whether the operation in flight that ends a history still sorts after an operation the
/// simulation records there. crm_simulate gives its record the next call id and a
/// transition key of transition -1 from its fake transition engine: an operation in flight
/// with a call id sorts before it; one without a call id sorts after it when it comes from
/// another engine or from the same transition -1, else before it (the record's transition
/// -1 sorts last) - Pacemaker's pe__is_newer_op. A monitor in flight does not make it
/// active.
fn outlives_simulated_op(rsc: &crate::unpack::Resource, n: usize) -> bool {
    // (With several entries there, the record goes to a new one: the others stay.)
    if rsc.duplicate_history_on.contains(&n) {
        return true;
    }
    let Some(st) = rsc.node_state.get(&n) else {
        return false;
    };
    const FAKE_TE_ID: &str = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    st.pending_task.as_deref().is_some_and(|t| t != "monitor")
        && st.ops.last().is_some_and(|o| {
            o.status == -1
                && o.call_id == -1
                && o.transition
                    .as_ref()
                    .is_some_and(|(id, uuid)| uuid != FAKE_TE_ID || *id == -1)
        })
}

/// A node's state for the listing: `(online, unclean)`. A remote or guest node follows its
/// connection: as unpacked for the current status, as placed by the transition for the
/// revised one (`fenced` is given then).
pub fn shown_state(
    view: &ClusterView,
    p: &Placement,
    fenced: Option<&BTreeSet<usize>>,
    n: usize,
) -> (bool, bool) {
    let node = &view.nodes[n];
    let Some(link) = &node.remote else {
        return (node.online, unclean_before(node));
    };
    match fenced {
        None => (link.was_online, link.was_unclean),
        Some(_) => {
            let up =
                |r: Option<RscIdx>| r.is_some_and(|r| p.get(&r).is_some_and(|v| !v.is_empty()));
            // (A guest whose container's host is down and unclean is not online.)
            let host_down = |c: RscIdx| {
                p.get(&c).into_iter().flatten().any(|(h, _)| {
                    let host = &view.nodes[*h];
                    !host.online && host.unclean
                })
            };
            let online =
                up(link.connection) && link.container.is_none_or(|c| up(Some(c)) && !host_down(c));
            // A connection still failed (waiting to reconnect) leaves its node unclean.
            let lost = link
                .connection
                .is_some_and(|c| crate::unpack::remote::awaits_reconnect(&view.resources[c]));
            (online, lost)
        }
    }
}

fn node_list(
    view: &ClusterView,
    p: &Placement,
    fenced: Option<&BTreeSet<usize>>,
    out: &mut String,
) {
    out.push_str("  * Node List:\n");
    let mut online = Vec::new();
    let mut offline = Vec::new();
    let mut remote_online = Vec::new();
    let mut remote_offline = Vec::new();
    let mut guest_online = Vec::new();
    // Nodes in Pacemaker's node list order (by name, numbers as numbers).
    let mut order: Vec<usize> = (0..view.nodes.len()).collect();
    order.sort_by(|&a, &b| {
        crate::unpack::cmp_node_names(&view.nodes[a].uname, &view.nodes[b].uname)
    });
    for n in order {
        let node = &view.nodes[n];
        let name = &node.uname;
        let label = match (node.is_guest(), node.is_remote()) {
            (true, _) => "GuestNode",
            (_, true) => "RemoteNode",
            _ => "Node",
        };
        let (is_online, unclean) = shown_state(view, p, fenced, n);
        let was_fenced = fenced.is_some_and(|f| f.contains(&n)) && !node.is_remote();
        let mode = NodeMode {
            online: is_online && !was_fenced,
            unclean: unclean && !was_fenced,
            pending: node.pending && !was_fenced,
            // Pending nodes are also in standby, which their word already says.
            standby: node.standby && !node.pending,
            // (maintenance-mode puts every node in maintenance for scheduling; the list
            // shows a node's own setting.)
            maintenance: node.maintenance
                && (!view.config.maintenance_mode
                    || node
                        .attrs
                        .get("maintenance")
                        .is_some_and(|v| crate::unpack::is_true(v))),
            running_resources: p.values().flatten().any(|(x, _)| *x == n),
        };
        let (online_list, offline_list) = match (node.is_guest(), node.is_remote()) {
            (true, _) => (&mut guest_online, None),
            (_, true) => (&mut remote_online, Some(&mut remote_offline)),
            _ => (&mut online, Some(&mut offline)),
        };
        let health = health(node);
        let word = mode.word();
        if word == "online"
            && !matches!(view.config.health_strategy.as_str(), "" | "none")
            && health != "GREEN"
        {
            let _ = writeln!(out, "    * {label} {name}: online (health is {health})");
        } else if !mode.listed() {
            let _ = writeln!(out, "    * {label} {name}: {word}");
        } else if mode.online {
            online_list.push(name.clone());
        } else if let Some(list) = offline_list {
            list.push(name.clone());
        }
    }
    for (title, mut list) in [
        ("Online", online),
        ("OFFLINE", offline),
        ("RemoteOnline", remote_online),
        ("RemoteOFFLINE", remote_offline),
        ("GuestOnline", guest_online),
    ] {
        // Pacemaker's node list order: names with numbers compared as numbers.
        list.sort_by(|a, b| crate::unpack::cmp_node_names(a, b));
        if !list.is_empty() {
            let _ = writeln!(out, "    * {}", node_list_line(title, &list));
        }
    }
}

/// The worst `#health*` node attribute: RED, YELLOW or GREEN.
pub fn health(node: &crate::unpack::NodeInfo) -> &'static str {
    let mut worst = "GREEN";
    for (k, v) in &node.attrs {
        if !k.starts_with("#health") {
            continue;
        }
        if v.eq_ignore_ascii_case("red") {
            return "RED";
        }
        if v.eq_ignore_ascii_case("yellow") {
            worst = "YELLOW";
        }
    }
    worst
}

/// A primitive's line at placement `p`, in the one shared text form.
fn primitive_line(view: &ClusterView, r: RscIdx, p: &Placement, revised: bool) -> String {
    primitive_text(view, r, p, revised).line(Nodes::Shown)
}

/// A primitive's shared text form at placement `p` (`revised`: after the transition).
pub fn primitive_text(
    view: &ClusterView,
    r: RscIdx,
    p: &Placement,
    revised: bool,
) -> PrimitiveText {
    let on = listed_nodes(view, r, p, revised);
    let mut text = PrimitiveText::of(view, r, &on);
    // A failure on a node that will be fenced is the node's, not the resource's.
    if on.is_empty() {
        text.failed_probe = failed_probe(view, r);
    }
    if !revised {
        in_flight_flags(view, r, &on, &mut text);
    }
    failure_flags(view, r, p, &on, revised, &mut text);
    text
}

/// The nodes a resource is listed on, in Pacemaker's order: the revised status re-reads the
/// histories by node name; the current status lists them in the order they were read, a
/// migration's target first.
fn listed_nodes(view: &ClusterView, r: RscIdx, p: &Placement, revised: bool) -> Vec<(usize, Role)> {
    let rsc = &view.resources[r];
    let mut on = p.get(&r).cloned().unwrap_or_default();
    // The revised status re-reads a history written node by node: by node name.
    if revised {
        on.sort_by(|a, b| {
            crate::unpack::cmp_node_names(&view.nodes[a.0].uname, &view.nodes[b.0].uname)
        });
    } else {
        // The current status lists them in the order the histories were read.
        // (Remote nodes' histories are read once their connections are known.)
        let later = |n: usize| view.nodes[n].is_remote();
        // A migration's target is found active while the source's history is read (before
        // the source itself).
        let source_of = |n: usize| {
            on.iter().map(|x| x.0).find(|&src| {
                rsc.node_state.get(&src).is_some_and(|st| {
                    st.ops.iter().any(|o| {
                        o.task == "migrate_to"
                            && o.rc == 0
                            && o.status == 0
                            && o.migrate_target.as_deref() == Some(view.nodes[n].uname.as_str())
                    })
                })
            })
        };
        let key = |n: usize| match source_of(n) {
            Some(src) => (later(src), view.nodes[src].status_order, 0),
            None => (later(n), view.nodes[n].status_order, 1),
        };
        let mut keyed: Vec<_> = on.iter().map(|a| (key(a.0), *a)).collect();
        keyed.sort_by_key(|(k, _)| *k);
        on = keyed.into_iter().map(|(_, a)| a).collect();
    }
    // A partial (or failed) migration's target was found active while its source's history
    // was read, before the source itself: it comes first.
    if !revised {
        let source_of = |n: usize| {
            rsc.node_state
                .get(&n)
                .and_then(|st| st.migrating_from)
                .or_else(|| {
                    let target = view.nodes[n].uname.as_str();
                    on.iter().map(|(m, _)| *m).find(|m| {
                        rsc.node_state[m].ops.iter().any(|o| {
                            o.task == "migrate_to"
                                && o.failed
                                && o.migrate_target.as_deref() == Some(target)
                        })
                    })
                })
        };
        let target = on.iter().position(|(n, _)| {
            source_of(*n).is_some_and(|src| src != *n && on.iter().any(|(m, _)| *m == src))
        });
        if let Some(i) = target {
            let src = source_of(on[i].0);
            let entry = on.remove(i);
            let at = on.iter().position(|(m, _)| Some(*m) == src).unwrap_or(0);
            on.insert(at, entry);
        }
    }
    on
}

/// The current status's operations in flight: the one found pending (on its one node, or
/// where that operation is, for a resource active nowhere), a failed migration's target
/// stopped later, and a recurring monitor in flight.
fn in_flight_flags(view: &ClusterView, r: RscIdx, on: &[(usize, Role)], text: &mut PrimitiveText) {
    let rsc = &view.resources[r];
    if let Some((task, at)) = first_pending(view, r) {
        match on {
            [_] => text.pending = super::status_text::pending_word(task),
            [] => {
                text.pending = super::status_text::pending_word(task);
                text.idle_node = text.pending.map(|_| view.nodes[at].uname.clone());
            }
            _ => {}
        }
    }
    // A failed migration's target stopped later is still listed (before the transition).
    if let (Some(n), [], None) = (rsc.stopped_listed_on, on, &text.idle_node) {
        text.idle_node = Some(view.nodes[n].uname.clone());
    }
    // A recurring monitor in flight is a flag of the current status (probes are not shown).
    let monitoring = rsc.node_state.values().any(|st| {
        st.ops
            .iter()
            .any(|o| o.status == -1 && o.task == "monitor" && o.interval_ms > 0)
    });
    text.pending_flag = monitoring.then_some("Monitoring");
}

/// Failed, on an unclean node, blocked: the resource's flags.
fn failure_flags(
    view: &ClusterView,
    r: RscIdx,
    p: &Placement,
    on: &[(usize, Role)],
    revised: bool,
    text: &mut PrimitiveText,
) {
    let rsc = &view.resources[r];
    // (Pacemaker's flag is the resource's: a failure on any node, wherever it runs now.)
    text.failed = rsc
        .node_state
        .iter()
        .any(|(n, st)| failure_shown(view, r, *n, st) && !p.recovered.contains(&(r, *n)))
        || (!revised && fences_guest(view, r));
    text.unclean_node = matches!(on, [(n, _)]
        if !shown_online(view, *n, revised) && unclean_before(&view.nodes[*n])
            // (A remote node is clean again once the transition ran.)
            && !(revised && view.nodes[*n].is_remote()));
    text.blocked = multiply_active_blocked(view, r)
        || (blocked(view, r)
            && on
                .iter()
                .any(|(n, _)| rsc.node_state.get(n).is_some_and(|s| s.failed)));
}

/// The first operation in flight (not a probe) Pacemaker meets reading the resource's
/// history, node by node in status order, and its node: it stays the resource's pending
/// operation even when a later operation there supersedes it.
fn first_pending(view: &ClusterView, r: RscIdx) -> Option<(&str, usize)> {
    let mut nodes: Vec<usize> = view.resources[r].node_state.keys().copied().collect();
    nodes.sort_by_key(|&n| (view.nodes[n].is_remote(), view.nodes[n].status_order));
    nodes.into_iter().find_map(|n| {
        view.resources[r].node_state[&n]
            .ops
            .iter()
            .find(|o| o.status == -1 && !(o.task == "monitor" && o.interval_ms == 0))
            .map(|o| (o.task.as_str(), n))
    })
}

/// The result of a probe that found the agent unusable (not installed, invalid parameters),
/// which a stopped resource's line shows; the first node's (clone instances: none here).
/// A stop and start on the same node: "Recover" when the resource failed (Pacemaker's failed
/// flag is the resource's, from any node not being fenced), else "Restart".
pub(super) fn restart_verb(view: &ClusterView, r: RscIdx) -> &'static str {
    if failed_somewhere(view, r) {
        "Recover"
    } else {
        "Restart"
    }
}

fn failed_probe(view: &ClusterView, r: RscIdx) -> Option<String> {
    if view.resources[view.top_of(r)].kind == Kind::Clone {
        return None;
    }
    view.resources[r].node_state.values().find_map(|st| {
        st.ops
            .iter()
            .find(|o| {
                // (A failure that expired is forgotten.)
                o.task == "monitor"
                    && o.interval_ms == 0
                    && o.failed
                    && (o.rc == 5 || o.rc == 2 || o.status == 7)
            })
            .map(|o| vocab::ocf::ocf_text(o.rc).to_string())
    })
}

/// Whether node `n` shows as online: a remote node as unpacked in the current status.
fn shown_online(view: &ClusterView, n: usize, revised: bool) -> bool {
    match &view.nodes[n].remote {
        Some(link) if !revised => link.was_online,
        _ => view.nodes[n].online,
    }
}

/// The name crm_simulate shows for a resource in action lines: of the graph's two names for
/// it, the first that names a resource (by id or history name), else the first.
fn display_id(view: &ClusterView, r: RscIdx) -> String {
    let (id, long_id) = crate::graph_build::primitive_names(view, r);
    let known = |name: &str| {
        view.resources
            .iter()
            .any(|x| x.id == name || x.clone_name.as_deref() == Some(name))
    };
    match long_id {
        Some(long) if !known(&id) && known(&long) => long,
        _ => id,
    }
}

/// Top-level resources in the order Pacemaker lists them: by priority, highest first, then
/// in configuration order.
pub(super) fn display_order(view: &ClusterView) -> Vec<RscIdx> {
    let mut top = view.top.clone();
    top.sort_by_key(|&r| std::cmp::Reverse(view.resources[r].priority()));
    top
}

fn resources(view: &ClusterView, p: &Placement, revised: bool, out: &mut String) {
    out.push_str("  * Full List of Resources:\n");
    for r in display_order(view) {
        let rsc = &view.resources[r];
        if rsc.orphan && p.get(&r).is_none_or(|v| v.is_empty()) {
            continue;
        }
        // Implicit resources (a guest's connection) are not listed.
        if rsc.meta_flag("internal_rsc", false) {
            continue;
        }
        // A bundle lists its replicas; the clone of its primitive is part of them.
        if let Some(b) = view.bundles.iter().find(|b| b.rsc == r) {
            bundle_lines(view, b, p, revised, out);
            continue;
        }
        if view.bundles.iter().any(|b| b.child == Some(r)) {
            continue;
        }
        match rsc.kind {
            Kind::Primitive => {
                let _ = writeln!(out, "    * {}", primitive_line(view, r, p, revised));
            }
            Kind::Group => {
                let heading = group_heading(&rsc.id, &group_flags(view, r));
                let _ = writeln!(out, "    * {heading}");
                for &m in &rsc.children {
                    let _ = writeln!(out, "      * {}", primitive_line(view, m, p, revised));
                }
            }
            Kind::Clone => clone_lines(view, r, p, revised, out),
        }
    }
}

fn bundle_lines(
    view: &ClusterView,
    b: &crate::unpack::bundle::Bundle,
    p: &Placement,
    revised: bool,
    out: &mut String,
) {
    let _ = writeln!(out, "    * {}", bundle_text::heading(view, b));
    for rep in &b.replicas {
        let instance = rep.child.map(|c| primitive_text(view, c, p, revised));
        let container = primitive_text(view, rep.container, p, revised);
        let line = bundle_text::replica_line(view, rep, instance, container);
        let _ = writeln!(out, "      * {line}");
    }
}

fn clone_lines(view: &ClusterView, c: RscIdx, p: &Placement, revised: bool, out: &mut String) {
    let rsc = &view.resources[c];
    let cfg = rsc.clone.clone().unwrap_or_default();
    // (Pacemaker's resource list skips a clone active somewhere but running on no node it
    // counts: an unmanaged instance left only on an offline node.)
    let somewhere = view
        .primitives_of(c)
        .iter()
        .any(|m| p.get(m).is_some_and(|at| !at.is_empty()));
    if !cfg.shown_unique() && somewhere && clone_running_on(view, c, p, revised).is_empty() {
        return;
    }
    let heading = clone_heading(&rsc.id, &clone_child_name(view, c), CloneFlags::of(view, c));
    let _ = writeln!(out, "    * {heading}");
    if cfg.shown_unique() {
        unique_instances(view, c, p, revised, out);
        return;
    }
    let (by_role, listed) = instance_lines(view, c, p, revised, out);
    role_lines(&by_role, out);
    stopped_node_lines(view, c, p, revised, listed, out);
}

/// A unique clone: each instance in full (a group instance as a group, its members below).
fn unique_instances(view: &ClusterView, c: RscIdx, p: &Placement, revised: bool, out: &mut String) {
    let rsc = &view.resources[c];
    for &i in &rsc.children {
        // A unique clone's group instance is shown as a group, its members below it.
        let indent = if view.resources[i].kind == Kind::Group {
            let heading = group_heading(&view.resources[i].id, &group_flags(view, i));
            let _ = writeln!(out, "      * {heading}");
            "        "
        } else {
            "      "
        };
        for m in view.primitives_of(i) {
            let _ = writeln!(out, "{indent}* {}", primitive_line(view, m, p, revised));
        }
    }
}

/// An anonymous clone's active instances: those in one place and role are summarised (the
/// nodes by role, and how many were), the others (failed, unmanaged, partial) printed in full.
fn instance_lines(
    view: &ClusterView,
    c: RscIdx,
    p: &Placement,
    revised: bool,
    out: &mut String,
) -> (BTreeMap<Role, BTreeSet<String>>, usize) {
    let rsc = &view.resources[c];
    let mut by_role: BTreeMap<Role, BTreeSet<String>> = BTreeMap::new();
    // Instances summarised in a role list (Pacemaker counts only those as active when it
    // decides whether to list the stopped nodes).
    let mut listed = 0usize;
    for &i in &rsc.children {
        let prims = view.primitives_of(i);
        let texts: Vec<PrimitiveText> = prims
            .iter()
            .map(|&m| primitive_text(view, m, p, revised))
            .collect();
        // (Pacemaker's "active" skips a clean offline node where a managed instance ran: an
        // instance left only there is neither listed nor stopped.)
        let active = |m: RscIdx, t: &PrimitiveText| {
            t.active()
                && (revised
                    || !t.managed
                    || p.get(&m).into_iter().flatten().any(|(n, _)| {
                        let (online, unclean) = shown_state(view, p, None, *n);
                        online || unclean
                    }))
        };
        if !prims.iter().zip(&texts).any(|(&m, t)| active(m, t)) {
            continue;
        }
        match summarised_location(&texts) {
            Some((node, role)) => {
                by_role.entry(role).or_default().insert(node);
                listed += 1;
            }
            // Printed in full: a failed, unmanaged or partial instance.
            None if view.resources[i].kind == Kind::Group => {
                let heading = group_heading(&view.resources[i].id, &group_flags(view, i));
                let _ = writeln!(out, "      * {heading}");
                for t in &texts {
                    let _ = writeln!(out, "        * {}", t.line(Nodes::Shown));
                }
            }
            None => {
                for t in &texts {
                    let _ = writeln!(out, "      * {}", t.line(Nodes::Shown));
                }
            }
        }
    }
    (by_role, listed)
}

/// "Promoted: [ ... ]", "Unpromoted: [ ... ]", "Started: [ ... ]" lines.
fn role_lines(by_role: &BTreeMap<Role, BTreeSet<String>>, out: &mut String) {
    for (role, label) in [
        (Role::Promoted, "Promoted"),
        (Role::Unpromoted, "Unpromoted"),
        (Role::Started, "Started"),
    ] {
        if let Some(nodes) = by_role.get(&role) {
            let mut nodes: Vec<String> = nodes.iter().cloned().collect();
            nodes.sort_by(|a, b| crate::unpack::cmp_node_names(a, b));
            let _ = writeln!(out, "      * {}", node_list_line(label, &nodes));
        }
    }
}

/// The nodes where the clone is stopped (`listed` instances were summarised as active).
fn stopped_node_lines(
    view: &ClusterView,
    c: RscIdx,
    p: &Placement,
    revised: bool,
    listed: usize,
    out: &mut String,
) {
    let cfg = view.resources[c].clone.clone().unwrap_or_default();
    let active_nodes = clone_running_on(view, c, p, revised);
    // (A bundle's guest nodes are never among a resource's allowed nodes: Pacemaker makes
    // them with discovery "never", which the symmetric default skips.)
    let stopped: Vec<(String, Option<String>)> = view
        .nodes
        .iter()
        .enumerate()
        .filter(|(n, _)| !active_nodes.contains(n))
        .filter(|(n, _)| crate::unpack::bundle::replica_on_node(view, *n).is_none())
        // (Nor is the node of an orphaned connection, made from the history after them.)
        .filter(|(_, node)| {
            !node
                .remote
                .as_ref()
                .and_then(|l| l.connection)
                .is_some_and(|c| view.resources[c].orphan)
        })
        .map(|(n, node)| (node.uname.clone(), clone_failed_probe(view, c, n)))
        .collect();
    let unlisted = cfg.max.saturating_sub(listed);
    for line in stopped_lines(clone_disabled(view, c), stopped, unlisted) {
        let _ = writeln!(out, "      * {line}");
    }
}

/// Why a clone is stopped on node `n` when a probe there found its agent unusable (Pacemaker
/// looks for the clone's failed probe on that node).
/// The nodes the clone counts as running on: where its instances are placed, an unmanaged
/// instance only where its node is online.
fn clone_running_on(
    view: &ClusterView,
    c: RscIdx,
    p: &Placement,
    revised: bool,
) -> BTreeSet<usize> {
    let mut nodes = BTreeSet::new();
    for m in view.primitives_of(c) {
        let t = primitive_text(view, m, p, revised);
        let unmanaged = !t.managed || t.maintenance;
        nodes.extend(
            p.get(&m)
                .into_iter()
                .flatten()
                .map(|(n, _)| *n)
                .filter(|&n| !unmanaged || view.nodes[n].online),
        );
    }
    nodes
}

fn clone_failed_probe(view: &ClusterView, c: RscIdx, n: usize) -> Option<String> {
    view.primitives_of(c).into_iter().find_map(|p| {
        view.resources[p]
            .node_state
            .get(&n)?
            .ops
            .iter()
            .find_map(|o| {
                (o.task == "monitor"
                    && o.interval_ms == 0
                    && o.failed
                    && (o.rc == 5 || o.rc == 2 || o.status == 7))
                    .then(|| vocab::ocf::ocf_text(o.rc).to_string())
            })
    })
}

fn status(view: &ClusterView, p: &Placement, fenced: Option<&BTreeSet<usize>>) -> String {
    let mut out = String::new();
    node_list(view, p, fenced, &mut out);
    out.push('\n');
    resources(view, p, fenced.is_some(), &mut out);
    out
}

/// A failure with `on-fail=block` (or a failed stop that cannot be fenced) froze the resource.
fn blocked(view: &ClusterView, r: RscIdx) -> bool {
    // A failure on a node that will be fenced does not block: fencing resolves it.
    view.resources[r].node_state.iter().any(|(n, st)| {
        st.failed && st.on_fail == crate::unpack::OnFail::Block && !view.nodes[*n].unclean
    }) || multiply_active_blocked(view, r)
        // (A stop that failed for good where nothing can fence blocks it too.)
        || view.resources[r].stop_unrecoverable
}

/// Active on several nodes with `multiple-active=block`: frozen where it is.
fn multiply_active_blocked(view: &ClusterView, r: RscIdx) -> bool {
    let rsc = &view.resources[r];
    rsc.meta("multiple-active") == Some("block") && rsc.running_nodes().len() > 1
}

/// "Current cluster status:" section (preceded by the disabled-resources note, if any).
pub fn current_status(s: &Schedule) -> String {
    let view = &s.view;
    let prims: Vec<RscIdx> = (0..view.resources.len())
        .filter(|&r| view.resources[r].kind == Kind::Primitive && !view.resources[r].orphan)
        .collect();
    let disabled_count = prims.iter().filter(|&&r| disabled(view, r)).count();
    let blocked_count = prims.iter().filter(|&&r| blocked(view, r)).count();
    let mut out = String::new();
    if view.config.maintenance_mode {
        out.push_str("\n              *** Resource management is DISABLED ***\n");
        out.push_str("  The cluster will not attempt to start, stop or recover services\n\n");
    }
    if disabled_count > 0 || blocked_count > 0 {
        let _ = writeln!(
            out,
            "{disabled_count} of {} resource instances DISABLED and {blocked_count} BLOCKED from further action due to failure\n",
            prims.len()
        );
    }
    let _ = write!(
        out,
        "Current cluster status:\n{}\n",
        status(view, &current_placement(view), None)
    );
    out
}

/// An unfencing ("stonith ... on") rather than a fencing.
pub(super) fn is_unfence(a: &crate::actions::Action) -> bool {
    a.meta.get("CRM_meta_stonith_action").map(String::as_str) == Some("on")
}

/// Pacemaker's failed flag is the resource's: failed on some node not being fenced.
pub(super) fn failed_somewhere(view: &ClusterView, r: usize) -> bool {
    view.resources[r]
        .node_state
        .iter()
        .any(|(m, st)| failure_shown(view, r, *m, st))
}

/// Whether `r`'s failure on node `n` counts as the resource's: a node being fenced for
/// another reason takes the failure with it, but a failure that itself fences the node
/// (`on-fail=fence`) stays the resource's, and so does a guest's container whose recovery
/// fences the guest.
pub(super) fn failure_shown(
    view: &ClusterView,
    r: RscIdx,
    n: usize,
    st: &crate::unpack::RscNodeState,
) -> bool {
    // (A failure recovered by restarting the container fails the resource even when it
    // counts as stopped.)
    let failed = st.failed || st.on_fail == crate::unpack::OnFail::RestartContainer;
    // (The resource whose failure fenced the node: the one its fencing reason names.)
    let rsc = &view.resources[r];
    let fenced_for_it = st.on_fail == crate::unpack::OnFail::Fence
        && view.nodes[n].unclean_reason == format!("{} failed there", rsc.id);
    failed && (!view.nodes[n].unclean || fenced_for_it || fences_guest(view, r))
}

/// Whether `r` is the container of a guest node that must be fenced: Pacemaker fences a
/// guest by marking its container failed (running or not).
fn fences_guest(view: &ClusterView, r: RscIdx) -> bool {
    view.nodes.iter().any(|g| {
        g.remote
            .as_ref()
            .is_some_and(|l| l.container == Some(r) && l.fenced_by_container)
    })
}

/// "Executing Cluster Transition:" and "Revised Cluster Status:" sections.
pub fn execution_and_revised(s: &Schedule) -> String {
    let view = &s.view;
    let t = &s.actions;
    let mut out = String::from("Executing Cluster Transition:\n");
    // Run the graph: each round executes every action whose inputs are done.
    let included: Vec<usize> = (0..t.list.len()).filter(|&i| in_graph(t, i)).collect();
    // The simulation follows the graph's own inputs.
    let inputs = crate::graph_build::graph_inputs(view, t);
    // The simulation walks the synapses in the graph's order again and again; an action
    // fired completes at once, so later synapses in the same walk may already use it.
    let order = crate::synapse_order::synapse_order(view, &s.assignment, t);
    let mut done = BTreeSet::new();
    while done.len() < included.len() {
        let mut fired = Vec::new();
        for &i in &order {
            if done.contains(&i) || !inputs[i].iter().all(|x| done.contains(x)) {
                continue;
            }
            done.insert(i);
            fired.push(i);
        }
        if fired.is_empty() {
            break;
        }
        for &i in &fired {
            let a = &t.list[i];
            let node = a
                .node
                .map(|n| view.nodes[n].uname.clone())
                .unwrap_or_default();
            match (a.kind, a.rsc) {
                // A guest's pseudo fencing names its node.
                (ActionKind::PseudoEvent, _) if a.task == "stonith" => {
                    let _ = writeln!(out, "  * Pseudo action:   {} on {node}", a.key);
                }
                (ActionKind::PseudoEvent, _) => {
                    let _ = writeln!(out, "  * Pseudo action:   {}", a.key);
                }
                (ActionKind::CrmEvent, _) if a.task == "stonith" => {
                    let how = if is_unfence(a) {
                        "on"
                    } else {
                        view.config.stonith_action.as_str()
                    };
                    let _ = writeln!(out, "  * Fencing {node} ({how})");
                }
                // A resource's cluster action (clear_failcount) names the resource as the
                // graph does.
                (ActionKind::CrmEvent, Some(r)) => {
                    let _ = writeln!(
                        out,
                        "  * Cluster action:  {} for {} on {}",
                        a.task,
                        crate::graph_build::primitive_names(view, r).0,
                        node
                    );
                }
                (ActionKind::CrmEvent, None) => {
                    let _ = writeln!(out, "  * Cluster action:  {} on {}", a.task, node);
                }
                (ActionKind::RscOp, Some(r)) => {
                    let task = if a.interval_ms > 0 {
                        format!(
                            "{}={}",
                            if a.task == "cancel" {
                                "cancel"
                            } else {
                                a.task.as_str()
                            },
                            a.interval_ms
                        )
                    } else {
                        a.task.clone()
                    };
                    let _ = writeln!(
                        out,
                        "  * Resource action: {:<15} {} on {}",
                        display_id(view, r),
                        task,
                        node
                    );
                }
                _ => {}
            }
        }
    }
    out.push('\n');
    let fenced = fenced_nodes(s);
    let _ = write!(
        out,
        "Revised Cluster Status:\n{}",
        status(view, &revised_placement(s), Some(&fenced))
    );
    out
}

/// The nodes the transition fences (unfencing aside).
pub fn fenced_nodes(s: &Schedule) -> BTreeSet<usize> {
    let t = &s.actions;
    t.list
        .iter()
        .enumerate()
        .filter(|(i, a)| a.task == "stonith" && !is_unfence(a) && in_graph(t, *i))
        .filter_map(|(_, a)| a.node)
        .collect()
}

/// Whether a node was unclean before scheduling (a node fenced for a lost ticket was not).
pub fn unclean_before(node: &crate::unpack::NodeInfo) -> bool {
    // A remote node's state may change with placement: show it as unpacked.
    if let Some(link) = &node.remote {
        return link.was_unclean;
    }
    node.unclean && node.unclean_reason != crate::constraints::TICKET_LOSS
}
