//! Stage 2: constraints (`rsc_location`, `rsc_colocation`, `rsc_order`, `rsc_ticket`), with
//! resource sets, tags and templates expanded into plain pairwise constraints.

pub mod containers;

use crate::rules::{self, IdIndex, RuleContext};
use crate::unpack::{ClusterView, Kind, NodeIdx, Role, RscIdx};
use crate::Diagnostics;
use cib::Element;
use vocab::score::Score;

/// One location preference of a resource for a node.
#[derive(Debug, Clone)]
pub struct LocationScore {
    /// Constraint (or rule) id it came from.
    pub id: String,
    /// Resource.
    pub rsc: RscIdx,
    /// Node.
    pub node: usize,
    /// Score.
    pub score: Score,
    /// Only for this role (promotion).
    pub role: Option<Role>,
}

/// A colocation between two resources.
#[derive(Debug, Clone, PartialEq)]
pub struct Colocation {
    /// Constraint id.
    pub id: String,
    /// The resource placed relative to the other.
    pub dependent: RscIdx,
    /// The resource placed first.
    pub primary: RscIdx,
    /// Strength.
    pub score: Score,
    /// Role of the dependent this applies to.
    pub dependent_role: Option<Role>,
    /// Role of the primary this applies to.
    pub primary_role: Option<Role>,
    /// Node attribute that defines "same place".
    pub node_attribute: String,
    /// Whether the dependent influences the primary's placement.
    pub influence: bool,
}

/// Ordering strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    /// Then is not possible without first.
    Mandatory,
    /// Only sequencing when both happen.
    Optional,
    /// Never at the same time.
    Serialize,
}

/// An ordering between two resources' actions.
#[derive(Debug, Clone)]
pub struct Order {
    /// Constraint id.
    pub id: String,
    /// First resource.
    pub first: RscIdx,
    /// Its action.
    pub first_action: String,
    /// Then resource.
    pub then: RscIdx,
    /// Its action.
    pub then_action: String,
    /// Strength.
    pub kind: OrderKind,
    /// Reverse for stops.
    pub symmetrical: bool,
    /// Several firsts of which one suffices (require-all=false): the group id.
    pub one_or_more: Option<String>,
    /// `require-all` of a plain constraint (false: one started clone instance is enough).
    pub require_all: bool,
}

/// A ticket dependency.
#[derive(Debug, Clone)]
pub struct TicketDep {
    /// Constraint id.
    pub id: String,
    /// Resource.
    pub rsc: RscIdx,
    /// Role it applies to.
    pub role: Option<Role>,
    /// Ticket id.
    pub ticket: String,
    /// stop, demote, freeze, fence.
    pub loss_policy: String,
}

/// All constraints, expanded.
#[derive(Debug, Default)]
pub struct Constraints {
    /// Location scores.
    pub locations: Vec<LocationScore>,
    /// Resources with `resource-discovery=never` on a node (no probes there), or exclusive.
    pub discovery: Vec<(RscIdx, usize, String)>,
    /// Colocations.
    pub colocations: Vec<Colocation>,
    /// Orderings.
    pub orders: Vec<Order>,
    /// Ticket dependencies.
    pub tickets: Vec<TicketDep>,
}

impl Constraints {
    /// Whether `r` may not be probed on node `n`: its discovery mode there is `never`, or it
    /// has exclusive discovery and its mode there is not exclusive.
    pub fn discovery_never(&self, view: &ClusterView, r: RscIdx, n: usize) -> bool {
        if self.exclusive_discovery(view, r, None) {
            !self.exclusive_discovery(view, r, Some(n))
        } else {
            self.discovery_mode_on(view, r, n, "never")
        }
    }

    /// Whether `r` or an ancestor has a `resource-discovery=exclusive` location (on node `n`,
    /// or anywhere): Pacemaker's `exclusive_discover`, and the allowed node's discovery mode
    /// (the strongest of its locations there: exclusive, never, always).
    pub fn exclusive_discovery(&self, view: &ClusterView, r: RscIdx, n: Option<usize>) -> bool {
        match n {
            Some(n) => self.discovery_mode_on(view, r, n, "exclusive"),
            None => {
                let lineage = discovery_lineage(view, r);
                self.discovery
                    .iter()
                    .any(|(x, _, m)| m == "exclusive" && lineage.contains(x))
            }
        }
    }

