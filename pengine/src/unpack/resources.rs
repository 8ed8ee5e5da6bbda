//! The resource tree: primitives (with templates applied), groups and clones, with each clone's
//! instances expanded (`rsc:0`, `rsc:1`, ...; a cloned group's members get the same suffix).

use super::{is_true, parse_interval_ms, ClusterView, Role, RscIdx};
use crate::rules::{self, IdIndex, RuleContext};
use crate::Diagnostics;
use cib::Element;
use std::collections::BTreeMap;
use vocab::score::Score;

/// Resource variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// A single agent instance.
    #[default]
    Primitive,
    /// An ordered, colocated chain of primitives.
    Group,
    /// A clone (possibly promotable) of a primitive or group.
    Clone,
}

/// Clone options.
#[derive(Debug, Clone, Default)]
pub struct CloneConfig {
    /// `clone-max`.
    pub max: usize,
    /// `clone-node-max`.
    pub node_max: usize,
    /// `clone-min`.
    pub min: usize,
    /// `globally-unique`.
    pub unique: bool,
    /// `interleave`.
    pub interleave: bool,
    /// `notify`.
    pub notify: bool,
    /// `ordered`.
    pub ordered: bool,
    /// `promotable` (or a `<master>` element).
    pub promotable: bool,
    /// `promoted-max`.
    pub promoted_max: usize,
    /// `promoted-node-max`.
    pub promoted_node_max: usize,
    /// globally-unique, but with an agent class that cannot be unique: Pacemaker clears
    /// the flag after naming the instances (they keep their numbers; probes go as for an
    /// anonymous clone).
    pub forced_anonymous: bool,
}

impl CloneConfig {
    /// Globally unique as the status shows it (a forced-anonymous clone is not).
    pub fn shown_unique(&self) -> bool {
        self.unique && !self.forced_anonymous
    }
}

/// A configured operation.
#[derive(Debug, Clone)]
pub struct OpDef {
    /// Operation name.
    pub name: String,
    /// Interval in milliseconds (0 = not recurring).
    pub interval_ms: u64,
    /// Only in this role.
    pub role: Option<Role>,
    /// Timeout in milliseconds.
    pub timeout_ms: u64,
    /// `on-fail`, if set.
    pub on_fail: Option<String>,
    /// `enabled`.
    pub enabled: bool,
    /// Defined more than once (same name and interval): never scheduled, but not an orphan.
    pub duplicate: bool,
    /// Other op attributes and op meta/instance attributes, for `CRM_meta_*`.
    pub extra: BTreeMap<String, String>,
    /// The op's own instance attributes: agent parameters for this operation only (part of
    /// its digest).
    pub params: BTreeMap<String, String>,
    /// What its actions take as meta attributes: the op's XML attributes (but `id`), then
    /// its `meta_attributes` (the graph's `CRM_meta_*`, with `op_defaults` under them).
    pub meta: BTreeMap<String, String>,
}

