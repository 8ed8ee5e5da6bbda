//! Actions of a primitive: stop/start/promote/demote per its current and next state,
//! recurring monitors and cancellations (probes are in `probes`).

use super::{flags::*, op_key, ActionTable};
use crate::assign::Assignment;
use crate::constraints::Constraints;
use crate::unpack::{
    ClusterView, Kind, NodeIdx, OnFail, OpDef, Resource, Role, RscIdx, RscNodeState,
};
use graph::ActionKind;

/// Whether the state on a node is recovered by stopping (and starting again): a failure with
/// on-fail=demote is recovered by demoting only (Pacemaker marks the resource failed but not
/// to be stopped).
fn restarts(st: &RscNodeState) -> bool {
    let demote_only = st.failed && st.on_fail == OnFail::Demote;
    st.must_recover() && (!demote_only || st.restart || st.definition_changed)
}

/// Whether a primitive moves without being able to migrate (restarts elsewhere).
fn moves_without_migrating(view: &ClusterView, asg: &Assignment, r: RscIdx) -> bool {
    let rsc = &view.resources[r];
    let running = rsc.running_nodes();
    // (One that only stops starts nowhere: nothing after it waits for a start.)
    let moving =
        !running.is_empty() && asg.node[r].is_some() && asg.node[r] != running.first().copied();
    moving && !rsc.allow_migrate()
}

/// The member started just before `r` in its ordered group, if any.
fn group_predecessor(view: &ClusterView, r: RscIdx) -> Option<RscIdx> {
    let group = &view.resources[view.resources[r].parent?];
    if group.kind != Kind::Group || !group.meta_flag("ordered", true) {
        return None;
    }
    let at = group.children.iter().position(|&c| c == r)?;
    at.checked_sub(1).map(|i| group.children[i])
}

/// What the action creation of one primitive works from: where it runs, where it goes, in
/// which role, and whether it may be touched at all.
struct Plan<'a> {
    view: &'a ClusterView,
    cons: &'a Constraints,
    asg: &'a Assignment,
    r: RscIdx,
    rsc: &'a Resource,
    id: String,
    internal: Option<String>,
    running: Vec<NodeIdx>,
    next: Option<NodeIdx>,
    next_role: Role,
    managed: bool,
    /// Nothing new may start for lack of quorum.
    quorum_blocked: bool,
    /// What runs must stop (or, promotable, demote) for lack of quorum.
    quorum_stop: bool,
    /// Continues a partial live migration (its `migrate_to` already done).
    partial: bool,
    /// Active on more than one node that counts (Pacemaker's "multiply active"): a resource
    /// that does not need fencing is not counted as active on unclean nodes.
    multiply_active: bool,
    /// The node it runs on as far as staying is concerned (the one active node that counts).
    current: Option<NodeIdx>,
    /// Multiply active with `multiple-active=stop_unexpected`: it stops only where it is not
    /// expected, and its "start" where it goes is a pseudo action.
    stop_unexpected: bool,
}

/// The nodes a primitive going to `next` gets a load-stopped point on: every node it may
/// use, by node name (Pacemaker makes them in that order).
pub fn load_points(
    view: &ClusterView,
    cons: &Constraints,
    r: RscIdx,
    next: Option<NodeIdx>,
) -> Vec<NodeIdx> {
    let mut allowed: Vec<NodeIdx> = (0..view.nodes.len())
        .filter(|&n| {
            Some(n) == next
                || view.config.symmetric
                || cons
                    .locations
                    .iter()
                    .any(|l| l.node == n && view.primitives_of(l.rsc).contains(&r))
        })
        .collect();
    allowed.sort_by(|&a, &b| {
        crate::unpack::cmp_node_names(&view.nodes[a].uname, &view.nodes[b].uname)
    });
    allowed
}

/// Makes the load-stopped points (optional until a primitive needs one) in the order
/// Pacemaker makes them, before any assignment: resource by resource by priority (then
/// configuration order), each one's current nodes then the nodes it may use. Their synapses
/// are listed newest first.
pub fn load_points_in_order(
    view: &ClusterView,
    cons: &Constraints,
    asg: &Assignment,
    t: &mut ActionTable,
) {
    if view.config.placement_strategy == "default" {
        return;
    }
    let point = |t: &mut ActionTable, n: NodeIdx| {
        t.get(
            None,
            "load_stopped",
            format!("load_stopped_{}", view.nodes[n].uname),
            0,
            Some(n),
            ActionKind::PseudoEvent,
        );
    };
    let mut tops = view.top.clone();
    tops.sort_by_key(|&r| std::cmp::Reverse(view.resources[r].priority()));
    for top in tops {
        for r in view.primitives_of(top) {
            for n in view.running_on(r) {
                point(t, n);
            }
            for n in load_points(view, cons, r, asg.node[r]) {
                point(t, n);
            }
        }
    }
}

/// Creates the actions of one primitive, in Pacemaker's order: take it down where it must
/// stop, bring it up where it goes (or migrate it), promote it, then its recurring operations.
pub fn create(
    view: &ClusterView,
    cons: &Constraints,
    asg: &Assignment,
    r: RscIdx,
    t: &mut ActionTable,
) {
    let p = Plan::new(view, cons, asg, r);
    let stops = p.stop_current(t);
    let start = p.start_next(t, &stops);
    let reload = p.reload(t);
    let (promote, demote_here) = p.promote_next(t, start);
    p.order_by_load(t, &stops, start);
    p.pause_for_maintenance(t);
    p.clear_expired_failures(t);
    p.forget_orphan(t);
    p.forget_other_agent(t);
    p.forget_lock(t);
    p.recurring(t, start, reload, promote, demote_here);
    p.history_monitors(t);
}

