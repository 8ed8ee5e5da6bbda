//! `crm_diff`: compare two XML documents into a patch, or apply a patch, as Pacemaker 2.1.5's.
//!
//! Writing a patch exits 1 (differences found) after printing it, 0 when there is nothing to
//! write. The format follows the original's `crm_feature_set` (v1 up to 3.0.8 or when missing,
//! else v2: [`cib::patch::diff_for`]). `--no-version` makes the versions equal first and strips
//! them from the patch, which is how crmsh commits its changes.

use crate::exit::ExitCode;
use crate::version::BANNER;
use cib::patch::{self, v1, PatchError};
use cib::{digest, format, Document, Element};
use flags::{Dialect, Given, Opt, Spec};
use std::io::{Read, Write};

const USAGE: &str = "Usage:
  crm_diff [OPTION?]

Compare two Pacemaker configurations (in XML format) to produce a custom diff-like output, or apply such an output as a patch

Help Options:
  -h, --help                       Show help options

Original XML:
  -o, --original=FILE              XML is contained in the named file
  -O, --original-string=STRING     XML is contained in the supplied string

Operation:
  -n, --new=FILE                   Compare the original XML to the contents of the named file
  -N, --new-string=STRING          Compare the original XML with the contents of the supplied string
  -p, --patch=FILE                 Patch the original XML with the contents of the named file

Additional Options:
  -c, --cib                        Compare/patch the inputs as a CIB (includes versions details)
  -s, --stdin                      
  -u, --no-version                 Generate the difference without versions details

Application Options:
  -$, --version                    Display software version and exit
  -V, --verbose                    Increase debug output (may be specified multiple times)
";

/// Where one of the two documents comes from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    File(String),
    Text(String),
}

#[derive(Debug, Default)]
struct Options {
    original: Option<Source>,
    second: Option<Source>,
    apply: bool,
    as_cib: bool,
    no_version: bool,
    use_stdin: bool,
}

/// Runs `crm_diff` with `args` (without the program name).
pub fn run(
    args: &[String],
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let opts = match crate::command_line::read(&SPEC, args, out, err) {
        Ok(given) => options(given),
        Err(code) => return code,
    };
    if opts.apply && opts.no_version {
        let _ = writeln!(err, "warning: -u/--no-version ignored with -p/--patch");
    } else if opts.as_cib && opts.no_version {
        let _ = writeln!(err, "error: -u/--no-version incompatible with -c/--cib");
        return ExitCode::Usage;
    }
    let mut stdin_text: Option<String> = None;
    let mut load = |src: &Option<Source>, prompt: &str, err: &mut dyn Write| -> Option<Element> {
        let text = match src {
            Some(Source::Text(t)) => Some(t.clone()),
            _ if opts.use_stdin => {
                let _ = write!(err, "{prompt}");
                read_stdin(stdin, &mut stdin_text)
            }
            Some(Source::File(f)) if f == "-" => read_stdin(stdin, &mut stdin_text),
            Some(Source::File(f)) => std::fs::read_to_string(f).ok(),
            None => None,
        };
        text.and_then(|t| Document::parse(&t).ok()).map(|d| d.root)
    };
    let Some(first) = load(&opts.original, "Input first XML fragment:", err) else {
        let _ = writeln!(err, "Could not parse the first XML fragment");
        return ExitCode::DataErr;
    };
    let Some(second) = load(&opts.second, "Input second XML fragment:", err) else {
        let _ = writeln!(err, "Could not parse the second XML fragment");
        return ExitCode::DataErr;
    };
    if opts.apply {
        apply(first, &second, opts.as_cib, out, err)
    } else {
        generate(&first, second, opts.as_cib, opts.no_version, out)
    }
}

/// Standard input is read once; with `--stdin` both documents come from it in turn, which
/// leaves the second empty (as the original behaves for one piped document).
fn read_stdin(stdin: &mut dyn Read, cache: &mut Option<String>) -> Option<String> {
    if cache.is_some() {
        return Some(String::new());
    }
    let mut s = String::new();
    stdin.read_to_string(&mut s).ok()?;
    *cache = Some(s.clone());
    Some(s)
}

