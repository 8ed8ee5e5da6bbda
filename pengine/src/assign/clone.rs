//! Clone placement: instances stay where they run if they can, the rest spread over the
//! best nodes (at most `clone-node-max` per node); then promotion for promotable clones.

use super::{Assigner, ScoreLine};
use crate::constraints::Colocation;
use crate::unpack::{CloneConfig, Kind, NoQuorumPolicy, NodeIdx, Role, RscIdx};
use std::collections::BTreeMap;
use vocab::score::Score;

fn instance_scores(
    a: &Assigner,
    inst: RscIdx,
    adj: &BTreeMap<NodeIdx, Score>,
) -> BTreeMap<NodeIdx, Score> {
    let mut s = a.group_scores(inst);
    for (n, v) in s.iter_mut() {
        if let Some(x) = adj.get(n) {
            *v = v.saturating_add(*x);
        }
    }
    s
}

/// What is colocated with the clone weighs in on each instance's table, as on a primitive's
/// (rolled back if that leaves no node): every such colocation when some nodes get no
/// instance, else only the negative ones (Pacemaker's append_parent_colocation).
fn merge_clone_dependents(
    a: &Assigner,
    c: RscIdx,
    inst: RscIdx,
    all_coloc: bool,
    s: &mut BTreeMap<NodeIdx, Score>,
) {
    let inactive = a.view.running_on(inst).is_empty();
    for col in a.with_this(c) {
        if !(all_coloc || col.score.0 < 0) || !(col.influence || inactive) {
            continue;
        }
        let factor = col.score.0 as f32 / vocab::score::INFINITY as f32;
        let select = super::colocated::Select {
            active: true,
            ..Default::default()
        };
        let mut merging = std::collections::BTreeSet::new();
        if let Some(t) = a.add_colocated_scores(
            col.dependent,
            Some(s),
            &col.node_attribute,
            factor,
            select,
            &mut merging,
        ) {
            *s = t;
        }
    }
}

/// A bundle's container is assigned as a primitive: once the nodes it may not use are banned,
/// what is colocated with it (its IP, its connection) weighs in (rolled back if that leaves
/// no node).
fn merge_bundle_dependents(a: &Assigner, inst: RscIdx, s: &mut BTreeMap<NodeIdx, Score>) {
    let in_bundle = a.view.resources[inst]
        .parent
        .is_some_and(|b| a.view.bundles.iter().any(|x| x.rsc == b));
    if in_bundle {
        a.merge_with_this(inst, s);
    }
}

/// Pacemaker's clone assignment (pcmk__assign_instances) as named steps: the instances'
/// shared view of the clone first, then the instances kept where they run, those only
/// shown, the rest placed on the best nodes, and last the placements recorded.
pub(super) fn assign_clone(a: &mut Assigner, c: RscIdx) {
    let mut p = InstancePlacement::prepare(a, c);
    p.keep_preassigned(a);
    // Both passes walk the instances in Pacemaker's assignment order.
    for i in p.order.clone() {
        p.keep_where_running(a, i);
    }
    p.show_unmanaged(a);
    p.show_blocked(a);
    if p.blocked.is_none() && !p.unmanaged && !p.freeze {
        for i in p.order.clone() {
            p.place_rest(a, i);
        }
    }
    p.record(a);
}

/// One clone's instance placement as it goes: what every instance shares (the clone's
/// colocations and scores, its policy) and what the passes have decided so far.
struct InstancePlacement {
    c: RscIdx,
    cfg: CloneConfig,
    instances: Vec<RscIdx>,
    /// The nodes usable as the clone's assignment began.
    usable: Vec<bool>,
    /// Every colocation of the clone reaches its instances (not only mandatory and negative).
    all_coloc: bool,
    /// What the clone's colocations add to each instance's table.
    adj: BTreeMap<NodeIdx, Score>,
    /// Interleaved colocations: applied to each instance with its own partner.
    paired: Vec<Colocation>,
    clone_scores: BTreeMap<NodeIdx, Score>,
    blocked: Option<&'static str>,
    freeze: bool,
    unmanaged: bool,
    /// At most this many instances per node are kept where they run.
    loop_max: usize,
    /// Pacemaker's assignment order (indexes into `instances`).
    order: Vec<usize>,
    count: Vec<usize>,
    allocated: usize,
    placed: Vec<Option<NodeIdx>>,
    shown: Vec<bool>,
    unpaired: Vec<bool>,
}