    fn discovery_mode_on(&self, view: &ClusterView, r: RscIdx, n: usize, mode: &str) -> bool {
        let lineage = discovery_lineage(view, r);
        self.discovery
            .iter()
            .any(|(x, nn, m)| *nn == n && m == mode && lineage.contains(x))
    }
}

/// `r` and the ancestors whose locations it shares (a bundle passes its discovery on to its
/// containers and IPs only).
fn discovery_lineage(view: &ClusterView, r: RscIdx) -> Vec<RscIdx> {
    std::iter::successors(Some(r), |&x| crate::unpack::bundle::sharing_parent(view, x)).collect()
}

/// A resource locked to a node by `shutdown-lock` may run on no other node.
pub fn ban_from_all_but_lock(view: &ClusterView, cons: &mut Constraints) {
    for (r, rsc) in view.resources.iter().enumerate() {
        let Some((locked, _)) = rsc.lock else {
            continue;
        };
        for n in (0..view.nodes.len()).filter(|&n| n != locked) {
            cons.locations.push(LocationScore {
                id: "shutdown-lock".into(),
                rsc: r,
                node: n,
                score: Score::MINUS_INFINITY,
                role: None,
            });
        }
    }
}

/// Resolves a constraint's resource reference (resource, clone child, tag, template).
fn resolve(view: &ClusterView, root: &Element, idx: &IdIndex, id: &str) -> Vec<RscIdx> {
    if let Some(&r) = view.rsc_by_id.get(id) {
        return vec![r];
    }
    // The configured child of a clone: refer to the clone.
    let children: Vec<RscIdx> = view
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.base_id == id
                && r.parent
                    .is_some_and(|p| view.resources[p].kind == Kind::Clone)
        })
        .map(|(i, _)| view.resources[i].parent.unwrap_or(i))
        .collect();
    if let Some(&c) = children.first() {
        return vec![c];
    }
    if let Some(el) = idx.get(id) {
        if el.name == "tag" {
            return el
                .children_named("obj_ref")
                .filter_map(|o| o.attr("id"))
                .flat_map(|i| resolve(view, root, idx, i))
                .collect();
        }
        if el.name == "template" {
            let mut out = Vec::new();
            if let Some(resources) = root
                .child("configuration")
                .and_then(|c| c.child("resources"))
            {
                for p in resources.descendants() {
                    if p.name == "primitive" && p.attr("template") == Some(id) {
                        if let Some(pid) = p.attr("id") {
                            out.extend(resolve(view, root, idx, pid));
                        }
                    }
                }
            }
            return out;
        }
    }
    Vec::new()
}

fn set_members(view: &ClusterView, root: &Element, idx: &IdIndex, set: &Element) -> Vec<RscIdx> {
    set.children_named("resource_ref")
        .filter_map(|r| r.attr("id"))
        .flat_map(|id| resolve(view, root, idx, id))
        .collect()
}

/// Unpacks and expands every constraint.
pub fn unpack(
    root: &Element,
    idx: &IdIndex,
    view: &ClusterView,
    diags: &mut Diagnostics,
) -> Constraints {
    let mut out = Constraints::default();
    let Some(cons) = root
        .child("configuration")
        .and_then(|c| c.child("constraints"))
    else {
        return out;
    };
    for c in cons.elements() {
        let c = idx.resolve(c);
        match c.name.as_str() {
            "rsc_location" => location(root, idx, view, c, &mut out, diags),
            "rsc_colocation" => colocation(root, idx, view, c, &mut out),
            "rsc_order" => order(root, idx, view, c, &mut out),
            "rsc_ticket" => ticket(root, idx, view, c, &mut out),
            _ => {}
        }
    }
    out
}

