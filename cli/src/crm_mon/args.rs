//! `crm_mon`'s command line (Pacemaker 2.1.5's options, `--include`/`--exclude`), read by the
//! flags layer.

use std::collections::BTreeSet;

use flags::{Dialect, Given, Opt, Spec};

/// The sections `--include`/`--exclude` name.
pub const ALL_SECTIONS: &[&str] = &[
    "summary",
    "nodes",
    "resources",
    "attributes",
    "failcounts",
    "failures",
    "operations",
    "bans",
    "fencing-failed",
    "fencing-pending",
    "fencing-succeeded",
    "tickets",
    "inactive",
    "options",
];

/// Parsed options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Print once and exit (`-1`); otherwise redraw every `interval` seconds.
    pub one_shot: bool,
    /// Redraw interval (`-i`), seconds.
    pub interval: u64,
    /// The sections to show.
    pub sections: BTreeSet<String>,
    /// `-R`: instance ids, node ids, individual clone instances.
    pub detail: bool,
    /// `-b`: resource summaries by agent.
    pub brief: bool,
    /// `-n`: resources listed under their nodes.
    pub group_by_node: bool,
    /// `--output-as=xml` / `-X`.
    pub xml: bool,
    /// `-t`: operations with their times and result.
    pub timing: bool,
    /// `-X`/`--as-xml`: the same content in the legacy `<crm_mon version>` document.
    pub legacy_xml: bool,
    /// `-s`: one-line Nagios-style status.
    pub simple: bool,
    /// `--node`: only these nodes (a name or tag).
    pub node: Option<String>,
    /// `--resource`: only this resource (an id or tag).
    pub resource: Option<String>,
    /// The command line, for the XML `request` attribute.
    pub request: String,
}

