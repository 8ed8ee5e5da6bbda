//! Constraints: location, colocation, order and ticket, with resource sets.

use super::nvpair::Rule;
use super::{optional, required, IdIndex, ModelError};
use crate::Element;
use vocab::{parse_bool, Score};

/// A constraint under `<constraints>`.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// `<rsc_location>`.
    Location(Location),
    /// `<rsc_colocation>`.
    Colocation(Colocation),
    /// `<rsc_order>`.
    Order(Order),
    /// `<rsc_ticket>`.
    Ticket(Ticket),
}

impl Constraint {
    /// Reads a constraint; `None` for other tags.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Option<Constraint>, ModelError> {
        Ok(Some(match e.name.as_str() {
            "rsc_location" => Constraint::Location(Location::from_element(e, ids)?),
            "rsc_colocation" => Constraint::Colocation(Colocation::from_element(e, ids)?),
            "rsc_order" => Constraint::Order(Order::from_element(e, ids)?),
            "rsc_ticket" => Constraint::Ticket(Ticket::from_element(e, ids)?),
            _ => return Ok(None),
        }))
    }

    /// The constraint's id.
    pub fn id(&self) -> &str {
        match self {
            Constraint::Location(c) => &c.id,
            Constraint::Colocation(c) => &c.id,
            Constraint::Order(c) => &c.id,
            Constraint::Ticket(c) => &c.id,
        }
    }
}

fn score_attr(e: &Element, key: &'static str) -> Result<Option<Score>, ModelError> {
    e.attr(key)
        .map(|v| {
            v.parse::<Score>().map_err(|err| ModelError::InvalidValue {
                element: e.name.clone(),
                attribute: key,
                value: v.to_string(),
                reason: err.to_string(),
                line: e.line,
            })
        })
        .transpose()
}

fn sets(e: &Element, ids: &IdIndex<'_>) -> Result<Vec<ResourceSet>, ModelError> {
    e.children_named("resource_set")
        .map(|s| ResourceSet::from_element(s, ids))
        .collect()
}

/// A `<resource_set>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSet {
    /// `id`.
    pub id: Option<String>,
    /// `sequential` (default true).
    pub sequential: bool,
    /// `require-all` (default true).
    pub require_all: bool,
    /// `role`.
    pub role: Option<String>,
    /// `action`.
    pub action: Option<String>,
    /// `score`.
    pub score: Option<Score>,
    /// `kind`.
    pub kind: Option<String>,
    /// The `resource_ref` ids in order.
    pub resources: Vec<String>,
}

impl ResourceSet {
    /// Reads a set, following `id-ref`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<ResourceSet, ModelError> {
        let e = e.attr("id-ref").and_then(|r| ids.get(r)).unwrap_or(e);
        let flag = |k: &str| e.attr(k).is_none_or(|v| parse_bool(v).unwrap_or(true));
        Ok(ResourceSet {
            id: optional(e, "id"),
            sequential: flag("sequential"),
            require_all: flag("require-all"),
            role: optional(e, "role"),
            action: optional(e, "action"),
            score: score_attr(e, "score")?,
            kind: optional(e, "kind"),
            resources: e
                .children_named("resource_ref")
                .filter_map(|r| r.id().map(str::to_string))
                .collect(),
        })
    }
}

/// `<rsc_location>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// `id`.
    pub id: String,
    /// `rsc`.
    pub rsc: Option<String>,
    /// `rsc-pattern` (a regular expression).
    pub rsc_pattern: Option<String>,
    /// `node`.
    pub node: Option<String>,
    /// `score`.
    pub score: Option<Score>,
    /// `role`.
    pub role: Option<String>,
    /// `resource-discovery`.
    pub resource_discovery: Option<String>,
    /// The rules (each with its own score).
    pub rules: Vec<Rule>,
    /// Resource sets.
    pub sets: Vec<ResourceSet>,
}

impl Location {
    /// Reads an `<rsc_location>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Location, ModelError> {
        Ok(Location {
            id: required(e, "id")?.to_string(),
            rsc: optional(e, "rsc"),
            rsc_pattern: optional(e, "rsc-pattern"),
            node: optional(e, "node"),
            score: score_attr(e, "score")?,
            role: optional(e, "role"),
            resource_discovery: optional(e, "resource-discovery"),
            rules: e
                .children_named("rule")
                .map(|r| Rule::from_element(r, ids))
                .collect::<Result<_, _>>()?,
            sets: sets(e, ids)?,
        })
    }
}

