//! The order in which a clone's instances are assigned (Pacemaker 2.1.5's pcmk__cmp_instance).
//! Both the "keep where it runs" pass and the "place the rest" pass walk this one order, so
//! it decides which instance finds a node already full, and so the tables `-s` shows.

use super::colocated::{Select, Table};
use super::Assigner;
use crate::unpack::{NodeIdx, RscIdx};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use vocab::score::{Score, INFINITY};

/// What the comparison needs to know about one instance, computed once.
struct Facts {
    /// Nodes it is active on (its first one is Pacemaker's "current node").
    active: Vec<NodeIdx>,
    /// Its current node, unless the instance may no longer run there.
    allowed_current: Option<NodeIdx>,
    /// Whether it is active on a node it may no longer use.
    disallowed: bool,
    /// Its priority (a promotable instance's is raised to its promotion score).
    priority: Score,
    /// Whether it or something under it failed.
    failed: bool,
}

/// Instance positions of `c` (indexes into `instances`) in assignment order: a stable sort,
/// as Pacemaker's list sort, by the criteria of pcmk__cmp_instance.
pub(super) fn instance_order(
    a: &Assigner,
    c: RscIdx,
    instances: &[RscIdx],
    promotion_priority: &BTreeMap<RscIdx, Score>,
) -> Vec<usize> {
    let view = a.view;
    let clone_scores = a.scores_of(c);
    let facts: Vec<Facts> = instances
        .iter()
        .map(|&inst| {
            let active = view.running_on(inst);
            let current = active.first().copied();
            let own = a.scores_of(inst);
            let allowed = |n: NodeIdx| own.get(&n).is_some_and(|s| s.0 >= 0);
            let own_priority = Score(view.resources[inst].priority());
            Facts {
                disallowed: current.is_some_and(|n| !allowed(n)),
                allowed_current: current.filter(|n| allowed(*n)),
                priority: promotion_priority
                    .get(&inst)
                    .map_or(own_priority, |p| own_priority.max(*p)),
                failed: failed(a, inst),
                active,
            }
        })
        .collect();
    // The colocation criterion depends only on the current node: computed once per node.
    let coloc: BTreeMap<NodeIdx, Score> = facts
        .iter()
        .filter_map(|f| f.allowed_current)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|n| (n, coloc_score(a, c, n)))
        .collect();
    let mut order: Vec<usize> = (0..instances.len()).collect();
    order.sort_by(|&i, &j| compare(a, &clone_scores, &facts[i], &facts[j], &coloc, i, j));
    order
}

/// Whether an instance or something under it failed (Pacemaker's did_fail).
fn failed(a: &Assigner, inst: RscIdx) -> bool {
    a.view
        .primitives_of(inst)
        .iter()
        .any(|&p| primitive_failed(a, p))
}

/// Whether a primitive failed (Pacemaker's pe_rsc_failed, set on the primitive only): such an
/// instance is not kept where it runs by the first pass, but placed with the rest.
pub(super) fn primitive_failed(a: &Assigner, r: RscIdx) -> bool {
    let rsc = &a.view.resources[r];
    rsc.kind == crate::unpack::Kind::Primitive
        && rsc
            .node_state
            .values()
            .any(|s| s.failed && !s.failure_ignored)
}

/// pcmk__cmp_instance for two instances (`i`, `j`: their positions, whose instance numbers
/// break the last tie).
fn compare(
    a: &Assigner,
    clone_scores: &Table,
    x: &Facts,
    y: &Facts,
    coloc: &BTreeMap<NodeIdx, Score>,
    i: usize,
    j: usize,
) -> Ordering {
    // Less multiply active first (when both are active).
    if !x.active.is_empty() && !y.active.is_empty() && x.active.len() != y.active.len() {
        return x.active.len().cmp(&y.active.len());
    }
    // One active where it may no longer run goes after the others.
    if x.disallowed != y.disallowed {
        return x.disallowed.cmp(&y.disallowed);
    }
    // Higher priority first.
    if x.priority != y.priority {
        return y.priority.cmp(&x.priority);
    }
    // Active (on a node it may use) before inactive.
    let (nx, ny) = match (x.allowed_current, y.allowed_current) {
        (None, None) => return Ordering::Equal,
        (None, Some(_)) => return Ordering::Greater,
        (Some(_), None) => return Ordering::Less,
        (Some(nx), Some(ny)) => (nx, ny),
    };
    // Whose current node can run resources first.
    if a.usable(nx) != a.usable(ny) {
        return a.usable(ny).cmp(&a.usable(nx));
    }
    // Whose clone may use its current node first.
    let (px, py) = (
        clone_scores.contains_key(&nx),
        clone_scores.contains_key(&ny),
    );
    if px != py {
        return py.cmp(&px);
    }
    if !px {
        return Ordering::Equal;
    }
    // (Nodes hold no assigned instances yet, so the "fewer on its node" criterion ties.)
    // Not failed before failed.
    if x.failed != y.failed {
        return x.failed.cmp(&y.failed);
    }
    // Higher score of the clone's colocations on its current node first.
    let (cx, cy) = (coloc[&nx], coloc[&ny]);
    if cx != cy {
        return cy.cmp(&cx);
    }
    i.cmp(&j)
}

/// What the clone's colocations (both directions) add on node `n`, starting from nothing
/// (Pacemaker's cmp_instance_by_colocation with apply_parent_colocations).
fn coloc_score(a: &Assigner, c: RscIdx, n: NodeIdx) -> Score {
    let mut table: Table = BTreeMap::from([(n, Score::ZERO)]);
    for col in a.this_with(c) {
        let factor = col.score.0 as f32 / INFINITY as f32;
        if let Some(t) = a.add_colocated_scores(
            col.primary,
            Some(&table),
            &col.node_attribute,
            factor,
            Select::default(),
            &mut BTreeSet::new(),
        ) {
            table = t;
        }
    }
    for col in a.with_this(c) {
        if !a.has_influence(&col) {
            continue;
        }
        let factor = col.score.0 as f32 / INFINITY as f32;
        let select = Select {
            nonnegative: true,
            ..Select::default()
        };
        if let Some(t) = a.add_colocated_scores(
            col.dependent,
            Some(&table),
            &col.node_attribute,
            factor,
            select,
            &mut BTreeSet::new(),
        ) {
            table = t;
        }
    }
    table.get(&n).copied().unwrap_or(Score::ZERO)
}
