//! `crm_simulate --output-as=xml`: Pacemaker 2.1.5's `<pacemaker-result>` document.
//!
//! The cluster status (before and after the simulated transition) is crm_mon's XML for the
//! same CIB, as Pacemaker prints the same messages in both tools. The assignment log, the
//! transition summary and the executed actions are the text sections' items, one element
//! each: every text line of those sections carries exactly the fields of Pacemaker's XML
//! item (`rsc-action-item`, `inject-rsc-action`, ...), so the two outputs cannot disagree.

use crate::crm_attribute::{xml_escape as esc, XML_API_VERSION};
use crate::crm_mon::status::Status;
use cib::xml::Node;
use cib::Element;
use pengine::render::status_text::indented;
use pengine::Schedule;
use std::fmt::Write;

/// What the document shows, from the command line.
pub struct Sections {
    /// `-s`.
    pub scores: bool,
    /// `-U`.
    pub utilization: bool,
    /// `-S`.
    pub simulate: bool,
}

/// The whole document; `before` is the input's status, gathered by crm_mon's code.
pub fn document(
    request: &str,
    sched: &Schedule,
    before: &Status,
    after: Option<&Status>,
    show: &Sections,
) -> String {
    let mut out = format!(
        "<pacemaker-result api-version=\"{XML_API_VERSION}\" request=\"{}\">\n",
        esc(request)
    );
    status_section(&mut out, "cluster_status", before);
    if show.scores || show.utilization {
        let log = pengine::render::assignment_log(sched, show.scores, show.utilization);
        let name = match (show.scores, show.utilization) {
            (true, true) => "allocations_utilizations",
            (true, false) => "allocations",
            _ => "utilizations",
        };
        list(&mut out, name, log.lines().filter_map(assignment_item));
    }
    if show.scores || show.utilization || show.simulate {
        let summary = pengine::render::transition_summary(sched);
        list(
            &mut out,
            "actions",
            bullets(&summary, "Transition Summary:").filter_map(summary_item),
        );
    }
    if show.simulate {
        let executed = pengine::render::execution_and_revised(sched);
        list(
            &mut out,
            "transition",
            bullets(&executed, "Executing Cluster Transition:").filter_map(executed_item),
        );
        if let Some(after) = after {
            status_section(&mut out, "revised_cluster_status", after);
        }
    }
    out.push_str("  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n");
    out
}

/// `<NAME>` holding crm_mon's nodes and resources, one level deeper than crm_mon puts them.
fn status_section(out: &mut String, name: &str, st: &Status) {
    let opts = crate::crm_mon::status_options();
    let mut body = String::new();
    crate::crm_mon::xml::nodes_and_resources(&mut body, st, &opts);
    let _ = writeln!(out, "  <{name}>");
    out.push_str(&indented(&body, 2));
    let _ = writeln!(out, "  </{name}>");
}

/// `<NAME>` with the items, or `<NAME/>` without any.
fn list(out: &mut String, name: &str, items: impl Iterator<Item = Element>) {
    let mut body = String::new();
    for e in items {
        body.push_str(&indented(&cib::format::element_to_string(&e), 4));
    }
    if body.is_empty() {
        let _ = writeln!(out, "  <{name}/>");
    } else {
        let _ = write!(out, "  <{name}>\n{body}  </{name}>\n");
    }
}

/// The `* ` items of one text section (from its heading to the next blank line).
fn bullets<'a>(text: &'a str, heading: &'a str) -> impl Iterator<Item = &'a str> {
    text.lines()
        .skip_while(move |l| *l != heading)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.trim_start().strip_prefix("* "))
}

/// `k=v` pairs of a utilization table as child elements (`<memory>1024</memory>`).
fn with_table(mut e: Element, table: &str) -> Element {
    for (k, v) in table.split_whitespace().filter_map(|kv| kv.split_once('=')) {
        let mut child = Element::new(k);
        child.children.push(Node::Text(v.to_string()));
        e = e.with_child(child);
    }
    e
}

