//! Stage 5: propagation over the ordering edges until nothing changes: required-ness flows
//! along implies-then (forward) and implies-first (backward) edges, unrunnability along
//! runnable-left edges. A worklist keeps it linear in the number of edges touched.

use crate::actions::{flags::*, ActionTable, Edge};
use crate::unpack::ClusterView;
use std::collections::VecDeque;

/// Pacemaker's reason text for an action made unrunnable (or required) by `first`: the
/// resource and task, or the key of an action without a resource. (Pacemaker gives no reason
/// when both actions are of the same resource.)
fn because(t: &ActionTable, view: &ClusterView, what: &str, first: usize) -> String {
    let a = &t.list[first];
    match a.rsc {
        // (An ordering after a clone that notifies waits for its notifications to be
        // confirmed: Pacemaker names that action's task.)
        Some(r)
            if matches!(
                a.task.as_str(),
                "running" | "stopped" | "promoted" | "demoted"
            ) && view.resources[r].clone.as_ref().is_some_and(|c| c.notify) =>
        {
            format!("{what} {} notified", view.resources[r].id)
        }
        Some(r) => format!("{what} {} {}", view.resources[r].id, a.task),
        // (A cluster event's task is not its key: "stonith", "do_shutdown".)
        None if a.kind == graph::ActionKind::CrmEvent => format!("{what} {}", a.task),
        None => format!("{what} {}", a.key),
    }
}

/// A clone's action, seen from an ordering with an action on `node`, is required only if one
/// of its instances' actions on that node is (Pacemaker judges clone actions in orderings per
/// node); any other action is judged as a whole.
fn clone_action_required_on(
    t: &ActionTable,
    view: &ClusterView,
    i: usize,
    node: Option<crate::unpack::NodeIdx>,
) -> bool {
    let a = &t.list[i];
    let (Some(r), Some(n)) = (a.rsc, node) else {
        return true;
    };
    if view.resources[r].kind != crate::unpack::Kind::Clone || a.node.is_some() {
        return true;
    }
    // (A completed pseudo action stands for its instances' action.)
    let task = match a.task.as_str() {
        "running" => "start",
        "stopped" => "stop",
        "promoted" => "promote",
        "demoted" => "demote",
        other => other,
    };
    view.primitives_of(r).into_iter().any(|p| {
        t.of(p, task)
            .into_iter()
            .any(|x| t.list[x].node == Some(n) && !t.list[x].optional)
    })
}

/// A collective's "completed" pseudo action (stopped, running, ...): required only through
/// its members' actions (Pacemaker judges it by their flags), never by what follows it.
fn is_completion(a: &crate::actions::Action) -> bool {
    a.kind == graph::ActionKind::PseudoEvent
        && a.rsc.is_some()
        && matches!(
            a.task.as_str(),
            "stopped" | "running" | "demoted" | "promoted"
        )
}

/// Whether one of these inputs that Pacemaker orders after the restart ordering (see
/// [`AFTER_RESTART`]) makes the action unrunnable.
fn blocked_after_restart(t: &ActionTable, inputs: &[usize]) -> bool {
    inputs.iter().any(|&x| {
        let e = &t.edges[x];
        e.flags & AFTER_RESTART != 0 && e.flags & RUNNABLE_LEFT != 0 && !t.list[e.first].runnable
    })
}

/// An optional start of a resource that already runs (only) on the start's node: an
/// asymmetric ordering leaves it alone.
fn started_where_it_runs(t: &ActionTable, view: &ClusterView, i: usize) -> bool {
    let a = &t.list[i];
    let (Some(r), Some(n)) = (a.rsc, a.node) else {
        return false;
    };
    a.task == "start" && a.optional && view.running_on(r) == [n]
}

