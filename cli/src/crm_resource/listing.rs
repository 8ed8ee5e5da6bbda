//! The commands on whole resources: `--list`, `--list-raw`, `--locate` and `--query-xml`,
//! printed as Pacemaker 2.1.5 prints them (the resource lines share crm_mon's layout), and
//! `--delete`, which removes a resource's configuration.

use super::cluster::{ClusterError, Ctx, Reply};
use super::output::{escape, escape_text};
use super::snapshot::Snapshot;
use crate::exit::ExitCode;
use pengine::unpack::{Kind, Role, RscIdx};

/// `-L/--list` (also the default command).
pub fn list(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let snap = ctx.snapshot()?;
    let mut reply = Reply::default();
    if snap.view.top.is_empty() {
        return Err(ClusterError::failed(
            "No resources configured",
            ExitCode::NoSuch,
        ));
    }
    reply.info("Full List of Resources:");
    reply.xml.push_str("  <resources>\n");
    for &r in &snap.view.top {
        text_lines(&snap, r, 2, ctx.opts.quiet, &mut reply.out);
        xml_lines(&snap, r, 4, &mut reply.xml);
    }
    reply.xml.push_str("  </resources>\n");
    Ok(reply)
}

/// `-l/--list-raw`: the id of every primitive instance.
pub fn list_raw(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let snap = ctx.snapshot()?;
    let mut reply = Reply::default();
    for &r in &snap.view.top {
        for p in snap.view.primitives_of(r) {
            let id = &snap.view.resources[p].id;
            reply.info(id);
            reply
                .xml
                .push_str(&format!("  <resource id=\"{}\"/>\n", escape(id)));
        }
    }
    Ok(reply)
}

/// `-W/--locate -r RSC`.
pub fn locate(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let rsc = ctx.resource()?.to_string();
    let snap = ctx.snapshot()?;
    let r = snap
        .find(&rsc)
        .ok_or_else(|| ClusterError::no_resource(&rsc))?;
    let locations = snap.locations(r, &rsc);
    let mut reply = Reply::default();
    if locations.is_empty() {
        if !ctx.opts.quiet {
            reply.error(format!("resource {rsc} is NOT running"));
        }
        reply
            .xml
            .push_str(&format!("  <nodes resource=\"{}\"/>\n", escape(&rsc)));
        return Ok(reply);
    }
    reply
        .xml
        .push_str(&format!("  <nodes resource=\"{}\">\n", escape(&rsc)));
    for l in &locations {
        if ctx.opts.quiet {
            reply.info(&l.node);
        } else {
            let suffix = if l.promoted { " Promoted" } else { "" };
            reply.info(format!("resource {rsc} is running on: {}{suffix}", l.node));
        }
        let state = if l.promoted {
            " state=\"promoted\""
        } else {
            ""
        };
        reply.xml.push_str(&format!(
            "    <node{state}>{}</node>\n",
            escape_text(&l.node)
        ));
    }
    reply.xml.push_str("  </nodes>\n");
    Ok(reply)
}

/// `-q/--query-xml` (`-w/--query-xml-raw`: only the XML).
pub fn query_xml(ctx: &mut Ctx<'_>, raw: bool) -> Result<Reply, ClusterError> {
    let rsc = ctx.resource()?.to_string();
    let snap = ctx.snapshot()?;
    let r = snap
        .find(&rsc)
        .ok_or_else(|| ClusterError::no_resource(&rsc))?;
    let element = snap
        .config_element(r)
        .ok_or_else(|| ClusterError::no_resource(&rsc))?;
    let xml = cib::format::element_to_string(element);
    let mut reply = Reply::default();
    if !raw {
        let mut line = String::new();
        text_lines(&snap, r, 0, false, &mut line);
        reply.out.push_str(line.replacen("* ", "", 1).as_str());
        reply.info("Resource XML:");
    }
    reply.info(&xml);
    reply.xml.push_str("  <resource_config>\n");
    if !raw {
        xml_lines(&snap, r, 4, &mut reply.xml);
    }
    reply.xml.push_str(&format!(
        "    <xml><![CDATA[{xml}\n]]></xml>\n  </resource_config>\n"
    ));
    Ok(reply)
}

