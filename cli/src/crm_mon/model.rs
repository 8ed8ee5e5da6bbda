//! The resource tree as crm_mon shows it, built from the scheduler's unpacked view
//! ([`pengine::unpack::ClusterView`]) plus the bundles, which the scheduler does not unpack
//! yet and which are read here from the configuration and the operation history.

use super::history;
use super::status::NodeView;
use cib::Element;
use pengine::render::status_text::{
    clone_child_name, disabled, managed, ActiveOn, CloneFlags, PrimitiveText,
};
use pengine::unpack::{ClusterView, Kind, Role, RscIdx};

/// One primitive instance.
#[derive(Debug, Clone)]
pub struct Prim {
    /// The name shown (anonymous clone instances go by their base id).
    pub id: String,
    /// The id in the history and constraints (`ping:0`, or the plain id).
    pub instance_id: String,
    /// `class[:provider]:type`.
    pub agent: String,
    /// Where it is active, and in which role.
    pub on: Vec<(String, Role)>,
    /// A failed operation left it failed.
    pub failed: bool,
    /// Managed by the cluster.
    pub managed: bool,
    /// target-role=Stopped here or on an ancestor.
    pub disabled: bool,
    /// In the history but no longer configured.
    pub orphan: bool,
    /// Bundle replicas show "name (ip)" instead of the id.
    pub label: Option<String>,
    /// A connection resource of a guest node (hidden in per-node listings).
    pub connection: bool,
    /// The `target-role` in effect, as configured (XML shows it).
    pub target_role: Option<String>,
    /// Stopped because a probe found the agent missing.
    pub not_installed: bool,
    /// A failure with `on-fail=block` froze it (shown unmanaged and blocked).
    pub blocked: bool,
    /// A failure it had was ignored (`on-fail=ignore`).
    pub failure_ignored: bool,
}

impl Prim {
    /// Active anywhere.
    pub fn active(&self) -> bool {
        !self.on.is_empty()
    }

    /// The shared text and XML form of this primitive, active on `host` when given (a bundled
    /// resource shows its container's node) else where it runs; `nodes` give ids and state.
    pub fn text(&self, nodes: &[NodeView], host: Option<&[(String, Role)]>) -> PrimitiveText {
        let node = |name: &str| nodes.iter().find(|n| n.name == name);
        let on: Vec<ActiveOn> = host
            .unwrap_or(&self.on)
            .iter()
            .map(|(name, role)| ActiveOn {
                name: name.clone(),
                id: node(name).map_or_else(|| name.clone(), |n| n.id.clone()),
                online: node(name).is_some_and(|n| n.online),
                role: *role,
            })
            .collect();
        let unclean_node = matches!(on.as_slice(), [n]
            if node(&n.name).is_some_and(|x| !x.online && x.unclean));
        PrimitiveText {
            name: self.id.clone(),
            agent: self.agent.clone(),
            on,
            target_role: self.target_role.clone(),
            failed: self.failed,
            orphan: self.orphan,
            failed_probe: self.not_installed.then(|| "not installed".to_string()),
            unclean_node,
            disabled: self.disabled,
            target_unpromoted: None,
            blocked: self.blocked,
            maintenance: false,
            managed: self.managed,
            failure_ignored: self.failure_ignored,
            pending: None,
            idle_node: None,
            locked_to: None,
            pending_flag: None,
        }
    }
}

/// A bundle replica.
#[derive(Debug, Clone)]
pub struct Replica {
    /// The replica number.
    pub index: usize,
    /// The IP address resource, with `ip-range-start`.
    pub ip: Option<Prim>,
    /// The bundled primitive (runs on the guest node).
    pub child: Option<Prim>,
    /// The container.
    pub container: Prim,
    /// The guest node's connection.
    pub remote: Option<Prim>,
    /// The container line is shown (`--resource` may hide it).
    pub container_shown: bool,
}

