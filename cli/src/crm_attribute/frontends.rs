//! `crm_standby` and `crm_failcount`: Pacemaker ships them as shell scripts over
//! `crm_attribute`; these are the same scripts' logic over [`super::execute`].

use super::{execute, Action, Failure, Options};
use crate::cib_access::{self, CibAccess};
use crate::exit::ExitCode;
use flags::{Dialect, Given, Opt, Spec, Stop};
use std::io::Write;

const STANDBY_USAGE: &str = "\
Usage: crm_standby <command> [options]

Common options:
 --help                 Display this text, then exit
 --version              Display version information, then exit
 -V, --verbose          Specify multiple times to increase debug output
 -q, --quiet            Print only the standby status (if querying)

Commands:
 -G, --query            Query the current value of standby mode (on/off)
 -v, --update=VALUE     Update the value of standby mode (on/off)
 -D, --delete           Let standby mode use default value

Additional Options:
 -N, --node=NODE        Operate on the named node instead of the current one
 -l, --lifetime=VALUE   Until when should the setting take effect
                        (valid values: reboot, forever)
 -i, --id=VALUE         (Advanced) XML ID used to identify standby attribute
";

const FAILCOUNT_USAGE: &str = "\
Usage: crm_failcount <command> [<options>]
Common options:
 --help                 Display this text, then exit
 --version              Display version information, then exit
 -V, --verbose          Specify multiple times to increase debug output
 -q, --quiet            Print only the value (if querying)

Commands:
 -G, --query            Query the current value of the resource's fail count
 -D, --delete           Delete resource's recorded failures

Additional Options:
 -r, --resource=value   Name of the resource to use (required)
 -n, --operation=value  Name of operation to use (instead of all operations)
 -I, --interval=value   If operation is specified, its interval
 -N, --node=value       Use failcount on named node (instead of local node)
";

/// Pacemaker's script: getopt(1) with these options, then `crm_attribute` underneath.
const STANDBY: Spec = Spec {
    tool: "crm_standby",
    dialect: Dialect::Getopt,
    options: &[
        Opt::flag('V', "verbose"),
        Opt::flag('q', "quiet"),
        Opt::flag('Q', "quiet").short_only(),
        Opt::flag('G', "query"),
        Opt::long_flag("get-value"),
        Opt::value('v', "update"),
        Opt::long_value("attr-value"),
        Opt::flag('D', "delete"),
        Opt::long_flag("delete-attr"),
        Opt::value('N', "node"),
        Opt::value('U', "uname"),
        Opt::value('l', "lifetime"),
        Opt::value('i', "id"),
        Opt::long_value("attr-id"),
    ],
    help_groups: &[],
    help: STANDBY_USAGE,
    version: crate::version::BANNER,
};

const FAILCOUNT: Spec = Spec {
    tool: "crm_failcount",
    dialect: Dialect::Getopt,
    options: &[
        Opt::flag('V', "verbose"),
        Opt::flag('q', "quiet"),
        Opt::flag('Q', "quiet").short_only(),
        Opt::flag('G', "query"),
        Opt::long_flag("get-value"),
        Opt::flag('D', "delete"),
        Opt::long_flag("delete-attr"),
        Opt::value('r', "resource"),
        Opt::long_value("resource-id"),
        Opt::value('n', "operation"),
        Opt::value('I', "interval"),
        Opt::value('N', "node"),
        Opt::value('U', "uname"),
        Opt::value('l', "lifetime"),
        Opt::value('i', "attr-id"),
        Opt::value('v', "attr-value"),
    ],
    help_groups: &[],
    help: FAILCOUNT_USAGE,
    version: crate::version::BANNER,
};

