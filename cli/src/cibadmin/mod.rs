//! `cibadmin`: query and edit the CIB, offline on the file named by `CIB_file`, else live
//! through the local crmd.
//!
//! The operations are [`cib::edit`]'s; this module reads the input XML, runs one command,
//! bumps the version the way Pacemaker does, writes the file atomically
//! ([`cib::store::write_atomic`]) and reports with Pacemaker's messages and exit codes. A
//! refused or failing edit never writes, so the file stays byte-identical; an edit that
//! changes nothing does not write either.

mod args;

pub use args::{options, Command, Options, XmlSource, SPEC};

use crate::exit::ExitCode;
use cib::edit::{self, EditError};
use cib::{digest, format, model, patch, store, xpath, CibVersion, Document, Element};
use std::io::{Read, Write};
use std::path::Path;

const USAGE: &str = "\
cibadmin - query and edit the cluster configuration (on $CIB_file when set, else live)
Usage: cibadmin <command> [options]

Commands:
 -Q, --query             Print the CIB, a section (-o) or XPath matches (-A)
 -C, --create            Add an object under a section; fails if its id exists there
 -M, --modify            Merge attributes/children into the first object with the same tag and id
                         (-c creates it when missing); attr=\"attr++\" increments
 -R, --replace           Replace an object (or, with a <cib>, the whole CIB if not older)
 -D, --delete            Delete the first object whose tag and attributes match the input
 -E, --erase             Empty the configuration (needs --force)
 -B, --bump              Increase the epoch by one
 -P, --patch             Apply an XML patch, v1 or v2 (as crm_diff writes)
 -5, --md5-sum           Print the on-disk digest of the input XML
 -6, --md5-sum-versioned Print the versioned (on-the-wire) digest of the input XML
 -a, --empty             Print an empty CIB

Options:
 -o, --scope=SECTION     configuration, nodes, resources, constraints, crm_config, rsc_defaults,
                         op_defaults, acls, fencing-topology, tags, alerts or status
 -A, --xpath=EXPR        Work on the elements EXPR selects instead of a section
 -e, --node-path         With -Q -A, print the paths of the matches
 -n, --no-children       With -Q, leave out the children
 -d, --delete-all        With -D -A, delete every match (needs --force)
 -c, --allow-create      With -M, create the object when it does not exist
 -f, --force             Allow dangerous operations
 -X, --xml-text=XML      Input XML from the argument
 -x, --xml-file=FILE     Input XML from a file
 -p, --xml-pipe          Input XML from stdin
 -l, -s, -t, -U, -N, -S  Accepted for compatibility; no effect offline
 -V, --verbose           More output
 -?, --help              This text
 -$, --version           Version
";

const DANGEROUS: &str = "The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed.";

/// A failure with its message (without the "Call failed: " prefix handling) and exit code.
struct Failure {
    code: ExitCode,
    message: String,
    /// XML to print on stdout (create clashes).
    report: Option<Element>,
}

impl Failure {
    fn new(code: ExitCode, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            report: None,
        }
    }

    fn call_failed(code: ExitCode, reason: &str) -> Failure {
        Failure::new(code, format!("Call failed: {reason}"))
    }
}

impl From<EditError> for Failure {
    fn from(e: EditError) -> Failure {
        match e {
            EditError::NoSuchObject => {
                Failure::call_failed(ExitCode::NoSuch, "No such device or address")
            }
            EditError::Exists { failed } => Failure {
                report: Some(failed),
                ..Failure::call_failed(ExitCode::Exists, "File exists")
            },
            EditError::OldVersion => Failure::call_failed(
                ExitCode::Old,
                "Update was older than existing configuration",
            ),
            EditError::Invalid(_) => Failure::call_failed(ExitCode::Software, "Invalid argument"),
            // Pacemaker treats an XPath libxml2 can not compile as matching nothing.
            EditError::XPath(_) => {
                Failure::call_failed(ExitCode::NoSuch, "No such device or address")
            }
        }
    }
}

/// Runs `cibadmin` with `args` (without the program name) on the CIB file `cib_file`
/// (`$CIB_file`); returns the exit code.
pub fn run(
    args: &[String],
    cib_file: Option<&str>,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let given = match crate::command_line::read(&SPEC, args, out, err) {
        Ok(given) => given,
        Err(code) => return code,
    };
    let Some(opts) = options(given) else {
        // A stray word: the original prints its usage only.
        let _ = err.write_all(USAGE.as_bytes());
        return ExitCode::Usage;
    };
    match execute(&opts, cib_file, stdin, out, err) {
        Ok(()) => ExitCode::Ok,
        Err(f) => {
            let _ = writeln!(err, "{}", f.message);
            if let Some(report) = f.report {
                let _ = writeln!(out, "{}", format::element_to_string(&report));
            }
            f.code
        }
    }
}