/// A node a primitive runs on, as its stop (and demote) there sees it.
struct StopSite {
    c: NodeIdx,
    /// A pseudo action where fencing the node implies the stop.
    kind: ActionKind,
    fenced: bool,
    /// It must not stay there.
    need: bool,
    node_managed: bool,
    /// A guest node down and needing a reset, not fenced.
    remote_down: bool,
}

impl<'a> Plan<'a> {
    fn new(view: &'a ClusterView, cons: &'a Constraints, asg: &'a Assignment, r: RscIdx) -> Self {
        let rsc = &view.resources[r];
        let next = asg.node[r];
        let mut running = rsc.running_nodes();
        // A partial migration to where it goes continues: it runs on the source only.
        let partial_source = next.and_then(|n| rsc.node_state.get(&n)?.migrating_from);
        if let Some(src) = partial_source {
            running.retain(|&n| n == src);
        }
        let (quorum_blocked, quorum_stop) = quorum_limits(view, r, &running);
        let needs_fencing = matches!(
            super::node_actions::requires(view, r).as_str(),
            "fencing" | "unfencing"
        );
        let counted: Vec<NodeIdx> = running
            .iter()
            .copied()
            .filter(|&n| needs_fencing || !view.nodes[n].unclean)
            .collect();
        let multiply_active = counted.len() > 1;
        let current = match (running.as_slice(), counted.as_slice()) {
            ([only], _) | (_, [only]) => Some(*only),
            _ => None,
        };
        let stop_unexpected = multiply_active
            && rsc.meta("multiple-active") == Some("stop_unexpected")
            && next.is_some_and(|n| running.contains(&n))
            && asg.role[r] > Role::Stopped;
        Plan {
            view,
            cons,
            asg,
            r,
            rsc,
            id: rsc.key_id().to_string(),
            internal: rsc.clone_name.as_ref().map(|_| rsc.id.clone()),
            running,
            next,
            next_role: if next.is_some() {
                asg.role[r]
            } else {
                Role::Stopped
            },
            managed: rsc.managed() && !asg.frozen[r],
            quorum_blocked,
            quorum_stop,
            partial: partial_source.is_some(),
            multiply_active,
            current,
            stop_unexpected,
        }
    }

    /// A (non-recurring) action of this resource.
    fn action(
        &self,
        t: &mut ActionTable,
        task: &str,
        node: Option<NodeIdx>,
        kind: ActionKind,
    ) -> usize {
        let i = t.get(Some(self.r), task, op_key(&self.id, task, 0), 0, node, kind);
        if let Some(inst) = &self.internal {
            t.list[i].internal_key = Some(op_key(inst, task, 0));
        }
        i
    }

    /// Step 1: stops (and demotes) wherever it runs; required where it must not stay.
    fn stop_current(&self, t: &mut ActionTable) -> Vec<usize> {
        let mut stops = Vec::new();
        let mut demotes = Vec::new();
        for &c in &self.running {
            if self.stop_unexpected && self.next == Some(c) {
                // Where it is expected it keeps running.
                continue;
            }
            let site = self.stop_site(c);
            stops.push(self.stop_on(t, &site));
            // (Pacemaker keeps one role per resource, the highest found anywhere: a
            // primitive promoted on one node is demoted wherever it runs.)
            if self
                .rsc
                .node_state
                .values()
                .any(|s| s.role == Role::Promoted)
            {
                demotes.push(self.demote_on(t, &site));
            }
        }
        // Demoted before stopped, as a resource: each demote precedes every stop.
        for &d in &demotes {
            for &s in &stops {
                t.order(d, s, IMPLIES_FIRST);
            }
        }
        self.stop_leftovers(t, &mut stops);
        stops
    }

    /// Where it runs on `c`, as its stop there sees it.
    fn stop_site(&self, c: NodeIdx) -> StopSite {
        let view = self.view;
        let node = &view.nodes[c];
        let fenced = super::node_actions::stops_implied(view, c);
        // Where it is not counted as active (an unclean node, for what does not need
        // fencing), it stops only if it moves as a whole: its fencing stops it anyway.
        let moves = match self.current {
            Some(cur) if cur != c => self.next != Some(cur),
            _ => self.next != Some(c),
        };
        let need = moves
            || restarts(&self.rsc.node_state[&c])
            || self.multiply_active
            || self.next_role == Role::Stopped
            || self.quorum_stop;
        // A guest node down as unpacked and needing a reset runs nothing, unless its
        // fencing (its container's stop) implies the stop.
        let remote_down = node.is_guest()
            && node
                .remote
                .as_ref()
                .is_some_and(|l| !l.was_online && l.requires_reset && !fenced);
        StopSite {
            c,
            kind: if fenced {
                ActionKind::PseudoEvent
            } else {
                ActionKind::RscOp
            },
            fenced,
            need,
            node_managed: !node.maintenance,
            remote_down,
        }
    }

