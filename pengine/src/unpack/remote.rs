//! Pacemaker Remote and guest nodes: the node each connection resource (`ocf:pacemaker:remote`)
//! creates, and that node's state, which follows its connection (and, for a guest node, the
//! container resource the connection runs in) rather than a `node_state` of its own.
//!
//! Unpacking happens in steps, because a remote node's state is only known once the history of
//! its connection (recorded on cluster nodes) has been replayed:
//! [`add_nodes`] before the resources (clone-max counts them), [`link_connections`] after them,
//! then, per remote `node_state`, [`history_ready`] / [`before_history`] / [`after_history`]
//! while the status section is replayed, and [`finish`] at its end.

use super::{is_true, ClusterView, NodeIdx, NodeInfo, Resource, Role, RscIdx};
use crate::rules::IdIndex;
use cib::Element;

/// What links a remote or guest node to its connection.
#[derive(Debug, Clone, Default)]
pub struct RemoteLink {
    /// The connection resource (None: a node entry left over after its connection was removed).
    pub connection: Option<RscIdx>,
    /// For a guest node, the resource its connection runs inside.
    pub container: Option<RscIdx>,
    /// Never seen since start-up: a fencing for that alone is revoked if the connection starts.
    pub unseen: bool,
    /// The node state says the node was fenced since it was last up (`node_fenced`).
    pub was_fenced: bool,
    /// The node must be reset (fenced, or its container recovered) before it runs anything.
    pub requires_reset: bool,
    /// A guest fenced by marking its container failed (the guest's own fencing, not only
    /// its host's).
    pub fenced_by_container: bool,
    /// Its resource history has been replayed.
    pub unpacked: bool,
    /// Online when the status was unpacked (before placement may bring the connection up).
    pub was_online: bool,
    /// Unclean when the status was unpacked.
    pub was_unclean: bool,
    /// Shutting down when the status was unpacked.
    pub was_shutdown: bool,
    /// What its connection does in this transition (known after placement).
    pub state: Option<crate::remote::ConnectionState>,
}

/// Whether a configured primitive is a Pacemaker Remote connection.
pub fn is_connection_agent(class: &str, provider: Option<&str>, agent: &str) -> bool {
    class == "ocf" && provider == Some("pacemaker") && agent == "remote"
}

/// Creates the node of every top-level remote connection primitive that has no `<node>` entry
/// (Pacemaker's nodes named after their connection), and of every guest (a primitive, alone
/// or in a group, with a `remote-node` meta attribute), before the resources are unpacked.
pub fn add_nodes(root: &Element, idx: &IdIndex, view: &mut ClusterView) {
    let Some(resources) = root
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return;
    };
    for el in resources.elements() {
        let el = idx.resolve(el);
        let candidates: Vec<&Element> = match el.name.as_str() {
            "primitive" => vec![el],
            "group" => el
                .children_named("primitive")
                .map(|p| idx.resolve(p))
                .collect(),
            _ => continue,
        };
        if el.name == "primitive" {
            if let (Some(id), Some(class), Some(agent)) =
                (el.attr("id"), el.attr("class"), el.attr("type"))
            {
                if is_connection_agent(class, el.attr("provider"), agent) {
                    add_node(view, id);
                    continue;
                }
            }
        }
        for p in candidates {
            if let Some(guest) = guest_meta(p, idx).get("remote-node") {
                let n = add_node(view, guest);
                view.nodes[n].kind = "container".into();
            }
        }
    }
}

/// The raw `remote-*` meta attributes of a would-be guest's container (Pacemaker reads them
/// before any rule is evaluated).
pub fn guest_meta(el: &Element, idx: &IdIndex) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for set in el.children_named("meta_attributes") {
        let set = idx.resolve(set);
        for nv in set.children_named("nvpair") {
            let nv = idx.resolve(nv);
            if let (Some(name), Some(value)) = (nv.attr("name"), nv.attr("value")) {
                let name = name.to_ascii_lowercase();
                if name.starts_with("remote-") || name == "is-managed" {
                    out.entry(name).or_insert_with(|| value.to_string());
                }
            }
        }
    }
    out
}

