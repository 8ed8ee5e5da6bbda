//! `-O/--list-operations` and `-o/--list-all-operations`: the operation history recorded in
//! the status section, per node in status order and by call id, as Pacemaker 2.1.5 lists it
//! (`--list-operations` keeps only the operations since the resource last started).

use super::bundle_parts::{self, Part};
use super::cluster::{ClusterError, Ctx, Reply};
use super::listing;
use super::output::escape;
use super::snapshot::Snapshot;
use cib::xml::Element;

/// One recorded operation with the node it ran on.
struct Op<'a> {
    node: &'a str,
    rsc: &'a str,
    xml: &'a Element,
}

fn attr<'a>(e: &'a Element, name: &str) -> &'a str {
    e.attr(name).unwrap_or("")
}

fn call_id(e: &Element) -> i64 {
    attr(e, "call-id").parse().unwrap_or(-1)
}

/// Pacemaker's `calculate_active_ops` + `extract_operations`: the operations after the last
/// start (or the first monitor that found it running), none when it stopped since.
fn active_only(ops: Vec<&Element>) -> Vec<&Element> {
    let (mut start, mut stop) = (-1i64, -1i64);
    let (mut implied_monitor, mut implied_clone) = (-1i64, -1i64);
    for (i, op) in ops.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(i64::MAX);
        let task = attr(op, "operation");
        if task.eq_ignore_ascii_case("stop") && attr(op, "op-status") == "0" {
            stop = i;
        } else if task.eq_ignore_ascii_case("start") || task.eq_ignore_ascii_case("migrate_from") {
            start = i;
        } else if implied_monitor <= stop && task.eq_ignore_ascii_case("monitor") {
            if matches!(attr(op, "rc-code"), "0" | "8") {
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
) -> Vec<Op<'a>> {
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
) -> Vec<Op<'a>> {
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
            let mut ops: Vec<&Element> = lrm_rsc.children_named("lrm_rsc_op").collect();
            ops.sort_by_key(|op| call_id(op));
            if active {
                ops = active_only(ops);
            }
            out.extend(ops.into_iter().map(|xml| Op {
                node: uname,
                rsc: id,
                xml,
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

/// Whether the history says `rsc` runs (on `node`, or anywhere): its last start, stop or
/// monitor left it running.
fn runs(snap: &Snapshot, rsc: &str, node: Option<&str>) -> bool {
    find_on(snap, Some(rsc), node, false, node.is_some())
        .into_iter()
        .filter(|op| op.rsc == rsc)
        .fold(std::collections::BTreeMap::new(), |mut last, op| {
            let task = attr(op.xml, "operation");
            let rc = attr(op.xml, "rc-code");
            let state = match task {
                "start" | "migrate_from" | "promote" | "demote" if rc == "0" => Some(true),
                "stop" | "migrate_to" if rc == "0" => Some(false),
                "monitor" => Some(matches!(rc, "0" | "8")),
                _ => None,
            };
            if let Some(s) = state {
                last.insert(op.node, s);
            }
            last
        })
        .values()
        .any(|running| *running)
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
        let key = op
            .xml
            .attr("operation_key")
            .or_else(|| op.xml.id())
            .unwrap_or("");
        let status = vocab::ocf::exec_status_text(attr(op.xml, "op-status").parse().unwrap_or(0));
        let changed = op
            .xml
            .attr("last-rc-change")
            .and_then(|t| t.parse::<i64>().ok())
            .map(vocab::datetime::ctime);
        let exec = attr(op.xml, "exec-time");
        let change_text = changed
            .as_ref()
            .map(|c| format!(", last-rc-change='{c}', exec={exec}ms"))
            .unwrap_or_default();
        reply.info(format!(
            "{label}: {key} (node={}, call={}, rc={}{change_text}): {status}",
            op.node,
            attr(op.xml, "call-id"),
            attr(op.xml, "rc-code")
        ));
        xml.push_str(&format!(
            "    <operation op=\"{}\" node=\"{}\" call=\"{}\" rc=\"{}\" status=\"{status}\"",
            escape(key),
            escape(op.node),
            escape(attr(op.xml, "call-id")),
            escape(attr(op.xml, "rc-code"))
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
                escape(exec)
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
