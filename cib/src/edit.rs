//! Create, modify, replace and delete with Pacemaker's CIB operation semantics.
//!
//! These are the operations behind `cibadmin -C/-M/-R/-D` and its `--xpath` forms. They edit a
//! `<cib>` element in place and never touch the version attributes; the caller decides how to
//! bump them ([`crate::version::CibVersion`], [`bump_for_change`]).
//!
//! * create: adds the object under the scope; fails with [`EditError::Exists`] when the scope
//!   already has a child with the same tag and id. An input named like the scope adds each of its
//!   children. Without a scope it behaves as modify.
//! * modify: finds the first element (depth first from the scope) with the input's tag and id
//!   and merges into it: attributes are copied (`name="name++"` / `name="name+=N"` increment),
//!   children are merged recursively by tag and id and appended when missing.
//! * replace: replaces the first element below the scope with the input's tag and id (any
//!   element of that tag when the input has no id); the whole `<cib>` is replaced only by a
//!   version that is not older.
//! * delete: removes the first element below the scope whose tag matches and whose attributes
//!   include all the input's attributes (values compared case-insensitively). Deleting
//!   something that does not exist succeeds, as in Pacemaker.

use crate::version::CibVersion;
use crate::xpath::{self, ElementPath, XPath, XPathError};
use crate::{Element, Node};
use vocab::Score;

/// Why an edit was refused; the CIB is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The target of a modify, replace or XPath edit does not exist (CRM_EX_NOSUCH).
    #[error("No such device or address")]
    NoSuchObject,
    /// A created object's id is already taken; `failed` is Pacemaker's `<failed>` report.
    #[error("File exists")]
    Exists {
        /// `<failed><failed_update .../></failed>` as cibadmin prints it.
        failed: Element,
    },
    /// A replacement `<cib>` is older than the current one (CRM_EX_OLD).
    #[error("Update was older than existing configuration")]
    OldVersion,
    /// The input can not be used for this operation.
    #[error("Invalid argument: {0}")]
    Invalid(String),
    /// A malformed XPath expression.
    #[error(transparent)]
    XPath(#[from] XPathError),
}

/// The sections `-o/--scope` accepts, all but `configuration` and `status` inside
/// `<configuration>`.
pub const CONFIGURATION_SECTIONS: &[&str] = &[
    "crm_config",
    "nodes",
    "resources",
    "constraints",
    "rsc_defaults",
    "op_defaults",
    "acls",
    "fencing-topology",
    "tags",
    "alerts",
];

/// The path (child names from `<cib>`) of a scope; `None` for the whole CIB or an unknown name.
pub fn section_path(scope: &str) -> Option<Vec<&str>> {
    match scope {
        "configuration" => Some(vec!["configuration"]),
        "status" => Some(vec!["status"]),
        s if CONFIGURATION_SECTIONS.contains(&s) => Some(vec![
            "configuration",
            CONFIGURATION_SECTIONS.iter().find(|x| **x == s)?,
        ]),
        _ => None,
    }
}

/// The element of a scope (`None` scope or an unknown name = `<cib>` itself).
pub fn find_section<'a>(cib: &'a Element, scope: Option<&str>) -> Option<&'a Element> {
    match scope.and_then(section_path) {
        None => Some(cib),
        Some(path) => path.iter().try_fold(cib, |e, name| e.child(name)),
    }
}

fn section_mut<'a>(
    cib: &'a mut Element,
    scope: Option<&str>,
    create: bool,
) -> Option<&'a mut Element> {
    match scope.and_then(section_path) {
        None => Some(cib),
        Some(path) => {
            let mut cur = cib;
            for name in path {
                if cur.child(name).is_none() && !create {
                    return None;
                }
                cur = cur.child_or_insert(name);
            }
            Some(cur)
        }
    }
}

/// A scope equal to the whole CIB (`cib`, `all` or none) is no scope.
fn effective_scope<'a>(scope: Option<&'a str>, input: &Element) -> Option<&'a str> {
    match scope {
        Some("cib") | Some("all") | None => None,
        _ if input.name == "cib" => None,
        s => s,
    }
}