/// A top-level (or clone instance) item.
#[derive(Debug, Clone)]
pub enum Item {
    /// A primitive.
    Prim(Prim),
    /// A group and its members.
    Group {
        /// Id (instance id inside clones).
        id: String,
        /// Members.
        members: Vec<Prim>,
        /// Managed.
        managed: bool,
        /// Disabled.
        disabled: bool,
    },
    /// A clone.
    Clone {
        /// Id.
        id: String,
        /// The cloned resource's id.
        child: String,
        /// promotable, globally-unique, unmanaged, disabled.
        flags: CloneFlags,
        /// Instances (primitives or groups).
        instances: Vec<Item>,
    },
    /// A bundle.
    Bundle {
        /// Id.
        id: String,
        /// The container image.
        image: String,
        /// docker, podman or rkt.
        kind: String,
        /// Managed.
        managed: bool,
        /// Replicas.
        replicas: Vec<Replica>,
        /// `--resource` kept only some members: show replicas in detail.
        partial: bool,
    },
}

impl Item {
    /// The configured id.
    pub fn id(&self) -> &str {
        match self {
            Item::Prim(p) => &p.id,
            Item::Group { id, .. } | Item::Clone { id, .. } | Item::Bundle { id, .. } => id,
        }
    }

    /// Every primitive, in display order.
    pub fn prims(&self) -> Vec<&Prim> {
        match self {
            Item::Prim(p) => vec![p],
            Item::Group { members, .. } => members.iter().collect(),
            Item::Clone { instances, .. } => instances.iter().flat_map(Item::prims).collect(),
            Item::Bundle { replicas, .. } => replicas
                .iter()
                .flat_map(|r| {
                    r.ip.iter()
                        .chain(r.child.iter())
                        .chain(Some(&r.container).filter(|_| r.container_shown))
                        .chain(r.remote.iter())
                })
                .collect(),
        }
    }

    /// Active anywhere.
    pub fn active(&self) -> bool {
        self.prims().iter().any(|p| p.active())
    }

    /// Deleted from the configuration and no longer running: Pacemaker does not list it.
    pub fn inactive_orphan(&self) -> bool {
        let prims = self.prims();
        !prims.is_empty() && prims.iter().all(|p| p.orphan && !p.active())
    }

    /// Every instance, member or replica part runs.
    pub fn fully_active(&self) -> bool {
        self.prims().iter().all(|p| p.active())
    }
}

fn prim(view: &ClusterView, r: RscIdx) -> Prim {
    let rsc = &view.resources[r];
    // The same form as crm_simulate's current status: a failure on a node about to be
    // fenced is the node's, a failure with on-fail=block blocks.
    let placement = std::iter::once((r, view.active_roles(r))).collect();
    let text = pengine::render::primitive_text(view, r, &placement, false);
    Prim {
        id: text.name,
        instance_id: rsc.id.clone(),
        agent: text.agent,
        on: text.on.into_iter().map(|n| (n.name, n.role)).collect(),
        failed: text.failed,
        managed: text.managed,
        disabled: text.disabled,
        orphan: text.orphan,
        label: None,
        connection: false,
        target_role: text.target_role,
        not_installed: false,
        blocked: text.blocked,
        failure_ignored: text.failure_ignored,
    }
}

fn item(view: &ClusterView, r: RscIdx) -> Item {
    let rsc = &view.resources[r];
    match rsc.kind {
        Kind::Primitive => Item::Prim(prim(view, r)),
        Kind::Group => Item::Group {
            id: rsc.id.clone(),
            members: rsc.children.iter().map(|&m| prim(view, m)).collect(),
            managed: managed(view, r),
            disabled: disabled(view, r),
        },
        Kind::Clone => Item::Clone {
            id: rsc.id.clone(),
            child: clone_child_name(view, r),
            flags: CloneFlags::of(view, r),
            instances: rsc.children.iter().map(|&c| item(view, c)).collect(),
        },
    }
}