/// The connection resource Pacemaker creates for a guest node: `ocf:pacemaker:remote` named
/// after the guest, inside its container, reaching it at `remote-addr` (default: its name).
/// A guest's connection has a start operation timing out after `remote-connect-timeout`
/// (default 60s); a bundle replica's (`bundle` true) has none.
pub fn guest_connection_xml(
    container: &str,
    meta: &std::collections::BTreeMap<String, String>,
    bundle: bool,
) -> Option<Element> {
    let name = meta.get("remote-node")?;
    let nv = |id: String, name: &str, value: &str| {
        Element::new("nvpair")
            .with_attr("id", id)
            .with_attr("name", name)
            .with_attr("value", value)
    };
    let mut metas = Element::new("meta_attributes")
        .with_attr("id", format!("{name}-meta_attributes"))
        .with_child(nv(format!("{name}-meta-internal"), "internal_rsc", "true"))
        .with_child(nv(format!("{name}-meta-container"), "container", container));
    if let Some(v) = meta.get("remote-allow-migrate") {
        metas = metas.with_child(nv(format!("{name}-meta-migrate"), "allow-migrate", v));
    }
    if let Some(v) = meta.get("is-managed") {
        metas = metas.with_child(nv(format!("{name}-meta-managed"), "is-managed", v));
    }
    let mut el = Element::new("primitive")
        .with_attr("id", name.as_str())
        .with_attr("class", "ocf")
        .with_attr("provider", "pacemaker")
        .with_attr("type", "remote")
        .with_child(metas);
    let server = meta.get("remote-addr");
    let port = meta.get("remote-port");
    if server.is_some() || port.is_some() {
        let mut inst = Element::new("instance_attributes")
            .with_attr("id", format!("{name}-instance_attributes"));
        if let Some(v) = server {
            inst = inst.with_child(nv(format!("{name}-addr"), "addr", v));
        }
        if let Some(v) = port {
            inst = inst.with_child(nv(format!("{name}-port"), "port", v));
        }
        el = el.with_child(inst);
    }
    let op = |interval: &str, op: &str, timeout: &str| {
        Element::new("op")
            .with_attr("id", format!("{name}-{op}-interval-{interval}"))
            .with_attr("name", op)
            .with_attr("interval", interval)
            .with_attr("timeout", timeout)
    };
    let mut ops = Element::new("operations").with_child(op("30s", "monitor", "30s"));
    if !bundle {
        let timeout = meta
            .get("remote-connect-timeout")
            .map(String::as_str)
            .unwrap_or("60s");
        ops = ops.with_child(op("0", "start", timeout));
    }
    Some(el.with_child(ops))
}

/// The node named `name`, created as a remote node when missing.
pub(crate) fn add_node(view: &mut ClusterView, name: &str) -> NodeIdx {
    if let Some(&n) = view.node_by_name.get(name) {
        let node = &mut view.nodes[n];
        node.kind = "remote".into();
        node.remote.get_or_insert_with(RemoteLink::default);
        return n;
    }
    let n = view.nodes.len();
    view.nodes.push(NodeInfo {
        id: name.to_string(),
        uname: name.to_string(),
        kind: "remote".into(),
        unclean_reason: "node is unclean".into(),
        remote: Some(RemoteLink::default()),
        ..Default::default()
    });
    view.node_by_name.insert(name.to_string(), n);
    n
}

/// Links each remote node to its connection resource (same id) once the resources are known;
/// a remote node (not a guest) is unclean until seen, as a cluster node is at start-up.
pub fn link_connections(view: &mut ClusterView) {
    let startup_fencing = view.config.stonith_enabled && view.config.startup_fencing;
    for n in 0..view.nodes.len() {
        if view.nodes[n].remote.is_none() {
            continue;
        }
        let uname = view.nodes[n].uname.clone();
        let connection = view.rsc_by_id.get(&uname).copied().filter(|&r| {
            let rsc = &view.resources[r];
            is_connection_agent(&rsc.class, rsc.provider.as_deref(), &rsc.agent)
        });
        let container = connection
            .and_then(|c| view.resources[c].meta("container"))
            .and_then(|k| view.rsc_by_id.get(k).copied());
        let node = &mut view.nodes[n];
        let link = node.remote.get_or_insert_with(RemoteLink::default);
        link.connection = connection;
        link.container = container;
        if container.is_some() {
            node.kind = "container".into();
        } else if connection.is_some() {
            link.unseen = true;
            node.unclean = startup_fencing;
            // No reason yet: the first fencing asked for names it.
            node.unclean_reason.clear();
        }
    }
}

