//! Pacemaker's XML patch formats, as `crm_diff` writes them and `cibadmin -P` applies them:
//! the v2 format below, and the older v1 format ([`v1`]) that `crm_diff` still writes for a CIB
//! whose `crm_feature_set` is 3.0.8 or older or missing ([`diff_for`]). [`apply_unchecked`]
//! takes either, telling them apart by the `format` attribute as Pacemaker does.
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
//!
//! [`apply`] works as Pacemaker's patch application does, in two passes: every change is
//! located in order, deletes and modifies are done at once and moved elements are parked at
//! the end of their parent; then creations and moves are done by ascending position.
//!
//! [`diff`] writes what `crm_diff` writes (byte-identical on the corpus pairs we compared, when
//! printed with [`crate::format`]): deletes first in old document order, then a depth-first walk
//! of the new tree giving each element's modify before and its move after its children, and
//! creations in place. Elements match by tag and id, comments by content; an element moves when
//! its position among the kept siblings changed (Pacemaker's rule). An element whose text
//! differs, that mixes text with children, or whose children a path can not tell apart is
//! replaced whole. Text directly inside the root element can not be expressed (Pacemaker
//! ignores text altogether).

pub mod v1;

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
    /// The CIB is newer than the patch's source (Pacemaker's "old data").
    #[error("patch from {source_version} to {target} is older than the CIB at {actual}")]
    Old {
        /// The patch's source version.
        source_version: String,
        /// The patch's target version.
        target: String,
        /// The CIB's version.
        actual: String,
    },
    /// The CIB is older than the patch's source: it needs the whole CIB, not a patch.
    #[error("patch from {source_version} does not apply to the older CIB at {actual}")]
    Ahead {
        /// The patch's source version.
        source_version: String,
        /// The CIB's version.
        actual: String,
    },
    /// The result does not have the digest the patch announces.
    #[error("patch result digest {actual} differs from the patch's {expected}")]
    Digest {
        /// The patch's `digest`.
        expected: String,
        /// The result's digest.
        actual: String,
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
        if old.attrs != new.attrs {
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

/// The patch `crm_diff` writes for `old` and `new`: v2 when `old`'s `crm_feature_set` is
/// newer than 3.0.8, else v1; `None` when there is nothing to write.
pub fn diff_for(old: &Element, new: &Element) -> Option<Element> {
    let v2 = old
        .attr("crm_feature_set")
        .is_some_and(|v| compare_versions(v, "3.0.8").is_gt());
    if !v2 {
        return v1::diff(old, new);
    }
    (old != new).then(|| diff(old, new))
}

/// Compares dotted version strings field by field as numbers (a missing field is 0), like
/// Pacemaker's `compare_version`.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let nums = |s: &str| -> Vec<u64> {
        s.split('.')
            .map(|p| p.trim().parse().unwrap_or(0))
            .collect()
    };
    let (a, b) = (nums(a), nums(b));
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// The patch's format: its `format` attribute, 1 when absent (as Pacemaker reads it).
pub fn format_of(patch: &Element) -> Result<u8, PatchError> {
    let bad = || {
        PatchError::Format(format!(
            "<{} format={:?}>",
            patch.name,
            patch.attr("format")
        ))
    };
    if patch.name != "diff" {
        return Err(bad());
    }
    match patch.attr("format").map(str::trim) {
        None | Some("1") => Ok(1),
        Some("2") => Ok(2),
        Some(_) => Err(bad()),
    }
}

/// The versions a patch goes from and to, as Pacemaker's `xml_patch_versions` reads them: a
/// field the patch does not give is the CIB's own (and the target's `num_updates` one more).
pub fn versions(patch: &Element, cib: &Element) -> Result<(CibVersion, CibVersion), PatchError> {
    let this = CibVersion::from_element(cib);
    let [from, to] = match format_of(patch)? {
        1 => v1::versions(patch),
        _ => {
            let read = |tag: &str| {
                let e = patch.child("version").and_then(|v| v.child(tag));
                VERSION_ATTRS.map(|k| {
                    e.and_then(|e| e.attr(k))
                        .and_then(|v| v.trim().parse().ok())
                })
            };
            [read("source"), read("target")]
        }
    };
    let fill = |f: [Option<u64>; 3], d: CibVersion| CibVersion {
        admin_epoch: f[0].unwrap_or(d.admin_epoch),
        epoch: f[1].unwrap_or(d.epoch),
        num_updates: f[2].unwrap_or(d.num_updates),
    };
    Ok((fill(from, this), fill(to, this.bump_updates())))
}

/// Pacemaker's check before `cibadmin -P` applies a patch: the CIB must be exactly at the
/// patch's source version, and the patch must raise it.
pub fn check_version(patch: &Element, cib: &Element) -> Result<(), PatchError> {
    let (from, to) = versions(patch, cib)?;
    let actual = CibVersion::from_element(cib);
    if actual < from {
        return Err(PatchError::Ahead {
            source_version: from.to_string(),
            actual: actual.to_string(),
        });
    }
    // Pacemaker asks for any field to rise, not for a higher tuple.
    let raises = to.admin_epoch > from.admin_epoch
        || to.epoch > from.epoch
        || to.num_updates > from.num_updates;
    if actual > from || !raises {
        return Err(PatchError::Old {
            source_version: from.to_string(),
            target: to.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

/// Applies `patch` to `cib`, checking first that `cib` is at the patch's source version.
/// On error `cib` is unchanged.
pub fn apply(patch: &Element, cib: &mut Element) -> Result<(), PatchError> {
    let source = match format_of(patch)? {
        1 => {
            let [from, _] = v1::versions(patch);
            from.iter()
                .any(Option::is_some)
                .then(|| versions(patch, cib).map(|v| v.0))
                .transpose()?
        }
        _ => patch
            .child("version")
            .and_then(|v| v.child("source"))
            .map(CibVersion::from_element),
    };
    if let Some(expected) = source {
        let actual = CibVersion::from_element(cib);
        if expected != actual {
            return Err(PatchError::VersionMismatch { expected, actual });
        }
    }
    apply_unchecked(patch, cib)
}

/// Applies a v1 or v2 patch without the version check, then checks the result against the
/// patch's `digest` when it has one (as Pacemaker does). On error `cib` is unchanged.
pub fn apply_unchecked(patch: &Element, cib: &mut Element) -> Result<(), PatchError> {
    let mut work = cib.clone();
    match format_of(patch)? {
        1 => v1::apply(patch, &mut work).map_err(PatchError::Malformed)?,
        _ => apply_v2(patch, &mut work)?,
    }
    if let Some(expected) = patch.attr("digest") {
        let actual = crate::digest::versioned_digest(&work);
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(PatchError::Digest {
                expected: expected.to_string(),
                actual,
            });
        }
    }
    *cib = work;
    Ok(())
}

/// Applies a v2 patch. As in Pacemaker, the version attributes change only through the
/// patch's own `/cib` modify (which [`diff`] writes whenever they differ).
///
/// Application follows Pacemaker's two passes: first every change is located in order,
/// deletes and modifies are done at once and moved elements are parked at the end of their
/// parent; then creations and moves are done in ascending position order.
fn apply_v2(patch: &Element, cib: &mut Element) -> Result<(), PatchError> {
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

/// What must be equal for an old and a new child to be "the same node".
/// For elements: tag, id and text children (changes can not address text, so an element whose
/// text differs is replaced whole). An element mixing text with element or comment children,
/// or with children a path can not tell apart, is compared whole as well.
#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    /// Tag, id, and the text-like children (kind, content).
    Element(&'a str, Option<&'a str>, Vec<(u8, &'a str)>),
    Mixed(String),
    Comment(&'a str),
}

fn key(n: &Node) -> Option<Key<'_>> {
    match n {
        Node::Element(e) => {
            let texts: Vec<(u8, &str)> = e
                .children
                .iter()
                .filter_map(|c| match c {
                    Node::Text(t) => Some((b't', t.as_str())),
                    Node::CData(t) => Some((b'c', t.as_str())),
                    Node::ProcessingInstruction(t) => Some((b'p', t.as_str())),
                    _ => None,
                })
                .collect();
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
    // Old children by key, in order: the first unmatched one is at the front.
    let mut by_key: std::collections::HashMap<Key, std::collections::VecDeque<usize>> =
        std::collections::HashMap::new();
    for (i, ok) in old_kids.iter().enumerate() {
        if let Some(k) = key(ok) {
            by_key.entry(k).or_default().push_back(i);
        }
    }
    for (j, nk) in new_kids.iter().enumerate() {
        let found = key(nk)
            .and_then(|k| by_key.get_mut(&k))
            .and_then(|q| q.pop_front());
        if let Some(i) = found {
            partner[i] = Some(j);
        }
    }
    // Unmatch the moving comment that moves farthest, one at a time: that often puts the
    // others back in place.
    loop {
        let stable = stable_set(&partner);
        let matched: Vec<(usize, usize)> = partner
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| (i, p)))
            .collect();
        let mut new_order: Vec<usize> = matched.iter().map(|&(_, p)| p).collect();
        new_order.sort_unstable();
        let farthest = matched
            .iter()
            .enumerate()
            .filter(|(_, (i, p))| !stable.contains(p) && matches!(old_kids[*i], Node::Comment(_)))
            .map(|(k, &(i, p))| {
                let k_new = new_order.binary_search(&p).expect("present");
                (k.abs_diff(k_new), i)
            })
            .max_by_key(|&(distance, i)| (distance, std::cmp::Reverse(i)));
        match farthest {
            Some((_, i)) => partner[i] = None,
            None => return partner,
        }
    }
}

/// The new indices of the matched children that do not move, decided as Pacemaker does:
/// walking the new children in order, a matched child moves when its position differs from
/// its old one, positions counting only the siblings not set aside; deleted and created
/// children are set aside, and of a moved pair the old copy (moving up) or the new copy
/// (moving down) is set aside too.
fn stable_set(partner: &[Option<usize>]) -> std::collections::HashSet<usize> {
    let new_len = partner.iter().flatten().map(|p| p + 1).max().unwrap_or(0);
    let mut old_of_new = vec![None; new_len];
    // Counts of old children not set aside, as a Fenwick tree over old positions.
    let mut old_kept = Fenwick::new(partner.len());
    for (i, p) in partner.iter().enumerate() {
        if let Some(p) = *p {
            old_of_new[p] = Some(i);
            old_kept.add(i, 1);
        }
    }
    let mut stable = std::collections::HashSet::new();
    // New children before j not set aside: created ones never count, moved-down ones stop.
    let mut new_before = 0;
    for (j, i) in old_of_new.iter().enumerate() {
        let Some(i) = *i else { continue };
        let p_old = old_kept.prefix(i);
        if new_before == p_old {
            stable.insert(j);
            new_before += 1;
        } else if p_old > new_before {
            old_kept.add(i, -1);
            new_before += 1;
        }
    }
    stable
}

/// Prefix sums with point updates, for the positions in [`stable_set`].
struct Fenwick(Vec<i64>);

impl Fenwick {
    fn new(n: usize) -> Fenwick {
        Fenwick(vec![0; n + 1])
    }

    fn add(&mut self, i: usize, delta: i64) {
        let mut k = i + 1;
        while k < self.0.len() {
            self.0[k] += delta;
            k += k & k.wrapping_neg();
        }
    }

    /// The sum over positions `0..i`.
    fn prefix(&self, i: usize) -> usize {
        let mut k = i;
        let mut sum = 0;
        while k > 0 {
            sum += self.0[k];
            k -= k & k.wrapping_neg();
        }
        sum as usize
    }
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
    if work.attrs != new.attrs {
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
    let partner = match_children(xpath::get(work, path).expect("valid"), new);
    let new_kids: Vec<&Node> = new.children.iter().filter(|n| is_positional(n)).collect();
    // In old document order, as Pacemaker lists them: a kept child's own deletes come before
    // the deletion of a later sibling. Each is addressed in the state the previous ones left.
    let (mut pos, mut idx) = (0, 0);
    for p in partner {
        let parent = xpath::get(work, path).expect("valid");
        while !is_positional(&parent.children[idx]) {
            idx += 1;
        }
        let mut child_path = path.to_vec();
        child_path.push(idx);
        if let Some(j) = p {
            if let Node::Element(new_child) = new_kids[j] {
                delete_phase(work, &child_path, new_child, changes);
            }
            pos += 1;
            idx += 1;
            continue;
        }
        let mut change = Element::new("change").with_attr("operation", "delete");
        if matches!(parent.children[idx], Node::Comment(_)) {
            change.set_attr("path", format!("{}/comment", path_string(work, path)));
            change.set_attr("position", pos.to_string());
        } else {
            change.set_attr("path", path_string(work, &child_path));
        }
        changes.push(change);
        xpath::get_mut(work, path)
            .expect("valid")
            .children
            .remove(idx);
    }
}

/// Emits creates, modifies and moves for the children of the element at `new_path` of
/// `new_root` (whose old counterpart is `old`), depth first in new order. Paths are spelled
/// from the new tree: every ancestor is matched, so it has the same tag and id in both.
fn rest_phase(new_root: &Element, new_path: &[usize], old: &Element, changes: &mut Vec<Element>) {
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
            changes.push(modify_change(
                old_child,
                &path_string(new_root, &child_path),
                new_child,
            ));
        }
        rest_phase(new_root, &child_path, old_child, changes);
        // Pacemaker lists a move after the changes inside the moved element.
        if !stable.contains(&p) {
            changes.push(
                Element::new("change")
                    .with_attr("operation", "move")
                    .with_attr("path", path_string(new_root, &child_path))
                    .with_attr("position", p.to_string()),
            );
        }
    }
}

fn modify_change(old: &Element, path: &str, new: &Element) -> Element {
    let mut list = Element::new("change-list");
    for (k, v) in changed_attrs(old, new) {
        list = list.with_child(
            Element::new("change-attr")
                .with_attr("name", k)
                .with_attr("operation", "set")
                .with_attr("value", v),
        );
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

/// The attributes of `new` to list as `set`, in `new`'s order, decided as Pacemaker does: new
/// ones, changed values, and equal values whose position changed. Positions count the
/// preceding attributes not yet set aside: when one moves, the old copy (moving up) or the new
/// copy (moving down) stops counting, so a single move does not mark its neighbours.
fn changed_attrs<'a>(old: &Element, new: &'a Element) -> Vec<(&'a str, &'a str)> {
    let mut old_skip = vec![false; old.attrs.len()];
    let mut new_skip = vec![false; new.attrs.len()];
    let mut dirty = vec![true; new.attrs.len()];
    for (oi, (k, v)) in old.attrs.iter().enumerate() {
        let Some(ni) = new.attrs.iter().position(|(nk, _)| nk == k) else {
            continue;
        };
        if &new.attrs[ni].1 != v {
            continue;
        }
        let p_old = old_skip[..oi].iter().filter(|s| !**s).count();
        let p_new = new_skip[..ni].iter().filter(|s| !**s).count();
        if p_old == p_new {
            dirty[ni] = false;
        } else if p_old > p_new {
            old_skip[oi] = true;
        } else {
            new_skip[ni] = true;
        }
    }
    new.attrs
        .iter()
        .zip(dirty)
        .filter(|(_, d)| *d)
        .map(|((k, v), _)| (k.as_str(), v.as_str()))
        .collect()
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
        // The epoch change is a modify of /cib too, as crm_diff writes it.
        assert_eq!(ops, ["delete", "modify", "modify", "create"]);
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

    /// Random reorderings, insertions and deletions of children (seeded).
    #[test]
    fn random_reorderings_round_trip() {
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..3000 {
            let old_n = next(8);
            let mut ids: Vec<String> = (0..old_n).map(|i| format!("e{i}")).collect();
            let old: String = ids.iter().map(|id| format!("<x id='{id}'/>")).collect();
            // Delete some, add some, shuffle.
            ids.retain(|_| next(4) != 0);
            for k in 0..next(4) {
                ids.push(format!("n{k}"));
            }
            for i in (1..ids.len()).rev() {
                let j = next(i as u64 + 1) as usize;
                ids.swap(i, j);
            }
            let mut new: String = ids.iter().map(|id| format!("<x id='{id}'/>")).collect();
            if next(3) == 0 {
                new.push_str("<!--c-->");
            }
            roundtrip(
                &format!("<r><s id='p'><!--c-->{old}</s></r>"),
                &format!("<r><s id='p'>{new}</s></r>"),
            );
        }
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
        // Our own diff of the same pair is the transcript's, byte for byte, and round-trips.
        let ours = roundtrip(&old, &new);
        assert_eq!(crate::format::element_to_string(&ours), body);
    }
}
