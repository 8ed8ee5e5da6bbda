//! Bundles: a `<bundle>` becomes, per replica, a container resource (docker, podman or rkt),
//! an optional IP address, and, when it wraps a primitive, a Pacemaker Remote connection
//! running inside the container and a guest node (`BUNDLE-N`) on which that replica of the
//! primitive runs. The primitive's replicas form a clone (`BUNDLE-clone`, or `BUNDLE-master`
//! when promotable). The generated resources are described as CIB XML and unpacked like
//! configured ones, as Pacemaker does.

use super::{bundle_container, remote, RscIdx};
use cib::Element;

/// One replica of a bundle.
#[derive(Debug, Clone, Default)]
pub struct Replica {
    /// The container resource (`BUNDLE-docker-N`).
    pub container: RscIdx,
    /// The IP address resource, with `ip-range-start`.
    pub ip: Option<RscIdx>,
    /// The connection to the replica's guest node (`BUNDLE-N`).
    pub remote: Option<RscIdx>,
    /// The replica's guest node.
    pub node: Option<usize>,
    /// The replica's instance of the wrapped primitive.
    pub child: Option<RscIdx>,
    /// The replica's address (from `ip-range-start`), shown after its name.
    pub addr: Option<String>,
}

/// A bundle and what it was expanded into.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    /// The bundle itself (a collective of its containers).
    pub rsc: RscIdx,
    /// The clone of the wrapped primitive, if any.
    pub child: Option<RscIdx>,
    /// Replicas in order.
    pub replicas: Vec<Replica>,
    /// The container image, shown in the bundle's heading.
    pub image: String,
}

impl Bundle {
    /// The resources whose actions the graph lists for this bundle, in Pacemaker's order:
    /// the primitive's clone, then each replica's IP, container and connection.
    pub fn graph_order(&self) -> Vec<RscIdx> {
        let replicas = self
            .replicas
            .iter()
            .flat_map(|r| r.ip.into_iter().chain([r.container]).chain(r.remote));
        self.child.into_iter().chain(replicas).collect()
    }
}

/// Where a bundle's own pseudo action stands among them in creation order (start, running,
/// stop, stopped, then promote, promoted, demote, demoted).
pub fn creation_rank(task: &str) -> u8 {
    match task {
        "start" => 0,
        "running" => 1,
        "stop" => 2,
        "stopped" => 3,
        "promote" => 4,
        "promoted" => 5,
        "demote" => 6,
        "demoted" => 7,
        _ => 8,
    }
}

/// The container settings Pacemaker reads from a `<bundle>`.
pub struct Settings {
    /// `docker`, `podman` or `rkt`.
    pub agent: String,
    /// `replicas` (default: promoted-max, else 1).
    pub replicas: usize,
    /// `replicas-per-host`.
    pub per_host: usize,
    /// `promoted-max`.
    pub promoted_max: usize,
    /// `image`.
    pub image: String,
    /// `network/@ip-range-start`.
    pub ip_range_start: Option<String>,
    /// `network/@control-port`.
    pub control_port: Option<String>,
    /// `network/@host-netmask`, `host-interface`.
    pub netmask: Option<String>,
    /// `network/@host-interface`.
    pub interface: Option<String>,
    /// The bundle's id: the prefix of everything it generates.
    pub prefix: String,
    /// The container's `run-command`.
    pub run_command: Option<String>,
    /// The container's `options` (passed to the container launcher).
    pub options: Option<String>,
    /// The container's `network`.
    pub network: Option<String>,
    /// `network/@add-host` (default true).
    pub add_host: bool,
    /// Storage mappings, then (with a wrapped primitive) the key and log mounts.
    pub mounts: Vec<bundle_container::Mount>,
    /// Port mappings, then (with a wrapped primitive) the control port.
    pub ports: Vec<bundle_container::Port>,
    /// A primitive is wrapped (an IP range or a control port lets the cluster reach it).
    pub wraps_primitive: bool,
    /// The replicas' host entries, the same in every container.
    pub host_options: String,
}