/// Propagates required and runnable flags to a fixed point.
pub fn propagate(t: &mut ActionTable, view: &ClusterView) {
    let n = t.list.len();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut in_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in t.edges.iter().enumerate() {
        out_edges[e.first].push(i);
        in_edges[e.then].push(i);
    }
    let before: Vec<Before> = t
        .list
        .iter()
        .enumerate()
        .map(|(i, a)| Before {
            optional: a.optional,
            runnable: a.runnable,
            // (A reason an ordering gave in an earlier propagation may be restated.)
            had_reason: a.reason.is_some() && !t.ordering_reasons.contains(&i),
        })
        .collect();
    to_fixed_point(t, view, &in_edges, &out_edges);
    restate_reasons(t, view, &before, &in_edges, &out_edges);
}

/// An action's flags before a propagation.
struct Before {
    optional: bool,
    runnable: bool,
    had_reason: bool,
}

/// Pacemaker checks an ordering's "first is required" before its "first cannot run": an
/// action made both required and unrunnable through one ordering is named "required" by
/// it. The worklist may make it unrunnable before that first becomes required, or required
/// through its own resource's ordering first (which names nothing), so such a reason is
/// restated from the final flags.
fn restate_reasons(
    t: &mut ActionTable,
    view: &ClusterView,
    before: &[Before],
    in_edges: &[Vec<usize>],
    out_edges: &[Vec<usize>],
) {
    let original: Vec<Option<String>> = t.list.iter().map(|a| a.reason.clone()).collect();
    for (i, b) in before.iter().enumerate() {
        if b.had_reason {
            continue;
        }
        let said = t.list[i].reason.clone();
        let said = said.as_deref();
        let cx = Restating {
            t,
            view,
            before,
            in_edges,
            out_edges,
            original: &original,
        };
        let why = cx
            .required_by_first(i, said)
            .or_else(|| cx.required_by_stop_before(i, said))
            .or_else(|| cx.blocked_by_root(i, said))
            .or_else(|| cx.blocked_by_collective_first(i, said))
            .or_else(|| cx.blocked_from_outset(i, said))
            .or_else(|| cx.required_from_outset(i, said))
            .or_else(|| cx.required_like_member_before(i, said));
        if let Some(why) = why {
            t.list[i].reason = Some(why);
            t.ordering_reasons.insert(i);
        }
    }
}

/// What restating an action's reason looks at: the final flags, the flags before the
/// propagation, the edges, and the reasons as the worklist left them.
struct Restating<'x> {
    t: &'x ActionTable,
    view: &'x ClusterView,
    before: &'x [Before],
    in_edges: &'x [Vec<usize>],
    out_edges: &'x [Vec<usize>],
    original: &'x [Option<String>],
}

