//! Pacemaker's v2 XML patch format, as `crm_diff` writes it and `cibadmin -P` applies it.
//!
//! ```text
//! <diff format="2">
//!   <version><source admin_epoch epoch num_updates/><target .../></version>
//!   <change operation="delete" path="/cib/configuration/nodes/node[@id='3']"/>
//!   <change operation="modify" path="..."><change-list><change-attr name operation="set|unset"
//!     value/></change-list><change-result><elem all-new-attributes/></change-result></change>
//!   <change operation="create" path="PARENT" position="N"><new-subtree/></change>
//!   <change operation="move" path="..." position="N"/>
//! </diff>
//! ```
//!
//! Paths are absolute element paths with `[@id='x']` predicates; comments are addressed as
//! `PARENT/comment` plus `position`. Positions count element and comment children only.
//! Changes apply strictly in order, each on the result of the previous one; [`diff`] emits
//! them so that holds: all deletes first, then a depth-first walk of the new tree giving each
//! element's modify and move before its children, and creations in ascending position.
//! Elements are matched by tag and id (and their text); comments by content. Text directly
//! inside the root element can not be expressed (Pacemaker ignores text altogether).

use crate::version::CibVersion;
use crate::xpath::{self, XPath, XPathError};
use crate::{Element, Node};

/// A patch that can not be applied or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PatchError {
    /// The document is not a `<diff format="2">`.
    #[error("unsupported patch format: {0}")]
    Format(String),
    /// A change is missing something it needs.
    #[error("malformed change: {0}")]
    Malformed(String),
    /// A change's path matches nothing.
    #[error("no element matches {0}")]
    NoTarget(String),
    /// The patch was made against another version.
    #[error("patch applies to version {expected}, the CIB is at {actual}")]
    VersionMismatch {
        /// The patch's source version.
        expected: CibVersion,
        /// The CIB's version.
        actual: CibVersion,
    },
    /// A path is not valid XPath.
    #[error(transparent)]
    XPath(#[from] XPathError),
}

const VERSION_ATTRS: [&str; 3] = ["admin_epoch", "epoch", "num_updates"];

/// The patch that turns `old` into `new`.
pub fn diff(old: &Element, new: &Element) -> Element {
    let mut changes = Vec::new();
    let mut work = old.clone();
    if is_ambiguous(old) || is_ambiguous(new) {
        replace_root_children(&mut work, new, &mut changes);
    } else {
        delete_phase(&mut work, &[], new, &mut changes);
        if masked_attrs(old) != masked_attrs(new) {
            changes.push(modify_change(old, &format!("/{}", old.name), new));
        }
        rest_phase(new, &[], old, &mut changes);
    }
    let mut version = Element::new("version");
    for (tag, src) in [("source", old), ("target", new)] {
        let mut v = Element::new(tag);
        for k in VERSION_ATTRS {
            if let Some(val) = src.attr(k) {
                v.set_attr(k, val);
            }
        }
        version = version.with_child(v);
    }
    let mut out = Element::new("diff")
        .with_attr("format", "2")
        .with_child(version);
    out.children.extend(changes.into_iter().map(Node::Element));
    out
}

/// Applies `patch` to `cib`, checking first that `cib` is at the patch's source version.
/// On error `cib` is unchanged.
pub fn apply(patch: &Element, cib: &mut Element) -> Result<(), PatchError> {
    let source = patch
        .child("version")
        .and_then(|v| v.child("source"))
        .map(CibVersion::from_element);
    if let Some(expected) = source {
        let actual = CibVersion::from_element(cib);
        if expected != actual {
            return Err(PatchError::VersionMismatch { expected, actual });
        }
    }
    apply_unchecked(patch, cib)
}

/// Applies `patch` without the version check; the target version is still written.
///
/// Application follows Pacemaker's two passes: first every change is located in order,
/// deletes and modifies are done at once and moved elements are parked at the end of their
/// parent; then creations and moves are done in ascending position order.
pub fn apply_unchecked(patch: &Element, cib: &mut Element) -> Result<(), PatchError> {
    if patch.name != "diff" || patch.attr("format") != Some("2") {
        return Err(PatchError::Format(format!(
            "<{} format={:?}>",
            patch.name,
            patch.attr("format")
        )));
    }
    let mut work = cib.clone();
    let mut deferred: Vec<Deferred> = Vec::new();
    for (i, change) in patch.children_named("change").enumerate() {
        if let Some(d) = first_pass(&mut work, change, i)? {
            deferred.push(d);
        }
    }
    // A stable sort keeps the patch's order among equal positions.
    deferred.sort_by_key(|d| d.position);
    for d in &deferred {
        second_pass(&mut work, d)?;
    }
    if let Some(target) = patch.child("version").and_then(|v| v.child("target")) {
        for k in VERSION_ATTRS {
            if let Some(v) = target.attr(k) {
                work.set_attr(k, v);
            }
        }
    }
    *cib = work;
    Ok(())
}

