//! `--resource` and `--node`: which parts of the resource tree a screen shows.
//!
//! As in Pacemaker, filtering works on primitives: one is kept when it, or a resource that
//! contains it, is named by `--resource` (a tag expands to its members; an instance suffix
//! `:N` names one instance), and when it is inactive or active on a node `--node` names.
//! Collective resources are kept when any member is; a bundle of which only some members
//! are kept shows its replicas in detail.

use super::model::{Item, Prim, Replica};
use std::collections::BTreeSet;

/// The two filters; `None` keeps everything.
pub struct Filter<'a> {
    /// Resource names.
    pub rsc: Option<&'a BTreeSet<String>>,
    /// Node names.
    pub nodes: Option<&'a BTreeSet<String>>,
}

fn base(name: &str) -> &str {
    match name.rsplit_once(':') {
        Some((b, n)) if n.chars().all(|c| c.is_ascii_digit()) => b,
        _ => name,
    }
}

fn named(f: &BTreeSet<String>, name: &str) -> bool {
    f.contains(name) || f.contains(base(name))
}

impl Filter<'_> {
    fn rsc_keeps(&self, p: &Prim, ancestors: bool) -> bool {
        ancestors
            || self
                .rsc
                .is_none_or(|f| f.contains(&p.id) || f.contains(&p.instance_id))
    }

    fn node_keeps(&self, p: &Prim) -> bool {
        self.nodes
            .is_none_or(|f| p.on.is_empty() || p.on.iter().any(|(n, _)| f.contains(n)))
    }

    fn keeps(&self, p: &Prim, ancestors: bool) -> bool {
        self.rsc_keeps(p, ancestors) && self.node_keeps(p)
    }

    fn ancestor_named(&self, id: &str) -> bool {
        self.rsc.is_none_or(|f| named(f, id))
    }

    /// The part of `item` the filters keep, if any.
    pub fn apply(&self, item: &Item) -> Option<Item> {
        self.apply_in(item, false)
    }

    fn apply_in(&self, item: &Item, ancestors: bool) -> Option<Item> {
        match item {
            Item::Prim(p) => self.keeps(p, ancestors).then(|| item.clone()),
            Item::Group {
                id,
                members,
                managed,
                disabled,
            } => {
                let inside = ancestors || self.rsc.is_some_and(|f| named(f, id));
                // A partly active group belongs to the nodes its active members run on.
                if let Some(f) = self.nodes {
                    let active: Vec<&Prim> = members.iter().filter(|m| m.active()).collect();
                    if !active.is_empty()
                        && !active
                            .iter()
                            .any(|m| m.on.iter().any(|(n, _)| f.contains(n)))
                    {
                        return None;
                    }
                }
                let kept: Vec<Prim> = members
                    .iter()
                    .filter(|m| self.keeps(m, inside))
                    .cloned()
                    .collect();
                (!kept.is_empty()).then(|| Item::Group {
                    id: id.clone(),
                    members: kept,
                    managed: *managed,
                    disabled: *disabled,
                })
            }
            Item::Clone {
                id,
                child,
                flags,
                instances,
            } => {
                let inside = ancestors || (self.rsc.is_some() && self.ancestor_named(id));
                let kept: Vec<Item> = instances
                    .iter()
                    .filter_map(|i| self.apply_in(i, inside))
                    .collect();
                (!kept.is_empty()).then(|| Item::Clone {
                    id: id.clone(),
                    child: child.clone(),
                    flags: *flags,
                    instances: kept,
                })
            }
            Item::Bundle {
                id,
                image,
                kind,
                managed,
                replicas,
                partial,
            } => {
                let inside = ancestors || (self.rsc.is_some() && self.ancestor_named(id));
                let mut some_dropped = *partial;
                let mut kept = Vec::new();
                for r in replicas {
                    // A replica goes with its container's placement for --node.
                    if !self.node_keeps(&r.container) {
                        continue;
                    }
                    let pick = |p: &Option<Prim>| {
                        p.as_ref().filter(|p| self.rsc_keeps(p, inside)).cloned()
                    };
                    let ip = pick(&r.ip);
                    let child = pick(&r.child);
                    let remote = pick(&r.remote);
                    let container = self.rsc_keeps(&r.container, inside);
                    let all = ip.is_some() == r.ip.is_some()
                        && child.is_some() == r.child.is_some()
                        && remote.is_some() == r.remote.is_some()
                        && container;
                    if ip.is_none() && child.is_none() && remote.is_none() && !container {
                        continue;
                    }
                    if !all {
                        some_dropped = true;
                    }
                    kept.push(Replica {
                        index: r.index,
                        ip,
                        child,
                        container: r.container.clone(),
                        container_shown: container,
                        remote,
                    });
                }
                if kept.is_empty() {
                    return None;
                }
                Some(Item::Bundle {
                    id: id.clone(),
                    image: image.clone(),
                    kind: kind.clone(),
                    managed: *managed,
                    replicas: kept,
                    partial: some_dropped,
                })
            }
        }
    }
}
