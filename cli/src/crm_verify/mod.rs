//! `crm_verify`: checks a CIB and reports what Pacemaker would object to.
//!
//! The checks live in [`cib::verify`]; this module reads the input, renders the findings the
//! way Pacemaker 2.1.5 does (schema errors always, scheduler errors at `-V`, warnings at `-VV`)
//! and picks the exit code.

mod args;

pub use args::{options, Options, Source, SPEC};

use crate::exit::ExitCode;
use cib::verify::{verify_text, Check, Severity, Verification};
use std::io::{Read, Write};

const USAGE: &str = "\
Usage:
  crm_verify [OPTION?]

Judge a CIB the way the cluster would: XML syntax, conformance to the schema named by
validate-with, and the configuration problems the scheduler finds while reading it.

Where the CIB comes from (pick one):
  -L, --live-check      the running cluster's CIB (here: the file named by CIB_file)
  -x, --xml-file=FILE   the CIB in FILE
  -X, --xml-text=XML    the CIB given as XML text
  -p, --xml-pipe        the CIB read from standard input

Output:
  -V, --verbose         show errors (-V) and also warnings (-VV)
  -q, --quiet           print nothing; answer only through the exit status
  -h, --help            this text
  -$, --version         print the version

Exit status: 0 valid, 78 errors or warnings found, 64 bad usage,
66 live CIB unavailable, 76 not a complete CIB, 1 input unreadable.
";

/// Where the text came from, for messages.
struct Input {
    text: String,
    /// File name used to prefix schema messages, as libxml2 does.
    file: Option<String>,
}

/// Runs the tool with `args` (without the program name), writing to `err`; returns the exit code.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let opts = match crate::command_line::read(&SPEC, args, out, err) {
        Ok(given) => options(given),
        Err(code) => return code,
    };
    let input = match read_input(&opts.source) {
        Ok(i) => i,
        Err((message, code)) => {
            if !opts.quiet {
                let _ = writeln!(err, "crm_verify: {message}");
            }
            return code;
        }
    };
    #[allow(unused_mut)]
    let mut result = verify_text(&input.text);
    #[cfg(feature = "stonith-tools")]
    if opts.source == Source::Live {
        missing_fence_agents(&input.text, &mut result);
    }
    if result
        .diagnostics
        .iter()
        .any(|d| d.check == Check::NoDocument)
    {
        if !opts.quiet {
            let what = match &opts.source {
                Source::File(path) => format!("input file: {path}"),
                Source::Text(text) => format!("input string: {text}"),
                Source::Live => "input file: CIB_file".into(),
                Source::Pipe | Source::None => "input from STDIN.".into(),
            };
            let _ = writeln!(err, "crm_verify: Couldn't parse {what}");
        }
        return ExitCode::Error;
    }
    if let Some(d) = result.diagnostics.iter().find(|d| d.check == Check::NotCib) {
        if !opts.quiet {
            let _ = writeln!(err, "crm_verify: {}", d.message);
        }
        return ExitCode::Protocol;
    }
    if !opts.quiet {
        render(&result, &input, opts.verbosity, err);
    }
    if result.is_valid() {
        ExitCode::Ok
    } else {
        ExitCode::Config
    }
}

