//! `-O/--list-operations` and `-o/--list-all-operations`: the operation history recorded in
//! the status section, per node in status order and by call id, as Pacemaker 2.1.5 lists it
//! (`--list-operations` keeps only the operations since the resource last started).

use super::bundle_parts::{self, Part};
use super::cluster::{ClusterError, Ctx, Reply};
use super::listing;
use super::output::escape;
use super::snapshot::Snapshot;
use cib::history::{self, Defaults, OpRecord};
use cib::xml::Element;

/// One recorded operation with the node it ran on.
struct Placed<'a> {
    node: &'a str,
    rsc: &'a str,
    op: OpRecord,
}

fn attr<'a>(e: &'a Element, name: &str) -> &'a str {
    e.attr(name).unwrap_or("")
}

/// Pacemaker's `calculate_active_ops` + `extract_operations`: the operations after the last
/// start (or the first monitor that found it running), none when it stopped since.
fn active_only(ops: Vec<OpRecord>) -> Vec<OpRecord> {
    let (mut start, mut stop) = (-1i64, -1i64);
    let (mut implied_monitor, mut implied_clone) = (-1i64, -1i64);
    for (i, op) in ops.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(i64::MAX);
        let task = op.task.as_str();
        if task.eq_ignore_ascii_case("stop") && op.status == 0 {
            stop = i;
        } else if task.eq_ignore_ascii_case("start") || task.eq_ignore_ascii_case("migrate_from") {
            start = i;
        } else if implied_monitor <= stop && task.eq_ignore_ascii_case("monitor") {
            if matches!(op.rc, 0 | 8) {
                implied_monitor = i;
            }
        } else if task.eq_ignore_ascii_case("promote") || task.eq_ignore_ascii_case("demote") {
            implied_clone = i;
        }
    }
    if start == -1 {
        start = if implied_clone != -1 {
            implied_clone
        } else {
            implied_monitor
        };
    }
    if start < stop {
        return Vec::new();
    }
    ops.into_iter()
        .enumerate()
        .filter(|(i, _)| i64::try_from(*i).unwrap_or(i64::MAX) >= start)
        .map(|(_, op)| op)
        .collect()
}

/// Every recorded operation of `rsc` (all when `None`) on `node` (all when `None`).
fn find<'a>(
    snap: &'a Snapshot,
    rsc: Option<&str>,
    node: Option<&str>,
    active: bool,
) -> Vec<Placed<'a>> {
    find_on(snap, rsc, node, active, true)
}

/// As [`find`]; `with_guests` false leaves out bundles' guest nodes (where no container
/// runs, so asking whether a container runs needs no guest node).
fn find_on<'a>(
    snap: &'a Snapshot,
    rsc: Option<&str>,
    node: Option<&str>,
    active: bool,
    with_guests: bool,
) -> Vec<Placed<'a>> {
    let mut out = Vec::new();
    let Some(status) = snap.cib.child("status") else {
        return out;
    };
    let guests = bundle_parts::guest_nodes(&snap.cib);
    for state in status.children_named("node_state") {
        let uname = attr(state, "uname");
        if node.is_some_and(|n| !n.eq_ignore_ascii_case(uname)) {
            continue;
        }
        let online = match snap.node(uname) {
            Some(n) => snap.view.nodes[n].online,
            // A bundle's guest node is up while its container runs.
            None if !with_guests => continue,
            None => match guests.iter().find(|(g, _)| g == uname) {
                Some((_, container)) => runs(snap, container, None),
                None => continue,
            },
        };
        if !online && !snap.view.config.stonith_enabled {
            continue;
        }
        let Some(rscs) = state.child("lrm").and_then(|l| l.child("lrm_resources")) else {
            continue;
        };
        for lrm_rsc in rscs.children_named("lrm_resource") {
            let id = attr(lrm_rsc, "id");
            if rsc.is_some_and(|r| !r.eq_ignore_ascii_case(id)) {
                continue;
            }
            // By call id, unrecorded and pending ones first, as Pacemaker lists them.
            let mut ops: Vec<OpRecord> = history::records(lrm_rsc).collect();
            ops.sort_by_key(|op| op.call_id);
            if active {
                ops = active_only(ops);
            }
            out.extend(ops.into_iter().map(|op| Placed {
                node: uname,
                rsc: id,
                op,
            }));
        }
    }
    out
}

