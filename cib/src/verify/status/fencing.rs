//! Unclean nodes: how fencing them is worded, whether it can happen, and tickets whose loss
//! (loss-policy=fence) makes nodes unclean.

use super::*;

/// Which nodes are unclean, and how Pacemaker words fencing them.
pub(super) struct Fencer<'a> {
    /// Unclean nodes in the order found, each with whether it can be fenced.
    unclean: Vec<(&'a str, bool)>,
    /// Fencing is enabled and some device exists.
    has_means: bool,
    /// The partition may fence anything: it has quorum or no-quorum-policy=ignore.
    may_fence_any: bool,
}

impl<'a> Fencer<'a> {
    pub(super) fn new(cluster: &Cluster) -> Self {
        Fencer {
            unclean: Vec::new(),
            has_means: cluster.stonith_enabled() && cluster.has_fencing_device(),
            may_fence_any: cluster.cib.attr("have-quorum").is_some_and(is_true)
                || cluster.option("no-quorum-policy") == Some("ignore"),
        }
    }

    pub(super) fn is_unclean(&self, uname: &str) -> bool {
        self.unclean.iter().any(|(u, _)| *u == uname)
    }

    /// Without quorum, only members of our own partition (online nodes) may be fenced.
    fn can_fence(&self, online: bool) -> bool {
        self.has_means && (self.may_fence_any || online)
    }

    /// Marks a node unclean. Only the first reason is reported: Pacemaker logs later ones at
    /// trace level.
    pub(super) fn fence(
        &mut self,
        kind: &str,
        (uname, online): (&'a str, bool),
        reason: &str,
        at: &Element,
        out: &mut Vec<Diagnostic>,
    ) {
        if self.is_unclean(uname) {
            return;
        }
        let fenceable = self.can_fence(online);
        let verb = if fenceable {
            "will be fenced"
        } else {
            "is unclean"
        };
        // Only scheduling the fencing (or failing to) marks the configuration as suspect.
        out.push(Diagnostic::at(
            Severity::Advisory,
            Check::UncleanNode,
            "pe_fence_node",
            at,
            format!("{kind} node {uname} {verb}: {reason}"),
        ));
        self.unclean.push((uname, fenceable));
    }

    /// Marks a node unclean without a message (never seen, and startup fencing is on).
    pub(super) fn mark_unseen(&mut self, uname: &'a str) {
        if !self.is_unclean(uname) {
            self.unclean.push((uname, self.can_fence(false)));
        }
    }

    /// Takes back the fencing of a node (a remote node whose connection can move elsewhere).
    pub(super) fn revoke(&mut self, uname: &str) {
        self.unclean.retain(|(u, _)| *u != uname);
    }
}

/// Nodes running a resource whose ticket was lost with loss-policy=fence are fenced.
pub(super) fn check_tickets<'a>(
    cluster: &Cluster<'a>,
    active_on: &BTreeMap<String, Vec<(String, ReplayOutcome)>>,
    views: &[NodeView<'a>],
    fencer: &mut Fencer<'a>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(constraints) = cluster
        .cib
        .child("configuration")
        .and_then(|c| c.child("constraints"))
    else {
        return;
    };
    let granted: HashSet<&str> = cluster
        .cib
        .child("status")
        .and_then(|s| s.child("tickets"))
        .map(|t| {
            t.children_named("ticket_state")
                .filter(|t| t.attr("granted").is_some_and(is_true))
                .filter_map(|t| t.id())
                .collect()
        })
        .unwrap_or_default();
    for c in constraints.children_named("rsc_ticket") {
        if c.attr("loss-policy") != Some("fence")
            || c.attr("ticket").is_some_and(|t| granted.contains(t))
        {
            continue;
        }
        let Some(rsc) = c.attr("rsc") else { continue };
        let promoted_only = c
            .attr("rsc-role")
            .is_some_and(|r| matches!(r, "Promoted" | "Master"));
        // The primitives at or below the constrained resource.
        let members: Vec<&str> = cluster
            .primitives()
            .filter(|(i, _)| {
                let mut cur = Some(*i);
                while let Some(x) = cur {
                    if cluster.resources[x].id() == rsc {
                        return true;
                    }
                    cur = cluster.resources[x].parent;
                }
                false
            })
            .map(|(_, r)| r.id())
            .collect();
        for (lrm_id, outcomes) in active_on {
            let base = lrm_id.rsplit_once(':').map(|(b, _)| b).unwrap_or(lrm_id);
            if !members.contains(&base) && !members.contains(&lrm_id.as_str()) {
                continue;
            }
            for (node, o) in outcomes {
                if !o.active || (promoted_only && !o.promoted) {
                    continue;
                }
                let Some(view) = views.iter().find(|v| v.uname == node && !v.remote) else {
                    continue;
                };
                let node = (view.uname, view.online);
                fencer.fence("Cluster", node, "deadman ticket was lost", c, out);
            }
        }
    }
}

/// Every unclean node is either scheduled for fencing or reported as unfenceable; both make
/// the configuration suspect.
pub(super) fn schedule_fencing(cluster: &Cluster, fencer: &Fencer, out: &mut Vec<Diagnostic>) {
    let mut integrity_lost = false;
    for (uname, fenceable) in &fencer.unclean {
        if *fenceable {
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::UncleanNode,
                "schedule_fencing",
                cluster.cib,
                format!("Scheduling node {uname} for fencing"),
            ));
        } else {
            integrity_lost = true;
            out.push(Diagnostic::at(
                Severity::Warning,
                Check::UncleanNode,
                "schedule_fencing_and_shutdowns",
                cluster.cib,
                format!("Node {uname} is unclean but cannot be fenced"),
            ));
        }
    }
    if integrity_lost && !cluster.stonith_enabled() {
        out.push(Diagnostic::at(Severity::Warning, Check::UncleanNode, "schedule_fencing_and_shutdowns", cluster.cib,
            "Resource functionality and data integrity cannot be guaranteed (configure, enable, and test fencing to correct this)"));
    }
}
