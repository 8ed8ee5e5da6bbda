//! Stage 3: placement. Every resource gets node scores (locations, stickiness, failures,
//! colocations) and is assigned to its best node, in Pacemaker's order and with its
//! tie-breaks: higher score, then fewer assigned resources, then the current node, then name.

mod base;
mod bundle_scores;
mod capacity;
mod clone;
mod colocated;
mod instance_order;
mod interleave;

use crate::constraints::Constraints;
use crate::unpack::{ClusterView, Kind, NoQuorumPolicy, NodeIdx, OnFail, Role, RscIdx};
use std::collections::BTreeMap;
use vocab::score::Score;

/// One line of `crm_simulate -s` output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScoreLine {
    /// Pacemaker's function-name prefix (`pcmk__primitive_assign`, ...).
    pub prefix: &'static str,
    /// Resource id.
    pub rsc: String,
    /// Node name.
    pub node: String,
    /// Score.
    pub score: Score,
}

/// A score contribution, for `--explain`.
#[derive(Debug, Clone)]
pub struct Contribution {
    /// Resource id.
    pub rsc: RscIdx,
    /// Node.
    pub node: NodeIdx,
    /// Amount.
    pub score: Score,
    /// Where it came from (constraint id, `stickiness`, `fail-count`, ...).
    pub source: String,
}

/// One primitive placed on a node, in placement order (`crm_simulate -U` shows each
/// placement after the score lines that led to it, as Pacemaker does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// How many score lines (`Assignment::scores`) were written before the placement.
    pub after_scores: usize,
    /// The primitive.
    pub rsc: RscIdx,
    /// Its node.
    pub node: NodeIdx,
}

/// The result of placement.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// Chosen node per resource index (primitives; groups and clone instances too).
    pub node: Vec<Option<NodeIdx>>,
    /// Next role per resource.
    pub role: Vec<Role>,
    /// Allocation scores for `-s`.
    pub scores: Vec<ScoreLine>,
    /// Contributions for `--explain`.
    pub contributions: Vec<Contribution>,
    /// Why a resource was left stopped.
    pub why_stopped: BTreeMap<RscIdx, String>,
    /// Resources that may not start anything new (freeze policies, unmanaged).
    pub frozen: Vec<bool>,
    /// Every primitive placement, in order.
    pub placed: Vec<Placed>,
    /// Top-level resources in the order placement walked them (Pacemaker's resource list:
    /// by priority, then configuration order, orphans last; re-sorted by placement
    /// strategy), which is also the order their actions enter the graph.
    pub order: Vec<RscIdx>,
}

/// Placement state.
pub(crate) struct Assigner<'a> {
    pub view: &'a ClusterView,
    pub cons: &'a Constraints,
    pub base: Vec<BTreeMap<NodeIdx, Score>>,
    pub out: Assignment,
    pub state: Vec<u8>,
    pub num_resources: Vec<usize>,
    pub capacity: Vec<BTreeMap<String, i64>>,
    /// A resource's node scores after its own colocations, once it has been assigned.
    pub allowed_after: Vec<Option<BTreeMap<NodeIdx, Score>>>,
    /// Each clone's own node weights as placement showed them (promotion adds its
    /// instances' promotion priorities to them).
    pub clone_weights: BTreeMap<RscIdx, BTreeMap<NodeIdx, Score>>,
    /// A clone instance's score on the node it was placed on (Pacemaker's `allocated_to`
    /// node weight, which a mandatory colocation with its role passes on).
    pub placed_weight: BTreeMap<RscIdx, Score>,
    /// Whether each node can host resources now (a remote node's changes once its
    /// connection is placed).
    pub usable: Vec<bool>,
    /// Bundle instances already decided with their replica (placed or not): their clone
    /// takes them as they are.
    pub preassigned: Vec<bool>,
    /// The table each primitive was last shown with when assigned (a bundle shows its
    /// members' tables again as they are by then).
    pub last_shown: BTreeMap<RscIdx, BTreeMap<NodeIdx, Score>>,
    /// Resources banned from every node when assigned (they are to stop): their tables
    /// list every node, guest nodes included.
    pub banned_everywhere: std::collections::BTreeSet<RscIdx>,
}

impl<'a> Assigner<'a> {
    fn new(view: &'a ClusterView, cons: &'a Constraints) -> Self {
        let n = view.resources.len();
        Assigner {
            view,
            cons,
            base: vec![BTreeMap::new(); n],
            out: Assignment {
                node: vec![None; n],
                role: vec![Role::Stopped; n],
                scores: Vec::new(),
                contributions: Vec::new(),
                why_stopped: BTreeMap::new(),
                frozen: vec![false; n],
                placed: Vec::new(),
                order: Vec::new(),
            },
            state: vec![0; n],
            num_resources: vec![0; view.nodes.len()],
            capacity: view.nodes.iter().map(|n| n.utilization.clone()).collect(),
            allowed_after: vec![None; n],
            clone_weights: BTreeMap::new(),
            placed_weight: BTreeMap::new(),
            usable: view.nodes.iter().map(|n| n.can_run()).collect(),
            preassigned: vec![false; n],
            last_shown: BTreeMap::new(),
            banned_everywhere: std::collections::BTreeSet::new(),
        }
    }

