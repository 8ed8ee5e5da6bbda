//! `crm_attribute`: query, set and delete cluster options, node attributes (permanent or
//! transient), utilization and defaults, with Pacemaker 2.1.5's messages and exit codes.
//!
//! The tool reads the CIB through [`CibAccess`], edits a copy and commits it; the backend
//! bumps the version. `crm_standby` and `crm_failcount` ([`frontends`]) are thin front ends
//! that translate their options into this module's [`Options`].

mod args;
pub mod frontends;
mod nvpairs;
mod target;

pub use args::{options, Action, Options, SPEC};
pub use target::Section;

use crate::cib_access::{self, AccessError, CibAccess};
use crate::exit::ExitCode;
use nvpairs::{Match, Selector};
use std::io::Write;

const USAGE: &str = "\
Usage:
  crm_attribute [OPTION?] -n <attribute> <command>

Manage node's attributes and cluster options.

Commands:
  -G, --query               Query the current value of the attribute/option
  -v, --update=VALUE        Update the value of the attribute/option
  -D, --delete              Delete the attribute/option

Additional Options:
  -N, --node=NODE           Set a node attribute for named node (instead of a cluster option)
  -t, --type=SECTION        Which part of the configuration to update/delete/query the option in
                            (crm_config, nodes, status, rsc_defaults, op_defaults)
  -l, --lifetime=LIFETIME   Lifetime of the node attribute (reboot or forever)
  -z, --utilization         Set an utilization attribute for the node
  -s, --set-name=ID         (Advanced) The attribute set in which to place the value
  -i, --id=ID               (Advanced) Id used to identify the attribute
  -d, --default=VALUE       (Advanced) Default value to display if none is found in configuration
  -p, --promotion=RSC       Operate on the node's promotion score for RSC
  -P, --pattern=REGEX       Operate on all attributes matching this pattern
  -n, --name=NAME           Name of the attribute/option to operate on
  -q, --quiet               Print only the value on stdout
  --output-as=FORMAT        text (default) or xml

The CIB is the file named by $CIB_file.
";

/// A failure: its message for stderr (already prefixed as Pacemaker does) and exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: ExitCode,
    /// Lines for stderr.
    pub message: String,
}

impl Failure {
    fn new(code: ExitCode, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<AccessError> for Failure {
    fn from(e: AccessError) -> Failure {
        Failure::new(e.exit_code(), format!("crm_attribute: {e}"))
    }
}

/// Runs `crm_attribute` with `args` (without the program name) on the CIB from the
/// environment; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let given = match crate::command_line::read(&SPEC, args, out, err) {
        Ok(given) => given,
        Err(code) => return code,
    };
    let opts = match options(given) {
        Ok(o) => o,
        Err(m) => return crate::command_line::refuse(&SPEC, &m, err),
    };
    if !opts.xml {
        return report(execute_env(&opts, out), err);
    }
    // XML: the results between Pacemaker's envelope, errors inside its status element.
    let request = std::iter::once("crm_attribute")
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let mut body = Vec::new();
    let result = execute_env(&opts, &mut body);
    let _ = writeln!(
        out,
        "<pacemaker-result api-version=\"{XML_API_VERSION}\" request=\"{}\">",
        xml_escape(&request)
    );
    let _ = out.write_all(&body);
    let code = match result {
        Ok(()) => {
            let _ = writeln!(out, "  <status code=\"0\" message=\"OK\"/>");
            ExitCode::Ok
        }
        Err(f) => {
            let lines: Vec<&str> = f.message.lines().collect();
            let _ = write!(out, "{}", xml_status(f.code, &lines));
            f.code
        }
    };
    let _ = writeln!(out, "</pacemaker-result>");
    code
}

/// The `<status>` element closing Pacemaker's XML documents: the exit code, its text and
/// any error messages.
pub fn xml_status(code: ExitCode, errors: &[&str]) -> String {
    let open = format!(
        "  <status code=\"{}\" message=\"{}\"",
        code.code(),
        xml_escape(code.text())
    );
    if errors.is_empty() {
        return format!("{open}/>\n");
    }
    let mut x = format!("{open}>\n    <errors>\n");
    for e in errors {
        x.push_str(&format!("      <error>{}</error>\n", xml_escape(e)));
    }
    x.push_str("    </errors>\n  </status>\n");
    x
}

/// The `api-version` of Pacemaker 2.1.5's XML output.
pub const XML_API_VERSION: &str = "2.25";

/// Escapes text for an XML attribute or element, as Pacemaker's XML output does.
pub fn xml_escape(s: &str) -> std::borrow::Cow<'_, str> {
    vocab::xml_escape::escape(s, vocab::xml_escape::Policy::Pacemaker)
}

/// Writes a failure's message and turns the result into an exit code.
pub fn report(result: Result<(), Failure>, err: &mut dyn Write) -> ExitCode {
    match result {
        Ok(()) => ExitCode::Ok,
        Err(f) => {
            if !f.message.is_empty() {
                let _ = writeln!(err, "{}", f.message);
            }
            f.code
        }
    }
}

/// [`execute`] on the CIB the environment selects ([`cib_access::from_env`]).
pub fn execute_env(opts: &Options, out: &mut dyn Write) -> Result<(), Failure> {
    let mut access = cib_access::from_env()?;
    execute(opts, access.as_mut(), out)
}