fn execute(
    opts: &Options,
    cib_file: Option<&str>,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let Some(command) = opts.command else {
        let _ = out.write_all(USAGE.as_bytes());
        return Err(Failure::new(ExitCode::Usage, "cibadmin: no command given"));
    };
    match command {
        Command::Md5Sum => {
            let input = read_input(opts, stdin)?.ok_or_else(|| {
                Failure::new(
                    ExitCode::Usage,
                    "Please supply XML to process with -X, -x or -p",
                )
            })?;
            let _ = write!(err, "Digest: ");
            let _ = writeln!(out, "{}", digest::digest(&input));
            return Ok(());
        }
        Command::Empty => {
            let _ = writeln!(out, "{}", format::element_to_string(&empty_cib()));
            return Ok(());
        }
        Command::Md5SumVersioned => {
            let input = read_input(opts, stdin)?.ok_or_else(|| {
                Failure::new(
                    ExitCode::Usage,
                    "Please supply XML to process with -X, -x or -p",
                )
            })?;
            let version = input.attr("crm_feature_set").unwrap_or("(null)");
            let _ = write!(err, "Versioned ({version}) digest: ");
            let _ = writeln!(out, "{}", digest::versioned_digest(&input));
            return Ok(());
        }
        _ => {}
    }
    let Some(path) = cib_file else {
        return execute_live(command, opts, stdin, out, err);
    };
    // Held from the read to the rename, so concurrent writers never lose each other's edits.
    let _lock = if command == Command::Query {
        None
    } else {
        Some(
            crate::cib_access::lock_cib_file(Path::new(path)).map_err(|e| {
                Failure::new(
                    ExitCode::CantCreat,
                    format!("cibadmin: could not lock {path}: {e}"),
                )
            })?,
        )
    };
    let original = std::fs::read(path).map_err(|_| {
        Failure::new(
            ExitCode::NoSuch,
            "Could not connect to the CIB: No such device or address\nInit failed, could not perform requested operations",
        )
    })?;
    let doc = std::str::from_utf8(&original)
        .ok()
        .and_then(|t| {
            Document::parse(t)
                .inspect_err(|e| {
                    if e.exceeds_limit || opts.verbosity > 0 {
                        let _ = writeln!(err, "cibadmin: {path}: {e}");
                    }
                })
                .ok()
        })
        .ok_or_else(|| {
            Failure::new(
                ExitCode::Config,
                "Could not connect to the CIB: Update does not conform to the configured schema\nInit failed, could not perform requested operations",
            )
        })?;
    if command == Command::Query {
        return query(opts, &doc.root, out);
    }
    let mut cib = doc.root.clone();
    edit_cib(command, opts, &mut cib, stdin, err)?;
    if cib == doc.root {
        return Ok(());
    }
    // A CIB the typed model can not read would be refused by Pacemaker's schema check;
    // refuse edits that break one that reads today.
    if model::Cib::from_element(&doc.root).is_ok() {
        if let Err(e) = model::Cib::from_element(&cib) {
            if opts.verbosity > 0 {
                let _ = writeln!(err, "cibadmin: {e}");
            }
            return Err(Failure::call_failed(
                ExitCode::Config,
                "Update does not conform to the configured schema",
            ));
        }
    }
    if let Err(e) = cib::limits::check_result(&doc.root, &cib) {
        return Err(Failure::new(
            ExitCode::DataErr,
            format!("cibadmin: update refused: {e}"),
        ));
    }
    // As Pacemaker's file backend does, a CIB without a schema is written as `none`.
    if cib.attr("validate-with").is_none() {
        cib.set_attr("validate-with", "none");
    }
    let text = format::document_to_string(&Document {
        prolog: doc.prolog.clone(),
        root: cib,
    });
    store::write_atomic(Path::new(path), text.as_bytes()).map_err(|e| {
        Failure::new(
            ExitCode::CantCreat,
            format!("cibadmin: could not write {path}: {e}"),
        )
    })
}

/// The same commands against the running cluster: read from the local replica, edit a copy,
/// send the difference to the DC, which checks it and answers.
fn execute_live(
    command: Command,
    opts: &Options,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    use crate::cib_access::{CibAccess, LiveCib};
    let not_connected = || {
        Failure::new(
            ExitCode::Disconnect,
            "Could not connect to the CIB: Transport endpoint is not connected\nInit failed, could not perform requested operations",
        )
    };
    let mut live = LiveCib::connect().map_err(|_| not_connected())?;
    let current = live.query().map_err(|_| not_connected())?;
    if command == Command::Query {
        return query(opts, &current, out);
    }
    let mut cib = current.clone();
    edit_cib(command, opts, &mut cib, stdin, err)?;
    if cib == current {
        return Ok(());
    }
    let op = format!("cib_{}", format!("{command:?}").to_lowercase());
    live.commit(&current, cib).map_err(|e| {
        let code = e.exit_code();
        match e {
            // Pacemaker's wording for an update its checks refuse, then why.
            crate::cib_access::AccessError::Refused { message, .. } if code == ExitCode::Config => {
                Failure::new(
                    code,
                    format!("Call {op} failed (-203): Update does not conform to the configured schema\n{message}"),
                )
            }
            other => Failure::new(code, format!("Call {op} failed: {other}")),
        }
    })
}

