//! `-a/--constraints` and `-A/--stack`: the location constraints of a resource and the
//! colocation chains around it, walked and indented as Pacemaker 2.1.5 prints them (dependents
//! first, then the resources it is colocated with; `-A` follows the chains, marking loops).

use super::cluster::{ClusterError, Ctx, Reply};
use super::output::escape;
use super::snapshot::Snapshot;
use cib::xml::Element;
use pengine::unpack::Kind;
use std::collections::BTreeSet;

/// One `rsc_colocation` between two configured resources.
struct Colocation {
    id: String,
    dependent: String,
    primary: String,
    score: String,
    dependent_role: Option<String>,
    primary_role: Option<String>,
}

/// One node a location constraint scores.
struct Location {
    id: String,
    node: String,
    score: String,
}

/// The constraints section, read once.
struct Constraints<'a> {
    snap: &'a Snapshot,
    colocations: Vec<Colocation>,
}

/// Text and XML output being built, with the text list depth.
struct Printer {
    text: String,
    xml: String,
}

impl Printer {
    /// A list header opened with `depth` lists already open.
    fn header(&mut self, depth: usize, title: &str) {
        if depth == 0 {
            self.text.push_str(&format!("{title}:\n"));
        } else {
            self.text
                .push_str(&format!("{}* {title}:\n", " ".repeat(2 * depth)));
        }
    }

    /// An item of the list opened at `depth`.
    fn item(&mut self, depth: usize, text: &str) {
        self.text
            .push_str(&format!("{}* {text}\n", " ".repeat(2 * (depth + 1))));
    }
}

/// Pacemaker's score text.
fn score_text(s: &str) -> String {
    vocab::Score::parse(s).map_or_else(|| s.trim().to_string(), |v| v.to_string())
}

/// Roles above Started (`Promoted`) are shown; Started and Stopped are the default.
fn shown_role(role: Option<&str>) -> Option<String> {
    let role = role?;
    matches!(
        role.to_ascii_lowercase().as_str(),
        "promoted" | "master" | "unpromoted" | "slave"
    )
    .then(|| match role.to_ascii_lowercase().as_str() {
        "master" | "promoted" => "Promoted".to_string(),
        _ => "Unpromoted".to_string(),
    })
}