/// A connection found only in the status section: its remote node (added if need be) is
/// shutting down with it.
pub fn orphaned_connection(view: &mut ClusterView, r: RscIdx) {
    let name = view.resources[r].id.clone();
    let container = container_of(view, &view.resources[r]);
    let n = add_node(view, &name);
    let startup_fencing = view.config.stonith_enabled && view.config.startup_fencing;
    let node = &mut view.nodes[n];
    let link = node.remote.get_or_insert_with(RemoteLink::default);
    link.connection = Some(r);
    link.container = container;
    if container.is_some() {
        node.kind = "container".into();
    } else {
        link.unseen = true;
        node.unclean = startup_fencing;
    }
    node.unclean_reason.clear();
    node.shutdown = true;
}

/// An orphaned connection whose container was not known when it was found: once known, its
/// node is a guest node (not an unseen remote node).
pub fn link_orphan_containers(view: &mut ClusterView) {
    for n in 0..view.nodes.len() {
        let Some(link) = &view.nodes[n].remote else {
            continue;
        };
        let Some(c) = link.connection.filter(|&c| view.resources[c].orphan) else {
            continue;
        };
        if link.container.is_some() {
            continue;
        }
        let Some(k) = container_of(view, &view.resources[c]) else {
            continue;
        };
        let node = &mut view.nodes[n];
        let link = node.remote.as_mut().expect("checked");
        link.container = Some(k);
        // (Unseen and so unclean only as a remote node would be.)
        if std::mem::take(&mut link.unseen) {
            node.unclean = false;
        }
        node.kind = "container".into();
    }
}

/// The resource `rsc` runs inside (its `container` meta attribute), if any.
pub fn container_of(view: &ClusterView, rsc: &Resource) -> Option<RscIdx> {
    if rsc.kind != super::Kind::Primitive {
        return None;
    }
    let id = rsc.meta("container")?;
    (id != rsc.id).then(|| view.rsc_by_id.get(id).copied())?
}

/// The guest node whose container is `k`, if any.
pub fn guest_of_container(view: &ClusterView, k: RscIdx) -> Option<NodeIdx> {
    view.nodes
        .iter()
        .position(|n| n.remote.as_ref().is_some_and(|l| l.container == Some(k)))
}

/// The remote or guest node a connection resource creates, if any.
pub fn node_of_connection(view: &ClusterView, c: RscIdx) -> Option<NodeIdx> {
    view.nodes
        .iter()
        .position(|n| n.remote.as_ref().is_some_and(|l| l.connection == Some(c)))
}

/// After the status section: a failure inside a container (with the default on-fail,
/// `restart-container`) stops the container where it runs, so it restarts.
pub fn restart_containers(view: &mut ClusterView) {
    let mut restarts = Vec::new();
    for rsc in &view.resources {
        let Some(k) = container_of(view, rsc) else {
            continue;
        };
        for (&n, st) in &rsc.node_state {
            if st.on_fail == super::OnFail::RestartContainer {
                // A guest's connection may run elsewhere than its container.
                let at = if view.resources[k]
                    .node_state
                    .get(&n)
                    .is_some_and(|s| s.role.is_active())
                {
                    Some(n)
                } else {
                    view.resources[k].running_nodes().first().copied()
                };
                if let Some(at) = at {
                    restarts.push((k, at));
                }
            }
        }
    }
    for (k, n) in restarts {
        if let Some(st) = view.resources[k].node_state.get_mut(&n) {
            st.restart = true;
        }
    }
}

/// A guest node must be "fenced" (by recovering its container): the container is marked
/// failed wherever it runs.
pub fn fence_guest(view: &mut ClusterView, n: NodeIdx) {
    let Some(k) = view.nodes[n].remote.as_ref().and_then(|l| l.container) else {
        return;
    };
    if !view.resources[k].managed() {
        return;
    }
    let link = view.nodes[n].remote.as_mut().expect("remote node");
    link.requires_reset = true;
    link.fenced_by_container = true;
    for st in view.resources[k].node_state.values_mut() {
        if st.role.is_active() && !st.failed {
            st.failed = true;
            st.on_fail = st.on_fail.max(super::OnFail::Restart);
        }
    }
}

/// Whether a remote node's history can be replayed yet: its connection (and container) must
/// be known to be up. With `fencing` (the last pass), any remaining node with a history is.
pub fn history_ready(view: &ClusterView, n: NodeIdx, fencing: bool) -> bool {
    let Some(link) = &view.nodes[n].remote else {
        return false;
    };
    if link.unpacked {
        return false;
    }
    if fencing {
        return true;
    }
    let Some(c) = link.connection else {
        return false;
    };
    role_of(view, c) == Role::Started
        && link
            .container
            .is_none_or(|k| role_of(view, k) == Role::Started)
}