    /// Whether node `n` can host resources at this point of placement.
    pub fn usable(&self, n: NodeIdx) -> bool {
        self.usable[n]
    }

    fn contribute(&mut self, rsc: RscIdx, node: NodeIdx, score: Score, source: impl Into<String>) {
        let e = self.base[rsc].entry(node).or_insert(Score::ZERO);
        *e = e.saturating_add(score);
        self.out.contributions.push(Contribution {
            rsc,
            node,
            score,
            source: source.into(),
        });
    }

    /// Bans primitive `r` from node `n` after a failure there: a unique resource itself, an
    /// anonymous clone instance its whole clone (Pacemaker bans the uber-parent).
    fn ban_failed(&mut self, r: RscIdx, n: NodeIdx, source: &str) {
        let view = self.view;
        let top = view.top_of(r);
        let unique = view.resources[top].clone.as_ref().is_none_or(|c| c.unique);
        let target = if unique { r } else { top };
        // (A location on a clone reaches every resource under it, cloned groups included.)
        let mut stack = vec![target];
        while let Some(x) = stack.pop() {
            self.contribute(x, n, Score::MINUS_INFINITY, source);
            stack.extend(view.resources[x].children.iter().rev());
        }
    }

    /// A node made for an orphaned connection found in the status did not exist when the
    /// resources were unpacked: it is in a resource's table only where something scored the
    /// resource there later (a location, stickiness, a failure: the first `base` score
    /// contributions, those made before placement).
    fn hide_orphan_connection_nodes(&mut self, base: usize) {
        let view = self.view;
        let late: std::collections::BTreeSet<&str> = view
            .nodes
            .iter()
            .filter(|n| {
                n.remote
                    .as_ref()
                    .and_then(|l| l.connection)
                    .is_some_and(|c| view.resources[c].orphan)
            })
            .map(|n| n.uname.as_str())
            .collect();
        if late.is_empty() {
            return;
        }
        let scored: std::collections::BTreeSet<(&str, &str)> = self
            .out
            .contributions
            .iter()
            .take(base)
            .map(|c| {
                (
                    view.resources[c.rsc].id.as_str(),
                    view.nodes[c.node].uname.as_str(),
                )
            })
            .collect();
        self.out.scores.retain(|l| {
            !late.contains(l.node.as_str()) || scored.contains(&(l.rsc.as_str(), l.node.as_str()))
        });
    }

    /// A resource that is to stop is banned from every node before it is shown (Pacemaker's
    /// location for all nodes, which by then include every guest node).
    pub(super) fn ban_everywhere(&mut self, r: RscIdx, scores: &mut BTreeMap<NodeIdx, Score>) {
        *scores = (0..self.view.nodes.len())
            .map(|n| (n, Score::MINUS_INFINITY))
            .collect();
        self.banned_everywhere.insert(r);
    }

    /// Whether a lost ticket with loss-policy=freeze unmanages `r` (active, under the
    /// ticket's resource, in its role if it names one), which also drops its stickiness.
    fn frozen_by_ticket(&self, r: RscIdx) -> bool {
        let view = self.view;
        if view.running_on(r).is_empty() {
            return false;
        }
        self.cons.tickets.iter().any(|t| {
            let granted = view.tickets.get(&t.ticket).is_some_and(|(g, _)| *g);
            // (A ticket for a role freezes only what is in that role now.)
            let role_matches = t
                .role
                .is_none_or(|role| view.active_roles(r).iter().any(|&(_, now)| now == role));
            !granted
                && t.loss_policy == "freeze"
                && role_matches
                && view.primitives_of(t.rsc).contains(&r)
        })
    }

    /// Connections and fence devices never run on Pacemaker Remote nodes.
    fn keep_off_remote_nodes(&mut self) {
        let view = self.view;
        for (r, rsc) in view.resources.iter().enumerate() {
            if rsc.kind != Kind::Primitive || !(rsc.is_connection() || rsc.class == "stonith") {
                continue;
            }
            for (n, node) in view.nodes.iter().enumerate() {
                if node.is_remote() && self.base[r].contains_key(&n) {
                    self.base[r].insert(n, Score::MINUS_INFINITY);
                }
            }
        }
    }