impl<'a> Constraints<'a> {
    fn new(snap: &'a Snapshot) -> Constraints<'a> {
        let known = |id: &str| snap.view.rsc_by_id.contains_key(id);
        let colocations = section(&snap.cib)
            .map(|c| {
                c.children_named("rsc_colocation")
                    .filter_map(|e| {
                        let dependent = e.attr("rsc")?.to_string();
                        let primary = e.attr("with-rsc")?.to_string();
                        if !known(&dependent) || !known(&primary) {
                            return None;
                        }
                        Some(Colocation {
                            id: e.id()?.to_string(),
                            dependent,
                            primary,
                            score: score_text(e.attr("score").unwrap_or("0")),
                            dependent_role: e.attr("rsc-role").map(str::to_string),
                            primary_role: e.attr("with-rsc-role").map(str::to_string),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Constraints { snap, colocations }
    }

    /// Sort key of a resource in colocation lists: priority (high first), clones before
    /// groups before primitives, then id.
    fn order_key(&self, id: &str) -> (i64, u8, String) {
        let (priority, variant) = self.snap.view.rsc_by_id.get(id).map_or((0, 0), |&r| {
            let rsc = &self.snap.view.resources[r];
            let variant = match rsc.kind {
                Kind::Primitive => 0,
                Kind::Group => 1,
                Kind::Clone => 2,
            };
            (rsc.priority(), variant)
        });
        (-priority, 2 - variant, id.to_string())
    }

    /// Colocations where `rsc` is the primary (its dependents), in Pacemaker's order.
    fn dependents(&self, rsc: &str) -> Vec<&Colocation> {
        let mut v: Vec<&Colocation> = self
            .colocations
            .iter()
            .filter(|c| c.primary == rsc)
            .collect();
        v.sort_by_key(|c| self.order_key(&c.dependent));
        v
    }

    /// Colocations where `rsc` is the dependent (what it is colocated with).
    fn primaries(&self, rsc: &str) -> Vec<&Colocation> {
        let mut v: Vec<&Colocation> = self
            .colocations
            .iter()
            .filter(|c| c.dependent == rsc)
            .collect();
        v.sort_by_key(|c| self.order_key(&c.primary));
        v
    }

    /// The nodes the location constraints of `rsc` score, in configuration order.
    fn locations(&self, rsc: &str) -> Vec<Location> {
        let Some(c) = section(&self.snap.cib) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for loc in c.children_named("rsc_location") {
            if loc.attr("rsc") != Some(rsc) {
                continue;
            }
            let Some(id) = loc.id() else { continue };
            if let (Some(node), Some(score)) = (loc.attr("node"), loc.attr("score")) {
                if self.snap.node(node).is_some() {
                    out.push(Location {
                        id: id.to_string(),
                        node: node.to_string(),
                        score: score_text(score),
                    });
                }
                continue;
            }
            // Rules of the `#uname eq NODE` form (what crm_resource itself writes).
            for rule in loc.children_named("rule") {
                let score = score_text(rule.attr("score").unwrap_or("0"));
                for e in rule.children_named("expression") {
                    if e.attr("attribute") == Some("#uname") && e.attr("operation") == Some("eq") {
                        if let Some(node) = e.attr("value").filter(|n| self.snap.node(n).is_some())
                        {
                            out.push(Location {
                                id: id.to_string(),
                                node: node.to_string(),
                                score: score.clone(),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// Pacemaker's "locations-list".
    fn print_locations(&self, rsc: &str, depth: usize, p: &mut Printer) {
        let locs = self.locations(rsc);
        if locs.is_empty() {
            return;
        }
        p.header(depth, "Locations");
        for l in locs {
            p.item(
                depth,
                &format!(
                    "Node {} (score={}, id={}, rsc={rsc})",
                    l.node, l.score, l.id
                ),
            );
            p.xml.push_str(&format!(
                "    <rsc_location node=\"{}\" rsc=\"{}\" id=\"{}\" score=\"{}\"/>\n",
                escape(&l.node),
                escape(rsc),
                escape(&l.id),
                escape(&l.score)
            ));
        }
    }

    /// Pacemaker's "rscs-colocated-with-list" (`dependents`) and
    /// "rsc-is-colocated-with-list" (`!dependents`).
    fn print_colocations(
        &self,
        rsc: &str,
        dependents: bool,
        recursive: bool,
        depth: usize,
        seen: &mut BTreeSet<String>,
        p: &mut Printer,
    ) {
        if !seen.insert(rsc.to_string()) {
            return;
        }
        let list = if dependents {
            self.dependents(rsc)
        } else {
            self.primaries(rsc)
        };
        if list.is_empty() {
            return;
        }
        let title = if dependents {
            format!("Resources colocated with {rsc}")
        } else {
            format!("Resources {rsc} is colocated with")
        };
        p.header(depth, &title);
        for c in list {
            let other = if dependents { &c.dependent } else { &c.primary };
            p.xml.push_str(&colocation_xml(c));
            if seen.contains(other) {
                p.item(depth, &format!("{other} (id={} - loop)", c.id));
                continue;
            }
            let role = shown_role(c.primary_role.as_deref());
            let text = match role {
                Some(r) => format!(
                    "{other} (score={}, {} role={r}, id={})",
                    c.score,
                    if dependents { "needs" } else { "with" },
                    c.id
                ),
                None => format!("{other} (score={}, id={})", c.score, c.id),
            };
            p.item(depth, &text);
            // An unnamed list: only indentation for what follows about `other`.
            self.print_locations(other, depth + 2, p);
            if recursive {
                self.print_colocations(other, dependents, recursive, depth + 2, seen, p);
            }
        }
    }
}

fn colocation_xml(c: &Colocation) -> String {
    let mut x = format!(
        "    <rsc_colocation id=\"{}\" rsc=\"{}\" with-rsc=\"{}\" score=\"{}\"",
        escape(&c.id),
        escape(&c.dependent),
        escape(&c.primary),
        escape(&c.score)
    );
    if let Some(r) = shown_role(c.dependent_role.as_deref()) {
        x.push_str(&format!(" rsc-role=\"{r}\""));
    }
    if let Some(r) = shown_role(c.primary_role.as_deref()) {
        x.push_str(&format!(" with-rsc-role=\"{r}\""));
    }
    x.push_str("/>\n");
    x
}

fn section(cib: &Element) -> Option<&Element> {
    cib.child("configuration")?.child("constraints")
}

/// `-a` (`recursive` false) / `-A` (true) `-r RSC`: constraints apply to a group or clone,
/// so a member means its top-level resource unless `--force`.
pub fn constraints(ctx: &mut Ctx<'_>, recursive: bool) -> Result<Reply, ClusterError> {
    let requested = ctx.resource()?.to_string();
    let snap = ctx.snapshot()?;
    let r = snap
        .find(&requested)
        .ok_or_else(|| ClusterError::no_resource(&requested))?;
    let rsc = if ctx.opts.force {
        snap.view.resources[r].base_id.clone()
    } else {
        snap.top_id(r).to_string()
    };
    let cons = Constraints::new(&snap);
    let mut p = Printer {
        text: String::new(),
        xml: String::new(),
    };
    cons.print_locations(&rsc, 0, &mut p);
    cons.print_colocations(&rsc, true, recursive, 0, &mut BTreeSet::new(), &mut p);
    cons.print_colocations(&rsc, false, recursive, 0, &mut BTreeSet::new(), &mut p);
    let xml = if p.xml.is_empty() {
        "  <constraints/>\n".to_string()
    } else {
        format!("  <constraints>\n{}  </constraints>\n", p.xml)
    };
    Ok(Reply {
        out: p.text,
        xml,
        ..Reply::default()
    })
}