/// An `rsc_location`: a fixed score on one node, or each rule's score on the nodes where it
/// holds, for every resource it names.
fn location(
    root: &Element,
    idx: &IdIndex,
    view: &ClusterView,
    c: &Element,
    out: &mut Constraints,
    diags: &mut Diagnostics,
) {
    let id = c.attr("id").unwrap_or("").to_string();
    let Some((rscs, set_role)) = location_resources(root, idx, view, c, &id, diags) else {
        return;
    };
    let role = c.attr("role").and_then(Role::parse).or(set_role);
    let discovery = c.attr("resource-discovery").unwrap_or("always");
    if let (Some(node), Some(score)) = (c.attr("node"), c.attr("score")) {
        let Some(&n) = view.node_by_name.get(node) else {
            return;
        };
        let score = Score::parse(score).unwrap_or_default();
        for &r in &rscs {
            push_location(out, &id, r, n, score, role, discovery);
        }
        return;
    }
    for rule in c.children_named("rule") {
        let rule = idx.resolve(rule);
        let rule_id = rule.attr("id").unwrap_or(&id);
        let rule_role = rule.attr("role").and_then(Role::parse).or(role);
        for (n, score, applies) in rule_scores(idx, view, rule, &rscs) {
            for r in applies {
                push_location(out, rule_id, r, n, score, rule_role, discovery);
            }
        }
    }
}

/// The resources a location names (by `rsc`, `rsc-pattern` or resource sets) and the
/// role its sets give; None (with a warning) for an invalid pattern or no known resource.
fn location_resources(
    root: &Element,
    idx: &IdIndex,
    view: &ClusterView,
    c: &Element,
    id: &str,
    diags: &mut Diagnostics,
) -> Option<(Vec<RscIdx>, Option<Role>)> {
    let mut rscs: Vec<RscIdx> = Vec::new();
    if let Some(r) = c.attr("rsc") {
        rscs = resolve(view, root, idx, r);
    } else if let Some(pattern) = c.attr("rsc-pattern") {
        let (invert, re) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        let Ok(re) = regex_automata::meta::Regex::new(re) else {
            diags.warn(format!(
                "location constraint {id}: invalid rsc-pattern {pattern:?}"
            ));
            return None;
        };
        rscs = view
            .top
            .iter()
            .copied()
            .filter(|r| re.is_match(view.resources[*r].id.as_str()) != invert)
            .collect();
    }
    let mut set_role = None;
    for set in c.children_named("resource_set") {
        rscs.extend(set_members(view, root, idx, set));
        set_role = set.attr("role").and_then(Role::parse);
    }
    if rscs.is_empty() {
        diags.warn(format!(
            "location constraint {id} refers to no known resource"
        ));
        return None;
    }
    Some((rscs, set_role))
}

/// Where a location rule holds: per node, its score (fixed, or the node's
/// `score-attribute` value, no score where that is missing) and the resources it holds
/// for (each resource's rule may compare against its own parameters or meta attributes:
/// value-source).
fn rule_scores(
    idx: &IdIndex,
    view: &ClusterView,
    rule: &Element,
    rscs: &[RscIdx],
) -> Vec<(NodeIdx, Score, Vec<RscIdx>)> {
    let fixed = rule.attr("score").and_then(Score::parse);
    let attr = rule.attr("score-attribute");
    let mut out = Vec::new();
    for (n, node) in view.nodes.iter().enumerate() {
        let ctx = RuleContext {
            now: view.now,
            node_attrs: Some(&node.attrs),
            ..Default::default()
        };
        let holds = |r: RscIdx| {
            let rsc = &view.resources[r];
            let ctx = RuleContext {
                matched_rsc: Some(rules::MatchedRsc {
                    params: rsc.params_on(n),
                    meta: &rsc.meta,
                }),
                ..ctx
            };
            rules::eval_rule(idx, rule, &ctx)
        };
        let applies: Vec<RscIdx> = rscs.iter().copied().filter(|&r| holds(r)).collect();
        if applies.is_empty() {
            continue;
        }
        let score = match (fixed, attr) {
            (Some(s), _) => s,
            (None, Some(a)) => match node.attrs.get(a).and_then(|v| Score::parse(v)) {
                Some(s) => s,
                None => continue,
            },
            _ => Score::ZERO,
        };
        out.push((n, score, applies));
    }
    out
}

/// One location score (and its resource-discovery mode unless `always`).
fn push_location(
    out: &mut Constraints,
    id: &str,
    r: RscIdx,
    n: NodeIdx,
    score: Score,
    role: Option<Role>,
    discovery: &str,
) {
    out.locations.push(LocationScore {
        id: id.to_string(),
        rsc: r,
        node: n,
        score,
        role,
    });
    if discovery != "always" {
        out.discovery.push((r, n, discovery.to_string()));
    }
}