impl InstancePlacement {
    fn prepare(a: &mut Assigner, c: RscIdx) -> Self {
        let view = a.view;
        let cfg = view.resources[c].clone.clone().unwrap_or_default();
        // Instances with a higher promotion score are placed first (Pacemaker raises their
        // priority to it).
        let promotion_priority = if cfg.promotable {
            add_promotion_scores(a, c)
        } else {
            BTreeMap::new()
        };
        let instances = view.resources[c].children.clone();
        let usable = a.usable.clone();
        // With fewer instances than usable nodes, every colocation reaches the instances;
        // otherwise only mandatory and negative ones do (Pacemaker's append_parent_colocation).
        let usable_count = a.scores_of(c).keys().filter(|n| usable[**n]).count();
        let all_coloc = cfg.max < usable_count;
        let (adj, paired) = instance_colocations(a, c, all_coloc);
        let clone_scores = show_clone_scores(a, c);
        // A stopped clone's target-role reaches its instances only where they set none.
        let blocked = a
            .blocked_by_policy(c)
            .filter(|why| *why != "target-role" || instances.iter().any(|&i| a.target_stopped(i)));
        let freeze =
            !view.config.have_quorum && view.config.no_quorum_policy == NoQuorumPolicy::Freeze;
        let unmanaged = !view.resources[c].managed();
        let available = (0..view.nodes.len())
            .filter(|n| usable[*n] && clone_scores.get(n).is_some_and(|s| s.0 >= 0))
            .count();
        let loop_max = cfg.max.checked_div(available).unwrap_or(1).max(1);
        let order = super::instance_order::instance_order(a, c, &instances, &promotion_priority);
        let n = instances.len();
        InstancePlacement {
            c,
            cfg,
            usable,
            all_coloc,
            adj,
            paired,
            clone_scores,
            blocked,
            freeze,
            unmanaged,
            loop_max,
            order,
            count: vec![0; view.nodes.len()],
            allocated: 0,
            placed: vec![None; n],
            shown: vec![false; n],
            unpaired: vec![false; n],
            instances,
        }
    }

    /// Bundle instances assigned with their replicas stay as they were decided.
    fn keep_preassigned(&mut self, a: &Assigner) {
        for (i, &inst) in self.instances.iter().enumerate() {
            if a.preassigned[inst] {
                self.placed[i] = a.out.node[inst];
                if let Some(n) = self.placed[i] {
                    self.count[n] += 1;
                    self.allocated += 1;
                }
            }
        }
    }

    /// Pass 1: an instance running on one node stays there if it may and no node is better
    /// (an unmanaged or frozen one stays regardless); failed ones, those beyond
    /// clone-node-max there and those without the capacity to stay are placed with the rest.
    fn keep_where_running(&mut self, a: &mut Assigner, i: usize) {
        let inst = self.instances[i];
        if a.preassigned[inst] {
            return;
        }
        let running = a.view.running_on(inst);
        if running.len() != 1 {
            return;
        }
        let n = running[0];
        if self.unmanaged || a.out.frozen[inst] {
            // (Assigned where it is, after being shown as any instance is.)
            let s = instance_scores(a, inst, &self.adj);
            self.try_instance(a, i, s, false);
            self.place(a, i, n);
            return;
        }
        if super::instance_order::primitive_failed(a, inst)
            || !self.usable[n]
            || self.count[n] >= self.loop_max
            || self.count[n] >= self.cfg.node_max
            || self.allocated >= self.cfg.max
        {
            return;
        }
        if self.blocked.is_some() || a.target_stopped(inst) {
            // Tried (and shown, banned everywhere) all the same.
            self.show_banned(a, i);
            return;
        }
        let s = instance_scores(a, inst, &self.adj);
        if s.get(&n).is_none_or(|v| v.0 < 0) {
            return;
        }
        let (s, paired_ok) = self.try_instance(a, i, s, true);
        if !paired_ok {
            // (No partner for a mandatory interleaved colocation: decided, stopped.)
            self.unpaired[i] = true;
            return;
        }
        if a.capacity_limit(inst, &s).banned.contains(&n) {
            return;
        }
        let best = s
            .iter()
            .filter(|(m, _)| self.usable[**m])
            .map(|(_, v)| *v)
            .max()
            .unwrap_or(Score::MINUS_INFINITY);
        if s.get(&n).is_some_and(|v| *v >= best) {
            a.placed_weight.insert(inst, s[&n]);
            self.place(a, i, n);
        }
    }

    /// An unmanaged clone's other instances are still tried one by one (and shown; they stay
    /// where they are, which for these is nowhere), up to clone-max; an unmanaged bundle's
    /// containers are still assigned one by one (and shown).
    fn show_unmanaged(&mut self, a: &mut Assigner) {
        if !self.unmanaged {
            return;
        }
        let c = self.c;
        let is_bundle = a.view.bundles.iter().any(|b| b.rsc == c);
        if !is_bundle && a.bundle_of_clone(c).is_none() {
            for i in self.order.clone() {
                if self.shown[i] || self.placed[i].is_some() || self.allocated >= self.cfg.max {
                    continue;
                }
                let s = instance_scores(a, self.instances[i], &self.adj);
                self.try_instance(a, i, s, false);
            }
        }
        if is_bundle {
            for (i, &inst) in self.instances.iter().enumerate() {
                if self.shown[i] {
                    continue;
                }
                let mut s = instance_scores(a, inst, &self.adj);
                // (Those kept where they run came first and fill their nodes.)
                if self.placed[i].is_none() {
                    self.ban_unfit(a, &mut s);
                }
                push_instance_scores(a, inst, &s, &s);
                self.shown[i] = true;
            }
        }
    }

