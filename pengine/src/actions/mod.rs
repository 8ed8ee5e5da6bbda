//! Stage 4: actions. From each resource's current state and its assignment, create the
//! actions (start/stop/promote/demote/monitor/probe/cancel, collective pseudo actions,
//! fencing and shutdown) and the orderings between them. Actions start out optional and
//! are made required by the reasons that need them; [`crate::ordering`] then propagates.

mod bundle_order;
mod collective;
pub mod colocation_block;
mod constraints;
mod container_order;
pub(crate) mod node_actions;
pub use node_actions::unfencing_enabled;
pub mod notify;
mod primitive;
mod probe_order;
mod probes;
mod remote_order;

use crate::assign::Assignment;
use crate::constraints::Constraints;
use crate::unpack::{ClusterView, NodeIdx, RscIdx};
use graph::ActionKind;
use std::collections::{BTreeMap, HashMap};

/// Ordering flags (Pacemaker's `pe_order_*`, reduced to what is needed).
pub mod flags {
    /// Pure sequencing.
    pub const OPTIONAL: u32 = 0;
    /// First required => then required.
    pub const IMPLIES_THEN: u32 = 1;
    /// Then required => first required.
    pub const IMPLIES_FIRST: u32 = 2;
    /// First unrunnable => then unrunnable.
    pub const RUNNABLE_LEFT: u32 = 4;
    /// Then is runnable if at least one of its one-or-more firsts is.
    pub const ONE_OR_MORE: u32 = 8;
    /// Stop -> start of one resource: a required, runnable start forces the stop (restart).
    pub const RESTART: u32 = 16;
    /// Only meaningful when both actions are on the same node (anti-colocation).
    pub const SAME_NODE: u32 = 32;
    /// Bookkeeping only (never a graph input): a collective action summarising its children.
    pub const SUMMARY: u32 = 64;
    /// Then is runnable only if first is optional or runnable (a group's member stops).
    pub const STOP_CHAIN: u32 = 128;
    /// Created after the resources' own stop -> start orderings (a remote or guest node's
    /// connection before what runs there), so Pacemaker sees the start it makes unrunnable
    /// before it weighs the restart: that start's resource stops even when what blocks it
    /// is still running.
    pub const AFTER_RESTART: u32 = 256;
    /// An instance's action makes its collective's summary action required (Pacemaker sets
    /// this when it creates the summary, its ordering only "prints" the implication): the
    /// probe restart walk does not follow it.
    pub const SUMMARISES: u32 = 512;
    /// First required and runnable => then is shown in the graph, without being required
    /// (Pacemaker's "implies then printed": a clone-min pseudo action its instances feed).
    pub const IMPLIES_THEN_PRINTED: u32 = 1024;
    /// An asymmetric mandatory ordering: first unrunnable => then required and unrunnable,
    /// unless then is a start of something already running there that nothing requires.
    pub const ASYMMETRIC: u32 = 2048;
    /// An interleaved pair's instance ordering, which Pacemaker makes between the actions
    /// directly (no ordering constraint): probes are not ordered by it.
    pub const INTERLEAVED: u32 = 4096;
    /// An interleaved clone ordering's clone-level edge, whose "implies then" Pacemaker applies
    /// instance by instance: propagation leaves it out, the probe restart walk follows it as
    /// Pacemaker's ordering.
    pub const CLONE_IMPLIES_THEN: u32 = 8192;
    /// Made from an `rsc_order` constraint (Pacemaker's orderings without `pe_order_preserve`):
    /// the graph leaves it out between an action on a guest node and that node's container
    /// (Pacemaker's invalid orderings).
    pub const CONSTRAINT: u32 = 16384;
    /// Then required => first is shown in the graph, without being required (Pacemaker's
    /// "implies first printed").
    pub const IMPLIES_FIRST_PRINTED: u32 = 32768;
}