/// `cibadmin -C`: adds `input` under the scope.
pub fn create(cib: &mut Element, scope: Option<&str>, input: &Element) -> Result<(), EditError> {
    let Some(scope) = effective_scope(scope, input) else {
        return modify(cib, None, input, false);
    };
    let section = section_mut(cib, Some(scope), true).ok_or(EditError::NoSuchObject)?;
    let objects: Vec<&Element> = if input.name.eq_ignore_ascii_case(scope) {
        input.elements().collect()
    } else {
        vec![input]
    };
    // Check everything first so a refused create leaves the section untouched.
    for obj in &objects {
        let clash = obj.id().is_some()
            && section
                .elements()
                .any(|c| c.name == obj.name && c.id() == obj.id());
        if clash {
            return Err(EditError::Exists {
                failed: failed_report(obj, "cib_create", "File exists"),
            });
        }
    }
    for obj in objects {
        merge_into(section, obj);
    }
    Ok(())
}

/// Pacemaker's `<failed><failed_update id object_type operation reason>` + the object.
pub fn failed_report(obj: &Element, operation: &str, reason: &str) -> Element {
    let mut upd = Element::new("failed_update");
    if let Some(id) = obj.id() {
        upd.set_attr("id", id);
    }
    upd.set_attr("object_type", obj.name.clone());
    upd.set_attr("operation", operation);
    upd.set_attr("reason", reason);
    Element::new("failed").with_child(upd.with_child(obj.clone()))
}

/// `cibadmin -M`: merges `input` into the first element of the scope with its tag and id;
/// with `allow_create`, appends it to the scope when there is none.
pub fn modify(
    cib: &mut Element,
    scope: Option<&str>,
    input: &Element,
    allow_create: bool,
) -> Result<(), EditError> {
    let scope = effective_scope(scope, input);
    let root = section_mut(cib, scope, true).ok_or(EditError::NoSuchObject)?;
    match find_first(root, &|e| e.name == input.name && e.id() == input.id()) {
        Some(path) => {
            let target = xpath::get_mut(root, &path).expect("found");
            update_element(target, input);
            Ok(())
        }
        None if allow_create => {
            root.children.push(Node::Element(input.clone()));
            Ok(())
        }
        None => Err(EditError::NoSuchObject),
    }
}

/// `cibadmin -R`: replaces an element below the scope, or the whole CIB.
pub fn replace(cib: &mut Element, scope: Option<&str>, input: &Element) -> Result<(), EditError> {
    if input.name == "cib" {
        if CibVersion::from_element(input) < CibVersion::from_element(cib) {
            return Err(EditError::OldVersion);
        }
        *cib = input.clone();
        return Ok(());
    }
    let scope = match scope {
        Some(s) if s.eq_ignore_ascii_case(&input.name) || s == "all" => None,
        s => s,
    };
    let root = section_mut(cib, scope, false).ok_or(EditError::NoSuchObject)?;
    let wanted = |e: &Element| {
        e.name.eq_ignore_ascii_case(&input.name) && input.id().is_none_or(|id| e.id() == Some(id))
    };
    let path = find_first_below(root, &wanted).ok_or(EditError::NoSuchObject)?;
    let (last, parent) = path.split_last().expect("below the root");
    let parent = xpath::get_mut(root, parent).expect("found");
    parent.children[*last] = Node::Element(input.clone());
    Ok(())
}

/// `cibadmin -D`: deletes the first element below the scope matching the input's tag and
/// attributes (for an input named like the scope, each of its children). Returns how many
/// elements were removed; none is not an error.
pub fn delete(cib: &mut Element, scope: Option<&str>, input: &Element) -> Result<usize, EditError> {
    let Some(root) = section_mut(cib, scope, false) else {
        return Ok(0);
    };
    let patterns: Vec<&Element> = match scope {
        Some(s) if input.name.eq_ignore_ascii_case(s) => input.elements().collect(),
        _ => vec![input],
    };
    let mut removed = 0;
    for pattern in patterns {
        let matches = |e: &Element| {
            e.name.eq_ignore_ascii_case(&pattern.name)
                && pattern
                    .attrs
                    .iter()
                    .all(|(k, v)| e.attr(k).is_some_and(|have| have.eq_ignore_ascii_case(v)))
        };
        if let Some(path) = find_first_below(root, &matches) {
            remove_at(root, &path);
            removed += 1;
        }
    }
    Ok(removed)
}

