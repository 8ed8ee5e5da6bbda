//! Resources: primitives (and templates), groups, clones (promotable or not) and bundles.

use super::nvpair::{same_option_name, NvSet};
use super::{optional, required, IdIndex, ModelError};
use crate::Element;
use vocab::{parse_bool, parse_duration_ms};

/// A resource under `<resources>`.
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// `<primitive>`.
    Primitive(Primitive),
    /// `<group>`.
    Group(Group),
    /// `<clone>`, `<master>` or Heartbeat 2.x `<master_slave>`.
    Clone(Clone),
    /// `<bundle>`.
    Bundle(Bundle),
}

impl Resource {
    /// Reads a resource element; `None` for tags that are not resources (e.g. `<template>`).
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Option<Resource>, ModelError> {
        Ok(Some(match e.name.as_str() {
            "primitive" | "native" => Resource::Primitive(Primitive::from_element(e, ids)?),
            "group" => Resource::Group(Group::from_element(e, ids)?),
            "clone" | "master" | "master_slave" => Resource::Clone(Clone::from_element(e, ids)?),
            "bundle" => Resource::Bundle(Bundle::from_element(e, ids)?),
            _ => return Ok(None),
        }))
    }

    /// The resource's id.
    pub fn id(&self) -> &str {
        match self {
            Resource::Primitive(p) => &p.id,
            Resource::Group(g) => &g.id,
            Resource::Clone(c) => &c.id,
            Resource::Bundle(b) => &b.id,
        }
    }

    /// The resource's meta-attribute sets.
    pub fn meta_attributes(&self) -> &[NvSet] {
        match self {
            Resource::Primitive(p) => &p.meta_attributes,
            Resource::Group(g) => &g.meta_attributes,
            Resource::Clone(c) => &c.meta_attributes,
            Resource::Bundle(b) => &b.meta_attributes,
        }
    }

    /// Every primitive inside (itself for a primitive), in document order.
    pub fn primitives(&self) -> Vec<&Primitive> {
        match self {
            Resource::Primitive(p) => vec![p],
            Resource::Group(g) => g.members.iter().collect(),
            Resource::Clone(c) => c.child.primitives(),
            Resource::Bundle(b) => b.primitive.iter().collect(),
        }
    }
}

/// A meta value: from the meta sets (first found), else from a legacy XML attribute of the
/// same name (Heartbeat 2.x wrote `is_managed="false"` on the element itself).
fn meta_value<'a>(sets: &'a [NvSet], legacy: &'a Element, name: &str) -> Option<&'a str> {
    super::nvpair::lookup(sets, name).or_else(|| {
        legacy
            .attrs
            .iter()
            .find(|(k, _)| same_option_name(k, name))
            .map(|(_, v)| v.as_str())
    })
}

/// A `<primitive>` (or `<template>`): one agent instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Primitive {
    /// `id`.
    pub id: String,
    /// `class` (ocf, lsb, systemd, service, stonith, heartbeat, ...); `None` when from a template.
    pub class: Option<String>,
    /// `provider` (ocf only).
    pub provider: Option<String>,
    /// `type`: the agent.
    pub agent: Option<String>,
    /// `template`: the template this primitive inherits from.
    pub template: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `instance_attributes`: agent parameters.
    pub instance_attributes: Vec<NvSet>,
    /// `meta_attributes`.
    pub meta_attributes: Vec<NvSet>,
    /// `utilization`.
    pub utilization: Vec<NvSet>,
    /// `operations/op`.
    pub operations: Vec<Op>,
    legacy: Element,
}