/// One resource (any variant).
#[derive(Debug, Clone, Default)]
pub struct Resource {
    /// Instance id (`rsc:1` for unique and anonymous clone instances).
    pub id: String,
    /// Id in the configuration.
    pub base_id: String,
    /// Variant.
    pub kind: Kind,
    /// Parent resource.
    pub parent: Option<RscIdx>,
    /// Children in order.
    pub children: Vec<RscIdx>,
    /// Agent class.
    pub class: String,
    /// OCF provider.
    pub provider: Option<String>,
    /// Agent type.
    pub agent: String,
    /// Meta attributes (own, then parent's, then rsc_defaults).
    pub meta: BTreeMap<String, String>,
    /// Instance attributes (agent parameters).
    pub params: BTreeMap<String, String>,
    /// The parameters on each node (by node index) when rules make them differ per node;
    /// empty otherwise (see [`Resource::params_on`]).
    pub params_by_node: Vec<BTreeMap<String, String>>,
    /// Configured operations.
    pub ops: Vec<OpDef>,
    /// Resource utilization.
    pub utilization: BTreeMap<String, i64>,
    /// Utilization as written, in the order Pacemaker reads it (for `crm_simulate -U`).
    pub utilization_text: Vec<(String, String)>,
    /// Clone options (clones only).
    pub clone: Option<CloneConfig>,
    /// Per-node state from the status section (primitives only).
    pub node_state: BTreeMap<usize, super::RscNodeState>,
    /// Not in the configuration any more (found only in the status section).
    pub orphan: bool,
    /// Nodes whose history under this resource's exact id names another agent (class,
    /// provider or type) than the configuration: cleaned up there (after a restart where
    /// it runs).
    pub other_agent_on: Vec<usize>,
    /// Index among the configuration's top-level resources / children (tie-breaks).
    pub config_order: usize,
    /// The name the history uses when it differs from `id` (anonymous clone instances).
    pub clone_name: Option<String>,
    /// Locked to a node by `shutdown-lock` (the node, and when the lock began in epoch
    /// seconds): it may run nowhere else until the lock goes.
    pub lock: Option<(usize, i64)>,
    /// Nodes whose history of it is to be forgotten (a shutdown lock expired or was lifted).
    pub forget_on: Vec<usize>,
    /// The node a shutdown lock recorded in the history names (the status shows it).
    pub recorded_lock: Option<usize>,
    /// Nodes it must be stopped on although not active there (the target of a migration
    /// still pending from an unclean node).
    pub stop_forced_on: Vec<usize>,
    /// Nodes a completed live migration left it on (migrate_to and migrate_from done, the
    /// source not stopped yet): stopped there, the resource runs on the target.
    pub dangling_on: Vec<usize>,
    /// Nodes whose status holds more than one history entry for it: what the simulation
    /// records there goes to a new entry (crm_simulate finds no single one), so an entry
    /// that found it active still does.
    pub duplicate_history_on: Vec<usize>,
    /// A failed migration's target whose source stopped it later: Pacemaker still lists the
    /// resource there (stopped), so the start there shows as a restart.
    pub stopped_listed_on: Option<usize>,
    /// A stop failed with a hard error (not installed, invalid parameters, ...) on a node
    /// that cannot be fenced: no recovery is possible, so Pacemaker blocks the resource
    /// (unmanaged from then on).
    pub stop_unrecoverable: bool,
    /// Cluster-wide `maintenance-mode`: Pacemaker unmanages every resource (the nodes stay
    /// as they are).
    pub cluster_maintenance: bool,
    /// Fencing is enabled but no device exists: Pacemaker unmanages every primitive.
    pub no_fencing_device: bool,
}

impl Resource {
    /// Its parameters on node `n`.
    pub fn params_on(&self, n: usize) -> &BTreeMap<String, String> {
        self.params_by_node.get(n).unwrap_or(&self.params)
    }

