//! Heartbeat v1 `haresources` files and their import into a CIB.
//!
//! Each logical line is `<preferred-node> <resource> [<resource> ...]`, one resource group; a
//! trailing backslash continues a line and `#` starts a comment. A resource is `Type`,
//! `Type::arg1::arg2...`, or an IP address spec `a.b.c.d[/bits][/iface][/broadcast]`, which is
//! shorthand for `IPaddr::<spec>`.
//!
//! The import turns every line into a group (or a lone primitive) with a location preference for
//! its node, known agents into OCF primitives with named parameters, and other scripts into
//! `heartbeat` class primitives (positional parameters `1`..`N`) or `lsb` services.

use crate::xml::Element;
use std::path::{Path, PathBuf};

/// A problem in a haresources file, naming its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HaResourcesError {
    /// The preferred node of a line is not a node of ha.cf (Heartbeat's own wording).
    #[error("line {line}: Bad nodename in haresources [{node}]")]
    BadNodename {
        /// 1-based line number.
        line: usize,
        /// The unknown node name.
        node: String,
    },
    /// A line names a node but no resource.
    #[error("line {line}: no resources listed for node {node}")]
    NoResources {
        /// 1-based line number.
        line: usize,
        /// The node the line names.
        node: String,
    },
    /// Two lines start with the same first resource (Heartbeat's group key must be unique).
    #[error("line {line}: resource group key {key} already used on line {first}")]
    DuplicateGroup {
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first use.
        first: usize,
        /// The repeated key.
        key: String,
    },
    /// An IP address spec that does not parse.
    #[error("line {line}: bad IP address specification {spec}")]
    BadAddress {
        /// 1-based line number.
        line: usize,
        /// The offending spec.
        spec: String,
    },
    /// A resource token that is neither `Type[::arg...]` with an installed agent's name nor an
    /// address.
    #[error("line {line}: bad resource [{token}]: {reason}")]
    BadResource {
        /// 1-based line number.
        line: usize,
        /// The offending token.
        token: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// One resource token: the agent (script) name and its `::`-separated arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSpec {
    /// Agent or script name, e.g. `IPaddr`, `Filesystem`, `httpd`.
    pub agent: String,
    /// Positional arguments.
    pub args: Vec<String>,
}

/// One logical line: a resource group preferring a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceGroup {
    /// 1-based line where the logical line starts.
    pub line: usize,
    /// The preferred node.
    pub node: String,
    /// The group's name as Heartbeat knows it: its first resource token as written (what its
    /// ResourceManager lists and its `ip-request` messages carry).
    pub key: String,
    /// Resources in start order.
    pub resources: Vec<ResourceSpec>,
}

/// A parsed haresources file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HaResources {
    /// Groups in file order.
    pub groups: Vec<ResourceGroup>,
}

/// Heartbeat's `auto_failback` setting, which becomes resource stickiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoFailback {
    /// Resources return to their preferred node when it comes back.
    On,
    /// Resources stay where they are.
    Off,
    /// Heartbeat's compatibility mode; behaves as `on` once all nodes run the same version.
    Legacy,
}

/// What the import needs from ha.cf and the host.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The `node` lines of ha.cf, in order.
    pub nodes: Vec<String>,
    /// ha.cf `auto_failback`.
    pub auto_failback: AutoFailback,
    /// Directories searched for heartbeat-class scripts (`/etc/ha.d/resource.d`).
    pub resource_dirs: Vec<PathBuf>,
    /// Add a recurring monitor to every primitive.
    pub monitor: bool,
    /// ha.cf has `ping`/`ping_group` nodes: keep each group off nodes that reach none of them
    /// (the `pingd` node attribute the crmd maintains), as `ipfail` did for v1 sites.
    pub connectivity_rule: bool,
    /// The OCF root whose installed providers decide where an OCF-style resource comes from.
    pub ocf_root: PathBuf,
}

/// The OCF providers a haresources name may map to, in order of preference: ClusterLabs'
/// `heartbeat` (as Heartbeat's own import did), then ours, installed by the heartbeat-rs
/// package.
const OCF_PROVIDERS: [&str; 2] = ["heartbeat", "heartbeat-rs"];

