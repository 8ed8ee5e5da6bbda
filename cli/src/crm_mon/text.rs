//! crm_mon's text layout (Pacemaker 2.1.5): the summary, node list, resources, node
//! attributes, operations, failures and bans, each section separated by a blank line.

use super::args::Options;
use super::model::{Item, Prim, Replica};
use super::status::{NodeKind, NodeView, Status};
use pengine::render::status_text::{
    clone_heading, group_flag_words, group_heading, node_list_line, stopped_line,
    summarised_location, NodeMode, Nodes,
};
use pengine::unpack::Role;
use std::fmt::Write;

fn prim_line(out: &mut String, indent: usize, st: &Status, p: &Prim) {
    let _ = writeln!(
        out,
        "{:indent$}* {}",
        "",
        p.text(&st.nodes, None).line(Nodes::Shown),
        indent = indent
    );
}

/// A group's configured flags: (managed, disabled).
type GroupFlags = (bool, bool);

#[allow(clippy::too_many_arguments)]
fn group_lines(
    out: &mut String,
    indent: usize,
    st: &Status,
    id: &str,
    members: &[Prim],
    (managed, disabled): GroupFlags,
    inactive: bool,
    inactive_members: Option<usize>,
) {
    let mut flags = Vec::new();
    let hidden = inactive_members.unwrap_or_else(|| members.iter().filter(|m| !m.active()).count());
    let hidden_text = format!("{hidden} member{} inactive", plural(hidden));
    if !inactive && hidden > 0 && members.iter().any(Prim::active) {
        flags.push(hidden_text.as_str());
    }
    flags.extend(group_flag_words(managed, disabled));
    let heading = group_heading(id, &flags);
    let _ = writeln!(out, "{:indent$}* {heading}", "", indent = indent);
    for m in members.iter().filter(|m| inactive || m.active()) {
        prim_line(out, indent + 2, st, m);
    }
}

fn clone_lines(
    out: &mut String,
    indent: usize,
    st: &Status,
    opts: &Options,
    item: &Item,
    inactive: bool,
) {
    let Item::Clone {
        id,
        child,
        flags,
        instances,
    } = item
    else {
        return;
    };
    let heading = clone_heading(id, child, *flags);
    let _ = writeln!(out, "{:indent$}* {heading}", "", indent = indent);
    let inner = indent + 2;
    let individually = flags.unique || opts.detail;
    let mut by_role: std::collections::BTreeMap<u8, Vec<String>> = Default::default();
    for inst in instances {
        let prims = inst.prims();
        if !individually {
            if !prims.iter().any(|p| p.active()) {
                continue; // summed up in the Stopped line
            }
            let texts: Vec<_> = prims.iter().map(|p| p.text(&st.nodes, None)).collect();
            if let Some((node, role)) = summarised_location(&texts) {
                if st.node_shown_by_name(&node) {
                    let key = match role {
                        Role::Promoted => 0,
                        Role::Unpromoted => 1,
                        _ if flags.promotable => 1,
                        _ => 2,
                    };
                    by_role.entry(key).or_default().push(node);
                }
                continue;
            }
        }
        match inst {
            // A unique clone lists every instance, stopped ones too when asked to.
            Item::Prim(p) => {
                if p.active() || opts.detail || (flags.unique && inactive && !p.orphan) {
                    prim_line(out, inner, st, p);
                }
            }
            Item::Group {
                id,
                members,
                managed,
                disabled,
            } => {
                if members.iter().any(Prim::active) {
                    group_lines(
                        out,
                        inner,
                        st,
                        id,
                        members,
                        (*managed, *disabled),
                        inactive,
                        None,
                    );
                }
            }
            other => render_item(out, inner, st, opts, other, inactive),
        }
    }
    for (key, label) in [(0u8, "Promoted"), (1, "Unpromoted"), (2, "Started")] {
        if let Some(nodes) = by_role.get_mut(&key) {
            nodes.sort();
            nodes.dedup();
            let line = node_list_line(label, nodes);
            let _ = writeln!(out, "{:inner$}* {line}", "", inner = inner);
        }
    }
    // Only anonymous clones sum their stopped instances up by node.
    if !opts.detail && !flags.unique {
        stopped_list(out, inner, st, instances, flags.disabled, inactive);
    }
}