    /// A stopped clone's instances are still tried (and shown, banned everywhere); under
    /// stop-all-resources every instance is tried as usual and then left stopped.
    /// (A bundle's instances were shown with their replicas.)
    fn show_blocked(&mut self, a: &mut Assigner) {
        if self.blocked.is_none() || self.unmanaged || self.freeze {
            return;
        }
        let stop_all =
            self.blocked == Some("stop-all-resources") && a.bundle_of_clone(self.c).is_none();
        for i in self.order.clone() {
            let inst = self.instances[i];
            let tried = a.target_stopped(inst) || stop_all;
            if self.placed[i].is_some() || self.shown[i] || a.out.frozen[inst] || !tried {
                continue;
            }
            if stop_all {
                let s = instance_scores(a, inst, &self.adj);
                self.try_instance(a, i, s, false);
            } else {
                self.show_banned(a, i);
            }
        }
    }

    /// Pass 2: an instance not placed yet goes to the best node it may use (its current one
    /// breaking ties, or the one its capacity prefers).
    fn place_rest(&mut self, a: &mut Assigner, i: usize) {
        let inst = self.instances[i];
        if self.placed[i].is_some()
            || self.unpaired[i]
            || self.allocated >= self.cfg.max
            || a.out.frozen[inst]
            || a.preassigned[inst]
        {
            return;
        }
        // (Its own target-role=Stopped keeps it out, shown banned everywhere once.)
        if a.target_stopped(inst) {
            if !self.shown[i] {
                self.show_banned(a, i);
            }
            return;
        }
        let s = instance_scores(a, inst, &self.adj);
        let (mut s, paired_ok) = self.try_instance(a, i, s, true);
        if !paired_ok {
            return;
        }
        let running = a.view.running_on(inst);
        let current = if running.len() == 1 {
            Some(running[0])
        } else {
            None
        };
        let limit = a.capacity_limit(inst, &s);
        Assigner::ban_for_capacity(&limit, &mut s);
        if let Some(best) = a.choose(&s, current) {
            let n = limit
                .prefer
                .filter(|p| s.get(p).is_some_and(|v| *v >= s[&best]) && a.usable(*p))
                .unwrap_or(best);
            a.placed_weight.insert(inst, s[&n]);
            self.place(a, i, n);
        }
    }

    /// An instance's table `s` as it is tried: the nodes it may not use banned, its
    /// interleaved partners', what is colocated with the clone (and with a bundle's
    /// container, if `bundle`) weighing in; shown. False with it when a mandatory
    /// interleaved colocation found no partner.
    fn try_instance(
        &mut self,
        a: &mut Assigner,
        i: usize,
        mut s: BTreeMap<NodeIdx, Score>,
        bundle: bool,
    ) -> (BTreeMap<NodeIdx, Score>, bool) {
        let inst = self.instances[i];
        self.ban_unfit(a, &mut s);
        let fit = s.clone();
        let paired_ok = a.apply_interleaved(inst, &self.paired, &mut s);
        merge_clone_dependents(a, self.c, inst, self.all_coloc, &mut s);
        if bundle {
            merge_bundle_dependents(a, inst, &mut s);
        }
        push_instance_scores(a, inst, &s, &fit);
        self.shown[i] = true;
        (s, paired_ok)
    }

    /// An instance tried although it is to stay stopped: shown (banned everywhere).
    fn show_banned(&mut self, a: &mut Assigner, i: usize) {
        let inst = self.instances[i];
        let s = instance_scores(a, inst, &self.adj);
        push_instance_scores(a, inst, &s, &s);
        self.shown[i] = true;
    }

    fn ban_unfit(&self, a: &Assigner, s: &mut BTreeMap<NodeIdx, Score>) {
        ban_unfit_nodes(
            &a.usable,
            s,
            &self.clone_scores,
            &self.count,
            self.cfg.node_max,
        );
    }

    /// Instance `i` goes to `n`: it counts there, and a primitive takes its capacity.
    fn place(&mut self, a: &mut Assigner, i: usize, n: NodeIdx) {
        let inst = self.instances[i];
        self.placed[i] = Some(n);
        self.count[n] += 1;
        self.allocated += 1;
        a.num_resources[n] += a.view.primitives_of(inst).len();
        if a.view.resources[inst].kind == Kind::Primitive {
            a.consume_capacity(inst, n);
            a.log_placement(inst, n);
        }
    }

    /// The placements recorded: each instance started where it was placed (a group
    /// instance's members following it), the others left stopped.
    fn record(&self, a: &mut Assigner) {
        let view = a.view;
        for (i, &inst) in self.instances.iter().enumerate() {
            a.state[inst] = 2;
            let Some(n) = self.placed[i] else {
                for m in view.primitives_of(inst) {
                    a.state[m] = 2;
                }
                if self.shown[i] {
                    push_unplaced_members(a, inst);
                }
                continue;
            };
            a.out.node[inst] = Some(n);
            a.out.role[inst] = Role::Started;
            if view.resources[inst].kind == Kind::Group {
                self.place_group_members(a, inst, n);
            } else {
                a.out.role[inst] = Role::Started;
            }
        }
        if self.allocated > 0 {
            a.out.role[self.c] = Role::Started;
        }
    }

