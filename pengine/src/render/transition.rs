//! crm_simulate's "Transition Summary:" section: fencing, unfencing, then one line per
//! primitive whose placement or role changes (or is blocked), in Pacemaker 2.1.5's order and
//! columns. Each resource's line is chosen by the shape of its change: from stopped, to
//! stopped, from one node to one node, or from several nodes.

use super::summary::{
    current_placement, display_order, failed_somewhere, failure_shown, is_unfence, placement_after,
    restart_verb, Placement,
};
use crate::graph_build::in_graph;
use crate::unpack::{ClusterView, Kind, Role, RscIdx};
use crate::Schedule;
use graph::ActionKind;
use std::fmt::Write;

/// A summary line's verb, details and reason.
type Line = (&'static str, String, String);

/// "Transition Summary:" section.
pub fn transition_summary(s: &Schedule) -> String {
    let mut out = String::from("Transition Summary:\n");
    fence_lines(s, &mut out);
    unfence_lines(s, &mut out);
    let pos = listing_positions(s);
    let (before, after) = (current_placement(&s.view), placement_after(s, false));
    let mut changes = Vec::new();
    for (r, rsc) in s.view.resources.iter().enumerate() {
        if rsc.kind != Kind::Primitive {
            continue;
        }
        for (verb, details, reason) in Plan::new(s, r, &before, &after).lines() {
            changes.push(Change {
                order: summary_order(&s.view, &pos, r),
                verb,
                rsc: rsc.id.clone(),
                details,
                reason,
            });
        }
    }
    changes.sort_by_key(|c| c.order);
    write_columns(&changes, &mut out);
    out.push('\n');
    out
}

/// Fencing, newest first (Pacemaker lists the reverse of the order the actions were made).
fn fence_lines(s: &Schedule, out: &mut String) {
    let (view, t) = (&s.view, &s.actions);
    for (i, a) in t.list.iter().enumerate().rev() {
        if a.task == "stonith" && in_graph(t, i) && !is_unfence(a) {
            if let Some(n) = a.node {
                let node = &view.nodes[n];
                // A guest is "fenced" by recovering its container.
                let guest = node
                    .remote
                    .as_ref()
                    .and_then(|l| l.container)
                    .filter(|_| a.kind == ActionKind::PseudoEvent);
                let (action, with, reason) = match guest {
                    Some(k) => (
                        a.meta
                            .get("CRM_meta_stonith_action")
                            .cloned()
                            .unwrap_or_default(),
                        format!(" (resource: {})", view.resources[k].id),
                        "guest is unclean",
                    ),
                    None => (
                        view.config.stonith_action.clone(),
                        String::new(),
                        node.unclean_reason.as_str(),
                    ),
                };
                let _ = writeln!(out, "  * Fence ({action}) {}{with} '{reason}'", node.uname);
            }
        }
    }
}

/// Unfencing follows, with the action that needs it.
fn unfence_lines(s: &Schedule, out: &mut String) {
    let (view, t) = (&s.view, &s.actions);
    for (i, a) in t.list.iter().enumerate().rev() {
        if a.task == "stonith" && in_graph(t, i) && is_unfence(a) {
            if let Some(n) = a.node {
                let _ = writeln!(
                    out,
                    "  * Fence (on) {} '{}'",
                    view.nodes[n].uname,
                    a.reason.as_deref().unwrap_or_default()
                );
            }
        }
    }
}

/// Each resource's position in the listing: Pacemaker lists the changes walking its resource
/// list as placement sorted it (anything placement did not walk follows in display order).
fn listing_positions(s: &Schedule) -> Vec<usize> {
    let mut pos = vec![0; s.view.resources.len()];
    let mut listed = s.assignment.order.clone();
    listed.extend(display_order(&s.view));
    for (i, &r) in listed.iter().enumerate().rev() {
        pos[r] = i;
    }
    pos
}

/// Pacemaker widens its columns item by item (from 5): an id longer than the column makes it
/// that id's length plus 2, a longer detail its length. It lists the actions once before
/// printing them, so every line gets the final widths.
fn write_columns(changes: &[Change], out: &mut String) {
    let (mut rsc_width, mut detail_width) = (5, 5);
    for c in changes {
        if c.rsc.len() > rsc_width {
            rsc_width = c.rsc.len() + 2;
        }
        detail_width = detail_width.max(c.details.len());
    }
    for c in changes {
        let _ = writeln!(
            out,
            "  * {:<8}   {:<rw$}   ( {:>dw$} ){}",
            c.verb,
            c.rsc,
            c.details,
            c.reason,
            rw = rsc_width,
            dw = detail_width
        );
    }
}

/// What the summary needs to know of one primitive's plan: where it runs now and after, and
/// what the transition does to it.
struct Plan<'a> {
    s: &'a Schedule,
    r: RscIdx,
    before: Vec<(usize, Role)>,
    after: Vec<(usize, Role)>,
    restarted: bool,
    migrated: bool,
    reloaded: bool,
    /// Placed, running nowhere, and not starting.
    blocked_start: bool,
    /// Why the start cannot happen, when an ordering says so (Pacemaker names that rather
    /// than node availability).
    start_reason: Option<String>,
    stop_reason: Option<String>,
}

