//! The structural rules of Pacemaker's RNG schemas that matter in practice. Pacemaker stops at a
//! schema failure, so these run first and, if any fires, nothing else does.

use super::diagnostic::{Check, Diagnostic, Severity};
use crate::Element;
use std::collections::HashSet;

/// What `validate-with` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaChoice {
    /// A known `pacemaker-X.Y` schema (or `pacemaker-next`).
    Known,
    /// `validate-with="none"`: validation disabled.
    Disabled,
    /// Missing: Pacemaker validates, reports, then carries on as if disabled.
    Missing,
    /// A name no installed schema has.
    Unknown(String),
}

/// The schema versions Pacemaker 2.1.5 ships (`/usr/share/pacemaker/pacemaker-*.rng`).
const KNOWN_VERSIONS: &[&str] = &[
    "1.0", "1.2", "1.3", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9",
    "2.10", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "next",
];

/// Resource classes the schema accepts.
const CLASSES: &[&str] = &[
    "ocf",
    "lsb",
    "heartbeat",
    "stonith",
    "upstart",
    "service",
    "systemd",
    "nagios",
];

/// Interprets the root's `validate-with`.
pub fn schema_choice(cib: &Element) -> SchemaChoice {
    match cib.attr("validate-with") {
        None => SchemaChoice::Missing,
        Some("none") => SchemaChoice::Disabled,
        Some(v) => match v.strip_prefix("pacemaker-") {
            Some(ver) if KNOWN_VERSIONS.contains(&ver) => SchemaChoice::Known,
            _ => SchemaChoice::Unknown(v.to_string()),
        },
    }
}

fn invalid(e: &Element, message: impl Into<String>) -> Diagnostic {
    let message = format!(
        "element {}: Relax-NG validity error : {}",
        e.name,
        message.into()
    );
    Diagnostic::at(Severity::Error, Check::Schema, "validate", e, message)
}

/// Structural findings for a CIB whose schema is to be enforced.
pub fn check(cib: &Element) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if cib.name != "cib" {
        out.push(invalid(
            cib,
            format!("Expecting element cib, got {}", cib.name),
        ));
        return out;
    }
    let Some(config) = cib.child("configuration") else {
        out.push(invalid(
            cib,
            "Expecting an element configuration, got nothing",
        ));
        return out;
    };
    for section in ["crm_config", "nodes", "resources", "constraints"] {
        if config.child(section).is_none() {
            out.push(invalid(
                config,
                format!("Expecting an element {section}, got nothing"),
            ));
        }
    }
    if let Some(nodes) = config.child("nodes") {
        for node in nodes.children_named("node") {
            if node.attr("id").is_none() || node.attr("uname").is_none() {
                out.push(invalid(node, "Element node failed to validate attributes"));
            }
        }
    }
    let mut seen_ids = HashSet::new();
    for section in config.elements() {
        walk(&mut vec![section], &mut seen_ids, &mut out);
    }
    check_references(config, &mut out);
    out
}

/// True when the element's `id` is an xsd:ID in the schema (node ids are plain text; references
/// carry an IDREF in `id`).
fn declares_id(e: &Element) -> bool {
    e.id().is_some()
        && e.attr("id-ref").is_none()
        && !matches!(e.name.as_str(), "node" | "resource_ref" | "obj_ref")
}

/// The validator's complaint about an id used before, worded as libxml2 words it.
fn duplicate_id_errors(e: &Element) -> Vec<String> {
    let id = e.id().unwrap_or_default();
    if e.name == "primitive" {
        vec![
            format!("ID {id} redefined"),
            "Invalid sequence in interleave".into(),
            "Element primitive failed to validate content".into(),
        ]
    } else {
        vec![format!("Invalid attribute id for element {}", e.name)]
    }
}

