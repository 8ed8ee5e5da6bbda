//! Command-line parsing for `crm_verify` (GLib-style short and long options).

/// Where the CIB comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// No source given.
    None,
    /// `-L`: the live cluster (here: `CIB_file`).
    Live,
    /// `-x FILE`.
    File(String),
    /// `-X TEXT`.
    Text(String),
    /// `-p`: standard input.
    Pipe,
}

/// Parsed options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The input.
    pub source: Source,
    /// Number of `-V`.
    pub verbosity: u8,
    /// `-q`: print nothing.
    pub quiet: bool,
}

/// Why parsing stopped without options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// `--help`.
    Help,
    /// `--version`.
    Version,
    /// A bad option; the message to print.
    Invalid(String),
}

/// Parses the arguments (without the program name).
pub fn parse_args(args: &[String]) -> Result<Options, UsageError> {
    let mut opts = Options {
        source: Source::None,
        verbosity: 0,
        quiet: false,
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let value = |i: &mut usize| -> Result<String, UsageError> {
                if let Some(v) = inline.clone() {
                    return Ok(v);
                }
                let v = args
                    .get(*i)
                    .cloned()
                    .ok_or_else(|| UsageError::Invalid(format!("Missing argument for --{name}")))?;
                *i += 1;
                Ok(v)
            };
            match name {
                "live-check" => opts.source = Source::Live,
                "xml-file" => opts.source = Source::File(value(&mut i)?),
                "xml-text" => opts.source = Source::Text(value(&mut i)?),
                "xml-pipe" => opts.source = Source::Pipe,
                "verbose" => opts.verbosity = opts.verbosity.saturating_add(1),
                "quiet" => opts.quiet = true,
                "help" => return Err(UsageError::Help),
                "version" => return Err(UsageError::Version),
                _ => return Err(UsageError::Invalid(format!("Unknown option --{name}"))),
            }
            continue;
        }
        let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) else {
            return Err(UsageError::Invalid(format!("Unexpected argument {arg}")));
        };
        for (pos, c) in shorts.char_indices() {
            let rest = &shorts[pos + c.len_utf8()..];
            let take_value = |i: &mut usize| -> Result<String, UsageError> {
                if !rest.is_empty() {
                    return Ok(rest.to_string());
                }
                let v = args
                    .get(*i)
                    .cloned()
                    .ok_or_else(|| UsageError::Invalid(format!("Missing argument for -{c}")))?;
                *i += 1;
                Ok(v)
            };
            match c {
                'L' => opts.source = Source::Live,
                'p' => opts.source = Source::Pipe,
                'V' => opts.verbosity = opts.verbosity.saturating_add(1),
                'q' => opts.quiet = true,
                'h' | '?' => return Err(UsageError::Help),
                '$' => return Err(UsageError::Version),
                'x' => {
                    opts.source = Source::File(take_value(&mut i)?);
                    break;
                }
                'X' => {
                    opts.source = Source::Text(take_value(&mut i)?);
                    break;
                }
                _ => return Err(UsageError::Invalid(format!("Unknown option -{c}"))),
            }
        }
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Options, UsageError> {
        parse_args(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn bundled_short_options_and_values() {
        let o = parse(&["-VVx", "cib.xml"]).unwrap();
        assert_eq!(o.source, Source::File("cib.xml".into()));
        assert_eq!(o.verbosity, 2);
        let o = parse(&["--xml-text=<cib/>", "-q"]).unwrap();
        assert_eq!(o.source, Source::Text("<cib/>".into()));
        assert!(o.quiet);
        assert_eq!(
            parse(&["-Z"]),
            Err(UsageError::Invalid("Unknown option -Z".into()))
        );
        assert_eq!(
            parse(&["-x"]),
            Err(UsageError::Invalid("Missing argument for -x".into()))
        );
    }
}