/// The resources in configuration order, bundles included.
pub fn resources(cib: &Element, view: &ClusterView) -> Vec<Item> {
    let mut out = Vec::new();
    // The scheduler's view also holds what it expands bundles and guest nodes into (the
    // bundle, its clone, guest connections); the bundles are modelled here instead.
    let implicit = |r: RscIdx| {
        view.bundles
            .iter()
            .any(|b| b.rsc == r || b.child == Some(r))
            || view.resources[r].meta_flag("internal_rsc", false)
    };
    let own_tops: Vec<RscIdx> = view.top.iter().copied().filter(|&r| !implicit(r)).collect();
    let mut tops = own_tops.iter().peekable();
    let bundle_nodes = view
        .bundles
        .iter()
        .flat_map(|b| &b.replicas)
        .filter(|r| r.node.is_some())
        .count();
    let configured: Vec<&Element> = cib
        .child("configuration")
        .and_then(|c| c.child("resources"))
        .map(|r| r.elements().collect())
        .unwrap_or_default();
    // Pacemaker counts the guest nodes of the bundles unpacked so far in a clone's default
    // clone-max; the scheduler's view counts only the configured nodes.
    let mut guests = 0;
    for e in configured {
        if e.name == "bundle" {
            let b = bundle(cib, view, e);
            if let Item::Bundle { replicas, .. } = &b {
                guests += replicas.iter().filter(|r| r.remote.is_some()).count();
            }
            out.push(b);
            continue;
        }
        let Some(id) = e.id() else { continue };
        // The view lists the configured tops in the same order.
        if let Some(&&r) = tops.peek() {
            if view.resources[r].id == id || view.resources[r].base_id == id {
                let mut it = item(view, r);
                if let Item::Prim(p) = &mut it {
                    if !p.managed {
                        // Unmanaged, a resource on a cleanly offline node still counts as
                        // running there (the scheduler's view drops offline histories).
                        for n in history::active_nodes(cib, &p.instance_id) {
                            let offline = view
                                .node_by_name
                                .get(&n)
                                .is_some_and(|&i| !view.nodes[i].online && !view.nodes[i].unclean);
                            if offline && !p.on.iter().any(|(x, _)| *x == n) {
                                p.on.push((n, Role::Started));
                            }
                        }
                    }
                }
                let explicit_max = history::meta_attributes(e).contains_key("clone-max");
                if !explicit_max && guests > 0 {
                    pad_instances(&mut it, view.nodes.len() - bundle_nodes + guests);
                }
                out.push(it);
                tops.next();
            }
        }
    }
    // Pacemaker lists its configured resources by priority, highest first (a stable sort);
    // orphans, found later in the status, follow.
    let priority = |it: &Item| {
        view.resources
            .iter()
            .find(|x| x.id == it.id())
            .map_or(0, |x| x.priority())
    };
    out.sort_by_key(|it| std::cmp::Reverse(priority(it)));
    // Orphans and anything not matched above; Pacemaker lists no inactive orphan.
    for &r in tops {
        let it = item(view, r);
        if !it.inactive_orphan() {
            out.push(it);
        }
    }
    for it in &mut out {
        mark_not_installed(cib, it);
    }
    out
}

/// Flags stopped primitives whose agent a probe found missing.
fn mark_not_installed(cib: &Element, item: &mut Item) {
    match item {
        Item::Prim(p) => {
            if !p.active() && history::not_installed(cib, &p.id) {
                p.not_installed = true;
            }
        }
        Item::Group { members, .. } => {
            for m in members {
                if !m.active() && history::not_installed(cib, &m.id) {
                    m.not_installed = true;
                }
            }
        }
        Item::Clone { instances, .. } => {
            // One stopped instance of an anonymous clone carries the probe's result.
            let mut marked = false;
            for i in instances {
                if let Item::Prim(p) = i {
                    if !marked && !p.active() && history::not_installed(cib, &p.id) {
                        p.not_installed = true;
                        marked = true;
                    }
                } else {
                    mark_not_installed(cib, i);
                }
            }
        }
        Item::Bundle { .. } => {}
    }
}

fn next_ip(start: &str, offset: u32) -> String {
    let parts: Vec<u32> = start.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.len() != 4 {
        return start.to_string();
    }
    let n = (parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]).wrapping_add(offset);
    format!(
        "{}.{}.{}.{}",
        n >> 24,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    )
}

