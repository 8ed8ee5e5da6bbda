//! Merging colocated resources' node scores into a node table, as Pacemaker 2.1.5 does when a
//! resource's placement is influenced by the resources colocated with it ("with this"), and
//! when resources are compared for assignment order ("this with"). Each colocated resource adds,
//! on every node of the table, the best score it has on a node sharing the colocation's node
//! attribute value, scaled by the colocation's strength; the walk follows colocations
//! transitively at full strength (only the sign of the scale carries over).

use super::Assigner;
use crate::constraints::Colocation;
use crate::unpack::{Kind, NodeIdx, Role, RscIdx};
use std::collections::{BTreeMap, BTreeSet};
use vocab::score::{Score, INFINITY};

/// A resource's node scores.
pub type Table = BTreeMap<NodeIdx, Score>;

/// Pacemaker's temporary "unusable" mark for a node while merging non-negative scores.
const UNUSABLE: i64 = -100 * INFINITY;

/// Which colocations a merge follows and how it treats negative results.
#[derive(Clone, Copy, Default)]
pub struct Select {
    /// Follow colocations where the resource is the dependent (else: where it is the primary).
    pub this_with: bool,
    /// Roll back a merge that leaves no node available.
    pub active: bool,
    /// Never let a merged score turn a node negative.
    pub nonnegative: bool,
}

/// Sort key of a colocation's "other" resource in Pacemaker's lists: priority (higher first),
/// then clones before groups before primitives, promotable clones first, then id.
fn other_key(a: &Assigner, r: RscIdx) -> (std::cmp::Reverse<i64>, u8, u8, String) {
    let rsc = &a.view.resources[r];
    let variant = match rsc.kind {
        Kind::Clone => 0,
        Kind::Group => 1,
        Kind::Primitive => 2,
    };
    let promotable = rsc.clone.as_ref().is_some_and(|c| c.promotable);
    (
        std::cmp::Reverse(rsc.priority()),
        variant,
        u8::from(!promotable),
        rsc.id.clone(),
    )
}