    /// A meta attribute.
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.meta.get(name).map(String::as_str)
    }

    /// Boolean meta attribute.
    pub fn meta_flag(&self, name: &str, default: bool) -> bool {
        self.meta(name).map(is_true).unwrap_or(default)
    }

    /// Score meta attribute.
    pub fn meta_score(&self, name: &str, default: Score) -> Score {
        self.meta(name).and_then(Score::parse).unwrap_or(default)
    }

    /// `priority` (read leniently, as Pacemaker does: `2.0` is 2).
    pub fn priority(&self) -> i64 {
        self.meta("priority")
            .map_or(0, |v| Score::parse_lenient(v).0)
    }

    /// `resource-stickiness`.
    pub fn stickiness(&self) -> Score {
        self.meta("resource-stickiness")
            .or_else(|| self.meta("resource_stickiness"))
            .and_then(Score::parse)
            .unwrap_or(Score::ZERO)
    }

    /// `target-role` (None = no limit).
    pub fn target_role(&self) -> Option<Role> {
        self.meta("target-role").and_then(Role::parse)
    }

    /// `is-managed`, not in maintenance, and not blocked by an unrecoverable stop.
    pub fn managed(&self) -> bool {
        self.managed_in_status() && !self.no_fencing_device
    }

    /// Managed as the status shows it: everything [`Self::managed`] checks but what only
    /// assignment decides (no fencing device).
    pub fn managed_in_status(&self) -> bool {
        self.meta_flag("is-managed", true)
            && !self.meta_flag("maintenance", false)
            && !self.stop_unrecoverable
            && !self.cluster_maintenance
    }

    /// Nodes where this primitive is active.
    pub fn running_nodes(&self) -> Vec<usize> {
        self.node_state
            .iter()
            .filter(|(_, s)| s.role.is_active())
            .map(|(n, _)| *n)
            .collect()
    }

    /// The operation definition for a name and interval.
    pub fn op(&self, name: &str, interval_ms: u64) -> Option<&OpDef> {
        self.ops
            .iter()
            .find(|o| o.name == name && o.interval_ms == interval_ms)
    }

    /// A Pacemaker Remote connection (`ocf:pacemaker:remote`).
    pub fn is_connection(&self) -> bool {
        self.kind == Kind::Primitive
            && super::remote::is_connection_agent(
                &self.class,
                self.provider.as_deref(),
                &self.agent,
            )
    }

    /// `allow-migrate`; a remote node's connection migrates by default, so the node's
    /// resources need not stop when it moves (a guest's connection does not).
    pub fn allow_migrate(&self) -> bool {
        self.meta("allow-migrate")
            .map(is_true)
            .unwrap_or_else(|| self.is_connection() && self.meta("container").is_none())
    }

    /// `failure-timeout` in milliseconds (0: never); a remote connection's
    /// `reconnect_interval` replaces it, so its failure expires when it may reconnect.
    pub fn failure_timeout_ms(&self) -> u64 {
        let reconnect = super::remote::reconnect_interval_ms(self);
        if reconnect > 0 {
            return reconnect;
        }
        self.meta("failure-timeout")
            .and_then(parse_interval_ms)
            .unwrap_or(0)
    }

    /// The id used in operation keys (the history's name when it differs).
    pub fn key_id(&self) -> &str {
        self.clone_name.as_deref().unwrap_or(&self.id)
    }
}

struct Ctx<'a, 'b> {
    idx: &'a IdIndex<'b>,
    now: i64,
    templates: BTreeMap<String, &'b Element>,
    num_nodes: usize,
}

/// Unpacks `configuration/resources` into `view.resources`.
pub fn unpack(root: &Element, idx: &IdIndex, view: &mut ClusterView, diags: &mut Diagnostics) {
    let Some(resources) = root
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return;
    };
    let mut templates = BTreeMap::new();
    // Templates are looked up in the index (they may be anywhere under <resources>).
    for t in resources.children_named("template") {
        if let Some(id) = t.attr("id") {
            if let Some(el) = idx.get(id) {
                templates.insert(id.to_string(), el);
            }
        }
    }
    let mut ctx = Ctx {
        idx,
        now: view.now,
        templates,
        num_nodes: view.nodes.len(),
    };
    for (order, el) in resources.elements().enumerate() {
        let el = idx.resolve(el);
        let added = match el.name.as_str() {
            "primitive" | "group" | "clone" | "master" => {
                add(&ctx, el, None, None, order, view, diags)
            }
            "bundle" => {
                let bundles = view.bundles.len();
                for r in add_bundle(&ctx, el, order, view, diags) {
                    view.top.push(r);
                }
                // Its replicas' guest nodes exist from here on: a clone configured after it
                // counts them in its default clone-max (Pacemaker makes them as it goes).
                ctx.num_nodes += view.bundles[bundles..]
                    .iter()
                    .flat_map(|b| &b.replicas)
                    .filter(|r| r.remote.is_some())
                    .count();
                None
            }
            _ => None,
        };
        if let Some(r) = added {
            view.top.push(r);
        }
    }
    add_guest_connections(&ctx, resources, view, diags);
}