/// Checks every element under a section; `path` runs from the section to the current element.
fn walk<'a>(
    path: &mut Vec<&'a Element>,
    seen_ids: &mut HashSet<&'a str>,
    out: &mut Vec<Diagnostic>,
) {
    let e = *path.last().expect("path is never empty");
    let duplicate = declares_id(e) && !seen_ids.insert(e.id().unwrap_or_default());
    let own = if duplicate {
        duplicate_id_errors(e)
    } else {
        element_errors(e)
    };
    if e.name == "op" && !own.is_empty() && !duplicate && path.len() >= 4 {
        invalid_operation(path, out);
    } else if !own.is_empty() {
        let check = if duplicate {
            Check::DuplicateId
        } else if e
            .attr("score")
            .is_some_and(|v| !vocab::Score::is_schema_valid(v))
        {
            Check::InvalidScore
        } else {
            Check::Schema
        };
        let (before, own_count) = (out.len(), own.len());
        cascade(path, own, e.line, out);
        // The element's own complaints carry the precise check; the cascade stays Schema.
        for d in &mut out[before..before + own_count] {
            d.check = check;
        }
    }
    for child in e.elements() {
        path.push(child);
        walk(path, seen_ids, out);
        path.pop();
    }
}

/// The validator's first complaints about one element, if it breaks a rule.
fn element_errors(e: &Element) -> Vec<String> {
    let name = e.name.as_str();
    match name {
        "primitive" if e.attr("template").is_none() => {
            let class_ok = e.attr("class").is_some_and(|c| CLASSES.contains(&c));
            let provider_ok = e.attr("class") != Some("ocf") || e.attr("provider").is_some();
            if e.attr("type").is_none() || !class_ok || !provider_ok {
                return vec![
                    "Invalid sequence in interleave".into(),
                    "Element primitive failed to validate content".into(),
                ];
            }
        }
        "rule"
        | "instance_attributes"
        | "meta_attributes"
        | "cluster_property_set"
        | "utilization"
            if e.attr("score")
                .is_some_and(|s| !vocab::Score::is_schema_valid(s)) =>
        {
            return vec![format!("Invalid attribute score for element {name}")];
        }
        "rsc_ticket" | "rsc_order" | "rsc_colocation" if !names_its_resources(e) => {
            return vec![
                "Expecting an element resource_set, got nothing".into(),
                format!("Element {name} failed to validate content"),
            ];
        }
        "rsc_location" | "rsc_colocation" | "rsc_order" => {
            if let Some(score) = e
                .attr("score")
                .filter(|s| !vocab::Score::is_schema_valid(s))
            {
                return if name == "rsc_location" {
                    vec![
                        format!("Type integer doesn't allow value '{score}'"),
                        "Expecting an element rule, got nothing".into(),
                        "Element rsc_location failed to validate content".into(),
                    ]
                } else {
                    vec![format!("Invalid attribute score for element {name}")]
                };
            }
            // A location names its node or carries rules.
            let placed = e.attr("node").is_some() || e.child("rule").is_some();
            if name == "rsc_location" && !placed && e.attr("rsc").is_some() {
                return vec![
                    "Expecting an element rule, got nothing".into(),
                    "Element rsc_location failed to validate content".into(),
                ];
            }
            let kind_ok = e.attr("kind").is_none_or(|k| ORDER_KINDS.contains(&k));
            if name == "rsc_order" && !kind_ok {
                return vec!["Invalid attribute kind for element rsc_order".into()];
            }
        }
        "resource_set" if e.child("resource_ref").is_none() => {
            return vec![
                "Expecting an element resource_ref, got nothing".into(),
                "Element resource_set failed to validate content".into(),
            ];
        }
        "clone" | "master" | "group"
            if !e
                .elements()
                .any(|c| matches!(c.name.as_str(), "primitive" | "group")) =>
        {
            return vec![
                "Expecting an element meta_attributes, got nothing".into(),
                "Invalid sequence in interleave".into(),
                format!("Element {name} failed to validate content"),
            ];
        }
        "op" if e
            .attr("on-fail")
            .is_some_and(|v| !ON_FAIL_VALUES.contains(&v)) =>
        {
            return vec!["Element op failed to validate attributes".into()];
        }
        _ => {}
    }
    Vec::new()
}