    /// The stop on the site's node: required when needed, unrunnable where nothing may
    /// run it (unmanaged, a node in maintenance, an unclean node not fenced, a guest down).
    fn stop_on(&self, t: &mut ActionTable, site: &StopSite) -> usize {
        let managed = self.managed;
        let unclean = self.view.nodes[site.c].unclean;
        let stop = self.action(t, "stop", Some(site.c), site.kind);
        if !managed || !site.node_managed || (unclean && !site.fenced) || site.remote_down {
            t.list[stop].runnable = false;
            // Needed but impossible: what must stop after it cannot stop either.
            t.list[stop].blocked_needed = site.need;
            // (Only an unmanaged resource's actions are forced optional; a stop on an
            // unclean node is still required, which its collective's pseudo actions see.)
            if site.need && managed && site.node_managed {
                t.require(stop);
            }
        } else if site.need {
            t.require(stop);
        }
        if self.stop_unexpected && self.next.is_some() {
            // (Pacemaker's reason for a stop away from the expected node.)
            t.list[stop].reason = Some("being multiply active".into());
        }
        stop
    }

    /// The demote on the site's node: wanted when it stops, is not to stay promoted, or must
    /// recover (a failure with on-fail=demote is recovered by demoting).
    fn demote_on(&self, t: &mut ActionTable, site: &StopSite) -> usize {
        let st = &self.rsc.node_state[&site.c];
        let unclean = self.view.nodes[site.c].unclean;
        let demote = self.action(t, "demote", Some(site.c), site.kind);
        let wanted = site.need || self.next_role != Role::Promoted || st.must_recover();
        if !self.managed || !site.node_managed || site.remote_down {
            t.list[demote].runnable = false;
        } else if unclean && !site.fenced {
            // (As its stop: needed but impossible on a node that is not fenced.)
            t.list[demote].runnable = false;
            if wanted {
                t.require(demote);
            }
        } else if wanted {
            t.require(demote);
        }
        demote
    }

    /// Stops where it is not found running: a completed migration's source still has it
    /// to stop; a migration still pending from an unclean node may have reached its
    /// target, so it is stopped there too (Pacemaker forces that stop).
    fn stop_leftovers(&self, t: &mut ActionTable, stops: &mut Vec<usize>) {
        let (view, managed) = (self.view, self.managed);
        for &c in &self.rsc.dangling_on {
            if view.nodes[c].online && managed {
                let stop = self.action(t, "stop", Some(c), ActionKind::RscOp);
                t.require(stop);
            }
        }
        for &c in &self.rsc.stop_forced_on {
            if self.running.contains(&c) || !view.nodes[c].online || !managed {
                continue;
            }
            let stop = self.action(t, "stop", Some(c), ActionKind::RscOp);
            t.require(stop);
            stops.push(stop);
        }
    }

    /// Whether it moves by live migration (migrate_to, migrate_from) instead of stop/start.
    fn migrates(&self) -> bool {
        self.could_migrate() && self.migration_blocker().is_none()
    }

    /// The first resource of a mandatory ordering before this one that restarts elsewhere
    /// (it prevents live migration): an ordering constraint's, or the member before it in an
    /// ordered group.
    fn migration_blocker(&self) -> Option<RscIdx> {
        let (view, cons, asg, r) = (self.view, self.cons, self.asg, self.r);
        let restarts_elsewhere = |first: RscIdx| {
            view.primitives_of(first)
                .iter()
                .any(|f| moves_without_migrating(view, asg, *f))
        };
        let constraint = cons.orders.iter().find(|o| {
            o.then == r
                && o.kind == crate::constraints::OrderKind::Mandatory
                && restarts_elsewhere(o.first)
        });
        constraint
            .map(|o| o.first)
            .or_else(|| group_predecessor(view, r).filter(|&p| restarts_elsewhere(p)))
    }

    /// Whether it could move by live migration, orderings aside.
    fn could_migrate(&self) -> bool {
        let (view, rsc, running, next, next_role, managed) = (
            self.view,
            self.rsc,
            &self.running,
            self.next,
            self.next_role,
            self.managed,
        );
        // (A completed migration still to clean up on its source blocks a new one.)
        rsc.dangling_on.is_empty()
            && rsc.allow_migrate()
            && rsc
                .parent
                .is_none_or(|p| view.resources[p].kind == Kind::Group)
            && managed
            && rsc.class != "stonith"
            && running.len() == 1
            && next.is_some_and(|n| n != running[0])
            && next_role == Role::Started
            && !restarts(&rsc.node_state[&running[0]])
            && (self.partial
                || rsc.node_state[&running[0]]
                    .partial_migration_target
                    .is_none())
            && view.nodes[running[0]].online
            && !view.nodes[running[0]].unclean
    }

    /// Step 2: the start where it goes (a pseudo start after a migration), required unless it
    /// stays where it is.
    fn start_next(&self, t: &mut ActionTable, stops: &[usize]) -> usize {
        let migrate = self.migrates();
        // Pacemaker names what kept it from migrating as its stop's reason.
        if let (true, Some(first)) = (self.could_migrate(), self.migration_blocker()) {
            for &s in stops {
                let why = format!("unrunnable {} stop", self.view.resources[first].id);
                t.list[s].reason = Some(why);
            }
        }
        let start = self.action(
            t,
            "start",
            self.next,
            if migrate || self.stop_unexpected {
                ActionKind::PseudoEvent
            } else {
                ActionKind::RscOp
            },
        );
        if migrate {
            self.migrate_actions(t, start, stops);
        }
        match self.next {
            None => self.start_nowhere(t, start),
            Some(n) => self.start_on(t, start, n),
        }
        if self.next.is_some() {
            self.start_after_stops(t, start, stops);
        }
        self.start_reasons(t, start);
        start
    }

