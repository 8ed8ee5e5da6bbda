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
//! Elements are matched by tag and id (and their text); comments by content.

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
    delete_phase(&mut work, &[], new, &mut changes);
    if masked_attrs(&work) != masked_attrs(new) {
        changes.push(modify_change(&work, &[], new));
        work.attrs = new.attrs.clone();
    }
    rest_phase(&mut work, &[], new, &mut changes);
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
    let mut out = Element::new("diff").with_attr("format", "2").with_child(version);
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
pub fn apply_unchecked(patch: &Element, cib: &mut Element) -> Result<(), PatchError> {
    if patch.name != "diff" || patch.attr("format") != Some("2") {
        return Err(PatchError::Format(format!(
            "<{} format={:?}>",
            patch.name,
            patch.attr("format")
        )));
    }
    let mut work = cib.clone();
    for change in patch.children_named("change") {
        apply_change(&mut work, change)?;
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

fn attr_of<'a>(change: &'a Element, key: &str) -> Result<&'a str, PatchError> {
    change
        .attr(key)
        .ok_or_else(|| PatchError::Malformed(format!("<change> without {key}: {}", change.to_xml_compact())))
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

fn apply_change(work: &mut Element, change: &Element) -> Result<(), PatchError> {
    let op = attr_of(change, "operation")?;
    let path = attr_of(change, "path")?;
    let position = position_of(change)?;
    if let Some(parent) = path.strip_suffix("/comment") {
        let parent_path = resolve(work, parent)?;
        let parent_el = xpath::get_mut(work, &parent_path).expect("resolved");
        let pos = position.ok_or_else(|| PatchError::Malformed("comment change without position".into()))?;
        return match op {
            "delete" => {
                let idx = positional_index(parent_el, pos)
                    .filter(|&i| matches!(parent_el.children[i], Node::Comment(_)))
                    .ok_or_else(|| PatchError::NoTarget(format!("{path} position {pos}")))?;
                parent_el.children.remove(idx);
                Ok(())
            }
            _ => Err(PatchError::Malformed(format!("{op} of a comment"))),
        };
    }
    match op {
        "create" => {
            let parent_path = resolve(work, path)?;
            let parent_el = xpath::get_mut(work, &parent_path).expect("resolved");
            let node = change
                .children
                .iter()
                .find(|n| matches!(n, Node::Element(_) | Node::Comment(_)))
                .cloned()
                .ok_or_else(|| PatchError::Malformed("create without content".into()))?;
            insert_at(parent_el, position, node);
        }
        "delete" => {
            // Deleting what is already gone is not an error (Pacemaker skips it too).
            if let Ok(target) = resolve(work, path) {
                let (last, parent) = target
                    .split_last()
                    .ok_or_else(|| PatchError::Malformed("delete of the root".into()))?;
                xpath::get_mut(work, parent).expect("resolved").children.remove(*last);
            }
        }
        "modify" => {
            let target = resolve(work, path)?;
            let el = xpath::get_mut(work, &target).expect("resolved");
            if let Some(result) = change.child("change-result").and_then(|r| r.elements().next()) {
                el.attrs = result.attrs.clone();
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
        }
        "move" => {
            let target = resolve(work, path)?;
            let (last, parent) = target
                .split_last()
                .ok_or_else(|| PatchError::Malformed("move of the root".into()))?;
            let parent_el = xpath::get_mut(work, parent).expect("resolved");
            let node = parent_el.children.remove(*last);
            insert_at(parent_el, position, node);
        }
        other => return Err(PatchError::Malformed(format!("unknown operation '{other}'"))),
    }
    Ok(())
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
#[derive(PartialEq)]
enum Key<'a> {
    Element(&'a str, Option<&'a str>, Vec<&'a str>),
    Comment(&'a str),
}

fn key(n: &Node) -> Option<Key<'_>> {
    match n {
        Node::Element(e) => Some(Key::Element(
            &e.name,
            e.id(),
            e.children
                .iter()
                .filter_map(|c| match c {
                    Node::Text(t) | Node::CData(t) | Node::ProcessingInstruction(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect(),
        )),
        Node::Comment(c) => Some(Key::Comment(c)),
        _ => None,
    }
}

/// Greedy matching: each new positional child takes the first unmatched old one with its key.
/// Returns, per old positional child, the index of its new partner.
fn match_children(old: &Element, new: &Element) -> Vec<Option<usize>> {
    let old_kids: Vec<&Node> = old.children.iter().filter(|n| is_positional(n)).collect();
    let new_kids: Vec<&Node> = new.children.iter().filter(|n| is_positional(n)).collect();
    let mut partner = vec![None; old_kids.len()];
    for (j, nk) in new_kids.iter().enumerate() {
        let k = key(nk);
        if let Some(i) = (0..old_kids.len()).find(|&i| partner[i].is_none() && key(old_kids[i]) == k) {
            partner[i] = Some(j);
        }
    }
    partner
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
        xpath::get_mut(work, path).expect("valid").children.remove(idx);
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
        if let (Node::Element(_), Node::Element(new_child)) =
            (&xpath::get(work, path).expect("valid").children[idx], new_kids[new_j])
        {
            let mut child_path = path.to_vec();
            child_path.push(idx);
            delete_phase(work, &child_path, new_child, changes);
        }
    }
}

/// Emits creates, modifies and moves for the children of `path`, depth first in new order.
/// `work` at `path` holds exactly the matched children of `new` (deletes are done).
fn rest_phase(work: &mut Element, path: &[usize], new: &Element, changes: &mut Vec<Element>) {
    let new_kids: Vec<&Node> = new.children.iter().filter(|n| is_positional(n)).collect();
    let partner = match_children(xpath::get(work, path).expect("valid"), new);
    // tokens[i] = the new index of the node now at positional index i of work.
    let mut tokens: Vec<usize> = partner.iter().map(|p| p.expect("all matched after deletes")).collect();
    for (p, nk) in new_kids.iter().enumerate() {
        match tokens.iter().position(|&t| t == p) {
            None => {
                let change = Element::new("change")
                    .with_attr("operation", "create")
                    .with_attr("path", path_string(work, path))
                    .with_attr("position", p.to_string());
                let mut change = change;
                change.children.push((*nk).clone());
                changes.push(change);
                insert_at(xpath::get_mut(work, path).expect("valid"), Some(p), (*nk).clone());
                tokens.insert(p, p);
            }
            Some(q) => {
                let parent = xpath::get(work, path).expect("valid");
                let idx = positional_index(parent, q).expect("in range");
                let is_comment = matches!(parent.children[idx], Node::Comment(_));
                if q != p && is_comment {
                    // Comments have no path of their own to move: delete and recreate.
                    changes.push(
                        Element::new("change")
                            .with_attr("operation", "delete")
                            .with_attr("path", format!("{}/comment", path_string(work, path)))
                            .with_attr("position", q.to_string()),
                    );
                    let parent = xpath::get_mut(work, path).expect("valid");
                    let node = parent.children.remove(idx);
                    tokens.remove(q);
                    let mut change = Element::new("change")
                        .with_attr("operation", "create")
                        .with_attr("path", path_string(work, path))
                        .with_attr("position", p.to_string());
                    change.children.push(node.clone());
                    changes.push(change);
                    insert_at(xpath::get_mut(work, path).expect("valid"), Some(p), node);
                    tokens.insert(p, p);
                    continue;
                }
                if is_comment {
                    continue;
                }
                let Node::Element(new_child) = nk else { unreachable!("keys match") };
                let mut child_path = path.to_vec();
                child_path.push(idx);
                let current = xpath::get(work, &child_path).expect("valid");
                if current.attrs != new_child.attrs {
                    changes.push(modify_change(work, &child_path, new_child));
                    xpath::get_mut(work, &child_path).expect("valid").attrs = new_child.attrs.clone();
                }
                if q != p {
                    changes.push(
                        Element::new("change")
                            .with_attr("operation", "move")
                            .with_attr("path", path_string(work, &child_path))
                            .with_attr("position", p.to_string()),
                    );
                    let parent = xpath::get_mut(work, path).expect("valid");
                    let node = parent.children.remove(idx);
                    insert_at(parent, Some(p), node);
                    let t = tokens.remove(q);
                    tokens.insert(p, t);
                }
                let parent = xpath::get(work, path).expect("valid");
                let idx = positional_index(parent, p).expect("in range");
                let mut child_path = path.to_vec();
                child_path.push(idx);
                rest_phase(work, &child_path, new_child, changes);
            }
        }
    }
}

fn modify_change(work: &Element, path: &[usize], new: &Element) -> Element {
    let old = xpath::get(work, path).expect("valid");
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
        .with_attr("path", path_string(work, path))
        .with_child(list)
        .with_child(Element::new("change-result").with_child(result))
}

/// The XPath of the element at `path` in `root`: `/cib/.../name[@id='x']`, with a position
/// predicate only when an earlier sibling would match the same step.
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
        let rank = cur.children[..i]
            .iter()
            .filter(|n| matches!(n, Node::Element(s) if s.name == child.name && s.id() == child.id()))
            .count();
        if rank > 0 {
            out.push_str(&format!("[{}]", rank + 1));
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
        let ops: Vec<&str> = d.children_named("change").map(|c| c.attr("operation").unwrap()).collect();
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
        roundtrip("<r s='1'><x><y/></x></r>", "<r t='2'><x>text<y/></x></r>");
        roundtrip("<r><s id='1'/><m id='1'/><m id='2'/><s id='2'/></r>", "<r><s id='1'/><s id='2'/><m id='2'/><m id='1'/></r>");
    }

    #[test]
    fn applies_crm_diff_output() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/cli-corpus/");
        let old = std::fs::read_to_string(format!("{dir}crm_diff_old.xml")).unwrap();
        let new = std::fs::read_to_string(format!("{dir}crm_diff_new.xml")).unwrap();
        let exp = std::fs::read_to_string(format!("{dir}regression.tools.exp")).unwrap();
        let start = exp.find("Begin test: Create an XML patchset =#=#=#=\n").unwrap();
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
