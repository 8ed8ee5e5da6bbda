//! The commands on whole resources: `--list`, `--list-raw`, `--locate` and `--query-xml`,
//! printed as Pacemaker 2.1.5 prints them (the resource lines share crm_mon's layout), and
//! `--delete`, which removes a resource's configuration.

use super::cluster::{ClusterError, Ctx, Reply};
use super::output::{escape, escape_text};
use super::snapshot::Snapshot;
use crate::exit::ExitCode;
use cib::Element;
use pengine::render::status_text::{
    clone_child_name, clone_element, clone_heading, disabled, group_element, group_flags,
    group_heading, indented, managed, node_list_line, stopped_line, summarised_location,
    CloneFlags, Nodes, PrimitiveText,
};
use pengine::unpack::{Kind, Role, RscIdx};

/// `-L/--list` (also the default command).
pub fn list(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let snap = ctx.snapshot()?;
    let mut reply = Reply::default();
    reply.info("Full List of Resources:");
    if snap.view.top.is_empty() {
        reply.info("  * No resources");
        reply
            .xml
            .push_str("  <resources>\n    <item>No resources</item>\n  </resources>\n");
        return Err(ClusterError::Partial {
            reply,
            code: ExitCode::NoSuch,
            report: true,
        });
    }
    reply.xml.push_str("  <resources>\n");
    for &r in &snap.view.top {
        text_lines(&snap, r, 2, false, &mut reply.out);
        xml_lines(&snap, r, 4, &mut reply.xml);
    }
    reply.xml.push_str("  </resources>\n");
    Ok(reply)
}

/// `-l/--list-raw`: the id of every primitive instance.
pub fn list_raw(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let snap = ctx.snapshot()?;
    let mut reply = Reply::default();
    if snap.view.top.is_empty() {
        reply.err.push_str("NO resources configured\n\n");
        reply.messages.push("NO resources configured\n".into());
        return Err(ClusterError::Partial {
            reply,
            code: ExitCode::NoSuch,
            report: true,
        });
    }
    let mut items = String::new();
    let mut count = 0;
    for &r in &snap.view.top {
        for p in snap.view.primitives_of(r) {
            let id = &snap.view.resources[p].id;
            reply.info(id);
            items.push_str(&format!(
                "    <item name=\"resource\">{}</item>\n",
                escape_text(id)
            ));
            count += 1;
        }
    }
    reply.xml = format!("  <list name=\"resource names\" count=\"{count}\">\n{items}  </list>\n");
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
            // Text output only: the XML result just has no nodes.
            reply
                .err
                .push_str(&format!("resource {rsc} is NOT running\n"));
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
    // Pacemaker shows a clone instance's copy of the configuration, marked with its number.
    let mut element = element.clone();
    if let Some(n) = instance_number(&snap, r) {
        element.set_attr("clone", n);
    }
    let xml = cib::format::element_to_string(&element);
    let mut reply = Reply::default();
    // Groups and clones with nothing active are not shown (primitives always are).
    let shown =
        snap.view.resources[r].kind == Kind::Primitive || !snap.view.running_on(r).is_empty();
    if !raw {
        // Pacemaker prints the members (or a clone's summary) without the header and bullets.
        let mut lines = String::new();
        text_lines(&snap, r, 0, true, &mut lines);
        let skip = usize::from(snap.view.resources[r].kind != Kind::Primitive);
        for line in lines.lines().skip(skip).filter(|_| shown) {
            let line = line.trim_start();
            reply.info(line.strip_prefix("* ").unwrap_or(line));
        }
        reply.info("Resource XML:");
    }
    reply.info(&xml);
    reply.xml.push_str("  <resource_config>\n");
    if !raw && shown {
        xml_lines(&snap, r, 4, &mut reply.xml);
    }
    reply.xml.push_str(&format!(
        "    <xml><![CDATA[{xml}\n]]></xml>\n  </resource_config>\n"
    ));
    Ok(reply)
}

/// The shared text and XML form of primitive `r` where it runs now.
fn primitive_text(snap: &Snapshot, r: RscIdx) -> PrimitiveText {
    PrimitiveText::of(&snap.view, r, &snap.view.active_roles(r))
}

/// A primitive's line as operation listings start it: `rsc\t(agent):\t Started`.
pub fn primitive_label(snap: &Snapshot, r: RscIdx) -> String {
    primitive_text(snap, r).line(Nodes::Hidden)
}

/// `class:provider:type`, the provider empty when there is none (XML's `agent`).
pub fn agent_spec(snap: &Snapshot, r: RscIdx) -> String {
    let rsc = &snap.view.resources[r];
    format!(
        "{}:{}:{}",
        rsc.class,
        rsc.provider.as_deref().unwrap_or(""),
        rsc.agent
    )
}

