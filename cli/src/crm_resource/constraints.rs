//! `-M/--move`, `-B/--ban`, `-U/--clear`: the `cli-prefer-RSC` and `cli-ban-RSC-on-NODE`
//! location constraints, created, replaced and removed in the same steps (and so the same
//! number of CIB commits) as Pacemaker 2.1.5's crm_resource.

use super::cluster::{ClusterError, Ctx, Reply};
use super::snapshot::{now, Snapshot};
use crate::exit::ExitCode;
use cib::xml::Element;
use pengine::unpack::{Kind, RscIdx};

/// The resource a constraint command names; clone instances (`rsc:N`) are refused.
fn target(ctx: &mut Ctx<'_>) -> Result<(String, Snapshot, RscIdx), ClusterError> {
    let rsc = ctx.resource()?.to_string();
    let snap = ctx.snapshot()?;
    let r = snap
        .find(&rsc)
        .ok_or_else(|| ClusterError::no_resource(&rsc))?;
    if rsc.contains(':') && snap.is_clone_instance(r) {
        return Err(ClusterError::failed(
            format!("Cannot operate on clone resource instance '{rsc}'"),
            ExitCode::InvalidParam,
        ));
    }
    Ok((rsc, snap, r))
}

/// The role the constraints apply to.
fn role(ctx: &Ctx<'_>) -> &'static str {
    if ctx.opts.promoted {
        "Promoted"
    } else {
        "Started"
    }
}

/// `--lifetime` as the end date, printing "Migration will take effect until: ...".
fn lifetime_end(ctx: &Ctx<'_>, reply: &mut Reply) -> Result<Option<String>, ClusterError> {
    let Some(text) = ctx.opts.lifetime.as_deref() else {
        return Ok(None);
    };
    let Some(secs) = vocab::duration::IsoDuration::parse(text).map(|d| d.fixed_seconds()) else {
        reply.error(format!(
            "Invalid duration specified: {text}\nPlease refer to https://en.wikipedia.org/wiki/ISO_8601#Durations for examples of valid durations"
        ));
        return Err(ClusterError::Partial {
            reply: std::mem::take(reply),
            code: ExitCode::Usage,
            report: false,
        });
    };
    let end = vocab::datetime::format_with_offset(now().saturating_add(secs));
    reply.info(format!("Migration will take effect until: {end}"));
    Ok(Some(end))
}

/// Applies one CIB edit as its own commit (no commit when nothing changed).
fn edit(
    ctx: &mut Ctx<'_>,
    f: impl FnOnce(&mut Element) -> Result<(), cib::edit::EditError>,
) -> Result<(), ClusterError> {
    let base = ctx.access.query()?;
    let mut new = base.clone();
    f(&mut new).map_err(|e| ClusterError::failed(e.to_string(), ExitCode::Error))?;
    if new != base {
        ctx.access.commit(&base, new)?;
    }
    Ok(())
}

/// A location constraint for `rsc` and `node`: the short form, or a rule ending at `end`.
fn location(
    id: &str,
    rsc: &str,
    role: &str,
    node: &str,
    score: &str,
    end: Option<&str>,
    ids: (&str, &str, &str),
) -> Element {
    let loc = Element::new("rsc_location")
        .with_attr("id", id)
        .with_attr("rsc", rsc)
        .with_attr("role", role);
    match end {
        None => loc.with_attr("node", node).with_attr("score", score),
        Some(end) => loc.with_child(
            Element::new("rule")
                .with_attr("id", ids.0)
                .with_attr("score", score)
                .with_attr("boolean-op", "and")
                .with_child(
                    Element::new("expression")
                        .with_attr("id", ids.1)
                        .with_attr("attribute", "#uname")
                        .with_attr("operation", "eq")
                        .with_attr("value", node)
                        .with_attr("type", "string"),
                )
                .with_child(
                    Element::new("date_expression")
                        .with_attr("id", ids.2)
                        .with_attr("operation", "lt")
                        .with_attr("end", end),
                ),
        ),
    }
}

/// Pacemaker's `cli_resource_ban` for one node.
fn ban_on(ctx: &mut Ctx<'_>, rsc: &str, node: &str, reply: &mut Reply) -> Result<(), ClusterError> {
    let end = lifetime_end(ctx, reply)?;
    let id = format!("cli-ban-{rsc}-on-{node}");
    let doing = if ctx.opts.promoted {
        "being promoted"
    } else {
        "running"
    };
    reply.info(format!(
        "WARNING: Creating rsc_location constraint '{id}' with a score of -INFINITY for resource {rsc} on {node}.\n\tThis will prevent {rsc} from {doing} on {node} until the constraint is removed using the clear option or by editing the CIB with an appropriate tool\n\tThis will be the case even if {node} is the last node in the cluster"
    ));
    let (rule, expr, life) = (
        format!("{id}-rule"),
        format!("{id}-expr"),
        format!("{id}-lifetime"),
    );
    let loc = location(
        &id,
        rsc,
        role(ctx),
        node,
        "-INFINITY",
        end.as_deref(),
        (&rule, &expr, &life),
    );
    edit(ctx, |cib| {
        cib::edit::modify(cib, Some("constraints"), &loc, true)
    })
}

/// Pacemaker's `cli_resource_prefer`.
fn prefer(ctx: &mut Ctx<'_>, rsc: &str, node: &str, reply: &mut Reply) -> Result<(), ClusterError> {
    let end = lifetime_end(ctx, reply)?;
    let id = format!("cli-prefer-{rsc}");
    let (rule, expr, life) = (
        format!("cli-prefer-rule-{rsc}"),
        format!("cli-prefer-expr-{rsc}"),
        format!("cli-prefer-lifetime-end-{rsc}"),
    );
    let loc = location(
        &id,
        rsc,
        role(ctx),
        node,
        "INFINITY",
        end.as_deref(),
        (&rule, &expr, &life),
    );
    edit(ctx, |cib| {
        cib::edit::modify(cib, Some("constraints"), &loc, true)
    })
}

/// Pacemaker's `cli_resource_clear` for one node: the rule-based preference for the node,
/// then (one request) the ban on the node and the short-form preference for it.
fn clear_on(
    ctx: &mut Ctx<'_>,
    rsc: &str,
    node: &str,
    bans: bool,
    force: bool,
) -> Result<(), ClusterError> {
    edit(ctx, |cib| {
        remove_rule_preference(cib, rsc, node);
        Ok(())
    })?;
    let mut fragment = Element::new("constraints");
    if bans {
        fragment = fragment.with_child(
            Element::new("rsc_location").with_attr("id", format!("cli-ban-{rsc}-on-{node}")),
        );
    }
    let mut pref = Element::new("rsc_location").with_attr("id", format!("cli-prefer-{rsc}"));
    if !force {
        pref = pref.with_attr("node", node);
    }
    fragment = fragment.with_child(pref);
    edit(ctx, |cib| {
        cib::edit::delete(cib, Some("constraints"), &fragment).map(|_| ())
    })
}

/// Removes the first `cli-prefer-RSC` whose rule `cli-prefer-rule-RSC` matches `#uname` to
/// `node` (Pacemaker's XPath delete for the `--lifetime` form).
fn remove_rule_preference(cib: &mut Element, rsc: &str, node: &str) {
    let prefer = format!("cli-prefer-{rsc}");
    let rule_id = format!("cli-prefer-rule-{rsc}");
    let matches = |loc: &Element| {
        loc.name == "rsc_location"
            && loc.id() == Some(prefer.as_str())
            && loc
                .children_named("rule")
                .filter(|r| r.id() == Some(rule_id.as_str()))
                .any(|r| {
                    r.children_named("expression").any(|e| {
                        e.attr("attribute") == Some("#uname") && e.attr("value") == Some(node)
                    })
                })
    };
    let Some(cons) = cib
        .child_mut("configuration")
        .and_then(|c| c.child_mut("constraints"))
    else {
        return;
    };
    if let Some(pos) = cons
        .children
        .iter()
        .position(|n| matches!(n, cib::xml::Node::Element(e) if matches(e)))
    {
        cons.children.remove(pos);
    }
}

/// Node names in the scheduler's order (sorted).
fn all_nodes(snap: &Snapshot) -> Vec<String> {
    let mut v: Vec<String> = snap.view.nodes.iter().map(|n| n.uname.clone()).collect();
    v.sort();
    v
}

/// Pacemaker's `ban_or_move`: without `-N`, ban the one node where the resource runs (or
/// is promoted).
fn ban_current(
    ctx: &mut Ctx<'_>,
    snap: &Snapshot,
    rsc: &str,
    r: RscIdx,
    reply: &mut Reply,
) -> Result<(), ClusterError> {
    let running = snap.view.running_on(r);
    if let [only] = running.as_slice() {
        let node = snap.node_name(*only).to_string();
        return ban_on(ctx, rsc, &node, reply);
    }
    let res = &snap.view.resources[r];
    if res.kind == Kind::Clone && res.clone.as_ref().is_some_and(|c| c.promotable) {
        let promoted: Vec<usize> = res
            .children
            .iter()
            .flat_map(|&c| {
                snap.view
                    .running_on(c)
                    .into_iter()
                    .filter(move |&n| snap.role_on(c, n) == pengine::unpack::Role::Promoted)
            })
            .collect();
        if let [only] = promoted.as_slice() {
            let node = snap.node_name(*only).to_string();
            return ban_on(ctx, rsc, &node, reply);
        }
        return Err(ClusterError::Usage(format!(
            "Resource '{rsc}' not moved: active in {} locations (promoted in {}).\nTo prevent '{rsc}' from running on a specific location, specify a node.To prevent '{rsc}' from being promoted at a specific location, specify a node and the --promoted option.",
            running.len(),
            promoted.len()
        )));
    }
    Err(ClusterError::Usage(format!(
        "Resource '{rsc}' not moved: active in {} locations.\nTo prevent '{rsc}' from running on a specific location, specify a node.",
        running.len()
    )))
}

/// `-B/--ban -r RSC [-N NODE]`.
pub fn ban(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let (rsc, snap, r) = target(ctx)?;
    let mut reply = Reply::default();
    match ctx.opts.node.clone() {
        None => ban_current(ctx, &snap, &rsc, r, &mut reply)?,
        Some(node) => {
            snap.node(&node)
                .ok_or_else(|| ClusterError::no_node(&node))?;
            ban_on(ctx, &rsc, &node, &mut reply)?;
        }
    }
    Ok(reply)
}

/// `-M/--move -r RSC [-N NODE]`.
pub fn move_resource(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let (rsc, snap, r) = target(ctx)?;
    let mut reply = Reply::default();
    let Some(node) = ctx.opts.node.clone() else {
        ban_current(ctx, &snap, &rsc, r, &mut reply)?;
        return Ok(reply);
    };
    let dest = snap
        .node(&node)
        .ok_or_else(|| ClusterError::no_node(&node))?;
    let running = snap.view.running_on(r);
    // Only a resource active in exactly one place has a current location.
    let current = match running.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let force = ctx.opts.force;
    let cur_is_dest = current == Some(dest);
    if cur_is_dest && !force {
        return Err(ClusterError::Failed {
            message: None,
            code: ExitCode::Exists,
        });
    }
    let nodes = all_nodes(&snap);
    for n in &nodes {
        clear_on(ctx, &rsc, n, false, force)?;
    }
    clear_on(ctx, &rsc, &node, true, force)?;
    prefer(ctx, &rsc, &node, &mut reply)?;
    if force && !cur_is_dest {
        match current {
            Some(c) if running.len() == 1 => {
                let cur = snap.node_name(c).to_string();
                ban_on(ctx, &rsc, &cur, &mut reply)?;
            }
            _ if running.len() > 1 => {
                reply.info(format!(
                    "Resource '{rsc}' is currently active in {} locations. One may now move to {node}",
                    running.len()
                ));
                reply.info(format!(
                    "To prevent '{rsc}' from being active at a specific location, specify a node."
                ));
            }
            _ => {}
        }
    }
    Ok(reply)
}

/// Ids of every location constraint, to report what a clear removed.
fn location_ids(cib: &Element) -> Vec<String> {
    cib.child("configuration")
        .and_then(|c| c.child("constraints"))
        .map(|c| {
            c.descendants()
                .into_iter()
                .filter(|e| e.name == "rsc_location")
                .filter_map(|e| e.id().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `--expired`: the cli constraints (of `rsc`, on `node`, when given) whose lifetime ended.
fn expired_ids(cib: &Element, rsc: Option<&str>, node: Option<&str>) -> Vec<String> {
    let t = now();
    let Some(cons) = cib
        .child("configuration")
        .and_then(|c| c.child("constraints"))
    else {
        return Vec::new();
    };
    cons.children_named("rsc_location")
        .filter(|loc| rsc.is_none_or(|r| loc.attr("rsc") == Some(r)))
        .filter_map(|loc| {
            let id = loc.id()?;
            let life = if id.starts_with("cli-ban-") {
                format!("{id}-lifetime")
            } else if id.starts_with("cli-prefer-") {
                format!("cli-prefer-lifetime-end-{}", loc.attr("rsc")?)
            } else {
                return None;
            };
            let on_node = node.is_none_or(|n| {
                loc.attr("node") == Some(n)
                    || loc.descendants().iter().any(|e| {
                        e.name == "expression"
                            && e.attr("attribute") == Some("#uname")
                            && e.attr("value") == Some(n)
                    })
            });
            let end = loc
                .descendants()
                .into_iter()
                .find(|e| e.name == "date_expression" && e.id() == Some(life.as_str()))?
                .attr("end")
                .and_then(vocab::datetime::parse)?;
            (on_node && end < t).then(|| id.to_string())
        })
        .collect()
}

/// `-U/--clear [-r RSC] [-N NODE] [--expired]`.
pub fn clear(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let expired = ctx.opts.expired;
    let (rsc, snap) = if expired && ctx.opts.resource.is_none() {
        (None, ctx.snapshot()?)
    } else {
        let (rsc, snap, _) = target(ctx)?;
        (Some(rsc), snap)
    };
    let before = location_ids(&snap.cib);
    let force = ctx.opts.force;
    if expired {
        for id in expired_ids(&snap.cib, rsc.as_deref(), ctx.opts.node.as_deref()) {
            let pattern = Element::new("rsc_location").with_attr("id", id);
            edit(ctx, |cib| {
                cib::edit::delete(cib, Some("constraints"), &pattern).map(|_| ())
            })?;
        }
    } else if let Some(rsc) = rsc.as_deref() {
        match ctx.opts.node.clone() {
            Some(node) => {
                snap.node(&node)
                    .ok_or_else(|| ClusterError::no_node(&node))?;
                clear_on(ctx, rsc, &node, true, force)?;
            }
            None => {
                for n in all_nodes(&snap) {
                    clear_on(ctx, rsc, &n, true, force)?;
                }
            }
        }
    }
    let mut reply = Reply::default();
    if !ctx.opts.quiet {
        let after = location_ids(&ctx.access.query()?);
        for id in before.iter().filter(|id| !after.contains(id)) {
            reply.info(format!("Removing constraint: {id}"));
        }
    }
    Ok(reply)
}