/// An `rsc_colocation`: between two resources, or within and between its resource sets.
fn colocation(
    root: &Element,
    idx: &IdIndex,
    view: &ClusterView,
    c: &Element,
    out: &mut Constraints,
) {
    let score = c
        .attr("score")
        .and_then(Score::parse)
        .unwrap_or(Score::ZERO);
    let mk = ColocationMaker {
        view,
        id: c.attr("id").unwrap_or("").to_string(),
        node_attribute: c.attr("node-attribute").unwrap_or("#uname").to_string(),
        // (An invalid value falls back to the default, the dependent's `critical`.)
        influence: c.attr("influence").and_then(vocab::boolean::parse_bool),
    };
    let sets: Vec<&Element> = c.children_named("resource_set").collect();
    if sets.is_empty() {
        plain_colocations(root, idx, c, score, &mk, out);
        return;
    }
    // Within a sequential set each member is colocated with the previous one; a
    // non-sequential set has no internal colocation. Between sets, every member of a set
    // is colocated with the members of the following set... as Pacemaker: with its first/last.
    let mut prev: Option<ColocationSet> = None;
    for set in &sets {
        let this = ColocationSet::read(root, idx, view, set, score);
        this.colocate_within(&mk, out);
        if let Some(prev) = &prev {
            prev.colocate_with(&this, score, &mk, out);
        }
        prev = Some(this);
    }
}

/// What every colocation of one constraint shares.
struct ColocationMaker<'v> {
    view: &'v ClusterView,
    id: String,
    node_attribute: String,
    influence: Option<bool>,
}

impl ColocationMaker<'_> {
    fn make(
        &self,
        dependent: RscIdx,
        primary: RscIdx,
        score: Score,
        dependent_role: Option<Role>,
        primary_role: Option<Role>,
    ) -> Colocation {
        Colocation {
            id: self.id.clone(),
            dependent,
            primary,
            score,
            dependent_role,
            primary_role,
            node_attribute: self.node_attribute.clone(),
            influence: self
                .influence
                .unwrap_or_else(|| self.view.resources[dependent].meta_flag("critical", true)),
        }
    }
}

/// `rsc` with `with-rsc` (each resolved to its resources; never a resource with itself),
/// in the roles given (Started: any).
fn plain_colocations(
    root: &Element,
    idx: &IdIndex,
    c: &Element,
    score: Score,
    mk: &ColocationMaker,
    out: &mut Constraints,
) {
    let view = mk.view;
    let (Some(a), Some(b)) = (c.attr("rsc"), c.attr("with-rsc")) else {
        return;
    };
    let dr = c
        .attr("rsc-role")
        .and_then(Role::parse)
        .filter(|r| *r != Role::Started);
    let pr = c
        .attr("with-rsc-role")
        .and_then(Role::parse)
        .filter(|r| *r != Role::Started);
    for d in resolve(view, root, idx, a) {
        for p in resolve(view, root, idx, b) {
            if d != p {
                out.colocations.push(mk.make(d, p, score, dr, pr));
            }
        }
    }
}

/// One resource set of a colocation.
struct ColocationSet {
    members: Vec<RscIdx>,
    sequential: bool,
    /// The set's own score (else the constraint's), for the colocations within it.
    score: Score,
    role: Option<Role>,
    /// ordering="listed": each member depends on the next, not the previous.
    listed: bool,
}

impl ColocationSet {
    fn read(
        root: &Element,
        idx: &IdIndex,
        view: &ClusterView,
        set: &Element,
        score: Score,
    ) -> ColocationSet {
        ColocationSet {
            members: set_members(view, root, idx, set),
            sequential: set
                .attr("sequential")
                .map(crate::unpack::is_true)
                .unwrap_or(true),
            score: set.attr("score").and_then(Score::parse).unwrap_or(score),
            role: set
                .attr("role")
                .and_then(Role::parse)
                .filter(|r| *r != Role::Started),
            listed: set
                .attr("ordering")
                .is_some_and(|o| !o.eq_ignore_ascii_case("group")),
        }
    }