impl Restating<'_> {
    fn became_required(&self, i: usize) -> bool {
        self.before[i].optional && !self.t.list[i].optional
    }

    fn became_unrunnable(&self, i: usize) -> bool {
        self.before[i].runnable && !self.t.list[i].runnable
    }

    fn because(&self, what: &str, first: usize) -> String {
        because(self.t, self.view, what, first)
    }

    /// Whether `said` names the first of an ordering into action `i` created before
    /// ordering `x`.
    fn named_earlier(&self, i: usize, x: usize, said: &str) -> bool {
        self.in_edges[i]
            .iter()
            .any(|&y| y < x && self.because("unrunnable", self.t.edges[y].first) == said)
    }

    /// Made required (without a reason, by its own resource's ordering, or named
    /// unrunnable by a first) while another resource's required first implies it: named
    /// by that first, as in Pacemaker's order.
    fn required_by_first(&self, i: usize, said: Option<&str>) -> Option<String> {
        let (t, a) = (self.t, &self.t.list[i]);
        if !self.became_required(i) {
            return None;
        }
        self.in_edges[i].iter().find_map(|&x| {
            let e = t.edges[x];
            let f = &t.list[e.first];
            let named = match said {
                // (Or by a first ordered before it earlier: Pacemaker keeps an action's
                // firsts newest first, and meets this one first.)
                Some(said) => {
                    self.because("unrunnable", e.first) == said || self.named_earlier(i, x, said)
                }
                // (A clone's ordering passed on to the instances judges the clone's action
                // as a whole.)
                None if e.flags & SUMMARY != 0 => true,
                None => clone_action_required_on(t, self.view, e.first, a.node.or(a.ordering_node)),
            };
            (e.flags & IMPLIES_THEN != 0 && !f.optional && f.rsc != a.rsc && named)
                .then(|| self.because("required", e.first))
        })
    }

    /// A stop that cannot run because what stops after it cannot, and that is required by
    /// what stops before it, is named by the latter: Pacemaker checks "then is required"
    /// when it reaches the pair.
    fn required_by_stop_before(&self, i: usize, said: Option<&str>) -> Option<String> {
        let (t, a) = (self.t, &self.t.list[i]);
        // (So is a group member's stop its own restart made required, naming nothing, when
        // a later member's stop comes before it: Pacemaker reaches it from the chain of
        // member stops first; the last member's stop, which nothing precedes, it reaches
        // from its own restart.)
        let chained = self.in_edges[i]
            .iter()
            .any(|&x| t.edges[x].flags & STOP_CHAIN != 0);
        let stop_blocked = match said {
            Some(w) => w.starts_with("unrunnable "),
            None => chained && a.task == "stop",
        };
        if !self.became_required(i) || !stop_blocked {
            return None;
        }
        self.out_edges[i].iter().find_map(|&x| {
            let e = t.edges[x];
            let th = &t.list[e.then];
            (e.flags & STOP_CHAIN != 0
                && e.flags & IMPLIES_FIRST != 0
                && !th.optional
                && th.rsc != a.rsc)
                .then(|| self.because("required", e.then))
        })
    }

    /// Unable to run because of a first that could run until something before both could
    /// not, it is named by that one: it could never run, so Pacemaker meets it first.
    fn blocked_by_root(&self, i: usize, said: Option<&str>) -> Option<String> {
        let t = self.t;
        let said = said.filter(|_| self.became_unrunnable(i))?;
        let blocks = |x: &usize| t.edges[*x].flags & RUNNABLE_LEFT != 0;
        let from = self.in_edges[i]
            .iter()
            .filter(|x| blocks(x))
            .map(|&x| t.edges[x].first)
            .find(|&f| self.before[f].runnable && self.because("unrunnable", f) == said)?;
        self.in_edges[i]
            .iter()
            .filter(|x| blocks(x))
            .find_map(|&x| {
                let g = t.edges[x].first;
                let root = !self.before[g].runnable
                    && t.list[g].rsc != t.list[i].rsc
                    && self.in_edges[from]
                        .iter()
                        .any(|&y| blocks(&y) && t.edges[y].first == g);
                root.then(|| self.because("unrunnable", g))
            })
    }

    /// Unable to run because its collective's action could not, when the collective passes
    /// that ordering on to its members, it is named by the collective's first: Pacemaker
    /// updates the members with it in the same step.
    fn blocked_by_collective_first(&self, i: usize, said: Option<&str>) -> Option<String> {
        let t = self.t;
        let said = said.filter(|_| self.became_unrunnable(i))?;
        let whole = self.in_edges[i]
            .iter()
            .map(|&x| t.edges[x].first)
            .find(|&g| t.list[g].node.is_none() && self.because("unrunnable", g) == said)?;
        self.in_edges[i].iter().find_map(|&x| {
            let e = t.edges[x];
            let f = e.first;
            let passed_on = e.flags & SUMMARY != 0
                && !t.list[f].runnable
                && t.list[f].rsc != t.list[i].rsc
                && self.in_edges[whole]
                    .iter()
                    .any(|&y| t.edges[y].first == f && t.edges[y].flags & RUNNABLE_LEFT != 0);
            passed_on.then(|| self.because("unrunnable", f))
        })
    }

    /// Required through firsts that were required from the outset, it is named by the
    /// ordering created last: Pacemaker meets an action's newest first first.
    fn required_from_outset(&self, i: usize, said: Option<&str>) -> Option<String> {
        let t = self.t;
        let said = said.filter(|w| w.starts_with("required ") && self.became_required(i))?;
        let always = |x: &usize| {
            let e = t.edges[*x];
            e.flags & IMPLIES_THEN != 0
                && !self.before[e.first].optional
                && t.list[e.first].rsc != t.list[i].rsc
        };
        let named = self.in_edges[i]
            .iter()
            .any(|&x| self.because("required", t.edges[x].first) == said);
        if !named {
            return None;
        }
        let last = self.in_edges[i].iter().filter(|x| always(x)).max()?;
        Some(self.because("required", t.edges[*last].first))
    }

    /// Unable to run because of firsts none of which could ever run, it is named by the
    /// ordering created last: Pacemaker keeps an action's firsts newest first and meets
    /// that one first.
    fn blocked_from_outset(&self, i: usize, said: Option<&str>) -> Option<String> {
        let t = self.t;
        let said = said.filter(|_| self.became_unrunnable(i))?;
        let never = |x: &usize| {
            let e = t.edges[*x];
            e.flags & RUNNABLE_LEFT != 0
                && !self.before[e.first].runnable
                && t.list[e.first].rsc != t.list[i].rsc
        };
        let from_one = self.in_edges[i]
            .iter()
            .filter(|x| never(x))
            .any(|&x| self.because("unrunnable", t.edges[x].first) == said);
        if !from_one {
            return None;
        }
        let last = self.in_edges[i].iter().filter(|x| never(x)).max()?;
        Some(self.because("unrunnable", t.edges[*last].first))
    }

    /// Required by what its collective passes on, like the member before it, it is named
    /// by that member: Pacemaker reaches it from there first.
    fn required_like_member_before(&self, i: usize, said: Option<&str>) -> Option<String> {
        let t = self.t;
        let said = said.filter(|w| w.starts_with("required "))?;
        let passed_on = self.in_edges[i].iter().any(|&x| {
            t.edges[x].flags & SUMMARY != 0 && self.because("required", t.edges[x].first) == said
        });
        if !passed_on {
            return None;
        }
        self.in_edges[i].iter().find_map(|&x| {
            let e = t.edges[x];
            let p = &t.list[e.first];
            (e.flags & IMPLIES_THEN != 0
                && e.flags & SUMMARY == 0
                && !p.optional
                && p.rsc != t.list[i].rsc
                && self.original[e.first].as_deref() == Some(said))
            .then(|| self.because("required", e.first))
        })
    }
}