fn num(v: Option<&str>) -> Option<usize> {
    v.and_then(|v| v.trim().parse().ok())
}

/// Reads a bundle's settings; None when it has no container element.
pub fn settings(el: &Element) -> Option<Settings> {
    let container = ["docker", "rkt", "podman"]
        .iter()
        .find_map(|a| el.child(a))?;
    let promoted_max =
        num(container.attr("promoted-max").or(container.attr("masters"))).unwrap_or(0);
    let replicas =
        num(container.attr("replicas")).unwrap_or(if promoted_max > 0 { promoted_max } else { 1 });
    let network = el.child("network");
    let net = |k: &str| network.and_then(|n| n.attr(k)).map(str::to_string);
    let own = |k: &str| container.attr(k).map(str::to_string);
    let (mounts, has_log_mount) = bundle_container::mounts(el);
    let mut s = Settings {
        agent: container.name.clone(),
        replicas: replicas.max(1),
        per_host: num(container.attr("replicas-per-host")).unwrap_or(1).max(1),
        promoted_max,
        image: own("image").unwrap_or_default(),
        ip_range_start: net("ip-range-start"),
        control_port: net("control-port"),
        netmask: net("host-netmask"),
        interface: net("host-interface"),
        prefix: el.attr("id").unwrap_or("").to_string(),
        run_command: own("run-command"),
        options: own("options"),
        network: own("network"),
        add_host: net("add-host").is_none_or(|v| super::is_true(&v)),
        mounts,
        ports: bundle_container::ports(network),
        wraps_primitive: false,
        host_options: String::new(),
    };
    s.wraps_primitive =
        el.child("primitive").is_some() && (s.ip_range_start.is_some() || s.control_port.is_some());
    if s.wraps_primitive {
        let (mut mounts, mut ports) = (std::mem::take(&mut s.mounts), std::mem::take(&mut s.ports));
        bundle_container::add_remote_daemon(&mut mounts, has_log_mount, &mut ports, &s);
        (s.mounts, s.ports) = (mounts, ports);
    }
    let addrs = s
        .ip_range_start
        .as_deref()
        .map(|a| addresses(a, s.replicas))
        .unwrap_or_default();
    s.host_options = bundle_container::host_options(&s, &addrs);
    Some(s)
}

/// The replicas' IP addresses, counting up from `ip-range-start` (IPv4 only).
pub fn addresses(start: &str, count: usize) -> Vec<String> {
    let mut out = Vec::new();
    let Some(mut octets) = start
        .split('.')
        .map(|o| o.parse::<u32>().ok())
        .collect::<Option<Vec<u32>>>()
        .filter(|o| o.len() == 4)
    else {
        return out;
    };
    for i in 0..count {
        if i > 0 {
            if octets[2] > 253 {
                break;
            }
            if octets[3] > 253 {
                octets[2] += 1;
                octets[3] = 1;
            } else {
                octets[3] += 1;
            }
        }
        out.push(
            octets
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join("."),
        );
    }
    out
}

fn nvpair(id: String, name: &str, value: &str) -> Element {
    Element::new("nvpair")
        .with_attr("id", id)
        .with_attr("name", name)
        .with_attr("value", value)
}

fn monitor(id: &str, interval: &str) -> Element {
    Element::new("operations").with_child(
        Element::new("op")
            .with_attr("id", format!("{id}-monitor-{interval}"))
            .with_attr("name", "monitor")
            .with_attr("interval", interval),
    )
}

/// The container resource of replica `i` (address `addr`).
pub fn container_xml(bundle: &str, s: &Settings, i: usize, addr: Option<&str>) -> Element {
    let id = format!("{bundle}-{}-{i}", s.agent);
    let mut attrs =
        Element::new("instance_attributes").with_attr("id", format!("{bundle}-attributes-{i}"));
    for (name, value) in bundle_container::params(s, i, addr, s.wraps_primitive) {
        attrs = attrs.with_child(nvpair(format!("{id}-{name}"), &name, &value));
    }
    Element::new("primitive")
        .with_attr("id", id.as_str())
        .with_attr("class", "ocf")
        .with_attr("provider", "heartbeat")
        .with_attr("type", s.agent.as_str())
        .with_child(attrs)
        .with_child(monitor(&id, "60s"))
}

