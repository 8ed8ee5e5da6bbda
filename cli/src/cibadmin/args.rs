//! Command-line parsing for `cibadmin`, with glib-style short option clusters (`-Ql`,
//! `-oresources`) and `--long=value` / `--long value`.

/// The operation requested; the last one given wins, as in Pacemaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `-Q/--query`
    Query,
    /// `-C/--create`
    Create,
    /// `-M/--modify`
    Modify,
    /// `-R/--replace`
    Replace,
    /// `-D/--delete`
    Delete,
    /// `-E/--erase`
    Erase,
    /// `-B/--bump`
    Bump,
    /// `-P/--patch`
    Patch,
    /// `-5/--md5-sum`
    Md5Sum,
    /// `-6/--md5-sum-versioned`
    Md5SumVersioned,
    /// `-a/--empty`
    Empty,
    /// `-u/--upgrade`
    Upgrade,
}

/// Where the input XML comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlSource {
    /// `-X/--xml-text`
    Text(String),
    /// `-x/--xml-file`
    File(String),
    /// `-p/--xml-pipe`
    Pipe,
}

/// Parsed options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The operation.
    pub command: Option<Command>,
    /// `-o/--scope`
    pub scope: Option<String>,
    /// `-A/--xpath`
    pub xpath: Option<String>,
    /// `-X`, `-x` or `-p`
    pub input: Option<XmlSource>,
    /// `-n/--no-children`
    pub no_children: bool,
    /// `-c/--allow-create`
    pub allow_create: bool,
    /// `-d/--delete-all`
    pub delete_all: bool,
    /// `-f/--force`
    pub force: bool,
    /// `-e/--node-path`
    pub node_path: bool,
    /// `-V` count
    pub verbosity: u32,
}

/// Why the options can not be used (or a request for help).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// `-?/--help`
    Help,
    /// `-$/--version`
    Version,
    /// An unknown option or a missing value.
    Invalid(String),
}

/// The options: (short, long, takes a value).
const OPTIONS: &[(char, &str, bool)] = &[
    ('?', "help", false),
    ('$', "version", false),
    ('V', "verbose", false),
    ('u', "upgrade", false),
    ('Q', "query", false),
    ('E', "erase", false),
    ('B', "bump", false),
    ('C', "create", false),
    ('M', "modify", false),
    ('P', "patch", false),
    ('R', "replace", false),
    ('D', "delete", false),
    ('d', "delete-all", false),
    ('a', "empty", false),
    ('5', "md5-sum", false),
    ('6', "md5-sum-versioned", false),
    ('f', "force", false),
    ('t', "timeout", true),
    ('U', "user", true),
    ('s', "sync-call", false),
    ('l', "local", false),
    ('c', "allow-create", false),
    ('n', "no-children", false),
    ('X', "xml-text", true),
    ('x', "xml-file", true),
    ('p', "xml-pipe", false),
    ('o', "scope", true),
    ('A', "xpath", true),
    ('e', "node-path", false),
    ('N', "node", true),
    ('S', "show-access", false),
];

/// Parses the arguments (without the program name).
pub fn parse_args(args: &[String]) -> Result<Options, UsageError> {
    let mut opts = Options::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            // show-access takes an optional value only in the --x=y form.
            let &(short, _, takes) = OPTIONS
                .iter()
                .find(|(_, l, _)| *l == name)
                .ok_or_else(|| UsageError::Invalid(format!("unrecognized option '--{name}'")))?;
            let value = if takes {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        let v = args.get(i).cloned().ok_or_else(|| {
                            UsageError::Invalid(format!("option '--{name}' requires an argument"))
                        })?;
                        i += 1;
                        Some(v)
                    }
                }
            } else {
                None
            };
            apply(&mut opts, short, value)?;
        } else if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) {
            let chars: Vec<char> = cluster.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                let &(short, _, takes) = OPTIONS
                    .iter()
                    .find(|(s, _, _)| *s == c)
                    .ok_or_else(|| UsageError::Invalid(format!("invalid option -- '{c}'")))?;
                let value = if takes {
                    let rest: String = chars[k..].iter().collect();
                    k = chars.len();
                    if rest.is_empty() {
                        let v = args.get(i).cloned().ok_or_else(|| {
                            UsageError::Invalid(format!("option requires an argument -- '{c}'"))
                        })?;
                        i += 1;
                        Some(v)
                    } else {
                        Some(rest)
                    }
                } else {
                    None
                };
                apply(&mut opts, short, value)?;
            }
        } else {
            return Err(UsageError::Invalid(format!("unexpected argument '{arg}'")));
        }
    }
    Ok(opts)
}

fn apply(opts: &mut Options, short: char, value: Option<String>) -> Result<(), UsageError> {
    let command = |c| Some(c);
    match short {
        '?' => return Err(UsageError::Help),
        '$' => return Err(UsageError::Version),
        'V' => opts.verbosity += 1,
        'u' => opts.command = command(Command::Upgrade),
        'Q' => opts.command = command(Command::Query),
        'E' => opts.command = command(Command::Erase),
        'B' => opts.command = command(Command::Bump),
        'C' => opts.command = command(Command::Create),
        'M' => opts.command = command(Command::Modify),
        'P' => opts.command = command(Command::Patch),
        'R' => opts.command = command(Command::Replace),
        'D' => opts.command = command(Command::Delete),
        'a' => opts.command = command(Command::Empty),
        '5' => opts.command = command(Command::Md5Sum),
        '6' => opts.command = command(Command::Md5SumVersioned),
        'd' => opts.delete_all = true,
        'f' => opts.force = true,
        'c' => opts.allow_create = true,
        'n' => opts.no_children = true,
        'e' => opts.node_path = true,
        'X' => opts.input = value.map(XmlSource::Text),
        'x' => opts.input = value.map(XmlSource::File),
        'p' => opts.input = Some(XmlSource::Pipe),
        'o' => opts.scope = value,
        'A' => opts.xpath = value,
        // Accepted for compatibility; meaningless offline.
        't' | 'U' | 's' | 'l' | 'N' | 'S' => {}
        other => return Err(UsageError::Invalid(format!("invalid option -- '{other}'"))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[&str]) -> Result<Options, UsageError> {
        parse_args(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn clusters_values_and_long_forms() {
        let o = parse(&["-Ql", "-oresources", "--xpath=//p", "-n"]).unwrap();
        assert_eq!(o.command, Some(Command::Query));
        assert_eq!(o.scope.as_deref(), Some("resources"));
        assert_eq!(o.xpath.as_deref(), Some("//p"));
        assert!(o.no_children);
        let o = parse(&["-C", "-o", "resources", "--xml-text", "<p/>"]).unwrap();
        assert_eq!(o.input, Some(XmlSource::Text("<p/>".into())));
        let o = parse(&["-D", "-dfA", "//x"]).unwrap();
        assert!(o.delete_all && o.force);
        assert_eq!(o.xpath.as_deref(), Some("//x"));
        assert_eq!(
            parse(&["--bogus"]),
            Err(UsageError::Invalid("unrecognized option '--bogus'".into()))
        );
        assert!(matches!(parse(&["-o"]), Err(UsageError::Invalid(_))));
        assert_eq!(parse(&["-?"]), Err(UsageError::Help));
    }
}
