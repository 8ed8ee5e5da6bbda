//! The `<configuration>` section and its smaller parts: nodes, fencing topology, alerts, tags
//! and ACLs.

use super::constraints::Constraint;
use super::nvpair::{lookup, NvSet};
use super::resources::{Primitive, Resource};
use super::{optional, required, IdIndex, ModelError};
use crate::Element;

/// `<configuration>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Configuration {
    /// `crm_config/cluster_property_set`.
    pub crm_config: Vec<NvSet>,
    /// `nodes/node`.
    pub nodes: Vec<NodeDef>,
    /// Top-level resources in order.
    pub resources: Vec<Resource>,
    /// `resources/template`.
    pub templates: Vec<Primitive>,
    /// Constraints in order.
    pub constraints: Vec<Constraint>,
    /// `rsc_defaults/meta_attributes`.
    pub rsc_defaults: Vec<NvSet>,
    /// `op_defaults/meta_attributes`.
    pub op_defaults: Vec<NvSet>,
    /// `fencing-topology/fencing-level`.
    pub fencing_levels: Vec<FencingLevel>,
    /// `alerts/alert`.
    pub alerts: Vec<Alert>,
    /// `tags/tag`.
    pub tags: Vec<Tag>,
    /// `acls`.
    pub acls: Acls,
}

impl Configuration {
    /// Reads `<configuration>`; `ids` indexes the whole CIB for `id-ref`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Configuration, ModelError> {
        let section = |name: &str| e.child(name);
        let mut conf = Configuration::default();
        if let Some(c) = section("crm_config") {
            conf.crm_config = NvSet::all_in(c, "cluster_property_set", ids)?;
        }
        if let Some(n) = section("nodes") {
            conf.nodes = n
                .children_named("node")
                .map(|x| NodeDef::from_element(x, ids))
                .collect::<Result<_, _>>()?;
        }
        if let Some(r) = section("resources") {
            for child in r.elements() {
                if child.name == "template" {
                    conf.templates.push(Primitive::from_element(child, ids)?);
                } else if let Some(res) = Resource::from_element(child, ids)? {
                    conf.resources.push(res);
                }
            }
        }
        if let Some(c) = section("constraints") {
            for child in c.elements() {
                if let Some(con) = Constraint::from_element(child, ids)? {
                    conf.constraints.push(con);
                }
            }
        }
        for (name, slot) in [
            ("rsc_defaults", &mut conf.rsc_defaults),
            ("op_defaults", &mut conf.op_defaults),
        ] {
            if let Some(d) = section(name) {
                *slot = NvSet::all_in(d, "meta_attributes", ids)?;
            }
        }
        if let Some(f) = section("fencing-topology") {
            conf.fencing_levels = f
                .children_named("fencing-level")
                .map(FencingLevel::from_element)
                .collect::<Result<_, _>>()?;
        }
        if let Some(a) = section("alerts") {
            conf.alerts = a
                .children_named("alert")
                .map(|x| Alert::from_element(x, ids))
                .collect::<Result<_, _>>()?;
        }
        if let Some(t) = section("tags") {
            conf.tags = t
                .children_named("tag")
                .map(Tag::from_element)
                .collect::<Result<_, _>>()?;
        }
        if let Some(a) = section("acls") {
            conf.acls = Acls::from_element(a);
        }
        Ok(conf)
    }

    /// A cluster option (`cib-bootstrap-options` first, then by set score; `_` = `-`), rules
    /// not evaluated.
    pub fn option(&self, name: &str) -> Option<&str> {
        lookup(&self.crm_config, name)
    }

    /// A resource default (`rsc_defaults`), rules not evaluated.
    pub fn rsc_default(&self, name: &str) -> Option<&str> {
        lookup(&self.rsc_defaults, name)
    }

    /// An operation default (`op_defaults`), rules not evaluated.
    pub fn op_default(&self, name: &str) -> Option<&str> {
        lookup(&self.op_defaults, name)
    }

    /// The top-level resource with `id`, or the primitive with `id` inside one.
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id() == id)
    }

    /// The template with `id`.
    pub fn template(&self, id: &str) -> Option<&Primitive> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// `primitive` with its template applied (itself when it has none or the template is
    /// missing).
    pub fn resolve_template(&self, primitive: &Primitive) -> Primitive {
        match primitive.template.as_deref().and_then(|t| self.template(t)) {
            Some(t) => primitive.with_template(t),
            None => primitive.clone(),
        }
    }

    /// Every primitive, in document order.
    pub fn primitives(&self) -> Vec<&Primitive> {
        self.resources
            .iter()
            .flat_map(Resource::primitives)
            .collect()
    }
}