    /// Placed nowhere, its start cannot run; a changed definition asks for a start before
    /// placement (Pacemaker's force_restart, on no node): it stays required all the same.
    fn start_nowhere(&self, t: &mut ActionTable, start: usize) {
        let rsc = self.rsc;
        t.list[start].runnable = false;
        let forced = rsc
            .node_state
            .iter()
            .any(|(n, st)| st.definition_changed && !rsc.other_agent_on.contains(n));
        if forced && self.managed {
            t.require(start);
        }
    }

    /// The start on `n` is required unless it stays there (or cannot be helped: unmanaged,
    /// or a new start blocked by lack of quorum, which is not needed, merely impossible).
    fn start_on(&self, t: &mut ActionTable, start: usize, n: NodeIdx) {
        let rsc = self.rsc;
        let stays =
            !self.multiply_active && self.current == Some(n) && !restarts(&rsc.node_state[&n]);
        // Recovered in place into a lower role (promoted now, unpromoted next):
        // Pacemaker's restart brings it back up only to the role it has, so the
        // start is created optional (its stop requires it later).
        let lower_role_in_place = self.current == Some(n)
            && rsc.node_state[&n].role > self.next_role
            && !self.multiply_active;
        let quorum_new = self.quorum_blocked && self.running.is_empty();
        if !self.managed {
            if !stays {
                t.list[start].runnable = false;
            }
        } else if !(stays || lower_role_in_place || quorum_new) {
            t.require(start);
        }
    }

    /// The start follows every stop (a restart), and a completed migration's leftover stop;
    /// a start still pending is shown in the graph (Pacemaker's start_pending).
    fn start_after_stops(&self, t: &mut ActionTable, start: usize, stops: &[usize]) {
        let rsc = self.rsc;
        // A resource we may not act on is never brought back up (Pacemaker creates its
        // actions optional and schedules no restart for it): its stop needs no start.
        let restart = if self.managed {
            IMPLIES_THEN | RESTART
        } else {
            RESTART
        };
        for &s in stops {
            t.order(s, start, restart);
        }
        // A completed migration's leftover stop only goes first.
        for &c in &rsc.dangling_on {
            if let Some(d) = t.find(Some(self.r), &op_key(&self.id, "stop", 0), Some(c)) {
                t.order(d, start, OPTIONAL);
            }
        }
        if rsc
            .node_state
            .values()
            .any(|st| st.pending_task.as_deref() == Some("start"))
        {
            t.list[start].print_always = true;
        }
    }

    /// Why the start happens or cannot: a changed definition (Pacemaker requires the start
    /// when the history shows it), or lack of quorum.
    fn start_reasons(&self, t: &mut ActionTable, start: usize) {
        let changed = self
            .next
            .and_then(|n| self.rsc.node_state.get(&n))
            .is_some_and(|st| {
                st.definition_changed && !st.definition_stop && !st.failed && !st.restart
            });
        // (A start that requires nothing loses that reason: Pacemaker clears it each time
        // it looks the start up again while creating the resource's actions.)
        let requires_nothing = super::node_actions::requires(self.view, self.r) == "nothing";
        if changed && self.managed && !requires_nothing {
            t.list[start].reason = Some("resource definition change".into());
        }
        if self.quorum_blocked {
            t.list[start].runnable = false;
            self.quorum_reason(t, start);
        }
    }

    /// Step 2b: an agent reload where it stays and its parameters changed (the agent can
    /// reload them). A required stop there cancels it ([`super::drop_cancelled_reloads`]).
    fn reload(&self, t: &mut ActionTable) -> Option<usize> {
        let n = self.next?;
        let st = self.rsc.node_state.get(&n)?;
        if !st.reload || self.running[..] != [n] || !self.managed {
            return None;
        }
        let i = self.action(t, "reload-agent", Some(n), ActionKind::RscOp);
        t.require(i);
        t.list[i].reason = Some("resource definition change".into());
        Some(i)
    }

    /// Why a start or promote cannot run without quorum, as Pacemaker words it (only for an
    /// action that has a node).
    fn quorum_reason(&self, t: &mut ActionTable, i: usize) {
        if t.list[i].node.is_none() {
            return;
        }
        let why = match self.view.config.no_quorum_policy {
            crate::unpack::NoQuorumPolicy::Freeze => "quorum freeze",
            _ => "no quorum",
        };
        t.list[i].reason = Some(why.to_string());
    }

