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

/// A primitive's line as operation listings start it: `rsc\t(agent):\t Started`.
pub fn primitive_label(snap: &Snapshot, r: RscIdx) -> String {
    let rsc = &snap.view.resources[r];
    let name = if in_anonymous_clone(snap, r) {
        &rsc.base_id
    } else {
        &rsc.id
    };
    format!(
        "{name}\t({}):\t {}",
        agent(snap, r),
        primitive_state(snap, r, false)
    )
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

/// `class:provider:type` of a primitive.
fn agent(snap: &Snapshot, r: RscIdx) -> String {
    let rsc = &snap.view.resources[r];
    match &rsc.provider {
        Some(p) => format!("{}:{p}:{}", rsc.class, rsc.agent),
        None => format!("{}:{}", rsc.class, rsc.agent),
    }
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

/// A promotable clone's instance that runs unpromoted shows as `Unpromoted`.
fn shown_role(snap: &Snapshot, r: RscIdx, role: Role) -> Role {
    let mut cur = snap.view.resources[r].parent;
    while let Some(p) = cur {
        let rsc = &snap.view.resources[p];
        if rsc.clone.as_ref().is_some_and(|c| c.promotable) && role == Role::Started {
            return Role::Unpromoted;
        }
        cur = rsc.parent;
    }
    role
}

/// True when `r` is inside a clone whose instances share one name (XML shows that name).
fn in_anonymous_clone(snap: &Snapshot, r: RscIdx) -> bool {
    let mut cur = snap.view.resources[r].parent;
    while let Some(p) = cur {
        let rsc = &snap.view.resources[p];
        if rsc.kind == Kind::Clone {
            return !rsc.clone.as_ref().is_some_and(|c| c.unique);
        }
        cur = rsc.parent;
    }
    false
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

/// ` (disabled)` after a group's or clone's header when it is stopped by target-role.
fn disabled_flag(snap: &Snapshot, r: RscIdx) -> &'static str {
    if disabled(snap, r) {
        " (disabled)"
    } else {
        ""
    }
}

/// The state text of a primitive: `Stopped`, `Started node1`, `Promoted node2`, with flags
/// (`--list` shows no nodes, `--query-xml` does).
fn primitive_state(snap: &Snapshot, r: RscIdx, show_nodes: bool) -> String {
    let nodes = snap.view.running_on(r);
    let mut text = match nodes.first() {
        None => "Stopped".to_string(),
        Some(&n) => {
            let role = shown_role(snap, r, snap.role_on(r, n));
            if !show_nodes {
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
fn text_lines(snap: &Snapshot, r: RscIdx, indent: usize, show_nodes: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    let rsc = &snap.view.resources[r];
    match rsc.kind {
        Kind::Primitive => out.push_str(&format!(
            "{pad}* {}\t({}):\t {}\n",
            if in_anonymous_clone(snap, r) {
                &rsc.base_id
            } else {
                &rsc.id
            },
            agent(snap, r),
            primitive_state(snap, r, show_nodes)
        )),
        Kind::Group => {
            out.push_str(&format!(
                "{pad}* Resource Group: {}{}:\n",
                rsc.id,
                disabled_flag(snap, r)
            ));
            for &c in &rsc.children {
                text_lines(snap, c, indent + 2, show_nodes, out);
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
        "{pad}* Clone Set: {} [{child_name}]{}{}:\n",
        rsc.id,
        if promotable { " (promotable)" } else { "" },
        disabled_flag(snap, r)
    ));
    let mut by_role: Vec<(Role, Vec<String>)> = Vec::new();
    let mut running = Vec::new();
    for &c in &rsc.children {
        for n in snap.view.running_on(c) {
            let role = match snap.role_on(c, n) {
                Role::Started if promotable => Role::Unpromoted,
                role => role,
            };
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
            let role = nodes
                .first()
                .map_or(Role::Stopped, |&n| shown_role(snap, r, snap.role_on(r, n)));
            let target = target_role(snap, r)
                .map(|t| format!(" target_role=\"{}\"", escape(&t)))
                .unwrap_or_default();
            let failed = rsc.node_state.values().any(|s| s.failed);
            let shown_id = if in_anonymous_clone(snap, r) {
                &rsc.base_id
            } else {
                &rsc.id
            };
            out.push_str(&format!(
                "{pad}<resource id=\"{}\" resource_agent=\"{}\" role=\"{}\"{target} active=\"{}\" orphaned=\"{}\" blocked=\"false\" managed=\"{}\" failed=\"{failed}\" failure_ignored=\"false\" nodes_running_on=\"{}\"",
                escape(shown_id),
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
            let extra = if rsc.kind == Kind::Clone {
                let target = target_role(snap, r)
                    .map(|t| format!(" target_role=\"{}\"", escape(&t)))
                    .unwrap_or_default();
                format!(" failed=\"false\" failure_ignored=\"false\"{target}")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{pad}<{tag} managed=\"{}\" disabled=\"{}\"{extra}>\n",
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
    // Deleting something that does not exist succeeds, as in Pacemaker.
    let base = ctx.access.query()?;
    let mut new = base.clone();
    let pattern = cib::xml::Element::new(kind).with_attr("id", rsc);
    cib::edit::delete(&mut new, Some("resources"), &pattern)
        .map_err(|e| ClusterError::failed(e.to_string(), ExitCode::Error))?;
    ctx.access.commit(&base, new)?;
    Ok(Reply::default())
}
