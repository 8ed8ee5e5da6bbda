//! Colocations of an interleaved clone with another clone: each instance is colocated with
//! one instance of the other clone (Pacemaker 2.1.5's find_compatible_child), not with the
//! other clone as a whole. An instance therefore sees only its partner's node, which is what
//! its score table shows.

use super::colocated::Table;
use super::Assigner;
use crate::constraints::Colocation;
use crate::unpack::{Kind, NodeIdx, RscIdx};
use vocab::score::Score;

impl Assigner<'_> {
    /// Whether `c` pairs instances: its dependent clone interleaves, its primary is a
    /// (non-bundle) clone with as many instances per node, and no role of a promotable
    /// primary is asked for (that is decided with the promoted instances).
    pub(super) fn interleaved(&self, c: &Colocation) -> bool {
        let view = self.view;
        let (dep, pri) = (&view.resources[c.dependent], &view.resources[c.primary]);
        let (Some(dc), Some(pc)) = (dep.clone.as_ref(), pri.clone.as_ref()) else {
            return false;
        };
        let bundle = |r: RscIdx| view.bundles.iter().any(|b| b.rsc == r);
        dc.interleave
            && pri.kind == Kind::Clone
            && !bundle(c.primary)
            && !bundle(c.dependent)
            && dc.node_max == pc.node_max
            && !(pc.promotable && c.primary_role.is_some())
    }

    /// Applies the interleaved colocations `cols` of instance `inst` to its table `s`, each
    /// with the partner instance found on the best of its nodes. False when a mandatory one
    /// finds no partner: the instance then stays stopped (banned everywhere).
    pub(super) fn apply_interleaved(
        &mut self,
        inst: RscIdx,
        cols: &[Colocation],
        s: &mut Table,
    ) -> bool {
        for c in cols {
            match self.partner(c.primary, s) {
                Some(p) => {
                    let paired = Colocation {
                        primary: p,
                        ..c.clone()
                    };
                    self.apply_to_weights(inst, &paired, s);
                }
                None if c.score.is_infinite() => {
                    // (Assigned nowhere, and shown banned everywhere.)
                    s.values_mut().for_each(|v| *v = Score::MINUS_INFINITY);
                    return false;
                }
                None => {}
            }
        }
        true
    }

    /// The first instance of `primary` placed on a node of `s`, trying the nodes from the
    /// best (Pacemaker's node sort; nodes that cannot run resources count as -INFINITY).
    fn partner(&self, primary: RscIdx, s: &Table) -> Option<RscIdx> {
        let weight = |n: NodeIdx, v: Score| {
            if self.usable(n) {
                v
            } else {
                Score::MINUS_INFINITY
            }
        };
        let mut nodes: Vec<NodeIdx> = s.keys().copied().collect();
        nodes.sort_by(|&x, &y| {
            let (wx, wy) = (weight(x, s[&x]), weight(y, s[&y]));
            if self.better(x, wx, y, wy, None) {
                std::cmp::Ordering::Less
            } else if self.better(y, wy, x, wx, None) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        let children = &self.view.resources[primary].children;
        nodes.into_iter().find_map(|n| {
            children.iter().copied().find(|&ch| {
                self.out.node[ch] == Some(n) && !super::blocked_by_failure(self.view, ch)
            })
        })
    }
}