/// "Stopped: [ nodes ]": the cluster nodes running no instance (with `-r`).
fn stopped_list(
    out: &mut String,
    inner: usize,
    st: &Status,
    instances: &[Item],
    disabled: bool,
    inactive: bool,
) {
    if !inactive {
        return;
    }
    let active_nodes: std::collections::BTreeSet<String> = instances
        .iter()
        .flat_map(|i| {
            i.prims()
                .into_iter()
                .flat_map(|p| p.on.iter().map(|(n, _)| n.clone()))
        })
        .collect();
    let stopped: Vec<String> = st
        .nodes
        .iter()
        .filter(|n| n.kind != NodeKind::Guest && !active_nodes.contains(&n.name))
        .filter(|n| st.node_shown(n))
        .map(|n| n.name.clone())
        .collect();
    let idle = instances
        .iter()
        .filter(|i| !i.active() && !i.prims().iter().any(|p| p.orphan))
        .count();
    if let Some(line) = stopped_line(disabled, stopped, idle) {
        let _ = writeln!(out, "{:inner$}* {line}", "", inner = inner);
    }
}

fn replica_lines(
    out: &mut String,
    indent: usize,
    st: &Status,
    r: &Replica,
    detail: bool,
    single: bool,
) {
    if detail {
        // A single replica is listed without its "Replica[0]" heading.
        if !single {
            let _ = writeln!(out, "{:indent$}* Replica[{}]", "", r.index, indent = indent);
        }
        for p in
            r.ip.iter()
                .chain(r.child.iter())
                .chain(Some(&r.container).filter(|_| r.container_shown))
                .chain(r.remote.iter())
        {
            prim_line(out, indent + 2, st, p);
        }
        return;
    }
    match &r.child {
        Some(c) => {
            let host = if c.active() {
                r.container.on.clone()
            } else {
                Vec::new()
            };
            let line = c
                .text(&st.nodes, Some(&host))
                .line_named(c.label.as_deref().unwrap_or(&c.id), Nodes::Shown);
            let _ = writeln!(out, "{:indent$}* {line}", "", indent = indent);
        }
        None => prim_line(out, indent, st, &r.container),
    }
}

fn render_item(
    out: &mut String,
    indent: usize,
    st: &Status,
    opts: &Options,
    item: &Item,
    inactive: bool,
) {
    match item {
        Item::Prim(p) => prim_line(out, indent, st, p),
        Item::Group {
            id,
            members,
            managed,
            disabled,
        } => group_lines(
            out,
            indent,
            st,
            id,
            members,
            (*managed, *disabled),
            inactive,
            st.group_inactive(id),
        ),
        Item::Clone { .. } => clone_lines(out, indent, st, opts, item, inactive),
        Item::Bundle {
            id,
            image,
            managed,
            replicas,
            partial,
            ..
        } => {
            let flags = if *managed { "" } else { " (unmanaged)" };
            let set = if st.bundle_replicas(id) > 1 {
                " set"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{:indent$}* Container bundle{set}: {id} [{image}]{flags}:",
                "",
                indent = indent
            );
            for r in replicas {
                replica_lines(
                    out,
                    indent + 2,
                    st,
                    r,
                    opts.detail || *partial,
                    set.is_empty(),
                );
            }
        }
    }
}

/// Brief mode: active primitives counted per agent and node set; `of_total` prints
/// "active/total" as for group members.
fn brief_lines(out: &mut String, indent: usize, prims: &[&Prim], show_node: bool, of_total: bool) {
    let mut counts: std::collections::BTreeMap<(String, String), (usize, usize)> =
        Default::default();
    // Group members merge per agent, their nodes together; others per agent and nodes.
    let mut group_nodes: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for p in prims {
        let nodes = if show_node && !of_total {
            p.on.iter()
                .map(|(n, _)| n.clone())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            String::new()
        };
        if of_total && show_node {
            group_nodes
                .entry(p.agent.clone())
                .or_default()
                .extend(p.on.iter().map(|(n, _)| n.clone()));
        }
        let e = counts.entry((p.agent.clone(), nodes)).or_default();
        e.1 += 1;
        if p.active() {
            e.0 += 1;
        }
    }
    for ((agent, mut nodes), (active, total)) in counts {
        if let Some(g) = group_nodes.get(&agent) {
            nodes = g.iter().cloned().collect::<Vec<_>>().join(" ");
        }
        if active == 0 && !of_total {
            continue;
        }
        let n = if of_total {
            format!("{active}/{total}")
        } else {
            active.to_string()
        };
        let state = if show_node && nodes.is_empty() {
            "Active".to_string()
        } else {
            format!("Active {nodes}")
        };
        let _ = writeln!(
            out,
            "{:indent$}* {n}\t({agent}):\t{state}",
            "",
            indent = indent
        );
    }
}

