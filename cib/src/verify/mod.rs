//! `crm_verify`'s checks: is a CIB well-formed, schema-valid, and free of the configuration
//! problems Pacemaker's scheduler reports while unpacking it?
//!
//! The checks return typed [`Diagnostic`]s; rendering and exit codes belong to the CLI.
//! Order follows Pacemaker: well-formedness, then the schema (a failure stops there), then the
//! configuration and status checks the scheduler makes.

mod agents;
mod config;
mod diagnostic;
mod history;
mod model;
mod placement;
mod recover;
mod schema;
mod status;

pub use diagnostic::{Check, Diagnostic, Severity};
pub use schema::SchemaChoice;

use crate::{Document, Element};
use model::Cluster;

/// The result of verifying one CIB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// What `validate-with` asked for (`None` when the text did not parse).
    pub schema: Option<SchemaChoice>,
    /// Every finding, in the order Pacemaker would report them.
    pub diagnostics: Vec<Diagnostic>,
}

impl Verification {
    /// True when some finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// True when some finding is a warning.
    pub fn has_warnings(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning)
    }

    /// True when no error or warning was found: the configuration is valid.
    pub fn is_valid(&self) -> bool {
        !self.has_errors() && !self.has_warnings()
    }
}

/// Verifies CIB text. Malformed text is repaired as libxml2 recovers it (see [`recover`]) and
/// judged on the result; only text that cannot be repaired is rejected for its syntax.
pub fn verify_text(text: &str) -> Verification {
    let error = match Document::parse(text) {
        Ok(doc) => return verify_document(&doc),
        Err(e) => e,
    };
    let syntax_error = |check: Check, line: usize, message: String| Verification {
        schema: None,
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            check,
            origin: "parser",
            element: String::new(),
            id: None,
            line,
            message,
        }],
    };
    let Some((repaired, repairs)) = recover::recover(text) else {
        return syntax_error(Check::NoDocument, error.line, "Document is empty".into());
    };
    match Document::parse(&repaired) {
        Ok(doc) => {
            let mut result = verify_document(&doc);
            let logged = repairs.into_iter().map(|r| Diagnostic {
                severity: Severity::Recovered,
                check: Check::WellFormed,
                origin: "log_xmllib_err",
                element: String::new(),
                id: None,
                line: r.line,
                message: format!("parser error : {}", r.message),
            });
            result.diagnostics.splice(0..0, logged);
            result
        }
        Err(_) => syntax_error(
            Check::WellFormed,
            error.line,
            format!("parser error : {}", error.message),
        ),
    }
}

/// Verifies a parsed CIB.
pub fn verify_document(doc: &Document) -> Verification {
    verify_root(&doc.root)
}

/// Verifies a `cib` element.
pub fn verify_root(cib: &Element) -> Verification {
    if cib.name != "cib" {
        return Verification {
            schema: None,
            diagnostics: vec![Diagnostic::at(
                Severity::Error,
                Check::NotCib,
                "main",
                cib,
                "This tool can only check complete configurations (i.e. those starting with <cib>).",
            )],
        };
    }
    let choice = schema::schema_choice(cib);
    let mut diagnostics = Vec::new();
    match &choice {
        SchemaChoice::Known => diagnostics.extend(schema::check(cib)),
        SchemaChoice::Unknown(name) => diagnostics.push(Diagnostic::at(
            Severity::Error,
            Check::Schema,
            "validate",
            cib,
            format!("Unknown schema '{name}' in validate-with"),
        )),
        SchemaChoice::Disabled | SchemaChoice::Missing => {}
    }
    if !diagnostics.is_empty() {
        diagnostics.push(Diagnostic::at(
            Severity::Error,
            Check::Schema,
            "main",
            cib,
            "CIB did not pass schema validation",
        ));
        return Verification {
            schema: Some(choice),
            diagnostics,
        };
    }
    if cib.name == "cib" {
        let cluster = Cluster::new(cib);
        diagnostics.extend(config::check(&cluster));
        diagnostics.extend(agents::check(&cluster));
        diagnostics.extend(status::check(&cluster));
    }
    Verification {
        schema: Some(choice),
        diagnostics,
    }
}
