//! Typed, read-only views of the CIB, read from the XML tree.
//!
//! The tree ([`crate::xml`]) stays the source of truth: these views copy out what the cluster
//! logic needs and never write back, so unknown elements and attributes survive every edit.
//! Each view is built with `from_element`; absent optional attributes are `None`, and only
//! what makes an object unusable (a resource without an id, say) is an error. Checking the
//! configuration in depth is [`crate::verify`]'s job.
//!
//! Heartbeat-2.x-era spellings are read too: `<master_slave>`, `<attributes>` wrappers in
//! nvpair sets, underscore option names (`no_quorum_policy`), `rsc_order from/to/type`,
//! `rsc_colocation from/to`, and meta settings written as XML attributes.

mod config;
mod constraints;
mod nvpair;
mod resources;
mod status;

pub use config::{Acls, Alert, Configuration, FencingLevel, NodeDef, Tag};
pub use constraints::{Colocation, Constraint, Location, Order, OrderKind, ResourceSet, Ticket};
pub use nvpair::{NvPair, NvSet, Rule, RuleExpr};
pub use resources::{Bundle, Clone, Group, Op, Primitive, Resource};
pub use status::{LrmResource, NodeState, Status};

use crate::{CibVersion, Element};
use std::collections::HashMap;

/// Why a view could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The text is not well-formed XML.
    #[error(transparent)]
    Xml(#[from] crate::XmlError),
    /// The document's root is not `<cib>`.
    #[error("the root element is <{0}>, not <cib>")]
    NotACib(String),
    /// A required attribute is missing.
    #[error("line {line}: <{element}> has no {attribute}")]
    MissingAttribute {
        /// The element's tag.
        element: String,
        /// The attribute.
        attribute: &'static str,
        /// Its source line (0 when built in memory).
        line: usize,
    },
    /// An attribute has a value of the wrong type.
    #[error("line {line}: <{element} {attribute}=\"{value}\">: {reason}")]
    InvalidValue {
        /// The element's tag.
        element: String,
        /// The attribute.
        attribute: &'static str,
        /// The bad value.
        value: String,
        /// Why it is bad.
        reason: String,
        /// Its source line.
        line: usize,
    },
}

pub(crate) fn required<'a>(e: &'a Element, attribute: &'static str) -> Result<&'a str, ModelError> {
    e.attr(attribute)
        .ok_or_else(|| ModelError::MissingAttribute {
            element: e.name.clone(),
            attribute,
            line: e.line,
        })
}

pub(crate) fn optional(e: &Element, attribute: &str) -> Option<String> {
    e.attr(attribute).map(str::to_string)
}

/// Every element with an `id` in a tree, for resolving `id-ref`.
#[derive(Debug, Default)]
pub struct IdIndex<'a> {
    by_id: HashMap<&'a str, &'a Element>,
}

impl<'a> IdIndex<'a> {
    /// Indexes `root`'s subtree; the first element wins when ids repeat.
    pub fn new(root: &'a Element) -> IdIndex<'a> {
        let mut by_id = HashMap::new();
        for e in root.descendants() {
            if let Some(id) = e.id() {
                by_id.entry(id).or_insert(e);
            }
        }
        IdIndex { by_id }
    }

    /// The element with `id`.
    pub fn get(&self, id: &str) -> Option<&'a Element> {
        self.by_id.get(id).copied()
    }
}

/// The whole CIB: version, configuration and status.
#[derive(Debug, Clone, PartialEq)]
pub struct Cib {
    /// `(admin_epoch, epoch, num_updates)`.
    pub version: CibVersion,
    /// `validate-with` (the schema), if set.
    pub validate_with: Option<String>,
    /// `dc-uuid`, if set.
    pub dc_uuid: Option<String>,
    /// `have-quorum` as a boolean, if set.
    pub have_quorum: Option<bool>,
    /// The configuration section (empty when missing).
    pub configuration: Configuration,
    /// The status section (empty when missing).
    pub status: Status,
}

impl Cib {
    /// Parses CIB text and reads the views (keep the [`crate::Document`] yourself when you also
    /// need the tree).
    pub fn parse(text: &str) -> Result<Cib, ModelError> {
        Cib::from_element(&crate::Document::parse(text)?.root)
    }

    /// Reads the views from a `<cib>` element.
    pub fn from_element(cib: &Element) -> Result<Cib, ModelError> {
        if cib.name != "cib" {
            return Err(ModelError::NotACib(cib.name.clone()));
        }
        let ids = IdIndex::new(cib);
        let configuration = match cib.child("configuration") {
            Some(c) => Configuration::from_element(c, &ids)?,
            None => Configuration::default(),
        };
        let status = match cib.child("status") {
            Some(s) => Status::from_element(s, &ids)?,
            None => Status::default(),
        };
        Ok(Cib {
            version: CibVersion::from_element(cib),
            validate_with: optional(cib, "validate-with"),
            dc_uuid: optional(cib, "dc-uuid"),
            have_quorum: cib.attr("have-quorum").and_then(vocab::parse_bool),
            configuration,
            status,
        })
    }
}

#[cfg(test)]
mod tests;