fn usage(message: &str) -> Failure {
    Failure::new(ExitCode::Usage, format!("crm_attribute: Error: {message}"))
}

/// Runs one parsed command against `access`.
pub fn execute(
    opts: &Options,
    access: &mut dyn CibAccess,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let section = target::section_of(opts)
        .map_err(|e| Failure::new(ExitCode::Usage, format!("crm_attribute: {e}")))?;
    let name = match (&opts.name, &opts.promotion) {
        (Some(n), _) => Some(n.clone()),
        (None, Some(rsc)) => Some(format!("master-{rsc}")),
        (None, None) => None,
    };
    if opts.pattern.is_some() && opts.action != Action::Query && section != Section::Status {
        return Err(usage(
            "pattern can only be used with query, or with till-reboot update or delete",
        ));
    }
    if name.is_none() && opts.pattern.is_none() && opts.attr_id.is_none() {
        return Err(usage(match opts.action {
            Action::Delete => "must specify attribute name or pattern to delete",
            Action::Update => "must specify attribute name or pattern to update",
            Action::Query => "must specify attribute name or pattern to query",
        }));
    }
    let base = access.query()?;
    let t = target::resolve(opts, &base, &crate::crm_node::local_node_name()).map_err(|e| {
        Failure::new(
            match e {
                target::TargetError::BadSection(_) => ExitCode::Usage,
                target::TargetError::UnknownNode(_) => ExitCode::NoSuch,
            },
            format!("crm_attribute: {e}"),
        )
    })?;
    let sel = Selector {
        name: name.clone(),
        pattern: opts.pattern.clone(),
        set_id: opts.set_id.clone(),
        attr_id: opts.attr_id.clone(),
    };
    let found = nvpairs::find(&base, &t, &sel);
    match opts.action {
        Action::Query => query(opts, &t, name.as_deref(), &found, out),
        Action::Update => {
            let value = opts.value.clone().unwrap_or_default();
            let mut new = base.clone();
            match found.as_slice() {
                [] if opts.pattern.is_some() && name.is_none() => return Ok(()),
                [] => nvpairs::create(
                    &mut new,
                    &t,
                    opts.set_id.as_deref().unwrap_or(&t.default_set_id),
                    opts.attr_id.as_deref(),
                    name.as_deref().unwrap_or_default(),
                    &value,
                ),
                [_, _, ..] if opts.pattern.is_none() => return Err(multiple(&found)),
                many => {
                    // One commit per attribute, as Pacemaker sends one update each.
                    let mut base = base;
                    for m in many {
                        let mut new = base.clone();
                        nvpairs::update(&mut new, &t, m, &value);
                        access.commit(&base, new)?;
                        base = access.query()?;
                    }
                    return Ok(());
                }
            }
            access.commit(&base, new)?;
            Ok(())
        }
        Action::Delete => {
            if found.len() > 1 && opts.pattern.is_none() {
                return Err(multiple(&found));
            }
            if found.is_empty() {
                return Ok(());
            }
            let mut base = base;
            for m in &found {
                let mut new = base.clone();
                nvpairs::remove(&mut new, &t, m);
                access.commit(&base, new)?;
                base = access.query()?;
            }
            if !opts.quiet && !opts.xml {
                for m in &found {
                    // Given an id, Pacemaker does not look it up and prints none.
                    let id = if opts.attr_id.is_some() {
                        "(null)"
                    } else {
                        m.id.as_str()
                    };
                    let _ = writeln!(
                        out,
                        "Deleted {} {}: id={} name={}",
                        t.section.name(),
                        t.section.noun(),
                        id,
                        m.name
                    );
                }
            }
            Ok(())
        }
    }
}

fn query(
    opts: &Options,
    t: &target::Target,
    name: Option<&str>,
    found: &[Match],
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let print = |out: &mut dyn Write, name: &str, value: &str| {
        if opts.xml {
            let _ = writeln!(
                out,
                "  <attribute name=\"{}\" value=\"{}\" scope=\"{}\"/>",
                xml_escape(name),
                xml_escape(value),
                t.section.name()
            );
        } else if opts.quiet {
            let _ = writeln!(out, "{value}");
        } else {
            let _ = writeln!(
                out,
                "scope={}  name={} value={}",
                t.section.name(),
                name,
                value
            );
        }
    };
    if found.is_empty() {
        return match (&opts.default, name) {
            (Some(d), Some(n)) => {
                print(out, n, d);
                Ok(())
            }
            _ => Err(Failure::new(
                ExitCode::NoSuch,
                "crm_attribute: Error performing operation: No such device or address",
            )),
        };
    }
    for m in found {
        print(out, &m.name, &m.value);
    }
    Ok(())
}

fn multiple(found: &[Match]) -> Failure {
    let mut msg = String::from(
        "crm_attribute: Please choose from one of the matches below and supply the 'id' with --attr-id\n",
    );
    msg.push_str(&format!(
        "Multiple attributes match name={}",
        found.first().map(|m| m.name.as_str()).unwrap_or_default()
    ));
    for m in found {
        msg.push_str(&format!("\n  Value: {} \t(id={})", m.value, m.id));
    }
    Failure::new(ExitCode::Multiple, msg)
}
