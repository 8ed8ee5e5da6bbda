//! Base scores, before any colocation: every resource's node table from the configuration
//! (symmetry, locations, tickets) and from its history (stickiness, fail counts, bans,
//! unmanaged and frozen resources), as Pacemaker builds it while unpacking and before
//! assigning.

use super::{fail_count, fail_count_of, Assigner};
use crate::constraints::TicketDep;
use crate::unpack::{Kind, OnFail, Resource, Role, RscIdx};
use vocab::score::Score;

impl Assigner<'_> {
    /// Location constraints, stickiness, failures and bans for every resource.
    pub(super) fn compute_base(&mut self) {
        let view = self.view;
        self.symmetric_defaults();
        self.apply_locations();
        // The resources inside each container, found once (not once per resource).
        let mut fillers_of: Vec<Vec<&Resource>> = vec![Vec::new(); view.resources.len()];
        for f in &view.resources {
            if let Some(k) = crate::unpack::remote::container_of(view, f) {
                fillers_of[k].push(f);
            }
        }
        for (r, rsc) in view.resources.iter().enumerate() {
            if rsc.kind != Kind::Primitive {
                continue;
            }
            self.add_stickiness(r);
            self.ban_over_threshold(r, &fillers_of[r]);
            self.ban_multiple_active(r);
            self.hold_unmanaged(r);
            self.apply_history_flags(r);
        }
        self.apply_node_health();
        self.keep_off_remote_nodes();
        self.apply_container_rules();
        self.reserve_bundle_nodes();
        self.apply_exclusive_discovery();
        for t in &self.cons.tickets {
            self.apply_ticket(t);
        }
    }

    /// A symmetric cluster lets every resource run on every node (score 0) until something
    /// says otherwise; an asymmetric one only where a location allows it.
    fn symmetric_defaults(&mut self) {
        if !self.view.config.symmetric {
            return;
        }
        for table in &mut self.base {
            for n in 0..self.view.nodes.len() {
                table.insert(n, Score::ZERO);
            }
        }
    }

    /// Location constraints (those for the promoted role wait for promotion).
    fn apply_locations(&mut self) {
        let view = self.view;
        for loc in &self.cons.locations {
            if loc.role.is_some_and(|r| r == Role::Promoted) {
                continue;
            }
            // A location on a collective applies to everything under it, except that in a
            // (colocated) group only the first member gets the score: the others' scores
            // reach it through the group's internal colocations, so they get 0 there.
            let mut stack = vec![(loc.rsc, loc.score)];
            while let Some((r, score)) = stack.pop() {
                self.contribute(r, loc.node, score, loc.id.clone());
                let rsc = &view.resources[r];
                let colocated_group = rsc.kind == Kind::Group && rsc.meta_flag("collocated", true);
                for (i, &child) in rsc.children.iter().enumerate() {
                    let inherited = if colocated_group && i > 0 {
                        Score::ZERO
                    } else {
                        score
                    };
                    stack.push((child, inherited));
                }
            }
        }
    }

    /// `resource-stickiness`: a managed primitive running on one node prefers to stay there
    /// (where it may run at all).
    fn add_stickiness(&mut self, r: RscIdx) {
        let view = self.view;
        let rsc = &view.resources[r];
        let running = rsc.running_nodes();
        let sticky = rsc.stickiness();
        if rsc.managed() && !self.frozen_by_ticket(r) && running.len() == 1 && sticky.0 > 0 {
            let n = running[0];
            if view.config.symmetric || self.base[r].contains_key(&n) {
                self.contribute(r, n, sticky, "resource-stickiness");
            }
        }
    }

    /// `migration-threshold`: banned from a node where its fail count reached it. A
    /// container's failures include those of the resources inside it (`fillers`).
    fn ban_over_threshold(&mut self, r: RscIdx, fillers: &[&Resource]) {
        let view = self.view;
        let rsc = &view.resources[r];
        let top = view.top_of(r);
        let unique = view.resources[top].clone.as_ref().is_none_or(|c| c.unique);
        let threshold = rsc.meta_score("migration-threshold", Score::INFINITY);
        if rsc.node_state.values().any(|s| s.failure_ignored) {
            return;
        }
        for (n, node) in view.nodes.iter().enumerate() {
            // A fail count already being cleared there, as the history was read (its
            // failure expired, or ran with parameters changed since), bans nothing.
            // (Pacemaker decides configuration changes only later: those still ban.)
            let cleared = rsc.node_state.get(&n).is_some_and(|s| {
                s.expired_failure
                    || s.ops.iter().any(|op| {
                        crate::unpack::config_changes::last_failure_params_changed(view, r, n, op)
                    })
            });
            if cleared {
                continue;
            }
            // Pacemaker's fail-count names: a unique resource's own name (the history's
            // for an instance); an anonymous instance's without its number, matching
            // any instance number.
            let own = if unique {
                let name = rsc.clone_name.as_deref().unwrap_or(&rsc.id);
                fail_count_of(node, name, rsc, view.now, false)
            } else {
                fail_count_of(node, &rsc.base_id, rsc, view.now, true)
            };
            let fc = fillers.iter().fold(own, |acc, f| {
                acc.saturating_add(fail_count(node, &f.base_id, f, view.now))
            });
            // (A fail count being cleared keeps it nowhere away: Pacemaker skips the
            // threshold where a clear_failcount is already scheduled.)
            let clearing = rsc
                .node_state
                .get(&n)
                .is_some_and(|st| st.failure_params_changed);
            if threshold.0 > 0 && fc.0 > 0 && fc >= threshold && !clearing {
                self.ban_failed(r, n, "migration-threshold");
            }
        }
    }

    /// Found active on several nodes with multiple-active=stop_only: banned everywhere.
    fn ban_multiple_active(&mut self, r: RscIdx) {
        let rsc = &self.view.resources[r];
        if rsc.running_nodes().len() > 1 && rsc.meta("multiple-active") == Some("stop_only") {
            for n in 0..self.view.nodes.len() {
                self.contribute(r, n, Score::MINUS_INFINITY, "multiple-active=stop_only");
            }
        }
    }

    /// An unmanaged resource found active on a node (there since it runs on a node in
    /// maintenance, is not managed, or failed there with on-fail=block) is held there with
    /// INFINITY (Pacemaker's native_add_running).
    fn hold_unmanaged(&mut self, r: RscIdx) {
        let view = self.view;
        let rsc = &view.resources[r];
        let unmanaged = {
            let mut x = Some(r);
            let mut managed = true;
            while let Some(i) = x {
                managed &= view.resources[i].managed();
                x = view.resources[i].parent;
            }
            !managed
        };
        // A failure handled with on-fail=block unmanages the resource from the node
        // state it is read in on: there and on every node read after it.
        let blocked_from = rsc
            .node_state
            .iter()
            .filter(|(_, st)| st.failed && st.on_fail == OnFail::Block)
            .map(|(n, _)| view.nodes[*n].status_order)
            .min();
        for (n, st) in &rsc.node_state {
            let held = unmanaged
                || view.nodes[*n].maintenance
                || blocked_from.is_some_and(|o| view.nodes[*n].status_order >= o);
            if held && st.role.is_active() {
                self.contribute(r, *n, Score::INFINITY, "not_managed_default");
            }
        }
    }

    /// What the history says per node: frozen (active on a node in maintenance, or blocked
    /// by on-fail=block), banned from the node (hard error) or from every node (fatal error).
    fn apply_history_flags(&mut self, r: RscIdx) {
        let view = self.view;
        for (n, st) in &view.resources[r].node_state {
            // Resources on a node in maintenance are left alone.
            if st.role.is_active() && view.nodes[*n].maintenance {
                self.out.frozen[r] = true;
            }
            // A failure handled with on-fail=block freezes the resource, unless its node
            // is to be fenced (fencing resolves it).
            if st.on_fail == OnFail::Block
                && st.role.is_active()
                && view.nodes[*n].online
                && !view.nodes[*n].unclean
            {
                self.out.frozen[r] = true;
            }
            // (Pacemaker bans an anonymous clone instance's whole clone.)
            if st.banned {
                self.ban_failed(r, *n, "hard-error");
            }
            if st.banned_everywhere {
                for n in 0..view.nodes.len() {
                    self.ban_failed(r, n, "fatal-error");
                }
            }
        }
    }

    /// A ticket not granted (or in standby) bans what depends on it, or applies its loss
    /// policy to what runs: Pacemaker applies it to the primitives under the resource, each
    /// by whether it runs itself; the collectives' own scores are left alone.
    fn apply_ticket(&mut self, t: &TicketDep) {
        let view = self.view;
        let (granted, standby) = view
            .tickets
            .get(&t.ticket)
            .copied()
            .unwrap_or((false, false));
        if granted && !standby {
            return;
        }
        let promoted_only = t.role == Some(Role::Promoted);
        for r in view.primitives_of(t.rsc) {
            let running = !view.running_on(r).is_empty();
            let ban = if !granted && running {
                // The ticket was lost while the resource runs: apply the loss policy.
                match t.loss_policy.as_str() {
                    "freeze" => {
                        self.out.frozen[r] = true;
                        false
                    }
                    "demote" => !promoted_only,
                    // Fencing applies only to the instances in the ticket's role now.
                    "fence" if promoted_only => view
                        .active_roles(r)
                        .iter()
                        .any(|&(_, role)| role == Role::Promoted),
                    _ => true,
                }
            } else {
                !promoted_only || t.loss_policy == "stop"
            };
            if ban {
                for n in 0..view.nodes.len() {
                    self.contribute(r, n, Score::MINUS_INFINITY, t.id.clone());
                }
            }
        }
    }
}