fn read_input(source: &Source) -> Result<Input, (String, ExitCode)> {
    match source {
        Source::None => Err((
            "No configuration source specified.  Use --help for usage information.".into(),
            ExitCode::Error,
        )),
        // Bounded read; `.bz2` files are decompressed, as Pacemaker's reader does.
        Source::File(path) => {
            cib::series::read_text(std::path::Path::new(path), &cib::xml::Limits::default())
                .map(|text| Input {
                    text,
                    file: Some(path.clone()),
                })
                .map_err(|_| {
                    (
                        format!("Couldn't parse input file: {path}"),
                        ExitCode::Error,
                    )
                })
        }
        Source::Text(text) => Ok(Input {
            text: text.clone(),
            file: None,
        }),
        Source::Pipe => {
            let mut text = String::new();
            match std::io::stdin().read_to_string(&mut text) {
                Ok(_) if !text.trim().is_empty() => Ok(Input { text, file: None }),
                _ => Err(("Couldn't parse input from STDIN.".into(), ExitCode::Error)),
            }
        }
        // Without a cluster connection the live CIB can only come from CIB_file.
        Source::Live => match std::env::var("CIB_file") {
            Ok(path) => std::fs::read_to_string(&path)
                .map(|text| Input {
                    text,
                    file: Some(path),
                })
                .map_err(|_| {
                    (
                        "CIB query failed: Input file not available".into(),
                        ExitCode::NoInput,
                    )
                }),
            // The running cluster, through the local crmd.
            Err(_) => {
                use crate::cib_access::CibAccess;
                crate::cib_access::LiveCib::connect()
                    .and_then(|mut live| live.query())
                    .map(|cib| Input {
                        text: cib.to_xml(),
                        file: None,
                    })
                    // No cluster here: what Pacemaker's tool says without one.
                    .map_err(|_| {
                        (
                            "CIB query failed: Input file not available".into(),
                            ExitCode::NoInput,
                        )
                    })
            }
        },
    }
}

/// Fencing devices whose agent is not installed here can never fence: an error, named. Only
/// for the cluster's own configuration (`-L`): a file may come from a machine with other agents.
#[cfg(feature = "stonith-tools")]
fn missing_fence_agents(text: &str, result: &mut Verification) {
    let Ok(cib) = cib::xml::parse_element(text) else {
        return;
    };
    let Some(resources) = cib
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return;
    };
    for p in resources.descendants() {
        if p.name != "primitive" || p.attr("class") != Some("stonith") {
            continue;
        }
        let agent = p.attr("type").unwrap_or("");
        if agent == stonithd::fence::MEATWARE || stonithd::agent::find(agent).is_some() {
            continue;
        }
        result.diagnostics.push(cib::verify::Diagnostic::at(
            Severity::Error,
            Check::Fencing,
            "unpack_resources",
            p,
            format!(
                "Fencing device {} uses agent {agent}, which is not installed (line {})",
                p.id().unwrap_or("(no id)"),
                p.line
            ),
        ));
    }
}

/// Writes the findings as Pacemaker does, then the one-line verdict.
fn render(result: &Verification, input: &Input, verbosity: u8, err: &mut dyn Write) {
    // libxml2 prefixes "file:line: " when it knows both.
    let prefix = |line: usize| match &input.file {
        Some(f) if line > 0 => format!("{f}:{line}: "),
        _ => String::new(),
    };
    for d in &result.diagnostics {
        let text = match (d.check, d.origin) {
            // The XML parser and the schema validator print unconditionally.
            // libxml2 logs what it repaired; Pacemaker shows that at -V.
            (Check::WellFormed, _) if d.severity == Severity::Recovered => {
                if verbosity < 1 {
                    continue;
                }
                let at = input.file.as_ref().map(|f| format!("{f}:{}: ", d.line));
                format!(
                    "({}) \terror: XML Error: {}{}",
                    d.origin,
                    at.unwrap_or_default(),
                    d.message
                )
            }
            (Check::WellFormed, _) | (_, "validate") => format!("{}{}", prefix(d.line), d.message),
            _ => {
                let needed = if d.severity == Severity::Error { 1 } else { 2 };
                if verbosity < needed {
                    continue;
                }
                let level = if d.severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                };
                format!("({}) \t{level}: {}", d.origin, d.message)
            }
        };
        let _ = writeln!(err, "{text}");
    }
    if matches!(
        result.schema,
        Some(cib::verify::SchemaChoice::Disabled | cib::verify::SchemaChoice::Missing)
    ) {
        let _ = writeln!(
            err,
            "Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)"
        );
    }
    if result.has_errors() {
        let _ = writeln!(
            err,
            "crm_verify: Errors found during check: config not valid"
        );
    } else if result.has_warnings() {
        let _ = writeln!(
            err,
            "crm_verify: Warnings found during check: config may not be valid"
        );
    } else {
        return;
    }
    if verbosity == 0 {
        let _ = writeln!(err, "-V may provide more details");
    }
}
