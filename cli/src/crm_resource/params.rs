//! `-p/--set-parameter`, `-g/--get-parameter`, `-d/--delete-parameter` (with `--meta` or
//! `--utilization`): Pacemaker 2.1.5's choice of which resource in a clone or group gets the
//! attribute, its generated ids, and its messages. Each edit is its own CIB commit, as each is
//! its own CIB request in Pacemaker (so the epoch rises once per resource changed).

use super::cluster::{ClusterError, Ctx, Reply};
use super::output::{escape, escape_text};
use super::snapshot::Snapshot;
use crate::exit::ExitCode;
use cib::xml::Element;
use pengine::unpack::{Kind, RscIdx};

/// Which attribute set the options name.
fn set_type(ctx: &Ctx<'_>) -> &'static str {
    if ctx.opts.meta {
        "meta_attributes"
    } else if ctx.opts.utilization {
        "utilization"
    } else {
        "instance_attributes"
    }
}

fn prop_name(ctx: &Ctx<'_>) -> Result<String, ClusterError> {
    ctx.opts
        .prop_name
        .clone()
        .ok_or_else(|| ClusterError::Usage("Must supply a parameter name".into()))
}

/// A search for nvpairs below a resource, as Pacemaker's `find_resource_attr` does it.
struct Query<'a> {
    rsc: &'a str,
    set_type: Option<&'a str>,
    set_name: Option<&'a str>,
    attr_id: Option<&'a str>,
    name: &'a str,
}

/// Why a search did not give exactly one nvpair.
enum Miss {
    None,
    Multiple,
}

/// The element with `id` anywhere under `<resources>`.
fn resource_element<'a>(cib: &'a Element, id: &str) -> Option<&'a Element> {
    cib.child("configuration")?
        .child("resources")?
        .descendants()
        .into_iter()
        .find(|e| e.id() == Some(id))
}

/// The matching nvpair's id; prints Pacemaker's "Multiple attributes match" report when there
/// is more than one.
fn find_attr(cib: &Element, q: &Query<'_>, reply: &mut Reply) -> Result<String, Miss> {
    let Some(top) = resource_element(cib, q.rsc) else {
        return Err(Miss::None);
    };
    let scopes: Vec<&Element> = match q.set_type {
        Some(t) => top
            .children_named(t)
            .filter(|s| q.set_name.is_none_or(|n| s.id() == Some(n)))
            .collect(),
        None => vec![top],
    };
    let found: Vec<&Element> = scopes
        .iter()
        .flat_map(|s| s.descendants())
        .filter(|e| {
            e.name == "nvpair"
                && q.attr_id.is_none_or(|id| e.id() == Some(id))
                && e.attr("name") == Some(q.name)
        })
        .collect();
    match found.as_slice() {
        [] => Err(Miss::None),
        [one] => Ok(one.id().unwrap_or_default().to_string()),
        many => {
            reply.info(format!("Multiple attributes match name={}", q.name));
            for e in many {
                reply.info(format!(
                    "  Value: {} \t(id={})",
                    e.attr("value").unwrap_or("(null)"),
                    e.id().unwrap_or("(null)")
                ));
            }
            reply.info("");
            Err(Miss::Multiple)
        }
    }
}