/// `cibadmin -D --xpath`: deletes the first match, or every match with `all`; returns how
/// many were removed (none is not an error, as in Pacemaker).
pub fn delete_xpath(cib: &mut Element, expr: &str, all: bool) -> Result<usize, EditError> {
    let mut paths = XPath::parse(expr)?.select(cib);
    if paths.is_empty() {
        return Ok(0);
    }
    if paths.iter().any(|p| p.is_empty()) {
        return Err(EditError::Invalid(
            "the root element can not be deleted".into(),
        ));
    }
    if !all {
        paths.truncate(1);
    }
    // Remove from the last so earlier paths stay valid; drop paths inside removed subtrees.
    paths.sort();
    let mut kept: Vec<ElementPath> = Vec::new();
    for p in paths {
        if !kept.iter().any(|k| p.starts_with(k)) {
            kept.push(p);
        }
    }
    for p in kept.iter().rev() {
        remove_at(cib, p);
    }
    Ok(kept.len())
}

/// `cibadmin -M --xpath`: in each match's subtree, merges `input` into the first element with
/// its tag and id. Fails with [`EditError::NoSuchObject`] when no match has one.
pub fn modify_xpath(cib: &mut Element, expr: &str, input: &Element) -> Result<usize, EditError> {
    let paths = XPath::parse(expr)?.select(cib);
    let mut updated = 0;
    for p in &paths {
        let scope = xpath::get_mut(cib, p).expect("selected");
        if let Some(t) = find_first(scope, &|e| e.name == input.name && e.id() == input.id()) {
            update_element(xpath::get_mut(scope, &t).expect("found"), input);
            updated += 1;
        }
    }
    if updated == 0 {
        return Err(EditError::NoSuchObject);
    }
    Ok(updated)
}

/// `cibadmin -R --xpath`: replaces the first match with `input`.
pub fn replace_xpath(cib: &mut Element, expr: &str, input: &Element) -> Result<(), EditError> {
    let path = XPath::parse(expr)?
        .select(cib)
        .into_iter()
        .next()
        .ok_or(EditError::NoSuchObject)?;
    *xpath::get_mut(cib, &path).expect("selected") = input.clone();
    Ok(())
}

/// `cibadmin -C --xpath`: appends `input` to the first match.
pub fn create_xpath(cib: &mut Element, expr: &str, input: &Element) -> Result<(), EditError> {
    let path = XPath::parse(expr)?
        .select(cib)
        .into_iter()
        .next()
        .ok_or(EditError::NoSuchObject)?;
    let parent = xpath::get_mut(cib, &path).expect("selected");
    if input.id().is_some()
        && parent
            .elements()
            .any(|c| c.name == input.name && c.id() == input.id())
    {
        return Err(EditError::Exists {
            failed: failed_report(input, "cib_create", "File exists"),
        });
    }
    parent.children.push(Node::Element(input.clone()));
    Ok(())
}

/// Empties `<configuration>`'s sections to the skeleton and drops the status (`cibadmin -E`).
pub fn erase(cib: &mut Element) {
    let mut conf = Element::new("configuration");
    for s in ["crm_config", "nodes", "resources", "constraints"] {
        conf = conf.with_child(Element::new(s));
    }
    cib.children = vec![Node::Element(conf), Node::Element(Element::new("status"))];
}

/// Sets the version after an edit as Pacemaker does: when anything inside `<configuration>`
/// changed, epoch + 1 and num_updates = 0; otherwise, when anything changed, num_updates + 1.
/// Returns whether anything changed.
pub fn bump_for_change(before: &Element, after: &mut Element) -> bool {
    if before == after {
        return false;
    }
    let v = CibVersion::from_element(after);
    let next = if before.child("configuration") != after.child("configuration") {
        v.bump_epoch()
    } else {
        v.bump_updates()
    };
    next.write_to(after);
    true
}

/// Merges `update` into `target`: attributes (with `++`/`+=` expansion), then children matched
/// by tag and id, appending the unmatched ones.
pub fn update_element(target: &mut Element, update: &Element) {
    for (k, v) in &update.attrs {
        let value = expand_increment(target.attr(k), k, v);
        target.set_attr(k, value);
    }
    for child in &update.children {
        match child {
            Node::Element(c) => merge_into(target, c),
            Node::Comment(c) => {
                if !target
                    .children
                    .iter()
                    .any(|n| matches!(n, Node::Comment(x) if x == c))
                {
                    target.children.push(child.clone());
                }
            }
            other => target.children.push(other.clone()),
        }
    }
}