/// True when a constraint names its resources, by attributes or by resource sets.
fn names_its_resources(e: &Element) -> bool {
    let attrs: &[&str] = match e.name.as_str() {
        "rsc_ticket" => &["rsc"],
        "rsc_order" => &["first", "then"],
        _ => &["rsc", "with-rsc"],
    };
    e.child("resource_set").is_some() || attrs.iter().all(|a| e.attr(a).is_some())
}

/// Order kinds the schema allows.
const ORDER_KINDS: &[&str] = &["Optional", "Mandatory", "Serialize"];

/// `on-fail` values the schema allows on an operation.
const ON_FAIL_VALUES: &[&str] = &[
    "ignore",
    "block",
    "demote",
    "stop",
    "restart",
    "standby",
    "fence",
    "restart-container",
];

fn report_on(on: &Element, line: usize, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        check: Check::Schema,
        origin: "validate",
        element: on.name.clone(),
        id: on.id().map(str::to_string),
        line,
        message: format!("element {}: Relax-NG validity error : {message}", on.name),
    }
}

/// An invalid `op` (path ends primitive, operations, op) is reported the way libxml2 words
/// failures inside an interleave: one line carries no location at all (line 0).
fn invalid_operation(path: &[&Element], out: &mut Vec<Diagnostic>) {
    let op = path[path.len() - 1];
    let operations = path[path.len() - 2];
    let primitive = path[path.len() - 3];
    out.push(report_on(
        op,
        op.line,
        "Expecting an element meta_attributes, got nothing".into(),
    ));
    out.push(Diagnostic {
        line: 0,
        element: String::new(),
        id: None,
        message: "Relax-NG validity error : Extra element operations in interleave".into(),
        ..report_on(operations, 0, String::new())
    });
    out.push(report_on(
        operations,
        op.line,
        format!("Element {} failed to validate content", primitive.name),
    ));
    cascade(&path[..path.len() - 2], Vec::new(), op.line, out);
}

/// libxml2 reports an invalid element, then every enclosing element up to the section, then the
/// section's "extra content"; all on the offending element's line.
fn cascade(path: &[&Element], first: Vec<String>, line: usize, out: &mut Vec<Diagnostic>) {
    let offender = path[path.len() - 1];
    let report = |on: &Element, message: String| report_on(on, line, message);
    out.extend(first.into_iter().map(|m| report(offender, m)));
    // path[0] is the section; path[1] its child holding the offender.
    for ancestor in path[1..path.len() - 1].iter().rev() {
        out.push(report(ancestor, "Invalid sequence in interleave".into()));
        out.push(report(
            ancestor,
            format!("Element {} failed to validate content", ancestor.name),
        ));
    }
    // libxml2 names the section's first child as the extra content, on that child's line.
    if let Some(first) = path[0].elements().next().filter(|_| path.len() >= 2) {
        out.push(report_on(
            first,
            first.line,
            format!("Element {} has extra content: {}", path[0].name, first.name),
        ));
    }
}

/// Attributes typed as IDREF: (element, attribute).
const IDREFS: &[(&str, &str)] = &[
    ("rsc_location", "rsc"),
    ("rsc_colocation", "rsc"),
    ("rsc_colocation", "with-rsc"),
    ("rsc_order", "first"),
    ("rsc_order", "then"),
    ("rsc_ticket", "rsc"),
    ("resource_ref", "id"),
    ("obj_ref", "id"),
];

fn check_references(config: &Element, out: &mut Vec<Diagnostic>) {
    let ids: HashSet<&str> = config
        .descendants()
        .into_iter()
        .filter(|e| declares_id(e) || e.name == "node")
        .filter_map(|e| e.id())
        .collect();
    for e in config.descendants() {
        for (element, attribute) in IDREFS {
            if e.name != *element {
                continue;
            }
            if let Some(target) = e.attr(attribute) {
                if !ids.contains(target) {
                    out.push(Diagnostic::at(
                        Severity::Error,
                        Check::UnknownReference,
                        "validate",
                        e,
                        format!(
                            "element {}: validity error : IDREF attribute {attribute} references an unknown ID \"{target}\"",
                            e.name
                        ),
                    ));
                }
            }
        }
    }
}
