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
use std::collections::BTreeMap;
use vocab::score::Score;

/// The weight a bundle gives its replica's node in the instance's table before placement.
const REPLICA_NODE_WEIGHT: Score = Score(500);

type Table = BTreeMap<NodeIdx, Score>;

impl Assigner<'_> {
    /// The bundle that `b` is, if any.
    fn bundle(&self, b: RscIdx) -> Option<&Bundle> {
        self.view.bundles.iter().find(|x| x.rsc == b)
    }

    /// One `-s` line per node of `table`, for resource `r`.
    pub(super) fn push_table(&mut self, prefix: &'static str, r: RscIdx, table: &Table) {
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

    /// Shows the tables of bundle `b` and what it expanded into, as each assignment of the
    /// bundle starts (`table` is the bundle's own): Pacemaker assigns a bundle again each
    /// time something colocated with it asks, showing them `again` as they are by then.
    /// Returns false for anything but a bundle.
    pub(super) fn push_bundle_tables(&mut self, b: RscIdx, table: &Table, again: bool) -> bool {
        let Some(bundle) = self.bundle(b).cloned() else {
            return false;
        };
        const PREFIX: &str = "pcmk__bundle_allocate";
        self.push_table(PREFIX, b, table);
        for rep in &bundle.replicas {
            for r in rep.ip.into_iter().chain([rep.container]).chain(rep.remote) {
                let t = match self.last_shown.get(&r) {
                    Some(shown) if again => shown.clone(),
                    _ => self.scores_of(r),
                };
                self.push_table(PREFIX, r, &t);
            }
        }
        if let Some(clone) = bundle.child {
            let t = if again && self.state[clone] == 2 {
                self.bundle_clone_table(clone, &self.scores_of(clone))
                    .unwrap_or_default()
            } else {
                let mut t = self.scores_of(clone);
                for n in bundle.replicas.iter().filter_map(|r| r.node) {
                    t.insert(n, Score::MINUS_INFINITY);
                }
                t
            };
            self.push_table(PREFIX, clone, &t);
            for rep in &bundle.replicas {
                if let (Some(inst), Some(n)) = (rep.child, rep.node) {
                    // (Until the bundle pins it there: its own preferences for the node,
                    // stickiness included, on top of the replica's weight.)
                    let t = if again {
                        self.bundle_instance_table(inst).unwrap_or_default()
                    } else {
                        let own = self.base[inst].get(&n).copied().unwrap_or(Score::ZERO);
                        BTreeMap::from([(n, REPLICA_NODE_WEIGHT.saturating_add(own))])
                    };
                    self.push_table(PREFIX, inst, &t);
                }
            }
        }
        true
    }

    /// The bundle whose clone `c` is, if any.
    pub(super) fn bundle_of_clone(&self, c: RscIdx) -> Option<&Bundle> {
        self.view.bundles.iter().find(|b| b.child == Some(c))
    }

    /// A bundle clone's own table when it is assigned: its replicas' nodes (0), every other
    /// node banned.
    pub(super) fn bundle_clone_table(&self, c: RscIdx, table: &Table) -> Option<Table> {
        let bundle = self.bundle_of_clone(c)?;
        let mut t: Table = table
            .keys()
            .copied()
            .map(|n| (n, Score::MINUS_INFINITY))
            .collect();
        for n in bundle.replicas.iter().filter_map(|r| r.node) {
            t.insert(n, Score::ZERO);
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
    /// them: everything but the bundle's clone and the replica's instance, and, for a node
    /// also listed under `<nodes>`, what was unpacked before the replica's connection (the
    /// resources configured before the bundle, the replica's IP and container, and the
    /// earlier replicas' resources).
    pub(super) fn hide_undiscovered_guest_nodes(&mut self) {
        let view = self.view;
        if view.bundles.is_empty() {
            return;
        }
        let position = |r: RscIdx| view.top.iter().position(|&t| t == view.top_of(r));
        let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for b in &view.bundles {
            for (k, rep) in b.replicas.iter().enumerate() {
                let Some(n) = rep.node else { continue };
                let list = owners.entry(view.nodes[n].uname.as_str()).or_default();
                list.extend(b.child.map(|c| view.resources[c].id.as_str()));
                list.extend(rep.child.map(|i| view.resources[i].id.as_str()));
                if !view.nodes[n].configured {
                    continue;
                }
                let before_bundle = (0..view.resources.len())
                    .filter(|&r| position(r).is_some_and(|p| Some(p) < position(b.rsc)));
                let earlier_replicas = b.replicas[..k]
                    .iter()
                    .flat_map(|x| x.ip.into_iter().chain([x.container]).chain(x.remote));
                let own = rep.ip.into_iter().chain([rep.container]);
                list.extend(
                    before_bundle
                        .chain(earlier_replicas)
                        .chain(own)
                        .map(|r| view.resources[r].id.as_str()),
                );
            }
        }
        // A location constraint is unpacked once every guest node exists: the nodes it
        // names or its rule matches are in the resource's table whatever came before.
        let location_ids: std::collections::BTreeSet<&str> =
            self.cons.locations.iter().map(|l| l.id.as_str()).collect();
        let located: std::collections::BTreeSet<(&str, &str)> = self
            .out
            .contributions
            .iter()
            .filter(|c| location_ids.contains(c.source.as_str()))
            .map(|c| {
                (
                    view.resources[c.rsc].id.as_str(),
                    view.nodes[c.node].uname.as_str(),
                )
            })
            .collect();
        let banned: std::collections::BTreeSet<&str> = self
            .banned_everywhere
            .iter()
            .map(|&r| view.resources[r].id.as_str())
            .collect();
        self.out.scores.retain(|l| {
            located.contains(&(l.rsc.as_str(), l.node.as_str()))
                || (l.prefix == "pcmk__primitive_assign" && banned.contains(l.rsc.as_str()))
                || owners
                    .get(l.node.as_str())
                    .is_none_or(|ids| ids.contains(&l.rsc.as_str()))
        });
    }
}