    /// migrate_to on the old node, migrate_from on the new one, before the stop and the
    /// (pseudo) start that complete the move.
    fn migrate_actions(&self, t: &mut ActionTable, start: usize, stops: &[usize]) {
        let (view, running, next) = (self.view, &self.running, self.next);
        let (from, to) = (running[0], next.unwrap_or(running[0]));
        let mf = self.action(t, "migrate_from", Some(to), ActionKind::RscOp);
        t.list[mf].meta.insert(
            "CRM_meta_migrate_source".into(),
            view.nodes[from].uname.clone(),
        );
        t.list[mf].meta.insert(
            "CRM_meta_migrate_target".into(),
            view.nodes[to].uname.clone(),
        );
        t.require(mf);
        t.order(mf, start, OPTIONAL);
        for &s in stops {
            t.order(mf, s, OPTIONAL);
        }
        // A partial migration continues with its migrate_from: migrate_to is done.
        if self.partial {
            return;
        }
        let mt = self.action(t, "migrate_to", Some(from), ActionKind::RscOp);
        t.list[mt].meta.insert(
            "CRM_meta_migrate_source".into(),
            view.nodes[from].uname.clone(),
        );
        t.list[mt].meta.insert(
            "CRM_meta_migrate_target".into(),
            view.nodes[to].uname.clone(),
        );
        // (A pending migrate_to is recorded: its target may be affected if the source
        // leaves mid-way; a remote connection needs no record.)
        if !self.rsc.is_connection() {
            t.list[mt]
                .meta
                .insert("CRM_meta_record_pending".into(), "true".into());
        }
        t.require(mt);
        t.order(mt, mf, OPTIONAL);
    }

    /// Step 3: the promote where it goes in the promoted role, and the demote there if any.
    fn promote_next(&self, t: &mut ActionTable, start: usize) -> (Option<usize>, Option<usize>) {
        let (r, rsc, running, next, next_role, managed, quorum_blocked) = (
            self.r,
            self.rsc,
            &self.running,
            self.next,
            self.next_role,
            self.managed,
            self.quorum_blocked,
        );
        let mut promote = None;
        if let Some(n) = next {
            if next_role == Role::Promoted {
                let p = self.action(t, "promote", Some(n), ActionKind::RscOp);
                let already = running.len() == 1
                    && running[0] == n
                    && rsc.node_state[&n].role == Role::Promoted
                    && !rsc.node_state[&n].must_recover();
                if !already && managed {
                    t.require(p);
                }
                t.order(start, p, IMPLIES_THEN | RUNNABLE_LEFT);
                // (Pacemaker gives the blocked promotion no reason of its own.)
                if quorum_blocked {
                    t.list[p].runnable = false;
                }
                promote = Some(p);
            }
        }
        let demote_here = next.and_then(|n| {
            t.of(r, "demote")
                .into_iter()
                .find(|&d| t.list[d].node == Some(n))
        });
        // Demote before promote is ordered per clone instance: a group instance orders its
        // own pseudo actions instead (see `collective`).
        let in_group = rsc
            .parent
            .is_some_and(|g| self.view.resources[g].kind == crate::unpack::Kind::Group);
        if let (Some(p), Some(d), false) = (promote, demote_here, in_group) {
            t.order(d, p, OPTIONAL);
        }
        (promote, demote_here)
    }

    /// Under a placement strategy, starts wait for the node's load to drop (everything
    /// stopping there first).
    fn order_by_load(&self, t: &mut ActionTable, stops: &[usize], start: usize) {
        let (view, cons, r, rsc, next) = (self.view, self.cons, self.r, self.rsc, self.next);
        if view.config.placement_strategy == "default" {
            return;
        }
        let load_stopped = |t: &mut ActionTable, n: usize| {
            let i = t.get(
                None,
                "load_stopped",
                format!("load_stopped_{}", view.nodes[n].uname),
                0,
                Some(n),
                ActionKind::PseudoEvent,
            );
            t.require(i);
            i
        };
        for &s in stops {
            if let Some(n) = t.list[s].node {
                let l = load_stopped(t, n);
                if !rsc.utilization.is_empty() {
                    t.order(s, l, SAME_NODE);
                }
            }
        }
        for n in load_points(view, cons, r, next) {
            let l = load_stopped(t, n);
            if Some(n) != next {
                continue;
            }
            // Only consumers of capacity wait for the node's load to drop.
            let consumer = !rsc.utilization.is_empty();
            if consumer {
                t.order(l, start, SAME_NODE);
            }
            for m in t.of(r, "migrate_to").into_iter().filter(|_| consumer) {
                t.order(l, m, OPTIONAL);
            }
        }
    }

    /// Maintenance (node, resource or cluster-wide) pauses monitoring: what runs is cancelled.
    fn pause_for_maintenance(&self, t: &mut ActionTable) {
        let (view, r, rsc, id, running, next, managed) = (
            self.view,
            self.r,
            self.rsc,
            &self.id,
            &self.running,
            self.next,
            self.managed,
        );
        for &n in running {
            // (Cluster-wide maintenance-mode leaves monitors alone.)
            let node_maintenance = view.nodes[n]
                .attrs
                .get("maintenance")
                .is_some_and(|v| crate::unpack::is_true(v));
            let paused = !view.config.maintenance_mode
                && (node_maintenance || rsc.meta_flag("maintenance", false));
            if !paused || !view.nodes[n].online {
                continue;
            }
            if let Some(st) = rsc.node_state.get(&n) {
                for (name, interval) in st.active_recurring() {
                    add_cancel(
                        t,
                        r,
                        id,
                        (name, interval),
                        n,
                        recorded_call(st, name, interval),
                    );
                }
            }
        }
        if managed || (!rsc.meta_flag("maintenance", false) && !view.config.maintenance_mode) {
            stopped_monitors(view, r, next, t);
            cancel_orphan_ops(view, r, t);
        }
    }

