//! `hb_standby` and `hb_takeover`: Heartbeat's "give my resources away" and "take them over",
//! carried out through the CRM.
//!
//! `hb_standby [all|foreign|local|failback]` on a node gives away resources: `local` are the
//! groups whose preferred node (their haresources line, i.e. their location preference) is this
//! node, `foreign` (and its alias `failback`) the others, `all` (the default) everything.
//! `hb_takeover` with the same argument makes this node take them, as `hb_standby` run on the
//! peer would.
//!
//! In CRM terms: `hb_standby all` puts the node in standby (the `standby` node attribute);
//! `hb_takeover` clears this node's standby. Partial sets, and a takeover of resources that
//! stickiness keeps elsewhere (`auto_failback off`), are done as a move: a temporary location
//! constraint pins each resource to (or bans it from) this node until it has moved, then is
//! removed, so stickiness keeps it where it went, as Heartbeat left it.

use std::io::Write;
use std::time::{Duration, Instant};

use cib::xml::{Element, Node};

use crate::cib_access::{self, AccessError, CibAccess};
use crate::exit::ExitCode;

/// Which command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Give resources away.
    Standby,
    /// Take resources over.
    Takeover,
}

/// Which resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Every resource.
    All,
    /// Resources preferring this node.
    Local,
    /// Resources preferring another node.
    Foreign,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::All => "all",
            Which::Local => "local",
            Which::Foreign => "foreign",
        }
    }
}

fn usage(mode: Mode) -> String {
    let name = match mode {
        Mode::Standby => "hb_standby",
        Mode::Takeover => "hb_takeover",
    };
    format!("usage:\n{name} [all|foreign|local|failback]\n")
}

/// Parses the argument list.
pub fn parse(mode: Mode, args: &[String]) -> Result<Which, String> {
    match args {
        [] => Ok(Which::All),
        [one] => match one.as_str() {
            "all" => Ok(Which::All),
            "local" => Ok(Which::Local),
            "foreign" | "failback" => Ok(Which::Foreign),
            other => Err(format!("wrong resources({other}).\n{}", usage(mode))),
        },
        _ => Err(format!("too many arguments\n{}", usage(mode))),
    }
}

/// The node a top-level resource prefers: the node of its strongest positive location
/// constraint (a `node=` attribute or a `#uname eq` rule), if any.
pub fn preferred_node(cib: &Element, rsc: &str) -> Option<String> {
    let constraints = cib.child("configuration")?.child("constraints")?;
    let mut best: Option<(i64, String)> = None;
    for loc in constraints.children_named("rsc_location") {
        if loc.attr("rsc") != Some(rsc) || loc.attr("id").is_some_and(|i| i.starts_with("cli-")) {
            continue;
        }
        let mut candidates: Vec<(Option<&str>, Option<&str>)> =
            vec![(loc.attr("node"), loc.attr("score"))];
        for rule in loc.children_named("rule") {
            for e in rule.children_named("expression") {
                if e.attr("attribute") == Some("#uname") && e.attr("operation") == Some("eq") {
                    candidates.push((e.attr("value"), rule.attr("score")));
                }
            }
        }
        for (node, score) in candidates {
            let (Some(node), Some(score)) = (node, score) else {
                continue;
            };
            let score = vocab::Score::parse(score).map(|s| s.value()).unwrap_or(0);
            if score > 0 && best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, node.to_string()));
            }
        }
    }
    best.map(|(_, n)| n)
}

/// Top-level resources with their primitives' ids.
fn top_level(cib: &Element) -> Vec<(String, Vec<String>)> {
    let Some(resources) = cib
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return Vec::new();
    };
    resources
        .elements()
        .filter_map(|r| {
            let id = r.attr("id")?.to_string();
            let prims: Vec<String> = std::iter::once(r)
                .chain(r.descendants())
                .filter(|e| e.name == "primitive")
                .filter_map(|e| e.attr("id").map(str::to_string))
                .collect();
            Some((id, prims))
        })
        .collect()
}

