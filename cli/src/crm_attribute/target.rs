//! Where an attribute lives: the CIB section, the node, and the kind of set that holds it.
//!
//! Pacemaker's placement rules: cluster options in `crm_config`'s `cluster_property_set`s;
//! permanent node attributes in the `<node>`'s `instance_attributes` (or `utilization` with
//! `-z`); reboot-lifetime ones in `status/node_state/transient_attributes`; defaults in the
//! `meta_attributes` of `rsc_defaults` / `op_defaults`. A new set gets the id Pacemaker gives
//! it (`cib-bootstrap-options`, `nodes-<id>`, `status-<id>`, `<section>-options`).

use super::args::Options;
use cib::Element;

/// One of the sections `-t` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Cluster options.
    CrmConfig,
    /// Permanent node attributes.
    Nodes,
    /// Transient node attributes.
    Status,
    /// Resource defaults.
    RscDefaults,
    /// Operation defaults.
    OpDefaults,
}

impl Section {
    /// The name Pacemaker prints (`scope=...`).
    pub fn name(self) -> &'static str {
        match self {
            Section::CrmConfig => "crm_config",
            Section::Nodes => "nodes",
            Section::Status => "status",
            Section::RscDefaults => "rsc_defaults",
            Section::OpDefaults => "op_defaults",
        }
    }

    /// Parses a `-t` value.
    pub fn parse(text: &str) -> Option<Section> {
        Some(match text {
            "crm_config" => Section::CrmConfig,
            "nodes" => Section::Nodes,
            "status" => Section::Status,
            "rsc_defaults" => Section::RscDefaults,
            "op_defaults" => Section::OpDefaults,
            _ => return None,
        })
    }

    /// The noun in "Deleted <section> <noun>: ..." messages.
    pub fn noun(self) -> &'static str {
        match self {
            Section::Nodes | Section::Status => "attribute",
            _ => "option",
        }
    }
}

/// A resolved target: the section, the node (id) for node sections, and the set element name.
#[derive(Debug, Clone)]
pub struct Target {
    /// The section.
    pub section: Section,
    /// The node id (`<node id>` / `<node_state id>`), for nodes and status.
    pub node_id: Option<String>,
    /// `instance_attributes`, `utilization`, `cluster_property_set` or `meta_attributes`.
    pub set_tag: &'static str,
    /// The id for a new set.
    pub default_set_id: String,
}

/// Why a target could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// `-t` names no section.
    #[error("Invalid value for --type: {0}")]
    BadSection(String),
    /// The node is not in the CIB.
    #[error("Could not map name={0} to a UUID")]
    UnknownNode(String),
}

/// The section the options select: `-t`, else `status` for reboot lifetime or promotion
/// scores, `nodes` when a node is named, else `crm_config`.
pub fn section_of(opts: &Options) -> Result<Section, TargetError> {
    if let Some(t) = &opts.section {
        let s = Section::parse(t).ok_or_else(|| TargetError::BadSection(t.clone()))?;
        // `-t nodes -l reboot` means the transient attributes.
        if s == Section::Nodes && opts.lifetime.as_deref() == Some("reboot") {
            return Ok(Section::Status);
        }
        return Ok(s);
    }
    match opts.lifetime.as_deref() {
        Some("reboot") => Ok(Section::Status),
        Some(_) => Ok(Section::Nodes),
        None if opts.promotion.is_some() => Ok(Section::Status),
        None if opts.node.is_some() || opts.utilization => Ok(Section::Nodes),
        None => Ok(Section::CrmConfig),
    }
}

/// The id of node `name`: a `<node>` with that uname or id, else a `<node_state>`.
pub fn node_id(cib: &Element, name: &str) -> Option<String> {
    let configured = cib
        .child("configuration")
        .and_then(|c| c.child("nodes"))
        .into_iter()
        .flat_map(|n| n.children_named("node"))
        .find(|n| n.attr("uname") == Some(name))
        .or_else(|| {
            cib.child("configuration")
                .and_then(|c| c.child("nodes"))
                .into_iter()
                .flat_map(|n| n.children_named("node"))
                .find(|n| n.attr("id") == Some(name) && n.attr("uname").is_none())
        })
        .and_then(|n| n.id().map(str::to_string));
    configured.or_else(|| {
        cib.child("status")
            .into_iter()
            .flat_map(|s| s.children_named("node_state"))
            .find(|n| n.attr("uname") == Some(name))
            .and_then(|n| n.id().map(str::to_string))
    })
}

