//! Stage 4: actions. From each resource's current state and its assignment, create the
//! actions (start/stop/promote/demote/monitor/probe/cancel, collective pseudo actions,
//! fencing and shutdown) and the orderings between them. Actions start out optional and
//! are made required by the reasons that need them; [`crate::ordering`] then propagates.

mod collective;
mod constraints;
mod node_actions;
mod primitive;
mod probe_order;

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
    /// Element kind.
    pub kind: ActionKind,
    /// Not needed (yet).
    pub optional: bool,
    /// Can be executed.
    pub runnable: bool,
    /// Extra `CRM_meta_*`/parameters for the graph.
    pub meta: BTreeMap<String, String>,
    /// Synapse priority.
    pub priority: i64,
    /// Nodes going down as a result (fencing/shutdown).
    pub downed: Vec<NodeIdx>,
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
    pub rsc_orders: Vec<(RscIdx, String, RscIdx, String)>,
    by_key: HashMap<(String, Option<NodeIdx>), usize>,
    by_rsc_task: HashMap<(RscIdx, String), Vec<usize>>,
}

impl ActionTable {
    /// Finds or creates an action; `key` identifies it together with the node.
    #[allow(clippy::too_many_arguments)]
    pub fn get(&mut self, rsc: Option<RscIdx>, task: &str, key: String, interval_ms: u64, node: Option<NodeIdx>, kind: ActionKind) -> usize {
        if let Some(&i) = self.by_key.get(&(key.clone(), node)) {
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
            kind,
            optional: true,
            runnable: true,
            meta: BTreeMap::new(),
            priority: 0,
            downed: Vec::new(),
        });
        self.by_key.insert((key, node), i);
        if let Some(r) = rsc {
            if interval_ms == 0 {
                self.by_rsc_task.entry((r, task.to_string())).or_default().push(i);
            }
        }
        i
    }

    /// Existing actions of a resource for a (non-recurring) task.
    pub fn of(&self, rsc: RscIdx, task: &str) -> Vec<usize> {
        self.by_rsc_task.get(&(rsc, task.to_string())).cloned().unwrap_or_default()
    }

    /// Adds an ordering.
    pub fn order(&mut self, first: usize, then: usize, flags: u32) {
        if first != then {
            self.edges.push(Edge { first, then, flags });
        }
    }

    /// Orders every `first_task` action of `a` before every `then_task` action of `b`.
    pub fn order_rsc(&mut self, a: RscIdx, first_task: &str, b: RscIdx, then_task: &str, flags: u32) {
        self.rsc_orders.push((a, first_task.to_string(), b, then_task.to_string()));
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
    for (r, rsc) in view.resources.iter().enumerate() {
        if rsc.kind == crate::unpack::Kind::Primitive {
            primitive::create(view, asg, r, &mut t);
        }
    }
    for (r, rsc) in view.resources.iter().enumerate() {
        if rsc.kind != crate::unpack::Kind::Primitive {
            collective::create(view, asg, r, &mut t);
        }
    }
    primitive::probes(view, cons, asg, &mut t);
    node_actions::order_with_fencing(view, &mut t);
    constraints::orderings(view, cons, asg, &mut t);
    probe_order::order_probes(view, &mut t);
    t
}
