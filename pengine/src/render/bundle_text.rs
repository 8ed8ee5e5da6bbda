//! A bundle in the resource listing, as Pacemaker 2.1.5's text output shows it: one heading
//! `Container bundle[ set]: ID [IMAGE][ (unique)][ (unmanaged)]:` and one line per replica,
//! named after its guest node (its container without one) and address, showing the state of
//! the replica's instance (its container's without one) on the container's node.

use super::status_text::{managed, Nodes, PrimitiveText};
use crate::unpack::bundle::{Bundle, Replica};
use crate::unpack::ClusterView;

/// The heading line (without bullet).
pub fn heading(view: &ClusterView, b: &Bundle) -> String {
    let unique = view.resources[b.rsc]
        .clone
        .as_ref()
        .is_some_and(|c| c.unique);
    format!(
        "Container bundle{}: {} [{}]{}{}:",
        if b.replicas.len() > 1 { " set" } else { "" },
        view.resources[b.rsc].id,
        b.image,
        if unique { " (unique)" } else { "" },
        if managed(view, b.rsc) {
            ""
        } else {
            " (unmanaged)"
        },
    )
}

/// The name a replica's line starts with: `GUEST (ADDR)`, or the container's id.
pub fn replica_name(view: &ClusterView, rep: &Replica) -> String {
    let base = &view.resources[rep.remote.unwrap_or(rep.container)].id;
    match &rep.addr {
        Some(addr) => format!("{base} ({addr})"),
        None => base.clone(),
    }
}

/// A replica's line (without bullet) from the texts of its instance and its container at
/// the same point in time: the instance's state, shown on the container's node.
pub fn replica_line(
    view: &ClusterView,
    rep: &Replica,
    instance: Option<PrimitiveText>,
    container: PrimitiveText,
) -> String {
    let name = replica_name(view, rep);
    let Some(mut text) = instance else {
        return container.line_named(&name, Nodes::Shown);
    };
    let role = text.role();
    text.on = container
        .on
        .first()
        .cloned()
        .map(|mut at| {
            at.role = role;
            at
        })
        .into_iter()
        .collect();
    text.unclean_node = container.unclean_node;
    text.line_named(&name, Nodes::Shown)
}