/// A bundle: the bundle (a collective of its containers), each replica's container, IP and
/// connection (members of the bundle, not of its collective), and the clone of the wrapped
/// primitive with each instance confined to its replica's guest node. Returns the
/// top-level resources (the bundle, then its clone).
fn add_bundle(
    ctx: &Ctx,
    el: &Element,
    order: usize,
    view: &mut ClusterView,
    diags: &mut Diagnostics,
) -> Vec<RscIdx> {
    use super::bundle;
    let Some(bid) = el.attr("id") else {
        return Vec::new();
    };
    let Some(s) = bundle::settings(el) else {
        diags.warn(format!(
            "bundle {bid} has no docker, podman or rkt element; ignored"
        ));
        return Vec::new();
    };
    let Some(b) = add(ctx, &bundle::bundle_xml(el), None, None, order, view, diags) else {
        return Vec::new();
    };
    // The bundle is placed like an anonymous clone of its containers.
    view.resources[b].kind = Kind::Clone;
    view.resources[b].clone = Some(CloneConfig {
        max: s.replicas,
        node_max: s.per_host,
        unique: s.per_host > 1,
        ..Default::default()
    });
    let primitive = el
        .children_named("primitive")
        .next()
        .map(|p| ctx.idx.resolve(p))
        .filter(|_| s.wraps_primitive);
    let addrs = s
        .ip_range_start
        .as_deref()
        .map(|a| bundle::addresses(a, s.replicas))
        .unwrap_or_default();
    let mut out = bundle::Bundle {
        rsc: b,
        image: s.image.clone(),
        ..Default::default()
    };
    let unpacking = BundleUnpack { ctx, bid, s: &s, b };
    for i in 0..s.replicas {
        let addr = addrs.get(i).map(String::as_str);
        let remote = primitive.is_some();
        if let Some(replica) = unpacking.add_replica(i, addr, remote, view, diags) {
            out.replicas.push(replica);
        }
    }
    let mut top = vec![b];
    if let Some(p) = primitive {
        if let Some(c) = add_bundle_clone(ctx, el, &s, p, order, &mut out, view, diags) {
            top.push(c);
        }
    }
    view.bundles.push(out);
    top
}

/// One bundle being unpacked: its settings and resource.
struct BundleUnpack<'x, 'a, 'b> {
    ctx: &'x Ctx<'a, 'b>,
    bid: &'x str,
    s: &'x super::bundle::Settings,
    b: RscIdx,
}

impl BundleUnpack<'_, '_, '_> {
    /// Replica `i`: its container (a child of the bundle), its IP if it has an address,
    /// and with a wrapped primitive (`remote`) its connection and guest node.
    fn add_replica(
        &self,
        i: usize,
        addr: Option<&str>,
        remote: bool,
        view: &mut ClusterView,
        diags: &mut Diagnostics,
    ) -> Option<super::bundle::Replica> {
        use super::bundle;
        let (ctx, bid, s, b) = (self.ctx, self.bid, self.s, self.b);
        let container = add(
            ctx,
            &bundle::container_xml(bid, s, i, addr),
            Some(b),
            None,
            i,
            view,
            diags,
        )?;
        view.resources[b].children.push(container);
        let ip = addr.and_then(|a| {
            add(
                ctx,
                &bundle::ip_xml(bid, s, i, a),
                Some(b),
                None,
                i,
                view,
                diags,
            )
        });
        let mut replica = bundle::Replica {
            container,
            ip,
            addr: addr.map(str::to_string),
            ..Default::default()
        };
        if remote {
            if let Some(xml) = bundle::remote_xml(bid, s, i, addr) {
                replica.remote = add(ctx, &xml, Some(b), None, i, view, diags);
                let n = super::remote::add_node(view, &format!("{bid}-{i}"));
                view.nodes[n].kind = "container".into();
                replica.node = Some(n);
            }
        }
        Some(replica)
    }
}