/// A create or move waiting for the second pass. Its element (the parent for a create) carries
/// a temporary marker attribute, since positions shift in between.
struct Deferred {
    marker: String,
    position: usize,
    /// The node to insert (create) or `None` (move).
    node: Option<Node>,
}

/// Marker attribute names can not occur in parsed XML (they start with a control character).
fn marker_name(i: usize) -> String {
    format!("\u{1}patch-{i}")
}

fn attr_of<'a>(change: &'a Element, key: &str) -> Result<&'a str, PatchError> {
    change.attr(key).ok_or_else(|| {
        PatchError::Malformed(format!(
            "<change> without {key}: {}",
            change.to_xml_compact()
        ))
    })
}

fn position_of(change: &Element) -> Result<Option<usize>, PatchError> {
    change
        .attr("position")
        .map(|p| {
            p.trim()
                .parse()
                .map_err(|_| PatchError::Malformed(format!("bad position '{p}'")))
        })
        .transpose()
}

fn first_pass(
    work: &mut Element,
    change: &Element,
    index: usize,
) -> Result<Option<Deferred>, PatchError> {
    let op = attr_of(change, "operation")?;
    let path = attr_of(change, "path")?;
    let position = position_of(change)?;
    if let Some(parent) = path.strip_suffix("/comment") {
        if op != "delete" {
            return Err(PatchError::Malformed(format!("{op} of a comment")));
        }
        let pos = position
            .ok_or_else(|| PatchError::Malformed("comment change without position".into()))?;
        // Like any delete, a missing target is skipped.
        if let Ok(parent_path) = resolve(work, parent) {
            let parent_el = xpath::get_mut(work, &parent_path).expect("resolved");
            if let Some(idx) = positional_index(parent_el, pos)
                .filter(|&i| matches!(parent_el.children[i], Node::Comment(_)))
            {
                parent_el.children.remove(idx);
            }
        }
        return Ok(None);
    }
    let marker = marker_name(index);
    match op {
        "create" => {
            let parent_path = resolve(work, path)?;
            let node = change
                .children
                .iter()
                .find(|n| matches!(n, Node::Element(_) | Node::Comment(_)))
                .cloned()
                .ok_or_else(|| PatchError::Malformed("create without content".into()))?;
            xpath::get_mut(work, &parent_path)
                .expect("resolved")
                .set_attr(&marker, "");
            Ok(Some(Deferred {
                marker,
                position: position.unwrap_or(usize::MAX),
                node: Some(node),
            }))
        }
        "delete" => {
            // Deleting what is already gone is not an error (Pacemaker skips it too).
            if let Ok(target) = resolve(work, path) {
                let (last, parent) = target
                    .split_last()
                    .ok_or_else(|| PatchError::Malformed("delete of the root".into()))?;
                xpath::get_mut(work, parent)
                    .expect("resolved")
                    .children
                    .remove(*last);
            }
            Ok(None)
        }
        "modify" => {
            let target = resolve(work, path)?;
            let el = xpath::get_mut(work, &target).expect("resolved");
            let markers: Vec<(String, String)> = el
                .attrs
                .iter()
                .filter(|(k, _)| k.starts_with('\u{1}'))
                .cloned()
                .collect();
            if let Some(result) = change
                .child("change-result")
                .and_then(|r| r.elements().next())
            {
                el.attrs = result.attrs.clone();
                el.attrs.extend(markers);
            } else {
                let list = change
                    .child("change-list")
                    .ok_or_else(|| PatchError::Malformed("modify without change-list".into()))?;
                for ca in list.children_named("change-attr") {
                    let name = attr_of(ca, "name")?;
                    match ca.attr("operation") {
                        Some("unset") => {
                            el.remove_attr(name);
                        }
                        _ => el.set_attr(name, ca.attr("value").unwrap_or_default()),
                    }
                }
            }
            Ok(None)
        }
        "move" => {
            let target = resolve(work, path)?;
            let (last, parent) = target
                .split_last()
                .ok_or_else(|| PatchError::Malformed("move of the root".into()))?;
            let parent_el = xpath::get_mut(work, parent).expect("resolved");
            let mut node = parent_el.children.remove(*last);
            if let Node::Element(e) = &mut node {
                e.set_attr(&marker, "");
            }
            // Parked at the end until the second pass.
            parent_el.children.push(node);
            Ok(Some(Deferred {
                marker,
                position: position.unwrap_or(usize::MAX),
                node: None,
            }))
        }
        other => Err(PatchError::Malformed(format!(
            "unknown operation '{other}'"
        ))),
    }
}