/// One assignment-log line: a capacity, a score or a placement's utilization.
fn assignment_item(line: &str) -> Option<Element> {
    for comment in ["Original", "Remaining"] {
        if let Some(rest) = line.strip_prefix(&format!("{comment}: ")) {
            let (node, table) = rest.split_once(" capacity:")?;
            let e = Element::new("capacity")
                .with_attr("node", node)
                .with_attr("comment", comment);
            return Some(with_table(e, table));
        }
    }
    if let Some((head, score)) = line.split_once(" promotion score on ") {
        let (node, score) = score.rsplit_once(": ")?;
        let mut e = Element::new("promotion_score")
            .with_attr("id", head)
            .with_attr("score", score);
        // A promotion score for no node names none.
        if node != "none" {
            e = e.with_attr("node", node);
        }
        return Some(e);
    }
    let (function, rest) = line.split_once(": ")?;
    if let Some((rsc, rest)) = rest.split_once(" allocation score on ") {
        let (node, score) = rest.rsplit_once(": ")?;
        return Some(
            Element::new("node_weight")
                .with_attr("function", function)
                .with_attr("node", node)
                .with_attr("score", score)
                .with_attr("id", rsc),
        );
    }
    let (rsc, rest) = rest.split_once(" utilization on ")?;
    let (node, table) = rest.split_once(':')?;
    let e = Element::new("utilization")
        .with_attr("resource", rsc)
        .with_attr("node", node)
        .with_attr("function", function);
    Some(with_table(e, table))
}

/// One transition-summary item: a fencing (`node_action`) or a resource change.
fn summary_item(item: &str) -> Option<Element> {
    if let Some(rest) = item.strip_prefix("Fence (") {
        let (how, rest) = rest.split_once(") ")?;
        let (node, reason) = rest.split_once(' ')?;
        return Some(
            Element::new("node_action")
                .with_attr("task", format!("Fence ({how})"))
                .with_attr("node", node)
                .with_attr("reason", reason.trim_matches('\'')),
        );
    }
    let mut words = item.split_whitespace();
    let verb = words.next()?;
    let rsc = words.next()?;
    let open = item.find("( ")?;
    let close = open + item[open..].find(" )")?;
    let details: Vec<&str> = item[open + 2..close].split_whitespace().collect();
    let tail = &item[close + 2..];
    let mut e = Element::new("rsc_action")
        .with_attr("action", verb.to_ascii_lowercase())
        .with_attr("resource", rsc);
    // The detail forms of Pacemaker's rsc-action-item, in its order of cases. A start has
    // no origin, a stop and an in-place recovery no destination: those name `node`.
    let one_node = matches!(verb, "Start" | "Stop" | "Recover");
    let attrs: Vec<(&str, &str)> = match details.as_slice() {
        [n] if one_node => vec![("node", n)],
        [n] => vec![("source", n)],
        [role, n] if one_node => vec![("role", role), ("node", n)],
        [role, n] => vec![("role", role), ("source", n)],
        [from, "->", to] => vec![("source", from), ("dest", to)],
        ["Stopped", "->", next, n] => vec![("role", "Stopped"), ("next-role", next), ("dest", n)],
        [role, "->", next, n] => vec![("role", role), ("next-role", next), ("source", n)],
        [role, from, "->", to] => vec![("source", from), ("dest", to), ("role", role)],
        [role, from, "->", next, to] => vec![
            ("role", role),
            ("source", from),
            ("next-role", next),
            ("dest", to),
        ],
        _ => return None,
    };
    for (k, v) in attrs {
        e = e.with_attr(k, v);
    }
    let (reason, blocked) = match tail.trim().strip_suffix("(blocked)") {
        Some(before) => (before.trim(), true),
        None => (tail.trim(), false),
    };
    if let Some(why) = reason.strip_prefix("due to ") {
        e = e.with_attr("reason", why);
    }
    if blocked {
        e = e.with_attr("blocked", "true");
    }
    Some(e)
}