fn merge_into(parent: &mut Element, update: &Element) {
    let pos = parent.children.iter().position(
        |n| matches!(n, Node::Element(c) if c.name == update.name && c.id() == update.id()),
    );
    match pos {
        Some(i) => {
            if let Node::Element(existing) = &mut parent.children[i] {
                update_element(existing, update);
            }
        }
        None => parent.children.push(Node::Element(update.clone())),
    }
}

/// `value` is `name++` or `name+=N` and there is an old value: the score sum; else `value`.
pub fn expand_increment(old: Option<&str>, name: &str, value: &str) -> String {
    let Some(old) = old else {
        return value.to_string();
    };
    let Some(rest) = value.strip_prefix(name) else {
        return value.to_string();
    };
    let offset = if rest == "++" {
        Score::from(1)
    } else if let Some(n) = rest.strip_prefix("+=") {
        Score::parse(n).unwrap_or_default()
    } else {
        return value.to_string();
    };
    let base = Score::parse(old).unwrap_or_default();
    (base + offset).value().to_string()
}

fn find_first(root: &Element, pred: &dyn Fn(&Element) -> bool) -> Option<ElementPath> {
    if pred(root) {
        return Some(Vec::new());
    }
    find_first_below(root, pred)
}

fn find_first_below(root: &Element, pred: &dyn Fn(&Element) -> bool) -> Option<ElementPath> {
    for (i, n) in root.children.iter().enumerate() {
        if let Node::Element(c) = n {
            if pred(c) {
                return Some(vec![i]);
            }
            if let Some(mut p) = find_first_below(c, pred) {
                p.insert(0, i);
                return Some(p);
            }
        }
    }
    None
}