fn second_pass(work: &mut Element, d: &Deferred) -> Result<(), PatchError> {
    let path = find_marked(work, &d.marker)
        .ok_or_else(|| PatchError::NoTarget(format!("element of change {}", d.marker)))?;
    let position = Some(d.position).filter(|&p| p != usize::MAX);
    match &d.node {
        Some(node) => {
            let parent = xpath::get_mut(work, &path).expect("found");
            parent.remove_attr(&d.marker);
            insert_at(parent, position, node.clone());
        }
        None => {
            let (last, parent) = path.split_last().expect("moves are never the root");
            let parent_el = xpath::get_mut(work, parent).expect("found");
            let mut node = parent_el.children.remove(*last);
            if let Node::Element(e) = &mut node {
                e.remove_attr(&d.marker);
            }
            insert_at(parent_el, position, node);
        }
    }
    Ok(())
}

fn find_marked(root: &Element, marker: &str) -> Option<Vec<usize>> {
    if root.attr(marker).is_some() {
        return Some(Vec::new());
    }
    for (i, n) in root.children.iter().enumerate() {
        if let Node::Element(c) = n {
            if let Some(mut p) = find_marked(c, marker) {
                p.insert(0, i);
                return Some(p);
            }
        }
    }
    None
}

fn resolve(work: &Element, path: &str) -> Result<Vec<usize>, PatchError> {
    XPath::parse(path)?
        .select(work)
        .into_iter()
        .next()
        .ok_or_else(|| PatchError::NoTarget(path.to_string()))
}

fn is_positional(n: &Node) -> bool {
    matches!(n, Node::Element(_) | Node::Comment(_))
}

/// The index in `children` of the `pos`-th element-or-comment child.
fn positional_index(parent: &Element, pos: usize) -> Option<usize> {
    parent
        .children
        .iter()
        .enumerate()
        .filter(|(_, n)| is_positional(n))
        .nth(pos)
        .map(|(i, _)| i)
}

fn insert_at(parent: &mut Element, position: Option<usize>, node: Node) {
    let idx = position
        .and_then(|p| positional_index(parent, p))
        .unwrap_or(parent.children.len());
    parent.children.insert(idx, node);
}

/// Attributes with the version values blanked (they travel in `<version>`).
fn masked_attrs(e: &Element) -> Vec<(&str, &str)> {
    e.attrs
        .iter()
        .map(|(k, v)| {
            if VERSION_ATTRS.contains(&k.as_str()) {
                (k.as_str(), "")
            } else {
                (k.as_str(), v.as_str())
            }
        })
        .collect()
}

/// What must be equal for an old and a new child to be "the same node".
/// For elements: tag, id and text children (changes can not address text, so an element whose
/// text differs is replaced whole). An element mixing text with element or comment children,
/// or with children a path can not tell apart, is compared whole as well.
#[derive(PartialEq)]
enum Key<'a> {
    Element(&'a str, Option<&'a str>, Vec<&'a Node>),
    Mixed(String),
    Comment(&'a str),
}

fn key(n: &Node) -> Option<Key<'_>> {
    match n {
        Node::Element(e) => {
            let texts: Vec<&Node> = e.children.iter().filter(|c| !is_positional(c)).collect();
            if (!texts.is_empty() && texts.len() < e.children.len()) || is_ambiguous(e) {
                return Some(Key::Mixed(e.to_xml_compact()));
            }
            Some(Key::Element(&e.name, e.id(), texts))
        }
        Node::Comment(c) => Some(Key::Comment(c)),
        _ => None,
    }
}

/// Two element children with the same tag and id (or both without one) can not be told apart
/// by a path, so changes inside such a parent are not expressible: it is compared whole.
/// Children whose tag or id a path can not spell count as ambiguous too.
fn is_ambiguous(e: &Element) -> bool {
    let mut seen = std::collections::HashSet::new();
    e.elements().any(|c| {
        !seen.insert((c.name.as_str(), c.id()))
            || !is_path_name(&c.name)
            || c.id()
                .is_some_and(|id| id.contains('\'') && id.contains('"'))
    })
}