    /// Resources inside containers: one whose container is a remote or guest node runs only
    /// there; a guest's container never runs on a remote node (no nesting); a guest's
    /// connection may go wherever its container goes, even in an opt-in cluster.
    fn apply_container_rules(&mut self) {
        use crate::constraints::containers::{placement, Placement};
        let view = self.view;
        for r in 0..view.resources.len() {
            match placement(view, r) {
                Some(Placement::OnNode(only)) => {
                    for (&n, s) in self.base[r].iter_mut() {
                        if n != only {
                            *s = Score::MINUS_INFINITY;
                        }
                    }
                }
                // (A bundle's connection may run on a remote node: bundles may nest.)
                Some(Placement::WithContainer(k))
                    if view.resources[r].is_connection()
                        && crate::unpack::bundle::replica_of(view, r).is_none() =>
                {
                    if !view.config.symmetric {
                        for n in 0..view.nodes.len() {
                            self.base[r].entry(n).or_insert(Score::ZERO);
                        }
                    }
                    for (n, node) in view.nodes.iter().enumerate() {
                        if node.is_remote() && self.base[k].contains_key(&n) {
                            self.base[k].insert(n, Score::MINUS_INFINITY);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A bundle replica's guest node runs that replica's instance and nothing else.
    fn reserve_bundle_nodes(&mut self) {
        let view = self.view;
        for rep in view.bundles.iter().flat_map(|b| &b.replicas) {
            let Some(n) = rep.node else { continue };
            let own: Vec<RscIdx> = rep
                .child
                .map(|c| {
                    let mut v = view.primitives_of(c);
                    v.push(c);
                    v
                })
                .unwrap_or_default();
            for r in 0..view.resources.len() {
                if own.contains(&r) {
                    continue;
                }
                // The bundle's clone may use its replicas' nodes (its instances decide).
                if view.bundles.iter().any(|b| b.child == Some(r)) {
                    continue;
                }
                if let Some(s) = self.base[r].get_mut(&n) {
                    *s = Score::MINUS_INFINITY;
                }
            }
        }
    }

    /// `resource-discovery=exclusive`: a resource with such a location runs only on the nodes
    /// that constraint lists.
    fn apply_exclusive_discovery(&mut self) {
        let (view, cons) = (self.view, self.cons);
        for r in 0..view.resources.len() {
            if !cons.exclusive_discovery(view, r, None) {
                continue;
            }
            let banned: Vec<NodeIdx> = self.base[r]
                .keys()
                .copied()
                .filter(|&n| !cons.exclusive_discovery(view, r, Some(n)))
                .collect();
            for n in banned {
                self.base[r].insert(n, Score::MINUS_INFINITY);
            }
        }
    }

    /// A remote node can host resources once its connection is placed (and not otherwise).
    fn connections_placed(&mut self) {
        let view = self.view;
        for (n, node) in view.nodes.iter().enumerate() {
            let Some(c) = node.remote.as_ref().and_then(|l| l.connection) else {
                continue;
            };
            let placed = self.out.node[c].is_some() && self.out.role[c] != Role::Stopped;
            let mut after = node.clone();
            crate::remote::after_placement(&mut after, placed);
            self.usable[n] = after.can_run();
        }
    }

    /// `node-health-strategy`: `#health-*` attributes turn into scores for every resource.
    fn apply_node_health(&mut self) {
        let view = self.view;
        let strategy = view.config.health_strategy.to_ascii_lowercase();
        if strategy == "none" || strategy.is_empty() {
            return;
        }
        let red = view
            .config
            .score_option("node-health-red", Score::MINUS_INFINITY);
        let yellow = view.config.score_option("node-health-yellow", Score::ZERO);
        let green = view.config.score_option("node-health-green", Score::ZERO);
        let base = view.config.score_option("node-health-base", Score::ZERO);
        for (n, node) in view.nodes.iter().enumerate() {
            let mut score = if strategy == "progressive" {
                base
            } else {
                Score::ZERO
            };
            let mut any = false;
            for (k, v) in &node.attrs {
                if !k.starts_with("#health") {
                    continue;
                }
                any = true;
                let value = match v.to_ascii_lowercase().as_str() {
                    "red" => red,
                    "yellow" => yellow,
                    "green" => green,
                    other => Score::parse(other).unwrap_or_default(),
                };
                let value = match strategy.as_str() {
                    "migrate-on-red" => {
                        if value.is_minus_infinite() || v.eq_ignore_ascii_case("red") {
                            Score::MINUS_INFINITY
                        } else {
                            Score::ZERO
                        }
                    }
                    "only-green" => {
                        if v.eq_ignore_ascii_case("green") {
                            Score::ZERO
                        } else {
                            Score::MINUS_INFINITY
                        }
                    }
                    _ => value,
                };
                score = score.saturating_add(value);
            }
            if !any || score.0 == 0 {
                continue;
            }
            for r in 0..view.resources.len() {
                if view.resources[r].meta_flag("allow-unhealthy-nodes", false) {
                    continue;
                }
                self.contribute(r, n, score, "node-health");
            }
        }
    }

    /// Node scores of a resource with its ancestors' already folded in (see compute_base).
    pub fn scores_of(&self, r: RscIdx) -> BTreeMap<NodeIdx, Score> {
        self.base[r].clone()
    }

    /// The best node among `scores` (None if no node has a non-negative score).
    pub fn choose(
        &self,
        scores: &BTreeMap<NodeIdx, Score>,
        current: Option<NodeIdx>,
    ) -> Option<NodeIdx> {
        let mut best: Option<(NodeIdx, Score)> = None;
        for (&n, &s) in scores {
            if s.0 < 0 || !self.usable(n) {
                continue;
            }
            best = Some(match best {
                None => (n, s),
                Some((b, bs)) => {
                    if self.better(n, s, b, bs, current) {
                        (n, s)
                    } else {
                        (b, bs)
                    }
                }
            });
        }
        best.map(|(n, _)| n)
            .or_else(|| self.choose_unavailable_guest(scores, current))
    }

    /// With no usable node, Pacemaker still takes the first of the others (all sorted as
    /// -INFINITY, so by the tie-breaks alone) when it is a guest node the resource may use:
    /// the graph assumes the guest's connection will come up, and the start there waits
    /// for it (and is unrunnable when the connection cannot start).
    fn choose_unavailable_guest(
        &self,
        scores: &BTreeMap<NodeIdx, Score>,
        current: Option<NodeIdx>,
    ) -> Option<NodeIdx> {
        let tied = Score::MINUS_INFINITY;
        let first = scores.keys().copied().reduce(|b, n| {
            if self.better(n, tied, b, tied, current) {
                n
            } else {
                b
            }
        })?;
        (scores[&first].0 >= 0 && self.view.nodes[first].is_guest()).then_some(first)
    }

    fn better(
        &self,
        n: NodeIdx,
        s: Score,
        b: NodeIdx,
        bs: Score,
        current: Option<NodeIdx>,
    ) -> bool {
        if s != bs {
            return s > bs;
        }
        let strategy = self.view.config.placement_strategy.as_str();
        if strategy == "minimal" {
            return self.view.nodes[n].uname < self.view.nodes[b].uname;
        }
        if strategy == "balanced" {
            let more = self.more_capacity(n, b);
            if more != 0 {
                return more > 0;
            }
        }
        if self.num_resources[n] != self.num_resources[b] {
            return self.num_resources[n] < self.num_resources[b];
        }
        if current == Some(n) {
            return true;
        }
        if current == Some(b) {
            return false;
        }
        self.view.nodes[n].uname < self.view.nodes[b].uname
    }

    fn record_placement(&mut self, r: RscIdx, n: NodeIdx) {
        self.out.node[r] = Some(n);
        self.log_placement(r, n);
        self.num_resources[n] += 1;
        self.consume_capacity(r, n);
    }

    /// Logs where the primitives of `r` (itself, or a clone instance's) were placed.
    pub fn log_placement(&mut self, r: RscIdx, n: NodeIdx) {
        for rsc in self.view.primitives_of(r) {
            self.out.placed.push(Placed {
                after_scores: self.out.scores.len(),
                rsc,
                node: n,
            });
        }
    }

    /// The node a (possibly collective) resource ended up on, for colocation purposes.
    pub fn placed_node(&self, r: RscIdx) -> Option<NodeIdx> {
        self.out.node[r]
    }

    /// Applies the colocations `keep` accepts where `r` is the dependent, each primary placed
    /// first (whether kept or not).
    fn apply_dependent_colocations_where(
        &mut self,
        r: RscIdx,
        scores: &mut BTreeMap<NodeIdx, Score>,
        keep: impl Fn(&crate::constraints::Colocation) -> bool,
    ) {
        let cons: Vec<_> = self
            .cons
            .colocations
            .iter()
            .filter(|c| c.dependent == r)
            .cloned()
            .collect();
        for c in cons {
            // The dependent's own promoted role is decided at promotion time.
            if c.dependent_role.is_some_and(|x| x == Role::Promoted) {
                continue;
            }
            // A colocation loop: the primary is being placed right now; ignore this link.
            if self.state[c.primary] == 1 {
                continue;
            }
            self.assign(c.primary);
            if keep(&c) {
                self.apply_colocation_with_placed(r, &c, scores);
            }
        }
    }

    /// Applies colocation `c` (dependent `r`) to `scores` once its primary has been placed:
    /// on each node with (or without) the primary, the colocation's score.
    fn apply_colocation_with_placed(
        &mut self,
        r: RscIdx,
        c: &crate::constraints::Colocation,
        scores: &mut BTreeMap<NodeIdx, Score>,
    ) {
        let view = self.view;
        if self.applied_per_instance(r, c) {
            self.apply_through_instances(r, c, scores);
            return;
        }
        let primary_nodes = self.primary_nodes(c);
        for n in 0..view.nodes.len() {
            if let std::collections::btree_map::Entry::Vacant(missing) = scores.entry(n) {
                // A node the dependent has no score on is only added by a mandatory
                // colocation, where an instance of the primary is, banned (Pacemaker's
                // node_list_exclude).
                if c.score.is_infinite() && primary_nodes.contains(&n) {
                    missing.insert(Score::MINUS_INFINITY);
                }
                continue;
            }
            let with = primary_nodes.iter().any(|p| same_place(view, c, n, *p));
            let Some(delta) = self.colocation_delta(c, n, with) else {
                continue;
            };
            if let Some(s) = scores.get_mut(&n) {
                *s = s.saturating_add(delta);
            }
            self.out.contributions.push(crate::assign::Contribution {
                rsc: r,
                node: n,
                score: delta,
                source: c.id.clone(),
            });
        }
    }

    /// Where the primary of `c` went: a clone's instances in the colocation's role (for a
    /// mandatory colocation not those blocked by a failure, as Pacemaker), else its node.
    fn primary_nodes(&self, c: &crate::constraints::Colocation) -> Vec<NodeIdx> {
        let view = self.view;
        if view.resources[c.primary].kind != Kind::Clone {
            return self.placed_node(c.primary).into_iter().collect();
        }
        // Roles only mean something for promotable clones.
        let promotable = view.resources[c.primary]
            .clone
            .as_ref()
            .is_some_and(|cfg| cfg.promotable);
        view.resources[c.primary]
            .children
            .iter()
            .filter(|ch| {
                !promotable
                    || c.primary_role
                        .is_none_or(|role| self.out.role[**ch] == role)
            })
            .filter(|ch| !c.score.is_infinite() || !blocked_by_failure(view, **ch))
            .filter_map(|ch| self.out.node[*ch])
            .collect()
    }

    /// What colocation `c` adds on node `n`, `with` the primary there or not (None: nothing):
    /// a mandatory one bans the nodes without it (and where an instance in a promotable
    /// clone's role is, adds the score it was placed with), an anti-colocation bans those
    /// with it, a finite one adds its score where the primary is.
    fn colocation_delta(
        &self,
        c: &crate::constraints::Colocation,
        n: NodeIdx,
        with: bool,
    ) -> Option<Score> {
        if c.score.is_infinite() {
            if !with {
                return Some(Score::MINUS_INFINITY);
            }
            let w = if promotable_role(self.view, c) {
                self.role_weight(c, n)
            } else {
                Score::ZERO
            };
            (w.0 != 0).then_some(w)
        } else if c.score.is_minus_infinite() {
            with.then_some(Score::MINUS_INFINITY)
        } else {
            with.then_some(c.score)
        }
    }

    /// The scores the instances of `c`'s primary in its role on `n` were placed with
    /// (Pacemaker merges the instances' assigned nodes into the dependent's).
    fn role_weight(&self, c: &crate::constraints::Colocation, n: NodeIdx) -> Score {
        self.view.resources[c.primary]
            .children
            .iter()
            .filter(|ch| self.out.node[**ch] == Some(n))
            .filter(|ch| {
                c.primary_role
                    .is_some_and(|role| self.out.role[**ch] == role)
            })
            .filter_map(|ch| self.placed_weight.get(ch).copied())
            .fold(Score::ZERO, Score::saturating_add)
    }

    /// A finite colocation of a primitive or group with a clone (not a bundle's, nor with a
    /// promotable clone's role) is applied instance by instance.
    fn applied_per_instance(&self, r: RscIdx, c: &crate::constraints::Colocation) -> bool {
        let view = self.view;
        let finite = !c.score.is_infinite() && !c.score.is_minus_infinite();
        let bundle = view.bundles.iter().any(|b| b.rsc == c.primary);
        finite
            && view.resources[c.primary].kind == Kind::Clone
            && !bundle
            && !promotable_role(view, c)
            && view.resources[r].kind != Kind::Clone
    }

    /// Colocation `c` through each instance of its clone primary: one placed adds the score
    /// where it is, one placed nowhere takes the score away everywhere, and a step that
    /// would leave no node is dropped (Pacemaker's clone colocation through each instance).
    fn apply_through_instances(
        &mut self,
        r: RscIdx,
        c: &crate::constraints::Colocation,
        scores: &mut BTreeMap<NodeIdx, Score>,
    ) {
        let view = self.view;
        for &ch in &view.resources[c.primary].children {
            let at = self.out.node[ch];
            let deltas: Vec<(NodeIdx, Score)> = scores
                .keys()
                .filter_map(|&n| match at {
                    None => Some((n, Score(-c.score.0))),
                    Some(p) => same_place(view, c, n, p).then_some((n, c.score)),
                })
                .collect();
            let mut work = scores.clone();
            for &(n, d) in &deltas {
                if let Some(w) = work.get_mut(&n) {
                    *w = w.saturating_add(d);
                }
            }
            if work.iter().any(|(n, v)| v.0 >= 0 && self.usable(*n)) {
                *scores = work;
                for (node, score) in deltas {
                    self.out.contributions.push(crate::assign::Contribution {
                        rsc: r,
                        node,
                        score,
                        source: c.id.clone(),
                    });
                }
            }
        }
    }

    /// Combined scores of a group (or a primitive's own scores).
    fn group_scores(&self, r: RscIdx) -> BTreeMap<NodeIdx, Score> {
        let rsc = &self.view.resources[r];
        if rsc.kind != Kind::Group || rsc.children.is_empty() {
            return self.scores_of(r);
        }
        let mut merged = self.scores_of(*rsc.children.last().unwrap_or(&r));
        for &m in rsc.children.iter().rev().skip(1) {
            let own = self.scores_of(m);
            let mut cand = own.clone();
            for (n, s) in cand.iter_mut() {
                if let Some(x) = merged.get(n) {
                    *s = s.saturating_add(*x);
                }
            }
            let ok = cand.iter().any(|(n, s)| s.0 >= 0 && self.usable(*n));
            merged = if ok { cand } else { own };
        }
        merged
    }

    /// Assigns a resource (and, first, what it depends on).
    pub fn assign(&mut self, r: RscIdx) {
        if self.state[r] == 2 && self.view.bundles.iter().any(|b| b.rsc == r) {
            let own = self.scores_of(r);
            self.push_bundle_tables(r, &own, true);
        }
        if self.state[r] != 0 {
            return;
        }
        // A group member is assigned as part of its group.
        if let Some(g) = self.view.resources[r].parent {
            let group = &self.view.resources[g];
            if group.kind == Kind::Group && group.parent.is_none() && self.state[g] == 0 {
                self.assign(g);
                return;
            }
        }
        self.state[r] = 1;
        match self.view.resources[r].kind {
            Kind::Primitive => self.assign_primitive(r),
            Kind::Group => self.assign_group(r),
            Kind::Clone => {
                // What the clone is colocated with is assigned (and promoted) first.
                // (A bundle's own assignment handles its colocations.)
                if !self.view.bundles.iter().any(|b| b.rsc == r) {
                    for c in self.this_with(r) {
                        self.assign(c.primary);
                    }
                }
                clone::assign_clone(self, r);
                clone::promote(self, r);
                self.assign_bundle_members(r);
            }
        }
        self.state[r] = 2;
    }

    /// A bundle, once its containers are placed: each replica's IP and connection (which
    /// follow their container), after which the replicas' guest nodes can be used.
    fn assign_bundle_members(&mut self, b: RscIdx) {
        let view = self.view;
        let Some(bundle) = view.bundles.iter().find(|x| x.rsc == b) else {
            return;
        };
        for rep in &bundle.replicas {
            if let Some(ip) = rep.ip {
                self.assign(ip);
            }
            let Some(remote) = rep.remote else { continue };
            // A container on a remote node is reached through that node's own connection
            // host (Pacemaker Remote serves one connection at a time).
            let host_link = self.out.node[rep.container]
                .and_then(|h| view.nodes[h].remote.as_ref())
                .and_then(|l| l.connection);
            if let Some(via) = host_link.and_then(|c| self.out.node[c]) {
                for (&n, s) in self.base[remote].iter_mut() {
                    if n != via {
                        *s = Score::MINUS_INFINITY;
                    }
                }
            }
            self.assign(remote);
        }
        self.connections_placed();
        for rep in &bundle.replicas {
            if let (Some(inst), Some(node)) = (rep.child, rep.node) {
                self.assign_replica_instance(inst, node);
            }
        }
    }

    /// A replica's instance is assigned with its replica, before its clone: to the replica's
    /// guest node only (INFINITY there unless its failures forbid it), even when that node
    /// is not up yet (its start then waits for the connection). Instances the clone must
    /// decide as a whole (unmanaged, frozen, stopped by policy) are left to it.
    fn assign_replica_instance(&mut self, inst: RscIdx, node: NodeIdx) {
        let view = self.view;
        let clone = view.resources[inst].parent;
        let whole_clone = clone
            .is_some_and(|c| !view.resources[c].managed() || self.blocked_by_policy(c).is_some());
        if view.resources[inst].kind != Kind::Primitive {
            return;
        }
        let own = self.base[inst].get(&node).copied().unwrap_or(Score::ZERO);
        let score = if own.is_minus_infinite() || self.target_stopped(inst) {
            Score::MINUS_INFINITY
        } else {
            Score::INFINITY
        };
        // (Shown even when the clone decides it as a whole: Pacemaker assigns it here first.)
        self.out.scores.push(ScoreLine {
            prefix: "pcmk__primitive_assign",
            rsc: view.resources[inst].id.clone(),
            node: view.nodes[node].uname.clone(),
            score,
        });
        if whole_clone
            || !view.resources[inst].managed()
            || self.out.frozen[inst]
            || self.blocked_by_policy(inst).is_some()
            || (!view.config.have_quorum && view.config.no_quorum_policy == NoQuorumPolicy::Freeze)
        {
            return;
        }
        let table = BTreeMap::from([(node, score)]);
        self.preassigned[inst] = true;
        let running = view.resources[inst].running_nodes();
        let current = (running.len() == 1).then(|| running[0]);
        if let Some(n) = self.choose(&table, current) {
            self.record_placement(inst, n);
            self.out.role[inst] = Role::Started;
        }
    }

    /// Whether `target-role=Stopped` applies to `r` (set on it or on a parent).
    fn target_stopped(&self, r: RscIdx) -> bool {
        target_role_stopped(self.view, r)
    }

    fn blocked_by_policy(&self, r: RscIdx) -> Option<&'static str> {
        let view = self.view;
        let rsc = &view.resources[r];
        if view.config.stop_all {
            return Some("stop-all-resources");
        }
        if rsc.orphan {
            return Some("orphan");
        }
        // A lost connection with a reconnect interval stays down until its failure expires.
        if crate::unpack::remote::awaits_reconnect(rsc) {
            return Some("remote reset");
        }
        // on-fail=stop: after such a failure the resource stays stopped.
        if rsc
            .node_state
            .values()
            .any(|s| s.on_fail == crate::unpack::OnFail::Stop)
        {
            return Some("on-fail=stop");
        }
        target_role_stopped(view, r).then_some("target-role")
    }

    fn assign_primitive(&mut self, r: RscIdx) {
        let view = self.view;
        let rsc = &view.resources[r];
        let mut scores = self.scores_of(r);
        self.apply_this_with(r, &mut scores);
        self.merge_with_this(r, &mut scores);
        self.allowed_after[r] = Some(scores.clone());
        let running = rsc.running_nodes();
        // (A partial migration's target is Pacemaker's current node: reading the source's
        // migrate_to adds it before the source itself.)
        let partial_target = running
            .iter()
            .copied()
            .find(|n| rsc.node_state[n].migrating_from.is_some());
        let current = if running.len() == 1 {
            Some(running[0])
        } else {
            partial_target
        };
        // A resource that is to be stopped (target-role, or on-fail=stop after a failure)
        // is banned from every node before it is shown.
        let stop_after_failure = rsc
            .node_state
            .values()
            .any(|s| s.on_fail == crate::unpack::OnFail::Stop);
        if self.target_stopped(r)
            || stop_after_failure
            || crate::unpack::remote::awaits_reconnect(rsc)
        {
            self.ban_everywhere(r, &mut scores);
            // (Pacemaker bans it in its allowed nodes: what merges its scores later sees it.)
            self.allowed_after[r] = Some(scores.clone());
        }
        self.last_shown.insert(r, scores.clone());
        for (n, s) in scores.iter().filter(|_| !rsc.orphan) {
            self.out.scores.push(ScoreLine {
                prefix: "pcmk__primitive_assign",
                rsc: rsc.id.clone(),
                node: view.nodes[*n].uname.clone(),
                score: *s,
            });
        }
        let kept_orphan = rsc.orphan && !view.config.stop_orphan_resources;
        if running.len() > 1 {
            match rsc.meta("multiple-active") {
                Some("stop_only") => {
                    self.out.why_stopped.insert(
                        r,
                        "active on several nodes (multiple-active=stop_only)".into(),
                    );
                    return;
                }
                Some("block") => {
                    self.out.frozen[r] = true;
                    return;
                }
                _ => {}
            }
        }
        if ((!rsc.managed() || self.out.frozen[r]) && !rsc.orphan) || kept_orphan {
            // Unmanaged (or blocked): stays where it is, whatever else is asked (active on
            // several nodes: on the first, as Pacemaker's current node).
            if let Some(c) = current.or(running.first().copied()) {
                self.record_placement(r, c);
                self.out.role[r] = rsc.node_state[&c].role;
            }
            return;
        }
        if let Some(why) = self.blocked_by_policy(r) {
            self.out.why_stopped.insert(r, why.into());
            return;
        }
        let limit = self.capacity_limit(r, &scores);
        Self::ban_for_capacity(&limit, &mut scores);
        match self.choose(&scores, current) {
            Some(best) => {
                // The node with the most free capacity (when nothing fits the resource and
                // what is colocated with it) wins if it is as good as the best; else, among
                // nodes as good as the best one (with a positive score), the node the
                // resource runs on wins over a less loaded one.
                let preferred = limit.prefer.filter(|p| {
                    scores.get(p).is_some_and(|s| *s >= scores[&best]) && self.usable(*p)
                });
                // (A remote connection is assigned preferring its partial migration's
                // target, which wins any tie: Pacemaker's preferred node.)
                let migration_target = partial_target.filter(|_| rsc.is_connection()).filter(|p| {
                    scores.get(p).is_some_and(|s| *s >= scores[&best]) && self.usable(*p)
                });
                let n = match (migration_target.or(preferred), current) {
                    (Some(p), _) => p,
                    (None, Some(c))
                        if scores[&best].0 > 0
                            && scores.get(&c) == Some(&scores[&best])
                            && self.usable(c) =>
                    {
                        c
                    }
                    _ => best,
                };
                self.record_placement(r, n);
                self.out.role[r] = Role::Started;
            }
            None => {
                self.out.why_stopped.insert(r, "no node available".into());
            }
        }
    }

    /// A group: its members in order, each colocated with the one before it (Pacemaker's
    /// internal colocations, see `this_with`), so the group goes where its first member goes.
    fn assign_group(&mut self, g: RscIdx) {
        let view = self.view;
        let members = view.resources[g].children.clone();
        // Pacemaker shows the group's scores and, under the same heading, its members'.
        for &x in std::iter::once(&g).chain(&members) {
            for (n, s) in &self.scores_of(x) {
                self.out.scores.push(ScoreLine {
                    prefix: "pcmk__group_assign",
                    rsc: view.resources[x].id.clone(),
                    node: view.nodes[*n].uname.clone(),
                    score: *s,
                });
            }
        }
        for &m in &members {
            self.assign(m);
        }
        if let Some(&first) = members.first() {
            self.out.node[g] = self.out.node[first];
            self.out.role[g] = self.out.role[first];
        }
    }
}

/// Sum of a resource's fail counts on a node (all operations), honouring failure-timeout.
pub fn fail_count(
    node: &crate::unpack::NodeInfo,
    base_id: &str,
    rsc: &crate::unpack::Resource,
    now: i64,
) -> Score {
    fail_count_of(node, base_id, rsc, now, false)
}

/// [`fail_count`], counting `RSC:N` attributes too when `instances` (an anonymous clone's
/// instance: Pacemaker matches its counts with any instance number).
fn fail_count_of(
    node: &crate::unpack::NodeInfo,
    base_id: &str,
    rsc: &crate::unpack::Resource,
    now: i64,
    instances: bool,
) -> Score {
    let (total, last_failure) =
        crate::unpack::expiry::recorded_failures(&node.attrs, base_id, instances);
    let timeout = rsc.failure_timeout_ms() as i64 / 1000;
    if timeout > 0 && last_failure > 0 && now >= last_failure + timeout {
        return Score::ZERO;
    }
    total
}

/// Runs placement for every resource.
pub fn assign(view: &ClusterView, cons: &Constraints) -> Assignment {
    let mut a = Assigner::new(view, cons);
    a.compute_base();
    let base_contributions = a.out.contributions.len();
    let mut order: Vec<RscIdx> = view
        .top
        .iter()
        .copied()
        .filter(|&r| !view.resources[r].orphan)
        .collect();
    // Pacemaker sorts the configured resources by priority when it unpacks them (a stable
    // sort: CIB order among equals) and appends orphans found in the status afterwards.
    order.sort_by_key(|&r| std::cmp::Reverse(view.resources[r].priority()));
    order.extend(
        view.top
            .iter()
            .copied()
            .filter(|&r| view.resources[r].orphan),
    );
    if view.config.placement_strategy != "default" {
        a.sort_for_strategy(&mut order);
    }
    a.out.order = order.clone();
    // Remote connections first: where they go decides which remote nodes can run resources.
    for &r in &order {
        if view.resources[r].is_connection() {
            a.assign(r);
        }
    }
    a.connections_placed();
    for r in order {
        a.assign(r);
    }
    a.hide_undiscovered_guest_nodes();
    a.hide_orphan_connection_nodes(base_contributions);
    a.out
}

/// Whether `target-role=Stopped` applies to `r`: its own value, which holds its parents'
/// where it sets none (Pacemaker's children inherit only the meta attributes they do not
/// set, so a member's or instance's own `target-role=Started` overrides a stopped parent).
fn target_role_stopped(view: &ClusterView, r: RscIdx) -> bool {
    view.resources[r].target_role() == Some(Role::Stopped)
}

/// Whether `r` or a resource under it failed with on-fail=block (Pacemaker's blocked flag).
fn blocked_by_failure(view: &ClusterView, r: RscIdx) -> bool {
    view.primitives_of(r).into_iter().any(|p| {
        view.resources[p]
            .node_state
            .values()
            .any(|s| s.failed && s.on_fail == OnFail::Block)
    })
}

/// Nodes `a` and `b` are the same place for colocation `c`: the same node, or equal values
/// of its node attribute.
fn same_place(
    view: &ClusterView,
    c: &crate::constraints::Colocation,
    a: NodeIdx,
    b: NodeIdx,
) -> bool {
    if c.node_attribute == "#uname" {
        a == b
    } else {
        let va = view.nodes[a].attrs.get(&c.node_attribute);
        va.is_some() && va == view.nodes[b].attrs.get(&c.node_attribute)
    }
}

/// Colocation `c` is with a role of a promotable clone.
fn promotable_role(view: &ClusterView, c: &crate::constraints::Colocation) -> bool {
    c.primary_role.is_some()
        && view.resources[c.primary]
            .clone
            .as_ref()
            .is_some_and(|cfg| cfg.promotable)
}
