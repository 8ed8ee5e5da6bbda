//! The resources a `<bundle>` implies, as Pacemaker 2.1.5 names them, for listing their
//! operation history (`-O`/`-o`) while the scheduler's view does not unpack bundles: per
//! replica N, the container `B-docker-N` (or `-podman-`, `-rkt-`), the address
//! `B-ip-ADDR` (from `ip-range-start`, counting up), the remote connection `B-N` (when the
//! bundle holds a primitive) and, on the guest node `B-N`, the primitive itself.

use cib::xml::Element;
use std::net::Ipv4Addr;

/// One implied resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Its id (also its history id).
    pub id: String,
    /// `class:provider:type`.
    pub agent: String,
    /// Set for the bundled primitive: it runs on the guest nodes, one replica each.
    pub inside: bool,
    /// For a remote connection `B-N`: the container that hosts its guest node.
    pub container: Option<String>,
}

/// Every part of every bundle in `cib`, in Pacemaker's order per replica.
pub fn parts(cib: &Element) -> Vec<Part> {
    let mut out = Vec::new();
    let Some(resources) = cib
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return out;
    };
    for bundle in resources.children_named("bundle") {
        let Some(id) = bundle.id() else { continue };
        let Some((tech, runtime)) = ["docker", "podman", "rkt"]
            .iter()
            .find_map(|t| bundle.child(t).map(|e| (*t, e)))
        else {
            continue;
        };
        let replicas: u32 = runtime
            .attr("replicas")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let ip_start: Option<Ipv4Addr> = bundle
            .child("network")
            .and_then(|n| n.attr("ip-range-start"))
            .and_then(|v| v.parse().ok());
        let inner = bundle.child("primitive");
        for i in 0..replicas {
            if let Some(start) = ip_start {
                let addr = Ipv4Addr::from(u32::from(start).wrapping_add(i));
                out.push(part(format!("{id}-ip-{addr}"), "ocf:heartbeat:IPaddr2"));
            }
            let container = format!("{id}-{tech}-{i}");
            out.push(part(container.clone(), &format!("ocf:heartbeat:{tech}")));
            if inner.is_some() {
                out.push(Part {
                    container: Some(container),
                    ..part(format!("{id}-{i}"), "ocf:pacemaker:remote")
                });
            }
        }
        if let Some(p) = inner {
            let agent = format!(
                "{}:{}:{}",
                p.attr("class").unwrap_or(""),
                p.attr("provider").unwrap_or(""),
                p.attr("type").unwrap_or("")
            );
            out.push(Part {
                id: p.id().unwrap_or_default().to_string(),
                agent,
                inside: true,
                container: None,
            });
        }
    }
    out
}

fn part(id: String, agent: &str) -> Part {
    Part {
        id,
        agent: agent.to_string(),
        inside: false,
        container: None,
    }
}

/// The guest nodes the bundles in `cib` make (`B-N`, for bundles holding a primitive), each
/// with its container's id.
pub fn guest_nodes(cib: &Element) -> Vec<(String, String)> {
    parts(cib)
        .into_iter()
        .filter_map(|p| p.container.map(|c| (p.id, c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_parts_as_pacemaker() {
        let cib = cib::xml::parse_element(
            r#"<cib><configuration><resources><bundle id="web"><docker image="i" replicas="2"/><network ip-range-start="10.0.0.254"/><primitive id="httpd" class="ocf" provider="heartbeat" type="apache"/></bundle></resources></configuration></cib>"#,
        )
        .unwrap();
        let ids: Vec<String> = parts(&cib).into_iter().map(|p| p.id).collect();
        assert_eq!(
            ids,
            [
                "web-ip-10.0.0.254",
                "web-docker-0",
                "web-0",
                "web-ip-10.0.0.255",
                "web-docker-1",
                "web-1",
                "httpd"
            ]
        );
        assert_eq!(
            guest_nodes(&cib),
            [
                ("web-0".to_string(), "web-docker-0".to_string()),
                ("web-1".to_string(), "web-docker-1".to_string())
            ]
        );
    }
}
