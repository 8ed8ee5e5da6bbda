//! Reading the arguments against a [`Spec`] with `lexopt`.

use lexopt::{Arg, Parser};

use crate::{Dialect, FlagError, HelpKind, Opt, Spec, Stop, Takes};

/// One thing found on the command line, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// A declared option (under its [`Opt::name`]) and its value, if it takes one and got one.
    Opt {
        /// The option's name.
        name: &'static str,
        /// Its value.
        value: Option<String>,
    },
    /// A word that is not an option (anything after `--`, a lone `-`, ...).
    Arg(String),
}

/// Reads `args` (without the program name). Help (and with getopt the version) stops at
/// once, as the originals exit from inside their parser; a GLib `--version` stops only after
/// the whole line has parsed.
pub fn parse(spec: &Spec, args: &[String]) -> Result<Vec<Given>, Stop> {
    read(spec, args, None)
}

/// [`parse`] for tools that, like Heartbeat's `cl_status`, let getopt complain about an
/// unknown option and go on: those complaints come back beside what was given.
pub fn parse_lenient(spec: &Spec, args: &[String]) -> Result<(Vec<Given>, Vec<FlagError>), Stop> {
    let mut unknown = Vec::new();
    let given = read(spec, args, Some(&mut unknown))?;
    Ok((given, unknown))
}

fn read(
    spec: &Spec,
    args: &[String],
    mut unknown: Option<&mut Vec<FlagError>>,
) -> Result<Vec<Given>, Stop> {
    // An unknown option ends the parse, or is only noted when lenient.
    let mut note = |r: Result<(), Stop>| match (r, unknown.as_deref_mut()) {
        (
            Err(Stop::Usage(
                e @ (FlagError::Unknown(_)
                | FlagError::InvalidShort(_)
                | FlagError::UnrecognizedLong(_)),
            )),
            Some(list),
        ) => {
            list.push(e);
            Ok(())
        }
        (r, _) => r,
    };
    let mut p = Parser::from_args(args);
    // GLib (after Pacemaker's pre-processing) keeps the '=' of `-o=V` in the value.
    p.set_short_equals(false);
    let mut given = Vec::new();
    let mut version = false;
    while let Some(arg) = p.next().map_err(|e| lexopt_error(spec, e))? {
        match arg {
            Arg::Value(v) => given.push(Given::Arg(text(v)?)),
            Arg::Short(c) => match spec.by_short(c) {
                // A tool's own letter for help or the version (`-h`, `-V`) means the same.
                Some(opt) if opt.name == "help" => return Err(Stop::Help(HelpKind::Brief)),
                Some(opt) if opt.name == "version" => builtin_short(spec, '$', &mut version)?,
                Some(opt) => {
                    let value = short_value(spec, &mut p, opt, c)?;
                    given.push(Given::Opt {
                        name: opt.name,
                        value,
                    });
                }
                None => note(builtin_short(spec, c, &mut version))?,
            },
            Arg::Long(name) => {
                let name = name.to_string();
                match resolve_long(spec, &name)? {
                    Some(opt) => {
                        let value = long_value(spec, &mut p, opt)?;
                        given.push(Given::Opt {
                            name: opt.name,
                            value,
                        });
                    }
                    None => note(builtin_long(spec, &mut p, &name, &mut version))?,
                }
            }
        }
    }
    if version {
        return Err(Stop::Version);
    }
    Ok(given)
}

fn text(v: std::ffi::OsString) -> Result<String, FlagError> {
    v.into_string()
        .map_err(|v| FlagError::NotUnicode(v.to_string_lossy().into_owned()))
}

fn lexopt_error(spec: &Spec, e: lexopt::Error) -> Stop {
    // Only reachable with values nobody consumed, which `long_value` always does.
    let text = e.to_string();
    Stop::Usage(match spec.dialect {
        Dialect::Glib => FlagError::Unknown(text),
        Dialect::Getopt => FlagError::Invalid(text),
    })
}

/// The value of short option `c`: the rest of its bundle or the next argument.
fn short_value(spec: &Spec, p: &mut Parser, opt: &Opt, c: char) -> Result<Option<String>, Stop> {
    let missing = || match spec.dialect {
        Dialect::Glib => FlagError::MissingValue(format!("-{c}")),
        Dialect::Getopt => FlagError::ShortNeedsValue(c),
    };
    match opt.takes {
        Takes::Nothing => Ok(None),
        Takes::Value => Ok(Some(text(p.value().map_err(|_| missing())?)?)),
        Takes::Optional => optional_value(spec, p),
    }
}