/// The instance number of the clone instance `r` belongs to (`N` of `rsc:N`).
fn instance_number(snap: &Snapshot, r: RscIdx) -> Option<String> {
    let mut cur = Some(r);
    while let Some(x) = cur {
        let rsc = &snap.view.resources[x];
        let parent = rsc.parent?;
        if snap.view.resources[parent].kind == Kind::Clone {
            return rsc.id.rsplit_once(':').map(|(_, n)| n.to_string());
        }
        cur = Some(parent);
    }
    None
}

/// Text lines of one resource and its children, `indent` spaces in (`--list` shows no nodes,
/// `--query-xml` does).
fn text_lines(snap: &Snapshot, r: RscIdx, indent: usize, show_nodes: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    let view = &snap.view;
    let rsc = &view.resources[r];
    match rsc.kind {
        Kind::Primitive => {
            let nodes = if show_nodes {
                Nodes::Shown
            } else {
                Nodes::Hidden
            };
            out.push_str(&format!("{pad}* {}\n", primitive_text(snap, r).line(nodes)));
        }
        Kind::Group => {
            let heading = group_heading(&rsc.id, &group_flags(view, r));
            out.push_str(&format!("{pad}* {heading}\n"));
            for &c in &rsc.children {
                text_lines(snap, c, indent + 2, show_nodes, out);
            }
        }
        Kind::Clone => clone_lines(snap, r, indent, show_nodes, out),
    }
}

/// A clone as crm_mon summarises it: the instances grouped by role.
fn clone_lines(snap: &Snapshot, r: RscIdx, indent: usize, show_nodes: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    let view = &snap.view;
    let rsc = &view.resources[r];
    let flags = CloneFlags::of(view, r);
    let heading = clone_heading(&rsc.id, &clone_child_name(view, r), flags);
    out.push_str(&format!("{pad}* {heading}\n"));
    let mut by_role: Vec<(Role, Vec<String>)> = Vec::new();
    let mut running = Vec::new();
    for &c in &rsc.children {
        running.extend(view.running_on(c));
        let texts: Vec<PrimitiveText> = view
            .primitives_of(c)
            .into_iter()
            .map(|m| primitive_text(snap, m))
            .collect();
        if !flags.unique && !texts.iter().any(PrimitiveText::active) {
            continue;
        }
        // The same rule as crm_mon's: unique, failed, unmanaged or partial instances in full.
        match summarised_location(&texts).filter(|_| !flags.unique) {
            Some((node, role)) => match by_role.iter_mut().find(|(r, _)| *r == role) {
                Some((_, v)) => v.push(node),
                None => by_role.push((role, vec![node])),
            },
            None => text_lines(snap, c, indent + 2, show_nodes, out),
        }
    }
    by_role.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (role, mut nodes) in by_role {
        nodes.sort();
        out.push_str(&format!(
            "{pad}  * {}\n",
            node_list_line(role.name(), &nodes)
        ));
    }
    let stopped: Vec<String> = view
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| !running.contains(i))
        .map(|(_, n)| n.uname.clone())
        .collect();
    let idle = rsc
        .children
        .iter()
        .filter(|&&c| view.running_on(c).is_empty() && !view.resources[c].orphan)
        .count();
    // A unique clone has listed every instance already.
    let idle = if flags.unique { 0 } else { idle };
    if let Some(line) = stopped_line(flags.disabled, stopped, idle) {
        out.push_str(&format!("{pad}  * {line}\n"));
    }
}

/// `<resource>` (and `<group>`/`<clone>`) elements as crm_mon's XML prints them.
fn xml_lines(snap: &Snapshot, r: RscIdx, indent: usize, out: &mut String) {
    out.push_str(&indented(
        &cib::format::element_to_string(&xml_element(snap, r)),
        indent,
    ));
}

fn xml_element(snap: &Snapshot, r: RscIdx) -> Element {
    let view = &snap.view;
    let rsc = &view.resources[r];
    let children = || rsc.children.iter().map(|&c| xml_element(snap, c)).collect();
    match rsc.kind {
        Kind::Primitive => primitive_text(snap, r).element(),
        Kind::Group => group_element(
            &rsc.id,
            rsc.children.len(),
            managed(view, r),
            disabled(view, r),
            children(),
        ),
        Kind::Clone => clone_element(
            &rsc.id,
            CloneFlags::of(view, r),
            false,
            rsc.meta("target-role"),
            children(),
        ),
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
    // Deleting something that does not exist succeeds, as in Pacemaker.
    let base = ctx.access.query()?;
    let mut new = base.clone();
    let pattern = cib::xml::Element::new(kind).with_attr("id", rsc);
    cib::edit::delete(&mut new, Some("resources"), &pattern)
        .map_err(|e| ClusterError::failed(e.to_string(), ExitCode::Error))?;
    ctx.access.commit(&base, new)?;
    Ok(Reply::default())
}
