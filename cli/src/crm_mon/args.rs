//! Command-line parsing for `crm_mon` (Pacemaker 2.1.5's options, `--include`/`--exclude`).

use std::collections::BTreeSet;

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

/// Why the arguments were not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UsageError {
    /// `--help`.
    #[error("help requested")]
    Help,
    /// `--version`.
    #[error("version requested")]
    Version,
    /// Anything else, with the message.
    #[error("{0}")]
    Invalid(String),
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

fn apply(sections: &mut BTreeSet<String>, list: &str, include: bool) -> Result<(), UsageError> {
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
                return Err(UsageError::Invalid(format!(
                    "--{} option: unknown section '{other}'",
                    if include { "include" } else { "exclude" }
                )))
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

/// Parses `args` (without the program name).
pub fn parse_args(args: &[String]) -> Result<Options, UsageError> {
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
    // Expand bundled short flags (`-1R`) first.
    let mut expanded = Vec::new();
    for a in args {
        if a.starts_with('-') && !a.starts_with("--") && a.len() > 2 && !a.starts_with("-i") {
            expanded.extend(a[1..].chars().map(|c| format!("-{c}")));
        } else {
            expanded.push(a.clone());
        }
    }
    let mut i = 0;
    while i < expanded.len() {
        let arg = expanded[i].clone();
        i += 1;
        let (flag, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, UsageError> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            if let Some(v) = what.strip_prefix("-i").filter(|v| !v.is_empty()) {
                return Ok(v.to_string());
            }
            let v = expanded.get(i).cloned().ok_or_else(|| {
                UsageError::Invalid(format!("option {what} requires an argument"))
            })?;
            i += 1;
            Ok(v)
        };
        match flag.as_str() {
            "-?" | "--help" | "-h" => return Err(UsageError::Help),
            "-$" | "--version" => return Err(UsageError::Version),
            "-1" | "--one-shot" => o.one_shot = true,
            // Pending operations show only with record-pending, which heartbeat-rs does not
            // record: accepted (crmsh passes it when our help lists it) and shows nothing more.
            "-j" | "--pending" => {}
            "-r" | "--inactive" => {
                o.sections.insert("inactive".into());
            }
            "-f" | "--failcounts" => {
                o.sections.insert("failcounts".into());
            }
            "-A" | "--show-node-attributes" => {
                o.sections.insert("attributes".into());
            }
            "-o" | "--operations" => {
                o.sections.insert("operations".into());
            }
            "-L" | "--neg-locations" => {
                o.sections.insert("bans".into());
            }
            "-c" | "--tickets" => {
                o.sections.insert("tickets".into());
            }
            "-m" | "--fence-history" => {
                // 0: no fencing sections; 1: failed and pending; 2 and up: the whole history.
                let level: u32 = value(&flag)?.trim().parse().unwrap_or(2);
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
            "-n" | "--group-by-node" => o.group_by_node = true,
            "-N" | "--ungroup-by-node" => o.group_by_node = false,
            "-R" | "--show-detail" => o.detail = true,
            "-b" | "--brief" => o.brief = true,
            "-s" | "--simple-status" => {
                o.simple = true;
                o.one_shot = true;
            }
            "-X" | "--as-xml" => {
                // The same content as --output-as=xml, in the legacy root element.
                o.xml = true;
                o.legacy_xml = true;
                for s in ALL_SECTIONS.iter().filter(|s| **s != "inactive") {
                    o.sections.insert(s.to_string());
                }
                o.one_shot = true;
            }
            "-w" | "--web-cgi" | "-h5" | "--as-html" => {
                return Err(UsageError::Invalid(format!(
                    "{flag}: output format not supported"
                )))
            }
            "--output-as" => match value(&flag)?.as_str() {
                "xml" => {
                    o.xml = true;
                    o.one_shot = true;
                    for s in ALL_SECTIONS.iter().filter(|s| **s != "inactive") {
                        o.sections.insert(s.to_string());
                    }
                }
                "text" | "console" => {}
                other => {
                    return Err(UsageError::Invalid(format!(
                        "Unknown output format '{other}'"
                    )))
                }
            },
            "--output-to" => {
                value(&flag)?;
            }
            "--include" | "-I" => {
                let v = value(&flag)?;
                apply(&mut o.sections, &v, true)?;
            }
            "--exclude" | "-U" => {
                let v = value(&flag)?;
                apply(&mut o.sections, &v, false)?;
            }
            "--node" => o.node = Some(value(&flag)?),
            "--resource" => o.resource = Some(value(&flag)?),
            "-i" | "--interval" => {
                let v = value(&flag)?;
                o.interval = parse_interval(&v)
                    .ok_or_else(|| UsageError::Invalid(format!("Invalid interval '{v}'")))?;
            }
            "-t" | "--timing-details" => {
                // Pacemaker: -t shows the operations section, with timing.
                o.timing = true;
                o.sections.insert("operations".into());
            }
            "-V" | "--verbose" | "-Q" | "--quiet" | "-W" | "--watch-fencing" | "-d"
            | "--daemonize" | "-E" | "-e" | "-p" | "-x" | "-!" => {}
            _ if flag.starts_with("-i") && flag.len() > 2 => {
                o.interval = parse_interval(&flag[2..])
                    .ok_or_else(|| UsageError::Invalid(format!("Invalid interval '{flag}'")))?;
            }
            _ => return Err(UsageError::Invalid(format!("Unknown option {arg}"))),
        }
    }
    Ok(o)
}

/// `5`, `5s`, `500ms`, `2m` -> whole seconds (at least 1).
fn parse_interval(v: &str) -> Option<u64> {
    let ms = vocab::parse_duration_ms(v).ok()?;
    Some((ms / 1000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Options {
        parse_args(&s.split_whitespace().map(String::from).collect::<Vec<_>>()).expect("parse")
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