fn query(opts: &Options, cib: &Element, out: &mut dyn Write) -> Result<(), Failure> {
    let no_such = || Failure::call_failed(ExitCode::NoSuch, "No such device or address");
    let shown = |e: &Element| {
        if opts.no_children {
            let mut bare = Element::new(e.name.clone());
            bare.attrs = e.attrs.clone();
            bare
        } else {
            e.clone()
        }
    };
    if let Some(expr) = &opts.xpath {
        let compiled = xpath::XPath::parse(expr).map_err(|_| no_such())?;
        let paths = compiled.select(cib);
        if paths.is_empty() {
            return Err(no_such());
        }
        if opts.node_path {
            for p in &paths {
                let _ = writeln!(out, "{}", patch::path_string(cib, p));
            }
            return Ok(());
        }
        let hits: Vec<Element> = paths
            .iter()
            .map(|p| shown(xpath::get(cib, p).expect("selected")))
            .collect();
        let result = if hits.len() == 1 {
            hits.into_iter().next().expect("one")
        } else {
            let mut wrapper = Element::new("xpath-query");
            wrapper.children = hits.into_iter().map(cib::Node::Element).collect();
            wrapper
        };
        let _ = writeln!(out, "{}", format::element_to_string(&result));
        return Ok(());
    }
    let section = edit::find_section(cib, opts.scope.as_deref()).ok_or_else(no_such)?;
    let _ = writeln!(out, "{}", format::element_to_string(&shown(section)));
    Ok(())
}

fn edit_cib(
    command: Command,
    opts: &Options,
    cib: &mut Element,
    stdin: &mut dyn Read,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let before = cib.clone();
    let scope = opts.scope.as_deref();
    let needs_input = || -> Result<Element, Failure> {
        Err(Failure::call_failed(ExitCode::Software, "Invalid argument"))
    };
    match command {
        Command::Upgrade => {
            if !opts.force {
                return Err(Failure::new(ExitCode::Unsafe, DANGEROUS));
            }
            // The versions change as Pacemaker changes them, not as an edit would.
            return upgrade(cib);
        }
        Command::Erase => {
            if !opts.force {
                return Err(Failure::new(ExitCode::Unsafe, DANGEROUS));
            }
            edit::erase(cib);
            // Pacemaker starts the erased CIB from its empty skeleton's attributes.
            for (k, v) in [("validate-with", "none"), ("crm_feature_set", "3.16.1")] {
                if cib.attr(k).is_none() {
                    cib.attrs.insert(0, (k.to_string(), v.to_string()));
                }
            }
            let v = CibVersion::from_element(cib);
            CibVersion {
                admin_epoch: v.admin_epoch + 1,
                ..v
            }
            .write_to(cib);
        }
        Command::Bump => {
            edit::modify(
                cib,
                None,
                &Element::new("cib").with_attr("epoch", "epoch++"),
                false,
            )?;
        }
        Command::Patch => {
            let diff = match read_input(opts, stdin)? {
                Some(d) => d,
                None => needs_input()?,
            };
            apply_patch(&diff, cib)?;
        }
        Command::Delete if opts.xpath.is_some() => {
            if opts.delete_all && !opts.force {
                return Err(Failure::new(ExitCode::Unsafe, DANGEROUS));
            }
            let expr = opts.xpath.as_deref().expect("checked");
            match edit::delete_xpath(cib, expr, opts.delete_all) {
                Ok(_) => {}
                Err(EditError::XPath(e)) => {
                    let _ = writeln!(err, "cibadmin: warning: {e}; nothing deleted");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Create | Command::Modify | Command::Replace | Command::Delete => {
            let input = match read_input(opts, stdin)? {
                Some(i) => i,
                None => needs_input()?,
            };
            match (command, opts.xpath.as_deref()) {
                (Command::Create, Some(x)) => edit::create_xpath(cib, x, &input)?,
                (Command::Create, None) => edit::create(cib, scope, &input)?,
                (Command::Modify, Some(x)) => {
                    edit::modify_xpath(cib, x, &input)?;
                }
                (Command::Modify, None) => match edit::modify(cib, scope, &input, false) {
                    Err(EditError::NoSuchObject) if opts.allow_create => {
                        edit::modify(cib, scope, &input, true)?;
                        // Pacemaker's change tracking misses what -M -c creates, so it raises
                        // only num_updates; the file must match what it writes.
                        CibVersion::from_element(cib).bump_updates().write_to(cib);
                        return Ok(());
                    }
                    other => other?,
                },
                (Command::Replace, Some(x)) => edit::replace_xpath(cib, x, &input)?,
                (Command::Replace, None) => edit::replace(cib, scope, &input)?,
                (_, _) => {
                    edit::delete(cib, scope, &input)?;
                }
            }
        }
        Command::Query | Command::Md5Sum | Command::Md5SumVersioned | Command::Empty => {
            unreachable!("handled before")
        }
    }
    edit::bump_for_change(&before, cib);
    Ok(())
}

/// The newest schema Pacemaker 2.1.5 knows.
const LATEST_SCHEMA: (u32, u32) = (3, 9);

/// `--upgrade`: a CIB on an older pacemaker-3.x schema moves to the latest one (its content is
/// valid under it unchanged) with admin_epoch raised and epoch restarted, as Pacemaker does;
/// one already there is left alone. Older schemas need Pacemaker's XSL transforms, which
/// heartbeat-rs does not carry.
fn upgrade(cib: &mut Element) -> Result<(), Failure> {
    let current = cib.attr("validate-with").unwrap_or("none").to_string();
    let version = current
        .strip_prefix("pacemaker-")
        .and_then(|v| v.split_once('.'))
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)));
    match version {
        Some(v) if v >= LATEST_SCHEMA => Ok(()),
        Some((3, _)) => {
            let (major, minor) = LATEST_SCHEMA;
            cib.set_attr("validate-with", format!("pacemaker-{major}.{minor}"));
            let v = CibVersion::from_element(cib);
            CibVersion {
                admin_epoch: v.admin_epoch + 1,
                epoch: 1,
                num_updates: v.num_updates,
            }
            .write_to(cib);
            Ok(())
        }
        _ => Err(Failure::new(
            ExitCode::UnimplementFeature,
            format!("cibadmin: upgrading a CIB from {current} needs Pacemaker's XSL transforms, which heartbeat-rs does not carry"),
        )),
    }
}