/// Pacemaker's `find_matching_attr_resources`: with `--force` the named resource; for a
/// clone's child without the attribute its clone; for a clone whose child has it the child;
/// otherwise the resource and (for groups) the members that already have it.
fn targets(
    snap: &Snapshot,
    r: RscIdx,
    requested: &str,
    q: &Query<'_>,
    cmd: &str,
    force: bool,
    reply: &mut Reply,
) -> Vec<RscIdx> {
    if force {
        return vec![r];
    }
    let view = &snap.view;
    let rsc = &view.resources[r];
    if let Some(p) = rsc
        .parent
        .filter(|&p| view.resources[p].kind == Kind::Clone)
    {
        let mine = Query {
            rsc: requested,
            ..*q
        };
        if find_attr(&snap.cib, &mine, reply).is_err() {
            reply.info(format!(
                "Performing {cmd} of '{}' on '{}', the parent of '{requested}'",
                q.name, view.resources[p].base_id
            ));
            return vec![p];
        }
        return vec![r];
    }
    if rsc.parent.is_none() && rsc.kind == Kind::Clone {
        if let Some(&child) = rsc.children.first() {
            let c = &view.resources[child];
            if c.kind == Kind::Primitive {
                let theirs = Query {
                    rsc: &c.base_id,
                    ..*q
                };
                if find_attr(&snap.cib, &theirs, reply).is_ok() {
                    reply.info(format!(
                        "A value for '{}' already exists in child '{}', performing {cmd} on that instead of '{requested}'",
                        q.name, c.base_id
                    ));
                    return vec![child];
                }
            }
        }
        return vec![r];
    }
    let mut out = Vec::new();
    collect_with_attr(snap, r, q, 0, reply, &mut out);
    out
}

/// Post-order walk: members that have the attribute, then the root itself.
fn collect_with_attr(
    snap: &Snapshot,
    r: RscIdx,
    q: &Query<'_>,
    depth: usize,
    reply: &mut Reply,
    out: &mut Vec<RscIdx>,
) {
    let rsc = &snap.view.resources[r];
    for &c in &rsc.children {
        collect_with_attr(snap, c, q, depth + 1, reply, out);
        if rsc.kind == Kind::Clone {
            break;
        }
    }
    let mine = Query {
        rsc: &rsc.base_id,
        ..*q
    };
    if depth == 0 || find_attr(&snap.cib, &mine, reply).is_ok() {
        out.push(r);
    }
}

/// One attribute edit: which resource, attribute and set.
pub struct AttrRequest {
    /// The resource as named on the command line.
    pub requested: String,
    /// The attribute.
    pub name: String,
    /// `instance_attributes`, `meta_attributes` or `utilization`.
    pub kind: &'static str,
    /// `--force`: exactly the named resource.
    pub force: bool,
    /// `-s`
    pub set_name: Option<String>,
    /// `-i`
    pub attr_id: Option<String>,
    /// `-Q`
    pub quiet: bool,
}

impl AttrRequest {
    /// The request the command line makes.
    fn from_ctx(ctx: &Ctx<'_>) -> Result<AttrRequest, ClusterError> {
        Ok(AttrRequest {
            requested: ctx.resource()?.to_string(),
            name: prop_name(ctx)?,
            kind: set_type(ctx),
            force: ctx.opts.force,
            set_name: ctx.opts.set_name.clone(),
            attr_id: ctx.opts.nvpair_id.clone(),
            quiet: ctx.opts.quiet,
        })
    }

    /// A meta attribute of `rsc`, as `--restart` edits target-role.
    pub fn meta(rsc: &str, name: &str, force: bool) -> AttrRequest {
        AttrRequest {
            requested: rsc.to_string(),
            name: name.to_string(),
            kind: "meta_attributes",
            force,
            set_name: None,
            attr_id: None,
            quiet: false,
        }
    }
}

/// `-p NAME -v VALUE`.
pub fn set(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let req = AttrRequest::from_ctx(ctx)?;
    let snap = ctx.snapshot()?;
    snap.find(&req.requested)
        .ok_or_else(|| ClusterError::no_resource(&req.requested))?;
    let value = ctx.opts.prop_value.clone().ok_or_else(|| {
        ClusterError::Usage("You need to supply a value with the -v option".into())
    })?;
    let mut reply = Reply::default();
    set_attr(ctx, &snap, &req, &value, &mut reply)?;
    Ok(reply)
}