impl Assigner<'_> {
    /// Whether a resource's colocation lists are still its own: a group hands its colocations
    /// to its members when it is assigned (Pacemaker's expand_group_colocations).
    fn group_expanded(&self, g: RscIdx) -> bool {
        self.state[g] != 0
    }

    /// Whether a group's members are colocated with each other (`collocated`, default true).
    pub(super) fn colocated_group(&self, g: RscIdx) -> bool {
        self.view.resources[g].meta_flag("collocated", true)
    }

    /// The group-internal colocation of `member` with the member before it, if any.
    fn internal_colocation(&self, group: RscIdx, dependent: RscIdx, primary: RscIdx) -> Colocation {
        let view = self.view;
        Colocation {
            id: "group:internal_colocation".into(),
            dependent,
            primary,
            score: Score::INFINITY,
            dependent_role: None,
            primary_role: None,
            node_attribute: "#uname".into(),
            influence: view.resources[dependent].meta_flag("critical", true)
                && view.resources[group].meta_flag("critical", true),
        }
    }

    /// Colocations in which `r` is the primary (Pacemaker's `rsc_cons_lhs`), in its order.
    pub fn with_this(&self, r: RscIdx) -> Vec<Colocation> {
        let view = self.view;
        let mut list: Vec<Colocation> = self
            .cons
            .colocations
            .iter()
            .filter(|c| c.primary == r && c.score.0 != 0)
            .cloned()
            .collect();
        let rsc = &view.resources[r];
        if rsc.kind == Kind::Group && self.group_expanded(r) {
            list.clear();
        }
        if let Some(g) = rsc
            .parent
            .filter(|g| view.resources[*g].kind == Kind::Group)
        {
            let members = &view.resources[g].children;
            let at = members.iter().position(|m| *m == r).unwrap_or(0);
            if let Some(&next) = members.get(at + 1) {
                if self.colocated_group(g) {
                    list.push(self.internal_colocation(g, next, r));
                }
            } else if self.group_expanded(g) {
                // "R with group" became "R with the last member".
                list.extend(
                    self.cons
                        .colocations
                        .iter()
                        .filter(|c| c.primary == g && c.score.0 != 0)
                        .cloned(),
                );
            }
        }
        list.sort_by_cached_key(|c| other_key(self, c.dependent));
        list
    }

    /// Colocations in which `r` is the dependent (Pacemaker's `rsc_cons`), in its order.
    pub fn this_with(&self, r: RscIdx) -> Vec<Colocation> {
        let view = self.view;
        let mut list: Vec<Colocation> = self
            .cons
            .colocations
            .iter()
            .filter(|c| c.dependent == r && c.score.0 != 0)
            .cloned()
            .collect();
        let rsc = &view.resources[r];
        if rsc.kind == Kind::Group && self.group_expanded(r) {
            list.clear();
        }
        if let Some(g) = rsc
            .parent
            .filter(|g| view.resources[*g].kind == Kind::Group)
        {
            let members = &view.resources[g].children;
            let at = members.iter().position(|m| *m == r).unwrap_or(0);
            if at > 0 {
                if self.colocated_group(g) {
                    list.push(self.internal_colocation(g, r, members[at - 1]));
                }
                // After an unmanaged member the internal colocations no longer carry the
                // group's mandatory colocations: each later member gets them itself.
                if self.group_expanded(g)
                    && members[..at].iter().any(|&m| !view.resources[m].managed())
                {
                    list.extend(
                        self.cons
                            .colocations
                            .iter()
                            .filter(|c| c.dependent == g && c.score.is_infinite())
                            .cloned(),
                    );
                }
            } else if self.group_expanded(g) {
                // "Group with R" became "first member with R".
                list.extend(
                    self.cons
                        .colocations
                        .iter()
                        .filter(|c| c.dependent == g && c.score.0 != 0)
                        .cloned(),
                );
            }
        }
        list.sort_by_cached_key(|c| other_key(self, c.primary));
        list
    }

    /// Whether the dependent of `c` may pull its primary towards its own preferences.
    pub fn has_influence(&self, c: &Colocation) -> bool {
        let view = self.view;
        let running = view.running_on(c.primary);
        // A bundle's connection never moves its clean container that runs on one node
        // (moving the connection is cheap, moving the container interrupts the service).
        let bundle_connection = crate::unpack::bundle::replica_of(view, c.dependent)
            .is_some_and(|(_, rep)| rep.remote == Some(c.dependent));
        let failed = view.primitives_of(c.primary).iter().any(|&p| {
            view.resources[p]
                .node_state
                .values()
                .any(|s| s.must_recover())
        });
        if bundle_connection && !failed && running.len() == 1 {
            return false;
        }
        c.influence || running.is_empty()
    }

    /// A resource's node table as Pacemaker holds it now: after its own colocations once it
    /// has been assigned (or as far as they have been applied), its location-based scores
    /// before.
    pub fn allowed(&self, r: RscIdx) -> Table {
        self.allowed_after[r]
            .clone()
            .unwrap_or_else(|| self.scores_of(r))
    }

    fn any_available(&self, t: &Table) -> bool {
        t.iter().any(|(n, s)| s.0 >= 0 && self.usable(*n))
    }

    fn attr_value(&self, n: NodeIdx, attr: &str) -> Option<&str> {
        self.view.nodes[n].attrs.get(attr).map(String::as_str)
    }

    /// The best score `r` has on a usable node whose `attr` equals `value`.
    fn best_matching(&self, table: &Table, attr: &str, value: Option<&str>) -> i64 {
        let mut best = -INFINITY;
        for (&n, &s) in table {
            let same = match (self.attr_value(n, attr), value) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            };
            if s.0 > best && self.usable(n) && same {
                best = s.0;
            }
        }
        best
    }

    /// Adds `factor` times `r`'s best matching score to each node of `work`.
    fn add_matching(&self, work: &mut Table, r: RscIdx, attr: &str, factor: f32, nonneg: bool) {
        let other = self.allowed(r);
        for (&n, weight) in work.iter_mut() {
            let score = self.best_matching(&other, attr, self.attr_value(n, attr));
            if factor < 0.0 && score < 0 {
                continue; // a dislike of a disliked node is not a preference
            }
            if weight.0 == UNUSABLE {
                continue;
            }
            let scaled = factor * score as f32;
            let mut add = if scaled < 0.0 {
                (scaled - 0.5) as i64
            } else {
                (scaled + 0.5) as i64
            };
            // A small factor must not wipe out a nonzero score entirely.
            if add == 0 && score != 0 {
                add = if factor > 0.0 {
                    1
                } else if factor < 0.0 {
                    -1
                } else {
                    0
                };
            }
            let new = Score(add).saturating_add(*weight);
            if nonneg && new.0 < 0 && weight.0 > 0 {
                *weight = Score(UNUSABLE);
                continue;
            }
            if nonneg && new.0 < 0 && weight.0 == 0 {
                continue;
            }
            *weight = new;
        }
    }

    /// Pacemaker's pcmk__add_colocated_node_scores: `nodes` updated with `r`'s scores (and,
    /// transitively, those of what is colocated with it), or `r`'s own table if `nodes` is
    /// None. `merging` breaks colocation loops.
    pub fn add_colocated_scores(
        &self,
        r: RscIdx,
        nodes: Option<&Table>,
        attr: &str,
        factor: f32,
        select: Select,
        merging: &mut BTreeSet<RscIdx>,
    ) -> Option<Table> {
        if !merging.insert(r) {
            return nodes.cloned();
        }
        let rsc = &self.view.resources[r];
        let work = if rsc.kind == Kind::Group {
            let member = match nodes {
                None => rsc.children.last(),
                Some(_) => rsc.children.first(),
            };
            match member {
                None => {
                    merging.remove(&r);
                    return nodes.cloned();
                }
                Some(&m) => self.add_colocated_scores(m, nodes, attr, factor, select, merging),
            }
        } else {
            match nodes {
                None => Some(self.allowed(r)),
                Some(t) => {
                    let mut w = t.clone();
                    self.add_matching(&mut w, r, attr, factor, select.nonnegative);
                    Some(w)
                }
            }
        };
        let Some(mut work) = work else {
            merging.remove(&r);
            return nodes.cloned();
        };
        if self.any_available(&work) {
            let sign: f32 = if factor < 0.0 { -1.0 } else { 1.0 };
            let list = if select.this_with {
                self.this_with(r)
            } else if rsc.kind == Kind::Group {
                rsc.children
                    .last()
                    .map(|&m| self.with_this(m))
                    .unwrap_or_default()
            } else {
                self.with_this(r)
            };
            for c in list {
                let other = if select.this_with {
                    c.primary
                } else if self.has_influence(&c) {
                    c.dependent
                } else {
                    continue;
                };
                let f = sign * c.score.0 as f32 / INFINITY as f32;
                let deeper = Select {
                    active: true,
                    ..select
                };
                if let Some(w) = self.add_colocated_scores(
                    other,
                    Some(&work),
                    &c.node_attribute,
                    f,
                    deeper,
                    merging,
                ) {
                    work = w;
                }
            }
        } else if select.active {
            merging.remove(&r);
            return nodes.cloned();
        }
        if select.nonnegative {
            for s in work.values_mut() {
                if s.0 == UNUSABLE {
                    *s = Score(1);
                }
            }
        }
        merging.remove(&r);
        Some(work)
    }

    /// Adds the attenuated preferences of the resources colocated with `r` (Pacemaker's
    /// "with this" step of assigning a primitive).
    pub fn merge_with_this(&self, r: RscIdx, scores: &mut Table) {
        self.merge_with_this_as(r, scores, false);
    }

    /// The same for a clone, whose merged scores never turn a node negative.
    pub fn merge_with_this_nonnegative(&self, r: RscIdx, scores: &mut Table) {
        self.merge_with_this_as(r, scores, true);
    }

    /// Pacemaker's promotion step merges the dependents of the clone's promoted role once
    /// more (on top of the clone's own node weights, which hold them already).
    /// Pacemaker's apply_coloc_to_dependent: a promotable clone's weights for promotion take
    /// in the primary's scores of each colocation of its promoted role (all of them for a
    /// mandatory one, else only while some node stays available).
    pub fn merge_promoted_with(&self, r: RscIdx, scores: &mut Table) {
        for c in self.this_with(r) {
            if c.dependent_role != Some(Role::Promoted) {
                continue;
            }
            let factor = c.score.0 as f32 / INFINITY as f32;
            // (The clone itself is being merged: a colocation chain back to it stops there.)
            let mut merging = BTreeSet::from([r]);
            let select = Select {
                active: c.score.0 < INFINITY,
                ..Select::default()
            };
            if let Some(t) = self.add_colocated_scores(
                c.primary,
                Some(scores),
                &c.node_attribute,
                factor,
                select,
                &mut merging,
            ) {
                *scores = t;
            }
        }
    }

    pub fn merge_with_this_promoted(&self, r: RscIdx, scores: &mut Table) {
        self.merge_with_this_filtered(r, scores, true, |c| c.primary_role == Some(Role::Promoted));
    }

    fn merge_with_this_as(&self, r: RscIdx, scores: &mut Table, nonnegative: bool) {
        self.merge_with_this_filtered(r, scores, nonnegative, |_| true);
    }

    fn merge_with_this_filtered(
        &self,
        r: RscIdx,
        scores: &mut Table,
        nonnegative: bool,
        wanted: impl Fn(&Colocation) -> bool,
    ) {
        for c in self.with_this(r) {
            if !wanted(&c) || !self.has_influence(&c) {
                continue;
            }
            let factor = c.score.0 as f32 / INFINITY as f32;
            let mut merging = BTreeSet::new();
            let select = Select {
                active: true,
                nonnegative,
                ..Select::default()
            };
            if let Some(t) = self.add_colocated_scores(
                c.dependent,
                Some(scores),
                &c.node_attribute,
                factor,
                select,
                &mut merging,
            ) {
                *scores = t;
            }
        }
    }

    /// Pacemaker's "this with" step of assigning a primitive: each primary is assigned first,
    /// then its placement shapes `scores`.
    pub fn apply_this_with(&mut self, r: RscIdx, scores: &mut Table) {
        for c in self.this_with(r) {
            // The dependent's own promoted role is decided at promotion time.
            if c.dependent_role == Some(Role::Promoted) {
                continue;
            }
            // A colocation loop: the primary is being placed right now; ignore this link.
            if self.state[c.primary] == 1 {
                continue;
            }
            self.assign(c.primary);
            if self.view.resources[c.primary].kind == Kind::Clone {
                self.apply_colocation_with_placed(r, &c, scores);
                // (In place, as below.)
                self.allowed_after[r] = Some(scores.clone());
                continue;
            }
            let archive = (c.score.0 < 0 && !c.score.is_minus_infinite()).then(|| scores.clone());
            self.apply_to_weights(r, &c, scores);
            if let Some(kept) = archive {
                if !self.any_available(scores) {
                    *scores = kept;
                }
            }
            // Pacemaker changes the node table in place: the next primary placed sees it.
            self.allowed_after[r] = Some(scores.clone());
        }
    }

    /// One colocation with a placed primitive or group, as Pacemaker applies it to the
    /// dependent's node scores (a finite one is dropped if it would leave no node).
    pub(super) fn apply_to_weights(&mut self, r: RscIdx, c: &Colocation, scores: &mut Table) {
        let view = self.view;
        let mut target = c.primary;
        if view.resources[target].kind == Kind::Group {
            // Mandatory: the whole group must fit, so its last member; else its first.
            let members = &view.resources[target].children;
            let member = if c.score.is_infinite() {
                members.last()
            } else {
                members.first()
            };
            let Some(&m) = member else { return };
            target = m;
        }
        if let Some(role) = c.primary_role {
            let next = self.out.role[c.primary];
            if (c.score.0 > 0 && role != next) || (c.score.0 < 0 && role == next) {
                return;
            }
        }
        let primary_node = self.out.node[target];
        if primary_node.is_none() && c.score.0 < 0 {
            return;
        }
        let value = primary_node.and_then(|p| self.attr_value(p, &c.node_attribute));
        let mut work = scores.clone();
        let mut deltas = Vec::new();
        for (&n, w) in work.iter_mut() {
            let delta = match primary_node {
                None => Score(-c.score.0),
                Some(_) => {
                    let same = match (self.attr_value(n, &c.node_attribute), value) {
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        (None, None) => true,
                        _ => false,
                    };
                    if same && !c.score.is_infinite() {
                        c.score
                    } else if !same && c.score.is_infinite() {
                        Score::MINUS_INFINITY
                    } else {
                        continue;
                    }
                }
            };
            *w = delta.saturating_add(*w);
            deltas.push((n, delta));
        }
        if c.score.is_infinite() || c.score.is_minus_infinite() || self.any_available(&work) {
            *scores = work;
            for (node, score) in deltas {
                self.out.contributions.push(super::Contribution {
                    rsc: r,
                    node,
                    score,
                    source: c.id.clone(),
                });
            }
        }
    }
}
