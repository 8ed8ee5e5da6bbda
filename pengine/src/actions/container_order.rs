//! Orderings of resources inside containers: such a resource starts after its container
//! and stops before it; a guest's connection also waits for a probe of its container before
//! stopping (a cleaned-up container that turns out to run spares the connection a restart).

use super::{flags::*, ActionTable};
use crate::constraints::containers::{placement, Placement};
use crate::unpack::ClusterView;

/// Orders every contained resource against its container.
pub fn order(view: &ClusterView, t: &mut ActionTable) {
    for r in 0..view.resources.len() {
        let Some(Placement::WithContainer(k)) = placement(view, r) else {
            continue;
        };
        t.order_rsc(k, "start", r, "start", IMPLIES_THEN | RUNNABLE_LEFT);
        t.order_rsc(r, "stop", k, "stop", IMPLIES_FIRST);
        if view.resources[r].is_connection() {
            for probe in t.of(k, "monitor") {
                for stop in t.of(r, "stop") {
                    t.order(probe, stop, OPTIONAL);
                }
            }
        }
    }
}