/// The scripts' getopt(1) step: its message on stderr, then a blank line and the usage on
/// stdout, and the script's own exit code (`crm_standby` 1, `crm_failcount` 64).
fn read_script_args(
    spec: &Spec,
    args: &[String],
    refused: ExitCode,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Vec<Given>, ExitCode> {
    match flags::parse(spec, args) {
        Ok(given) => Ok(given),
        Err(Stop::Usage(e)) => {
            let _ = writeln!(err, "{}: {e}", spec.tool);
            let _ = writeln!(out, "\n{}", spec.help.trim_end());
            Err(refused)
        }
        Err(stop) => {
            stop.report(spec, out, err);
            Err(ExitCode::Ok)
        }
    }
}

/// Runs `crm_standby`.
pub fn crm_standby(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let result = (|| -> Result<(), Failure> {
        let mut base = Options {
            name: Some("standby".into()),
            ..Options::default()
        };
        let mut op = None;
        let given = match read_script_args(&STANDBY, args, ExitCode::Error, out, err) {
            Ok(given) => given,
            Err(code) => return Err(Failure::new(code, String::new())),
        };
        for g in given {
            let Given::Opt { name, value } = g else {
                continue;
            };
            let v = value.unwrap_or_default();
            match name {
                "quiet" => base.quiet = true,
                "node" | "uname" => base.node = Some(v),
                "query" | "get-value" => op = Some(Action::Query),
                "update" | "attr-value" => {
                    base.value = Some(v);
                    op = Some(Action::Update);
                }
                "delete" | "delete-attr" => op = Some(Action::Delete),
                "lifetime" => {
                    base.lifetime = Some(if v == "reboot" {
                        "reboot".into()
                    } else {
                        "forever".into()
                    });
                }
                "id" | "attr-id" => base.attr_id = Some(v),
                _ => {}
            }
        }
        if base.node.is_none() {
            base.node = Some(crate::crm_node::local_node_name());
        }
        base.action = op.unwrap_or(Action::Query);
        let mut access = cib_access::from_env()?;
        if base.lifetime.is_some() {
            return execute(&base, access.as_mut(), out);
        }
        let forever = Options {
            lifetime: Some("forever".into()),
            ..base.clone()
        };
        let reboot = Options {
            lifetime: Some("reboot".into()),
            ..base.clone()
        };
        match base.action {
            Action::Query => {
                if execute(&forever, access.as_mut(), &mut std::io::sink()).is_ok() {
                    execute(&forever, access.as_mut(), out)
                } else {
                    let with_default = Options {
                        default: Some("off".into()),
                        ..reboot
                    };
                    execute(&with_default, access.as_mut(), out)
                }
            }
            Action::Update => execute(&forever, access.as_mut(), out),
            Action::Delete => {
                // As the script does: both lifetimes, ignoring their results.
                for o in [&forever, &reboot] {
                    if let Err(f) = execute(o, access.as_mut(), out) {
                        let _ = writeln!(err, "{}", f.message);
                    }
                }
                Ok(())
            }
        }
    })();
    super::report(result, err)
}

/// An interval as the script parses it (`10`, `10s`, `500ms`, `2m`, `1h`) in milliseconds.
fn interval_ms(text: &str) -> u64 {
    let t = text.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: u64 = digits.parse().unwrap_or(0);
    match t[digits.len()..].trim() {
        "" | "s" | "sec" => n * 1000,
        "ms" | "msec" => n,
        "m" | "min" => n * 60_000,
        "h" | "hr" => n * 3_600_000,
        "us" | "usec" => n / 1000,
        _ => 0,
    }
}

/// The sum of the transient attributes of node `uname` whose names start with `prefix`,
/// capped at INFINITY as the script does.
fn sum_with_prefix(cib: &cib::Element, uname: &str, prefix: &str) -> String {
    let mut sum: u64 = 0;
    let states = cib
        .child("status")
        .into_iter()
        .flat_map(|s| s.children_named("node_state"))
        .filter(|n| n.attr("uname") == Some(uname));
    for state in states {
        for set in state
            .children_named("transient_attributes")
            .flat_map(|t| t.children_named("instance_attributes"))
        {
            for nv in set.children_named("nvpair") {
                if !nv.attr("name").unwrap_or_default().starts_with(prefix) {
                    continue;
                }
                match nv.attr("value").unwrap_or_default() {
                    "INFINITY" => return "INFINITY".into(),
                    v => sum = sum.saturating_add(v.parse().unwrap_or(0)),
                }
            }
        }
    }
    if sum >= 1_000_000 {
        "INFINITY".into()
    } else {
        sum.to_string()
    }
}

/// The value of one transient attribute, "0" when it is missing.
fn single(access: &mut dyn CibAccess, node: &str, name: &str) -> String {
    let o = Options {
        name: Some(name.into()),
        node: Some(node.into()),
        section: Some("status".into()),
        quiet: true,
        default: Some("0".into()),
        ..Options::default()
    };
    let mut buf = Vec::new();
    match execute(&o, access, &mut buf) {
        Ok(()) => String::from_utf8_lossy(&buf).trim().to_string(),
        Err(_) => "0".into(),
    }
}

/// Runs `crm_failcount`.
pub fn crm_failcount(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let result = (|| -> Result<(), Failure> {
        let mut quiet = false;
        let mut op = None;
        let mut rsc = None;
        let mut operation = None;
        let mut interval = "0".to_string();
        let mut node = None;
        let given = match read_script_args(&FAILCOUNT, args, ExitCode::Usage, out, err) {
            Ok(given) => given,
            Err(code) => return Err(Failure::new(code, String::new())),
        };
        for g in given {
            let Given::Opt { name, value } = g else {
                continue;
            };
            let v = value.unwrap_or_default();
            match name {
                "quiet" => quiet = true,
                "query" | "get-value" => op = Some(Action::Query),
                "delete" | "delete-attr" => op = Some(Action::Delete),
                "resource" | "resource-id" => rsc = Some(v),
                "operation" => operation = Some(v),
                "interval" => interval = v,
                "node" | "uname" => node = Some(v),
                "attr-value" => {
                    let _ = writeln!(err, "warning: setting a fail count is deprecated; ignored");
                }
                _ => {}
            }
        }
        let rsc = rsc.ok_or_else(|| {
            Failure::new(
                ExitCode::Usage,
                format!("error: resource required\n\n{FAILCOUNT_USAGE}"),
            )
        })?;
        let node = node.unwrap_or_else(crate::crm_node::local_node_name);
        let mut access = cib_access::from_env()?;
        let base_name = format!("fail-count-{rsc}");
        let op_suffix = operation
            .as_ref()
            .map(|o| format!("#{o}_{}", interval_ms(&interval)));
        match op.unwrap_or(Action::Query) {
            Action::Query | Action::Update => {
                let (mut shown, mut count) = match &op_suffix {
                    Some(s) => {
                        let n = format!("{base_name}{s}");
                        let v = single(access.as_mut(), &node, &n);
                        (n, v)
                    }
                    None => {
                        let cib = access.query()?;
                        (
                            base_name.clone(),
                            sum_with_prefix(&cib, &node, &format!("{base_name}#")),
                        )
                    }
                };
                if count == "0" {
                    count = single(access.as_mut(), &node, &base_name);
                    if count != "0" {
                        shown = base_name.clone();
                    }
                }
                if quiet {
                    let _ = writeln!(out, "{count}");
                } else {
                    let _ = writeln!(out, "scope=status  name={shown} value={count}");
                }
                Ok(())
            }
            Action::Delete => {
                // Offline, a cleanup is the removal of the failure records: the fail counts
                // and last-failure times of the resource (or the one operation).
                let patterns: Vec<String> = match &op_suffix {
                    Some(s) => vec![
                        format!("^fail-count-{rsc}{s}$"),
                        format!("^last-failure-{rsc}{s}$"),
                    ],
                    None => vec![
                        format!("^fail-count-{rsc}#"),
                        format!("^last-failure-{rsc}#"),
                        format!("^fail-count-{rsc}$"),
                        format!("^last-failure-{rsc}$"),
                    ],
                };
                for p in patterns {
                    let o = Options {
                        pattern: Some(p),
                        node: Some(node.clone()),
                        section: Some("status".into()),
                        action: Action::Delete,
                        quiet: true,
                        ..Options::default()
                    };
                    execute(&o, access.as_mut(), out)?;
                }
                if !quiet {
                    let _ = writeln!(out, "Cleaned up {rsc} on {node}");
                }
                Ok(())
            }
        }
    })();
    super::report(result, err)
}

#[cfg(test)]
mod tests {
    #[test]
    fn intervals() {
        assert_eq!(super::interval_ms("10s"), 10_000);
        assert_eq!(super::interval_ms("500ms"), 500);
        assert_eq!(super::interval_ms("2m"), 120_000);
        assert_eq!(super::interval_ms("10"), 10_000);
    }
}