    /// A group instance's members follow it to `n` one by one, each only if every one
    /// before it could (and it may run there).
    fn place_group_members(&self, a: &mut Assigner, inst: RscIdx, n: NodeIdx) {
        let mut ok = true;
        let members = a.view.resources[inst].children.clone();
        for (k, &m) in members.iter().enumerate() {
            a.state[m] = 2;
            if k > 0 {
                self.push_member_scores(a, inst, m, n, ok, k + 1 == members.len());
            }
            let s = a
                .scores_of(m)
                .get(&n)
                .copied()
                .unwrap_or(Score::MINUS_INFINITY);
            if ok && (s.0 >= 0 || self.unmanaged) && a.blocked_by_policy(m).is_none() {
                a.out.node[m] = Some(n);
                a.consume_capacity(m, n);
                a.log_placement(m, n);
                a.out.role[m] = Role::Started;
            } else {
                ok = false;
            }
        }
    }

    /// A later member's table as shown: it may only go where the one before it went
    /// (nowhere once one before it could not, `ok` false), and the members after it weigh in
    /// (as for any primitive); one that is to stop is banned everywhere.
    fn push_member_scores(
        &self,
        a: &mut Assigner,
        inst: RscIdx,
        m: RscIdx,
        n: NodeIdx,
        ok: bool,
        last: bool,
    ) {
        let own = a.scores_of(m);
        let mut table = own
            .iter()
            .map(|(x, v)| {
                let v = if ok && *x == n {
                    *v
                } else {
                    Score::MINUS_INFINITY
                };
                (*x, v)
            })
            .collect();
        a.merge_with_this(m, &mut table);
        // (What is colocated with the clone reaches a group instance's last member, as a
        // colocation with a group does.)
        if last {
            merge_clone_dependents(a, self.c, inst, self.all_coloc, &mut table);
        }
        if a.target_stopped(m) {
            a.ban_everywhere(m, &mut table);
        }
        push_scores(a, "pcmk__primitive_assign", m, &table);
    }
}

/// The clone's colocations as its instances see them: those that reach every instance
/// summed into one table, interleaved ones kept apart (each instance has its own partner).
/// With fewer instances than usable nodes (`all_coloc`) every colocation reaches them;
/// otherwise only mandatory and negative ones do (Pacemaker's append_parent_colocation).
fn instance_colocations(
    a: &mut Assigner,
    c: RscIdx,
    all_coloc: bool,
) -> (BTreeMap<NodeIdx, Score>, Vec<Colocation>) {
    let mut adj: BTreeMap<NodeIdx, Score> =
        (0..a.view.nodes.len()).map(|n| (n, Score::ZERO)).collect();
    let reaches = |col: &Colocation| all_coloc || col.score.0 < 0 || col.score.is_infinite();
    let paired: Vec<_> = a
        .cons
        .colocations
        .iter()
        .filter(|col| col.dependent == c && reaches(col) && a.interleaved(col))
        .cloned()
        .collect();
    a.apply_dependent_colocations_where(c, &mut adj, |col| {
        reaches(col) && !paired.iter().any(|p| p == col)
    });
    (adj, paired)
}

/// The clone's own scores: its locations plus what is colocated with it. Pacemaker shows
/// them and, under the same heading, its instances' (a bundle and its clone show theirs as
/// bundles do).
fn show_clone_scores(a: &mut Assigner, c: RscIdx) -> BTreeMap<NodeIdx, Score> {
    let mut clone_scores = a.scores_of(c);
    a.merge_with_this_nonnegative(c, &mut clone_scores);
    a.clone_weights.insert(c, clone_scores.clone());
    let own = a.scores_of(c);
    if !a.push_bundle_tables(c, &own, false) {
        push_clone_tables(a, c, &clone_scores);
    }
    clone_scores
}

/// A group instance tried but placed nowhere: its later members were assigned after it all
/// the same, each colocated with an unplaced member before it, so banned everywhere.
fn push_unplaced_members(a: &mut Assigner, inst: RscIdx) {
    if a.view.resources[inst].kind != Kind::Group {
        return;
    }
    for &m in a.view.resources[inst].children.clone().iter().skip(1) {
        let table = a
            .scores_of(m)
            .into_keys()
            .map(|n| (n, Score::MINUS_INFINITY))
            .collect();
        push_scores(a, "pcmk__primitive_assign", m, &table);
    }
}