fn selected(cib: &Element, me: &str, which: Which) -> Vec<(String, Vec<String>)> {
    top_level(cib)
        .into_iter()
        .filter(|(id, _)| {
            let local = preferred_node(cib, id).as_deref() == Some(me);
            match which {
                Which::All => true,
                Which::Local => local,
                Which::Foreign => !local,
            }
        })
        .collect()
}

/// Sets or clears the permanent `standby` attribute of node `me` in a CIB copy.
fn set_standby(cib: &mut Element, me: &str, on: bool) {
    let id = crmd::status::ensure_node(cib, me);
    let nodes = cib
        .child_or_insert("configuration")
        .child_or_insert("nodes");
    let Some(node) = nodes
        .elements_mut()
        .find(|n| n.name == "node" && n.attr("uname") == Some(me))
    else {
        return;
    };
    let set_id = format!("nodes-{id}");
    if node.child("instance_attributes").is_none() {
        node.children.push(Node::Element(
            Element::new("instance_attributes").with_attr("id", set_id.clone()),
        ));
    }
    let ia = node.child_mut("instance_attributes").expect("just ensured");
    ia.children
        .retain(|c| !matches!(c, Node::Element(e) if e.attr("name") == Some("standby")));
    if on {
        ia.children.push(Node::Element(
            Element::new("nvpair")
                .with_attr("id", format!("{set_id}-standby"))
                .with_attr("name", "standby")
                .with_attr("value", "on"),
        ));
    }
}

fn constraint_id(rsc: &str, me: &str, mode: Mode) -> String {
    match mode {
        Mode::Takeover => format!("cli-prefer-{rsc}"),
        Mode::Standby => format!("cli-ban-{rsc}-on-{me}"),
    }
}

fn add_pin(cib: &mut Element, rsc: &str, me: &str, mode: Mode) {
    let score = match mode {
        Mode::Takeover => "INFINITY",
        Mode::Standby => "-INFINITY",
    };
    let constraints = cib
        .child_or_insert("configuration")
        .child_or_insert("constraints");
    let id = constraint_id(rsc, me, mode);
    constraints
        .children
        .retain(|c| !matches!(c, Node::Element(e) if e.attr("id") == Some(id.as_str())));
    constraints.children.push(Node::Element(
        Element::new("rsc_location")
            .with_attr("id", id)
            .with_attr("rsc", rsc)
            .with_attr("role", "Started")
            .with_attr("node", me)
            .with_attr("score", score),
    ));
}

fn remove_pins(cib: &mut Element, ids: &[String]) {
    if let Some(c) = cib
        .child_mut("configuration")
        .and_then(|c| c.child_mut("constraints"))
    {
        c.children.retain(|n| {
            !matches!(n, Node::Element(e) if e.attr("id").is_some_and(|i| ids.iter().any(|x| x == i)))
        });
    }
}

fn edit(access: &mut dyn CibAccess, f: impl FnOnce(&mut Element)) -> Result<(), AccessError> {
    let base = access.query()?;
    let mut new = base.clone();
    f(&mut new);
    access.commit(&base, new)
}

/// Whether every primitive of every resource in `set` runs on `me` (`here`) or nowhere on `me`.
fn moved(cib: &Element, set: &[(String, Vec<String>)], me: &str, here: bool) -> bool {
    set.iter().flat_map(|(_, p)| p).all(|p| {
        let on = crmd::status::running_on(cib, p);
        if here {
            on.iter().any(|n| n == me)
        } else {
            !on.iter().any(|n| n == me)
        }
    })
}

/// Runs the command for node `me`; `wait` bounds how long a move may take.
pub fn execute(
    mode: Mode,
    which: Which,
    me: &str,
    access: &mut dyn CibAccess,
    wait: Duration,
    out: &mut dyn Write,
) -> Result<(), AccessError> {
    let _ = match mode {
        Mode::Standby => writeln!(out, "Going standby [{}].", which.name()),
        Mode::Takeover => writeln!(out, "Taking over resources [{}].", which.name()),
    };
    let cib = access.query()?;
    let set = selected(&cib, me, which);
    match (mode, which) {
        (Mode::Standby, Which::All) => return edit(access, |c| set_standby(c, me, true)),
        (Mode::Takeover, _) => edit(access, |c| set_standby(c, me, false))?,
        _ => {}
    }
    let here = mode == Mode::Takeover;
    // Give the cluster a moment to act on the standby change before deciding to pin.
    std::thread::sleep(Duration::from_millis(500));
    if moved(&access.query()?, &set, me, here) {
        return Ok(());
    }
    let ids: Vec<String> = set
        .iter()
        .map(|(r, _)| constraint_id(r, me, mode))
        .collect();
    edit(access, |c| {
        for (rsc, _) in &set {
            add_pin(c, rsc, me, mode);
        }
    })?;
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline && !moved(&access.query()?, &set, me, here) {
        std::thread::sleep(Duration::from_millis(250));
    }
    edit(access, |c| remove_pins(c, &ids))
}