/// The most active role a primitive has anywhere (Pacemaker's `rsc->role`).
fn role_of(view: &ClusterView, r: RscIdx) -> Role {
    view.resources[r]
        .node_state
        .values()
        .map(|s| s.role)
        .max()
        .unwrap_or(Role::Stopped)
        .max(Role::Stopped)
}

/// Whether a primitive failed anywhere (and needs recovery).
fn failed(view: &ClusterView, r: RscIdx) -> bool {
    view.resources[r].node_state.values().any(|s| s.failed)
}

/// A remote node's online state from its connection (and container), as far as known now.
pub fn determine_online(view: &mut ClusterView, n: NodeIdx) {
    let Some(link) = view.nodes[n].remote.clone() else {
        return;
    };
    let Some(c) = link.connection else {
        view.nodes[n].online = false;
        return;
    };
    let running = view.resources[c].running_nodes();
    let host = match (link.container, running.as_slice()) {
        (Some(_), [h]) => Some(*h),
        _ => None,
    };
    let host_dead = host.is_some_and(|h| !view.nodes[h].online && view.nodes[h].unclean);
    let container_failed = link.container.is_some_and(|k| failed(view, k));
    let container_stopped = link
        .container
        .is_some_and(|k| role_of(view, k) == Role::Stopped);
    let conn_failed = failed(view, c);
    let conn_role = role_of(view, c);
    let node = &mut view.nodes[n];
    let link = node.remote.as_mut().expect("remote node");
    if conn_role == Role::Started {
        node.online = true;
    }
    if container_failed {
        node.online = false;
        link.requires_reset = true;
    } else if conn_failed {
        node.online = false;
    } else if conn_role == Role::Stopped || container_stopped {
        node.online = false;
        link.requires_reset = false;
    } else if host_dead {
        node.online = false;
        link.requires_reset = true;
    }
}

/// Before a remote node's history: its online state, its `node_state` flags and transient
/// attributes (standby, maintenance, resource discovery, shutdown).
pub fn before_history(view: &mut ClusterView, n: NodeIdx, ns: &Element, idx: &IdIndex) {
    determine_online(view, n);
    let now = view.now;
    let conn_managed = view.nodes[n]
        .remote
        .as_ref()
        .and_then(|l| l.connection)
        .is_none_or(|c| view.resources[c].managed());
    let node = &mut view.nodes[n];
    let link = node.remote.as_mut().expect("remote node");
    link.unpacked = true;
    if !link.requires_reset {
        node.unclean = false;
        link.unseen = false;
    }
    if let Some(ta) = ns.child("transient_attributes") {
        let ctx = crate::rules::RuleContext {
            now,
            ..Default::default()
        };
        let mut transient = std::collections::BTreeMap::new();
        crate::rules::unpack_nvpairs(idx, ta, "instance_attributes", &ctx, &mut transient);
        node.attrs.extend(transient);
    }
    if node
        .attrs
        .get("shutdown")
        .is_some_and(|v| v != "0" && !v.is_empty())
    {
        node.shutdown = true;
    }
    if ns
        .attr("node_in_maintenance")
        .is_some_and(|v| v.trim() == "1")
        || !conn_managed
    {
        node.maintenance = true;
    }
}

/// Reads `node_fenced` from every remote `node_state` (needed while replaying cluster nodes).
pub fn read_fenced_flags(status: &Element, view: &mut ClusterView) {
    for ns in status.children_named("node_state") {
        let Some(&n) = ns.attr("uname").and_then(|u| view.node_by_name.get(u)) else {
            continue;
        };
        if let Some(link) = view.nodes[n].remote.as_mut() {
            link.was_fenced = ns
                .attr("node_fenced")
                .is_some_and(|v| v.trim().parse::<i64>().is_ok_and(|x| x > 0) || is_true(v));
        }
    }
}