/// The worklist: required and runnable flags along the edges until nothing changes.
/// The stops and pseudo starts of resources that migrate live (with a runnable
/// `migrate_from`): Pacemaker's "migrate runnable" actions.
fn migration_steps(t: &ActionTable) -> Vec<bool> {
    let mut migrating = vec![false; t.list.len()];
    for a in &t.list {
        let Some(r) = a.rsc else { continue };
        if a.task != "migrate_from" || !a.runnable {
            continue;
        }
        for s in t.of(r, "stop") {
            migrating[s] = true;
        }
        for s in t.of(r, "start") {
            migrating[s] = t.list[s].kind == graph::ActionKind::PseudoEvent;
        }
    }
    migrating
}

/// Propagates flags over the edges until nothing changes: every edge is applied once, then
/// again whenever one of its actions changed.
fn to_fixed_point(
    t: &mut ActionTable,
    view: &ClusterView,
    in_edges: &[Vec<usize>],
    out_edges: &[Vec<usize>],
) {
    // One-or-more actions with too few possible inputs from the start.
    for (a, ins) in in_edges.iter().enumerate() {
        if t.list[a].min_runnable > 0 {
            block_if_too_few(t, a, ins);
        }
    }
    let migrating = migration_steps(t);
    let mut queue: VecDeque<usize> = (0..t.edges.len()).collect();
    let mut queued = vec![true; t.edges.len()];
    while let Some(ei) = queue.pop_front() {
        queued[ei] = false;
        let e = t.edges[ei];
        let changed = apply_edge(t, view, e, &migrating, in_edges);
        for a in changed {
            for &x in out_edges[a].iter().chain(in_edges[a].iter()) {
                if !queued[x] {
                    queued[x] = true;
                    queue.push_back(x);
                }
            }
        }
    }
}

