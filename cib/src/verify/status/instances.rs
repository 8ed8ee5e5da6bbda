//! Findings about what runs where: clone instances beyond their limits, failure timeouts that
//! conflict with on-fail=block, and stop operations judged for the instances that must stop.

use super::*;

/// Index of the clone a resource sits in, if any.
pub(super) fn enclosing_clone(cluster: &Cluster, mut index: usize) -> Option<usize> {
    while let Some(p) = cluster.resources[index].parent {
        if cluster.resources[p].is_clone() {
            return Some(p);
        }
        index = p;
    }
    None
}

/// Instances active beyond `clone-max` (or `clone-node-max` on one node) are orphans.
pub(super) fn check_clone_capacity(
    cluster: &Cluster,
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    out: &mut Vec<Diagnostic>,
) {
    let node_count = cluster.nodes.len() + cluster.remote_node_names().len();
    for (index, prim) in cluster.primitives() {
        let Some(clone) = enclosing_clone(cluster, index).map(|c| &cluster.resources[c]) else {
            continue;
        };
        let clone_max = clone
            .meta("clone-max")
            .and_then(|v| v.parse().ok())
            .unwrap_or(node_count);
        let node_max: usize = clone
            .meta("clone-node-max")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let unique = clone.meta("globally-unique").is_some_and(is_true);
        let mut total = 0usize;
        let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
        for (lrm_id, outcomes) in active_on {
            // Anonymous instances may be recorded without their `:N` suffix.
            let (base, n) = lrm_id.rsplit_once(':').unwrap_or((lrm_id, ""));
            if base != prim.id() || !n.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let instance: usize = n.parse().unwrap_or(0);
            for (node, _) in outcomes.iter().filter(|(_, o)| o.active) {
                let on_node = per_node.entry(node.as_str()).or_default();
                *on_node += 1;
                total += 1;
                let over = if unique {
                    instance >= clone_max
                } else {
                    total > clone_max || *on_node > node_max
                };
                if over {
                    let lrm_id = if n.is_empty() {
                        format!("{lrm_id}:{}", total - 1)
                    } else {
                        lrm_id.clone()
                    };
                    out.push(Diagnostic::at(
                        Severity::Warning,
                        Check::Status,
                        "process_rsc_state",
                        prim.xml,
                        format!("Detected active orphan {lrm_id} running on {node}"),
                    ));
                }
            }
        }
    }
}

/// Failure timeouts cannot apply to resources whose failures block (on-fail=block).
pub(super) fn check_failure_timeout_conflict(
    cluster: &Cluster,
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    out: &mut Vec<Diagnostic>,
) {
    for (_, prim) in cluster.primitives() {
        let Some(timeout) = prim
            .meta("failure-timeout")
            .and_then(|v| vocab::parse_duration_ms(v).ok())
        else {
            continue;
        };
        if timeout == 0 {
            continue;
        }
        let blocks = prim.xml.child("operations").is_some_and(|ops| {
            ops.children_named("op")
                .any(|op| crate::verify::config::op_on_fail(cluster, op) == Some("block"))
        });
        let failed = active_on.iter().any(|(id, outcomes)| {
            let base = id.rsplit_once(':').map(|(b, _)| b).unwrap_or(id);
            base == prim.id() && outcomes.iter().any(|(_, o)| o.failed)
        });
        if blocks && failed {
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::InvalidValue,
                "pe_get_failcount",
                prim.xml,
                format!(
                    "Ignoring failure timeout {} for {} because it conflicts with on-fail=block",
                    timeout / 1000,
                    prim.id()
                ),
            ));
        }
    }
}

/// Stops are scheduled for active instances; their stop operation is judged then.
pub(super) fn check_stop_operations(
    cluster: &Cluster,
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    out: &mut Vec<Diagnostic>,
) {
    for (index, prim) in cluster.primitives() {
        let cloned = enclosing_clone(cluster, index).is_some();
        let mut instances: Vec<String> = Vec::new();
        for (lrm_id, outcomes) in active_on {
            let (base, n) = lrm_id.rsplit_once(':').unwrap_or((lrm_id, ""));
            if base != prim.id() || !n.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            for _ in outcomes.iter().filter(|(_, o)| o.active) {
                let name = match (n.is_empty(), cloned) {
                    (false, _) => lrm_id.clone(),
                    (true, true) => format!("{base}:{}", instances.len()),
                    (true, false) => base.to_string(),
                };
                if !instances.contains(&name) {
                    instances.push(name);
                }
            }
        }
        if !instances.is_empty() {
            crate::verify::config::check_active_operations(cluster, index, &instances, out);
        }
    }
}
