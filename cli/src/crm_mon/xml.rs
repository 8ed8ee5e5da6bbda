//! crm_mon's XML output (`--output-as=xml`, API 2.25 as Pacemaker 2.1.5 writes it).
//!
//! XML always carries every section, inactive resources included; `--exclude` removes
//! sections as in text mode.

use super::args::Options;
use super::model::{Item, Prim};
use super::status::{NodeKind, NodeView, Status};
use crate::crm_attribute::{xml_escape as esc, XML_API_VERSION};
use pengine::unpack::Role;
use std::fmt::Write;

fn role_name(on: &[(String, Role)]) -> &'static str {
    match on.first().map(|(_, r)| *r) {
        None => "Stopped",
        Some(Role::Promoted) => "Promoted",
        Some(Role::Unpromoted) => "Unpromoted",
        Some(_) => "Started",
    }
}

fn node_id(st: &Status, name: &str) -> String {
    st.nodes
        .iter()
        .find(|n| n.name == name)
        .map(|n| n.id.clone())
        .unwrap_or_else(|| name.to_string())
}

fn node_online(st: &Status, name: &str) -> bool {
    st.nodes.iter().any(|n| n.name == name && n.online)
}

fn resource(out: &mut String, indent: usize, st: &Status, p: &Prim) {
    let mut line = format!(
        "{:indent$}<resource id=\"{}\" resource_agent=\"{}\" role=\"{}\"",
        "",
        esc(&p.id),
        esc(&p.agent),
        role_name(&p.on),
        indent = indent
    );
    if let Some(t) = &p.target_role {
        let _ = write!(line, " target_role=\"{}\"", esc(t));
    }
    let _ = write!(
        line,
        " active=\"{}\" orphaned=\"{}\" blocked=\"false\" managed=\"{}\" failed=\"{}\" failure_ignored=\"false\" nodes_running_on=\"{}\"",
        p.active(),
        p.orphan,
        p.managed,
        p.failed,
        p.on.len()
    );
    if p.on.is_empty() {
        let _ = writeln!(out, "{line}/>");
        return;
    }
    let _ = writeln!(out, "{line}>");
    for (n, _) in &p.on {
        let _ = writeln!(
            out,
            "{:indent$}  <node name=\"{}\" id=\"{}\" cached=\"{}\"/>",
            "",
            esc(n),
            esc(&node_id(st, n)),
            node_online(st, n),
            indent = indent
        );
    }
    let _ = writeln!(out, "{:indent$}</resource>", "", indent = indent);
}

fn item(out: &mut String, indent: usize, st: &Status, it: &Item) {
    let pad = " ".repeat(indent);
    match it {
        Item::Prim(p) => resource(out, indent, st, p),
        Item::Group {
            id,
            members,
            managed,
            disabled,
        } => {
            let _ = writeln!(
                out,
                "{pad}<group id=\"{}\" number_resources=\"{}\" managed=\"{managed}\" disabled=\"{disabled}\">",
                esc(id),
                st.group_size(id).unwrap_or(members.len())
            );
            for m in members {
                resource(out, indent + 2, st, m);
            }
            let _ = writeln!(out, "{pad}</group>");
        }
        Item::Clone {
            id,
            promotable,
            unique,
            managed,
            disabled,
            instances,
            ..
        } => {
            let prims = it.prims();
            let failed = prims.iter().any(|p| p.failed);
            let mut line = format!(
                "{pad}<clone id=\"{}\" multi_state=\"{promotable}\" unique=\"{unique}\" managed=\"{managed}\" disabled=\"{disabled}\" failed=\"{failed}\" failure_ignored=\"false\"",
                esc(id)
            );
            if let Some(t) = st.clone_target_role(id) {
                let _ = write!(line, " target_role=\"{}\"", esc(&t));
            }
            let _ = writeln!(out, "{line}>");
            for i in instances {
                item(out, indent + 2, st, i);
            }
            let _ = writeln!(out, "{pad}</clone>");
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
            let failed = false;
            let _ = writeln!(
                out,
                "{pad}<bundle id=\"{}\" type=\"{}\" image=\"{}\" unique=\"false\" managed=\"{managed}\" failed=\"{failed}\">",
                esc(id),
                esc(kind),
                esc(image)
            );
            for r in replicas {
                let _ = writeln!(out, "{pad}  <replica id=\"{}\">", r.index);
                for p in
                    r.ip.iter()
                        .chain(r.child.iter())
                        .chain(Some(&r.container).filter(|_| r.container_shown))
                        .chain(r.remote.iter())
                {
                    resource(out, indent + 4, st, p);
                }
                let _ = writeln!(out, "{pad}  </replica>");
            }
            let _ = writeln!(out, "{pad}</bundle>");
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
        "<node name=\"{}\" id=\"{}\" online=\"{}\" standby=\"{}\" standby_onfail=\"false\" maintenance=\"{}\" pending=\"{}\" unclean=\"{}\" health=\"green\"",
        esc(&n.name),
        esc(&n.id),
        n.online,
        n.standby,
        n.maintenance,
        n.pending,
        n.unclean
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
                            resource(&mut out, 6, st, p);
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
                item(&mut out, 4, st, i);
            }
            out.push_str("  </resources>\n");
        }
    }
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
                    r.counts_text
                        .split(' ')
                        .map(|kv| match kv.split_once('=') {
                            Some((k, v)) => format!("{k}=\"{}\"", esc(v.trim_matches('\''))),
                            None => kv.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                node_body.push_str(">\n");
                for op in &r.ops {
                    let _ = write!(
                        node_body,
                        "        <operation_history call=\"{}\" task=\"{}\" rc=\"{}\" rc_text=\"{}\"",
                        op.call,
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
                        op.exec_ms, op.queue_ms
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