impl<'a> Plan<'a> {
    fn new(s: &'a Schedule, r: RscIdx, now: &Placement, next: &Placement) -> Self {
        let (view, t) = (&s.view, &s.actions);
        let rsc = &view.resources[r];
        let before = now.get(&r).cloned().unwrap_or_default();
        let after = next.get(&r).cloned().unwrap_or_default();
        let acts: Vec<&str> = t
            .of(r, "stop")
            .iter()
            .chain(t.of(r, "start").iter())
            .filter(|&&x| in_graph(t, x))
            .map(|&x| t.list[x].task.as_str())
            .collect();
        // (An instance an interleaved ordering inhibited is placed nowhere, as Pacemaker
        // unassigns it.)
        let inhibited =
            t.inhibited.contains(&r) || rsc.parent.is_some_and(|p| t.inhibited.contains(&p));
        let blocked_start =
            s.assignment.node[r].is_some() && !inhibited && before.is_empty() && after.is_empty();
        Plan {
            s,
            r,
            restarted: acts.contains(&"stop") && acts.contains(&"start"),
            migrated: t.of(r, "migrate_to").iter().any(|&x| in_graph(t, x)),
            reloaded: t.of(r, "reload-agent").iter().any(|&x| in_graph(t, x)),
            blocked_start,
            start_reason: t
                .of(r, "start")
                .iter()
                .find_map(|&x| t.list[x].reason.clone()),
            stop_reason: t
                .of(r, "stop")
                .iter()
                .filter(|&&x| in_graph(t, x))
                .find_map(|&x| t.list[x].reason.clone()),
            before,
            after,
        }
    }

    fn name(&self, n: usize) -> String {
        self.s.view.nodes[n].uname.clone()
    }

    fn due_to(why: &Option<String>) -> String {
        why.as_deref()
            .map(|why| format!("  due to {why}"))
            .unwrap_or_default()
    }