impl Primitive {
    /// Reads a `<primitive>` or `<template>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Primitive, ModelError> {
        let mut operations = Vec::new();
        for ops in e.children_named("operations") {
            let ops = ops.attr("id-ref").and_then(|r| ids.get(r)).unwrap_or(ops);
            for op in ops.children_named("op") {
                operations.push(Op::from_element(op, ids)?);
            }
        }
        let mut legacy = Element::new(e.name.clone());
        legacy.attrs = e.attrs.clone();
        Ok(Primitive {
            id: required(e, "id")?.to_string(),
            class: optional(e, "class"),
            provider: optional(e, "provider"),
            agent: optional(e, "type"),
            template: optional(e, "template"),
            description: optional(e, "description"),
            instance_attributes: NvSet::all_in(e, "instance_attributes", ids)?,
            meta_attributes: NvSet::all_in(e, "meta_attributes", ids)?,
            utilization: NvSet::all_in(e, "utilization", ids)?,
            operations,
            legacy,
        })
    }

    /// A meta-attribute (meta sets first, then a Heartbeat-2.x XML attribute).
    pub fn meta(&self, name: &str) -> Option<&str> {
        meta_value(&self.meta_attributes, &self.legacy, name)
    }

    /// An agent parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        super::nvpair::lookup(&self.instance_attributes, name)
    }

    /// This primitive with its `template` applied: the template supplies class, provider and
    /// type when the primitive has none, and its attribute sets and operations come after the
    /// primitive's own (first value found wins, so the primitive's settings take precedence;
    /// an operation with the same name and interval as one of the primitive's is dropped).
    pub fn with_template(&self, template: &Primitive) -> Primitive {
        let mut out = self.clone();
        out.class = self.class.clone().or_else(|| template.class.clone());
        out.provider = self.provider.clone().or_else(|| template.provider.clone());
        out.agent = self.agent.clone().or_else(|| template.agent.clone());
        out.instance_attributes
            .extend(template.instance_attributes.iter().cloned());
        out.meta_attributes
            .extend(template.meta_attributes.iter().cloned());
        out.utilization.extend(template.utilization.iter().cloned());
        for op in &template.operations {
            let overridden = self
                .operations
                .iter()
                .any(|o| o.name == op.name && o.interval_ms == op.interval_ms);
            if !overridden {
                out.operations.push(op.clone());
            }
        }
        out
    }

    /// `class:provider:type` as crm_mon prints it.
    pub fn agent_spec(&self) -> String {
        let class = self.class.as_deref().unwrap_or("");
        let agent = self.agent.as_deref().unwrap_or("");
        match &self.provider {
            Some(p) => format!("{class}:{p}:{agent}"),
            None => format!("{class}:{agent}"),
        }
    }
}

/// An `<op>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// `id`.
    pub id: Option<String>,
    /// `name`: the action.
    pub name: String,
    /// `interval` in ms (0 when absent or unparsable).
    pub interval_ms: u64,
    /// `timeout` in ms, if set and valid.
    pub timeout_ms: Option<u64>,
    /// `role`.
    pub role: Option<String>,
    /// `on-fail` (Heartbeat 2.x `on_fail`).
    pub on_fail: Option<String>,
    /// `enabled` (false when `enabled=false` or Heartbeat 2.x `disabled=true`).
    pub enabled: bool,
    /// `start-delay` in ms.
    pub start_delay_ms: Option<u64>,
    /// The op's own `meta_attributes` and `instance_attributes`.
    pub attributes: Vec<NvSet>,
}

impl Op {
    /// Reads an `<op>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Op, ModelError> {
        let e = e.attr("id-ref").and_then(|r| ids.get(r)).unwrap_or(e);
        let either = |a: &str, b: &str| e.attr(a).or_else(|| e.attr(b));
        let enabled = match (e.attr("enabled"), e.attr("disabled")) {
            (Some(v), _) => parse_bool(v).unwrap_or(true),
            (None, Some(d)) => !parse_bool(d).unwrap_or(false),
            (None, None) => true,
        };
        let mut attributes = NvSet::all_in(e, "meta_attributes", ids)?;
        attributes.extend(NvSet::all_in(e, "instance_attributes", ids)?);
        Ok(Op {
            id: optional(e, "id"),
            name: required(e, "name")?.to_string(),
            interval_ms: e
                .attr("interval")
                .and_then(|v| parse_duration_ms(v).ok())
                .unwrap_or(0),
            timeout_ms: e.attr("timeout").and_then(|v| parse_duration_ms(v).ok()),
            role: optional(e, "role"),
            on_fail: either("on-fail", "on_fail").map(str::to_string),
            enabled,
            start_delay_ms: either("start-delay", "start_delay")
                .and_then(|v| parse_duration_ms(v).ok()),
            attributes,
        })
    }
}