/// Whether `name` can be a step of a change path.
pub fn is_path_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '#'))
}

/// Greedy matching: each new positional child takes the first unmatched old one with its key.
/// Matched children whose place among the matched ones changes are moved; such a comment is
/// left unmatched instead (deleted and created again), since a comment path can not name it
/// for a move. Returns, per old positional child, its new partner.
fn match_children(old: &Element, new: &Element) -> Vec<Option<usize>> {
    let old_kids: Vec<&Node> = old.children.iter().filter(|n| is_positional(n)).collect();
    let new_kids: Vec<&Node> = new.children.iter().filter(|n| is_positional(n)).collect();
    let mut partner = vec![None; old_kids.len()];
    for (j, nk) in new_kids.iter().enumerate() {
        let k = key(nk);
        if let Some(i) =
            (0..old_kids.len()).find(|&i| partner[i].is_none() && key(old_kids[i]) == k)
        {
            partner[i] = Some(j);
        }
    }
    // Unmatch the comment that moves farthest, one at a time: that often puts the others back
    // in place.
    loop {
        let old_order: Vec<(usize, usize)> = partner
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| (i, p)))
            .collect();
        let mut new_order: Vec<usize> = old_order.iter().map(|&(_, p)| p).collect();
        new_order.sort_unstable();
        let farthest = old_order
            .iter()
            .enumerate()
            .filter(|(_, (i, _))| matches!(old_kids[*i], Node::Comment(_)))
            .map(|(k, &(i, p))| {
                let k_new = new_order.binary_search(&p).expect("present");
                (k.abs_diff(k_new), i)
            })
            .filter(|&(distance, _)| distance > 0)
            .max_by_key(|&(distance, i)| (distance, std::cmp::Reverse(i)));
        match farthest {
            Some((_, i)) => partner[i] = None,
            None => return partner,
        }
    }
}

/// The new indices of the matched children that do not move: those at the same place among
/// the matched children in old and in new order (Pacemaker's rule). They keep their relative
/// order, which is all that applying creates and moves by ascending position needs.
fn stable_set(partner: &[Option<usize>]) -> std::collections::HashSet<usize> {
    let old_order: Vec<usize> = partner.iter().flatten().copied().collect();
    let mut new_order = old_order.clone();
    new_order.sort_unstable();
    old_order
        .iter()
        .zip(&new_order)
        .filter(|(a, b)| a == b)
        .map(|(a, _)| *a)
        .collect()
}

/// The root can not be replaced, so when its children can not be told apart by paths, all of
/// them are deleted (the first match each time, which empties it whatever the order) and the
/// new ones created.
fn replace_root_children(work: &mut Element, new: &Element, changes: &mut Vec<Element>) {
    let root = format!("/{}", work.name);
    for n in work.children.iter().filter(|n| is_positional(n)) {
        let mut change = Element::new("change").with_attr("operation", "delete");
        match n {
            // By tag only: deleting the first match each time removes them all in any order.
            Node::Element(e) if is_path_name(&e.name) => {
                change.set_attr("path", format!("{root}/{}", e.name));
            }
            Node::Element(_) => {
                change.set_attr("path", format!("{root}/*"));
            }
            _ => {
                change.set_attr("path", format!("{root}/comment"));
                change.set_attr("position", "0");
            }
        }
        changes.push(change);
    }
    if masked_attrs(work) != masked_attrs(new) {
        changes.push(modify_change(work, &format!("/{}", work.name), new));
    }
    for (p, n) in new.children.iter().filter(|n| is_positional(n)).enumerate() {
        let mut change = Element::new("change")
            .with_attr("operation", "create")
            .with_attr("path", root.clone())
            .with_attr("position", p.to_string());
        change.children.push(n.clone());
        changes.push(change);
    }
    *work = new.clone();
}

