//! Edits of the CIB status section the DC owns: node states, per-node LRM history, transient
//! attributes and fail counts. Pure functions on the CIB tree, so they are tested directly.

use cib::xml::{Element, Node};

/// The `<status>` element, created when missing.
pub fn status_mut(cib: &mut Element) -> &mut Element {
    cib.child_or_insert("status")
}

/// The id of node `uname` from `<nodes>`; a node missing there is added with its numeric id
/// ([`cib::node_id`], as Pacemaker adds nodes when they first join).
pub fn ensure_node(cib: &mut Element, uname: &str) -> String {
    let nodes = cib
        .child_or_insert("configuration")
        .child_or_insert("nodes");
    if let Some(n) = nodes
        .children_named("node")
        .find(|n| n.attr("uname") == Some(uname))
    {
        return n.attr("id").unwrap_or(uname).to_string();
    }
    let id = cib::node_id::for_name(uname).to_string();
    nodes.children.push(Node::Element(
        Element::new("node")
            .with_attr("id", id.as_str())
            .with_attr("uname", uname)
            .with_attr("type", "member"),
    ));
    id
}

/// The id of node `uname` without changing anything.
pub fn node_id(cib: &Element, uname: &str) -> String {
    cib.child("configuration")
        .and_then(|c| c.child("nodes"))
        .and_then(|n| {
            n.children_named("node")
                .find(|n| n.attr("uname") == Some(uname))
        })
        .and_then(|n| n.attr("id"))
        .map(str::to_string)
        .unwrap_or_else(|| cib::node_id::for_name(uname).to_string())
}

fn node_state_mut<'a>(cib: &'a mut Element, id: &str, uname: &str) -> &'a mut Element {
    let status = status_mut(cib);
    let pos = status.children.iter().position(
        |c| matches!(c, Node::Element(e) if e.name == "node_state" && e.attr("id") == Some(id)),
    );
    let pos = match pos {
        Some(p) => p,
        None => {
            status.children.push(Node::Element(
                Element::new("node_state")
                    .with_attr("id", id)
                    .with_attr("uname", uname),
            ));
            status.children.len() - 1
        }
    };
    match &mut status.children[pos] {
        Node::Element(e) => e,
        _ => unreachable!("position found an element"),
    }
}

/// Marks a node as a member of this partition (online, joined) or as gone. A node that left
/// without saying so keeps `expected="member"`, which tells the policy engine it was lost
/// rather than stopped.
pub fn set_membership(cib: &mut Element, uname: &str, member: bool, left_cleanly: bool) {
    let id = ensure_node(cib, uname);
    let ns = node_state_mut(cib, &id, uname);
    ns.set_attr("uname", uname);
    ns.set_attr("in_ccm", if member { "true" } else { "false" });
    ns.set_attr("crmd", if member { "online" } else { "offline" });
    ns.set_attr("join", if member { "member" } else { "down" });
    let expected = if member || !left_cleanly {
        "member"
    } else {
        "down"
    };
    ns.set_attr("expected", expected);
    ns.set_attr("crm-debug-origin", "crmd_join");
}

/// Marks a node that is in the membership but whose crmd is gone: `expected` stays `member`
/// when `was_member` (its crmd was lost while it may run resources, so the policy engine makes
/// it unclean), else `down` (its crmd has not started, or it is stopping cleanly).
pub fn set_crmd_gone(cib: &mut Element, uname: &str, was_member: bool) {
    let id = ensure_node(cib, uname);
    let ns = node_state_mut(cib, &id, uname);
    ns.set_attr("uname", uname);
    ns.set_attr("in_ccm", "true");
    ns.set_attr("crmd", "offline");
    ns.set_attr("join", "down");
    ns.set_attr("expected", if was_member { "member" } else { "down" });
    ns.set_attr("crm-debug-origin", "crmd_join");
}

/// Replaces a node's `<lrm>` history (or removes it when `lrm` is `None`).
pub fn set_lrm(cib: &mut Element, uname: &str, lrm: Option<Element>) {
    let id = ensure_node(cib, uname);
    let ns = node_state_mut(cib, &id, uname);
    ns.children
        .retain(|c| !matches!(c, Node::Element(e) if e.name == "lrm"));
    if let Some(mut lrm) = lrm {
        lrm.set_attr("id", id.as_str());
        ns.children.push(Node::Element(lrm));
    }
}

/// A node's `<transient_attributes>`, if any.
pub fn transient_attrs<'a>(cib: &'a Element, uname: &str) -> Option<&'a Element> {
    let id = node_id(cib, uname);
    cib.child("status")?
        .children_named("node_state")
        .find(|n| n.attr("id") == Some(id.as_str()))?
        .child("transient_attributes")
}

/// A node's `expected` state (`member` or `down`), if it has a `node_state`.
pub fn expected(cib: &Element, uname: &str) -> Option<String> {
    let id = node_id(cib, uname);
    cib.child("status")?
        .children_named("node_state")
        .find(|n| n.attr("id") == Some(id.as_str()))?
        .attr("expected")
        .map(str::to_string)
}