fn remove_at(root: &mut Element, path: &[usize]) {
    let (last, parent) = path.split_last().expect("not the root");
    let parent = xpath::get_mut(root, parent).expect("valid path");
    parent.children.remove(*last);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_element;

    fn cib() -> Element {
        parse_element(
            r#"<cib epoch="1" num_updates="3" admin_epoch="0"><configuration><crm_config>
            <cluster_property_set id="o"><nvpair id="o-a" name="a" value="1"/></cluster_property_set>
            </crm_config><nodes/><resources><primitive id="p" class="ocf" type="Dummy"/>
            </resources><constraints><rsc_location id="l1" rsc="p" node="n1" score="1"/>
            <rsc_location id="l2" rsc="p" node="n2" score="2"/></constraints></configuration>
            <status/></cib>"#,
        )
        .unwrap()
    }

    fn el(s: &str) -> Element {
        parse_element(s).unwrap()
    }

    #[test]
    fn create_refuses_duplicates_and_adds_new() {
        let mut c = cib();
        let before = c.clone();
        let err = create(&mut c, Some("resources"), &el(r#"<primitive id="p"/>"#)).unwrap_err();
        match err {
            EditError::Exists { failed } => {
                assert_eq!(
                    failed.to_xml_compact(),
                    r#"<failed><failed_update id="p" object_type="primitive" operation="cib_create" reason="File exists"><primitive id="p"/></failed_update></failed>"#
                )
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(c, before);
        create(&mut c, Some("resources"), &el(r#"<primitive id="q"/>"#)).unwrap();
        assert!(c.find_by_id("q").is_some());
        create(
            &mut c,
            Some("rsc_defaults"),
            &el(r#"<meta_attributes id="rd"/>"#),
        )
        .unwrap();
        assert!(find_section(&c, Some("rsc_defaults"))
            .unwrap()
            .child("meta_attributes")
            .is_some());
        // Without a scope, create is a modify: a missing object is an error.
        assert_eq!(
            create(&mut c, None, &el(r#"<primitive id="zz"/>"#)),
            Err(EditError::NoSuchObject)
        );
    }

    #[test]
    fn modify_merges_and_increments() {
        let mut c = cib();
        modify(&mut c, Some("crm_config"), &el(r#"<crm_config><cluster_property_set id="o"><nvpair id="o-b" name="b" value="2"/></cluster_property_set></crm_config>"#), false).unwrap();
        let set = c.find_by_id("o").unwrap();
        assert_eq!(
            set.elements().map(|e| e.id().unwrap()).collect::<Vec<_>>(),
            ["o-a", "o-b"]
        );
        modify(
            &mut c,
            None,
            &el(r#"<cib admin_epoch="admin_epoch++" epoch="epoch+=5"/>"#),
            false,
        )
        .unwrap();
        assert_eq!(c.attr("admin_epoch"), Some("1"));
        assert_eq!(c.attr("epoch"), Some("6"));
        modify(&mut c, None, &el(r#"<nvpair id="o-a" value="9"/>"#), false).unwrap();
        assert_eq!(c.find_by_id("o-a").unwrap().attr("value"), Some("9"));
        assert_eq!(
            modify(
                &mut c,
                Some("resources"),
                &el(r#"<primitive id="new"/>"#),
                false
            ),
            Err(EditError::NoSuchObject)
        );
        modify(
            &mut c,
            Some("resources"),
            &el(r#"<primitive id="new"/>"#),
            true,
        )
        .unwrap();
        assert!(c.find_by_id("new").is_some());
    }

    #[test]
    fn replace_and_version_check() {
        let mut c = cib();
        replace(
            &mut c,
            None,
            &el(r#"<primitive id="p" class="lsb" type="x"/>"#),
        )
        .unwrap();
        assert_eq!(c.find_by_id("p").unwrap().attr("class"), Some("lsb"));
        replace(
            &mut c,
            Some("status"),
            &el(r#"<status><node_state id="1"/></status>"#),
        )
        .unwrap();
        assert!(c.find_by_id("1").is_some());
        assert_eq!(
            replace(&mut c, None, &el(r#"<primitive id="nope"/>"#)),
            Err(EditError::NoSuchObject)
        );
        assert_eq!(
            replace(&mut c, None, &el(r#"<cib epoch="0"/>"#)),
            Err(EditError::OldVersion)
        );
        replace(
            &mut c,
            None,
            &el(r#"<cib epoch="5" admin_epoch="0" num_updates="0"/>"#),
        )
        .unwrap();
        assert_eq!(c.attr("epoch"), Some("5"));
    }

    #[test]
    fn delete_first_match_by_attributes() {
        let mut c = cib();
        assert_eq!(
            delete(&mut c, None, &el(r#"<rsc_location rsc="P"/>"#)).unwrap(),
            1
        );
        assert!(c.find_by_id("l1").is_none());
        assert!(c.find_by_id("l2").is_some());
        assert_eq!(
            delete(&mut c, None, &el(r#"<primitive id="none"/>"#)).unwrap(),
            0
        );
        assert_eq!(
            delete(
                &mut c,
                Some("constraints"),
                &el(r#"<constraints><rsc_location id="l2"/></constraints>"#)
            )
            .unwrap(),
            1
        );
        assert!(c.find_by_id("l2").is_none());
    }

    #[test]
    fn xpath_edits() {
        let mut c = cib();
        assert_eq!(delete_xpath(&mut c, "//rsc_location", true).unwrap(), 2);
        assert_eq!(delete_xpath(&mut c, "//rsc_location", true), Ok(0));
        assert_eq!(
            modify_xpath(&mut c, "//primitive[@id='p']", &el(r#"<primitive x="1"/>"#)),
            Err(EditError::NoSuchObject)
        );
        modify_xpath(&mut c, "//resources", &el(r#"<primitive id="p" x="1"/>"#)).unwrap();
        assert_eq!(c.find_by_id("p").unwrap().attr("x"), Some("1"));
        create_xpath(
            &mut c,
            "/cib/configuration/nodes",
            &el(r#"<node id="n1" uname="n1"/>"#),
        )
        .unwrap();
        assert!(c.find_by_id("n1").is_some());
    }

    #[test]
    fn version_bumps() {
        let before = cib();
        let mut after = before.clone();
        assert!(!bump_for_change(&before, &mut after));
        modify(
            &mut after,
            None,
            &el(r#"<nvpair id="o-a" value="9"/>"#),
            false,
        )
        .unwrap();
        assert!(bump_for_change(&before, &mut after));
        assert_eq!(
            (after.attr("epoch"), after.attr("num_updates")),
            (Some("2"), Some("0"))
        );
        let mut st = before.clone();
        replace(
            &mut st,
            Some("status"),
            &el(r#"<status><node_state id="x"/></status>"#),
        )
        .unwrap();
        bump_for_change(&before, &mut st);
        assert_eq!(
            (st.attr("epoch"), st.attr("num_updates")),
            (Some("1"), Some("4"))
        );
    }
}