/// The clone of the bundle's wrapped primitive `p`: each instance belongs to a replica
/// (and runs on its guest node), and the primitive's utilization belongs to the
/// containers.
#[allow(clippy::too_many_arguments)]
fn add_bundle_clone(
    ctx: &Ctx,
    el: &Element,
    s: &super::bundle::Settings,
    p: &Element,
    order: usize,
    out: &mut super::bundle::Bundle,
    view: &mut ClusterView,
    diags: &mut Diagnostics,
) -> Option<RscIdx> {
    let xml = super::bundle::child_clone_xml(el, s, p);
    let c = add(ctx, &xml, None, None, order, view, diags)?;
    let instances = view.resources[c].children.clone();
    for (i, inst) in instances.into_iter().enumerate() {
        if let Some(r) = out.replicas.get_mut(i) {
            r.child = Some(inst);
        }
    }
    let util = view.resources[instances_first(view, c)].utilization.clone();
    for r in &out.replicas {
        view.resources[r.container].utilization = util.clone();
    }
    out.child = Some(c);
    Some(c)
}

fn instances_first(view: &ClusterView, c: RscIdx) -> RscIdx {
    view.resources[c].children.first().copied().unwrap_or(c)
}

/// Each guest's connection, which Pacemaker adds after the configured resources.
fn add_guest_connections(
    ctx: &Ctx,
    resources: &Element,
    view: &mut ClusterView,
    diags: &mut Diagnostics,
) {
    let mut order = resources.elements().count();
    for el in resources.elements() {
        let el = ctx.idx.resolve(el);
        let members: Vec<&Element> = match el.name.as_str() {
            "primitive" => vec![el],
            "group" => el
                .children_named("primitive")
                .map(|p| ctx.idx.resolve(p))
                .collect(),
            _ => continue,
        };
        for p in members {
            let meta = super::remote::guest_meta(p, ctx.idx);
            let (Some(container), Some(xml)) = (
                p.attr("id"),
                super::remote::guest_connection_xml(p.attr("id").unwrap_or(""), &meta, false),
            ) else {
                continue;
            };
            if meta
                .get("remote-node")
                .is_some_and(|g| view.rsc_by_id.contains_key(g))
            {
                diags.warn(format!(
                    "guest node of {container} has the name of a resource; ignored"
                ));
                continue;
            }
            if let Some(r) = add(ctx, &xml, None, None, order, view, diags) {
                view.top.push(r);
                order += 1;
            }
        }
    }
}