/// A joined value, or with GLib the next argument unless it looks like an option.
fn optional_value(spec: &Spec, p: &mut Parser) -> Result<Option<String>, Stop> {
    if let Some(v) = p.optional_value() {
        return Ok(Some(text(v)?));
    }
    if spec.dialect == Dialect::Glib {
        let next = p
            .try_raw_args()
            .and_then(|mut raw| raw.next_if(|n| !n.to_string_lossy().starts_with('-')));
        if let Some(v) = next {
            return Ok(Some(text(v)?));
        }
    }
    Ok(None)
}

fn long_value(spec: &Spec, p: &mut Parser, opt: &Opt) -> Result<Option<String>, Stop> {
    match (opt.takes, spec.dialect) {
        // GLib sets a flag whatever follows its `=`.
        (Takes::Nothing, Dialect::Glib) => {
            let _ = p.optional_value();
            Ok(None)
        }
        (Takes::Nothing, Dialect::Getopt) => match p.optional_value() {
            Some(_) => Err(FlagError::LongTakesNoValue(format!("--{}", opt.name)).into()),
            None => Ok(None),
        },
        (Takes::Value, dialect) => match p.value() {
            Ok(v) => Ok(Some(text(v)?)),
            Err(_) => Err(match dialect {
                Dialect::Glib => FlagError::MissingValue(format!("--{}", opt.name)),
                Dialect::Getopt => FlagError::LongNeedsValue(format!("--{}", opt.name)),
            }
            .into()),
        },
        (Takes::Optional, _) => optional_value(spec, p),
    }
}

/// The layer's own long options, which a getopt abbreviation may also name.
const BUILTIN_LONG: [&str; 2] = ["help", "version"];

/// The declared option `--name` means, if any. getopt accepts a unique prefix; GLib does not.
fn resolve_long(spec: &Spec, name: &str) -> Result<Option<&'static Opt>, Stop> {
    if let Some(opt) = spec.by_long(name) {
        return Ok(Some(opt));
    }
    if spec.dialect == Dialect::Glib || BUILTIN_LONG.contains(&name) {
        return Ok(None);
    }
    let mut candidates: Vec<&'static str> = spec
        .options
        .iter()
        .filter(|o| o.long && o.name.starts_with(name))
        .map(|o| o.name)
        .collect();
    candidates.extend(BUILTIN_LONG.iter().filter(|b| b.starts_with(name)));
    candidates.dedup();
    match candidates.as_slice() {
        [] => Ok(None),
        [one] => Ok(spec.by_long(one)),
        _ => Err(FlagError::Ambiguous {
            option: format!("--{name}"),
            candidates,
        }
        .into()),
    }
}

fn builtin_short(spec: &Spec, c: char, version: &mut bool) -> Result<(), Stop> {
    match (c, spec.dialect) {
        ('?', _) => Err(Stop::Help(HelpKind::Brief)),
        // GLib's help takes `-h` when the application does not.
        ('h', Dialect::Glib) => Err(Stop::Help(HelpKind::Brief)),
        ('$', Dialect::Glib) => {
            *version = true;
            Ok(())
        }
        ('$', Dialect::Getopt) => Err(Stop::Version),
        (_, Dialect::Glib) => Err(FlagError::Unknown(format!("-{c}")).into()),
        (_, Dialect::Getopt) => Err(FlagError::InvalidShort(c).into()),
    }
}

fn builtin_long(spec: &Spec, p: &mut Parser, name: &str, version: &mut bool) -> Result<(), Stop> {
    let joined = p.optional_value().map(|v| v.to_string_lossy().into_owned());
    let written = match &joined {
        Some(v) => format!("--{name}={v}"),
        None => format!("--{name}"),
    };
    match spec.dialect {
        Dialect::Glib => {
            // GLib's help options match only exactly; `--version` is an ordinary flag.
            let help = match name {
                "help" => Some(HelpKind::Brief),
                "help-all" => Some(HelpKind::All),
                _ => name
                    .strip_prefix("help-")
                    .and_then(|g| spec.help_groups.iter().find(|h| **h == g))
                    .map(|g| HelpKind::Group(g)),
            };
            match (help, name) {
                (Some(kind), _) if joined.is_none() => Err(Stop::Help(kind)),
                (_, "version") => {
                    *version = true;
                    Ok(())
                }
                _ => Err(FlagError::Unknown(written).into()),
            }
        }
        Dialect::Getopt => {
            let full = BUILTIN_LONG
                .iter()
                .find(|b| b.starts_with(name) && !name.is_empty());
            match (full, joined) {
                (Some(b), Some(_)) => Err(FlagError::LongTakesNoValue(format!("--{b}")).into()),
                (Some(&"help"), None) => Err(Stop::Help(HelpKind::Brief)),
                (Some(_), None) => Err(Stop::Version),
                (None, _) => Err(FlagError::UnrecognizedLong(written).into()),
            }
        }
    }
}