/// Emits (and applies to `work`) the deletes of the subtree at `path`, depth first.
fn delete_phase(work: &mut Element, path: &[usize], new: &Element, changes: &mut Vec<Element>) {
    let el = xpath::get(work, path).expect("valid").clone();
    let partner = match_children(&el, new);
    let new_kids: Vec<&Node> = new.children.iter().filter(|n| is_positional(n)).collect();
    // Delete the unmatched children, each addressed in the state left by the previous delete.
    let mut pos = 0;
    for (i, p) in partner.iter().enumerate() {
        let _ = i;
        if p.is_some() {
            pos += 1;
            continue;
        }
        let parent = xpath::get(work, path).expect("valid");
        let idx = positional_index(parent, pos).expect("in range");
        let mut change = Element::new("change").with_attr("operation", "delete");
        match &parent.children[idx] {
            Node::Comment(_) => {
                change.set_attr("path", format!("{}/comment", path_string(work, path)));
                change.set_attr("position", pos.to_string());
            }
            _ => {
                let mut child_path = path.to_vec();
                child_path.push(idx);
                change.set_attr("path", path_string(work, &child_path));
            }
        }
        changes.push(change);
        xpath::get_mut(work, path)
            .expect("valid")
            .children
            .remove(idx);
    }
    // Recurse into the kept element children.
    let kept: Vec<usize> = partner.iter().flatten().copied().collect();
    let parent = xpath::get(work, path).expect("valid");
    let kid_indices: Vec<usize> = parent
        .children
        .iter()
        .enumerate()
        .filter(|(_, n)| is_positional(n))
        .map(|(i, _)| i)
        .collect();
    for (k, &new_j) in kept.iter().enumerate() {
        let idx = kid_indices[k];
        if let (Node::Element(_), Node::Element(new_child)) = (
            &xpath::get(work, path).expect("valid").children[idx],
            new_kids[new_j],
        ) {
            let mut child_path = path.to_vec();
            child_path.push(idx);
            delete_phase(work, &child_path, new_child, changes);
        }
    }
}

/// Emits creates, modifies and moves for the children of the element at `new_path` of
/// `new_root` (whose old counterpart is `old`), depth first in new order. Paths are spelled
/// from the new tree: every ancestor is matched, so it has the same tag and id in both.
fn rest_phase(
    new_root: &Element,
    new_path: &[usize],
    old: &Element,
    changes: &mut Vec<Element>,
) {
    let new = xpath::get(new_root, new_path).expect("valid");
    let old_kids: Vec<&Node> = old.children.iter().filter(|n| is_positional(n)).collect();
    let partner = match_children(old, new);
    let stable = stable_set(&partner);
    let old_of_new: std::collections::HashMap<usize, usize> = partner
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (p, i)))
        .collect();
    let positional = new
        .children
        .iter()
        .enumerate()
        .filter(|(_, n)| is_positional(n));
    for (p, (idx, nk)) in positional.enumerate() {
        let Some(&i) = old_of_new.get(&p) else {
            let mut change = Element::new("change")
                .with_attr("operation", "create")
                .with_attr("path", path_string(new_root, new_path))
                .with_attr("position", p.to_string());
            change.children.push(nk.clone());
            changes.push(change);
            continue;
        };
        let (Node::Element(old_child), Node::Element(new_child)) = (old_kids[i], nk) else {
            // A matched comment: equal, and never moved (see `match_children`).
            continue;
        };
        let mut child_path = new_path.to_vec();
        child_path.push(idx);
        if old_child.attrs != new_child.attrs {
            changes.push(modify_change(old_child, &path_string(new_root, &child_path), new_child));
        }
        if !stable.contains(&p) {
            changes.push(
                Element::new("change")
                    .with_attr("operation", "move")
                    .with_attr("path", path_string(new_root, &child_path))
                    .with_attr("position", p.to_string()),
            );
        }
        rest_phase(new_root, &child_path, old_child, changes);
    }
}

fn modify_change(old: &Element, path: &str, new: &Element) -> Element {
    let mut list = Element::new("change-list");
    for (i, (k, v)) in new.attrs.iter().enumerate() {
        let same_place = old.attrs.get(i).is_some_and(|(ok, ov)| ok == k && ov == v);
        if !same_place {
            list = list.with_child(
                Element::new("change-attr")
                    .with_attr("name", k.clone())
                    .with_attr("operation", "set")
                    .with_attr("value", v.clone()),
            );
        }
    }
    for (k, _) in &old.attrs {
        if new.attr(k).is_none() {
            list = list.with_child(
                Element::new("change-attr")
                    .with_attr("name", k.clone())
                    .with_attr("operation", "unset"),
            );
        }
    }
    let mut result = Element::new(new.name.clone());
    result.attrs = new.attrs.clone();
    Element::new("change")
        .with_attr("operation", "modify")
        .with_attr("path", path)
        .with_child(list)
        .with_child(Element::new("change-result").with_child(result))
}