/// Pacemaker's `cli_resource_update_attribute`.
pub fn set_attr(
    ctx: &mut Ctx<'_>,
    snap: &Snapshot,
    req: &AttrRequest,
    value: &str,
    reply: &mut Reply,
) -> Result<(), ClusterError> {
    let requested = req.requested.clone();
    let r = snap
        .find(&requested)
        .ok_or_else(|| ClusterError::no_resource(&requested))?;
    let name = req.name.clone();
    let kind = req.kind;
    let force = req.force;
    let mut attr_set = req.set_name.clone();
    let attr_id = req.attr_id.clone();
    let top = snap.top_id(r).to_string();

    if attr_id.is_none() && !force {
        let q = Query {
            rsc: &top,
            set_type: None,
            set_name: None,
            attr_id: None,
            name: &name,
        };
        let _ = find_attr(&snap.cib, &q, reply);
    }
    let q = Query {
        rsc: &requested,
        set_type: Some(kind),
        set_name: attr_set.as_deref(),
        attr_id: attr_id.as_deref(),
        name: &name,
    };
    let list = if kind == "instance_attributes" {
        if !force {
            let meta = Query {
                rsc: &top,
                set_type: Some("meta_attributes"),
                ..q
            };
            if let Ok(id) = find_attr(&snap.cib, &meta, reply) {
                if !req.quiet {
                    reply.error(format!(
                        "WARNING: There is already a meta attribute for '{top}' called '{name}' (id={id})"
                    ));
                    reply.error(format!(
                        "         Delete '{id}' first or use the force option to override"
                    ));
                }
                return Err(ClusterError::Partial {
                    reply: std::mem::take(reply),
                    code: ExitCode::Multiple,
                    report: false,
                });
            }
        }
        vec![r]
    } else {
        targets(snap, r, &requested, &q, "update", force, reply)
    };
    // With a set or nvpair id only one resource is meant: the last one.
    let list = if attr_set.is_some() || attr_id.is_some() {
        list.last().copied().into_iter().collect()
    } else {
        list
    };
    for t in list {
        let rsc = &snap.view.resources[t];
        let lookup = rsc.base_id.clone();
        let cib = ctx.access.query()?;
        let q = Query {
            rsc: &lookup,
            set_type: Some(kind),
            set_name: attr_set.as_deref(),
            attr_id: attr_id.as_deref(),
            name: &name,
        };
        let (update, shown_id) = match find_attr(&cib, &q, reply) {
            Ok(found) => (nvpair(&found, &name, Some(value)), found),
            Err(Miss::Multiple) => {
                return Err(ClusterError::Failed {
                    message: None,
                    code: ExitCode::Multiple,
                })
            }
            Err(Miss::None) => {
                let set = attr_set
                    .get_or_insert_with(|| format!("{lookup}-{kind}"))
                    .clone();
                let id = attr_id.clone().unwrap_or_else(|| format!("{set}-{name}"));
                // Pacemaker reports the generated id only; a given one prints as "(null)".
                let shown = if attr_id.is_some() {
                    "(null)".to_string()
                } else {
                    id.clone()
                };
                let tag = resource_element(&cib, &lookup)
                    .map_or("primitive".to_string(), |e| e.name.clone());
                let update = Element::new(tag)
                    .with_attr("id", lookup.clone())
                    .with_child(Element::new(kind).with_attr("id", set).with_child(nvpair(
                        &id,
                        &name,
                        Some(value),
                    )));
                (update, shown)
            }
        };
        let mut new = cib.clone();
        cib::edit::modify(&mut new, Some("resources"), &update, false)
            .map_err(|e| ClusterError::failed(e.to_string(), ExitCode::Error))?;
        ctx.access.commit(&cib, new)?;
        let set_text = attr_set
            .as_deref()
            .map(|s| format!(" set={s}"))
            .unwrap_or_default();
        reply.info(format!(
            "Set '{lookup}' option: id={shown_id}{set_text} name={name} value={value}"
        ));
    }
    Ok(())
}

/// `-d NAME`.
pub fn delete(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let req = AttrRequest::from_ctx(ctx)?;
    let snap = ctx.snapshot()?;
    let mut reply = Reply::default();
    delete_attr(ctx, &snap, &req, &mut reply)?;
    Ok(reply)
}

