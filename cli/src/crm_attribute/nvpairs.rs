//! Finding, setting and removing `<nvpair>`s in the sets of one target.

use super::target::{container_mut, containers, containers_mut, Target};
use cib::Element;

/// Which nvpairs an operation is about.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Exact attribute name.
    pub name: Option<String>,
    /// Name pattern (`-P`): a regular expression in Pacemaker; here a substring, with `^`
    /// and `$` anchors honoured.
    pub pattern: Option<String>,
    /// Only in the set with this id (`-s`).
    pub set_id: Option<String>,
    /// Only the nvpair with this id (`-i`).
    pub attr_id: Option<String>,
}

/// One matching nvpair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The set's id.
    pub set_id: String,
    /// The nvpair's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

fn pattern_matches(pattern: &str, name: &str) -> bool {
    let (start, p) = match pattern.strip_prefix('^') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let (end, p) = match p.strip_suffix('$') {
        Some(p) => (true, p),
        None => (false, p),
    };
    match (start, end) {
        (true, true) => name == p,
        (true, false) => name.starts_with(p),
        (false, true) => name.ends_with(p),
        (false, false) => name.contains(p),
    }
}

impl Selector {
    fn selects(&self, set: &Element, nv: &Element) -> bool {
        if self.set_id.as_deref().is_some_and(|s| set.id() != Some(s)) {
            return false;
        }
        let name = nv.attr("name").unwrap_or_default();
        if let Some(id) = &self.attr_id {
            if nv.id() != Some(id.as_str()) {
                return false;
            }
            // With an id, the name need not be given.
            return self.name.as_deref().is_none_or(|n| n == name);
        }
        match (&self.name, &self.pattern) {
            (Some(n), _) => n == name,
            (None, Some(p)) => pattern_matches(p, name),
            (None, None) => false,
        }
    }
}

/// Every nvpair of the target's sets the selector picks, in document order.
pub fn find(cib: &Element, t: &Target, sel: &Selector) -> Vec<Match> {
    let mut out = Vec::new();
    for set in containers(cib, t)
        .into_iter()
        .flat_map(|c| c.children_named(t.set_tag))
    {
        for nv in set.children_named("nvpair") {
            if sel.selects(set, nv) {
                out.push(Match {
                    set_id: set.id().unwrap_or_default().to_string(),
                    id: nv.id().unwrap_or_default().to_string(),
                    name: nv.attr("name").unwrap_or_default().to_string(),
                    value: nv.attr("value").unwrap_or_default().to_string(),
                });
            }
        }
    }
    out
}

/// Pacemaker's id sanitizing: characters not valid in an XML id become `.`.
pub fn sanitize_id(id: &str) -> String {
    id.chars()
        .enumerate()
        .map(|(i, c)| {
            let ok = c.is_ascii_alphanumeric()
                || c == '_'
                || (i > 0 && (c == '-' || c == '.'))
                || !c.is_ascii();
            if ok {
                c
            } else {
                '.'
            }
        })
        .collect()
}

/// Sets the nvpair `m` (an existing match) to `value`.
pub fn update(cib: &mut Element, t: &Target, m: &Match, value: &str) {
    let mut all = containers_mut(cib, t);
    for set in all
        .iter_mut()
        .flat_map(|c| c.elements_mut())
        .filter(|e| e.name == t.set_tag)
    {
        if set.id() != Some(m.set_id.as_str()) {
            continue;
        }
        if let Some(nv) = set
            .elements_mut()
            .find(|e| e.name == "nvpair" && e.id() == Some(m.id.as_str()))
        {
            nv.set_attr("value", value);
            return;
        }
    }
}

/// Adds `name=value` to the set `set_id` (created if missing), with id `attr_id` or
/// `<set>-<name>`.
pub fn create(
    cib: &mut Element,
    t: &Target,
    set_id: &str,
    attr_id: Option<&str>,
    name: &str,
    value: &str,
) {
    let c = container_mut(cib, t);
    let set = super::target::child_with_id(c, t.set_tag, set_id);
    let id = attr_id
        .map(str::to_string)
        .unwrap_or_else(|| sanitize_id(&format!("{set_id}-{name}")));
    set.children.push(cib::Node::Element(
        Element::new("nvpair")
            .with_attr("id", id)
            .with_attr("name", name)
            .with_attr("value", value),
    ));
}

/// Removes the nvpair `m`.
pub fn remove(cib: &mut Element, t: &Target, m: &Match) {
    let mut all = containers_mut(cib, t);
    for set in all
        .iter_mut()
        .flat_map(|c| c.elements_mut())
        .filter(|e| e.name == t.set_tag)
    {
        if set.id() != Some(m.set_id.as_str()) {
            continue;
        }
        set.children.retain(|n| {
            !matches!(n, cib::Node::Element(e) if e.name == "nvpair" && e.id() == Some(m.id.as_str()))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_pacemaker() {
        assert_eq!(
            sanitize_id("nodes-node3-#health-cts-cli"),
            "nodes-node3-.health-cts-cli"
        );
        assert!(pattern_matches("fail-count", "fail-count-foo"));
        assert!(!pattern_matches("^count", "fail-count-foo"));
    }
}