/// Resolves the target of `opts` in `cib`; `local_node` names the node when `-N` is absent.
pub fn resolve(opts: &Options, cib: &Element, local_node: &str) -> Result<Target, TargetError> {
    let section = section_of(opts)?;
    let (node_id, set_tag, default_set_id) = match section {
        Section::CrmConfig => (
            None,
            "cluster_property_set",
            "cib-bootstrap-options".to_string(),
        ),
        Section::RscDefaults | Section::OpDefaults => (
            None,
            "meta_attributes",
            format!("{}-options", section.name()),
        ),
        Section::Nodes | Section::Status => {
            let name = opts.node.as_deref().unwrap_or(local_node);
            let id = node_id(cib, name).ok_or_else(|| TargetError::UnknownNode(name.into()))?;
            let (tag, set) = match (section, opts.utilization) {
                (Section::Nodes, true) => ("utilization", format!("nodes-{id}-utilization")),
                (Section::Nodes, false) => ("instance_attributes", format!("nodes-{id}")),
                (_, true) => ("utilization", format!("status-{id}-utilization")),
                (_, false) => ("instance_attributes", format!("status-{id}")),
            };
            (Some(id), tag, set)
        }
    };
    Ok(Target {
        section,
        node_id,
        set_tag,
        default_set_id,
    })
}

/// The elements holding the sets (`crm_config`, the `<node>`, the `transient_attributes`)
/// that exist. A node's state may hold several `transient_attributes` blocks; Pacemaker
/// searches them all.
pub fn containers<'a>(cib: &'a Element, t: &Target) -> Vec<&'a Element> {
    let config = |name: &str| {
        cib.child("configuration")
            .and_then(|c| c.child(name))
            .into_iter()
            .collect::<Vec<_>>()
    };
    match t.section {
        Section::CrmConfig => config("crm_config"),
        Section::RscDefaults => config("rsc_defaults"),
        Section::OpDefaults => config("op_defaults"),
        Section::Nodes => config("nodes")
            .into_iter()
            .flat_map(|n| n.children_named("node"))
            .filter(|n| n.id() == t.node_id.as_deref())
            .take(1)
            .collect(),
        Section::Status => cib
            .child("status")
            .into_iter()
            .flat_map(|s| s.children_named("node_state"))
            .filter(|n| n.id() == t.node_id.as_deref())
            .take(1)
            .flat_map(|n| n.children_named("transient_attributes"))
            .collect(),
    }
}

/// Like [`container`], creating what is missing.
pub fn container_mut<'a>(cib: &'a mut Element, t: &Target) -> &'a mut Element {
    let id = t.node_id.clone().unwrap_or_default();
    match t.section {
        Section::CrmConfig => cib
            .child_or_insert("configuration")
            .child_or_insert("crm_config"),
        Section::RscDefaults => cib
            .child_or_insert("configuration")
            .child_or_insert("rsc_defaults"),
        Section::OpDefaults => cib
            .child_or_insert("configuration")
            .child_or_insert("op_defaults"),
        Section::Nodes => {
            let nodes = cib
                .child_or_insert("configuration")
                .child_or_insert("nodes");
            child_with_id(nodes, "node", &id)
        }
        Section::Status => {
            let status = cib.child_or_insert("status");
            let state = child_with_id(status, "node_state", &id);
            child_with_id(state, "transient_attributes", &id)
        }
    }
}

/// Every existing container, mutable (all `transient_attributes` blocks of the node's state).
pub fn containers_mut<'a>(cib: &'a mut Element, t: &Target) -> Vec<&'a mut Element> {
    if t.section != Section::Status {
        return vec![container_mut(cib, t)];
    }
    let id = t.node_id.as_deref();
    cib.elements_mut()
        .filter(|s| s.name == "status")
        .flat_map(|s| s.elements_mut())
        .filter(|n| n.name == "node_state" && n.id() == id)
        .take(1)
        .flat_map(|n| n.elements_mut())
        .filter(|e| e.name == "transient_attributes")
        .collect()
}

/// The child `<tag id=id>` of `parent`, appended if missing.
pub fn child_with_id<'a>(parent: &'a mut Element, tag: &str, id: &str) -> &'a mut Element {
    let pos = parent
        .elements()
        .position(|e| e.name == tag && e.id() == Some(id));
    match pos {
        Some(p) => parent.elements_mut().nth(p).expect("position found"),
        None => {
            parent
                .children
                .push(cib::Node::Element(Element::new(tag).with_attr("id", id)));
            parent.elements_mut().last().expect("just pushed")
        }
    }
}