/// Applies one ordering's flags to its two actions, each rule in turn (later rules see
/// what earlier ones changed); the actions that changed.
fn apply_edge(
    t: &mut ActionTable,
    view: &ClusterView,
    e: Edge,
    migrating: &[bool],
    in_edges: &[Vec<usize>],
) -> Vec<usize> {
    let mut changed = Vec::new();
    changed.extend(imply_then(t, view, e, migrating));
    mark_printed(t, e);
    changed.extend(imply_first(t, view, e));
    changed.extend(restart_blocks_start(t, view, e));
    changed.extend(restart_needs_stop(t, e, in_edges));
    changed.extend(one_or_more(t, e, in_edges));
    changed.extend(stop_chain(t, view, e));
    changed.extend(asymmetric(t, view, e));
    changed.extend(runnable_left(t, view, e));
    changed
}

/// Gives `then` the reason `what` because of `first`, unless it has one already (and
/// records that an ordering gave it).
fn say_because(t: &mut ActionTable, view: &ClusterView, what: &str, first: usize, then: usize) {
    if t.list[then].reason.is_none() {
        t.list[then].reason = Some(because(t, view, what, first));
        t.ordering_reasons.insert(then);
    }
}

/// A one-or-more action with fewer runnable inputs than it needs cannot run (blocked by
/// what is active when such an input is). True when it was blocked.
fn block_if_too_few(t: &mut ActionTable, a: usize, ins: &[usize]) -> bool {
    let possible = ins
        .iter()
        .filter(|&&x| t.edges[x].flags & ONE_OR_MORE != 0 && t.list[t.edges[x].first].runnable)
        .count();
    if possible >= t.list[a].min_runnable {
        return false;
    }
    t.list[a].runnable = false;
    t.list[a].blocked_by_active = ins.iter().any(|&x| {
        let first = &t.list[t.edges[x].first];
        t.edges[x].flags & ONE_OR_MORE != 0
            && !first.runnable
            && (first.rsc_active || first.blocked_by_active)
    });
    true
}

/// Implies-then: a required first makes the then required (where a clone's action is
/// required at all). (The stop and pseudo start of a live migration require nothing after
/// them: Pacemaker's "migrate runnable" first implies no then.)
fn imply_then(
    t: &mut ActionTable,
    view: &ClusterView,
    e: Edge,
    migrating: &[bool],
) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    let applies = e.flags & IMPLIES_THEN != 0
        && !migrating[f]
        && !t.list[f].optional
        && t.list[th].optional
        && clone_action_required_on(t, view, f, t.list[th].node.or(t.list[th].ordering_node));
    if !applies {
        return None;
    }
    t.list[th].optional = false;
    if t.list[f].rsc != t.list[th].rsc {
        say_because(t, view, "required", f, th);
    }
    Some(th)
}

/// The printed-only variants: the other action is shown in the graph although nothing is
/// implied.
fn mark_printed(t: &mut ActionTable, e: Edge) {
    let (f, th) = (e.first, e.then);
    if e.flags & IMPLIES_THEN_PRINTED != 0 && !t.list[f].optional && t.list[f].runnable {
        t.list[th].print_always = true;
    }
    if e.flags & IMPLIES_FIRST_PRINTED != 0 && !t.list[th].optional && t.list[f].optional {
        t.list[f].print_always = true;
    }
}

/// Implies-first: a required then makes the first required (a completion point excepted);
/// only a stop chain gives a reason.
fn imply_first(t: &mut ActionTable, view: &ClusterView, e: Edge) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    let applies = e.flags & IMPLIES_FIRST != 0
        && !t.list[th].optional
        && t.list[f].optional
        && !is_completion(&t.list[f])
        && clone_action_required_on(t, view, th, t.list[f].node);
    if !applies {
        return None;
    }
    t.list[f].optional = false;
    if e.flags & STOP_CHAIN != 0 {
        say_because(t, view, "required", th, f);
    }
    Some(f)
}

