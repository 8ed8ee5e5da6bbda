//! The score tables Pacemaker 2.1.5 shows for a bundle (`crm_simulate -s`).
//!
//! A bundle's guest nodes are made while the bundle is unpacked and are never discovered,
//! so no resource gets them from the symmetric default: only the bundle's clone (banned
//! there until its instances are placed) and each replica's instance (its own node, 500 until
//! the bundle pins it there) have them in their tables. The bundle shows, under
//! `pcmk__bundle_allocate`, its own table and those of everything it expanded into; its
//! clone then shows (`pcmk__clone_allocate`) its replicas' nodes only, and each instance its
//! own node.

use super::{Assigner, ScoreLine};
use crate::unpack::bundle::Bundle;
use crate::unpack::{NodeIdx, RscIdx};
use std::collections::{BTreeMap, BTreeSet};
use vocab::score::Score;

/// The weight a bundle gives its replica's node in the instance's table before placement.
const REPLICA_NODE_WEIGHT: Score = Score(500);

type Table = BTreeMap<NodeIdx, Score>;

impl Assigner<'_> {
    /// The bundle that `b` is, if any.
    fn bundle(&self, b: RscIdx) -> Option<&Bundle> {
        self.view.bundles.iter().find(|x| x.rsc == b)
    }

    /// Every bundle's guest nodes.
    fn bundle_nodes(&self) -> BTreeSet<NodeIdx> {
        self.view
            .bundles
            .iter()
            .flat_map(|b| b.replicas.iter().filter_map(|r| r.node))
            .collect()
    }

    fn push_table(&mut self, prefix: &'static str, r: RscIdx, table: &Table) {
        let view = self.view;
        for (n, s) in table {
            self.out.scores.push(ScoreLine {
                prefix,
                rsc: view.resources[r].id.clone(),
                node: view.nodes[*n].uname.clone(),
                score: *s,
            });
        }
    }

    /// A table as Pacemaker holds it for a resource of bundle `b`: without guest nodes of
    /// bundles (the bundle's clone has its own, banned).
    fn without_guest_nodes(&self, table: &Table) -> Table {
        let hidden = self.bundle_nodes();
        table
            .iter()
            .filter(|(n, _)| !hidden.contains(n))
            .map(|(n, s)| (*n, *s))
            .collect()
    }

    /// Shows the tables of bundle `b` and what it expanded into, as the bundle's assignment
    /// starts (`table` is the bundle's own). Returns false for anything but a bundle.
    pub(super) fn push_bundle_tables(&mut self, b: RscIdx, table: &Table) -> bool {
        let Some(bundle) = self.bundle(b).cloned() else {
            return false;
        };
        const PREFIX: &str = "pcmk__bundle_allocate";
        let own = self.without_guest_nodes(table);
        self.push_table(PREFIX, b, &own);
        for rep in &bundle.replicas {
            for r in rep.ip.into_iter().chain([rep.container]).chain(rep.remote) {
                let t = self.without_guest_nodes(&self.scores_of(r));
                self.push_table(PREFIX, r, &t);
            }
        }
        if let Some(clone) = bundle.child {
            let mut t = self.without_guest_nodes(&self.scores_of(clone));
            for n in bundle.replicas.iter().filter_map(|r| r.node) {
                t.insert(n, Score::MINUS_INFINITY);
            }
            self.push_table(PREFIX, clone, &t);
            for rep in &bundle.replicas {
                if let (Some(inst), Some(n)) = (rep.child, rep.node) {
                    self.push_table(PREFIX, inst, &BTreeMap::from([(n, REPLICA_NODE_WEIGHT)]));
                }
            }
        }
        true
    }

    /// The bundle whose clone `c` is, if any.
    pub(super) fn bundle_of_clone(&self, c: RscIdx) -> Option<&Bundle> {
        self.view.bundles.iter().find(|b| b.child == Some(c))
    }

    /// A bundle clone's own table when it is assigned: its replicas' nodes where an instance
    /// was placed (0), every other node banned.
    pub(super) fn bundle_clone_table(&self, c: RscIdx, table: &Table) -> Option<Table> {
        let bundle = self.bundle_of_clone(c)?;
        let mut t: Table = self
            .without_guest_nodes(table)
            .into_keys()
            .map(|n| (n, Score::MINUS_INFINITY))
            .collect();
        for rep in &bundle.replicas {
            if let Some(n) = rep.node {
                let placed = rep.child.is_some_and(|i| self.out.node[i] == Some(n));
                t.insert(
                    n,
                    if placed {
                        Score::ZERO
                    } else {
                        Score::MINUS_INFINITY
                    },
                );
            }
        }
        Some(t)
    }

    /// A bundle instance's table: its replica's node only, INFINITY unless its own score
    /// there forbids it.
    pub(super) fn bundle_instance_table(&self, inst: RscIdx) -> Option<Table> {
        let bundle = self.view.bundles.iter().find(|b| {
            b.child
                .is_some_and(|c| self.view.resources[c].children.contains(&inst))
        })?;
        let n = bundle
            .replicas
            .iter()
            .find(|r| r.child == Some(inst))
            .and_then(|r| r.node)?;
        let own = self.base[inst].get(&n).copied().unwrap_or(Score::ZERO);
        let score = if own.is_minus_infinite() {
            own
        } else {
            Score::INFINITY
        };
        Some(BTreeMap::from([(n, score)]))
    }

    /// Drops score lines on bundle guest nodes from the tables of resources that never hold
    /// them (everything but the bundle's clone and the replica's instance).
    pub(super) fn hide_undiscovered_guest_nodes(&mut self) {
        let view = self.view;
        let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for b in &view.bundles {
            for rep in &b.replicas {
                let Some(n) = rep.node else { continue };
                let list = owners.entry(view.nodes[n].uname.as_str()).or_default();
                list.extend(b.child.map(|c| view.resources[c].id.as_str()));
                list.extend(rep.child.map(|i| view.resources[i].id.as_str()));
            }
        }
        self.out.scores.retain(|l| {
            owners
                .get(l.node.as_str())
                .is_none_or(|ids| ids.contains(&l.rsc.as_str()))
        });
    }
}