/// A bundle part's label: its id, agent and whether it runs (the bundled primitive: on the
/// guest node the operation ran on).
fn part_label(snap: &Snapshot, p: &Part, node: &str) -> String {
    let on = p.inside.then_some(node);
    let state = if runs(snap, &p.id, on) {
        "Started"
    } else {
        "Stopped"
    };
    let agent = p.agent.replace("::", ":");
    format!("{}\t({agent}):\t {state}", p.id)
}

/// Whether the history says `rsc` runs (on `node`, or anywhere), by the one replay under
/// Pacemaker's default reactions.
fn runs(snap: &Snapshot, rsc: &str, node: Option<&str>) -> bool {
    let mut by_node: std::collections::BTreeMap<&str, Vec<OpRecord>> = Default::default();
    for op in find_on(snap, Some(rsc), node, false, node.is_some()) {
        if op.rsc == rsc {
            by_node.entry(op.node).or_default().push(op.op);
        }
    }
    let fencing = snap.view.config.stonith_enabled;
    by_node.into_values().any(|mut ops| {
        history::in_call_order(&mut ops);
        history::replay(&mut Defaults { fencing }, ops)
            .role
            .is_active()
    })
}

/// `-O` (`active`) / `-o` `[-r RSC] [-N NODE]`.
pub fn list(ctx: &mut Ctx<'_>, active: bool) -> Result<Reply, ClusterError> {
    let snap = ctx.snapshot()?;
    let rsc = ctx.opts.resource.clone();
    let node = ctx.opts.node.clone();
    let mut reply = Reply::default();
    let mut xml = String::new();
    let parts = bundle_parts::parts(&snap.cib);
    for op in find(&snap, rsc.as_deref(), node.as_deref(), active) {
        let found = snap.find(op.rsc);
        let part = found
            .is_none()
            .then(|| parts.iter().find(|p| p.id == op.rsc))
            .flatten();
        let (label, agent) = match (found, part) {
            (Some(r), _) => (
                listing::primitive_label(&snap, r),
                listing::agent_spec(&snap, r),
            ),
            (None, Some(p)) => (part_label(&snap, p, op.node), p.agent.clone()),
            (None, None) => (format!("Unknown resource {}", op.rsc), String::new()),
        };
        let rec = &op.op;
        let key = rec.key.as_str();
        let status = vocab::ocf::exec_status_text(rec.status);
        let changed = rec.last_rc_change.map(vocab::datetime::ctime);
        // Printed as recorded: nothing when the record has no exec-time.
        let exec = rec.exec_ms.map(|ms| ms.to_string()).unwrap_or_default();
        let change_text = changed
            .as_ref()
            .map(|c| format!(", last-rc-change='{c}', exec={exec}ms"))
            .unwrap_or_default();
        reply.info(format!(
            "{label}: {key} (node={}, call={}, rc={}{change_text}): {status}",
            op.node, rec.call_id, rec.rc
        ));
        xml.push_str(&format!(
            "    <operation op=\"{}\" node=\"{}\" call=\"{}\" rc=\"{}\" status=\"{status}\"",
            escape(key),
            escape(op.node),
            rec.call_id,
            rec.rc
        ));
        if found.is_some() || part.is_some() {
            xml.push_str(&format!(
                " rsc=\"{}\" agent=\"{}\"",
                escape(op.rsc),
                escape(&agent)
            ));
        }
        if let Some(c) = &changed {
            xml.push_str(&format!(
                " last-rc-change=\"{}\" exec-time=\"{}\"",
                escape(c),
                exec
            ));
        }
        xml.push_str("/>\n");
    }
    reply.xml = if xml.is_empty() {
        String::new()
    } else {
        format!("  <operations>\n{xml}  </operations>\n")
    };
    Ok(reply)
}
