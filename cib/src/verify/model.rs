//! A read-only view of the parts of a CIB the checks need: cluster options, the resource tree
//! with effective meta-attributes, and the node list.

use crate::Element;
use std::collections::HashMap;
use vocab::{is_true, parse_bool};

/// Name/value pairs of every `nvpair` under the `set_name` children of `element`.
/// The first occurrence of a name wins, as in Pacemaker (rules are not evaluated).
pub fn nvpairs<'a>(element: &'a Element, set_name: &str) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for set in element.elements().filter(|e| e.name == set_name) {
        for nv in set.children_named("nvpair") {
            if let (Some(n), Some(v)) = (nv.attr("name"), nv.attr("value")) {
                if !out.iter().any(|(k, _)| *k == n) {
                    out.push((n, v));
                }
            }
        }
    }
    out
}

/// One configured resource (any variant) and where it sits in the tree.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    /// The `primitive`/`group`/`clone`/`master`/`bundle` element.
    pub xml: &'a Element,
    /// Index of the parent resource in [`Cluster::resources`].
    pub parent: Option<usize>,
    /// Effective meta-attributes: element attributes, own sets, inherited, then rsc_defaults.
    pub meta: HashMap<String, String>,
}

impl<'a> Resource<'a> {
    /// The resource id.
    pub fn id(&self) -> &'a str {
        self.xml.id().unwrap_or("")
    }

    /// A meta-attribute's effective value.
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.meta.get(name).map(String::as_str)
    }

    /// True for clone-like variants (`clone` and the legacy `master`).
    pub fn is_clone(&self) -> bool {
        matches!(self.xml.name.as_str(), "clone" | "master")
    }

    /// True for a promotable clone.
    pub fn is_promotable(&self) -> bool {
        self.xml.name == "master"
            || (self.xml.name == "clone" && self.meta("promotable").is_some_and(is_true))
    }
}

/// A node from the `nodes` section.
#[derive(Debug, Clone)]
pub struct ConfiguredNode<'a> {
    /// The `node` element.
    pub xml: &'a Element,
    /// Its uname.
    pub uname: &'a str,
    /// True when `type` is `remote` (a Pacemaker Remote node).
    pub remote: bool,
}

/// The configuration as the checks see it.
#[derive(Debug)]
pub struct Cluster<'a> {
    /// The `cib` element.
    pub cib: &'a Element,
    /// Cluster options from `crm_config`.
    pub options: HashMap<&'a str, &'a str>,
    /// Every resource, parents before children.
    pub resources: Vec<Resource<'a>>,
    /// Nodes from the `nodes` section.
    pub nodes: Vec<ConfiguredNode<'a>>,
}