/// `<rsc_colocation>`: `rsc` is placed relative to `with_rsc`.
#[derive(Debug, Clone, PartialEq)]
pub struct Colocation {
    /// `id`.
    pub id: String,
    /// `rsc` (Heartbeat 2.x `from`).
    pub rsc: Option<String>,
    /// `with-rsc` (Heartbeat 2.x `to`).
    pub with_rsc: Option<String>,
    /// `score` (0 when absent).
    pub score: Score,
    /// `rsc-role`.
    pub rsc_role: Option<String>,
    /// `with-rsc-role`.
    pub with_rsc_role: Option<String>,
    /// `node-attribute`.
    pub node_attribute: Option<String>,
    /// `influence`.
    pub influence: Option<bool>,
    /// Resource sets.
    pub sets: Vec<ResourceSet>,
}

impl Colocation {
    /// Reads an `<rsc_colocation>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Colocation, ModelError> {
        Ok(Colocation {
            id: required(e, "id")?.to_string(),
            rsc: optional(e, "rsc").or_else(|| optional(e, "from")),
            with_rsc: optional(e, "with-rsc").or_else(|| optional(e, "to")),
            score: score_attr(e, "score")?.unwrap_or_default(),
            rsc_role: optional(e, "rsc-role").or_else(|| optional(e, "from_role")),
            with_rsc_role: optional(e, "with-rsc-role").or_else(|| optional(e, "to_role")),
            node_attribute: optional(e, "node-attribute"),
            influence: e.attr("influence").and_then(parse_bool),
            sets: sets(e, ids)?,
        })
    }
}

/// `kind` of an order constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    /// Always enforced.
    Mandatory,
    /// Only when both actions happen in the same transition.
    Optional,
    /// The two never run at the same time.
    Serialize,
}

/// `<rsc_order>`: `first` then `then`.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// `id`.
    pub id: String,
    /// `first` (from Heartbeat 2.x `from`/`to`/`type`).
    pub first: Option<String>,
    /// `then`.
    pub then: Option<String>,
    /// `first-action` (default start).
    pub first_action: String,
    /// `then-action` (default: the first action).
    pub then_action: String,
    /// `kind`; from `score` when only that is given (0 = Optional), default Mandatory.
    pub kind: OrderKind,
    /// `symmetrical` (default true, false for Serialize).
    pub symmetrical: bool,
    /// Resource sets.
    pub sets: Vec<ResourceSet>,
}

impl Order {
    /// Reads an `<rsc_order>`, translating Heartbeat 2.x's `from`/`to`/`type`/`action`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Order, ModelError> {
        let id = required(e, "id")?.to_string();
        let (first, then, first_action, then_action) =
            if e.attr("first").is_some() || e.attr("then").is_some() {
                let fa = optional(e, "first-action").unwrap_or_else(|| "start".into());
                let ta = optional(e, "then-action").unwrap_or_else(|| fa.clone());
                (optional(e, "first"), optional(e, "then"), fa, ta)
            } else {
                // HB2: `from type=after to` means from starts after to (type defaults to after).
                let from_action = optional(e, "action").unwrap_or_else(|| "start".into());
                let to_action = optional(e, "to_action").unwrap_or_else(|| from_action.clone());
                if e.attr("type") == Some("before") {
                    (
                        optional(e, "from"),
                        optional(e, "to"),
                        from_action,
                        to_action,
                    )
                } else {
                    (
                        optional(e, "to"),
                        optional(e, "from"),
                        to_action,
                        from_action,
                    )
                }
            };
        let kind = match e.attr("kind").map(str::to_ascii_lowercase).as_deref() {
            Some("optional") => OrderKind::Optional,
            Some("serialize") => OrderKind::Serialize,
            Some(_) => OrderKind::Mandatory,
            None => match score_attr(e, "score")? {
                Some(s) if s.value() == 0 => OrderKind::Optional,
                _ => OrderKind::Mandatory,
            },
        };
        let symmetrical = e
            .attr("symmetrical")
            .and_then(parse_bool)
            .unwrap_or(kind != OrderKind::Serialize);
        Ok(Order {
            id,
            first,
            then,
            first_action,
            then_action,
            kind,
            symmetrical,
            sets: sets(e, ids)?,
        })
    }
}

/// `<rsc_ticket>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// `id`.
    pub id: String,
    /// `ticket`.
    pub ticket: String,
    /// `rsc`.
    pub rsc: Option<String>,
    /// `rsc-role`.
    pub rsc_role: Option<String>,
    /// `loss-policy` (stop, demote, freeze, fence).
    pub loss_policy: Option<String>,
    /// Resource sets.
    pub sets: Vec<ResourceSet>,
}

impl Ticket {
    /// Reads an `<rsc_ticket>`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Ticket, ModelError> {
        Ok(Ticket {
            id: required(e, "id")?.to_string(),
            ticket: required(e, "ticket")?.to_string(),
            rsc: optional(e, "rsc"),
            rsc_role: optional(e, "rsc-role"),
            loss_policy: optional(e, "loss-policy"),
            sets: sets(e, ids)?,
        })
    }
}