/// The provider that has `agent` installed under `ocf_root`; `heartbeat` when none has, so the
/// missing agent is reported by name where the configuration is checked.
fn ocf_provider(ocf_root: &Path, agent: &str) -> &'static str {
    OCF_PROVIDERS
        .into_iter()
        .find(|p| ocf_root.join("resource.d").join(p).join(agent).is_file())
        .unwrap_or(OCF_PROVIDERS[0])
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            nodes: Vec::new(),
            auto_failback: AutoFailback::On,
            resource_dirs: vec![PathBuf::from("/etc/ha.d/resource.d")],
            monitor: true,
            connectivity_rule: false,
            // Every OCF tool honours OCF_ROOT; the import looks where the LRM will.
            ocf_root: std::env::var_os("OCF_ROOT")
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from("/usr/lib/ocf"), PathBuf::from),
        }
    }
}

impl HaResources {
    /// Parses a haresources file's text.
    pub fn parse(text: &str) -> Result<HaResources, HaResourcesError> {
        let mut groups: Vec<ResourceGroup> = Vec::new();
        for (line, logical) in logical_lines(text) {
            let mut words = logical.split_whitespace();
            let Some(node) = words.next() else { continue };
            let token = logical
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            let resources = words
                .map(|w| parse_token(w, line))
                .collect::<Result<Vec<ResourceSpec>, _>>()?;
            if resources.is_empty() {
                return Err(HaResourcesError::NoResources {
                    line,
                    node: node.to_string(),
                });
            }
            let key = group_key(&resources[0]);
            if let Some(first) = groups.iter().find(|g| group_key(&g.resources[0]) == key) {
                return Err(HaResourcesError::DuplicateGroup {
                    line,
                    first: first.line,
                    key,
                });
            }
            groups.push(ResourceGroup {
                line,
                node: node.to_string(),
                key: token,
                resources,
            });
        }
        Ok(HaResources { groups })
    }

    /// Builds a complete CIB (configuration and an empty status) for these groups.
    pub fn to_cib(&self, opts: &ImportOptions) -> Result<Element, HaResourcesError> {
        for g in &self.groups {
            if !opts.nodes.is_empty() && !opts.nodes.iter().any(|n| n == &g.node) {
                return Err(HaResourcesError::BadNodename {
                    line: g.line,
                    node: g.node.clone(),
                });
            }
        }
        let mut resources = Element::new("resources");
        let mut constraints = Element::new("constraints");
        let mut ids = IdAllocator::default();
        for (index, group) in self.groups.iter().enumerate() {
            let mut primitives = Vec::new();
            for spec in &group.resources {
                primitives.push(primitive(spec, group.line, opts, &mut ids)?);
            }
            let (top, top_id) = if primitives.len() == 1 {
                let p = primitives.remove(0);
                let id = p.id().unwrap_or_default().to_string();
                (p, id)
            } else {
                let id = ids.take(format!("group_{}", index + 1));
                let mut g = Element::new("group").with_attr("id", id.clone());
                for p in primitives {
                    g = g.with_child(p);
                }
                (g, id)
            };
            resources = resources.with_child(top);
            constraints = constraints.with_child(location_preference(&top_id, &group.node));
            if opts.connectivity_rule {
                constraints = constraints.with_child(connectivity_rule(&top_id));
            }
        }
        let stickiness = match opts.auto_failback {
            AutoFailback::On | AutoFailback::Legacy => "0",
            AutoFailback::Off => "INFINITY",
        };
        let mut nodes = Element::new("nodes");
        for name in &opts.nodes {
            nodes = nodes.with_child(
                Element::new("node")
                    .with_attr("id", name.clone())
                    .with_attr("uname", name.clone()),
            );
        }
        let configuration = Element::new("configuration")
            .with_child(Element::new("crm_config").with_child(nvpair_set(
                "cluster_property_set",
                "cib-bootstrap-options",
                &[
                    // Heartbeat v1 sites ran without fencing and, with two nodes, without quorum.
                    ("stonith-enabled", "false"),
                    (
                        "no-quorum-policy",
                        if opts.nodes.len() <= 2 {
                            "ignore"
                        } else {
                            "stop"
                        },
                    ),
                ],
            )))
            .with_child(nodes)
            .with_child(resources)
            .with_child(constraints)
            .with_child(Element::new("rsc_defaults").with_child(nvpair_set(
                "meta_attributes",
                "rsc-options",
                &[("resource-stickiness", stickiness)],
            )));
        Ok(Element::new("cib")
            .with_attr("admin_epoch", "0")
            .with_attr("epoch", "1")
            .with_attr("num_updates", "0")
            .with_attr("validate-with", "pacemaker-3.9")
            .with_child(configuration)
            .with_child(Element::new("status")))
    }
}

