//! `rscstatus` on a haresources site the CRM runs: heartbeat has no answer then (as Heartbeat
//! 3.0.6 under Pacemaker), so cl_status reads where the imported groups run in the CIB, the
//! way crm_mon reads it. A group is held here when every member runs here; a group partly
//! here is moving (`transition`).

use cib::Element;
use messaging::v1rsc::RscStatus;
use pengine::unpack::ClusterView;

/// The haresources groups the import put into `cib`: each top-level resource with the import's
/// location preference `<rsc>-prefers-<node>` (`cib::haresources`), and that node (its home).
pub fn imported_groups(cib: &Element) -> Vec<(String, String)> {
    let Some(conf) = cib.child("configuration") else {
        return Vec::new();
    };
    let tops: Vec<&str> = conf
        .child("resources")
        .map(|r| r.elements().filter_map(Element::id).collect())
        .unwrap_or_default();
    conf.child("constraints")
        .into_iter()
        .flat_map(|c| c.children_named("rsc_location"))
        .filter_map(|l| {
            let rsc = l.attr("rsc")?;
            let home = l.id()?.strip_prefix(rsc)?.strip_prefix("-prefers-")?;
            tops.contains(&rsc)
                .then(|| (rsc.to_string(), home.to_string()))
        })
        .collect()
}

/// Which groups run on node `me`: local ones (home `me`) and foreign ones.
pub fn status(cib: &Element, view: &ClusterView, me: &str) -> RscStatus {
    let here = view.node_by_name.get(me).copied();
    // Per group: Some(true) wholly here, Some(false) not here at all, None partly.
    let held = |rsc: &str| -> Option<bool> {
        let r = view.resources.iter().position(|x| x.id == rsc)?;
        let members = view.primitives_of(r);
        let running = members
            .iter()
            .filter(|&&m| view.active_roles(m).iter().any(|(n, _)| Some(*n) == here))
            .count();
        match running {
            0 => Some(false),
            n if n == members.len() => Some(true),
            _ => None,
        }
    };
    let groups = imported_groups(cib);
    // A kind is held when it has groups and every one is here; unknown while one is partly here.
    let kind = |local: bool| -> Option<bool> {
        let mine: Vec<Option<bool>> = groups
            .iter()
            .filter(|(_, home)| (home == me) == local)
            .map(|(rsc, _)| held(rsc))
            .collect();
        let all: Option<Vec<bool>> = mine.into_iter().collect();
        all.map(|v| !v.is_empty() && v.iter().all(|h| *h))
    };
    RscStatus::of_groups(kind(true), kind(false))
}