/// Pacemaker's `cli_resource_delete_attribute`.
pub fn delete_attr(
    ctx: &mut Ctx<'_>,
    snap: &Snapshot,
    req: &AttrRequest,
    reply: &mut Reply,
) -> Result<(), ClusterError> {
    let requested = req.requested.clone();
    let r = snap
        .find(&requested)
        .ok_or_else(|| ClusterError::no_resource(&requested))?;
    let name = req.name.clone();
    let kind = req.kind;
    let force = req.force;
    let attr_set = req.set_name.clone();
    let attr_id = req.attr_id.clone();
    let top = snap.top_id(r).to_string();
    if attr_id.is_none() && !force {
        let q = Query {
            rsc: &top,
            set_type: None,
            set_name: None,
            attr_id: None,
            name: &name,
        };
        let _ = find_attr(&snap.cib, &q, reply);
    }
    let q = Query {
        rsc: &requested,
        set_type: Some(kind),
        set_name: attr_set.as_deref(),
        attr_id: attr_id.as_deref(),
        name: &name,
    };
    let list = if kind == "meta_attributes" {
        targets(snap, r, &requested, &q, "delete", force, reply)
    } else {
        vec![r]
    };
    for t in list {
        let lookup = snap.view.resources[t].base_id.clone();
        let cib = ctx.access.query()?;
        let q = Query {
            rsc: &lookup,
            set_type: Some(kind),
            set_name: attr_set.as_deref(),
            attr_id: attr_id.as_deref(),
            name: &name,
        };
        let found = match find_attr(&cib, &q, reply) {
            Ok(id) => id,
            Err(Miss::None) => continue,
            Err(Miss::Multiple) => {
                return Err(ClusterError::Failed {
                    message: None,
                    code: ExitCode::Multiple,
                })
            }
        };
        let id = attr_id.clone().unwrap_or_else(|| found.clone());
        let mut new = cib.clone();
        cib::edit::delete(&mut new, Some("resources"), &nvpair(&id, &name, None))
            .map_err(|e| ClusterError::failed(e.to_string(), ExitCode::Error))?;
        ctx.access.commit(&cib, new)?;
        let set_text = attr_set
            .as_deref()
            .map(|s| format!(" set={s}"))
            .unwrap_or_default();
        reply.info(format!(
            "Deleted '{lookup}' option: id={found}{set_text} name={name}"
        ));
    }
    Ok(())
}

/// `-g NAME`: the value the scheduler uses (instance, meta or utilization).
pub fn get(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let requested = ctx.resource()?.to_string();
    let name = prop_name(ctx)?;
    let snap = ctx.snapshot()?;
    let r = snap
        .find(&requested)
        .ok_or_else(|| ClusterError::no_resource(&requested))?;
    let rsc = &snap.view.resources[r];
    let mut reply = Reply::default();
    if snap.view.running_on(r).len() > 1 {
        reply.error(format!(
            "{} is active on more than one node, returning the default value for {name}",
            rsc.id
        ));
    }
    let value = match set_type(ctx) {
        "meta_attributes" => rsc.meta.get(&name).cloned(),
        "utilization" => snap.config_element(r).and_then(|e| {
            e.children_named("utilization")
                .flat_map(|s| s.children_named("nvpair"))
                .find(|nv| nv.attr("name") == Some(name.as_str()))
                .and_then(|nv| nv.attr("value"))
                .map(str::to_string)
        }),
        _ => rsc.params.get(&name).cloned(),
    };
    match value {
        Some(v) => {
            reply.info(&v);
            reply.xml.push_str(&format!(
                "  <list name=\"attributes\" count=\"1\">\n    <item name=\"{}\">{}</item>\n  </list>\n",
                escape(&name),
                escape_text(&v)
            ));
        }
        None => reply.error(format!("Attribute '{name}' not found for '{}'", rsc.id)),
    }
    Ok(reply)
}

/// `<nvpair id name [value]/>`.
fn nvpair(id: &str, name: &str, value: Option<&str>) -> Element {
    let e = Element::new("nvpair")
        .with_attr("id", id)
        .with_attr("name", name);
    match value {
        Some(v) => e.with_attr("value", v),
        None => e,
    }
}
