//! Name/value sets (`instance_attributes`, `meta_attributes`, `cluster_property_set`,
//! `utilization`) and the rules that can guard them.

use super::{optional, IdIndex, ModelError};
use crate::Element;
use vocab::Score;

/// One `<nvpair>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NvPair {
    /// `id`, if any.
    pub id: Option<String>,
    /// `name`.
    pub name: String,
    /// `value`; `None` when absent (the pair then unsets the name).
    pub value: Option<String>,
}

/// A set of name/value pairs, with `id-ref` already resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct NvSet {
    /// The element's tag, e.g. `meta_attributes`.
    pub kind: String,
    /// `id` (or the `id-ref` it points to).
    pub id: Option<String>,
    /// `score`: sets are consulted from the highest score down.
    pub score: Option<Score>,
    /// The rule that must pass for the set to apply.
    pub rule: Option<Rule>,
    /// The pairs, in order.
    pub pairs: Vec<NvPair>,
}

impl NvSet {
    /// Reads a set element; an `id-ref` reads the referenced set's pairs and rule.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<NvSet, ModelError> {
        let source = match e.attr("id-ref") {
            Some(r) => ids.get(r).unwrap_or(e),
            None => e,
        };
        let mut pairs = Vec::new();
        // Heartbeat 2.x wrapped the pairs in <attributes>.
        let holders = std::iter::once(source).chain(source.children_named("attributes"));
        for holder in holders {
            for p in holder.children_named("nvpair") {
                let p = match p.attr("id-ref") {
                    Some(r) => ids.get(r).unwrap_or(p),
                    None => p,
                };
                let Some(name) = p.attr("name") else {
                    continue;
                };
                pairs.push(NvPair {
                    id: optional(p, "id"),
                    name: name.to_string(),
                    value: optional(p, "value"),
                });
            }
        }
        let rule = match source.child("rule") {
            Some(r) => Some(Rule::from_element(r, ids)?),
            None => None,
        };
        Ok(NvSet {
            kind: e.name.clone(),
            id: optional(e, "id").or_else(|| optional(e, "id-ref")),
            score: e.attr("score").and_then(Score::parse),
            rule,
            pairs,
        })
    }

    /// Every set of tag `kind` directly under `parent`.
    pub fn all_in(
        parent: &Element,
        kind: &str,
        ids: &IdIndex<'_>,
    ) -> Result<Vec<NvSet>, ModelError> {
        parent
            .children_named(kind)
            .map(|e| NvSet::from_element(e, ids))
            .collect()
    }

    /// The value of `name` in this set (the first pair wins); `-` and `_` are interchangeable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|p| same_option_name(&p.name, name))
            .and_then(|p| p.value.as_deref())
    }
}

/// The value of `name` across `sets`, ignoring rules: sets are consulted by descending score
/// (then in order, `cib-bootstrap-options` first) and the first value found wins.
pub fn lookup<'a>(sets: &'a [NvSet], name: &str) -> Option<&'a str> {
    let mut order: Vec<&NvSet> = sets.iter().collect();
    order.sort_by_key(|s| {
        (
            s.id.as_deref() != Some("cib-bootstrap-options"),
            std::cmp::Reverse(s.score.unwrap_or_default()),
        )
    });
    order.into_iter().find_map(|s| s.get(name))
}

/// Option names compare with `-` and `_` interchangeable (Heartbeat 2.x used underscores).
pub fn same_option_name(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x == y || (matches!(x, b'-' | b'_') && matches!(y, b'-' | b'_')))
}

/// A `<rule>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `id`.
    pub id: Option<String>,
    /// `boolean-op`: true for `or`, false for `and` (the default).
    pub any: bool,
    /// `score` (location constraints).
    pub score: Option<Score>,
    /// `score-attribute` (location constraints).
    pub score_attribute: Option<String>,
    /// `role` (location constraints).
    pub role: Option<String>,
    /// The conditions.
    pub expressions: Vec<RuleExpr>,
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleExpr {
    /// `<expression attribute operation value type value-source>`.
    Attribute {
        /// `attribute`.
        attribute: String,
        /// `operation` (lt, gt, lte, gte, eq, ne, defined, not_defined).
        operation: String,
        /// `value`.
        value: Option<String>,
        /// `type` (string, integer, number, version).
        value_type: Option<String>,
        /// `value-source` (literal, param, meta).
        value_source: Option<String>,
    },
    /// A nested `<rule>`.
    Rule(Rule),
    /// `date_expression`, `rsc_expression`, `op_expression`: kept as XML.
    Other(Element),
}

impl Rule {
    /// Reads a rule, following `id-ref`.
    pub fn from_element(e: &Element, ids: &IdIndex<'_>) -> Result<Rule, ModelError> {
        let e = match e.attr("id-ref") {
            Some(r) => ids.get(r).unwrap_or(e),
            None => e,
        };
        let mut expressions = Vec::new();
        for c in e.elements() {
            expressions.push(match c.name.as_str() {
                "expression" => RuleExpr::Attribute {
                    attribute: optional(c, "attribute").unwrap_or_default(),
                    operation: optional(c, "operation").unwrap_or_default(),
                    value: optional(c, "value"),
                    value_type: optional(c, "type"),
                    value_source: optional(c, "value-source"),
                },
                "rule" => RuleExpr::Rule(Rule::from_element(c, ids)?),
                _ => RuleExpr::Other(c.clone()),
            });
        }
        Ok(Rule {
            id: optional(e, "id"),
            any: e.attr("boolean-op") == Some("or"),
            score: e.attr("score").and_then(Score::parse),
            score_attribute: optional(e, "score-attribute"),
            role: optional(e, "role"),
            expressions,
        })
    }
}