/// A node's `<lrm>`, if any.
pub fn node_lrm<'a>(cib: &'a Element, uname: &str) -> Option<&'a Element> {
    let id = node_id(cib, uname);
    cib.child("status")?
        .children_named("node_state")
        .find(|n| n.attr("id") == Some(id.as_str()))?
        .child("lrm")
}

/// Replaces a node's transient attributes.
pub fn set_transient_attrs(cib: &mut Element, uname: &str, attrs: Element) {
    let id = ensure_node(cib, uname);
    let ns = node_state_mut(cib, &id, uname);
    ns.children
        .retain(|c| !matches!(c, Node::Element(e) if e.name == "transient_attributes"));
    ns.children.push(Node::Element(attrs));
}

/// Drops a node's transient attributes (after it was fenced: they died with it).
pub fn clear_transient_attrs(cib: &mut Element, uname: &str) {
    let id = node_id(cib, uname);
    if let Some(status) = cib.child_mut("status") {
        for ns in status.elements_mut() {
            if ns.name == "node_state" && ns.attr("id") == Some(id.as_str()) {
                ns.children
                    .retain(|c| !matches!(c, Node::Element(e) if e.name == "transient_attributes"));
            }
        }
    }
}

/// Reads a transient attribute.
pub fn get_attr(cib: &Element, uname: &str, name: &str) -> Option<String> {
    transient_attrs(cib, uname)?
        .children_named("instance_attributes")
        .flat_map(|ia| ia.children_named("nvpair"))
        .find(|nv| nv.attr("name") == Some(name))
        .and_then(|nv| nv.attr("value"))
        .map(str::to_string)
}

/// Sets (or with `None` deletes) a transient attribute of a node.
pub fn set_attr(cib: &mut Element, uname: &str, name: &str, value: Option<&str>) {
    let id = ensure_node(cib, uname);
    let ns = node_state_mut(cib, &id, uname);
    if ns.child("transient_attributes").is_none() {
        ns.children.push(Node::Element(
            Element::new("transient_attributes").with_attr("id", id.as_str()),
        ));
    }
    let ta = ns.child_mut("transient_attributes").expect("just ensured");
    if ta.child("instance_attributes").is_none() {
        ta.children.push(Node::Element(
            Element::new("instance_attributes").with_attr("id", format!("status-{id}")),
        ));
    }
    let ia = ta.child_mut("instance_attributes").expect("just ensured");
    ia.children.retain(
        |c| !matches!(c, Node::Element(e) if e.name == "nvpair" && e.attr("name") == Some(name)),
    );
    if let Some(v) = value {
        ia.children.push(Node::Element(
            Element::new("nvpair")
                .with_attr("id", format!("status-{id}-{name}"))
                .with_attr("name", name)
                .with_attr("value", v),
        ));
    }
}

/// Pacemaker's fail-count attribute name for an operation.
pub fn fail_count_name(rsc: &str, op: &str, interval_ms: u64) -> String {
    format!("fail-count-{rsc}#{op}_{interval_ms}")
}

/// Adds one failure of `rsc`'s `op` on `uname` at time `now` (saturating at INFINITY).
pub fn add_failure(
    cib: &mut Element,
    uname: &str,
    rsc: &str,
    op: &str,
    interval_ms: u64,
    now: i64,
) {
    let name = fail_count_name(rsc, op, interval_ms);
    let old = get_attr(cib, uname, &name)
        .and_then(|v| vocab::Score::parse(&v))
        .unwrap_or_default();
    let value = (old + vocab::Score::from(1)).to_string();
    set_attr(cib, uname, &name, Some(&value));
    set_attr(
        cib,
        uname,
        &format!("last-failure-{rsc}#{op}_{interval_ms}"),
        Some(&now.to_string()),
    );
}

/// Whether an attribute name is a fail count or last-failure time of `rsc` (any op), or of any
/// resource when `rsc` is empty. Clone instances (`rsc:N`) count as their resource.
fn is_failure_attr(name: &str, rsc: &str) -> bool {
    let rest = name
        .strip_prefix("fail-count-")
        .or_else(|| name.strip_prefix("last-failure-"));
    match rest {
        None => false,
        Some(_) if rsc.is_empty() => true,
        Some(r) => {
            let base = r.split('#').next().unwrap_or(r);
            base == rsc || base.split(':').next() == Some(rsc)
        }
    }
}