/// The status from the CIB the tools read (`CIB_file`, else the live cluster's); `None` when
/// `haresources` names no group (no classic site: Heartbeat's answer stands).
pub fn from_cib(ha_dir: &std::path::Path, me: &str) -> Option<Result<RscStatus, String>> {
    let text = std::fs::read_to_string(ha_dir.join("haresources")).ok()?;
    let site = cib::haresources::HaResources::parse(&text).ok()?;
    if site.groups.is_empty() {
        return None;
    }
    let cib = match crate::cib_access::reader_from_env().and_then(|mut c| c.query()) {
        Ok(cib) => cib,
        Err(e) => return Some(Err(e.to_string())),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let idx = pengine::rules::IdIndex::new(&cib);
    let mut diags = pengine::Diagnostics::default();
    let view = ClusterView::unpack(&cib, &idx, now, &mut diags);
    Some(Ok(status(&cib, &view, me)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-node haresources site as the import writes it, with `running` as (resource, node)
    /// whose last start succeeded.
    fn site(running: &[(&str, &str)]) -> Element {
        let site = cib::haresources::HaResources::parse(
            "node1 IPaddr::10.0.0.1 IPaddr::10.0.0.3\nnode2 IPaddr::10.0.0.2\n",
        )
        .unwrap();
        let opts = cib::haresources::ImportOptions {
            nodes: vec!["node1".into(), "node2".into()],
            ..Default::default()
        };
        let mut cib = site.to_cib(&opts).unwrap();
        let mut status = Element::new("status");
        for node in ["node1", "node2"] {
            let mut lrm = Element::new("lrm_resources");
            for (rsc, _) in running.iter().filter(|(_, n)| *n == node) {
                let agent = |a: &str| {
                    fn find<'a>(e: &'a Element, id: &str) -> Option<&'a Element> {
                        if e.name == "primitive" && e.id() == Some(id) {
                            return Some(e);
                        }
                        e.elements().find_map(|c| find(c, id))
                    }
                    find(&cib, rsc)
                        .and_then(|p| p.attr(a))
                        .unwrap_or_default()
                        .to_string()
                };
                lrm = lrm.with_child(
                    Element::new("lrm_resource")
                        .with_attr("id", *rsc)
                        .with_attr("class", agent("class"))
                        .with_attr("provider", agent("provider"))
                        .with_attr("type", agent("type"))
                        .with_child(
                            Element::new("lrm_rsc_op")
                                .with_attr("id", format!("{rsc}_last_0"))
                                .with_attr("operation_key", format!("{rsc}_start_0"))
                                .with_attr("operation", "start")
                                .with_attr("call-id", "1")
                                .with_attr("rc-code", "0")
                                .with_attr("op-status", "0")
                                .with_attr("interval", "0")
                                .with_attr("transition-key", "1:1:0:x")
                                .with_attr("crm-debug-origin", "test"),
                        ),
                );
            }
            status = status.with_child(
                Element::new("node_state")
                    .with_attr("id", node)
                    .with_attr("uname", node)
                    .with_attr("in_ccm", "true")
                    .with_attr("crmd", "online")
                    .with_attr("join", "member")
                    .with_attr("expected", "member")
                    .with_child(Element::new("lrm").with_attr("id", node).with_child(lrm)),
            );
        }
        cib.set_attr("have-quorum", "1");
        // In place of the import's empty status.
        cib.children
            .retain(|c| !matches!(c, cib::xml::Node::Element(e) if e.name == "status"));
        cib.children.push(cib::xml::Node::Element(status));
        cib
    }

    fn word(running: &[(String, &str)], me: &str) -> &'static str {
        let running: Vec<(&str, &str)> = running.iter().map(|(r, n)| (r.as_str(), *n)).collect();
        let cib = site(&running);
        let idx = pengine::rules::IdIndex::new(&cib);
        let view = ClusterView::unpack(&cib, &idx, 0, &mut pengine::Diagnostics::default());
        status(&cib, &view, me).as_str()
    }

    #[test]
    fn finds_the_imported_groups_and_their_homes() {
        let groups = imported_groups(&site(&[]));
        let homes: Vec<&str> = groups.iter().map(|(_, h)| h.as_str()).collect();
        assert_eq!(homes, ["node1", "node2"]);
    }

    #[test]
    fn where_the_groups_run_maps_to_heartbeats_words() {
        let cib = site(&[]);
        let idx = pengine::rules::IdIndex::new(&cib);
        let view = ClusterView::unpack(&cib, &idx, 0, &mut pengine::Diagnostics::default());
        // The primitives of node1's group and of node2's.
        let members: Vec<Vec<String>> = imported_groups(&cib)
            .iter()
            .map(|(rsc, _)| {
                let r = view.resources.iter().position(|x| &x.id == rsc).unwrap();
                view.primitives_of(r)
                    .into_iter()
                    .map(|p| view.resources[p].id.clone())
                    .collect()
            })
            .collect();
        let (a, b) = (&members[0], &members[1]);
        assert_eq!(a.len(), 2);
        let on = |rscs: &[String], node: &'static str| -> Vec<(String, &'static str)> {
            rscs.iter().map(|r| (r.clone(), node)).collect()
        };
        assert_eq!(word(&[], "node1"), "none");
        let home = [on(a, "node1"), on(b, "node2")].concat();
        assert_eq!(word(&home, "node1"), "local");
        assert_eq!(word(&home, "node2"), "local");
        let all_on_1 = [on(a, "node1"), on(b, "node1")].concat();
        assert_eq!(word(&all_on_1, "node1"), "all");
        assert_eq!(word(&all_on_1, "node2"), "none");
        assert_eq!(word(&on(b, "node1"), "node1"), "foreign");
        // Half of node1's group started: moving.
        assert_eq!(word(&on(&a[..1], "node1"), "node1"), "transition");
    }
}