fn default_sections() -> BTreeSet<String> {
    [
        "summary",
        "nodes",
        "resources",
        "failures",
        "fencing-failed",
        "fencing-pending",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn apply(sections: &mut BTreeSet<String>, list: &str, include: bool) -> Result<(), String> {
    for s in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let names: Vec<&str> = match s {
            "all" => ALL_SECTIONS
                .iter()
                .copied()
                .filter(|x| *x != "inactive")
                .collect(),
            "none" => {
                if include {
                    sections.clear();
                }
                continue;
            }
            "default" => {
                *sections = default_sections();
                continue;
            }
            "counts" => vec!["failcounts"],
            "fencing" => vec!["fencing-failed", "fencing-pending", "fencing-succeeded"],
            "stack" | "dc" | "times" | "count" => vec!["summary"],
            other if ALL_SECTIONS.contains(&other) => vec![other],
            other => {
                return Err(format!(
                    "--{} option: unknown section '{other}'",
                    if include { "include" } else { "exclude" }
                ))
            }
        };
        for n in names {
            if include {
                sections.insert(n.to_string());
            } else {
                sections.remove(n);
            }
        }
    }
    Ok(())
}

/// The command line `crm_mon` accepts (Pacemaker 2.1.5's options; the display-only ones
/// heartbeat-rs has nothing to do for are accepted and ignored).
pub const SPEC: Spec = Spec {
    tool: "crm_mon",
    dialect: Dialect::Glib,
    options: &[
        Opt::flag('1', "one-shot"),
        // Pending operations show only with record-pending, which heartbeat-rs does not
        // record: accepted (crmsh passes it when our help lists it) and shows nothing more.
        Opt::flag('j', "pending"),
        Opt::flag('r', "inactive"),
        Opt::flag('f', "failcounts"),
        Opt::flag('A', "show-node-attributes"),
        Opt::flag('o', "operations"),
        Opt::flag('L', "neg-locations").optional(),
        Opt::flag('c', "tickets"),
        Opt::flag('m', "fence-history").optional(),
        Opt::flag('n', "group-by-node"),
        Opt::long_flag("ungroup-by-node"),
        Opt::flag('R', "show-detail"),
        Opt::flag('b', "brief"),
        Opt::flag('s', "simple-status"),
        Opt::flag('X', "as-xml"),
        Opt::flag('w', "web-cgi"),
        Opt::value('h', "as-html"),
        Opt::long_value("output-as"),
        Opt::long_value("output-to"),
        Opt::value('I', "include"),
        Opt::value('U', "exclude"),
        Opt::long_value("node"),
        Opt::long_value("resource"),
        Opt::value('i', "interval"),
        Opt::flag('t', "timing-details"),
        Opt::flag('V', "verbose"),
        Opt::flag('Q', "quiet"),
        Opt::flag('W', "watch-fencing"),
        Opt::flag('d', "daemonize"),
        Opt::flag('N', "disable-ncurses"),
        Opt::value('p', "pid-file"),
        Opt::value('E', "external-agent"),
        Opt::value('e', "external-recipient"),
    ],
    help_groups: &["output", "display", "additional", "deprecated"],
    help: super::USAGE,
    version: crate::version::BANNER,
};

/// The options given (`args` is the command line, echoed in XML output); a bad value is
/// refused with its message.
pub fn options(args: &[String], given: Vec<Given>) -> Result<Options, String> {
    let mut o = Options {
        one_shot: false,
        interval: 5,
        sections: default_sections(),
        detail: false,
        brief: false,
        group_by_node: false,
        xml: false,
        timing: false,
        legacy_xml: false,
        simple: false,
        node: None,
        resource: None,
        request: std::iter::once("crm_mon")
            .chain(args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" "),
    };
    for g in given {
        let Given::Opt { name, value } = g else {
            continue;
        };
        match name {
            "one-shot" => o.one_shot = true,
            "inactive" => {
                o.sections.insert("inactive".into());
            }
            "failcounts" => {
                o.sections.insert("failcounts".into());
            }
            "show-node-attributes" => {
                o.sections.insert("attributes".into());
            }
            "operations" => {
                o.sections.insert("operations".into());
            }
            "neg-locations" => {
                o.sections.insert("bans".into());
            }
            "tickets" => {
                o.sections.insert("tickets".into());
            }
            "fence-history" => {
                // 0: no fencing sections; 1: failed and pending; 2 and up: the whole history.
                let level: u32 = value.and_then(|v| v.trim().parse().ok()).unwrap_or(2);
                for s in ["fencing-failed", "fencing-pending", "fencing-succeeded"] {
                    o.sections.remove(s);
                }
                if level >= 1 {
                    o.sections.insert("fencing-failed".into());
                    o.sections.insert("fencing-pending".into());
                }
                if level >= 2 {
                    o.sections.insert("fencing-succeeded".into());
                }
            }
            "group-by-node" => o.group_by_node = true,
            "ungroup-by-node" => o.group_by_node = false,
            "show-detail" => o.detail = true,
            "brief" => o.brief = true,
            "simple-status" => {
                o.simple = true;
                o.one_shot = true;
            }
            "as-xml" => {
                // The same content as --output-as=xml, in the legacy root element.
                o.xml = true;
                o.legacy_xml = true;
                all_sections(&mut o.sections);
                o.one_shot = true;
            }
            "web-cgi" | "as-html" => return Err(format!("--{name}: output format not supported")),
            "output-as" => match value.unwrap_or_default().as_str() {
                "xml" => {
                    o.xml = true;
                    o.one_shot = true;
                    all_sections(&mut o.sections);
                }
                "text" | "console" => {}
                other => return Err(format!("Unknown output format '{other}'")),
            },
            "include" => apply(&mut o.sections, &value.unwrap_or_default(), true)?,
            "exclude" => apply(&mut o.sections, &value.unwrap_or_default(), false)?,
            "node" => o.node = value,
            "resource" => o.resource = value,
            "interval" => {
                let v = value.unwrap_or_default();
                o.interval = parse_interval(&v).ok_or_else(|| format!("Invalid interval '{v}'"))?;
            }
            "timing-details" => {
                // Pacemaker: -t shows the operations section, with timing.
                o.timing = true;
                o.sections.insert("operations".into());
            }
            _ => {}
        }
    }
    Ok(o)
}

/// Every section but the inactive resources (what XML output shows).
fn all_sections(sections: &mut BTreeSet<String>) {
    for s in ALL_SECTIONS.iter().filter(|s| **s != "inactive") {
        sections.insert(s.to_string());
    }
}

/// `5`, `5s`, `500ms`, `2m` -> whole seconds (at least 1).
fn parse_interval(v: &str) -> Option<u64> {
    let ms = cib::values::parse_duration_ms(v).ok()?;
    Some((ms / 1000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Options {
        let args: Vec<String> = s.split_whitespace().map(String::from).collect();
        options(&args, flags::parse(&SPEC, &args).expect("parse")).expect("values")
    }

    #[test]
    fn include_exclude() {
        let o = p("-1 --exclude=all --include=nodes");
        assert_eq!(o.sections.iter().collect::<Vec<_>>(), vec!["nodes"]);
        let o = p("-1R --include=all");
        assert!(o.one_shot && o.detail && o.sections.contains("operations"));
        assert!(!o.sections.contains("inactive"));
        let o = p("-1 -r -f -A");
        assert!(o.sections.contains("inactive") && o.sections.contains("failcounts"));
    }
}