/// The clone's table and its instances', under `pcmk__clone_allocate`.
fn push_clone_tables(a: &mut Assigner, c: RscIdx, clone_scores: &BTreeMap<NodeIdx, Score>) {
    let view = a.view;
    let table = a
        .bundle_clone_table(c, clone_scores)
        .unwrap_or_else(|| clone_scores.clone());
    push_scores(a, "pcmk__clone_allocate", c, &table);
    // (With clone-max=0 the one instance kept for the history is not shown.)
    let max = view.resources[c].clone.as_ref().map_or(1, |x| x.max);
    let shown: &[RscIdx] = if max == 0 {
        &[]
    } else {
        &view.resources[c].children
    };
    for &inst in shown {
        let mut stack = vec![inst];
        while let Some(x) = stack.pop() {
            let table = a.bundle_instance_table(x).unwrap_or_else(|| a.scores_of(x));
            push_scores(a, "pcmk__clone_allocate", x, &table);
            stack.extend(view.resources[x].children.iter().rev());
        }
    }
}

/// Nodes the next instance may not use (Pacemaker's can_run_instance): those that cannot
/// run resources, those the clone itself may not use, those already holding `node_max`.
fn ban_unfit_nodes(
    usable: &[bool],
    s: &mut BTreeMap<NodeIdx, Score>,
    clone_scores: &BTreeMap<NodeIdx, Score>,
    count: &[usize],
    node_max: usize,
) {
    for (n, v) in s.iter_mut() {
        let clone_ok = clone_scores.get(n).is_some_and(|c| c.0 >= 0);
        if count[*n] >= node_max || !usable[*n] || !clone_ok {
            *v = Score::MINUS_INFINITY;
        }
    }
}

fn push_scores(a: &mut Assigner, prefix: &'static str, r: RscIdx, s: &BTreeMap<NodeIdx, Score>) {
    let view = a.view;
    // Pacemaker shows no scores for orphans (or anything under one).
    let mut x = Some(r);
    while let Some(i) = x {
        if view.resources[i].orphan {
            return;
        }
        x = view.resources[i].parent;
    }
    a.push_table(prefix, r, s);
}

/// The scores an instance is assigned with (a primitive instance's, as Pacemaker shows them).
fn push_instance_scores(
    a: &mut Assigner,
    inst: RscIdx,
    s: &BTreeMap<NodeIdx, Score>,
    fit: &BTreeMap<NodeIdx, Score>,
) {
    if a.view.resources[inst].kind == Kind::Group {
        push_group_instance_scores(a, inst, s, fit);
        return;
    }
    if a.view.resources[inst].kind != Kind::Primitive {
        return;
    }
    // An instance that is to be stopped is banned from every node before it is shown.
    let mut shown = s.clone();
    if a.target_stopped(inst) {
        a.ban_everywhere(inst, &mut shown);
    }
    push_scores(a, "pcmk__primitive_assign", inst, &shown);
    a.last_shown.insert(inst, shown);
}

/// A cloned group's instance: the group and its members (nodes the instance may not use
/// banned, as `fit` shows them, before the first member's own colocations), then its first
/// member with the members' scores merged in.
fn push_group_instance_scores(
    a: &mut Assigner,
    inst: RscIdx,
    s: &BTreeMap<NodeIdx, Score>,
    fit: &BTreeMap<NodeIdx, Score>,
) {
    let members = a.view.resources[inst].children.clone();
    let banned = |t: BTreeMap<NodeIdx, Score>| -> BTreeMap<NodeIdx, Score> {
        t.into_iter()
            .map(|(n, v)| match fit.get(&n) {
                Some(x) if x.is_minus_infinite() => (n, Score::MINUS_INFINITY),
                _ => (n, v),
            })
            .collect()
    };
    for &x in std::iter::once(&inst).chain(&members) {
        let table = banned(a.scores_of(x));
        push_scores(a, "pcmk__group_assign", x, &table);
    }
    if let Some(&first) = members.first() {
        push_scores(a, "pcmk__primitive_assign", first, s);
    }
}

/// Whether a promotable instance's history leaves it active without a start (Pacemaker's
/// set_active: a monitor finding it running makes it unpromoted, only a start "started").
fn active_unpromoted(s: &crate::unpack::RscNodeState) -> bool {
    let last_change = s.ops.iter().rev().find(|o| {
        matches!(
            o.task.as_str(),
            "start" | "migrate_from" | "promote" | "demote" | "stop" | "migrate_to"
        )
    });
    s.role == Role::Started
        && !last_change.is_some_and(|o| matches!(o.task.as_str(), "start" | "migrate_from"))
}

