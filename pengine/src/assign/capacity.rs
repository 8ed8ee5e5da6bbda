//! Utilization-aware placement (`placement-strategy` other than `default`), as Pacemaker
//! 2.1.5 checks capacity before a primitive picks its node: the primitive and every resource
//! chained to it by mandatory colocations that is not placed yet must fit on one node together.
//! If some node can hold them all, the nodes that cannot are banned; otherwise only the nodes
//! that cannot hold the primitive alone are, and the node with the most free capacity is
//! preferred among the best-scored ones.

use super::colocated::Table;
use super::Assigner;
use crate::constraints::Colocation;
use crate::unpack::{Kind, NodeIdx, RscIdx};
use std::collections::BTreeMap;
use vocab::score::Score;

/// Summed utilization by attribute name.
type Utilization = BTreeMap<String, i64>;

/// What the capacity check decided for one primitive.
pub struct CapacityLimit {
    /// Nodes banned for lack of capacity.
    pub banned: Vec<NodeIdx>,
    /// The node with the most free capacity, preferred when nothing fits the whole chain.
    pub prefer: Option<NodeIdx>,
}

impl Assigner<'_> {
    /// Whether `r` has not been through placement yet (Pacemaker's `pe_rsc_provisional`).
    fn provisional(&self, r: RscIdx) -> bool {
        self.state[r] != 2
    }

    /// Whether a mandatory colocation decides location now (Pacemaker's
    /// `pcmk__colocation_affects(..., preview)`): role-limited ones are left out.
    fn chains_location(c: &Colocation) -> bool {
        c.score.is_infinite() && c.dependent_role.is_none() && c.primary_role.is_none()
    }

    /// The members of group `r` that go where it goes: all of a colocated or cloned group,
    /// else only the first.
    fn members_placed_together(&self, r: RscIdx) -> &[RscIdx] {
        let rsc = &self.view.resources[r];
        let cloned = rsc
            .parent
            .is_some_and(|p| self.view.resources[p].kind == Kind::Clone);
        if self.colocated_group(r) || cloned {
            &rsc.children[..]
        } else {
            &rsc.children[..rsc.children.len().min(1)]
        }
    }

    /// The resources chained to `r` by mandatory colocations, `r` first (Pacemaker's
    /// `colocated_resources`); `orig` is where the walk started.
    fn colocated_resources(&self, r: RscIdx, orig: RscIdx, list: &mut Vec<RscIdx>) {
        let rsc = &self.view.resources[r];
        if rsc.kind == Kind::Group {
            for &m in self.members_placed_together(r) {
                self.colocated_resources(m, orig, list);
            }
        }
        if list.contains(&r) {
            return;
        }
        list.push(r);
        for c in self.this_with(r) {
            if c.primary != orig && Self::chains_location(&c) {
                self.colocated_resources(c.primary, orig, list);
            }
        }
        let is_clone = rsc.kind == Kind::Clone;
        for c in self.with_this(r) {
            if c.dependent == orig
                || (is_clone && self.view.resources[c.dependent].kind != Kind::Clone)
            {
                continue;
            }
            if Self::chains_location(&c) {
                self.colocated_resources(c.dependent, orig, list);
            }
        }
    }

    /// Adds what `r` will still consume once placed (Pacemaker's `add_utilization`).
    fn add_utilization(&self, r: RscIdx, all: &[RscIdx], sum: &mut Utilization) {
        if !self.provisional(r) {
            return;
        }
        let rsc = &self.view.resources[r];
        match rsc.kind {
            Kind::Primitive => {
                for (k, v) in &rsc.utilization {
                    *sum.entry(k.clone()).or_insert(0) += v;
                }
            }
            Kind::Group => {
                for &m in self.members_placed_together(r) {
                    if self.provisional(m) && !all.contains(&m) {
                        self.add_utilization(m, all, sum);
                    }
                }
            }
            Kind::Clone => {
                // An instance already listed counts itself; one whose member is listed
                // counts as a whole; with neither, the first instance stands for the clone.
                let mut existing = false;
                for &child in &rsc.children {
                    if all.contains(&child) {
                        existing = true;
                    } else if self.view.resources[child]
                        .children
                        .iter()
                        .any(|m| all.contains(m))
                    {
                        self.add_utilization(child, all, sum);
                        existing = true;
                    }
                }
                if let (false, Some(&first)) = (existing, rsc.children.first()) {
                    self.add_utilization(first, all, sum);
                }
            }
        }
    }

    /// Whether node `n`'s remaining capacity covers `util`.
    fn has_capacity(&self, n: NodeIdx, util: &Utilization) -> bool {
        util.iter()
            .all(|(k, v)| self.capacity[n].get(k).copied().unwrap_or(0) >= *v)
    }

    /// Counts the attributes in which `a` has more free capacity than `b`, minus those in
    /// which it has less (Pacemaker's `pcmk__compare_node_capacities`, negated).
    pub(super) fn more_capacity(&self, a: NodeIdx, b: NodeIdx) -> i64 {
        let keys: std::collections::BTreeSet<&String> = self.capacity[a]
            .keys()
            .chain(self.capacity[b].keys())
            .collect();
        keys.into_iter()
            .map(|k| {
                let x = self.capacity[a].get(k).copied().unwrap_or(0);
                let y = self.capacity[b].get(k).copied().unwrap_or(0);
                (x > y) as i64 - (x < y) as i64
            })
            .sum()
    }

    /// Pacemaker's `pcmk__ban_insufficient_capacity` for primitive `r` with node scores
    /// `scores` (after its colocations).
    pub fn capacity_limit(&self, r: RscIdx, scores: &Table) -> CapacityLimit {
        let none = CapacityLimit {
            banned: Vec::new(),
            prefer: None,
        };
        if self.view.config.placement_strategy == "default" {
            return none;
        }
        let mut chain = Vec::new();
        self.colocated_resources(r, r, &mut chain);
        let mut whole = Utilization::new();
        for &x in &chain {
            self.add_utilization(x, &chain, &mut whole);
        }
        let available: Vec<NodeIdx> = scores
            .iter()
            .filter(|(n, s)| s.0 >= 0 && self.usable(**n))
            .map(|(n, _)| *n)
            .collect();
        let mut prefer: Option<NodeIdx> = None;
        for &n in &available {
            if prefer.is_none_or(|p| self.more_capacity(n, p) > 0) {
                prefer = Some(n);
            }
        }
        if available.iter().any(|&n| self.has_capacity(n, &whole)) {
            let banned = available
                .into_iter()
                .filter(|&n| !self.has_capacity(n, &whole))
                .collect();
            return CapacityLimit {
                banned,
                prefer: None,
            };
        }
        let own = &self.view.resources[r].utilization;
        CapacityLimit {
            banned: available
                .into_iter()
                .filter(|&n| !self.has_capacity(n, own))
                .collect(),
            prefer,
        }
    }

    /// Applies a capacity limit's bans to `scores`.
    pub fn ban_for_capacity(limit: &CapacityLimit, scores: &mut Table) {
        for n in &limit.banned {
            scores.insert(*n, Score::MINUS_INFINITY);
        }
    }
}