/// Adds the resource `el` (instance `instance` of a clone when given) under `parent`, then
/// its members: its agent, meta attributes, parameters, utilization, operations and clone
/// settings, each in its own step.
fn add(
    ctx: &Ctx,
    el: &Element,
    parent: Option<RscIdx>,
    instance: Option<usize>,
    order: usize,
    view: &mut ClusterView,
    diags: &mut Diagnostics,
) -> Option<RscIdx> {
    let base_id = el.attr("id")?.to_string();
    let id = match instance {
        Some(i) => format!("{base_id}:{i}"),
        None => base_id.clone(),
    };
    let kind = match el.name.as_str() {
        "primitive" => Kind::Primitive,
        "group" => Kind::Group,
        _ => Kind::Clone,
    };
    let template = el
        .attr("template")
        .and_then(|t| ctx.templates.get(t).copied());
    let (class, provider, agent) = agent_of(el, template.unwrap_or(el));
    let rctx = RuleContext {
        now: ctx.now,
        rsc: Some((&class, provider.as_deref(), &agent)),
        ..Default::default()
    };
    let meta = unpack_meta(ctx, el, template, parent, kind, &rctx, view);
    let params = unpack_params(ctx, el, template, parent, &rctx, view);
    let utilization_text = unpack_utilization(ctx, el, template, &rctx);
    let utilization = utilization_text
        .iter()
        .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k.clone(), v)))
        .collect();
    let mut ops = Vec::new();
    if kind == Kind::Primitive {
        // A primitive's own operations replace its template's.
        match template {
            Some(t) if el.child("operations").is_none() => {
                unpack_ops(ctx, t, view, &rctx, &mut ops)
            }
            _ => unpack_ops(ctx, el, view, &rctx, &mut ops),
        }
    }
    let clone = (kind == Kind::Clone).then(|| clone_config(ctx, el, &meta));

    let me = view.resources.len();
    view.resources.push(Resource {
        id: id.clone(),
        base_id,
        kind,
        parent,
        class,
        provider,
        agent,
        meta,
        params,
        ops,
        utilization,
        utilization_text,
        clone: clone.clone(),
        config_order: order,
        cluster_maintenance: view.config.maintenance_mode,
        ..Default::default()
    });
    view.rsc_by_id.insert(id, me);
    match kind {
        Kind::Primitive => {}
        Kind::Group => add_group_members(ctx, el, me, instance, view, diags),
        Kind::Clone => add_clone_instances(ctx, el, me, clone.unwrap_or_default(), view, diags),
    }
    Some(me)
}

/// Class, provider and agent type: the resource's own, else its template's.
fn agent_of(el: &Element, class_src: &Element) -> (String, Option<String>, String) {
    let class = el.attr("class").or(class_src.attr("class")).unwrap_or("");
    let provider = el.attr("provider").or(class_src.attr("provider"));
    let agent = el.attr("type").or(class_src.attr("type")).unwrap_or("");
    (
        class.to_string(),
        provider.map(str::to_string),
        agent.to_string(),
    )
}

