//! The structural rules of Pacemaker's RNG schemas that matter in practice. Pacemaker stops at a
//! schema failure, so these run first and, if any fires, nothing else does.

use super::diagnostic::{Check, Diagnostic, Severity};
use super::values::is_valid_score;
use crate::Element;
use std::collections::{HashMap, HashSet};

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
    for section in ["resources", "constraints"] {
        if let Some(section) = config.child(section) {
            walk(&mut vec![section], &mut out);
        }
    }
    check_ids(config, &mut out);
    out
}

/// Checks every element under a section; `path` runs from the section to the current element.
fn walk(path: &mut Vec<&Element>, out: &mut Vec<Diagnostic>) {
    let e = *path.last().expect("path is never empty");
    let own = element_errors(e);
    if e.name == "op" && !own.is_empty() && path.len() >= 4 {
        invalid_operation(path, out);
    } else if !own.is_empty() {
        cascade(path, own, e.line, out);
    }
    for child in e.elements() {
        path.push(child);
        walk(path, out);
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
        "rsc_location" | "rsc_colocation" | "rsc_order" => {
            if let Some(score) = e.attr("score").filter(|s| !is_valid_score(s)) {
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
            let kind_ok = e.attr("kind").is_none_or(|k| ORDER_KINDS.contains(&k));
            if name == "rsc_order" && !kind_ok {
                return vec!["Invalid attribute kind for element rsc_order".into()];
            }
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
    if path.len() >= 2 {
        let top = path[1];
        out.push(report(
            top,
            format!("Element {} has extra content: {}", path[0].name, top.name),
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
];

fn check_ids(config: &Element, out: &mut Vec<Diagnostic>) {
    // Node ids are plain text in the schema; every other configuration id is an xsd:ID.
    let mut seen: HashMap<&str, &Element> = HashMap::new();
    let mut ids: HashSet<&str> = HashSet::new();
    for e in config.descendants() {
        let Some(id) = e.id() else { continue };
        // These carry an IDREF in `id`, not an ID.
        if matches!(e.name.as_str(), "resource_ref" | "obj_ref") {
            continue;
        }
        ids.insert(id);
        if e.name == "node" || e.attr("id-ref").is_some() {
            continue;
        }
        if seen.insert(id, e).is_some() {
            out.push(Diagnostic::at(
                Severity::Error,
                Check::DuplicateId,
                "validate",
                e,
                format!(
                    "element {}: validity error : ID {id} already defined",
                    e.name
                ),
            ));
        }
    }
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
