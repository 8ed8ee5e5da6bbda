//! The policy engine: a pure function from a CIB (and "now") to a transition graph.
//!
//! [`schedule`] runs the stages in order, each taking the previous stage's output:
//! [`unpack`] (CIB -> [`unpack::ClusterView`]) -> [`constraints`] -> [`assign`] (placement)
//! -> [`actions`] (actions + orderings) -> [`ordering`] (propagation) -> [`graph_build`].
//! No I/O, no clock, no randomness; every order that reaches the output is a sorted order.

pub mod actions;
pub mod assign;
pub mod constraints;
pub mod graph_build;
pub mod graph_meta;
pub mod ordering;
pub mod remote;
pub mod render;
pub mod rules;
pub mod synapse_order;
pub mod unpack;

use cib::Element;
use graph::TransitionGraph;

/// Notes produced while scheduling (configuration problems that did not stop it).
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// Problems worth a warning.
    pub warnings: Vec<String>,
    /// Informational notes.
    pub infos: Vec<String>,
}

impl Diagnostics {
    /// Records a warning.
    pub fn warn(&mut self, msg: impl Into<String>) {
        self.warnings.push(msg.into());
    }

    /// Records an informational note.
    pub fn info(&mut self, msg: impl Into<String>) {
        self.infos.push(msg.into());
    }
}

/// Why scheduling could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The root element is not `<cib>`.
    #[error("the input is not a CIB (root element <{0}>)")]
    NotACib(String),
}

/// Everything a schedule run produced, including the intermediate views the renderers use.
pub struct Schedule {
    /// The transition graph.
    pub graph: TransitionGraph,
    /// Allocation and promotion scores.
    pub scores: Vec<assign::ScoreLine>,
    /// Warnings and notes.
    pub diagnostics: Diagnostics,
    /// The cluster as unpacked.
    pub view: unpack::ClusterView,
    /// The constraints as expanded.
    pub constraints: constraints::Constraints,
    /// Placement.
    pub assignment: assign::Assignment,
    /// All actions (including optional ones) after propagation.
    pub actions: actions::ActionTable,
}

/// Computes the transition for `cib` (the `<cib>` root) at time `now` (epoch seconds).
pub fn schedule(cib: &Element, now: i64) -> Result<Schedule, ScheduleError> {
    let (diagnostics, view, constraints) = unpack_cib(cib, now)?;
    Ok(plan(diagnostics, view, constraints))
}

/// As [`schedule`], but frees the CIB tree as soon as it is unpacked: for large status
/// sections the tree is most of the memory, and planning never reads it.
pub fn schedule_owned(cib: Element, now: i64) -> Result<Schedule, ScheduleError> {
    let (diagnostics, view, constraints) = unpack_cib(&cib, now)?;
    drop(cib);
    Ok(plan(diagnostics, view, constraints))
}

/// The parts of a CIB the scheduler reads one at a time, so a reader may leave them unparsed
/// (`cib::Document::parse_deferring`): each node's operation history (`node_state/lrm`),
/// nearly all of a large cluster's CIB.
pub fn read_lazily(parent: &str, name: &str) -> bool {
    parent == "node_state" && name == "lrm"
}

/// Everything the scheduler takes from the CIB.
fn unpack_cib(
    cib: &Element,
    now: i64,
) -> Result<(Diagnostics, unpack::ClusterView, constraints::Constraints), ScheduleError> {
    if cib.name != "cib" {
        return Err(ScheduleError::NotACib(cib.name.clone()));
    }
    let mut diagnostics = Diagnostics::default();
    let idx = rules::IdIndex::new(cib);
    let mut view = unpack::ClusterView::unpack(cib, &idx, now, &mut diagnostics);
    let mut constraints = constraints::unpack(cib, &idx, &view, &mut diagnostics);
    constraints::containers::add_colocations(&view, &mut constraints);
    constraints::ban_from_all_but_lock(&view, &mut constraints);
    constraints::fence_for_lost_tickets(&mut view, &constraints);
    unpack::unmanage_without_fencing_devices(&mut view);
    Ok((diagnostics, view, constraints))
}

/// Placement, actions, orderings and the graph from the unpacked CIB.
fn plan(
    diagnostics: Diagnostics,
    view: unpack::ClusterView,
    constraints: constraints::Constraints,
) -> Schedule {
    let assignment = assign::assign(&view, &constraints);
    let mut view = view;
    remote::settle(&mut view, &constraints, &assignment);
    let mut actions = actions::create(&view, &constraints, &assignment);
    // (Pacemaker blocks the dependents of what cannot start from the outset before it
    // updates any ordering.)
    actions::colocation_block::block_dependents(&view, &constraints, &mut actions);
    ordering::propagate(&mut actions, &view);
    while actions::colocation_block::block_dependents(&view, &constraints, &mut actions) {
        ordering::propagate(&mut actions, &view);
    }
    actions::drop_cancelled_reloads(&mut actions);
    actions::cancel_blocked_migrations(&mut actions);
    actions::mirror_migration_orderings(&view, &mut actions);
    actions::notify::create(&view, &assignment, &mut actions);
    ordering::propagate(&mut actions, &view);
    let graph = graph_build::build(
        &view,
        &constraints,
        &assignment,
        &actions,
        &synapse_order::synapse_order(&view, &assignment, &actions),
    );
    let mut scores = assignment.scores.clone();
    scores.sort();
    Schedule {
        graph,
        scores,
        diagnostics,
        view,
        constraints,
        assignment,
        actions,
    }
}