/// Restart: a stop that is needed but cannot run leaves the start after it unable to run
/// too (Pacemaker's restart ordering).
fn restart_blocks_start(t: &mut ActionTable, view: &ClusterView, e: Edge) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    let applies = e.flags & RESTART != 0
        && (!t.list[f].optional || t.list[f].blocked_needed)
        && !t.list[f].runnable
        && t.list[th].runnable;
    if !applies {
        return None;
    }
    t.list[th].runnable = false;
    // (A stop not needed yet keeps the reason it gets when it becomes needed.)
    if !t.list[th].optional && t.list[f].rsc != t.list[th].rsc {
        say_because(t, view, "unrunnable", f, th);
    }
    Some(th)
}

/// Restart: a start that must happen, or that cannot happen any more, needs the stop.
fn restart_needs_stop(t: &mut ActionTable, e: Edge, in_edges: &[Vec<usize>]) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    let applies = e.flags & RESTART != 0
        && t.list[f].optional
        && t.list[f].runnable
        && (!t.list[th].optional
            || (!t.list[th].runnable
                && (!t.list[th].blocked_by_active || blocked_after_restart(t, &in_edges[th]))));
    if !applies {
        return None;
    }
    t.list[f].optional = false;
    Some(f)
}

/// One-or-more: an input that cannot run may leave the then too few.
fn one_or_more(t: &mut ActionTable, e: Edge, in_edges: &[Vec<usize>]) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    let applies = e.flags & ONE_OR_MORE != 0 && !t.list[f].runnable && t.list[th].runnable;
    (applies && block_if_too_few(t, th, &in_edges[th])).then_some(th)
}

/// A stop chain: what stops after a needed stop that cannot run cannot run either.
fn stop_chain(t: &mut ActionTable, view: &ClusterView, e: Edge) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    let applies = e.flags & STOP_CHAIN != 0
        && (t.list[f].blocked_needed || !t.list[f].optional)
        && !t.list[f].runnable
        && t.list[th].runnable;
    if !applies {
        return None;
    }
    t.list[th].runnable = false;
    t.list[th].blocked_needed = !t.list[th].optional || t.list[th].blocked_needed;
    say_because(t, view, "unrunnable", f, th);
    Some(th)
}

/// An asymmetric ordering: a first that cannot run blocks the then (and requires it, so it
/// is shown), unless the then is a start where it already runs.
fn asymmetric(t: &mut ActionTable, view: &ClusterView, e: Edge) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    let applies = e.flags & ASYMMETRIC != 0
        && !t.list[f].runnable
        && t.list[th].runnable
        && !started_where_it_runs(t, view, th);
    if !applies {
        return None;
    }
    t.list[th].runnable = false;
    t.list[th].optional = false;
    // A collective's start passes this on to its instances; one already started where
    // it runs is left alone (only a start elsewhere is blocked), so nothing is
    // restarted for it.
    if t.list[th].node.is_none() {
        t.list[th].blocked_by_active = true;
    }
    if t.list[f].rsc != t.list[th].rsc {
        say_because(t, view, "unrunnable", f, th);
    }
    Some(th)
}

/// Runnable-left: a then cannot run when its first cannot.
fn runnable_left(t: &mut ActionTable, view: &ClusterView, e: Edge) -> Option<usize> {
    let (f, th) = (e.first, e.then);
    if e.flags & RUNNABLE_LEFT == 0 || t.list[f].runnable || !t.list[th].runnable {
        return None;
    }
    t.list[th].runnable = false;
    if t.list[f].rsc != t.list[th].rsc {
        say_because(t, view, "unrunnable", f, th);
    }
    t.list[th].blocked_by_active = t.list[f].blocked_by_active;
    Some(th)
}