    /// Pacemaker's unpack_colocation_set: a non-sequential set has none; a positive score
    /// chains each member with the previous one, or the other way round with
    /// ordering="listed"; a negative one sets each member against every earlier one.
    fn colocate_within(&self, mk: &ColocationMaker, out: &mut Constraints) {
        let (members, role) = (&self.members, self.role);
        if !self.sequential || self.score == Score::ZERO {
            // Nothing inside the set.
        } else if self.score > Score::ZERO {
            for w in members.windows(2) {
                let (dep, primary) = if self.listed {
                    (w[0], w[1])
                } else {
                    (w[1], w[0])
                };
                out.colocations
                    .push(mk.make(dep, primary, self.score, role, role));
            }
        } else {
            for (i, &b) in members.iter().enumerate() {
                for &a in &members[..i] {
                    out.colocations.push(mk.make(b, a, self.score, role, role));
                }
            }
        }
    }

    /// Members of this (earlier) set depend on the `next` set: its first member (every
    /// member, if not sequential) with the next set's last (every one, if not sequential),
    /// with the constraint's score.
    fn colocate_with(
        &self,
        next: &ColocationSet,
        score: Score,
        mk: &ColocationMaker,
        out: &mut Constraints,
    ) {
        let primary_members: Vec<RscIdx> = if next.sequential {
            next.members.last().copied().into_iter().collect()
        } else {
            next.members.clone()
        };
        let dependents: Vec<RscIdx> = if self.sequential {
            self.members.first().copied().into_iter().collect()
        } else {
            self.members.clone()
        };
        for &d in &dependents {
            for &p in &primary_members {
                out.colocations
                    .push(mk.make(d, p, score, self.role, next.role));
            }
        }
    }
}

fn order_kind(c: &Element) -> OrderKind {
    match c.attr("kind").map(str::to_ascii_lowercase).as_deref() {
        Some("optional") => OrderKind::Optional,
        Some("serialize") => OrderKind::Serialize,
        Some(_) => OrderKind::Mandatory,
        None => match c.attr("score").and_then(Score::parse) {
            Some(s) if s.0 == 0 => OrderKind::Optional,
            _ => OrderKind::Mandatory,
        },
    }
}

/// An `rsc_order`: between two resources, or along and between its resource sets.
fn order(root: &Element, idx: &IdIndex, view: &ClusterView, c: &Element, out: &mut Constraints) {
    let kind = order_kind(c);
    let symmetrical = c
        .attr("symmetrical")
        .map(crate::unpack::is_true)
        .unwrap_or(kind != OrderKind::Serialize);
    let base = Order {
        id: c.attr("id").unwrap_or("").to_string(),
        first: 0,
        first_action: String::new(),
        then: 0,
        then_action: String::new(),
        kind,
        symmetrical,
        one_or_more: None,
        require_all: true,
    };
    let sets: Vec<&Element> = c.children_named("resource_set").collect();
    if sets.is_empty() {
        plain_orders(root, idx, view, c, &base, out);
        return;
    }
    let mut prev: Option<OrderSet> = None;
    for set in &sets {
        let this = OrderSet::read(root, idx, view, set, kind);
        this.order_within(&base, out);
        if let Some(prev) = &prev {
            prev.order_before(&this, &base, out);
        }
        prev = Some(this);
    }
}

/// `first` before `then` (each resolved to its resources): `first-action` (start by
/// default) before `then-action` (the first's by default).
fn plain_orders(
    root: &Element,
    idx: &IdIndex,
    view: &ClusterView,
    c: &Element,
    base: &Order,
    out: &mut Constraints,
) {
    let (Some(a), Some(b)) = (c.attr("first"), c.attr("then")) else {
        return;
    };
    let fa = c.attr("first-action").unwrap_or("start").to_string();
    let ta = c
        .attr("then-action")
        .map(str::to_string)
        .unwrap_or_else(|| fa.clone());
    let require_all = c
        .attr("require-all")
        .map(crate::unpack::is_true)
        .unwrap_or(true);
    for f in resolve(view, root, idx, a) {
        for t in resolve(view, root, idx, b) {
            out.orders.push(Order {
                first: f,
                first_action: fa.clone(),
                then: t,
                then_action: ta.clone(),
                require_all,
                ..base.clone()
            });
        }
    }
}