/// `class:provider:type` of a primitive.
fn agent(snap: &Snapshot, r: RscIdx) -> String {
    let rsc = &snap.view.resources[r];
    match &rsc.provider {
        Some(p) => format!("{}:{p}:{}", rsc.class, rsc.agent),
        None => format!("{}:{}", rsc.class, rsc.agent),
    }
}

fn target_role(snap: &Snapshot, r: RscIdx) -> Option<String> {
    snap.view.resources[r]
        .meta("target-role")
        .map(str::to_string)
}

fn disabled(snap: &Snapshot, r: RscIdx) -> bool {
    let mut cur = Some(r);
    while let Some(x) = cur {
        if snap.view.resources[x].target_role() == Some(Role::Stopped) {
            return true;
        }
        cur = snap.view.resources[x].parent;
    }
    false
}

/// The state text of a primitive: `Stopped`, `Started node1`, `Promoted node2`, with flags.
fn primitive_state(snap: &Snapshot, r: RscIdx, quiet: bool) -> String {
    let nodes = snap.view.running_on(r);
    let mut text = match nodes.first() {
        None => "Stopped".to_string(),
        Some(&n) => {
            let role = snap.role_on(r, n);
            if quiet {
                role.name().to_string()
            } else {
                let names: Vec<&str> = nodes.iter().map(|&n| snap.node_name(n)).collect();
                format!("{} {}", role.name(), names.join(" "))
            }
        }
    };
    let mut flags = Vec::new();
    if disabled(snap, r) {
        flags.push("disabled");
    }
    if !snap.view.resources[r].managed() {
        flags.push("unmanaged");
    }
    if !flags.is_empty() {
        text.push_str(&format!(" ({})", flags.join(", ")));
    }
    text
}

/// Text lines of one resource and its children, `indent` spaces in.
fn text_lines(snap: &Snapshot, r: RscIdx, indent: usize, quiet: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    let rsc = &snap.view.resources[r];
    match rsc.kind {
        Kind::Primitive => out.push_str(&format!(
            "{pad}* {}\t({}):\t {}\n",
            rsc.id,
            agent(snap, r),
            primitive_state(snap, r, quiet)
        )),
        Kind::Group => {
            out.push_str(&format!("{pad}* Resource Group: {}:\n", rsc.id));
            for &c in &rsc.children {
                text_lines(snap, c, indent + 2, quiet, out);
            }
        }
        Kind::Clone => clone_lines(snap, r, indent, out),
    }
}

/// A clone as crm_mon summarises it: the instances grouped by role.
fn clone_lines(snap: &Snapshot, r: RscIdx, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let rsc = &snap.view.resources[r];
    let promotable = rsc.clone.as_ref().is_some_and(|c| c.promotable);
    let child_name = rsc
        .children
        .first()
        .map(|&c| snap.view.resources[c].base_id.clone())
        .unwrap_or_default();
    out.push_str(&format!(
        "{pad}* Clone Set: {} [{child_name}]{}:\n",
        rsc.id,
        if promotable { " (promotable)" } else { "" }
    ));
    let mut by_role: Vec<(Role, Vec<String>)> = Vec::new();
    let mut running = Vec::new();
    for &c in &rsc.children {
        for n in snap.view.running_on(c) {
            let role = snap.role_on(c, n);
            running.push(n);
            match by_role.iter_mut().find(|(r, _)| *r == role) {
                Some((_, v)) => v.push(snap.node_name(n).to_string()),
                None => by_role.push((role, vec![snap.node_name(n).to_string()])),
            }
        }
    }
    by_role.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (role, mut nodes) in by_role {
        nodes.sort();
        out.push_str(&format!(
            "{pad}  * {}: [ {} ]\n",
            role.name(),
            nodes.join(" ")
        ));
    }
    let mut stopped: Vec<&str> = snap
        .view
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| !running.contains(i))
        .map(|(_, n)| n.uname.as_str())
        .collect();
    stopped.sort_unstable();
    if !stopped.is_empty() {
        let flag = if disabled(snap, r) { " (disabled)" } else { "" };
        out.push_str(&format!(
            "{pad}  * Stopped{flag}: [ {} ]\n",
            stopped.join(" ")
        ));
    }
}