/// The promotion preference of an instance on its node.
fn promotion_score(a: &Assigner, c: RscIdx, inst: RscIdx, n: NodeIdx) -> Score {
    let view = a.view;
    // A group instance with a member that cannot run there cannot be promoted there.
    if view.resources[inst].kind == Kind::Group
        && view
            .primitives_of(inst)
            .iter()
            .any(|&p| a.scores_of(p).get(&n).is_none_or(|s| s.0 < 0))
    {
        return Score::MINUS_INFINITY;
    }
    let mut total: Option<Score> = None;
    for p in view.primitives_of(inst) {
        let rsc = &view.resources[p];
        let Some(at) = crate::unpack::bundle::attribute_node(view, p, n) else {
            continue;
        };
        // (Where the instance may no longer run once placed, its attribute does not count.)
        let allowed = a.last_shown.get(&p).unwrap_or(&a.base[p]);
        if !promotion_score_applies(a, c, p, n, allowed) {
            continue;
        }
        let node = &view.nodes[at];
        // Pacemaker reads the score under the name the history gave the instance (its
        // clone_name), else its own id, else the clone-less id.
        let v = node
            .attrs
            .get(&format!(
                "master-{}",
                rsc.clone_name.as_deref().unwrap_or(&rsc.id)
            ))
            .or_else(|| node.attrs.get(&format!("master-{}", rsc.base_id)));
        if let Some(v) = v.and_then(|v| Score::parse(v)) {
            total = Some(total.unwrap_or(Score::ZERO).saturating_add(v));
        }
    }
    let mut score = match total {
        Some(s) => s,
        // No promotion preference: -1, so that only a location for the promoted role can
        // make it eligible.
        None => Score(-1),
    };
    for loc in &a.cons.locations {
        if loc.role == Some(Role::Promoted) && loc.node == n && (loc.rsc == c || loc.rsc == inst) {
            score = score.saturating_add(loc.score);
        }
    }
    // (A group instance hands the colocation to its first member, whose parent is the
    // group, not the promotable clone: Pacemaker then leaves the priority alone.)
    let grouped = view.resources[inst].kind == Kind::Group;
    for col in &a.cons.colocations {
        if col.dependent == c && col.dependent_role == Some(Role::Promoted) && !grouped {
            let pnodes: Vec<NodeIdx> = if view.resources[col.primary].kind == Kind::Clone {
                view.resources[col.primary]
                    .children
                    .iter()
                    .filter(|ch| {
                        col.primary_role.is_none_or(|r| {
                            a.out.role[**ch] == r
                                || (r == Role::Unpromoted && a.out.role[**ch] == Role::Started)
                        })
                    })
                    .filter_map(|ch| a.out.node[*ch])
                    .collect()
            } else {
                // A primary placed nowhere changes nothing (Pacemaker compares the nodes
                // both were assigned to, and there is none).
                let Some(m) = a.out.node[col.primary] else {
                    continue;
                };
                vec![m]
            };
            let with = pnodes.contains(&n);
            if (col.score.is_infinite() && !with) || (col.score.is_minus_infinite() && with) {
                score = score.saturating_add(Score::MINUS_INFINITY);
            } else if with {
                score = score.saturating_add(col.score);
            }
        }
    }
    score
}

/// Before placing a promotable clone, Pacemaker adds each instance's positive promotion
/// score (its `master-*` node attribute) to its preference for the node, on every node that
/// can run resources (pcmk__add_promotion_scores).
fn add_promotion_scores(a: &mut Assigner, c: RscIdx) -> BTreeMap<RscIdx, Score> {
    let view = a.view;
    let mut priority = BTreeMap::new();
    for &inst in &view.resources[c].children {
        let nodes: Vec<NodeIdx> = a.base[inst].keys().copied().collect();
        for n in nodes {
            if !a.usable(n) {
                continue;
            }
            // (A group instance's is the sum of its members'.)
            let score = view
                .primitives_of(inst)
                .into_iter()
                .map(|p| attribute_promotion_score(a, c, p, n))
                .fold(Score::ZERO, Score::saturating_add);
            if score.0 > 0 {
                let e = a.base[inst].entry(n).or_insert(Score::ZERO);
                *e = e.saturating_add(score);
                let p = priority.entry(inst).or_insert(Score::ZERO);
                *p = (*p).max(score);
            }
        }
    }
    priority
}

/// An instance's promotion score attribute on a node, where it counts (Pacemaker's
/// promotion_score_applies): an anonymous instance's where it is the one active there, or
/// where no instance is active but one was probed; else where this instance is known (or
/// anywhere while it is known nowhere); and only where the instance may run.
fn attribute_promotion_score(a: &Assigner, c: RscIdx, inst: RscIdx, n: NodeIdx) -> Score {
    let view = a.view;
    let rsc = &view.resources[inst];
    let unique = view.resources[c].clone.as_ref().is_some_and(|x| x.unique);
    if !promotion_score_applies(a, c, inst, n, &a.base[inst]) {
        return Score::ZERO;
    }
    let attr = |name: &str| view.nodes[n].attrs.get(&format!("master-{name}"));
    let value = attr(rsc.clone_name.as_deref().unwrap_or(&rsc.id))
        .or_else(|| (!unique).then(|| attr(&rsc.base_id)).flatten());
    value.map_or(Score::ZERO, |v| Score::parse_lenient(v))
}