/// Meta attributes, first found wins: the resource's own, its template's, its parent's, then
/// rsc_defaults (a clone without a stickiness anywhere gets 1, as Pacemaker gives it).
fn unpack_meta(
    ctx: &Ctx,
    el: &Element,
    template: Option<&Element>,
    parent: Option<RscIdx>,
    kind: Kind,
    rctx: &RuleContext,
    view: &ClusterView,
) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    rules::unpack_nvpairs(ctx.idx, el, "meta_attributes", rctx, &mut meta);
    if let Some(t) = template {
        rules::unpack_nvpairs(ctx.idx, t, "meta_attributes", rctx, &mut meta);
    }
    if let Some(p) = parent {
        for (k, v) in &view.resources[p].meta {
            meta.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    if kind == Kind::Clone
        && !meta.contains_key("resource-stickiness")
        && !meta.contains_key("resource_stickiness")
    {
        let mut defaults = BTreeMap::new();
        if let Some(d) = &view.config.rsc_defaults {
            rules::unpack_nvpairs(ctx.idx, d, "meta_attributes", rctx, &mut defaults);
        }
        if !defaults.contains_key("resource-stickiness") {
            meta.insert("resource-stickiness".into(), "1".into());
        }
    }
    if let Some(d) = &view.config.rsc_defaults {
        rules::unpack_nvpairs(ctx.idx, d, "meta_attributes", rctx, &mut meta);
    }
    meta
}

/// Instance attributes: the resource's own, its template's, then a collective's (a
/// collective's instance attributes are its members' parameters too; own ones win).
fn unpack_params(
    ctx: &Ctx,
    el: &Element,
    template: Option<&Element>,
    parent: Option<RscIdx>,
    rctx: &RuleContext,
    view: &ClusterView,
) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    rules::unpack_nvpairs(ctx.idx, el, "instance_attributes", rctx, &mut params);
    if let Some(t) = template {
        rules::unpack_nvpairs(ctx.idx, t, "instance_attributes", rctx, &mut params);
    }
    if let Some(p) = parent {
        for (k, v) in &view.resources[p].params {
            params.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    params
}

/// Utilization as written (in order; the resource's own before its template's).
fn unpack_utilization(
    ctx: &Ctx,
    el: &Element,
    template: Option<&Element>,
    rctx: &RuleContext,
) -> Vec<(String, String)> {
    let mut text = rules::nvpairs_in_order(ctx.idx, el, "utilization", rctx);
    if let Some(t) = template {
        for (k, v) in rules::nvpairs_in_order(ctx.idx, t, "utilization", rctx) {
            if !text.iter().any(|(n, _)| *n == k) {
                text.push((k, v));
            }
        }
    }
    text
}

/// A clone's settings from its meta attributes (old underscore and master- names too).
fn clone_config(ctx: &Ctx, el: &Element, meta: &BTreeMap<String, String>) -> CloneConfig {
    let num = |k: &str, alt: &str, d: usize| {
        meta.get(k)
            .or(meta.get(alt))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(d)
    };
    let flag = |k: &str| meta.get(k).is_some_and(|v| is_true(v));
    let mut node_max = num("clone-node-max", "clone_node_max", 1);
    let mut max = num("clone-max", "clone_max", ctx.num_nodes);
    let unique = meta
        .get("globally-unique")
        .or(meta.get("globally_unique"))
        .is_some_and(|v| is_true(v));
    // An agent class that cannot be a unique clone (lsb, systemd, ...) makes Pacemaker
    // keep one instance per node, at most one per node of the cluster.
    let forced_anonymous = unique && has_non_unique_agent(el);
    if forced_anonymous {
        node_max = 1;
        max = max.min(ctx.num_nodes);
    }
    CloneConfig {
        max,
        node_max,
        min: num("clone-min", "clone_min", 0),
        unique,
        interleave: flag("interleave"),
        notify: flag("notify"),
        ordered: flag("ordered"),
        promotable: el.name == "master" || flag("promotable"),
        promoted_max: num("promoted-max", "master-max", 1),
        promoted_node_max: num("promoted-node-max", "master-node-max", 1),
        forced_anonymous,
    }
}

/// A group's members, in order (each an instance of the clone the group is in, if any).
fn add_group_members(
    ctx: &Ctx,
    el: &Element,
    me: RscIdx,
    instance: Option<usize>,
    view: &mut ClusterView,
    diags: &mut Diagnostics,
) {
    for (i, child) in el.elements().filter(|c| c.name == "primitive").enumerate() {
        let child = ctx.idx.resolve(child);
        if let Some(c) = add(ctx, child, Some(me), instance, i, view, diags) {
            view.resources[me].children.push(c);
        }
    }
}

/// A clone's instances of its primitive or group.
fn add_clone_instances(
    ctx: &Ctx,
    el: &Element,
    me: RscIdx,
    cfg: CloneConfig,
    view: &mut ClusterView,
    diags: &mut Diagnostics,
) {
    let Some(child) = el
        .elements()
        .find(|c| c.name == "primitive" || c.name == "group")
    else {
        diags.warn(format!(
            "clone {} has no primitive or group",
            view.resources[me].id
        ));
        return;
    };
    let child = ctx.idx.resolve(child);
    // Even with clone-max=0 there is one instance (never placed), so that the history finds
    // the clone, as Pacemaker creates it.
    for i in 0..cfg.max.max(1) {
        if let Some(c) = add(ctx, child, Some(me), Some(i), i, view, diags) {
            view.resources[me].children.push(c);
            // (That one is beyond clone-max: an orphan, as Pacemaker marks it.)
            if i >= cfg.max {
                for m in view.primitives_of(c) {
                    view.resources[m].orphan = true;
                }
            }
        }
    }
}

/// A resource's operation definitions (`el`'s `operations`). Name and interval identify an
/// operation: within one definition the first wins; the primitive's own definition replaces
/// the template's. Duplicate recurring definitions (same name and interval) are all
/// ignored.
fn unpack_ops(
    ctx: &Ctx,
    el: &Element,
    view: &ClusterView,
    rctx: &RuleContext,
    ops: &mut Vec<OpDef>,
) {
    let Some(operations) = el.child("operations") else {
        return;
    };
    let operations = ctx.idx.resolve(operations);
    let mut seen: Vec<(String, u64)> = Vec::new();
    for op in operations.children_named("op") {
        let op = ctx.idx.resolve(op);
        let Some(name) = op.attr("name") else {
            continue;
        };
        let interval_ms = op.attr("interval").and_then(parse_interval_ms).unwrap_or(0);
        let mut def = op_def(ctx, view, rctx, op, name, interval_ms);
        def.duplicate = interval_ms > 0 && dup_count(operations, name, interval_ms) > 1;
        if seen.contains(&(name.to_string(), interval_ms)) {
            continue;
        }
        seen.push((name.to_string(), interval_ms));
        ops.retain(|o: &OpDef| !(o.name == name && o.interval_ms == interval_ms));
        ops.push(def);
    }
}

/// One `op` element's definition: its attributes, meta attributes and (evaluated for the
/// operation) instance attributes, with `op_defaults` under them.
fn op_def(
    ctx: &Ctx,
    view: &ClusterView,
    rctx: &RuleContext,
    op: &Element,
    name: &str,
    interval_ms: u64,
) -> OpDef {
    let mut extra = BTreeMap::new();
    for (k, v) in &op.attrs {
        if !matches!(k.as_str(), "id" | "name" | "interval" | "description") {
            extra.insert(k.clone(), v.clone());
        }
    }
    let octx = RuleContext {
        op: Some((name, interval_ms)),
        ..*rctx
    };
    rules::unpack_nvpairs(ctx.idx, op, "meta_attributes", &octx, &mut extra);
    let mut meta: BTreeMap<String, String> = op
        .attrs
        .iter()
        .filter(|(k, _)| k.as_str() != "id")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    rules::unpack_nvpairs(ctx.idx, op, "meta_attributes", &octx, &mut meta);
    let mut op_params = BTreeMap::new();
    rules::unpack_nvpairs(ctx.idx, op, "instance_attributes", &octx, &mut op_params);
    for (k, v) in &op_params {
        extra.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if let Some(d) = &view.config.op_defaults {
        let mut defaults = BTreeMap::new();
        rules::unpack_nvpairs(ctx.idx, d, "meta_attributes", &octx, &mut defaults);
        for (k, v) in defaults {
            if k != "interval" {
                extra.entry(k).or_insert(v);
            }
        }
    }
    OpDef {
        name: name.to_string(),
        interval_ms,
        role: extra.get("role").and_then(|r| Role::parse(r)),
        timeout_ms: extra
            .get("timeout")
            .and_then(|t| parse_interval_ms(t))
            .unwrap_or(20_000),
        on_fail: extra.get("on-fail").cloned(),
        enabled: extra.get("enabled").map(|v| is_true(v)).unwrap_or(true),
        duplicate: false,
        extra,
        params: op_params,
        meta,
    }
}

fn dup_count(operations: &Element, name: &str, interval_ms: u64) -> usize {
    operations
        .children_named("op")
        .filter(|o| {
            o.attr("name") == Some(name)
                && o.attr("interval").and_then(parse_interval_ms).unwrap_or(0) == interval_ms
        })
        .count()
}

/// Whether a clone's primitives (directly or in its group) include one whose agent class
/// has no unique-clone capability (Pacemaker: only ocf and stonith have it).
fn has_non_unique_agent(clone: &Element) -> bool {
    let classes = |el: &Element| {
        el.children_named("primitive")
            .map(|p| p.attr("class").unwrap_or("").to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    let mut all = classes(clone);
    for g in clone.children_named("group") {
        all.extend(classes(g));
    }
    all.iter()
        .any(|c| !c.is_empty() && c != "ocf" && c != "stonith")
}