/// Removes the history and failures of `rsc` (all when empty) on `uname` (all nodes when
/// empty); returns whether anything changed.
pub fn cleanup(cib: &mut Element, uname: &str, rsc: &str) -> bool {
    let id = if uname.is_empty() {
        None
    } else {
        Some(node_id(cib, uname))
    };
    let mut changed = false;
    let Some(status) = cib.child_mut("status") else {
        return false;
    };
    for ns in status.elements_mut() {
        if ns.name != "node_state" || id.as_deref().is_some_and(|i| ns.attr("id") != Some(i)) {
            continue;
        }
        for part in ns.elements_mut() {
            if part.name == "lrm" {
                if let Some(rscs) = part.child_mut("lrm_resources") {
                    let before = rscs.children.len();
                    rscs.children.retain(|c| match c {
                        Node::Element(e) if e.name == "lrm_resource" => {
                            let eid = e.attr("id").unwrap_or("");
                            !(rsc.is_empty() || eid == rsc || eid.split(':').next() == Some(rsc))
                        }
                        _ => true,
                    });
                    changed |= rscs.children.len() != before;
                }
            } else if part.name == "transient_attributes" {
                for ia in part.elements_mut() {
                    let before = ia.children.len();
                    ia.children.retain(|c| match c {
                        Node::Element(e) if e.name == "nvpair" => {
                            !is_failure_attr(e.attr("name").unwrap_or(""), rsc)
                        }
                        _ => true,
                    });
                    changed |= ia.children.len() != before;
                }
            }
        }
    }
    changed
}

/// The nodes where resource `rsc` (or any instance `rsc:N` of a clone) runs according to the
/// CIB status: online nodes whose last operation on it succeeded and was not a stop.
pub fn running_on(cib: &Element, rsc: &str) -> Vec<String> {
    history_says_running(cib, rsc, true)
}

/// Like [`running_on`], but including nodes that are not online (lost, not yet fenced): where
/// the resource was last known to run.
pub fn last_known_on(cib: &Element, rsc: &str) -> Vec<String> {
    history_says_running(cib, rsc, false)
}

fn history_says_running(cib: &Element, rsc: &str, online_only: bool) -> Vec<String> {
    let mut nodes = Vec::new();
    let Some(status) = cib.child("status") else {
        return nodes;
    };
    for ns in status.children_named("node_state") {
        if online_only && ns.attr("crmd") != Some("online") {
            continue;
        }
        let Some(rscs) = ns.child("lrm").and_then(|l| l.child("lrm_resources")) else {
            continue;
        };
        // The one history replay (cib::history), under Pacemaker's default reactions.
        let runs = rscs.children_named("lrm_resource").any(|r| {
            let id = r.attr("id").unwrap_or("");
            if id != rsc && id.split(':').next() != Some(rsc) {
                return false;
            }
            let ops = cib::history::history(r);
            cib::history::replay(&mut cib::history::Defaults { fencing: false }, ops)
                .role
                .is_active()
        });
        if runs {
            nodes.push(ns.attr("uname").unwrap_or("").to_string());
        }
    }
    nodes.sort();
    nodes
}

/// The CIB without its status section (what goes to disk and into join reports).
pub fn without_status(cib: &Element) -> Element {
    let mut c = cib.clone();
    c.children
        .retain(|n| !matches!(n, Node::Element(e) if e.name == "status"));
    c.children.push(Node::Element(Element::new("status")));
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cib() -> Element {
        cib::xml::parse_element(
            r#"<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes><node id="u1" uname="node1"/></nodes><resources/><constraints/></configuration><status/></cib>"#,
        )
        .unwrap()
    }

    #[test]
    fn membership_and_attributes_land_under_the_right_node_state() {
        let mut c = cib();
        set_membership(&mut c, "node1", true, false);
        set_membership(&mut c, "node2", false, false);
        assert_eq!(
            node_id(&c, "node2"),
            cib::node_id::for_name("node2").to_string(),
            "a new node is added with its numeric id"
        );
        assert!(node_id(&c, "node2").parse::<u32>().is_ok());
        add_failure(&mut c, "node1", "web", "monitor", 10000, 77);
        add_failure(&mut c, "node1", "web", "monitor", 10000, 78);
        assert_eq!(
            get_attr(&c, "node1", "fail-count-web#monitor_10000").as_deref(),
            Some("2")
        );
        assert_eq!(
            get_attr(&c, "node1", "last-failure-web#monitor_10000").as_deref(),
            Some("78")
        );
        let ns = c
            .child("status")
            .unwrap()
            .children_named("node_state")
            .next()
            .unwrap();
        assert_eq!(ns.attr("id"), Some("u1"));
        assert_eq!(ns.attr("crmd"), Some("online"));
        assert!(cleanup(&mut c, "node1", "web"));
        assert_eq!(get_attr(&c, "node1", "fail-count-web#monitor_10000"), None);
        assert!(!cleanup(&mut c, "node1", "web"), "nothing left to clean");
    }

    #[test]
    fn the_policy_engine_reads_what_we_write() {
        let mut c = cib();
        set_membership(&mut c, "node1", true, false);
        set_membership(&mut c, "node2", false, true);
        let s = pengine::schedule(&c, 0).unwrap();
        let online: Vec<bool> = s.view.nodes.iter().map(|n| n.online).collect();
        assert_eq!(online, vec![true, false]);
        assert!(s.view.nodes.iter().all(|n| !n.unclean));
    }
}