/// `<resource>` (and `<group>`/`<clone>`) elements as crm_mon's XML prints them.
fn xml_lines(snap: &Snapshot, r: RscIdx, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let rsc = &snap.view.resources[r];
    match rsc.kind {
        Kind::Primitive => {
            let nodes = snap.view.running_on(r);
            let role = nodes.first().map_or(Role::Stopped, |&n| snap.role_on(r, n));
            let target = target_role(snap, r)
                .map(|t| format!(" target_role=\"{}\"", escape(&t)))
                .unwrap_or_default();
            let failed = rsc.node_state.values().any(|s| s.failed);
            out.push_str(&format!(
                "{pad}<resource id=\"{}\" resource_agent=\"{}\" role=\"{}\"{target} active=\"{}\" orphaned=\"{}\" blocked=\"false\" managed=\"{}\" failed=\"{failed}\" failure_ignored=\"false\" nodes_running_on=\"{}\"",
                escape(&rsc.id),
                escape(&agent(snap, r)),
                role.name(),
                !nodes.is_empty(),
                rsc.orphan,
                rsc.managed(),
                nodes.len()
            ));
            if nodes.is_empty() {
                out.push_str("/>\n");
                return;
            }
            out.push_str(">\n");
            for n in nodes {
                let node = &snap.view.nodes[n];
                out.push_str(&format!(
                    "{pad}  <node name=\"{}\" id=\"{}\" cached=\"true\"/>\n",
                    escape(&node.uname),
                    escape(&node.id)
                ));
            }
            out.push_str(&format!("{pad}</resource>\n"));
        }
        Kind::Group | Kind::Clone => {
            let tag = if rsc.kind == Kind::Group {
                format!(
                    "group id=\"{}\" number_resources=\"{}\"",
                    escape(&rsc.id),
                    rsc.children.len()
                )
            } else {
                let c = rsc.clone.clone().unwrap_or_default();
                format!(
                    "clone id=\"{}\" multi_state=\"{}\" unique=\"{}\"",
                    escape(&rsc.id),
                    c.promotable,
                    c.unique
                )
            };
            let name = if rsc.kind == Kind::Group {
                "group"
            } else {
                "clone"
            };
            out.push_str(&format!(
                "{pad}<{tag} managed=\"{}\" disabled=\"{}\">\n",
                rsc.managed(),
                disabled(snap, r)
            ));
            for &c in &rsc.children {
                xml_lines(snap, c, indent + 2, out);
            }
            out.push_str(&format!("{pad}</{name}>\n"));
        }
    }
}

/// `-D/--delete -r RSC -t TYPE`: removes the `<TYPE id="RSC">` element from the resources.
pub fn delete(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let rsc = ctx.resource()?.to_string();
    let Some(kind) = ctx.opts.rsc_type.clone() else {
        return Err(ClusterError::failed(
            "You need to specify a resource type with -t",
            ExitCode::NoSuch,
        ));
    };
    let base = ctx.access.query()?;
    let exists = base
        .child("configuration")
        .and_then(|c| c.child("resources"))
        .is_some_and(|r| {
            r.descendants()
                .iter()
                .any(|e| e.name == kind && e.id() == Some(rsc.as_str()))
        });
    if !exists {
        return Err(ClusterError::failed(
            format!("Could not delete resource {rsc}: No such object"),
            ExitCode::NoSuch,
        ));
    }
    let mut new = base.clone();
    let pattern = cib::xml::Element::new(kind).with_attr("id", rsc);
    cib::edit::delete(&mut new, Some("resources"), &pattern)
        .map_err(|e| ClusterError::failed(e.to_string(), ExitCode::Error))?;
    ctx.access.commit(&base, new)?;
    Ok(Reply::default())
}