impl Assigner<'_> {
    /// The nodes in Pacemaker's preference order before anything is placed (its
    /// `pcmk__sort_nodes` without a current node): usable first, then (`balanced`) more
    /// free capacity, then name.
    fn nodes_by_preference(&self) -> Vec<NodeIdx> {
        let mut nodes: Vec<NodeIdx> = (0..self.view.nodes.len()).collect();
        let balanced = self.view.config.placement_strategy == "balanced";
        nodes.sort_by(|&x, &y| {
            let usable = self.usable(y).cmp(&self.usable(x));
            let capacity = if balanced {
                0.cmp(&self.more_capacity(x, y))
            } else {
                std::cmp::Ordering::Equal
            };
            usable
                .then(capacity)
                .then_with(|| self.view.nodes[x].uname.cmp(&self.view.nodes[y].uname))
        });
        nodes
    }

    /// Pacemaker's resource order under a placement strategy (`pcmk__sort_resources`):
    /// priority, then the score (with what each depends on merged in) on the node it runs
    /// on, then the scores on each node in preference order.
    pub fn sort_for_strategy(&self, order: &mut [RscIdx]) {
        let view = self.view;
        let nodes = self.nodes_by_preference();
        let keys: BTreeMap<RscIdx, (i64, Score, Vec<Score>)> = order
            .iter()
            .map(|&r| {
                let select = super::colocated::Select {
                    this_with: true,
                    ..Default::default()
                };
                let merged = self
                    .add_colocated_scores(r, None, "#uname", 1.0, select, &mut Default::default())
                    .unwrap_or_default();
                let on = |n: NodeIdx| merged.get(&n).copied().unwrap_or(Score::MINUS_INFINITY);
                // (Pacemaker weighs where it runs first, a collective's first node too.)
                let running = view.running_on(r);
                let current = match running.first() {
                    Some(&n) if running.len() == 1 && self.usable(n) => on(n),
                    Some(&n) if running.len() > 1 => on(n),
                    _ => Score::MINUS_INFINITY,
                };
                let by_node = nodes.iter().map(|&n| on(n)).collect();
                (r, (view.resources[r].priority(), current, by_node))
            })
            .collect();
        // Higher first in every part of the key (a stable sort keeps CIB order among equals).
        order.sort_by(|x, y| keys[y].cmp(&keys[x]));
    }
}

impl Assigner<'_> {
    /// Takes what primitive `r` uses from node `n`'s remaining capacity (an attribute the
    /// node does not list reads as 0 either way).
    pub fn consume_capacity(&mut self, r: RscIdx, n: NodeIdx) {
        if self.view.config.placement_strategy == "default" {
            return;
        }
        for (k, v) in &self.view.resources[r].utilization {
            if let Some(c) = self.capacity[n].get_mut(k) {
                *c -= v;
            }
        }
    }
}