/// Pacemaker's promotion_score_applies for primitive instance `inst` of clone `c` on node
/// `n`, where `allowed` is the instance's table of allowed nodes at that point.
fn promotion_score_applies(
    a: &Assigner,
    c: RscIdx,
    inst: RscIdx,
    n: NodeIdx,
    allowed: &BTreeMap<NodeIdx, Score>,
) -> bool {
    let view = a.view;
    let rsc = &view.resources[inst];
    let unique = view.resources[c].clone.as_ref().is_some_and(|x| x.unique);
    // (The same primitive in the other instances, also inside cloned groups.)
    let all = view.primitives_of(c);
    let siblings = || {
        all.iter()
            .filter(|&&x| view.resources[x].base_id == rsc.base_id)
    };
    let active_here = siblings().find(|&&x| view.resources[x].running_nodes().contains(&n));
    let active_is_this = !unique && active_here == Some(&inst);
    let probed_sibling = !unique
        && active_here.is_none()
        && siblings().any(|&x| view.resources[x].node_state.contains_key(&n));
    let known = rsc.node_state.is_empty() || rsc.node_state.contains_key(&n);
    let applies = active_is_this || probed_sibling || known;
    applies && allowed.get(&n).is_some_and(|s| s.0 >= 0)
}

/// Chooses the promoted instances of a promotable clone (right after it is placed, so
/// that what is colocated with its promoted role can follow): each placed instance's own
/// priority, then the final priorities (shown), then the best promoted up to the limits.
pub(super) fn promote(a: &mut Assigner, c: RscIdx) {
    let Some(cfg) = a.view.resources[c].clone.clone() else {
        return;
    };
    if !cfg.promotable {
        return;
    }
    let placed = instance_priorities(a, c);
    let ranked = final_priorities(a, c, &placed);
    set_roles(a, c, &cfg, ranked);
}

/// A placed instance of a promotable clone, with its own promotion priority.
#[derive(Clone, Copy)]
struct Candidate {
    /// Its position among the clone's instances.
    i: usize,
    inst: RscIdx,
    n: NodeIdx,
    /// Promoted there now.
    was: bool,
    /// Keeps its current role.
    frozen: bool,
    initial: Score,
}

/// A candidate with its final priority.
struct Ranked {
    score: Score,
    /// Failed where it runs: last among equals.
    failed: bool,
    cand: Candidate,
}

/// Each placed instance's promotion priority: a frozen instance keeps its role
/// (INFINITY promoted, else -INFINITY), as does one whose target role is at most
/// unpromoted; else its promotion score where it goes. An instance placed nowhere is
/// shown with a zero score on no node.
fn instance_priorities(a: &mut Assigner, c: RscIdx) -> Vec<Candidate> {
    let view = a.view;
    // (Started is no limit: it sorts below Unpromoted but means "any role".)
    let target_low = view.resources[c]
        .target_role()
        .is_some_and(|r| matches!(r, Role::Stopped | Role::Unpromoted));
    let mut placed = Vec::new();
    for (i, &inst) in view.resources[c].children.iter().enumerate() {
        let Some(n) = a.out.node[inst] else {
            a.out.scores.push(ScoreLine {
                prefix: "promotion",
                rsc: view.resources[inst].id.clone(),
                node: "none".into(),
                score: Score::ZERO,
            });
            continue;
        };
        let was = in_role(a, inst, n, Role::Promoted);
        let frozen = keeps_role(a, c, inst);
        // A frozen instance's next role is its current one: unpromoted (after a demote)
        // rules promotion out, while merely started leaves its promotion score.
        let unpromoted = in_role(a, inst, n, Role::Unpromoted)
            || view.primitives_of(inst).iter().any(|p| {
                view.resources[*p]
                    .node_state
                    .get(&n)
                    .is_some_and(active_unpromoted)
            });
        let initial = match (frozen, was) {
            (true, true) => Score::INFINITY,
            (true, false) if unpromoted => Score::MINUS_INFINITY,
            (true, false) => promotion_score(a, c, inst, n),
            _ if target_low => Score::MINUS_INFINITY,
            _ => promotion_score(a, c, inst, n),
        };
        placed.push(Candidate {
            i,
            inst,
            n,
            was,
            frozen,
            initial,
        });
    }
    placed
}

/// Some primitive of instance `inst` is in `role` on `n` now.
fn in_role(a: &Assigner, inst: RscIdx, n: NodeIdx, role: Role) -> bool {
    let view = a.view;
    view.primitives_of(inst).iter().any(|p| {
        view.resources[*p]
            .node_state
            .get(&n)
            .is_some_and(|s| s.role == role)
    })
}

/// An instance keeps its current role when unmanaged (also by a lost ticket's freeze
/// policy) or held where it runs by a failure with on-fail=block.
fn keeps_role(a: &Assigner, c: RscIdx, inst: RscIdx) -> bool {
    let view = a.view;
    let ticket_frozen = a.cons.tickets.iter().any(|t| {
        t.rsc == c
            && t.loss_policy == "freeze"
            && !view.tickets.get(&t.ticket).is_some_and(|(g, _)| *g)
    }) && view.primitives_of(inst).iter().any(|p| a.out.frozen[*p]);
    let blocked = view.primitives_of(inst).iter().any(|&p| {
        a.out.frozen[p]
            && view.resources[p]
                .node_state
                .values()
                .any(|s| s.failed && s.on_fail == crate::unpack::OnFail::Block)
    });
    !view.resources[inst].managed() || ticket_frozen || blocked
}