fn generate(
    old: &Element,
    mut new: Element,
    as_cib: bool,
    no_version: bool,
    out: &mut dyn Write,
) -> ExitCode {
    const VERSION_ATTRS: [&str; 3] = ["admin_epoch", "epoch", "num_updates"];
    if no_version {
        for k in VERSION_ATTRS {
            if let Some(v) = old.attr(k) {
                new.set_attr(k, v);
            }
        }
    }
    let digest = digest::versioned_digest_as(&new, old.attr("crm_feature_set"));
    let original_new = as_cib.then(|| new.clone());
    if as_cib {
        ignore_attribute_moves(old, &mut new);
    }
    let Some(mut diff) = patch::diff_for(old, &new) else {
        return ExitCode::Ok;
    };
    if let Some(original) = &original_new {
        restore_result_order(&mut diff, original);
    }
    let v1 = diff.attr("format") == Some("1");
    if v1 || as_cib {
        diff.set_attr("digest", digest);
    }
    if !as_cib && no_version {
        if v1 {
            v1::strip_versions(&mut diff);
        } else {
            diff.children
                .retain(|n| !matches!(n, cib::Node::Element(e) if e.name == "version"));
        }
    }
    let _ = writeln!(out, "{}", format::element_to_string(&diff));
    ExitCode::Error
}

/// With `--cib` the original compares "significant" changes only, where an attribute that
/// merely changed place is no change: give the elements of `new` the old attribute order
/// (attributes only `new` has last), so only changed values show.
fn ignore_attribute_moves(old: &Element, new: &mut Element) {
    let mut attrs: Vec<(String, String)> = old
        .attrs
        .iter()
        .filter_map(|(k, _)| new.attr(k).map(|v| (k.clone(), v.to_string())))
        .collect();
    for (k, v) in &new.attrs {
        if old.attr(k).is_none() {
            attrs.push((k.clone(), v.clone()));
        }
    }
    new.attrs = attrs;
    for child in new.elements_mut() {
        let twin = old
            .elements()
            .find(|o| o.name == child.name && o.id() == child.id());
        if let Some(twin) = twin {
            ignore_attribute_moves(twin, child);
        }
    }
}

/// A modify's `<change-result>` shows the element as the new document has it.
fn restore_result_order(diff: &mut Element, new: &Element) {
    for change in diff.elements_mut() {
        let Some(path) = change.attr("path").map(str::to_string) else {
            continue;
        };
        let Some(target) = cib::xpath::select(new, &path)
            .ok()
            .and_then(|v| v.first().copied())
        else {
            continue;
        };
        if let Some(result) = change
            .child_mut("change-result")
            .and_then(|r| r.elements_mut().next())
        {
            result.attrs = target.attrs.clone();
        }
    }
}

fn apply(
    mut cib: Element,
    diff: &Element,
    check_version: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let result = if check_version {
        patch::check_version(diff, &cib).and_then(|()| patch::apply_unchecked(diff, &mut cib))
    } else {
        patch::apply_unchecked(diff, &mut cib)
    };
    match result {
        Ok(()) => {
            let _ = writeln!(out, "{}", format::element_to_string(&cib));
            ExitCode::Ok
        }
        Err(e) => {
            let (code, text) = match e {
                PatchError::Old { .. } => (
                    ExitCode::Old,
                    "Update was older than existing configuration",
                ),
                PatchError::Ahead { .. } => (
                    ExitCode::Error,
                    "Application of update diff failed, requesting full refresh",
                ),
                _ => (ExitCode::Error, "Application of update diff failed"),
            };
            let _ = writeln!(err, "Could not apply patch: {text}");
            code
        }
    }
}

const SPEC: Spec = Spec {
    tool: "crm_diff",
    dialect: Dialect::Glib,
    options: &[
        Opt::value('o', "original"),
        Opt::value('O', "original-string"),
        Opt::value('n', "new"),
        Opt::value('N', "new-string"),
        Opt::value('p', "patch"),
        Opt::flag('c', "cib"),
        Opt::flag('s', "stdin"),
        Opt::flag('u', "no-version"),
        Opt::flag('V', "verbose"),
    ],
    help_groups: &[],
    help: USAGE,
    version: BANNER,
};

/// The options in the order given; stray arguments are ignored, as by the original.
fn options(given: Vec<Given>) -> Options {
    let mut o = Options::default();
    for g in given {
        let Given::Opt { name, value } = g else {
            continue;
        };
        let value = value.unwrap_or_default();
        match name {
            "original" => o.original = Some(Source::File(value)),
            "original-string" => o.original = Some(Source::Text(value)),
            "new" => o.second = Some(Source::File(value)),
            "new-string" => o.second = Some(Source::Text(value)),
            "patch" => {
                o.apply = true;
                o.second = Some(Source::File(value));
            }
            "cib" => o.as_cib = true,
            "stdin" => o.use_stdin = true,
            "no-version" => o.no_version = true,
            _ => {}
        }
    }
    o
}
