//! Resources inside containers (the `container` meta attribute): a guest node's connection
//! and any other resource declared to run inside another one follow their container, or,
//! when the container is a remote or guest node, run on that node (Pacemaker's internal
//! constraints for containers).

use super::{Colocation, Constraints};
use crate::unpack::remote::{container_of, guest_of_container, node_of_connection};
use crate::unpack::{ClusterView, NodeIdx, RscIdx};
use vocab::score::Score;

/// Where a resource inside a container must run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// With its container, started after it and stopped before it.
    WithContainer(RscIdx),
    /// On this remote or guest node (its "container" is the node's connection, or a guest's
    /// container).
    OnNode(NodeIdx),
}

/// The placement rule for `r`, if it is inside a container.
pub fn placement(view: &ClusterView, r: RscIdx) -> Option<Placement> {
    let rsc = &view.resources[r];
    // A bundle's instance runs on its replica's guest node.
    if rsc.kind == crate::unpack::Kind::Primitive {
        if let Some((_, rep)) = crate::unpack::bundle::replica_of(view, r) {
            if rep.child.is_some()
                && rep.remote != Some(r)
                && rep.ip != Some(r)
                && rep.container != r
            {
                return rep.node.map(Placement::OnNode);
            }
        }
    }
    let k = container_of(view, rsc)?;
    if rsc.is_connection() {
        return Some(Placement::WithContainer(k));
    }
    if view.resources[k].is_connection() {
        return node_of_connection(view, k).map(Placement::OnNode);
    }
    Some(match guest_of_container(view, k) {
        Some(n) => Placement::OnNode(n),
        None => Placement::WithContainer(k),
    })
}

/// Adds the mandatory colocation of each resource with the container it runs with (and of
/// each bundle replica's IP with its container).
pub fn add_colocations(view: &ClusterView, cons: &mut Constraints) {
    for rep in view.bundles.iter().flat_map(|b| &b.replicas) {
        if let Some(ip) = rep.ip {
            cons.colocations.push(Colocation {
                id: "ip-with-docker".into(),
                dependent: ip,
                primary: rep.container,
                score: Score::INFINITY,
                dependent_role: None,
                primary_role: None,
                node_attribute: "#uname".into(),
                influence: true,
            });
        }
    }
    for r in 0..view.resources.len() {
        if let Some(Placement::WithContainer(k)) = placement(view, r) {
            // A bundle's connection prefers its container's host but may go elsewhere (a
            // bundle on a remote node connects from a cluster node).
            let bundled = crate::unpack::bundle::replica_of(view, r).is_some();
            cons.colocations.push(Colocation {
                id: "resource-with-container".into(),
                dependent: r,
                primary: k,
                score: if bundled {
                    Score(10_000)
                } else {
                    Score::INFINITY
                },
                dependent_role: None,
                primary_role: None,
                node_attribute: "#uname".into(),
                influence: true,
            });
        }
    }
}