/// One resource set of an ordering.
struct OrderSet {
    id: String,
    members: Vec<RscIdx>,
    action: String,
    sequential: bool,
    require_all: bool,
    /// The set's own kind (else the constraint's), for the orderings within it.
    kind: OrderKind,
}

impl OrderSet {
    fn read(
        root: &Element,
        idx: &IdIndex,
        view: &ClusterView,
        set: &Element,
        kind: OrderKind,
    ) -> OrderSet {
        let flag = |name: &str| set.attr(name).map(crate::unpack::is_true).unwrap_or(true);
        OrderSet {
            id: set.attr("id").unwrap_or("").to_string(),
            members: set_members(view, root, idx, set),
            action: set.attr("action").unwrap_or("start").to_string(),
            sequential: flag("sequential"),
            require_all: flag("require-all"),
            kind: if set.attr("kind").is_some() {
                order_kind(set)
            } else {
                kind
            },
        }
    }

    /// A sequential set orders each member before the next.
    fn order_within(&self, base: &Order, out: &mut Constraints) {
        if !self.sequential {
            return;
        }
        for w in self.members.windows(2) {
            out.orders.push(Order {
                first: w[0],
                first_action: self.action.clone(),
                then: w[1],
                then_action: self.action.clone(),
                kind: self.kind,
                ..base.clone()
            });
        }
    }

    /// This set before the `next`: its last member (every member, if not sequential)
    /// before the next set's first (every one, if not sequential); through a one-or-more
    /// point when this set does not require all.
    fn order_before(&self, next: &OrderSet, base: &Order, out: &mut Constraints) {
        let firsts: Vec<RscIdx> = if self.sequential {
            self.members.last().copied().into_iter().collect()
        } else {
            self.members.clone()
        };
        let thens: Vec<RscIdx> = if next.sequential {
            next.members.first().copied().into_iter().collect()
        } else {
            next.members.clone()
        };
        for &f in &firsts {
            for &t in &thens {
                out.orders.push(Order {
                    first: f,
                    first_action: self.action.clone(),
                    then: t,
                    then_action: next.action.clone(),
                    one_or_more: (!self.require_all).then(|| self.id.clone()),
                    ..base.clone()
                });
            }
        }
    }
}

fn ticket(root: &Element, idx: &IdIndex, view: &ClusterView, c: &Element, out: &mut Constraints) {
    let id = c.attr("id").unwrap_or("").to_string();
    let Some(t) = c.attr("ticket") else { return };
    let loss_policy = c.attr("loss-policy").unwrap_or("stop").to_string();
    let mut pairs = Vec::new();
    if let Some(r) = c.attr("rsc") {
        let role = c.attr("rsc-role").and_then(Role::parse);
        pairs.extend(resolve(view, root, idx, r).into_iter().map(|r| (r, role)));
    }
    for set in c.children_named("resource_set") {
        let role = set.attr("role").and_then(Role::parse);
        pairs.extend(
            set_members(view, root, idx, set)
                .into_iter()
                .map(|r| (r, role)),
        );
    }
    for (rsc, role) in pairs {
        out.tickets.push(TicketDep {
            id: id.clone(),
            rsc,
            role,
            ticket: t.to_string(),
            loss_policy: loss_policy.clone(),
        });
    }
}

/// `loss-policy=fence`: nodes running a resource whose ticket was lost must be fenced.
/// Why a node is fenced for a lost ticket (decided while scheduling: the node was clean).
pub const TICKET_LOSS: &str = "deadman ticket was lost";

pub fn fence_for_lost_tickets(view: &mut ClusterView, cons: &Constraints) {
    if !view.config.stonith_enabled {
        return;
    }
    for t in &cons.tickets {
        if t.loss_policy != "fence" || view.tickets.get(&t.ticket).is_some_and(|(g, _)| *g) {
            continue;
        }
        let mut victims = Vec::new();
        for p in view.primitives_of(t.rsc) {
            for (n, st) in &view.resources[p].node_state {
                let matches = match t.role {
                    Some(Role::Promoted) => st.role == Role::Promoted,
                    _ => st.role.is_active(),
                };
                if matches {
                    victims.push(*n);
                }
            }
        }
        for n in victims {
            let node = &mut view.nodes[n];
            if !node.unclean {
                node.unclean = true;
                node.unclean_reason = TICKET_LOSS.into();
            }
        }
    }
}