fn apply_patch(diff: &Element, cib: &mut Element) -> Result<(), Failure> {
    let old = || {
        Failure::call_failed(
            ExitCode::Old,
            "Update was older than existing configuration",
        )
    };
    let failed = || Failure::call_failed(ExitCode::Error, "Application of an update diff failed");
    // v1 and v2 alike, with Pacemaker's version rules.
    match patch::check_version(diff, cib) {
        Err(patch::PatchError::Old { .. }) => return Err(old()),
        Err(_) => return Err(failed()),
        Ok(()) => {}
    }
    patch::apply_unchecked(diff, cib).map_err(|_| failed())
}

fn read_input(opts: &Options, stdin: &mut dyn Read) -> Result<Option<Element>, Failure> {
    let (text, origin) = match &opts.input {
        None => return Ok(None),
        Some(XmlSource::Text(t)) => (Some(t.clone()), "input string".to_string()),
        // Bounded read; `.bz2` files are decompressed, as Pacemaker's reader does.
        Some(XmlSource::File(f)) => (
            cib::series::read_text(Path::new(f), &cib::xml::Limits::default())
                .inspect_err(|e| {
                    if matches!(e, cib::series::ReadError::TooLarge { .. }) {
                        eprintln!("cibadmin: {e}");
                    }
                })
                .ok(),
            f.clone(),
        ),
        Some(XmlSource::Pipe) => {
            let mut s = String::new();
            (
                stdin.read_to_string(&mut s).ok().map(|_| s),
                "STDIN".to_string(),
            )
        }
    };
    text.and_then(|t| {
        Document::parse(&t)
            .inspect_err(|e| {
                // Pacemaker's cibadmin prints only that the input did not parse; ours also says
                // which limit it broke.
                if e.exceeds_limit || opts.verbosity > 0 {
                    eprintln!("cibadmin: {origin}: {e}");
                }
            })
            .ok()
    })
    .map(|d| Some(d.root))
    .ok_or_else(|| {
        Failure::new(
            ExitCode::Config,
            format!("Couldn't parse input from {origin}."),
        )
    })
}

/// The skeleton `cibadmin --empty` prints.
pub fn empty_cib() -> Element {
    let mut conf = Element::new("configuration");
    for s in ["crm_config", "nodes", "resources", "constraints"] {
        conf = conf.with_child(Element::new(s));
    }
    Element::new("cib")
        .with_attr("crm_feature_set", "3.16.1")
        .with_attr("validate-with", "pacemaker-3.9")
        .with_attr("epoch", "1")
        .with_attr("num_updates", "0")
        .with_attr("admin_epoch", "0")
        .with_child(conf)
        .with_child(Element::new("status"))
}