/// One scheduled (or merely possible) action.
#[derive(Debug, Clone)]
pub struct Action {
    /// Resource, if any.
    pub rsc: Option<RscIdx>,
    /// Operation name.
    pub task: String,
    /// Operation key as written in the graph.
    pub key: String,
    /// Instance-specific key (anonymous clones), if different.
    pub internal_key: Option<String>,
    /// Interval (ms).
    pub interval_ms: u64,
    /// Node, if any.
    pub node: Option<NodeIdx>,
    /// The node orderings judge it by when it has none: a group's start pseudo action
    /// stands for where the group goes (Pacemaker's ordering node for a group start).
    pub ordering_node: Option<NodeIdx>,
    /// Element kind.
    pub kind: ActionKind,
    /// Not needed (yet).
    pub optional: bool,
    /// In the graph even though optional (when runnable).
    pub print_always: bool,
    /// Can be executed.
    pub runnable: bool,
    /// What scheduling adds to the action's meta attributes, by graph name (`CRM_meta_*`:
    /// expected result, notification, migration, fencing details); [`crate::graph_meta`]
    /// adds the operation's own definition, which these never replace.
    pub meta: BTreeMap<String, String>,
    /// Synapse priority.
    pub priority: i64,
    /// Nodes going down as a result (fencing/shutdown).
    pub downed: Vec<NodeIdx>,
    /// For one-or-more pseudo actions: how many `ONE_OR_MORE` inputs must be runnable.
    pub min_runnable: usize,
    /// Made unrunnable only by something that is running now (a stop, not a failure to start).
    pub blocked_by_active: bool,
    /// Needed but not runnable (a blocked resource's stop): blocks `STOP_CHAIN` successors.
    pub blocked_needed: bool,
    /// Its resource is active somewhere now.
    pub rsc_active: bool,
    /// Why an ordering made it unrunnable or required (Pacemaker's "unrunnable A start",
    /// "required A start"), for the summary.
    pub reason: Option<String>,
}

/// An ordering edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Action that goes first.
    pub first: usize,
    /// Action that follows.
    pub then: usize,
    /// `flags::*`.
    pub flags: u32,
}

/// All actions and orderings, with lookup indexes.
#[derive(Debug, Default)]
pub struct ActionTable {
    /// Actions (index = identity).
    pub list: Vec<Action>,
    /// Orderings.
    pub edges: Vec<Edge>,
    /// Resource-level orderings as declared (kept even when no action exists yet).
    pub rsc_orders: Vec<(RscIdx, String, RscIdx, String, u32)>,
    /// Clone instances an interleaved ordering found no partner for: Pacemaker unassigns
    /// them there, so later interleaved orderings see them placed nowhere.
    pub inhibited: std::collections::BTreeSet<RscIdx>,
    /// Actions whose reason an ordering gave (the propagation may restate those).
    pub ordering_reasons: std::collections::BTreeSet<usize>,
    /// Action pairs an `rsc_order` constraint already orders: Pacemaker keeps only the first
    /// constraint's ordering between two actions (every constraint ordering carries its
    /// "optional" bit, which its duplicate filter matches), so a later one adds nothing.
    pub constraint_pairs: std::collections::HashSet<(usize, usize)>,
    /// By resource (none for node actions), key and node: an orphan history named like a
    /// configured clone has actions with that clone's keys.
    by_key: HashMap<(Option<RscIdx>, String, Option<NodeIdx>), usize>,
    by_rsc_task: HashMap<(RscIdx, String), Vec<usize>>,
}

impl ActionTable {
    /// Finds or creates an action; `key` identifies it together with the node.
    #[allow(clippy::too_many_arguments)]
    pub fn get(
        &mut self,
        rsc: Option<RscIdx>,
        task: &str,
        key: String,
        interval_ms: u64,
        node: Option<NodeIdx>,
        kind: ActionKind,
    ) -> usize {
        if let Some(&i) = self.by_key.get(&(rsc, key.clone(), node)) {
            return i;
        }
        let i = self.list.len();
        self.list.push(Action {
            rsc,
            task: task.to_string(),
            key: key.clone(),
            internal_key: None,
            interval_ms,
            node,
            ordering_node: None,
            kind,
            optional: true,
            print_always: false,
            runnable: true,
            meta: BTreeMap::new(),
            priority: 0,
            downed: Vec::new(),
            min_runnable: 0,
            blocked_by_active: false,
            blocked_needed: false,
            rsc_active: false,
            reason: None,
        });
        self.by_key.insert((rsc, key, node), i);
        if let Some(r) = rsc {
            if interval_ms == 0 {
                self.by_rsc_task
                    .entry((r, task.to_string()))
                    .or_default()
                    .push(i);
            }
        }
        i
    }

