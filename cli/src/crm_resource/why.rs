//! `-Y/--why [-r RSC] [-N NODE]`: whether resources run (on a node), and the configuration
//! that keeps them from it (target-role, is-managed, node health), as Pacemaker 2.1.5's
//! "resource-reasons-list" and "resource-check-list" print them.

use super::cluster::{ClusterError, Ctx, Reply};
use super::output::escape;
use super::snapshot::Snapshot;
use pengine::unpack::{NodeIdx, Role, RscIdx};

/// What the configuration says against running a resource.
#[derive(Default)]
struct Checks {
    parent: String,
    remain_stopped: bool,
    unpromotable: bool,
    unmanaged: bool,
    unhealthy: Option<String>,
}

/// The value of the one nvpair called `name` anywhere under the resource `id`.
fn config_value(snap: &Snapshot, id: &str, name: &str) -> Option<String> {
    let rsc = snap
        .cib
        .child("configuration")?
        .child("resources")?
        .descendants()
        .into_iter()
        .find(|e| e.id() == Some(id))?;
    let found: Vec<_> = rsc
        .descendants()
        .into_iter()
        .filter(|e| e.name == "nvpair" && e.attr("name") == Some(name))
        .collect();
    match found.as_slice() {
        [one] => one.attr("value").map(str::to_string),
        _ => None,
    }
}

/// `node-health-strategy` from the cluster options.
fn health_strategy(snap: &Snapshot) -> Option<String> {
    snap.cib
        .child("configuration")?
        .child("crm_config")?
        .descendants()
        .into_iter()
        .find(|e| e.name == "nvpair" && e.attr("name") == Some("node-health-strategy"))
        .and_then(|e| e.attr("value"))
        .map(str::to_string)
}

/// True when the strategy keeps resources off `n` (red, or anything but green for
/// only-green); the progressive and custom strategies are scores, not a single cause.
fn unhealthy(snap: &Snapshot, n: NodeIdx, strategy: &str) -> bool {
    let colors = snap.view.nodes[n]
        .attrs
        .iter()
        .filter(|(k, _)| k.starts_with("#health"))
        .map(|(_, v)| v.to_ascii_lowercase());
    match strategy {
        "migrate-on-red" => colors.into_iter().any(|v| v == "red"),
        "only-green" => colors.into_iter().any(|v| v != "green"),
        _ => false,
    }
}

fn checks(snap: &Snapshot, r: RscIdx, node: Option<NodeIdx>) -> Checks {
    let top = snap.view.top_of(r);
    let parent = snap.view.resources[top].base_id.clone();
    let role = config_value(snap, &parent, "target-role").and_then(|v| Role::parse(&v));
    let promotable = snap.view.resources[top]
        .clone
        .as_ref()
        .is_some_and(|c| c.promotable);
    let managed = config_value(snap, &parent, "is-managed");
    let unhealthy = node.and_then(|n| {
        let strategy = health_strategy(snap)?;
        unhealthy(snap, n, &strategy).then_some(strategy)
    });
    Checks {
        remain_stopped: role == Some(Role::Stopped),
        unpromotable: promotable && role == Some(Role::Unpromoted),
        unmanaged: managed.is_some_and(|v| !pengine::unpack::is_true(&v)),
        unhealthy,
        parent,
    }
}

impl Checks {
    fn text(&self, reply: &mut Reply) {
        let p = &self.parent;
        if self.remain_stopped {
            reply.info(format!(
                "Configuration specifies '{p}' should remain stopped"
            ));
        }
        if self.unpromotable {
            reply.info(format!(
                "Configuration specifies '{p}' should not be promoted"
            ));
        }
        if self.unmanaged {
            reply.info(format!(
                "Configuration prevents cluster from stopping or starting unmanaged '{p}'"
            ));
        }
        if let Some(s) = &self.unhealthy {
            reply.info(format!(
                "'{p}' cannot run on unhealthy nodes due to node-health-strategy='{s}'"
            ));
        }
    }