fn bundle(cib: &Element, view: &ClusterView, b: &Element) -> Item {
    let id = b.id().unwrap_or_default().to_string();
    let runtime = ["docker", "podman", "rkt"]
        .iter()
        .find_map(|k| b.child(k).map(|e| (*k, e)));
    let (kind, image, replicas) = match runtime {
        Some((k, e)) => (
            k.to_string(),
            e.attr("image").unwrap_or_default().to_string(),
            e.attr("replicas")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1u32),
        ),
        None => (String::new(), String::new(), 1),
    };
    let meta = history::meta_attributes(b);
    let mut is_managed = !view.config.maintenance_mode
        && meta
            .get("is-managed")
            .is_none_or(|v| pengine::unpack::is_true(v));
    if meta
        .get("maintenance")
        .is_some_and(|v| pengine::unpack::is_true(v))
    {
        is_managed = false;
    }
    let target_stopped = meta
        .get("target-role")
        .is_some_and(|v| v.eq_ignore_ascii_case("stopped"));
    let ip_start = b.child("network").and_then(|n| n.attr("ip-range-start"));
    let child = b.child("primitive");
    let mk = |rid: String, agent: &str, on: Vec<(String, Role)>| Prim {
        id: rid.clone(),
        instance_id: rid,
        agent: agent.to_string(),
        on,
        failed: false,
        managed: is_managed,
        disabled: target_stopped,
        orphan: false,
        label: None,
        connection: false,
        target_role: meta.get("target-role").cloned(),
        not_installed: false,
        blocked: false,
        failure_ignored: false,
    };
    let started = |rid: &str| -> Vec<(String, Role)> {
        history::active_nodes(cib, rid)
            .into_iter()
            .map(|n| (n, Role::Started))
            .collect()
    };
    let mut reps = Vec::new();
    for i in 0..replicas {
        let ip = ip_start.map(|s| {
            let addr = next_ip(s, i);
            let rid = format!("{id}-ip-{addr}");
            let on = started(&rid);
            (addr, mk(rid, "ocf:heartbeat:IPaddr2", on))
        });
        let cid = format!("{id}-{kind}-{i}");
        let container_on = started(&cid);
        let container = mk(cid, &format!("ocf:heartbeat:{kind}"), container_on);
        let guest = format!("{id}-{i}");
        let (child_prim, remote) = match child {
            Some(c) => {
                let cid = c.id().unwrap_or_default().to_string();
                let agent = match c.attr("provider") {
                    Some(p) => format!(
                        "{}:{}:{}",
                        c.attr("class").unwrap_or_default(),
                        p,
                        c.attr("type").unwrap_or_default()
                    ),
                    None => format!(
                        "{}:{}",
                        c.attr("class").unwrap_or_default(),
                        c.attr("type").unwrap_or_default()
                    ),
                };
                let (active, failed) = history::state_on(cib, &cid, &guest);
                let on = if active {
                    vec![(guest.clone(), Role::Started)]
                } else {
                    Vec::new()
                };
                let mut p = mk(cid, &agent, on);
                p.failed = failed;
                p.label = Some(match &ip {
                    Some((addr, _)) => format!("{guest} ({addr})"),
                    None => guest.clone(),
                });
                let r_on = started(&guest);
                let mut r = mk(guest.clone(), "ocf:pacemaker:remote", r_on);
                r.connection = true;
                (Some(p), Some(r))
            }
            None => (None, None),
        };
        reps.push(Replica {
            index: i as usize,
            container_shown: true,
            ip: ip.map(|(_, p)| p),
            child: child_prim,
            container,
            remote,
        });
    }
    Item::Bundle {
        id,
        image,
        kind,
        managed: is_managed,
        replicas: reps,
        partial: false,
    }
}

/// Adds stopped instances to a clone until it has `want`.
fn pad_instances(item: &mut Item, want: usize) {
    let Item::Clone { instances, .. } = item else {
        return;
    };
    let Some(template) = instances.last().cloned() else {
        return;
    };
    let stopped = |p: &Prim, n: usize| Prim {
        on: Vec::new(),
        failed: false,
        instance_id: format!(
            "{}:{n}",
            p.instance_id
                .rsplit_once(':')
                .map_or(p.instance_id.as_str(), |(b, _)| b)
        ),
        ..p.clone()
    };
    while instances.len() < want {
        let n = instances.len();
        let inst = match &template {
            Item::Prim(p) => Item::Prim(stopped(p, n)),
            Item::Group {
                id,
                members,
                managed,
                disabled,
            } => Item::Group {
                id: format!(
                    "{}:{n}",
                    id.rsplit_once(':').map_or(id.as_str(), |(b, _)| b)
                ),
                members: members.iter().map(|m| stopped(m, n)).collect(),
                managed: *managed,
                disabled: *disabled,
            },
            other => other.clone(),
        };
        instances.push(inst);
    }
}