/// The IP address resource of a replica.
pub fn ip_xml(bundle: &str, s: &Settings, i: usize, addr: &str) -> Element {
    let id = format!("{bundle}-ip-{addr}");
    let mut attrs = Element::new("instance_attributes")
        .with_attr("id", format!("{bundle}-attributes-{i}"))
        .with_child(nvpair(format!("{id}-ip"), "ip", addr));
    if let Some(nic) = &s.interface {
        attrs = attrs.with_child(nvpair(format!("{id}-nic"), "nic", nic));
    }
    let mask = s.netmask.as_deref().unwrap_or("32");
    attrs = attrs.with_child(nvpair(format!("{id}-cidr_netmask"), "cidr_netmask", mask));
    Element::new("primitive")
        .with_attr("id", id.as_str())
        .with_attr("class", "ocf")
        .with_attr("provider", "heartbeat")
        .with_attr("type", "IPaddr2")
        .with_child(attrs)
        .with_child(monitor(&id, "60s"))
}

/// The connection to replica `i`'s guest node, inside its container.
pub fn remote_xml(bundle: &str, s: &Settings, i: usize, addr: Option<&str>) -> Option<Element> {
    let container = format!("{bundle}-{}-{i}", s.agent);
    let mut meta = std::collections::BTreeMap::new();
    meta.insert("remote-node".to_string(), format!("{bundle}-{i}"));
    // Without an address of its own the connection goes to the host (a magic name).
    meta.insert(
        "remote-addr".to_string(),
        addr.unwrap_or("#uname").to_string(),
    );
    meta.insert(
        "remote-port".to_string(),
        s.control_port
            .clone()
            .unwrap_or_else(|| bundle_container::DEFAULT_REMOTE_PORT.into()),
    );
    remote::guest_connection_xml(&container, &meta, true)
}

/// The clone of the wrapped primitive: one instance per replica, ordered, promotable when
/// the bundle has a promoted-max.
pub fn child_clone_xml(bundle: &Element, s: &Settings, primitive: &Element) -> Element {
    let bid = bundle.attr("id").unwrap_or("");
    let id = format!(
        "{bid}-{}",
        if s.promoted_max > 0 {
            "master"
        } else {
            "clone"
        }
    );
    let mut meta = Element::new("meta_attributes")
        .with_attr("id", format!("{id}-meta"))
        .with_child(nvpair(format!("{id}-ordered"), "ordered", "true"))
        .with_child(nvpair(
            format!("{id}-clone-max"),
            "clone-max",
            &s.replicas.to_string(),
        ))
        .with_child(nvpair(
            format!("{id}-clone-node-max"),
            "clone-node-max",
            &s.per_host.to_string(),
        ))
        .with_child(nvpair(
            format!("{id}-unique"),
            "globally-unique",
            if s.per_host > 1 { "true" } else { "false" },
        ));
    // The clone notifies when its primitive does.
    let notify = primitive
        .children_named("meta_attributes")
        .flat_map(|m| m.children_named("nvpair"))
        .any(|nv| {
            nv.attr("name") == Some("notify") && nv.attr("value").is_some_and(super::is_true)
        });
    if notify {
        meta = meta.with_child(nvpair(format!("{id}-notify"), "notify", "true"));
    }
    if s.promoted_max > 0 {
        meta = meta
            .with_child(nvpair(format!("{id}-promotable"), "promotable", "true"))
            .with_child(nvpair(
                format!("{id}-promoted-max"),
                "promoted-max",
                &s.promoted_max.to_string(),
            ));
    }
    let mut el = Element::new("clone")
        .with_attr("id", id.as_str())
        .with_child(meta);
    // The bundle's own meta attributes (is-managed, target-role, ...) apply inside it too.
    for m in bundle.children_named("meta_attributes") {
        el = el.with_child(m.clone());
    }
    el.with_child(primitive.clone())
}