/// The binaries' entry point.
pub fn main_with_args(mode: Mode, args: &[String]) -> ExitCode {
    let which = match parse(mode, args) {
        Ok(w) => w,
        Err(text) => {
            eprint!("{text}");
            return ExitCode::Error;
        }
    };
    // A site run by Heartbeat v1's resource manager has no CRM: speak v1's messages instead.
    #[cfg(feature = "hb-tools")]
    if messaging::v1rsc::selected() {
        return crate::hb_standby_v1::run(mode, which, args.first().map(String::as_str));
    }
    let me = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default()
        .to_lowercase();
    let result = cib_access::from_env().and_then(|mut access| {
        execute(
            mode,
            which,
            &me,
            access.as_mut(),
            Duration::from_secs(60),
            &mut std::io::stdout(),
        )
    });
    match result {
        Ok(()) => ExitCode::Ok,
        Err(e) => {
            eprintln!(
                "{}: {e}",
                if mode == Mode::Standby {
                    "hb_standby"
                } else {
                    "hb_takeover"
                }
            );
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cib() -> Element {
        let hr = cib::haresources::HaResources::parse(
            "node1 IPaddr::10.0.0.5/24/eth0 httpd\nnode2 10.0.0.6 smb\n",
        )
        .unwrap();
        hr.to_cib(&cib::haresources::ImportOptions {
            nodes: vec!["node1".into(), "node2".into()],
            resource_dirs: vec![],
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn arguments_follow_heartbeat() {
        assert_eq!(parse(Mode::Standby, &[]), Ok(Which::All));
        assert_eq!(
            parse(Mode::Standby, &["failback".into()]),
            Ok(Which::Foreign)
        );
        assert!(parse(Mode::Standby, &["x".into()])
            .unwrap_err()
            .starts_with("wrong resources(x)."));
        assert!(parse(Mode::Takeover, &["a".into(), "b".into()])
            .unwrap_err()
            .starts_with("too many arguments"));
    }

    #[test]
    fn local_and_foreign_come_from_the_haresources_preference() {
        let c = cib();
        let local: Vec<String> = selected(&c, "node1", Which::Local)
            .into_iter()
            .map(|x| x.0)
            .collect();
        let foreign: Vec<String> = selected(&c, "node1", Which::Foreign)
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(local, vec!["group_1"]);
        assert_eq!(foreign, vec!["group_2"]);
    }

    #[test]
    fn standby_all_sets_the_node_attribute_and_takeover_clears_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cib.xml");
        std::fs::write(&path, cib().to_xml()).unwrap();
        let mut f = cib_access::FileCib::new(&path);
        let mut out = Vec::new();
        execute(
            Mode::Standby,
            Which::All,
            "node1",
            &mut f,
            Duration::ZERO,
            &mut out,
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "Going standby [all].\n");
        let after = f.query().unwrap();
        let standby = after.descendants().into_iter().any(|e| {
            e.name == "nvpair" && e.attr("name") == Some("standby") && e.attr("value") == Some("on")
        });
        assert!(standby);
        execute(
            Mode::Takeover,
            Which::All,
            "node1",
            &mut f,
            Duration::ZERO,
            &mut Vec::new(),
        )
        .unwrap();
        let after = f.query().unwrap();
        assert!(!after
            .descendants()
            .into_iter()
            .any(|e| e.attr("name") == Some("standby")));
        // The temporary pins are gone again.
        assert!(!after.to_xml().contains("cli-prefer"));
    }
}
