//! crm_mon's XML output (`--output-as=xml`, API 2.25 as Pacemaker 2.1.5 writes it).
//!
//! XML always carries every section, inactive resources included; `--exclude` removes
//! sections as in text mode.

use super::args::Options;
use super::model::{Item, Prim};
use super::status::{NodeKind, NodeView, Status};
use crate::crm_attribute::{xml_escape as esc, XML_API_VERSION};
use cib::Element;
use pengine::render::status_text::{clone_element, group_element, indented};
use std::fmt::Write;

fn resource(out: &mut String, indent: usize, st: &Status, p: &Prim) {
    out.push_str(&p.text(&st.nodes, None).xml(indent));
}

fn item(out: &mut String, indent: usize, st: &Status, it: &Item) {
    out.push_str(&indented(
        &cib::format::element_to_string(&element(st, it)),
        indent,
    ));
}

/// One resource (and its members) as the shared XML layer writes it.
fn element(st: &Status, it: &Item) -> Element {
    match it {
        Item::Prim(p) => p.text(&st.nodes, None).element(),
        Item::Group {
            id,
            members,
            managed,
            disabled,
        } => group_element(
            id,
            st.group_size(id).unwrap_or(members.len()),
            *managed,
            *disabled,
            members
                .iter()
                .map(|m| m.text(&st.nodes, None).element())
                .collect(),
        ),
        Item::Clone {
            id,
            flags,
            instances,
            ..
        } => {
            let failed = it.prims().iter().any(|p| p.failed);
            let target = st.clone_target_role(id);
            let children = instances.iter().map(|i| element(st, i)).collect();
            clone_element(id, *flags, failed, target.as_deref(), children)
        }
        Item::Bundle {
            id,
            image,
            kind,
            managed,
            replicas,
            ..
        } => {
            // Pacemaker does not carry member failures up to the bundle.
            let mut e = Element::new("bundle")
                .with_attr("id", id.as_str())
                .with_attr("type", kind.as_str())
                .with_attr("image", image.as_str())
                .with_attr("unique", "false")
                .with_attr("managed", managed.to_string())
                .with_attr("failed", "false");
            for r in replicas {
                let mut replica = Element::new("replica").with_attr("id", r.index.to_string());
                for p in
                    r.ip.iter()
                        .chain(r.child.iter())
                        .chain(Some(&r.container).filter(|_| r.container_shown))
                        .chain(r.remote.iter())
                {
                    replica = replica.with_child(p.text(&st.nodes, None).element());
                }
                e = e.with_child(replica);
            }
            e
        }
    }
}

fn node_line(st: &Status, n: &NodeView) -> String {
    let running = st
        .resources
        .iter()
        .flat_map(Item::prims)
        .filter(|p| p.on.iter().any(|(x, _)| *x == n.name))
        .count();
    let mut line = format!(
        "<node name=\"{}\" id=\"{}\" online=\"{}\" standby=\"{}\" standby_onfail=\"false\" maintenance=\"{}\" pending=\"{}\" unclean=\"{}\" health=\"{}\"",
        esc(&n.name),
        esc(&n.id),
        n.online,
        // A pending node is in standby too (the text shows only "pending").
        n.standby || n.pending,
        n.maintenance,
        n.pending,
        n.unclean,
        n.health
    );
    if n.kind == NodeKind::Member && n.online {
        let _ = write!(line, " feature_set=\"{}\"", esc(&n.feature_set));
    }
    let _ = write!(
        line,
        " shutdown=\"{}\" expected_up=\"{}\" is_dc=\"{}\" resources_running=\"{running}\" type=\"{}\"",
        n.shutdown,
        n.expected_up,
        n.is_dc,
        if n.kind == NodeKind::Member {
            "member"
        } else {
            "remote"
        }
    );
    if let Some(c) = &n.container {
        let _ = write!(line, " id_as_resource=\"{}\"", esc(c));
    }
    line
}

/// The `<nodes>` and `<resources>` sections (as `opts` selects them), at indent 2: crm_mon's
/// document and crm_simulate's cluster status share them.
pub fn nodes_and_resources(out: &mut String, st: &Status, opts: &Options) {
    let has = |s: &str| opts.sections.contains(s);
    if has("nodes") {
        let shown: Vec<&NodeView> = st.nodes.iter().filter(|n| st.node_shown(n)).collect();
        if shown.is_empty() {
            out.push_str("  <nodes/>\n");
        } else {
            out.push_str("  <nodes>\n");
            for n in shown {
                let line = node_line(st, n);
                if opts.group_by_node {
                    let here = st.prims_on(&n.name, true);
                    if here.is_empty() {
                        let _ = writeln!(out, "    {line}/>");
                    } else {
                        let _ = writeln!(out, "    {line}>");
                        for p in here {
                            resource(out, 6, st, p);
                        }
                        out.push_str("    </node>\n");
                    }
                } else {
                    let _ = writeln!(out, "    {line}/>");
                }
            }
            out.push_str("  </nodes>\n");
        }
    }
    if has("resources") && !opts.group_by_node {
        let kept = st.shown_resources();
        if kept.is_empty() {
            out.push_str("  <resources/>\n");
        } else {
            out.push_str("  <resources>\n");
            for i in &kept {
                item(out, 4, st, i);
            }
            out.push_str("  </resources>\n");
        }
    }
}