    /// Expired failures: the controller clears the fail count.
    fn clear_expired_failures(&self, t: &mut ActionTable) {
        let (view, r, rsc, id, managed) = (self.view, self.r, self.rsc, &self.id, self.managed);
        // (A bundle connection's last failure is checked once placed, against its host.)
        let host = crate::graph_meta::bundle_connection_host(view, self.asg, r);
        for (&n, st) in &rsc.node_state {
            let changed_at_host = host.as_deref().is_some_and(|h| {
                !st.expired_failure
                    && st.ops.iter().any(|o| {
                        crate::unpack::config_changes::last_failure_params_changed_at(
                            view, r, n, o, h,
                        )
                    })
            });
            // (An unmanaged resource's actions are all optional, this one too.)
            if (st.clear_failcount || changed_at_host) && managed && view.nodes[n].online {
                clear_failcount(t, r, id, n);
            }
        }
    }

    /// An orphan (no longer configured) has its fail counts cleared before it stops, and its
    /// history forgotten once stopped.
    /// A history that names another agent than the configuration is cleaned up where it is
    /// (stop -> clean-up -> start), unless the resource failed or the node is unavailable.
    fn forget_other_agent(&self, t: &mut ActionTable) {
        let (view, r, rsc, id) = (self.view, self.r, self.rsc, &self.id);
        if rsc.node_state.values().any(|s| s.failed) {
            return;
        }
        for &n in &rsc.other_agent_on {
            // (Pacemaker checks histories only on nodes that can run resources or are in
            // maintenance, and cleans up only on nodes up and clean.)
            let node = &view.nodes[n];
            let checked = node.maintenance || node.available_before_placement();
            if !checked || !node.online || node.unclean {
                continue;
            }
            let d = forget_history(t, r, id, n);
            for s in t.of(r, "start") {
                t.order(d, s, OPTIONAL);
            }
        }
    }

    /// A shutdown lock that expired or was lifted: the node forgets its history of it.
    fn forget_lock(&self, t: &mut ActionTable) {
        for &n in &self.rsc.forget_on {
            let i = self.action(t, "lrm_delete", Some(n), ActionKind::CrmEvent);
            t.require(i);
        }
    }

    fn forget_orphan(&self, t: &mut ActionTable) {
        let (view, r, rsc, id) = (self.view, self.r, self.rsc, &self.id);
        if rsc.orphan && rsc.parent.is_none() && view.config.stop_orphan_resources {
            for (n, node) in view.nodes.iter().enumerate() {
                let failed = crate::assign::fail_count(node, &rsc.base_id, rsc, view.now);
                if !node.online || failed.0 <= 0 {
                    continue;
                }
                let c = clear_failcount(t, r, id, n);
                for s in t.of(r, "stop") {
                    t.order(c, s, OPTIONAL);
                }
            }
            // Forget the history of a resource that is no longer configured, once stopped.
            for (&n, _) in rsc.node_state.iter() {
                if !view.nodes[n].available_before_placement() {
                    continue;
                }
                forget_history(t, r, id, n);
            }
        }
    }

    /// Step 4: the recurring operations of the next role where it goes; those of the old role
    /// that still run where it stays are cancelled.
    fn recurring(
        &self,
        t: &mut ActionTable,
        start: usize,
        reload: Option<usize>,
        promote: Option<usize>,
        demote_here: Option<usize>,
    ) {
        let (view, rsc, running, next, next_role, managed) = (
            self.view,
            self.rsc,
            &self.running,
            self.next,
            self.next_role,
            self.managed,
        );
        let Some(n) = next else { return };
        // An unmanaged (but not maintenance) resource keeps being monitored where it runs.
        let monitored_unmanaged = !rsc.meta_flag("is-managed", true)
            && !rsc.meta_flag("maintenance", false)
            && !view.config.maintenance_mode
            && !view.nodes[n].maintenance
            && running.contains(&n);
        if !managed && !monitored_unmanaged {
            return;
        }
        // (Unmanaged and active on several nodes, it stays on the first.)
        let stays = (running.len() == 1 || !managed) && running.first() == Some(&n);
        let history = rsc.node_state.get(&n);
        let active: Vec<(String, u64)> = history
            .map(|h| {
                h.active_recurring()
                    .into_iter()
                    .map(|(a, b)| (a.to_string(), b))
                    .collect()
            })
            .unwrap_or_default();
        let role_changes = stays
            && history.is_some_and(|h| {
                h.role != next_role
                    && !(h.role == Role::Started && next_role == Role::Unpromoted)
                    && !(h.role == Role::Unpromoted && next_role == Role::Started)
            });
        for op in &rsc.ops {
            if op.interval_ms == 0 || !op.enabled || op.duplicate || op.role == Some(Role::Stopped)
            {
                continue;
            }
            // (Pacemaker records no recurring operation as active on a remote node that was
            // down when its history was read.)
            let up_when_read = view.nodes[n].remote.as_ref().is_none_or(|l| l.was_online);
            let running_here = stays
                && up_when_read
                && active
                    .iter()
                    .any(|(a, b)| *a == op.name && *b == op.interval_ms);
            let rescheduled = history.is_some_and(|h| h.rescheduled(&op.name, op.interval_ms));
            if !for_role(op.role, next_role) {
                // A monitor for the old role keeps running unless cancelled (Pacemaker leaves
                // alone one whose definition changed, as not running, and any whose start is
                // required, as a restart).
                if running_here && !rescheduled && t.list[start].optional {
                    self.cancel_for_role_change(t, op, n, promote, demote_here);
                }
                continue;
            }
            let required = !running_here || role_changes || rescheduled;
            let mon = self.monitor(t, op, n);
            if required {
                t.require(mon);
            }
            // An unmanaged resource's monitors follow nothing (Pacemaker orders them only for
            // managed resources).
            if !managed {
                continue;
            }
            t.order(start, mon, IMPLIES_THEN | RUNNABLE_LEFT);
            if let Some(l) = reload {
                t.order(l, mon, IMPLIES_THEN | RUNNABLE_LEFT);
            }
            if let Some(p) = promote {
                t.order(p, mon, IMPLIES_THEN | RUNNABLE_LEFT);
            }
            // A demote anywhere (also one implied by fencing elsewhere) comes first.
            if next_role != Role::Promoted {
                for d in t.of(self.r, "demote") {
                    t.order(d, mon, IMPLIES_THEN | RUNNABLE_LEFT);
                }
            }
        }
    }