/// A `<group>`: an ordered, colocated chain of primitives.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `id`.
    pub id: String,
    /// The members in order.
    pub members: Vec<Primitive>,
    /// `meta_attributes`.
    pub meta_attributes: Vec<NvSet>,
    legacy: Element,
}

impl Group {
    /// Reads a `<group>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Group, ModelError> {
        let mut legacy = Element::new(e.name.clone());
        legacy.attrs = e.attrs.clone();
        Ok(Group {
            id: required(e, "id")?.to_string(),
            members: e
                .children_named("primitive")
                .map(|p| Primitive::from_element(p, ids))
                .collect::<Result<_, _>>()?,
            meta_attributes: NvSet::all_in(e, "meta_attributes", ids)?,
            legacy,
        })
    }

    /// A meta-attribute (meta sets first, then a Heartbeat-2.x XML attribute).
    pub fn meta(&self, name: &str) -> Option<&str> {
        meta_value(&self.meta_attributes, &self.legacy, name)
    }
}

/// A `<clone>`, `<master>` or `<master_slave>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clone {
    /// `id`.
    pub id: String,
    /// The tag it was written with.
    pub tag: String,
    /// The cloned primitive or group.
    pub child: Box<Resource>,
    /// `meta_attributes`.
    pub meta_attributes: Vec<NvSet>,
    legacy: Element,
}

impl Clone {
    /// Reads a clone; it must hold a primitive or a group.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Clone, ModelError> {
        let id = required(e, "id")?.to_string();
        let child = e
            .elements()
            .find(|c| matches!(c.name.as_str(), "primitive" | "group"))
            .ok_or_else(|| ModelError::MissingAttribute {
                element: e.name.clone(),
                attribute: "primitive or group child",
                line: e.line,
            })?;
        let child = Resource::from_element(child, ids)?.expect("primitive or group");
        let mut legacy = Element::new(e.name.clone());
        legacy.attrs = e.attrs.clone();
        Ok(Clone {
            id,
            tag: e.name.clone(),
            child: Box::new(child),
            meta_attributes: NvSet::all_in(e, "meta_attributes", ids)?,
            legacy,
        })
    }

    /// A meta-attribute (meta sets first, then a Heartbeat-2.x XML attribute).
    pub fn meta(&self, name: &str) -> Option<&str> {
        meta_value(&self.meta_attributes, &self.legacy, name)
    }

    /// Promotable: `<master>`, `<master_slave>` or meta `promotable=true`.
    pub fn promotable(&self) -> bool {
        self.tag != "clone"
            || self
                .meta("promotable")
                .is_some_and(|v| parse_bool(v).unwrap_or(false))
    }
}

/// A `<bundle>`: the container settings stay XML; the inner primitive is typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// `id`.
    pub id: String,
    /// The primitive run inside the containers, if any.
    pub primitive: Option<Primitive>,
    /// `meta_attributes`.
    pub meta_attributes: Vec<NvSet>,
    /// The `<docker>`/`<podman>`/`<rkt>`, `<network>` and `<storage>` elements.
    pub settings: Vec<Element>,
}

impl Bundle {
    /// Reads a `<bundle>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Bundle, ModelError> {
        Ok(Bundle {
            id: required(e, "id")?.to_string(),
            primitive: e
                .child("primitive")
                .map(|p| Primitive::from_element(p, ids))
                .transpose()?,
            meta_attributes: NvSet::all_in(e, "meta_attributes", ids)?,
            settings: e
                .elements()
                .filter(|c| !matches!(c.name.as_str(), "primitive" | "meta_attributes"))
                .cloned()
                .collect(),
        })
    }
}