/// `<node>` in the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeDef {
    /// `id`.
    pub id: String,
    /// `uname`.
    pub uname: Option<String>,
    /// `type` (member, remote, ping; Heartbeat 2.x `normal`).
    pub node_type: Option<String>,
    /// Permanent node attributes.
    pub instance_attributes: Vec<NvSet>,
    /// Capacity.
    pub utilization: Vec<NvSet>,
}

impl NodeDef {
    /// Reads a `<node>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<NodeDef, ModelError> {
        Ok(NodeDef {
            id: required(e, "id")?.to_string(),
            uname: optional(e, "uname"),
            node_type: optional(e, "type"),
            instance_attributes: NvSet::all_in(e, "instance_attributes", ids)?,
            utilization: NvSet::all_in(e, "utilization", ids)?,
        })
    }

    /// A permanent node attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        lookup(&self.instance_attributes, name)
    }
}

/// `<fencing-level>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FencingLevel {
    /// `id`.
    pub id: String,
    /// `index` (1..9), tried in ascending order.
    pub index: u32,
    /// `target`.
    pub target: Option<String>,
    /// `target-pattern`.
    pub target_pattern: Option<String>,
    /// `target-attribute` and `target-value`.
    pub target_attribute: Option<(String, String)>,
    /// `devices`, split on commas.
    pub devices: Vec<String>,
}

impl FencingLevel {
    /// Reads a `<fencing-level>`.
    pub fn from_element(e: &Element) -> Result<FencingLevel, ModelError> {
        let index = required(e, "index")?;
        Ok(FencingLevel {
            id: required(e, "id")?.to_string(),
            index: index.trim().parse().map_err(|_| ModelError::InvalidValue {
                element: e.name.clone(),
                attribute: "index",
                value: index.to_string(),
                reason: "not a positive integer".into(),
                line: e.line,
            })?,
            target: optional(e, "target"),
            target_pattern: optional(e, "target-pattern"),
            target_attribute: optional(e, "target-attribute")
                .map(|a| (a, optional(e, "target-value").unwrap_or_default())),
            devices: required(e, "devices")?
                .split(',')
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .collect(),
        })
    }
}

/// `<alert>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// `id`.
    pub id: String,
    /// `path`: the agent to run.
    pub path: String,
    /// `recipient value=` entries.
    pub recipients: Vec<String>,
    /// `meta_attributes` (timeout, timestamp-format, enabled).
    pub meta_attributes: Vec<NvSet>,
    /// `instance_attributes` (passed as environment).
    pub instance_attributes: Vec<NvSet>,
    /// The `<select>` element, if any.
    pub select: Option<Element>,
}

impl Alert {
    /// Reads an `<alert>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Alert, ModelError> {
        Ok(Alert {
            id: required(e, "id")?.to_string(),
            path: required(e, "path")?.to_string(),
            recipients: e
                .children_named("recipient")
                .filter_map(|r| optional(r, "value"))
                .collect(),
            meta_attributes: NvSet::all_in(e, "meta_attributes", ids)?,
            instance_attributes: NvSet::all_in(e, "instance_attributes", ids)?,
            select: e.child("select").cloned(),
        })
    }
}

/// `<tag>`: a named list of object ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// `id`.
    pub id: String,
    /// The `obj_ref` ids.
    pub refs: Vec<String>,
}

impl Tag {
    /// Reads a `<tag>`.
    pub fn from_element(e: &Element) -> Result<Tag, ModelError> {
        Ok(Tag {
            id: required(e, "id")?.to_string(),
            refs: e
                .children_named("obj_ref")
                .filter_map(|r| r.id().map(str::to_string))
                .collect(),
        })
    }
}

/// `<acls>`: kept as elements grouped by kind (evaluation is the daemons' job).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Acls {
    /// `acl_target` (and the older `acl_user`) elements.
    pub targets: Vec<Element>,
    /// `acl_group` elements.
    pub groups: Vec<Element>,
    /// `acl_role` elements.
    pub roles: Vec<Element>,
}

impl Acls {
    /// Reads `<acls>`.
    pub fn from_element(e: &Element) -> Acls {
        let pick = |names: &[&str]| -> Vec<Element> {
            e.elements()
                .filter(|c| names.contains(&c.name.as_str()))
                .cloned()
                .collect()
        };
        Acls {
            targets: pick(&["acl_target", "acl_user"]),
            groups: pick(&["acl_group"]),
            roles: pick(&["acl_role"]),
        }
    }
}