    fn xml(&self, indent: usize) -> String {
        let mut x = format!(
            "{}<check id=\"{}\"",
            " ".repeat(indent),
            escape(&self.parent)
        );
        if self.remain_stopped {
            x.push_str(" remain_stopped=\"true\"");
        }
        if self.unpromotable {
            x.push_str(" promotable=\"false\"");
        }
        if self.unmanaged {
            x.push_str(" unmanaged=\"true\"");
        }
        if self.unhealthy.is_some() {
            x.push_str(" unhealthy=\"true\"");
        }
        x.push_str("/>\n");
        x
    }
}

/// `-Y`.
pub fn why(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let snap = ctx.snapshot()?;
    if let Some(rsc) = ctx.opts.resource.as_deref() {
        snap.find(rsc)
            .ok_or_else(|| ClusterError::no_resource(rsc))?;
    }
    let node = match ctx.opts.node.as_deref() {
        Some(name) => Some(snap.node(name).ok_or_else(|| ClusterError::no_node(name))?),
        None => None,
    };
    let mut reply = Reply::default();
    let running = |r: RscIdx| !snap.view.running_on(r).is_empty();
    let runs_on = |r: RscIdx, n: NodeIdx| snap.view.running_on(r).contains(&n);
    match (ctx.opts.resource.clone(), node) {
        (Some(rsc), None) => {
            let r = snap
                .find(&rsc)
                .ok_or_else(|| ClusterError::no_resource(&rsc))?;
            let id = &snap.view.resources[r].id;
            let on = running(r);
            reply.info(format!(
                "Resource {id} is {}running",
                if on { "" } else { "not " }
            ));
            let c = checks(&snap, r, None);
            c.text(&mut reply);
            reply.xml = format!("  <reason running=\"{on}\">\n{}  </reason>\n", c.xml(4));
        }
        (Some(rsc), Some(n)) => {
            let r = snap
                .find(&rsc)
                .ok_or_else(|| ClusterError::no_resource(&rsc))?;
            let id = &snap.view.resources[r].id;
            let host = snap.node_name(n);
            let on = runs_on(r, n);
            reply.info(format!(
                "Resource {id} is {}running on host {host}",
                if on { "" } else { "not " }
            ));
            let c = checks(&snap, r, Some(n));
            c.text(&mut reply);
            let attr = if on {
                format!(" running_on=\"{}\"", escape(host))
            } else {
                String::new()
            };
            reply.xml = format!("  <reason{attr}>\n{}  </reason>\n", c.xml(4));
        }
        (None, node) => {
            let mut items = String::new();
            // On a node: the primitives running there; otherwise every top-level resource.
            let list: Vec<RscIdx> = match node {
                Some(n) => snap
                    .view
                    .top
                    .iter()
                    .flat_map(|&t| snap.view.primitives_of(t))
                    .filter(|&p| runs_on(p, n))
                    .collect(),
                None => snap.view.top.clone(),
            };
            for r in list {
                let id = &snap.view.resources[r].id;
                let host_attr = match node {
                    Some(n) if !runs_on(r, n) => continue,
                    Some(n) => {
                        reply.info(format!(
                            "Resource {id} is running on host {}",
                            snap.node_name(n)
                        ));
                        format!(" host=\"{}\"", escape(snap.node_name(n)))
                    }
                    None => {
                        reply.info(format!(
                            "Resource {id} is {}running",
                            if running(r) { "" } else { "not " }
                        ));
                        String::new()
                    }
                };
                let c = checks(&snap, r, node);
                c.text(&mut reply);
                items.push_str(&format!(
                    "      <resource id=\"{}\" running=\"{}\"{host_attr}>\n{}      </resource>\n",
                    escape(id),
                    running(r),
                    c.xml(8)
                ));
            }
            let list = if items.is_empty() {
                "    <resources/>\n".to_string()
            } else {
                format!("    <resources>\n{items}    </resources>\n")
            };
            reply.xml = format!("  <reason>\n{list}  </reason>\n");
        }
    }
    Ok(reply)
}