/// A ticket for the clone's promoted role is not granted (or in standby).
fn promotion_ticket_missing(a: &Assigner, c: RscIdx) -> bool {
    let view = a.view;
    a.cons.tickets.iter().any(|t| {
        t.rsc == c
            && t.role == Some(Role::Promoted)
            && !view.tickets.get(&t.ticket).is_some_and(|(g, s)| *g && !*s)
    })
}

/// The final priority of an instance with a non-negative one: the clone's node weight plus
/// every such instance's priority there, then what is colocated with its promoted role
/// (Pacemaker merges those after the priorities, so a banned dependent can outweigh them);
/// a missing ticket for the promoted role bans the clone everywhere. Shown, and sorted by
/// final priority, then the current role, then the instance's own priority.
fn final_priorities(a: &mut Assigner, c: RscIdx, placed: &[Candidate]) -> Vec<Ranked> {
    let view = a.view;
    let ticket_ban = promotion_ticket_missing(a, c);
    let mut weights = a.clone_weights.get(&c).cloned().unwrap_or_default();
    for p in placed {
        if p.initial.0 >= 0 {
            let w = weights.entry(p.n).or_insert(Score::ZERO);
            *w = w.saturating_add(p.initial);
        }
    }
    a.merge_promoted_with(c, &mut weights);
    a.merge_with_this_promoted(c, &mut weights);
    let mut ranked = Vec::new();
    for &p in placed {
        let s = if p.frozen && p.was {
            Score::INFINITY
        } else if p.initial.0 < 0 {
            p.initial
        } else {
            let w = weights.get(&p.n).copied().unwrap_or(Score::ZERO);
            if ticket_ban {
                w.saturating_add(Score::MINUS_INFINITY)
            } else {
                w
            }
        };
        a.out.scores.push(ScoreLine {
            prefix: "promotion",
            rsc: view.resources[p.inst].id.clone(),
            node: view.nodes[p.n].uname.clone(),
            score: s,
        });
        let failed = view
            .primitives_of(p.inst)
            .iter()
            .any(|q| view.resources[*q].node_state.values().any(|s| s.failed));
        ranked.push(Ranked {
            score: s,
            failed,
            cand: p,
        });
    }
    ranked.sort_by(|x, y| {
        y.score
            .cmp(&x.score)
            .then(y.cand.was.cmp(&x.cand.was))
            .then(y.cand.initial.cmp(&x.cand.initial))
            .then(x.failed.cmp(&y.failed))
            .then(x.cand.i.cmp(&y.cand.i))
    });
    ranked
}

/// Best first, an instance is promoted while promoted-max and promoted-node-max allow and
/// its node can take it; a frozen one keeps its role; the others are unpromoted (Pacemaker's
/// set_instance_role).
fn set_roles(a: &mut Assigner, c: RscIdx, cfg: &CloneConfig, ranked: Vec<Ranked>) {
    let view = a.view;
    let no_promote = view.resources[c]
        .target_role()
        .is_some_and(|r| matches!(r, Role::Stopped | Role::Unpromoted))
        // (Without quorum policy demote takes the role away; under stop the promotion
        // stays planned, its action blocked; under freeze see below.)
        || (!view.config.have_quorum && view.config.no_quorum_policy == NoQuorumPolicy::Demote)
        || promotion_ticket_missing(a, c);
    let mut promoted = 0;
    let mut per_node = vec![0usize; view.nodes.len()];
    for Ranked { score: s, cand, .. } in ranked {
        let (inst, n, was) = (cand.inst, cand.n, cand.was);
        let frozen = !view.resources[inst].managed()
            || view.primitives_of(inst).iter().any(|p| a.out.frozen[*p]);
        let promote = if frozen {
            // Unmanaged instances keep their role.
            was
        } else {
            // (Not on a node that cannot run resources, such as a guest node whose
            // container is placed nowhere, although the instance may be assigned there.)
            // (Without quorum under freeze, only what is promoted already stays so, and
            // one not chosen leaves the count alone: Pacemaker's set_instance_role.)
            let frozen_out = !view.config.have_quorum
                && view.config.no_quorum_policy == NoQuorumPolicy::Freeze
                && !was;
            let container_placed = view.nodes[n]
                .remote
                .as_ref()
                .and_then(|l| l.container)
                .is_none_or(|k| a.out.node[k].is_some());
            !no_promote
                && s.0 >= 0
                && a.usable(n)
                && container_placed
                && promoted < cfg.promoted_max
                && per_node[n] < cfg.promoted_node_max
                && !frozen_out
        };
        let role = if promote {
            promoted += 1;
            per_node[n] += 1;
            Role::Promoted
        } else {
            Role::Unpromoted
        };
        a.out.role[inst] = role;
        for p in view.primitives_of(inst) {
            if a.out.node[p].is_some() {
                a.out.role[p] = role;
            }
        }
    }
}