/// The bundle itself, as a collective (its meta attributes only).
pub fn bundle_xml(bundle: &Element) -> Element {
    let mut el = Element::new("group").with_attr("id", bundle.attr("id").unwrap_or(""));
    for m in bundle.children_named("meta_attributes") {
        el = el.with_child(m.clone());
    }
    el
}

/// A container started with other parameters than it has now (Pacemaker compares the start's
/// recorded digest) is restarted where it runs. Only nodes that can run resources are checked.
pub fn restart_changed_containers(view: &mut super::ClusterView) {
    let containers: Vec<RscIdx> = view
        .bundles
        .iter()
        .flat_map(|b| b.replicas.iter().map(|r| r.container))
        .collect();
    for c in containers {
        let now = bundle_container::digest(&view.resources[c].params);
        let nodes: Vec<usize> = view.resources[c].node_state.keys().copied().collect();
        for n in nodes {
            if !view.nodes[n].can_run() {
                continue;
            }
            let st = view.resources[c].node_state.get_mut(&n).expect("listed");
            let started_with = st
                .last_start
                .and_then(|i| st.ops.get(i))
                .filter(|op| op.task == "start")
                .and_then(|op| op.digest.as_deref());
            if st.role.is_active() && started_with.is_some_and(|d| d != now) {
                st.definition_changed = true;
            }
        }
    }
}

/// The parent whose locations and discovery `r` shares: none past a bundle, except for the
/// bundle's containers and IPs, to which it applies them (Pacemaker's ancestry stops below a
/// bundle).
pub fn sharing_parent(view: &super::ClusterView, r: RscIdx) -> Option<RscIdx> {
    let p = view.resources[r].parent?;
    match view.bundles.iter().find(|b| b.rsc == p) {
        Some(b) => b
            .replicas
            .iter()
            .any(|rep| rep.container == r || rep.ip == Some(r))
            .then_some(p),
        None => Some(p),
    }
}

/// Whose node attributes resource `r` reads on node `n`: with `container-attribute-target=host`
/// on a guest node, those of the node its container runs on (none while it runs nowhere).
pub fn attribute_node(view: &super::ClusterView, r: RscIdx, n: usize) -> Option<usize> {
    let to_host = view.resources[r]
        .meta("container-attribute-target")
        .is_some_and(|t| t.eq_ignore_ascii_case("host"));
    match view.nodes[n].remote.as_ref().and_then(|l| l.container) {
        Some(k) if to_host => view.resources[k].running_nodes().first().copied(),
        _ => Some(n),
    }
}

/// The bundle replica whose guest node is `n`, if any.
pub fn replica_on_node(view: &super::ClusterView, n: usize) -> Option<&Replica> {
    view.bundles
        .iter()
        .flat_map(|b| &b.replicas)
        .find(|r| r.node == Some(n))
}

/// The bundle replica a resource belongs to (container, IP, connection or instance).
pub fn replica_of(view: &super::ClusterView, r: RscIdx) -> Option<(&Bundle, &Replica)> {
    view.bundles.iter().find_map(|b| {
        b.replicas
            .iter()
            .find(|x| {
                x.container == r
                    || x.ip == Some(r)
                    || x.remote == Some(r)
                    || x.child
                        .is_some_and(|c| view.primitives_of(c).contains(&r) || c == r)
            })
            .map(|x| (b, x))
    })
}

#[cfg(test)]
mod tests {
    use super::addresses;

    #[test]
    fn replica_addresses_count_up_and_wrap_into_the_next_subnet() {
        assert_eq!(
            addresses("192.168.1.253", 3),
            ["192.168.1.253", "192.168.1.254", "192.168.2.1"]
        );
        assert!(addresses("not-an-ip", 2).is_empty());
        assert!(addresses("fe80::1", 2).is_empty());
    }
}