fn summary(st: &Status, opts: &Options, out: &mut String) {
    out.push_str("Cluster Summary:\n");
    let _ = writeln!(out, "  * Stack: {}", st.stack);
    match &st.dc {
        Some((name, id)) => {
            let with = if st.have_quorum { "with" } else { "WITHOUT" };
            let ident = if opts.detail {
                format!("{name} ({id})")
            } else {
                name.clone()
            };
            let _ = writeln!(
                out,
                "  * Current DC: {ident} (version {}) - partition {with} quorum",
                st.dc_version
            );
        }
        None => out.push_str("  * Current DC: NONE\n"),
    }
    let _ = writeln!(out, "  * Last updated: {}", st.now_text);
    let _ = writeln!(out, "  * Last change:  {}", st.last_change);
    let _ = writeln!(
        out,
        "  * {} node{} configured",
        st.nodes.len(),
        plural(st.nodes.len())
    );
    let _ = write!(
        out,
        "  * {} resource instance{} configured",
        st.instances,
        plural(st.instances)
    );
    if st.disabled > 0 {
        let _ = write!(out, " ({} DISABLED)", st.disabled);
    }
    out.push('\n');
    if st.maintenance_mode {
        out.push_str(
            "\n              *** Resource management is DISABLED ***\n  The cluster will not attempt to start, stop or recover services\n",
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn node_label(n: &NodeView, detail: bool) -> String {
    match (n.kind, detail) {
        (NodeKind::Guest, true) => format!(
            "GuestNode {}@{}",
            n.name,
            n.host.clone().unwrap_or_default()
        ),
        (NodeKind::Guest, false) => format!("GuestNode {}", n.name),
        (NodeKind::Remote, true) => format!("RemoteNode {} ({})", n.name, n.id),
        (NodeKind::Remote, false) => format!("RemoteNode {}", n.name),
        (NodeKind::Member, true) => format!("Node {} ({})", n.name, n.id),
        (NodeKind::Member, false) => format!("Node {}", n.name),
    }
}

/// The node's state in the shared wording (the same as crm_simulate's).
fn node_mode(st: &Status, n: &NodeView) -> NodeMode {
    NodeMode {
        online: n.online,
        unclean: n.unclean,
        pending: n.pending,
        standby: n.standby,
        maintenance: n.maintenance,
        running_resources: !st.prims_on(&n.name, true).is_empty(),
    }
}

fn node_state_word(st: &Status, n: &NodeView) -> String {
    node_mode(st, n).word().to_string()
}

fn node_list(st: &Status, opts: &Options, out: &mut String) -> bool {
    let shown: Vec<&NodeView> = st.nodes.iter().filter(|n| st.node_shown(n)).collect();
    if shown.is_empty() {
        return false;
    }
    out.push_str("Node List:\n");
    if opts.group_by_node {
        for n in &shown {
            if opts.brief && st.prims_on(&n.name, true).is_empty() {
                continue;
            }
            let mut word = node_state_word(st, n);
            if opts.detail && n.kind == NodeKind::Member && n.online {
                let _ = write!(word, ", feature set {}", n.feature_set);
            }
            let _ = writeln!(out, "  * {}: {word}:", node_label(n, opts.detail));
            out.push_str("    * Resources:\n");
            if opts.brief {
                brief_lines(out, 6, &st.prims_on(&n.name, true), false, false);
            } else {
                let here: Vec<&Prim> = st.prims_on(&n.name, false);
                for p in here {
                    let _ = writeln!(
                        out,
                        "      * {}",
                        p.text(&st.nodes, None).line(Nodes::Hidden)
                    );
                }
            }
        }
        return true;
    }
    if opts.detail {
        for n in &shown {
            let mut word = node_state_word(st, n);
            if n.kind == NodeKind::Member && n.online {
                let _ = write!(word, ", feature set {}", n.feature_set);
            }
            let _ = writeln!(out, "  * {}: {}", node_label(n, true), word);
        }
        return true;
    }
    let mut lists: [(&str, Vec<String>); 5] = [
        ("Online", Vec::new()),
        ("OFFLINE", Vec::new()),
        ("RemoteOnline", Vec::new()),
        ("RemoteOFFLINE", Vec::new()),
        ("GuestOnline", Vec::new()),
    ];
    for n in &shown {
        if !node_mode(st, n).listed() {
            let _ = writeln!(
                out,
                "  * {}: {}",
                node_label(n, false),
                node_state_word(st, n)
            );
            continue;
        }
        let slot = match (n.kind, n.online) {
            (NodeKind::Member, true) => 0,
            (NodeKind::Member, false) => 1,
            (NodeKind::Remote, true) => 2,
            (NodeKind::Remote, false) => 3,
            (NodeKind::Guest, true) => 4,
            (NodeKind::Guest, false) => continue,
        };
        lists[slot].1.push(n.name.clone());
    }
    for (label, mut names) in lists {
        if names.is_empty() {
            continue;
        }
        names.sort();
        let _ = writeln!(out, "  * {}", node_list_line(label, &names));
    }
    true
}

fn resources(st: &Status, opts: &Options, out: &mut String) {
    let inactive = opts.sections.contains("inactive");
    out.push_str(if inactive {
        "Full List of Resources:\n"
    } else {
        "Active Resources:\n"
    });
    let kept = st.shown_resources();
    let items: Vec<&Item> = kept.iter().filter(|i| inactive || i.active()).collect();
    if items.is_empty() {
        out.push_str(if inactive {
            "  * No resources\n"
        } else {
            "  * No active resources\n"
        });
        return;
    }
    if opts.brief {
        let (collective, plain): (Vec<&Item>, Vec<&Item>) =
            items.iter().partition(|i| !matches!(i, Item::Prim(_)));
        let prims: Vec<&Prim> = plain.iter().flat_map(|i| i.prims()).collect();
        brief_lines(out, 2, &prims, true, inactive);
        for i in collective {
            match i {
                Item::Group {
                    id,
                    members,
                    managed,
                    disabled,
                } => {
                    let flags = group_flag_words(*managed, *disabled);
                    let _ = writeln!(out, "  * {}", group_heading(id, &flags));
                    let refs: Vec<&Prim> = members.iter().collect();
                    brief_lines(out, 4, &refs, true, true);
                }
                other => render_item(out, 2, st, opts, other, inactive),
            }
        }
        return;
    }
    for i in items {
        render_item(out, 2, st, opts, i, inactive);
    }
}

/// With resources listed under their nodes (`-n`) and `-r`: the resources not fully active
/// (Pacemaker's "Inactive Resources" section).
fn inactive_resources(st: &Status, opts: &Options, out: &mut String) {
    out.push_str("Inactive Resources:\n");
    let kept = st.shown_resources();
    let items: Vec<&Item> = kept.iter().filter(|i| !i.fully_active()).collect();
    if items.is_empty() {
        out.push_str("  * No inactive resources\n");
    }
    for i in items {
        render_item(out, 2, st, opts, i, true);
    }
}

fn attributes(st: &Status, opts: &Options, out: &mut String) -> bool {
    let nodes: Vec<&NodeView> = st
        .nodes
        .iter()
        .filter(|n| {
            n.kind == NodeKind::Member && n.online && st.node_shown(n) && !n.attrs.is_empty()
        })
        .collect();
    if nodes.is_empty() {
        return false;
    }
    out.push_str("Node Attributes:\n");
    for n in nodes {
        let label = if opts.detail {
            format!("{} ({})", n.name, n.id)
        } else {
            n.name.clone()
        };
        let _ = writeln!(out, "  * Node: {label}:");
        for (k, v) in &n.attrs {
            let _ = writeln!(out, "    * {k:<32}\t: {v:<10}");
        }
    }
    true
}

fn operations(st: &Status, opts: &Options, out: &mut String) -> bool {
    let mut body = String::new();
    for n in st.history.iter().filter(|h| st.node_shown_by_name(&h.node)) {
        let mut node_body = String::new();
        for r in &n.resources {
            if r.ops.is_empty() || !st.history_shown(&r.id) {
                continue;
            }
            let _ = writeln!(node_body, "    * {}: {}:", r.id, r.counts_text());
            for op in &r.ops {
                let _ = write!(node_body, "      * ({}) {}", op.call_id, op.display_task());
                let mut details = Vec::new();
                if op.interval_ms > 0 {
                    details.push(format!("interval=\"{}ms\"", op.interval_ms));
                }
                if opts.timing {
                    if let Some(t) = op.last_rc_change {
                        details.push(format!("last-rc-change=\"{}\"", super::status::ctime(t)));
                    }
                    details.push(format!("exec-time=\"{}ms\"", op.exec_ms.unwrap_or(0)));
                    details.push(format!("queue-time=\"{}ms\"", op.queue_ms.unwrap_or(0)));
                    details.push(format!("rc={} ({})", op.rc, super::status::rc_text(op.rc)));
                }
                if !details.is_empty() {
                    let _ = write!(node_body, ": {}", details.join(" "));
                }
                node_body.push('\n');
            }
        }
        if node_body.is_empty() {
            continue;
        }
        let label = st.history_node_label(n, opts.detail);
        let _ = writeln!(body, "  * Node: {label}:");
        body.push_str(&node_body);
    }
    if body.is_empty() {
        return false;
    }
    out.push_str("Operations:\n");
    out.push_str(&body);
    true
}

fn migration_summary(st: &Status, opts: &Options, out: &mut String) -> bool {
    let mut body = String::new();
    for n in st.history.iter().filter(|h| st.node_shown_by_name(&h.node)) {
        let failing: Vec<_> = n.resources.iter().filter(|r| r.fail_count > 0).collect();
        if failing.is_empty() {
            continue;
        }
        let label = st.history_node_label(n, opts.detail);
        let _ = writeln!(body, "  * Node: {label}:");
        for r in failing {
            let _ = writeln!(body, "    * {}: {}", r.id, r.counts_text());
        }
    }
    // Pacemaker prints the heading even when no resource has failed.
    out.push_str("Migration Summary:\n");
    out.push_str(&body);
    true
}

fn failures(st: &Status, out: &mut String) -> bool {
    let shown: Vec<_> = st
        .failures
        .iter()
        .filter(|f| st.node_shown_by_name(&f.node) && st.failure_shown(&f.rsc))
        .collect();
    if shown.is_empty() {
        return false;
    }
    out.push_str("Failed Resource Actions:\n");
    for f in shown {
        let _ = writeln!(out, "  * {}", f.text);
    }
    true
}

fn bans(st: &Status, detail: bool, out: &mut String) -> bool {
    let shown: Vec<_> = st.bans.iter().filter(|b| st.ban_shown(b)).collect();
    if shown.is_empty() {
        return false;
    }
    out.push_str("Negative Location Constraints:\n");
    for b in shown {
        let what = if b.promoted_only {
            "being promoted"
        } else {
            "running"
        };
        let node = if detail {
            match st.nodes.iter().find(|n| n.name == b.node) {
                Some(n) => format!("{} ({})", n.name, n.id),
                None => b.node.clone(),
            }
        } else {
            b.node.clone()
        };
        let _ = writeln!(
            out,
            "  * {}\tprevents {} from {what} on {node}",
            b.id, b.rsc
        );
    }
    true
}

/// The whole text screen.
pub fn render(st: &Status, opts: &Options) -> String {
    let mut out = String::new();
    let has = |s: &str| opts.sections.contains(s);
    let sep = |out: &mut String| {
        if !out.is_empty() {
            out.push('\n');
        }
    };
    if has("summary") {
        summary(st, opts, &mut out);
    }
    if has("nodes") {
        let mut s = String::new();
        if node_list(st, opts, &mut s) {
            sep(&mut out);
            out.push_str(&s);
        }
    }
    if has("resources") && !opts.group_by_node {
        sep(&mut out);
        resources(st, opts, &mut out);
    }
    if has("resources") && opts.group_by_node && has("inactive") {
        sep(&mut out);
        inactive_resources(st, opts, &mut out);
    }
    let section = |out: &mut String, f: &dyn Fn(&mut String) -> bool| {
        let mut s = String::new();
        if f(&mut s) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&s);
        }
    };
    if has("attributes") {
        section(&mut out, &|s| attributes(st, opts, s));
    }
    if has("operations") {
        section(&mut out, &|s| operations(st, opts, s));
    } else if has("failcounts") {
        section(&mut out, &|s| migration_summary(st, opts, s));
    }
    if has("failures") {
        section(&mut out, &|s| failures(st, s));
    }
    if has("bans") {
        section(&mut out, &|s| bans(st, opts.detail, s));
    }
    out
}
