//! `shutdown-lock`: a resource stopped by a node's clean shutdown stays with that node (it
//! starts nowhere else) until the node is back or `shutdown-lock-limit` has passed, as in
//! Pacemaker 2.1.5.

use super::{ClusterView, Kind, RscIdx};
use cib::Element;

/// Reads the lock an `<lrm_resource>` records (`shutdown-lock`, the epoch the node shut down):
/// a lock past the limit is dropped and the node's history of the resource forgotten.
pub fn read(view: &mut ClusterView, r: RscIdx, node: usize, lr: &Element) {
    if !view.config.shutdown_lock {
        return;
    }
    let Some(since) = lr
        .attr("shutdown-lock")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|&t| t != 0)
    else {
        return;
    };
    let limit = view.config.shutdown_lock_limit_s;
    let rsc = &mut view.resources[r];
    if limit > 0 && view.now > since + limit {
        rsc.forget_on.push(node);
    } else {
        rsc.lock = Some((node, since));
        rsc.recorded_lock = Some(node);
    }
}

/// Locks what runs on a node shutting down (cleanly) to it, and lifts a recorded lock of a
/// resource found running anyway. Fence devices and remote connections are never locked.
pub fn apply(view: &mut ClusterView) {
    if !view.config.shutdown_lock {
        return;
    }
    for r in 0..view.resources.len() {
        let rsc = &view.resources[r];
        if rsc.kind != Kind::Primitive || rsc.class == "stonith" || rsc.is_connection() {
            continue;
        }
        let running = rsc.running_nodes();
        if let Some((n, _)) = rsc.lock {
            if !running.is_empty() {
                // Started elsewhere although locked: leave it be, forget the lock.
                let rsc = &mut view.resources[r];
                rsc.forget_on.push(n);
                rsc.lock = None;
            }
        } else if let [n] = running[..] {
            let node = &view.nodes[n];
            if node.shutdown && !node.unclean {
                let since = node
                    .attrs
                    .get("shutdown")
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                view.resources[r].lock = Some((n, since));
            }
        }
    }
}