/// The XML document.
pub fn render(st: &Status, opts: &Options) -> String {
    let has = |s: &str| opts.sections.contains(s);
    let mut out = String::new();
    if opts.legacy_xml {
        let _ = writeln!(
            out,
            "<crm_mon version=\"{}\">",
            crate::version::PACEMAKER_VERSION
        );
    } else {
        let _ = writeln!(
            out,
            "<pacemaker-result api-version=\"{XML_API_VERSION}\" request=\"{}\">",
            esc(&opts.request)
        );
    }
    if has("summary") {
        out.push_str("  <summary>\n");
        let _ = writeln!(out, "    <stack type=\"{}\"/>", esc(&st.stack));
        match &st.dc {
            Some((name, id)) => {
                let _ = writeln!(
                    out,
                    "    <current_dc present=\"true\" version=\"{}\" name=\"{}\" id=\"{}\" with_quorum=\"{}\" mixed_version=\"false\"/>",
                    esc(&st.dc_version),
                    esc(name),
                    esc(id),
                    st.have_quorum
                );
            }
            None => out.push_str("    <current_dc present=\"false\"/>\n"),
        }
        let _ = writeln!(out, "    <last_update time=\"{}\"/>", esc(&st.now_text));
        // Separate attributes, as Pacemaker writes them (ha_cluster_exporter parses `time`).
        let [time, user, client, origin] = &st.last_change_parts;
        let _ = writeln!(
            out,
            "    <last_change time=\"{}\" user=\"{}\" client=\"{}\" origin=\"{}\"/>",
            esc(time),
            esc(user),
            esc(client),
            esc(origin)
        );
        let _ = writeln!(out, "    <nodes_configured number=\"{}\"/>", st.nodes.len());
        let _ = writeln!(
            out,
            "    <resources_configured number=\"{}\" disabled=\"{}\" blocked=\"0\"/>",
            st.instances, st.disabled
        );
        let opts_text: Vec<String> = st
            .cluster_options
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", esc(v)))
            .collect();
        let _ = writeln!(out, "    <cluster_options {}/>", opts_text.join(" "));
        out.push_str("  </summary>\n");
    }
    nodes_and_resources(&mut out, st, opts);
    if has("attributes") {
        let nodes: Vec<&NodeView> = st
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Member && n.online && st.node_shown(n))
            .filter(|n| !n.attrs.is_empty())
            .collect();
        if !nodes.is_empty() {
            out.push_str("  <node_attributes>\n");
            for n in nodes {
                let _ = writeln!(out, "    <node name=\"{}\">", esc(&n.name));
                for (k, v) in &n.attrs {
                    let _ = write!(
                        out,
                        "      <attribute name=\"{}\" value=\"{}\"",
                        esc(k),
                        esc(v)
                    );
                    if let Some(e) = st.expected_attrs.get(k) {
                        let _ = write!(out, " expected=\"{}\"", esc(e));
                    }
                    out.push_str("/>\n");
                }
                out.push_str("    </node>\n");
            }
            out.push_str("  </node_attributes>\n");
        }
    }
    if has("operations") || has("failcounts") {
        let mut body = String::new();
        for h in st.history.iter().filter(|h| st.node_shown_by_name(&h.node)) {
            let mut node_body = String::new();
            for r in &h.resources {
                if r.ops.is_empty() || !st.history_shown(&r.id) {
                    continue;
                }
                let _ = write!(
                    node_body,
                    "      <resource_history id=\"{}\" orphan=\"false\" {}",
                    esc(&r.id),
                    r.counts()
                        .into_iter()
                        .map(|(k, v)| format!("{k}=\"{}\"", esc(&v)))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                node_body.push_str(">\n");
                for op in &r.ops {
                    let _ = write!(
                        node_body,
                        "        <operation_history call=\"{}\" task=\"{}\" rc=\"{}\" rc_text=\"{}\"",
                        op.call_id,
                        esc(op.display_task()),
                        op.rc,
                        super::status::rc_text(op.rc)
                    );
                    if op.interval_ms > 0 {
                        let _ = write!(node_body, " interval=\"{}ms\"", op.interval_ms);
                    }
                    let _ = writeln!(
                        node_body,
                        " exec-time=\"{}ms\" queue-time=\"{}ms\"/>",
                        op.exec_ms.unwrap_or(0),
                        op.queue_ms.unwrap_or(0)
                    );
                }
                node_body.push_str("      </resource_history>\n");
            }
            if !node_body.is_empty() {
                let _ = writeln!(body, "    <node name=\"{}\">", esc(&h.node));
                body.push_str(&node_body);
                body.push_str("    </node>\n");
            }
        }
        if body.is_empty() {
            out.push_str("  <node_history/>\n");
        } else {
            out.push_str("  <node_history>\n");
            out.push_str(&body);
            out.push_str("  </node_history>\n");
        }
    }
    if has("bans") {
        let bans: Vec<_> = st.bans.iter().filter(|b| st.ban_shown(b)).collect();
        if !bans.is_empty() {
            out.push_str("  <bans>\n");
            for b in bans {
                let _ = writeln!(
                    out,
                    "    <ban id=\"{}\" resource=\"{}\" node=\"{}\" weight=\"{}\" promoted-only=\"{}\" master_only=\"{}\"/>",
                    esc(&b.id),
                    esc(&b.rsc),
                    esc(&b.node),
                    b.weight,
                    b.promoted_only,
                    b.promoted_only
                );
            }
            out.push_str("  </bans>\n");
        }
    }
    if opts.legacy_xml {
        out.push_str("</crm_mon>\n");
    } else {
        out.push_str("  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n");
    }
    out
}
