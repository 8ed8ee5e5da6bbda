//! The status after a simulated transition (crm_simulate's revised cluster status): the
//! screen gathered for the input CIB, with every primitive where the executed graph leaves
//! it (as the text's revised status shows it) and the fenced nodes down, as Pacemaker's
//! simulation records them.

use super::model::{Item, Prim};
use super::status::{NodeKind, Status};
use pengine::render::Placement;
use pengine::unpack::ClusterView;
use std::collections::{BTreeMap, BTreeSet};

impl Item {
    /// Every primitive, mutable, in display order.
    fn prims_mut(&mut self) -> Vec<&mut Prim> {
        match self {
            Item::Prim(p) => vec![p],
            Item::Group { members, .. } => members.iter_mut().collect(),
            Item::Clone { instances, .. } => {
                instances.iter_mut().flat_map(Item::prims_mut).collect()
            }
            Item::Bundle { replicas, .. } => replicas
                .iter_mut()
                .flat_map(|r| {
                    r.ip.iter_mut()
                        .chain(r.child.iter_mut())
                        .chain(std::iter::once(&mut r.container))
                        .chain(r.remote.iter_mut())
                })
                .collect(),
        }
    }
}

impl Status {
    /// Moves every primitive the view knows to `placement`; `fenced` nodes go down (offline,
    /// clean, no longer expected up: the simulation records them as fenced).
    pub fn apply_placement(
        &mut self,
        view: &ClusterView,
        placement: &Placement,
        fenced: &BTreeSet<usize>,
    ) {
        let by_id: BTreeMap<&str, usize> = view
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        for item in &mut self.resources {
            for p in item.prims_mut() {
                let Some(&r) = by_id.get(p.instance_id.as_str()) else {
                    continue;
                };
                // The same roles and failure as the text's revised status shows.
                let text = pengine::render::primitive_text(view, r, placement, true);
                p.on = text.on.into_iter().map(|n| (n.name, n.role)).collect();
                p.failed = text.failed;
            }
        }
        // An orphan the transition stopped is no longer listed.
        self.resources.retain(|it| !it.inactive_orphan());
        let fenced_names: BTreeSet<&str> = fenced
            .iter()
            .map(|&n| view.nodes[n].uname.as_str())
            .collect();
        for n in self.nodes.iter_mut() {
            if n.kind == NodeKind::Member {
                if fenced_names.contains(n.name.as_str()) {
                    n.online = false;
                    n.unclean = false;
                    n.pending = false;
                    n.expected_up = false;
                }
            } else if let Some(&i) = view.node_by_name.get(&n.name) {
                // A remote or guest node follows its connection as the transition placed it.
                (n.online, n.unclean) =
                    pengine::render::shown_state(view, placement, Some(fenced), i);
            }
        }
    }
}