/// The XPath of the element at `path` in `root`: `/cib/.../name[@id='x']`, as Pacemaker
/// writes change paths.
pub fn path_string(root: &Element, path: &[usize]) -> String {
    let mut out = format!("/{}", root.name);
    let mut cur = root;
    for &i in path {
        let Node::Element(child) = &cur.children[i] else {
            panic!("path through a non-element")
        };
        out.push('/');
        out.push_str(&child.name);
        if let Some(id) = child.id() {
            if id.contains('\'') {
                out.push_str(&format!("[@id=\"{id}\"]"));
            } else {
                out.push_str(&format!("[@id='{id}']"));
            }
        }
        cur = child;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_element;

    fn roundtrip(a: &str, b: &str) -> Element {
        let a = parse_element(a).unwrap();
        let b = parse_element(b).unwrap();
        let d = diff(&a, &b);
        let mut x = a.clone();
        apply(&d, &mut x).unwrap_or_else(|e| panic!("{e}\n{}", d.to_xml()));
        assert_eq!(x, b, "patch:\n{}", d.to_xml());
        d
    }

    #[test]
    fn simple_changes() {
        let d = roundtrip(
            r#"<cib epoch="1"><configuration><nodes><node id="1"/><node id="2"/></nodes></configuration></cib>"#,
            r#"<cib epoch="2"><configuration><nodes><node id="2" uname="b"/><node id="3"/></nodes></configuration></cib>"#,
        );
        let ops: Vec<&str> = d
            .children_named("change")
            .map(|c| c.attr("operation").unwrap())
            .collect();
        assert_eq!(ops, ["delete", "modify", "create"]);
        assert_eq!(
            d.children_named("change").next().unwrap().attr("path"),
            Some("/cib/configuration/nodes/node[@id='1']")
        );
    }

    #[test]
    fn moves_comments_and_idless_duplicates() {
        roundtrip(
            "<r><a id='1'/><!--c--><b/><b x='1'/><a id='2'/><c/></r>",
            "<r><c/><b x='2'/><a id='2'/><!--d--><b/><a id='1' y='z'/><!--c--></r>",
        );
        roundtrip("<r><x/><y/><z/></r>", "<r><z/><y/><x/></r>");
        roundtrip("<r><x/><x a='1'/></r>", "<r><x a='1'/><x/><y/></r>");
        roundtrip(
            "<r><s><x/><x a='1'/></s><t/></r>",
            "<r><t/><s><x a='2'/><x/></s></r>",
        );
        roundtrip(
            r#"<r><s id="a'b&quot;"/></r>"#,
            r#"<r><s id="a'b&quot;" x="1"/></r>"#,
        );
        roundtrip("<r s='1'><x><y/></x></r>", "<r t='2'><x>text<y/></x></r>");
        // Text placement among siblings (found by fuzzing).
        roundtrip("<r><p><a id='1'/>t<b/></p></r>", "<r><p>t<b/></p></r>");
        roundtrip("<r><p>t<b/></p></r>", "<r><p><a id='1'/>t<b/></p></r>");
        roundtrip(
            "<r><p><x><a id='1'/>t<b/></x></p></r>",
            "<r><p><x><c/>t<b/></x></p></r>",
        );
        roundtrip(
            "<r><s id='1'/><m id='1'/><m id='2'/><s id='2'/></r>",
            "<r><s id='1'/><s id='2'/><m id='2'/><m id='1'/></r>",
        );
    }

    #[test]
    fn applies_crm_diff_output() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/cli-corpus/");
        let old = std::fs::read_to_string(format!("{dir}crm_diff_old.xml")).unwrap();
        let new = std::fs::read_to_string(format!("{dir}crm_diff_new.xml")).unwrap();
        let exp = std::fs::read_to_string(format!("{dir}regression.tools.exp")).unwrap();
        let start = exp
            .find("Begin test: Create an XML patchset =#=#=#=\n")
            .unwrap();
        let body = &exp[start..];
        let body = &body[body.find('\n').unwrap() + 1..];
        let body = &body[..body.find("</diff>").unwrap() + 7];
        let patch = parse_element(body).unwrap();
        let mut cib = parse_element(&old).unwrap();
        apply(&patch, &mut cib).unwrap();
        assert_eq!(cib, parse_element(&new).unwrap());
        // And our own diff of the same pair round-trips.
        roundtrip(&old, &new);
    }
}