impl<'a> Cluster<'a> {
    /// Builds the view from a `cib` root element.
    pub fn new(cib: &'a Element) -> Self {
        let config = cib.child("configuration");
        let mut options = HashMap::new();
        if let Some(crm) = config.and_then(|c| c.child("crm_config")) {
            for (n, v) in nvpairs(crm, "cluster_property_set") {
                options.entry(n).or_insert(v);
            }
        }
        let defaults: Vec<(String, String)> = config
            .and_then(|c| c.child("rsc_defaults"))
            .map(|d| {
                nvpairs(d, "meta_attributes")
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut resources = Vec::new();
        if let Some(top) = config.and_then(|c| c.child("resources")) {
            for e in top.elements() {
                collect_resource(e, None, &defaults, &mut resources);
            }
        }
        let nodes = config
            .and_then(|c| c.child("nodes"))
            .map(|n| {
                n.children_named("node")
                    .map(|xml| ConfiguredNode {
                        xml,
                        uname: xml.attr("uname").unwrap_or(""),
                        remote: xml.attr("type") == Some("remote"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Cluster {
            cib,
            options,
            resources,
            nodes,
        }
    }

    /// A cluster option's value.
    pub fn option(&self, name: &str) -> Option<&'a str> {
        self.options.get(name).copied()
    }

    /// `stonith-enabled` (default true).
    pub fn stonith_enabled(&self) -> bool {
        self.option("stonith-enabled")
            .and_then(parse_bool)
            .unwrap_or(true)
    }

    /// `startup-fencing` (default true); meaningless without fencing.
    pub fn startup_fencing(&self) -> bool {
        self.stonith_enabled()
            && self
                .option("startup-fencing")
                .and_then(parse_bool)
                .unwrap_or(true)
    }

    /// `maintenance-mode` (default false).
    pub fn maintenance_mode(&self) -> bool {
        self.option("maintenance-mode").is_some_and(is_true)
    }

    /// `stop-orphan-resources` (default true).
    pub fn stop_orphans(&self) -> bool {
        self.option("stop-orphan-resources")
            .and_then(parse_bool)
            .unwrap_or(true)
    }

    /// The resource with this id.
    pub fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.resources.iter().find(|r| r.id() == id)
    }

    /// The outermost ancestor of resource `index`.
    pub fn top(&self, mut index: usize) -> &Resource<'a> {
        while let Some(p) = self.resources[index].parent {
            index = p;
        }
        &self.resources[index]
    }

    /// Primitives, with their index.
    pub fn primitives(&self) -> impl Iterator<Item = (usize, &Resource<'a>)> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.xml.name == "primitive")
    }

    /// True when some primitive is a fencing device.
    pub fn has_fencing_device(&self) -> bool {
        self.primitives()
            .any(|(_, r)| r.xml.attr("class") == Some("stonith"))
    }

    /// Names of Pacemaker Remote and guest nodes the resources define.
    pub fn remote_node_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (_, r) in self.primitives() {
            if r.xml.attr("class") == Some("ocf")
                && r.xml.attr("provider") == Some("pacemaker")
                && r.xml.attr("type") == Some("remote")
            {
                out.push(r.id().to_string());
            }
            if let Some(guest) = r.meta("remote-node") {
                out.push(guest.to_string());
            }
        }
        out.extend(self.bundle_node_names());
        out
    }

    /// Guest nodes the bundles create: `<bundle>-<replica>` for bundles that hold a resource.
    pub fn bundle_node_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for b in self.resources.iter().filter(|r| r.xml.name == "bundle") {
            if b.xml.child("primitive").is_none() {
                continue;
            }
            let replicas = ["docker", "podman", "rkt"]
                .iter()
                .find_map(|c| b.xml.child(c))
                .and_then(|c| {
                    c.attr("replicas")
                        .or(c.attr("masters"))
                        .or(c.attr("promoted-max"))
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1);
            out.extend((0..replicas).map(|i| format!("{}-{i}", b.id())));
        }
        out
    }

    /// Names of guest nodes (run inside a resource, fenced by recovering it).
    pub fn guest_node_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .primitives()
            .filter_map(|(_, r)| r.meta("remote-node").map(str::to_string))
            .collect();
        out.extend(self.bundle_node_names());
        out
    }
}

fn collect_resource<'a>(
    xml: &'a Element,
    parent: Option<usize>,
    defaults: &[(String, String)],
    out: &mut Vec<Resource<'a>>,
) {
    if !matches!(
        xml.name.as_str(),
        "primitive" | "group" | "clone" | "master" | "bundle"
    ) {
        return;
    }
    let mut meta: HashMap<String, String> = HashMap::new();
    for (k, v) in &xml.attrs {
        meta.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for (k, v) in nvpairs(xml, "meta_attributes") {
        meta.entry(k.to_string()).or_insert_with(|| v.to_string());
    }
    if let Some(p) = parent {
        for (k, v) in &out[p].meta {
            if k != "id" {
                meta.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    for (k, v) in defaults {
        meta.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let index = out.len();
    out.push(Resource { xml, parent, meta });
    for child in xml.elements() {
        collect_resource(child, Some(index), defaults, out);
    }
}
