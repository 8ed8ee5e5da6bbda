//! Pacemaker's v1 XML patch format (`<diff format="1">`), written by `crm_diff` when the
//! original CIB's `crm_feature_set` is 3.0.8 or older or missing, and still accepted by
//! `cibadmin -P`.
//!
//! ```text
//! <diff crm_feature_set="3.16.1" format="1" digest="...">
//!   <diff-removed admin_epoch epoch num_updates>
//!     <cib ...> the old values of changed attributes, and whole removed elements marked
//!       __crm_diff_marker__="removed:top" </cib>
//!   </diff-removed>
//!   <diff-added admin_epoch epoch num_updates>
//!     <cib all-new-attributes> every attribute of each changed element, and whole added
//!       elements marked __crm_diff_marker__="added:top" </cib>
//!   </diff-added>
//! </diff>
//! ```
//!
//! The format has no positions and no attribute removal, and Pacemaker's application ignores
//! comments: applying a v1 patch only deletes marked elements, appends marked elements at the
//! end of their parent and (re)sets attributes. We keep those limits, because a patch must
//! mean the same thing to us as to Pacemaker. Elements are matched by name and `id` (the first
//! element of that name when the element has no `id`), comments by content.

use crate::{Element, Node};

/// The attribute that marks the top of a removed or added subtree.
pub const MARKER: &str = "__crm_diff_marker__";
const REMOVED_TOP: &str = "removed:top";
const ADDED_TOP: &str = "added:top";
const VERSION_ATTRS: [&str; 3] = ["admin_epoch", "epoch", "num_updates"];
/// Attributes the diff never reports as changed (Pacemaker leaves them out of digests too).
const VOLATILE: [&str; 5] = [
    "crm-debug-origin",
    "cib-last-written",
    "update-origin",
    "update-client",
    "update-user",
];

/// The v1 patch turning `old` into `new`, or `None` when the format has nothing to say (no
/// element or attribute value changed; pure moves and comment changes under unchanged parents
/// do not show).
pub fn diff(old: &Element, new: &Element) -> Option<Element> {
    // Pacemaker computes the additions against the new tree in which every removed attribute
    // is still present (appended, marked deleted): whole-element copies therefore carry them.
    let mut new_tracked = new.clone();
    restore_removed_attrs(old, &mut new_tracked);

    let mut removed = Element::new("diff-removed");
    if let Some(e) = subtract(old, Some(new), false, REMOVED_TOP) {
        removed.children.push(Node::Element(e));
    }
    let mut added = Element::new("diff-added");
    if let Some(e) = subtract(&new_tracked, Some(old), true, ADDED_TOP) {
        added.children.push(Node::Element(e));
    }
    if removed.children.is_empty() && added.children.is_empty() {
        return None;
    }
    let config_changed = old.child("configuration") != new.child("configuration");
    repair_versions(old, new, &mut removed, &mut added, config_changed);
    Some(
        Element::new("diff")
            .with_attr("crm_feature_set", crate::FEATURE_SET)
            .with_attr("format", "1")
            .with_child(removed)
            .with_child(added),
    )
}

/// Removes the version attributes from both sections and their `<cib>`, as
/// `crm_diff --no-version` does.
pub fn strip_versions(patch: &mut Element) {
    for section in ["diff-removed", "diff-added"] {
        if let Some(s) = patch.child_mut(section) {
            for k in VERSION_ATTRS {
                s.remove_attr(k);
            }
            if let Some(cib) = s.child_mut("cib") {
                for k in VERSION_ATTRS {
                    cib.remove_attr(k);
                }
            }
        }
    }
}

/// The versions a v1 patch goes from and to, each field `None` when the patch does not say.
pub fn versions(patch: &Element) -> [[Option<u64>; 3]; 2] {
    let read = |section: &str| {
        let s = patch.child(section);
        let holder = s.and_then(|s| s.child("cib")).or(s);
        VERSION_ATTRS.map(|k| {
            holder
                .and_then(|h| h.attr(k))
                .and_then(|v| v.trim().parse().ok())
        })
    };
    [read("diff-removed"), read("diff-added")]
}

/// Applies a v1 patch: removals first, then additions, then the markers are purged.
pub fn apply(patch: &Element, cib: &mut Element) -> Result<(), String> {
    for (section, removal) in [("diff-removed", true), ("diff-added", false)] {
        let roots: Vec<&Element> = patch
            .child(section)
            .map(|s| s.elements().collect())
            .unwrap_or_default();
        if roots.len() > 1 {
            return Err(format!(
                "<{section}> holds {} change sets, a v1 patch may hold one",
                roots.len()
            ));
        }
        if let Some(root) = roots.first() {
            if removal {
                apply_removals(cib, root);
            } else {
                apply_additions(cib, root);
            }
        }
    }
    purge_markers(cib);
    Ok(())
}

/// Whether `e` is the same element as `needle` for the v1 format: same name, and same `id`
/// when `needle` has one.
fn same_element(e: &Element, needle: &Element) -> bool {
    e.name == needle.name && needle.id().is_none_or(|id| e.id() == Some(id))
}

fn match_element<'a>(haystack: &'a Element, needle: &Element) -> Option<&'a Element> {
    haystack.elements().find(|e| same_element(e, needle))
}

fn has_comment(haystack: &Element, text: &str) -> bool {
    haystack
        .children
        .iter()
        .any(|n| matches!(n, Node::Comment(c) if c.eq_ignore_ascii_case(text)))
}