/// After a remote node's history: a managed resource active on it while it is down means the
/// node must be fenced, unless the connection can be re-established elsewhere (`unseen`).
pub fn after_history(view: &mut ClusterView, n: NodeIdx) {
    let node = &view.nodes[n];
    // A guest is "fenced" by recovering its container, fencing enabled or not.
    if node.online || node.maintenance || (!view.config.stonith_enabled && !node.is_guest()) {
        return;
    }
    let active = view
        .resources
        .iter()
        .find(|r| r.managed() && r.node_state.get(&n).is_some_and(|s| s.role.is_active()));
    let Some(rsc) = active else { return };
    let id = rsc.id.clone();
    let conn_failed = node
        .remote
        .as_ref()
        .and_then(|l| l.connection)
        .is_some_and(|c| failed(view, c));
    if node.is_guest() {
        // What ran there is lost with the guest: it is recovered once the guest is back.
        for r in view.resources.iter_mut().filter(|r| r.managed()) {
            if let Some(st) = r.node_state.get_mut(&n).filter(|s| s.role.is_active()) {
                st.failed = true;
                st.on_fail = st.on_fail.max(super::OnFail::Restart);
            }
        }
        fence_guest(view, n);
        return;
    }
    let node = &mut view.nodes[n];
    let reason = if conn_failed {
        format!("{id} is thought to be active there")
    } else {
        // Fencing for this alone is revoked if the connection comes back.
        node.remote.as_mut().expect("remote node").unseen = true;
        format!(
            "{id} is active there (fencing will be revoked if remote connection can be \
             re-established elsewhere)"
        )
    };
    fence(node, &reason);
}

/// Marks a remote node for fencing; the first reason given is the one reported.
pub fn fence(node: &mut NodeInfo, reason: &str) {
    if !node.unclean || node.unclean_reason.is_empty() {
        node.unclean_reason = reason.to_string();
    }
    node.unclean = true;
    if let Some(link) = node.remote.as_mut() {
        link.requires_reset = true;
    }
}

/// A failed connection (its own failure, not a start or probe) means the remote node must be
/// fenced: a lost connection may have left resources running there. Pacemaker's
/// `on-fail=reset-remote` default for connections with fencing enabled.
pub fn connection_failures(view: &mut ClusterView) {
    if !view.config.stonith_enabled {
        return;
    }
    for n in 0..view.nodes.len() {
        let Some(link) = &view.nodes[n].remote else {
            continue;
        };
        let (Some(c), None) = (link.connection, link.container) else {
            continue;
        };
        let rsc = &view.resources[c];
        if !rsc.managed() {
            continue;
        }
        let lost = lost_connection(rsc);
        let was_fenced = link.was_fenced;
        let node = &mut view.nodes[n];
        if lost && !was_fenced {
            fence(node, CONNECTION_LOST);
        }
        // A failed connection to an unclean node: fence it whether or not it reconnects.
        if failed(view, c) && view.nodes[n].unclean {
            view.nodes[n].remote.as_mut().expect("remote node").unseen = false;
        }
    }
}

/// Why a remote node whose connection failed (and cannot recover) is fenced.
pub const CONNECTION_LOST: &str = "remote connection is unrecoverable";

/// Whether a connection failed in a way that loses the remote node (a failure of its own,
/// not of a start or probe, with no `on-fail` configured): Pacemaker's `reset-remote`.
pub fn lost_connection(rsc: &Resource) -> bool {
    rsc.node_state.values().any(|s| {
        s.failed
            && s.ops.iter().any(|o| {
                o.failed
                    && !(o.task == "start" || (o.task == "monitor" && o.interval_ms == 0))
                    && rsc
                        .op(&o.task, o.interval_ms)
                        .is_none_or(|d| d.on_fail.is_none())
            })
    })
}

/// A remote connection's `reconnect_interval` (milliseconds, 0 if none; guests have none).
pub fn reconnect_interval_ms(rsc: &Resource) -> u64 {
    if !rsc.is_connection() || rsc.meta("container").is_some() {
        return 0;
    }
    rsc.params
        .get("reconnect_interval")
        .and_then(|v| super::parse_interval_ms(v))
        .unwrap_or(0)
}

/// A lost connection with a reconnect interval is not started again until its failure
/// expires (which takes the reconnect interval).
pub fn awaits_reconnect(rsc: &Resource) -> bool {
    reconnect_interval_ms(rsc) > 0 && rsc.managed() && lost_connection(rsc)
}

/// At the end of the status section: the online state of remote nodes without a history,
/// and what was known at unpack time (for the status display).
pub fn finish(view: &mut ClusterView) {
    for n in 0..view.nodes.len() {
        let Some(link) = &view.nodes[n].remote else {
            continue;
        };
        if !link.unpacked {
            determine_online(view, n);
        }
        let node = &mut view.nodes[n];
        let (online, unclean, shutdown) = (node.online, node.unclean, node.shutdown);
        let link = node.remote.as_mut().expect("remote node");
        link.was_online = online;
        link.was_unclean = unclean;
        link.was_shutdown = shutdown;
    }
}