    /// The recurring `name`/`interval` operation's action on node `n` (found or made).
    fn recurring_action(
        &self,
        t: &mut ActionTable,
        name: &str,
        interval: u64,
        n: NodeIdx,
    ) -> usize {
        let key = op_key(&self.id, name, interval);
        let mon = t.get(
            Some(self.r),
            name,
            key,
            interval,
            Some(n),
            ActionKind::RscOp,
        );
        if let Some(inst) = &self.internal {
            t.list[mon].internal_key = Some(op_key(inst, name, interval));
        }
        mon
    }

    /// Step 5: a recurring operation the history shows active on a node that is up has an
    /// (optional) action there, wherever the resource goes (Pacemaker makes it while reading
    /// the history): what is ordered before it, such as a remote node's connection
    /// restarting, can still require it.
    fn history_monitors(&self, t: &mut ActionTable) {
        let (view, rsc) = (self.view, self.rsc);
        for (&n, st) in &rsc.node_state {
            // (A node to be fenced counts as down: a remote node whose connection is lost
            // is offline to Pacemaker when it reads the history.)
            let node = &view.nodes[n];
            if !node.online || node.unclean || !st.role.is_active() {
                continue;
            }
            for (name, interval) in st.active_recurring() {
                if rsc.op(name, interval).is_some() {
                    self.recurring_action(t, name, interval, n);
                }
            }
        }
    }

    fn cancel_for_role_change(
        &self,
        t: &mut ActionTable,
        op: &OpDef,
        n: NodeIdx,
        promote: Option<usize>,
        demote_here: Option<usize>,
    ) {
        let r = self.r;
        let key = op_key(&self.id, &op.name, op.interval_ms);
        let c = t.get(
            Some(r),
            "cancel",
            key.clone(),
            op.interval_ms,
            Some(n),
            ActionKind::RscOp,
        );
        t.list[c]
            .meta
            .insert("CRM_meta_operation".into(), op.name.clone());
        t.require(c);
        if let Some(d) = demote_here {
            t.order(c, d, OPTIONAL);
        }
        if let Some(p) = promote {
            t.order(c, p, OPTIONAL);
        }
    }

    /// A recurring operation where the resource goes.
    fn monitor(&self, t: &mut ActionTable, op: &OpDef, n: NodeIdx) -> usize {
        let mon = self.recurring_action(t, &op.name, op.interval_ms, n);
        // (Where it is to be promoted, a monitor expects "running promoted".)
        if self.next_role == Role::Promoted {
            t.list[mon]
                .meta
                .insert("CRM_meta_op_target_rc".into(), "8".into());
        }
        mon
    }
}

/// The controller's clearing of `r`'s fail count on node `n` (required; nothing waits for a
/// result from it).
fn clear_failcount(t: &mut ActionTable, r: RscIdx, id: &str, n: NodeIdx) -> usize {
    let c = t.get(
        Some(r),
        "clear_failcount",
        op_key(id, "clear_failcount", 0),
        0,
        Some(n),
        ActionKind::CrmEvent,
    );
    t.list[c]
        .meta
        .insert("CRM_meta_op_no_wait".into(), "true".into());
    t.require(c);
    c
}

/// Whether an operation configured for `role` runs in `next_role` (no role: started or
/// unpromoted).
fn for_role(role: Option<Role>, next_role: Role) -> bool {
    match role {
        None => next_role != Role::Promoted,
        // (A promotable instance's next role is Unpromoted or Promoted, never Started.)
        Some(Role::Started) => next_role == Role::Started,
        Some(x) => x == next_role || (x == Role::Unpromoted && next_role == Role::Started),
    }
}

/// Without quorum (policy stop, freeze or demote): whether nothing new may start (fencing
/// devices excepted), and whether what runs must stop.
fn quorum_limits(view: &ClusterView, r: RscIdx, running: &[NodeIdx]) -> (bool, bool) {
    let rsc = &view.resources[r];
    let promotable = view.resources[view.top_of(r)]
        .clone
        .as_ref()
        .is_some_and(|c| c.promotable);
    let blocked = !view.config.have_quorum
        && rsc.meta("requires") != Some("nothing")
        && match view.config.no_quorum_policy {
            crate::unpack::NoQuorumPolicy::Stop => true,
            crate::unpack::NoQuorumPolicy::Freeze => running.is_empty(),
            // demote: promotable resources are only demoted; everything else stops.
            crate::unpack::NoQuorumPolicy::Demote => !promotable,
            _ => false,
        };
    let stop = blocked
        && matches!(
            view.config.no_quorum_policy,
            crate::unpack::NoQuorumPolicy::Stop | crate::unpack::NoQuorumPolicy::Demote
        );
    (blocked, stop)
}