/// Appends to each element of `new` the attributes its matching element in `old` has and it
/// lacks, in `old`'s order. An element of `new` is compared once, with the first old element
/// that matches it.
fn restore_removed_attrs(old: &Element, new: &mut Element) {
    for (k, v) in &old.attrs {
        if new.attr(k).is_none() {
            new.attrs.push((k.clone(), v.clone()));
        }
    }
    let mut done = vec![false; new.children.len()];
    for old_child in old.elements() {
        // Only the first element of the name (and id) is ever matched, and only once.
        let first = new
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if same_element(e, old_child)));
        if let Some(i) = first.filter(|&i| !done[i]) {
            done[i] = true;
            if let Node::Element(e) = &mut new.children[i] {
                restore_removed_attrs(old_child, e);
            }
        }
    }
}

/// What of `left` is not in `right`: Pacemaker's `subtract_xml_object`. With `full`, a changed
/// element carries all its attributes; otherwise only `id` and the changed ones (with `left`'s
/// values). Elements missing from `right` are copied whole with the `marker`.
fn subtract(left: &Element, right: Option<&Element>, full: bool, marker: &str) -> Option<Element> {
    let Some(right) = right else {
        let mut copy = left.clone();
        copy.set_attr(MARKER, marker);
        return Some(copy);
    };
    if right.attr(MARKER) == Some(REMOVED_TOP) {
        return None;
    }
    let mut diff = Element::new(left.name.clone());
    let mut changed = false;
    for child in &left.children {
        match child {
            Node::Element(lc) => {
                if let Some(d) = subtract(lc, match_element(right, lc), full, marker) {
                    diff.children.push(Node::Element(d));
                    changed = true;
                }
            }
            Node::Comment(c) if !has_comment(right, c) => {
                diff.children.push(child.clone());
                changed = true;
            }
            _ => {}
        }
    }
    if changed && full {
        copy_attrs(&mut diff, left);
        return Some(diff);
    }
    for (name, value) in &left.attrs {
        if name == "id" {
            diff.set_attr("id", value.clone());
            continue;
        }
        if VOLATILE.contains(&name.as_str()) {
            continue;
        }
        if right.attr(name) == Some(value.as_str()) {
            continue;
        }
        changed = true;
        if full {
            copy_attrs(&mut diff, left);
            break;
        }
        diff.set_attr(name, value.clone());
    }
    changed.then_some(diff)
}

fn copy_attrs(to: &mut Element, from: &Element) {
    for (k, v) in &from.attrs {
        to.set_attr(k, v.clone());
    }
}

/// Pacemaker's `xml_repair_v1_diff`: both sections carry their side's version, the removed
/// `<cib>` the old `num_updates` (and the old epochs when the configuration changed), the
/// added `<cib>` every attribute of the new root.
fn repair_versions(
    old: &Element,
    new: &Element,
    removed: &mut Element,
    added: &mut Element,
    config_changed: bool,
) {
    let root = |section: &mut Element| -> usize {
        match section
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.name == "cib"))
        {
            Some(i) => i,
            None => {
                section.children.push(Node::Element(Element::new("cib")));
                section.children.len() - 1
            }
        }
    };
    let i = root(removed);
    for (n, k) in VERSION_ATTRS.iter().enumerate() {
        if let Some(v) = old.attr(k) {
            removed.set_attr(k, v);
            if config_changed || n == 2 {
                if let Node::Element(cib) = &mut removed.children[i] {
                    cib.set_attr(k, v);
                }
            }
        }
    }
    let i = root(added);
    for k in VERSION_ATTRS {
        if let Some(v) = new.attr(k) {
            added.set_attr(k, v);
        }
    }
    if let Node::Element(cib) = &mut added.children[i] {
        copy_attrs(cib, new);
    }
}

/// Pacemaker's `process_v1_removals`: deletes the elements marked `removed:top`. Attribute
/// values in this section are informational only.
fn apply_removals(target: &mut Element, patch: &Element) {
    if !target.name.eq_ignore_ascii_case(&patch.name) || !ids_match(target.id(), patch.id()) {
        return;
    }
    let mut keep = Vec::with_capacity(target.children.len());
    for mut child in std::mem::take(&mut target.children) {
        if let Node::Element(tc) = &mut child {
            if let Some(pc) = match_element(patch, tc) {
                if pc.attr(MARKER) == Some(REMOVED_TOP) {
                    continue;
                }
                apply_removals(tc, pc);
            }
        }
        keep.push(child);
    }
    target.children = keep;
}

/// Pacemaker's `process_v1_additions`: sets every attribute the patch element has (moving it to
/// the end, in the patch's order), appends elements marked `added:top` that are missing, and
/// recurses into the others. Comments and unmarked missing elements are skipped.
fn apply_additions(target: &mut Element, patch: &Element) {
    if !target.name.eq_ignore_ascii_case(&patch.name) || !ids_match(target.id(), patch.id()) {
        return;
    }
    for (k, v) in &patch.attrs {
        target.remove_attr(k);
        target.attrs.push((k.clone(), v.clone()));
    }
    for pc in patch.elements() {
        let hit = target
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if same_element(e, pc)));
        match hit {
            Some(i) => {
                if let Node::Element(tc) = &mut target.children[i] {
                    apply_additions(tc, pc);
                }
            }
            None if pc.attr(MARKER) == Some(ADDED_TOP) => {
                target.children.push(Node::Element(pc.clone()));
            }
            None => {}
        }
    }
}

fn ids_match(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

fn purge_markers(e: &mut Element) {
    e.remove_attr(MARKER);
    for c in e.elements_mut() {
        purge_markers(c);
    }
}
