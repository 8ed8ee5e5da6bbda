//! Primitives must name an installed agent by name, never by path: a `type` or `provider` with
//! `/`, `..`, NUL or a leading `.` is a configuration error (see [`crate::agent_name`]), so
//! crm_verify and the CIB write path refuse it before any node could run it.

use super::diagnostic::{Check, Diagnostic, Severity};
use super::model::Cluster;

/// One error per primitive whose agent is not a plain name.
pub fn check(cluster: &Cluster) -> Vec<Diagnostic> {
    cluster
        .resources
        .iter()
        .map(|r| r.xml)
        .filter(|e| e.name == "primitive" && e.attr("template").is_none())
        .filter_map(|e| {
            let class = e.attr("class").unwrap_or_default();
            let bad = crate::agent_name::check_resource(
                class,
                e.attr("provider"),
                e.attr("type").unwrap_or_default(),
            )
            .err()?;
            Some(Diagnostic::at(
                Severity::Error,
                Check::AgentName,
                "unpack_resources",
                e,
                format!(
                    "Resource {} is not valid: {bad}",
                    e.id().unwrap_or_default()
                ),
            ))
        })
        .collect()
}