/// Yields (first line number, text) for each logical line, joining backslash continuations and
/// dropping comments.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        let uncommented = raw.split('#').next().unwrap_or("");
        if current.is_empty() {
            start = i + 1;
        }
        let (body, continued) = match uncommented.trim_end().strip_suffix('\\') {
            Some(body) => (body, true),
            None => (uncommented, false),
        };
        current.push_str(body);
        current.push(' ');
        if !continued {
            if !current.trim().is_empty() {
                out.push((start, std::mem::take(&mut current)));
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push((start, current));
    }
    out
}

fn looks_like_address(token: &str) -> bool {
    let addr = token.split('/').next().unwrap_or("");
    addr.split('.').count() == 4
        && addr
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// A resource token: an address spec (checked when the primitive is built), or
/// `Type[::arg...]` where `Type` is a script's plain name and no argument is empty.
fn parse_token(token: &str, line: usize) -> Result<ResourceSpec, HaResourcesError> {
    if looks_like_address(token) {
        return Ok(ResourceSpec {
            agent: "IPaddr".into(),
            args: vec![token.to_string()],
        });
    }
    let bad = |reason: String| HaResourcesError::BadResource {
        line,
        token: token.to_string(),
        reason,
    };
    // Digits and dots first: meant as an address, but not a valid one.
    if token.starts_with(|c: char| c.is_ascii_digit()) && token.contains('.') {
        return Err(HaResourcesError::BadAddress {
            line,
            spec: token.to_string(),
        });
    }
    let mut parts = token.split("::").map(str::to_string);
    let agent = parts.next().unwrap_or_default();
    let args: Vec<String> = parts.collect();
    crate::agent_name::check("type", &agent).map_err(|e| bad(e.to_string()))?;
    if agent.contains(':') {
        return Err(bad("arguments are separated by '::'".into()));
    }
    if args.iter().any(String::is_empty) {
        return Err(bad("empty argument".into()));
    }
    Ok(ResourceSpec { agent, args })
}

fn group_key(spec: &ResourceSpec) -> String {
    std::iter::once(spec.agent.as_str())
        .chain(spec.args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("::")
}

/// Hands out XML ids, suffixing a counter when one is taken.
#[derive(Default)]
struct IdAllocator {
    used: std::collections::BTreeSet<String>,
}

impl IdAllocator {
    fn take(&mut self, wanted: String) -> String {
        let wanted: String = wanted
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let wanted = if wanted.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            wanted
        } else {
            format!("_{wanted}")
        };
        let mut id = wanted.clone();
        let mut n = 1;
        while !self.used.insert(id.clone()) {
            n += 1;
            id = format!("{wanted}_{n}");
        }
        id
    }
}

/// An IP spec `ip[/bits][/iface][/broadcast]` as IPaddr parameters; a dotted third field is the
/// broadcast address, as the v1 IPaddr wrapper reads it.
fn address_params(
    spec: &str,
    line: usize,
) -> Result<Vec<(&'static str, String)>, HaResourcesError> {
    let fields: Vec<&str> = spec.split('/').collect();
    let is_ip = |f: &str| f.parse::<std::net::Ipv4Addr>().is_ok();
    let bits_ok = |f: &str| f.parse::<u8>().is_ok_and(|b| (1..=32).contains(&b)) || is_ip(f);
    // The fields after the bits: an interface (a plain name) or a broadcast address.
    let rest_ok = |f: &str| {
        if looks_like_address(f) {
            is_ip(f)
        } else {
            crate::agent_name::check("nic", f).is_ok()
        }
    };
    if !looks_like_address(spec)
        || fields.len() > 4
        || fields.iter().any(|f| f.is_empty())
        || !is_ip(fields[0])
        || fields.get(1).is_some_and(|b| !bits_ok(b))
        || fields.iter().skip(2).any(|f| !rest_ok(f))
    {
        return Err(HaResourcesError::BadAddress {
            line,
            spec: spec.to_string(),
        });
    }
    let mut params = vec![("ip", fields[0].to_string())];
    if let Some(bits) = fields.get(1) {
        params.push(("cidr_netmask", bits.to_string()));
    }
    for field in fields.iter().skip(2) {
        let key = if looks_like_address(field) {
            "broadcast"
        } else {
            "nic"
        };
        params.push((key, field.to_string()));
    }
    Ok(params)
}

/// The named parameters an OCF agent takes for a v1 positional argument list; `None` when the
/// agent is not one we map to OCF.
fn ocf_params(
    spec: &ResourceSpec,
    line: usize,
) -> Result<Option<Vec<(&'static str, String)>>, HaResourcesError> {
    let names: &[&'static str] = match spec.agent.as_str() {
        "IPaddr" | "IPaddr2" => {
            return match spec.args.first() {
                Some(a) => address_params(a, line).map(Some),
                None => Err(HaResourcesError::BadAddress {
                    line,
                    spec: spec.agent.clone(),
                }),
            }
        }
        "Filesystem" => &["device", "directory", "fstype", "options"],
        "apache" => &["configfile"],
        "IPsrcaddr" => &["ipaddress"],
        "MailTo" => &["email", "subject"],
        "Delay" => &["startdelay", "stopdelay"],
        "LVM" => &["volgrpname"],
        "Xinetd" => &["service"],
        _ => return Ok(None),
    };
    Ok(Some(
        names
            .iter()
            .copied()
            .zip(spec.args.iter().cloned())
            .collect(),
    ))
}

fn primitive(
    spec: &ResourceSpec,
    line: usize,
    opts: &ImportOptions,
    ids: &mut IdAllocator,
) -> Result<Element, HaResourcesError> {
    let ocf = ocf_params(spec, line)?;
    let id = match (&ocf, spec.agent.as_str()) {
        (Some(params), "IPaddr" | "IPaddr2") => {
            ids.take(format!("{}_{}", spec.agent, params[0].1.replace('.', "_")))
        }
        _ => ids.take(spec.agent.clone()),
    };
    let mut p = Element::new("primitive").with_attr("id", id.clone());
    let params: Vec<(String, String)> = match ocf {
        Some(params) => {
            p = p
                .with_attr("class", "ocf")
                .with_attr("provider", ocf_provider(&opts.ocf_root, &spec.agent))
                .with_attr("type", spec.agent.clone());
            params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        }
        None if opts
            .resource_dirs
            .iter()
            .any(|d| d.join(&spec.agent).is_file()) =>
        {
            p = p
                .with_attr("class", "heartbeat")
                .with_attr("type", spec.agent.clone());
            spec.args
                .iter()
                .enumerate()
                .map(|(i, a)| ((i + 1).to_string(), a.clone()))
                .collect()
        }
        None => {
            p = p
                .with_attr("class", "lsb")
                .with_attr("type", spec.agent.clone());
            Vec::new()
        }
    };
    if !params.is_empty() {
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        p = p.with_child(nvpair_set(
            "instance_attributes",
            &format!("{id}-instance_attributes"),
            &pairs,
        ));
    }
    if opts.monitor {
        let (interval, timeout) = if spec.agent.starts_with("IPaddr") {
            ("5s", "20s")
        } else {
            ("120s", "60s")
        };
        p = p.with_child(
            Element::new("operations").with_child(
                Element::new("op")
                    .with_attr("id", format!("{id}-monitor-{interval}"))
                    .with_attr("name", "monitor")
                    .with_attr("interval", interval)
                    .with_attr("timeout", timeout),
            ),
        );
    }
    Ok(p)
}

fn nvpair_set(tag: &str, id: &str, pairs: &[(&str, &str)]) -> Element {
    let mut set = Element::new(tag).with_attr("id", id);
    for (name, value) in pairs {
        set = set.with_child(
            Element::new("nvpair")
                .with_attr("id", format!("{id}-{name}"))
                .with_attr("name", *name)
                .with_attr("value", *value),
        );
    }
    set
}

/// `-INFINITY` where the `pingd` attribute is missing or 0: a node that lost its ping nodes
/// (its public network) may not run the group.
fn connectivity_rule(rsc: &str) -> Element {
    let id = format!("{rsc}-connected");
    let expr = |n: &str, op: &str| {
        let mut e = Element::new("expression")
            .with_attr("id", format!("{id}-{n}"))
            .with_attr("attribute", "pingd")
            .with_attr("operation", op);
        if op == "lte" {
            e = e.with_attr("value", "0").with_attr("type", "number");
        }
        e
    };
    Element::new("rsc_location")
        .with_attr("id", id.clone())
        .with_attr("rsc", rsc)
        .with_child(
            Element::new("rule")
                .with_attr("id", format!("{id}-rule"))
                .with_attr("score", "-INFINITY")
                .with_attr("boolean-op", "or")
                .with_child(expr("undefined", "not_defined"))
                .with_child(expr("zero", "lte")),
        )
}

fn location_preference(rsc: &str, node: &str) -> Element {
    Element::new("rsc_location")
        .with_attr("id", format!("{rsc}-prefers-{node}"))
        .with_attr("rsc", rsc)
        .with_child(
            Element::new("rule")
                .with_attr("id", format!("{rsc}-prefers-{node}-rule"))
                .with_attr("score", "100")
                .with_child(
                    Element::new("expression")
                        .with_attr("id", format!("{rsc}-prefers-{node}-expr"))
                        .with_attr("attribute", "#uname")
                        .with_attr("operation", "eq")
                        .with_attr("value", node),
                ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> ImportOptions {
        ImportOptions {
            nodes: vec!["node1".into(), "node2".into()],
            resource_dirs: vec![],
            ..Default::default()
        }
    }

    #[test]
    fn classic_line_becomes_a_group_with_ip_and_service() {
        let hr = HaResources::parse("# web\nnode1 IPaddr::10.0.0.5/24/eth0 nginx\n").unwrap();
        let cib = hr.to_cib(&nodes()).unwrap();
        let group = cib.find_by_id("group_1").expect("group");
        let kids: Vec<_> = group.children_named("primitive").collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].id(), Some("IPaddr_10_0_0_5"));
        assert_eq!(kids[0].attr("class"), Some("ocf"));
        let ip = kids[0]
            .find_by_id("IPaddr_10_0_0_5-instance_attributes-cidr_netmask")
            .unwrap();
        assert_eq!(ip.attr("value"), Some("24"));
        assert_eq!(
            kids[0]
                .find_by_id("IPaddr_10_0_0_5-instance_attributes-nic")
                .unwrap()
                .attr("value"),
            Some("eth0")
        );
        assert_eq!(kids[1].attr("class"), Some("lsb"));
        assert_eq!(kids[1].attr("type"), Some("nginx"));
        let expr = cib.find_by_id("group_1-prefers-node1-expr").unwrap();
        assert_eq!(expr.attr("value"), Some("node1"));
    }

    #[test]
    fn bare_address_continuations_and_broadcast() {
        let hr = HaResources::parse(
            "node2 135.9.8.7/24/eth0/135.9.8.210 \\\n   Filesystem::/dev/sdb1::/data::ext4\n",
        )
        .unwrap();
        assert_eq!(hr.groups.len(), 1);
        assert_eq!(hr.groups[0].resources[0].agent, "IPaddr");
        let cib = hr.to_cib(&nodes()).unwrap();
        let b = cib
            .find_by_id("IPaddr_135_9_8_7-instance_attributes-broadcast")
            .unwrap();
        assert_eq!(b.attr("value"), Some("135.9.8.210"));
        let fstype = cib
            .find_by_id("Filesystem-instance_attributes-fstype")
            .unwrap();
        assert_eq!(fstype.attr("value"), Some("ext4"));
    }

    #[test]
    fn heartbeat_scripts_keep_positional_arguments() {
        let dir = std::env::temp_dir().join(format!("hares-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("drbddisk"), "#!/bin/sh\n").unwrap();
        let opts = ImportOptions {
            resource_dirs: vec![dir.clone()],
            ..nodes()
        };
        let cib = HaResources::parse("node1 drbddisk::r0")
            .unwrap()
            .to_cib(&opts)
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let p = cib.find_by_id("drbddisk").unwrap();
        assert_eq!(p.attr("class"), Some("heartbeat"));
        assert_eq!(
            cib.find_by_id("drbddisk-instance_attributes-1")
                .unwrap()
                .attr("value"),
            Some("r0")
        );
    }

    #[test]
    fn ocf_resources_come_from_the_provider_that_has_the_agent() {
        let root = tempfile::tempdir().unwrap();
        let hr = HaResources::parse("node1 IPaddr::10.0.0.9/24/eth0").unwrap();
        let provider = |root: &Path| {
            let opts = ImportOptions {
                ocf_root: root.to_path_buf(),
                ..nodes()
            };
            let cib = hr.to_cib(&opts).unwrap();
            let p = cib.find_by_id("IPaddr_10_0_0_9").unwrap();
            p.attr("provider").unwrap().to_string()
        };
        // Nothing installed: ClusterLabs' name, so the missing agent is reported by name.
        assert_eq!(provider(root.path()), "heartbeat");
        let ours = root.path().join("resource.d/heartbeat-rs");
        std::fs::create_dir_all(&ours).unwrap();
        std::fs::write(ours.join("IPaddr"), "").unwrap();
        assert_eq!(provider(root.path()), "heartbeat-rs");
        let theirs = root.path().join("resource.d/heartbeat");
        std::fs::create_dir_all(&theirs).unwrap();
        std::fs::write(theirs.join("IPaddr"), "").unwrap();
        assert_eq!(
            provider(root.path()),
            "heartbeat",
            "resource-agents wins when installed"
        );
    }

    #[test]
    fn auto_failback_off_makes_resources_sticky() {
        let hr = HaResources::parse("node1 10.0.0.9").unwrap();
        let opts = ImportOptions {
            auto_failback: AutoFailback::Off,
            ..nodes()
        };
        let cib = hr.to_cib(&opts).unwrap();
        let s = cib.find_by_id("rsc-options-resource-stickiness").unwrap();
        assert_eq!(s.attr("value"), Some("INFINITY"));
        assert!(!cib.to_xml().contains("pingd"), "no ping nodes, no rule");
        let with_ping = hr
            .to_cib(&ImportOptions {
                connectivity_rule: true,
                ..nodes()
            })
            .unwrap();
        let rule = with_ping
            .find_by_id("IPaddr_10_0_0_9-connected-rule")
            .expect("connectivity rule");
        assert_eq!(rule.attr("score"), Some("-INFINITY"));
        assert_eq!(rule.children_named("expression").count(), 2);
        // A lone resource is a primitive, not a group.
        assert!(cib.find_by_id("group_1").is_none());
        assert_eq!(cib.find_by_id("IPaddr_10_0_0_9").unwrap().name, "primitive");
    }

    #[test]
    fn mistakes_are_reported_with_their_line() {
        let err = HaResources::parse("\nnode3 10.0.0.1")
            .unwrap()
            .to_cib(&nodes())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: Bad nodename in haresources [node3]"
        );
        let err = HaResources::parse("node1 a\nnode2 a").unwrap_err();
        assert!(
            matches!(
                err,
                HaResourcesError::DuplicateGroup {
                    line: 2,
                    first: 1,
                    ..
                }
            ),
            "{err}"
        );
        let err = HaResources::parse("node1 IPaddr::10.0.0/24")
            .unwrap()
            .to_cib(&nodes())
            .unwrap_err();
        assert!(
            matches!(err, HaResourcesError::BadAddress { line: 1, .. }),
            "{err}"
        );
        assert!(matches!(
            HaResources::parse("node1\n").unwrap_err(),
            HaResourcesError::NoResources { .. }
        ));
    }
}