    /// The resource's summary lines (none when nothing changes).
    fn lines(&self) -> Vec<Line> {
        // (Pacemaker leaves an unmanaged resource out, whatever would happen to it; all are
        // unmanaged when fencing is enabled without a device.)
        if !self.s.view.resources[self.r].managed() {
            return Vec::new();
        }
        match (self.before.len(), self.after.len()) {
            (0, _) => self.starting_from_stopped().into_iter().collect(),
            (_, 0) => self.to_stopped(),
            (1, 1) => self.one_to_one().into_iter().collect(),
            (_, 1) => self.leaving_several_nodes().into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Nothing runs now: a start or promotion (maybe blocked), or a restart where Pacemaker
    /// still lists it stopped.
    fn starting_from_stopped(&self) -> Option<Line> {
        let (s, r) = (self.s, self.r);
        let rsc = &s.view.resources[r];
        let t = &s.actions;
        match self.after.as_slice() {
            // Placed to be promoted: the promotion is what is blocked, for its own reason.
            [] if self.blocked_start && s.assignment.role[r] == Role::Promoted => Some((
                "Promote",
                format!(
                    "Stopped -> Promoted {}",
                    s.assignment.node[r]
                        .map(|n| self.name(n))
                        .unwrap_or_default()
                ),
                match t
                    .of(r, "promote")
                    .iter()
                    .find_map(|&x| t.list[x].reason.clone())
                {
                    Some(why) => format!("  due to {why} (blocked)"),
                    None => "  blocked".to_string(),
                },
            )),
            [] if self.blocked_start => Some((
                "Start",
                s.assignment.node[r]
                    .map(|n| self.name(n))
                    .unwrap_or_default(),
                match &self.start_reason {
                    Some(why) => format!("  due to {why} (blocked)"),
                    None => "  blocked".to_string(),
                },
            )),
            // (Where Pacemaker still lists it, stopped, the start is a restart.)
            [(n, _)] if rsc.stopped_listed_on == Some(*n) => {
                Some(("Restart", self.name(*n), Self::due_to(&self.start_reason)))
            }
            [(n, role)] => Some(if *role == Role::Promoted {
                (
                    "Promote",
                    format!("Stopped -> Promoted {}", self.name(*n)),
                    String::new(),
                )
            } else if let Some(why) = blocked_promote(s, r) {
                // Placed to be promoted, but only the start can happen.
                (
                    "Promote",
                    format!("Stopped -> Promoted {}", self.name(*n)),
                    format!("  due to {why} (blocked)"),
                )
            } else {
                ("Start", self.name(*n), String::new())
            }),
            _ => None,
        }
    }

    /// Nothing runs after: a stop (one line per node when it is active on several).
    fn to_stopped(&self) -> Vec<Line> {
        let (s, r) = (self.s, self.r);
        let view = &s.view;
        match self.before.as_slice() {
            [(n, role)] => {
                let details = stop_details(view, r, *role, self.name(*n));
                // A resource placed nowhere stops for node availability; one placed but
                // unable to start says why (its stop's reason, else its start's), if any.
                let why = if s.assignment.node[r].is_none() {
                    Some("node availability")
                } else {
                    self.stop_reason.as_deref().or(self.start_reason.as_deref())
                };
                let why = why.map(|w| format!("  due to {w}")).unwrap_or_default();
                vec![("Stop", details, why)]
            }
            // (Each names the resource's role when it is promoted or unpromoted.)
            b => {
                let role = b.iter().map(|(_, x)| *x).max().unwrap_or(Role::Started);
                let at = |n: usize| match role {
                    Role::Promoted | Role::Unpromoted => {
                        format!("{} {}", role.name(), self.name(n))
                    }
                    _ => self.name(n),
                };
                b.iter()
                    .map(|(n, _)| ("Stop", at(*n), "  due to node availability".into()))
                    .collect()
            }
        }
    }

    /// On one node before and after: a reload, move, restart, role change, or a stop that
    /// cannot happen.
    fn one_to_one(&self) -> Option<Line> {
        let (s, r) = (self.s, self.r);
        let view = &s.view;
        let rsc = &view.resources[r];
        let ((n, r1), (m, r2)) = (self.before[0], self.after[0]);
        if n == m && self.reloaded && !self.restarted {
            return Some(("Reload", self.name(n), String::new()));
        }
        if n != m {
            // A failure on a node being fenced is the node's, not the resource's: a move.
            let failed = rsc
                .node_state
                .get(&n)
                .is_some_and(|st| failure_shown(view, r, n, st));
            let verb = if self.migrated {
                "Migrate"
            } else if failed {
                "Recover"
            } else {
                "Move"
            };
            // Why, when an ordering says so: a migration's start's reason, a move's (or
            // recovery's) stop's, as Pacemaker picks them.
            let why = if self.migrated {
                &self.start_reason
            } else {
                &self.stop_reason
            };
            let details = moved_details(view, r, (self.name(n), r1), (self.name(m), r2));
            return Some((verb, details, Self::due_to(why)));
        }
        // A promotable instance restarted in place says its roles.
        if self.restarted && promotable_instance(view, r) {
            let role = |x: Role| match x {
                Role::Promoted => "Promoted",
                _ => "Unpromoted",
            };
            let roles = if role(r1) == role(r2) {
                role(r1).to_string()
            } else {
                format!("{} -> {}", role(r1), role(r2))
            };
            let verb = if failed_somewhere(view, r) {
                "Recover"
            } else {
                "Restart"
            };
            let details = format!("{roles} {}", self.name(n));
            return Some((verb, details, Self::due_to(&self.start_reason)));
        }
        if r1 != r2 && r2 == Role::Promoted {
            let from = if r1 == Role::Started {
                "Unpromoted"
            } else {
                r1.name()
            };
            let details = format!("{from} -> Promoted {}", self.name(n));
            return Some(("Promote", details, String::new()));
        }
        if r1 != r2 && r1 == Role::Promoted {
            let details = format!("Promoted -> Unpromoted {}", self.name(n));
            return Some(("Demote", details, String::new()));
        }
        if self.restarted {
            let why = Self::due_to(&self.start_reason);
            return Some((restart_verb(view, r), self.name(n), why));
        }
        self.blocked_stop(n, r1)
    }

    /// Staying on node `n` or leaving it, but its stop there cannot run, so neither happens.
    fn blocked_stop(&self, n: usize, role: Role) -> Option<Line> {
        let (s, r) = (self.s, self.r);
        let (view, t) = (&s.view, &s.actions);
        let rsc = &view.resources[r];
        let stop_here = |x: &usize| t.list[*x].node == Some(n);
        let no_start = t.of(r, "start").iter().all(|&x| !t.list[x].runnable);
        let details = || stop_details(view, r, role, self.name(n));
        let blocked = |why: Option<String>| {
            why.map_or_else(|| "  blocked".into(), |w| format!("  due to {w} (blocked)"))
        };
        // Staying, but it must stop first and cannot (a blocked action before its stop).
        // (The stop's reason, else the start's, names why.)
        if s.assignment.node[r] == Some(n)
            && rsc.managed()
            && !s.assignment.frozen[r]
            && t.of(r, "stop")
                .iter()
                .any(|x| stop_here(x) && !t.list[*x].optional && !t.list[*x].runnable)
            && no_start
        {
            let why = t
                .of(r, "stop")
                .iter()
                .find_map(|&x| t.list[x].reason.clone())
                .or(self.start_reason.clone());
            return Some(("Stop", details(), blocked(why)));
        }
        let stop_blocked = t
            .of(r, "stop")
            .iter()
            .any(|x| stop_here(x) && !t.list[*x].runnable);
        // Placed elsewhere, but the stop here cannot run, so neither can the start there:
        // Pacemaker names the stop (its reason, else the start's).
        if rsc.managed() && s.assignment.node[r].is_some_and(|x| x != n) && stop_blocked && no_start
        {
            let why = t
                .of(r, "stop")
                .into_iter()
                .find(stop_here)
                .and_then(|x| t.list[x].reason.clone())
                .or(self.start_reason.clone());
            return Some(("Stop", details(), blocked(why)));
        }
        // Placed nowhere but its stop cannot run (it waits for a blocked action).
        if s.assignment.node[r].is_none() && stop_blocked {
            let why = "  due to node availability (blocked)".to_string();
            return Some(("Stop", details(), why));
        }
        None
    }

    /// Active on several nodes and on one after: a completed partial migration, a restart on
    /// one of them, or a move from the first of them.
    fn leaving_several_nodes(&self) -> Option<Line> {
        let (s, r) = (self.s, self.r);
        let (view, t) = (&s.view, &s.actions);
        let rsc = &view.resources[r];
        let b = &self.before;
        let (m, r2) = self.after[0];
        // A partial migration completed: from its source to the target it reached.
        let completed = t
            .of(r, "migrate_from")
            .iter()
            .any(|&x| in_graph(t, x) && t.list[x].node == Some(m));
        let source = rsc.node_state.get(&m).and_then(|st| st.migrating_from);
        if let (2, true, Some(src)) = (b.len(), completed, source) {
            let r1 = b.iter().find(|(n, _)| *n == src).map_or(r2, |(_, x)| *x);
            let details = moved_details(view, r, (self.name(src), r1), (self.name(m), r2));
            return Some(("Migrate", details, Self::due_to(&self.start_reason)));
        }
        // Stopped everywhere and started on one of them: a recovery names its stop's reason,
        // a restart its start's.
        if self.restarted && b.iter().any(|(n, _)| *n == m) {
            let verb = restart_verb(view, r);
            let why = if verb == "Recover" {
                &self.stop_reason
            } else {
                &self.start_reason
            };
            return Some((verb, self.name(m), Self::due_to(why)));
        }
        // Started on another: Pacemaker names the move from the first of them.
        if b.iter().all(|(x, _)| *x != m) {
            let (n, r1) = b[0];
            let verb = if failed_somewhere(view, r) {
                "Recover"
            } else {
                "Move"
            };
            let details = moved_details(view, r, (self.name(n), r1), (self.name(m), r2));
            return Some((verb, details, Self::due_to(&self.stop_reason)));
        }
        None
    }
}

struct Change {
    /// Position of its top-level resource in the listing order (then, in a bundle, its
    /// replica and its part of it).
    order: (usize, usize, u8),
    verb: &'static str,
    rsc: String,
    details: String,
    reason: String,
}

/// Where a resource's change is listed: after its top-level resource's position; a bundle
/// lists replica by replica, each's IP, container, connection, then instance.
fn summary_order(view: &ClusterView, pos: &[usize], r: RscIdx) -> (usize, usize, u8) {
    let Some((b, rep)) = crate::unpack::bundle::replica_of(view, r) else {
        return (pos[view.top_of(r)], 0, 0);
    };
    let i = b
        .replicas
        .iter()
        .position(|x| std::ptr::eq(x, rep))
        .unwrap_or(0);
    let part = if rep.ip == Some(r) {
        0
    } else if rep.container == r {
        1
    } else if rep.remote == Some(r) {
        2
    } else {
        3
    };
    (pos[b.rsc], i, part)
}

/// A move's details as Pacemaker writes them: with the roles when the instance is (or
/// becomes) unpromoted or promoted, the role once when it does not change.
fn moved_details(view: &ClusterView, r: usize, from: (String, Role), to: (String, Role)) -> String {
    let promotable = promotable_instance(view, r);
    let role = |x: Role| match x {
        Role::Started if promotable => Role::Unpromoted,
        other => other,
    };
    let (r1, r2) = (role(from.1), role(to.1));
    let need_role = matches!(r1, Role::Unpromoted | Role::Promoted) || r2 == Role::Promoted;
    match (need_role, r1 == r2) {
        (true, true) => format!("{} -> {} {}", from.0, to.0, r1.name()),
        (true, false) => format!("{} {} -> {} {}", r1.name(), from.0, r2.name(), to.0),
        _ => format!("{} -> {}", from.0, to.0),
    }
}

/// A stop's details: instances of a promotable clone say which role they stop from (so
/// does anything that stops from the promoted role, an orphan too).
fn stop_details(view: &ClusterView, r: RscIdx, role: Role, node: String) -> String {
    match role {
        Role::Promoted => format!("Promoted {node}"),
        _ if promotable_instance(view, r) => format!("Unpromoted {node}"),
        _ => node,
    }
}

/// Whether `r` is an instance of a promotable clone.
fn promotable_instance(view: &ClusterView, r: usize) -> bool {
    view.resources[view.top_of(r)]
        .clone
        .as_ref()
        .is_some_and(|c| c.promotable)
}

/// Why `r`, assigned the promoted role, cannot be promoted: its promote exists on a node but
/// cannot run.
fn blocked_promote(s: &Schedule, r: usize) -> Option<String> {
    let t = &s.actions;
    if s.assignment.role[r] != Role::Promoted {
        return None;
    }
    t.of(r, "promote")
        .into_iter()
        .find(|&x| t.list[x].node.is_some() && !t.list[x].runnable)
        .and_then(|x| t.list[x].reason.clone())
}