/// One executed action of the simulation.
fn executed_item(item: &str) -> Option<Element> {
    if let Some(rest) = item.strip_prefix("Resource action:") {
        let mut w = rest.split_whitespace();
        let (rsc, task, _on, node) = (w.next()?, w.next()?, w.next()?, w.next()?);
        let mut e = Element::new("rsc_action").with_attr("resource", rsc);
        match task.split_once('=') {
            Some((op, interval)) => {
                e = e
                    .with_attr("op", op)
                    .with_attr("node", node)
                    .with_attr("interval", interval);
            }
            None => e = e.with_attr("op", task).with_attr("node", node),
        }
        return Some(e);
    }
    if let Some(rest) = item.strip_prefix("Pseudo action:") {
        let rest = rest.trim();
        let e = match rest.split_once(" on ") {
            Some((task, node)) => Element::new("pseudo_action")
                .with_attr("task", task)
                .with_attr("node", node),
            None => Element::new("pseudo_action").with_attr("task", rest),
        };
        return Some(e);
    }
    if let Some(rest) = item.strip_prefix("Fencing ") {
        let (node, how) = rest.split_once(" (")?;
        return Some(
            Element::new("fencing_action")
                .with_attr("target", node)
                .with_attr("op", how.trim_end_matches(')')),
        );
    }
    let rest = item.strip_prefix("Cluster action:")?.trim();
    let (head, node) = rest.rsplit_once(" on ")?;
    let e = match head.split_once(" for ") {
        Some((task, rsc)) => Element::new("cluster_action")
            .with_attr("task", task)
            .with_attr("node", node)
            .with_attr("id", rsc),
        None => Element::new("cluster_action")
            .with_attr("task", head)
            .with_attr("node", node),
    };
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(e: Option<Element>) -> String {
        cib::format::element_to_string(&e.expect("an item"))
    }

    #[test]
    fn summary_items_carry_pacemakers_fields() {
        let cases = [
            (
                "Start      rsc2    ( node1 )",
                r#"<rsc_action action="start" resource="rsc2" node="node1"/>"#,
            ),
            (
                "Stop       rsc1    ( node1 )  due to node availability",
                r#"<rsc_action action="stop" resource="rsc1" node="node1" reason="node availability"/>"#,
            ),
            (
                "Move       rsc1    ( node1 -> node2 )",
                r#"<rsc_action action="move" resource="rsc1" source="node1" dest="node2"/>"#,
            ),
            (
                "Promote    ms:0    ( Unpromoted -> Promoted n8 )",
                r#"<rsc_action action="promote" resource="ms:0" role="Unpromoted" next-role="Promoted" source="n8"/>"#,
            ),
            (
                "Promote    ms:0    ( Stopped -> Promoted n8 )",
                r#"<rsc_action action="promote" resource="ms:0" role="Stopped" next-role="Promoted" dest="n8"/>"#,
            ),
            (
                "Stop       redis:0 ( Unpromoted c1 )  due to node availability",
                r#"<rsc_action action="stop" resource="redis:0" role="Unpromoted" node="c1" reason="node availability"/>"#,
            ),
            (
                "Restart    dlm:0   ( virt-1 )  due to required stonith",
                r#"<rsc_action action="restart" resource="dlm:0" source="virt-1" reason="required stonith"/>"#,
            ),
            (
                "Start      IP2     ( fc16 )  due to unrunnable ClusterIP start (blocked)",
                r#"<rsc_action action="start" resource="IP2" node="fc16" reason="unrunnable ClusterIP start" blocked="true"/>"#,
            ),
            (
                "Fence (reboot) node1 'peer is no longer part of the cluster'",
                r#"<node_action task="Fence (reboot)" node="node1" reason="peer is no longer part of the cluster"/>"#,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(xml(summary_item(line)), want, "{line}");
        }
    }

    #[test]
    fn executed_items_carry_pacemakers_fields() {
        let cases = [
            (
                "Resource action: rsc2            monitor on node1",
                r#"<rsc_action resource="rsc2" op="monitor" node="node1"/>"#,
            ),
            (
                "Resource action: ms:0            cancel=5000 on n8",
                r#"<rsc_action resource="ms:0" op="cancel" node="n8" interval="5000"/>"#,
            ),
            (
                "Pseudo action:   group_11_stop_0",
                r#"<pseudo_action task="group_11_stop_0"/>"#,
            ),
            (
                "Pseudo action:   stonith-vm2-reboot on vm2",
                r#"<pseudo_action task="stonith-vm2-reboot" node="vm2"/>"#,
            ),
            (
                "Fencing node1 (reboot)",
                r#"<fencing_action target="node1" op="reboot"/>"#,
            ),
            (
                "Cluster action:  do_shutdown on xen-b",
                r#"<cluster_action task="do_shutdown" node="xen-b"/>"#,
            ),
            (
                "Cluster action:  clear_failcount for A on fc16",
                r#"<cluster_action task="clear_failcount" node="fc16" id="A"/>"#,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(xml(executed_item(line)), want, "{line}");
        }
    }

    #[test]
    fn assignment_items_carry_pacemakers_fields() {
        let cases = [
            ("pcmk__primitive_assign: rsc2 allocation score on node1: -INFINITY", r#"<node_weight function="pcmk__primitive_assign" node="node1" score="-INFINITY" id="rsc2"/>"#),
            ("ms:0 promotion score on n8: 1000", r#"<promotion_score id="ms:0" score="1000" node="n8"/>"#),
            ("Original: node1 capacity:", r#"<capacity node="node1" comment="Original"/>"#),
            ("Remaining: node2 capacity: memory=0", "<capacity node=\"node2\" comment=\"Remaining\">\n  <memory>0</memory>\n</capacity>"),
            ("pcmk__finalize_assignment: rsc2:0 utilization on node2: memory=512", "<utilization resource=\"rsc2:0\" node=\"node2\" function=\"pcmk__finalize_assignment\">\n  <memory>512</memory>\n</utilization>"),
        ];
        for (line, want) in cases {
            assert_eq!(xml(assignment_item(line)), want, "{line}");
        }
    }
}
