//! Clone placement: instances stay where they run if they can, the rest spread over the
//! best nodes (at most `clone-node-max` per node); then promotion for promotable clones.

use super::{Assigner, ScoreLine};
use crate::unpack::{Kind, NoQuorumPolicy, NodeIdx, Role, RscIdx};
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

pub(super) fn assign_clone(a: &mut Assigner, c: RscIdx) {
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
    // With fewer instances than usable nodes, every colocation reaches the instances;
    // otherwise only mandatory and negative ones do (Pacemaker's append_parent_colocation).
    let usable = a.usable.clone();
    let usable = |n: NodeIdx| usable[n];
    let usable_count = a.scores_of(c).keys().filter(|n| usable(**n)).count();
    let all_coloc = cfg.max < usable_count;
    let mut adj: BTreeMap<NodeIdx, Score> =
        (0..view.nodes.len()).map(|n| (n, Score::ZERO)).collect();
    let reaches = |col: &crate::constraints::Colocation| {
        all_coloc || col.score.0 < 0 || col.score.is_infinite()
    };
    // An interleaved colocation reaches each instance with its own partner (below).
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
    // The clone's own scores: its locations plus what is colocated with it.
    let mut clone_scores = a.scores_of(c);
    a.merge_with_this_nonnegative(c, &mut clone_scores);
    // Pacemaker shows the clone's scores and, under the same heading, its instances' (a
    // bundle and its clone show theirs as bundles do).
    a.clone_weights.insert(c, clone_scores.clone());
    let own = a.scores_of(c);
    if !a.push_bundle_tables(c, &own, false) {
        push_clone_tables(a, c, &clone_scores);
    }
    // A stopped clone's target-role reaches its instances only where they set none.
    let blocked = a
        .blocked_by_policy(c)
        .filter(|why| *why != "target-role" || instances.iter().any(|&i| a.target_stopped(i)));
    let freeze = !view.config.have_quorum && view.config.no_quorum_policy == NoQuorumPolicy::Freeze;
    let unmanaged = !view.resources[c].managed();
    let available = (0..view.nodes.len())
        .filter(|n| usable(*n) && clone_scores.get(n).is_some_and(|s| s.0 >= 0))
        .count();
    let loop_max = cfg.max.checked_div(available).unwrap_or(1).max(1);
    let mut count = vec![0usize; view.nodes.len()];
    let mut allocated = 0usize;
    let mut placed = vec![None; instances.len()];
    // Bundle instances assigned with their replicas stay as they were decided.
    for (i, &inst) in instances.iter().enumerate() {
        if a.preassigned[inst] {
            placed[i] = a.out.node[inst];
            if let Some(n) = placed[i] {
                count[n] += 1;
                allocated += 1;
            }
        }
    }
    // Both passes walk the instances in Pacemaker's assignment order.
    let order = super::instance_order::instance_order(a, c, &instances, &promotion_priority);
    // Pass 1: keep instances where they are.
    let mut shown = vec![false; instances.len()];
    let mut unpaired = vec![false; instances.len()];
    for &i in &order {
        let inst = instances[i];
        if a.preassigned[inst] {
            continue;
        }
        let running = view.running_on(inst);
        if running.len() != 1 {
            continue;
        }
        let n = running[0];
        if unmanaged || a.out.frozen[inst] {
            // (Assigned where it is, after being shown as any instance is.)
            let mut s = instance_scores(a, inst, &adj);
            ban_unfit_nodes(&a.usable, &mut s, &clone_scores, &count, cfg.node_max);
            let fit = s.clone();
            a.apply_interleaved(inst, &paired, &mut s);
            merge_clone_dependents(a, c, inst, all_coloc, &mut s);
            push_instance_scores(a, inst, &s, &fit);
            shown[i] = true;
            placed[i] = Some(n);
            count[n] += 1;
            allocated += 1;
            a.num_resources[n] += view.primitives_of(inst).len();
            if view.resources[inst].kind == Kind::Primitive {
                a.consume_capacity(inst, n);
                a.log_placement(inst, n);
            }
            continue;
        }
        // (Nor a failed one, nor beyond clone-node-max where it runs: those are placed with
        // the others.)
        if super::instance_order::primitive_failed(a, inst)
            || !usable(n)
            || count[n] >= loop_max
            || count[n] >= cfg.node_max
            || allocated >= cfg.max
        {
            continue;
        }
        if blocked.is_some() || a.target_stopped(inst) {
            // Tried (and shown, banned everywhere) all the same.
            let s = instance_scores(a, inst, &adj);
            push_instance_scores(a, inst, &s, &s);
            shown[i] = true;
            continue;
        }
        let mut s = instance_scores(a, inst, &adj);
        if s.get(&n).is_none_or(|v| v.0 < 0) {
            continue;
        }
        ban_unfit_nodes(&a.usable, &mut s, &clone_scores, &count, cfg.node_max);
        let fit = s.clone();
        let paired_ok = a.apply_interleaved(inst, &paired, &mut s);
        merge_clone_dependents(a, c, inst, all_coloc, &mut s);
        merge_bundle_dependents(a, inst, &mut s);
        push_instance_scores(a, inst, &s, &fit);
        shown[i] = true;
        if !paired_ok {
            // (No partner for a mandatory interleaved colocation: decided, stopped.)
            unpaired[i] = true;
            continue;
        }
        // Without the capacity to stay, it is placed with the rest.
        if a.capacity_limit(inst, &s).banned.contains(&n) {
            continue;
        }
        // Kept where it runs only if no node is better there (else placed with the rest).
        let best = s
            .iter()
            .filter(|(m, _)| usable(**m))
            .map(|(_, v)| *v)
            .max()
            .unwrap_or(Score::MINUS_INFINITY);
        if s.get(&n).is_some_and(|v| *v >= best) {
            a.placed_weight.insert(inst, s[&n]);
            placed[i] = Some(n);
            count[n] += 1;
            allocated += 1;
            a.num_resources[n] += view.primitives_of(inst).len();
            if view.resources[inst].kind == Kind::Primitive {
                a.consume_capacity(inst, n);
                a.log_placement(inst, n);
            }
        }
    }
    // An unmanaged clone's other instances are still tried one by one (and shown; they stay
    // where they are, which for these is nowhere), up to clone-max.
    let in_bundle = view.bundles.iter().any(|b| b.rsc == c) || a.bundle_of_clone(c).is_some();
    if unmanaged && !in_bundle {
        for &i in &order {
            let inst = instances[i];
            if shown[i] || placed[i].is_some() || allocated >= cfg.max {
                continue;
            }
            let mut s = instance_scores(a, inst, &adj);
            ban_unfit_nodes(&a.usable, &mut s, &clone_scores, &count, cfg.node_max);
            let fit = s.clone();
            a.apply_interleaved(inst, &paired, &mut s);
            merge_clone_dependents(a, c, inst, all_coloc, &mut s);
            push_instance_scores(a, inst, &s, &fit);
            shown[i] = true;
        }
    }
    // An unmanaged bundle's containers are still assigned one by one (and shown).
    if unmanaged && view.bundles.iter().any(|b| b.rsc == c) {
        for (i, &inst) in instances.iter().enumerate() {
            if shown[i] {
                continue;
            }
            let mut s = instance_scores(a, inst, &adj);
            // (Those kept where they run came first and fill their nodes.)
            if placed[i].is_none() {
                ban_unfit_nodes(&a.usable, &mut s, &clone_scores, &count, cfg.node_max);
            }
            push_instance_scores(a, inst, &s, &s);
            shown[i] = true;
        }
    }
    // Pass 2: the rest.
    if blocked.is_some() && !unmanaged && !freeze {
        // A stopped clone's instances are still tried (and shown, banned everywhere); under
        // stop-all-resources every instance is tried as usual and then left stopped.
        // (A bundle's instances were shown with their replicas.)
        let stop_all = blocked == Some("stop-all-resources") && a.bundle_of_clone(c).is_none();
        for &i in &order {
            let inst = instances[i];
            let tried = a.target_stopped(inst) || stop_all;
            if placed[i].is_none() && !shown[i] && !a.out.frozen[inst] && tried {
                let mut s = instance_scores(a, inst, &adj);
                if stop_all {
                    ban_unfit_nodes(&a.usable, &mut s, &clone_scores, &count, cfg.node_max);
                    let fit = s.clone();
                    a.apply_interleaved(inst, &paired, &mut s);
                    merge_clone_dependents(a, c, inst, all_coloc, &mut s);
                    push_instance_scores(a, inst, &s, &fit);
                } else {
                    push_instance_scores(a, inst, &s, &s);
                }
                shown[i] = true;
            }
        }
    }
    if blocked.is_none() && !unmanaged && !freeze {
        for &i in &order {
            let inst = instances[i];
            if placed[i].is_some()
                || unpaired[i]
                || allocated >= cfg.max
                || a.out.frozen[inst]
                || a.preassigned[inst]
            {
                continue;
            }
            // (Its own target-role=Stopped keeps it out, shown banned everywhere once.)
            if a.target_stopped(inst) {
                if !shown[i] {
                    let s = instance_scores(a, inst, &adj);
                    push_instance_scores(a, inst, &s, &s);
                    shown[i] = true;
                }
                continue;
            }
            let mut s = instance_scores(a, inst, &adj);
            ban_unfit_nodes(&a.usable, &mut s, &clone_scores, &count, cfg.node_max);
            let fit = s.clone();
            let paired_ok = a.apply_interleaved(inst, &paired, &mut s);
            merge_clone_dependents(a, c, inst, all_coloc, &mut s);
            merge_bundle_dependents(a, inst, &mut s);
            push_instance_scores(a, inst, &s, &fit);
            shown[i] = true;
            if !paired_ok {
                continue;
            }
            let running = view.running_on(inst);
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
                placed[i] = Some(n);
                count[n] += 1;
                allocated += 1;
                a.num_resources[n] += view.primitives_of(inst).len();
                if view.resources[inst].kind == Kind::Primitive {
                    a.consume_capacity(inst, n);
                    a.log_placement(inst, n);
                }
            }
        }
    }
    for (i, &inst) in instances.iter().enumerate() {
        a.state[inst] = 2;
        let Some(n) = placed[i] else {
            for m in view.primitives_of(inst) {
                a.state[m] = 2;
            }
            if shown[i] {
                push_unplaced_members(a, inst);
            }
            continue;
        };
        a.out.node[inst] = Some(n);
        a.out.role[inst] = Role::Started;
        if view.resources[inst].kind == Kind::Group {
            let mut ok = true;
            let members = view.resources[inst].children.clone();
            for (k, &m) in members.iter().enumerate() {
                a.state[m] = 2;
                if k > 0 {
                    // Later members may only go where the one before them went (nowhere
                    // once one before them could not), and the members after them weigh in
                    // (as for any primitive); one that is to stop is banned everywhere.
                    let own = a.scores_of(m);
                    let mut table = own
                        .iter()
                        .map(|(x, v)| {
                            (
                                *x,
                                if ok && *x == n {
                                    *v
                                } else {
                                    Score::MINUS_INFINITY
                                },
                            )
                        })
                        .collect();
                    a.merge_with_this(m, &mut table);
                    // (What is colocated with the clone reaches a group instance's last
                    // member, as a colocation with a group does.)
                    if k + 1 == members.len() {
                        merge_clone_dependents(a, c, inst, all_coloc, &mut table);
                    }
                    if a.target_stopped(m) {
                        a.ban_everywhere(m, &mut table);
                    }
                    push_scores(a, "pcmk__primitive_assign", m, &table);
                }
                let s = a
                    .scores_of(m)
                    .get(&n)
                    .copied()
                    .unwrap_or(Score::MINUS_INFINITY);
                if ok && (s.0 >= 0 || unmanaged) && a.blocked_by_policy(m).is_none() {
                    a.out.node[m] = Some(n);
                    a.consume_capacity(m, n);
                    a.log_placement(m, n);
                    a.out.role[m] = Role::Started;
                } else {
                    ok = false;
                }
            }
        } else {
            a.out.role[inst] = Role::Started;
        }
    }
    if allocated > 0 {
        a.out.role[c] = Role::Started;
    }
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
    for col in &a.cons.colocations {
        if col.dependent == c && col.dependent_role == Some(Role::Promoted) {
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
                a.out.node[col.primary].into_iter().collect()
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
    let allowed = a.base[inst].get(&n).is_some_and(|s| s.0 >= 0);
    if !applies || !allowed {
        return Score::ZERO;
    }
    let attr = |name: &str| view.nodes[n].attrs.get(&format!("master-{name}"));
    let value = attr(rsc.clone_name.as_deref().unwrap_or(&rsc.id))
        .or_else(|| (!unique).then(|| attr(&rsc.base_id)).flatten());
    value.map_or(Score::ZERO, |v| Score::parse_lenient(v))
}

/// Chooses the promoted instances of a promotable clone (right after it is placed, so
/// that what is colocated with its promoted role can follow).
pub(super) fn promote(a: &mut Assigner, c: RscIdx) {
    let view = a.view;
    {
        let Some(cfg) = view.resources[c].clone.clone() else {
            return;
        };
        if !cfg.promotable {
            return;
        }
        let instances = view.resources[c].children.clone();
        let mut cands: Vec<(Score, bool, Score, bool, usize, RscIdx, NodeIdx)> = Vec::new();
        let no_promote = view.resources[c]
            .target_role()
            .is_some_and(|r| matches!(r, Role::Stopped | Role::Unpromoted))
            // (Without quorum policy demote takes the role away; under stop the promotion
            // stays planned, its action blocked; under freeze see below.)
            || (!view.config.have_quorum && view.config.no_quorum_policy == NoQuorumPolicy::Demote)
            || a.cons.tickets.iter().any(|t| {
                t.rsc == c
                    && t.role == Some(Role::Promoted)
                    && !view.tickets.get(&t.ticket).is_some_and(|(g, s)| *g && !*s)
            });
        // Each placed instance's promotion priority: a frozen instance keeps its role
        // (INFINITY promoted, else -INFINITY), as does one whose target role is at most
        // unpromoted; else its promotion score where it goes.
        // (Started is no limit: it sorts below Unpromoted but means "any role".)
        let target_low = view.resources[c]
            .target_role()
            .is_some_and(|r| matches!(r, Role::Stopped | Role::Unpromoted));
        let mut placed = Vec::new();
        for (i, &inst) in instances.iter().enumerate() {
            let Some(n) = a.out.node[inst] else {
                // An instance placed nowhere is shown with a zero score on no node.
                a.out.scores.push(ScoreLine {
                    prefix: "promotion",
                    rsc: view.resources[inst].id.clone(),
                    node: "none".into(),
                    score: Score::ZERO,
                });
                continue;
            };
            let was = view.primitives_of(inst).iter().any(|p| {
                view.resources[*p]
                    .node_state
                    .get(&n)
                    .is_some_and(|s| s.role == Role::Promoted)
            });
            // Unmanaged (also by a lost ticket's freeze policy) keeps its role.
            let ticket_frozen = a.cons.tickets.iter().any(|t| {
                t.rsc == c
                    && t.loss_policy == "freeze"
                    && !view.tickets.get(&t.ticket).is_some_and(|(g, _)| *g)
            }) && view.primitives_of(inst).iter().any(|p| a.out.frozen[*p]);
            // (So is one held where it runs by a failure with on-fail=block.)
            let blocked = view.primitives_of(inst).iter().any(|&p| {
                a.out.frozen[p]
                    && view.resources[p]
                        .node_state
                        .values()
                        .any(|s| s.failed && s.on_fail == crate::unpack::OnFail::Block)
            });
            let frozen = !view.resources[inst].managed() || ticket_frozen || blocked;
            // A frozen instance's next role is its current one: unpromoted (after a demote)
            // rules promotion out, while merely started leaves its promotion score.
            let unpromoted = view.primitives_of(inst).iter().any(|p| {
                view.resources[*p]
                    .node_state
                    .get(&n)
                    .is_some_and(|s| s.role == Role::Unpromoted)
            });
            let initial = match (frozen, was) {
                (true, true) => Score::INFINITY,
                (true, false) if unpromoted => Score::MINUS_INFINITY,
                (true, false) => promotion_score(a, c, inst, n),
                _ if target_low => Score::MINUS_INFINITY,
                _ => promotion_score(a, c, inst, n),
            };
            placed.push((i, inst, n, was, frozen, initial));
        }
        // The final priority of an instance with a non-negative one is its node's weight
        // for the clone plus every such instance's priority there (a missing ticket for
        // the promoted role bans the clone everywhere first).
        let ticket_ban = a.cons.tickets.iter().any(|t| {
            t.rsc == c
                && t.role == Some(Role::Promoted)
                && !view.tickets.get(&t.ticket).is_some_and(|(g, s)| *g && !*s)
        });
        // The clone's node weights plus each instance's non-negative priority there, then
        // what is colocated with its promoted role (Pacemaker merges those after the
        // priorities, so a banned dependent can outweigh them).
        let mut weights = a.clone_weights.get(&c).cloned().unwrap_or_default();
        for &(_, _, m, _, _, x) in &placed {
            if x.0 >= 0 {
                let w = weights.entry(m).or_insert(Score::ZERO);
                *w = w.saturating_add(x);
            }
        }
        a.merge_with_this_promoted(c, &mut weights);
        for &(i, inst, n, was, frozen, initial) in &placed {
            let s = if frozen && was {
                Score::INFINITY
            } else if initial.0 < 0 {
                initial
            } else {
                let w = weights.get(&n).copied().unwrap_or(Score::ZERO);
                if ticket_ban {
                    w.saturating_add(Score::MINUS_INFINITY)
                } else {
                    w
                }
            };
            a.out.scores.push(ScoreLine {
                prefix: "promotion",
                rsc: view.resources[inst].id.clone(),
                node: view.nodes[n].uname.clone(),
                score: s,
            });
            // Equal candidates: an instance that failed where it runs comes last.
            let failed = view
                .primitives_of(inst)
                .iter()
                .any(|p| view.resources[*p].node_state.values().any(|s| s.failed));
            cands.push((s, was, initial, failed, i, inst, n));
        }
        // By final priority, then the current role, then the instance's own priority.
        cands.sort_by(|x, y| {
            y.0.cmp(&x.0)
                .then(y.1.cmp(&x.1))
                .then(y.2.cmp(&x.2))
                .then(x.3.cmp(&y.3))
                .then(x.4.cmp(&y.4))
        });
        let mut promoted = 0;
        let mut per_node = vec![0usize; view.nodes.len()];
        for (s, was, _, _, _, inst, n) in cands {
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
}