/// Recurring operations still running from an older configuration are cancelled.
fn cancel_orphan_ops(view: &ClusterView, r: RscIdx, t: &mut ActionTable) {
    let rsc = &view.resources[r];
    if !view.config.stop_orphan_actions || rsc.orphan {
        return;
    }
    let id = rsc.key_id().to_string();
    for (&n, st) in &rsc.node_state {
        // (Pacemaker checks histories before placement: only on nodes available then, or
        // in maintenance.)
        let node = &view.nodes[n];
        if !st.role.is_active() || !(node.available_before_placement() || node.maintenance) {
            continue;
        }
        for (name, interval) in st.active_recurring() {
            if rsc
                .ops
                .iter()
                .any(|o| o.name == name && o.interval_ms == interval && o.enabled)
            {
                continue;
            }
            add_cancel(
                t,
                r,
                &id,
                (name, interval),
                n,
                recorded_call(st, name, interval),
            );
        }
    }
}

/// `role=Stopped` monitors run on every node where the resource will not be running.
fn stopped_monitors(view: &ClusterView, r: RscIdx, next: Option<usize>, t: &mut ActionTable) {
    let rsc = &view.resources[r];
    let id = rsc.key_id().to_string();
    for op in rsc
        .ops
        .iter()
        .filter(|o| o.role == Some(Role::Stopped) && o.enabled && !o.duplicate && o.interval_ms > 0)
    {
        for (n, node) in view.nodes.iter().enumerate() {
            if !node.online || node.unclean || node.pending {
                continue;
            }
            if Some(n) == next {
                // It will run here: a stopped-role monitor still recorded here is cancelled first.
                let recorded = rsc.node_state.get(&n).is_some_and(|h| {
                    h.ops.iter().any(|o| {
                        o.task == op.name && o.interval_ms == op.interval_ms && o.status != 1
                    })
                });
                if recorded {
                    let c = t.get(
                        Some(r),
                        "cancel",
                        op_key(&id, &op.name, op.interval_ms),
                        op.interval_ms,
                        Some(n),
                        ActionKind::RscOp,
                    );
                    t.list[c]
                        .meta
                        .insert("CRM_meta_operation".into(), op.name.clone());
                    t.require(c);
                    for s in t.of(r, "start") {
                        if t.list[s].node == Some(n) {
                            t.order(c, s, OPTIONAL);
                        }
                    }
                }
                continue;
            }
            let mon = t.get(
                Some(r),
                &op.name,
                op_key(&id, &op.name, op.interval_ms),
                op.interval_ms,
                Some(n),
                ActionKind::RscOp,
            );
            let active = rsc.node_state.get(&n).is_some_and(|h| {
                h.role == Role::Stopped
                    && h.active_recurring()
                        .iter()
                        .any(|(a, b)| *a == op.name && *b == op.interval_ms)
            });
            // (It expects "not running".)
            t.list[mon]
                .meta
                .insert("CRM_meta_op_target_rc".into(), "7".into());
            if !active {
                t.require(mon);
            }
            for s in t.of(r, "stop") {
                if t.list[s].node == Some(n) {
                    t.order(s, mon, IMPLIES_THEN | RUNNABLE_LEFT);
                }
            }
        }
    }
}

/// The call id the history records for the recurring `name`/`interval` operation.
fn recorded_call(st: &RscNodeState, name: &str, interval: u64) -> Option<i64> {
    st.ops
        .iter()
        .rev()
        .find(|o| o.task == name && o.interval_ms == interval)
        .map(|o| o.call_id)
}

/// A required clean-up (`delete`) of `r`'s history on node `n`, after its stops (wherever it
/// runs).
fn forget_history(t: &mut ActionTable, r: RscIdx, id: &str, n: NodeIdx) -> usize {
    let d = t.get(
        Some(r),
        "delete",
        op_key(id, "delete", 0),
        0,
        Some(n),
        ActionKind::RscOp,
    );
    t.require(d);
    for s in t.of(r, "stop") {
        t.order(s, d, OPTIONAL);
    }
    d
}

/// Adds a required cancel of the recurring `name`/`interval` operation of `r` on node `n`,
/// naming the call it cancels (as the history recorded it).
fn add_cancel(
    t: &mut ActionTable,
    r: RscIdx,
    id: &str,
    (name, interval): (&str, u64),
    n: NodeIdx,
    call_id: Option<i64>,
) {
    let c = t.get(
        Some(r),
        "cancel",
        op_key(id, name, interval),
        interval,
        Some(n),
        ActionKind::RscOp,
    );
    t.list[c]
        .meta
        .insert("CRM_meta_operation".into(), name.to_string());
    if let Some(call) = call_id {
        t.list[c]
            .meta
            .insert("CRM_meta_call_id".into(), call.to_string());
    }
    t.require(c);
    // Cancellations happen after stops.
    for s in t.of(r, "stop") {
        t.order(s, c, OPTIONAL);
    }
}