    /// An unrunnable start of `r` on no node: the first action of an ordering that `r` has
    /// no start for (Pacemaker creates it, so what must follow a start cannot run).
    pub fn unrunnable_start(&mut self, r: RscIdx, id: &str) -> usize {
        let i = self.get(
            Some(r),
            "start",
            op_key(id, "start", 0),
            0,
            None,
            ActionKind::RscOp,
        );
        self.list[i].runnable = false;
        i
    }

    /// The action with this key on this node, if created.
    pub fn find(&self, rsc: Option<RscIdx>, key: &str, node: Option<NodeIdx>) -> Option<usize> {
        self.by_key.get(&(rsc, key.to_string(), node)).copied()
    }

    /// Existing actions of a resource for a (non-recurring) task.
    pub fn of(&self, rsc: RscIdx, task: &str) -> Vec<usize> {
        self.by_rsc_task
            .get(&(rsc, task.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    /// Adds an ordering.
    pub fn order(&mut self, first: usize, then: usize, flags: u32) {
        if first != then {
            self.edges.push(Edge { first, then, flags });
        }
    }

    /// Orders every `first_task` action of `a` before every `then_task` action of `b`.
    pub fn order_rsc(
        &mut self,
        a: RscIdx,
        first_task: &str,
        b: RscIdx,
        then_task: &str,
        flags: u32,
    ) {
        self.rsc_orders
            .push((a, first_task.to_string(), b, then_task.to_string(), flags));
        let firsts = self.of(a, first_task);
        let thens = self.of(b, then_task);
        for &f in &firsts {
            for &t in &thens {
                self.order(f, t, flags);
            }
        }
    }

    /// Marks an action required.
    pub fn require(&mut self, i: usize) {
        self.list[i].optional = false;
    }
}

/// The collective "completed" form of a task (start -> running, ...).
pub fn completed_task(task: &str) -> &str {
    match task {
        "start" => "running",
        "stop" => "stopped",
        "promote" => "promoted",
        "demote" => "demoted",
        other => other,
    }
}

/// `RSC_TASK_INTERVAL`.
pub fn op_key(id: &str, task: &str, interval_ms: u64) -> String {
    format!("{id}_{task}_{interval_ms}")
}

/// Creates every action and ordering.
pub fn create(view: &ClusterView, cons: &Constraints, asg: &Assignment) -> ActionTable {
    let mut t = ActionTable::default();
    node_actions::fencing_and_shutdown(view, &mut t);
    primitive::load_points_in_order(view, cons, asg, &mut t);
    for (r, rsc) in view.resources.iter().enumerate() {
        if rsc.kind == crate::unpack::Kind::Primitive {
            primitive::create(view, cons, asg, r, &mut t);
        }
    }
    // Children before parents: a clone of groups links to its group instances' actions.
    for (r, rsc) in view.resources.iter().enumerate().rev() {
        if rsc.kind != crate::unpack::Kind::Primitive {
            collective::create(view, asg, r, &mut t);
        }
    }
    probes::probes(view, cons, asg, &mut t);
    node_actions::fence_guests(view, &mut t);
    node_actions::order_with_fencing(view, &mut t);
    node_actions::unfence(view, &mut t);
    bundle_order::order(view, &mut t);
    constraints::orderings(view, cons, asg, &mut t);
    container_order::order(view, &mut t);
    remote_order::order(view, &mut t);
    probe_order::order_probes(view, &mut t);
    for i in 0..t.list.len() {
        if let Some(r) = t.list[i].rsc {
            // (A clone's start passes on to its instances only what holds it back itself.)
            let clone_entry = view.resources[r].kind == crate::unpack::Kind::Clone
                && matches!(t.list[i].task.as_str(), "start" | "promote");
            t.list[i].rsc_active =
                !clone_entry && !view.running_on(r).is_empty() && !start_after_stop(view, &t, i, r);
        }
    }
    t
}

/// A required stop cancels the agent reload on its node (Pacemaker's "then cancels first":
/// the restart applies the new parameters anyway).
pub fn drop_cancelled_reloads(t: &mut ActionTable) {
    for i in 0..t.list.len() {
        let a = &t.list[i];
        let (Some(r), "reload-agent") = (a.rsc, a.task.as_str()) else {
            continue;
        };
        let node = a.node;
        let stopping = t
            .of(r, "stop")
            .into_iter()
            .any(|s| t.list[s].node == node && !t.list[s].optional);
        if stopping {
            t.list[i].optional = true;
        }
    }
}

/// A clone instance's start on no node while the instance must stop (Pacemaker creates one
/// for a clone-min ordering): what it blocks is not held back by something that keeps
/// running.
fn start_after_stop(view: &ClusterView, t: &ActionTable, i: usize, r: RscIdx) -> bool {
    let a = &t.list[i];
    let in_clone = view.resources[r]
        .parent
        .is_some_and(|p| view.resources[p].kind == crate::unpack::Kind::Clone);
    in_clone
        && a.task == "start"
        && a.node.is_none()
        && t.of(r, "stop").iter().any(|&s| !t.list[s].optional)
}

/// A migration whose completing (pseudo) start cannot happen does not happen either.
pub fn cancel_blocked_migrations(t: &mut ActionTable) {
    for i in 0..t.list.len() {
        let a = &t.list[i];
        if a.task != "migrate_to" && a.task != "migrate_from" {
            continue;
        }
        let Some(r) = a.rsc else { continue };
        let blocked = t
            .of(r, "start")
            .iter()
            .any(|&s| t.list[s].kind == ActionKind::PseudoEvent && !t.list[s].runnable);
        if blocked {
            t.list[i].runnable = false;
        }
    }
}

/// Orderings around live migrations: what must precede a migrating resource's stop or
/// start (and is not migrating itself) also precedes its `migrate_to`; two migrating
/// resources in sequence chain `migrate_from` -> `migrate_to`; and a migrating resource's
/// stop (which happens after the move) orders nothing else, unless a mandatory ordering
/// asks for it.
pub fn mirror_migration_orderings(view: &ClusterView, t: &mut ActionTable) {
    let migration = |t: &ActionTable, r: RscIdx, task: &str| {
        t.of(r, task).into_iter().find(|&i| t.list[i].runnable)
    };
    let mut extra = Vec::new();
    let mut dropped = Vec::new();
    for (ei, e) in t.edges.iter().enumerate() {
        let (fa, ta) = (&t.list[e.first], &t.list[e.then]);
        let (Some(fr), Some(tr)) = (fa.rsc, ta.rsc) else {
            continue;
        };
        // (Pacemaker mirrors orderings between unrelated resources only: group siblings are
        // unrelated, a resource and its parent are not.)
        if view.is_within(fr, tr) || view.is_within(tr, fr) {
            continue;
        }
        let f_to = migration(t, fr, "migrate_to");
        let t_to = migration(t, tr, "migrate_to");
        match (fa.task.as_str(), ta.task.as_str(), f_to, t_to) {
            ("start", "start", Some(_), Some(mt)) => {
                if let Some(mf) = migration(t, fr, "migrate_from") {
                    extra.push((mf, mt));
                }
            }
            (_, "stop" | "start", None, Some(mt)) => extra.push((e.first, mt)),
            _ => {}
        }
        // Pacemaker makes "first stop -> then migrate_to" even when the first migrates too
        // (the graph drops it then), and the first's probes precede whatever follows its
        // stop: so they precede the migrate_to.
        if let ("stop", "stop", Some(mt)) = (fa.task.as_str(), ta.task.as_str(), t_to) {
            let probes = t.of(fr, "monitor");
            for p in probes {
                let pa = &t.list[p];
                if pa.interval_ms == 0 && pa.node.is_some() {
                    extra.push((p, mt));
                }
            }
        }
        // (Only a purely optional one: Pacemaker leaves such an input out of the graph.)
        let optional = e.flags
            & (flags::IMPLIES_THEN | flags::IMPLIES_FIRST | flags::RUNNABLE_LEFT | flags::RESTART)
            == 0;
        if fa.task == "stop" && f_to.is_some() && t_to.is_none() && optional {
            dropped.push(ei);
        }
    }
    let dropped: std::collections::BTreeSet<usize> = dropped.into_iter().collect();
    let mut index = 0;
    t.edges.retain(|_| {
        let keep = !dropped.contains(&index);
        index += 1;
        keep
    });
    for (f, th) in extra {
        t.order(f, th, flags::OPTIONAL);
    }
}
