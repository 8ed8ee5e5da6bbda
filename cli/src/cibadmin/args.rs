//! `cibadmin`'s command line (getopt_long in Pacemaker 2.1.5: clusters such as `-Ql`,
//! `-oresources`, `--long=value` / `--long value`, unique abbreviations), read by the flags layer.

use flags::{Dialect, Given, Opt, Spec};

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

/// The command line `cibadmin` accepts: Pacemaker 2.1.5's cibadmin still uses getopt_long, in
/// this order (which decides how an ambiguous abbreviation is reported).
pub const SPEC: Spec = Spec {
    tool: "cibadmin",
    dialect: Dialect::Getopt,
    options: &[
        Opt::flag('V', "verbose"),
        Opt::flag('u', "upgrade"),
        Opt::flag('Q', "query"),
        Opt::flag('E', "erase"),
        Opt::flag('B', "bump"),
        Opt::flag('C', "create"),
        Opt::flag('M', "modify"),
        Opt::flag('P', "patch"),
        Opt::flag('R', "replace"),
        Opt::flag('D', "delete"),
        Opt::flag('d', "delete-all"),
        Opt::flag('a', "empty"),
        Opt::flag('5', "md5-sum"),
        Opt::flag('6', "md5-sum-versioned"),
        Opt::flag('S', "show-access").optional(),
        Opt::flag('f', "force"),
        Opt::value('t', "timeout"),
        Opt::value('U', "user"),
        Opt::flag('s', "sync-call"),
        Opt::flag('l', "local"),
        Opt::flag('c', "allow-create"),
        Opt::flag('n', "no-children"),
        Opt::value('X', "xml-text"),
        Opt::value('x', "xml-file"),
        Opt::flag('p', "xml-pipe"),
        Opt::value('o', "scope"),
        Opt::value('A', "xpath"),
        Opt::flag('e', "node-path"),
        Opt::value('N', "node"),
    ],
    help_groups: &[],
    help: super::USAGE,
    version: crate::version::BANNER,
};

/// The options given, in order (the last command wins, as in Pacemaker); `None` when a word
/// that is no option was given, which the original answers with its usage.
pub fn options(given: Vec<Given>) -> Option<Options> {
    let mut opts = Options::default();
    for g in given {
        let Given::Opt { name, value } = g else {
            return None;
        };
        let command = |c| Some(c);
        match name {
            "verbose" => opts.verbosity += 1,
            "upgrade" => opts.command = command(Command::Upgrade),
            "query" => opts.command = command(Command::Query),
            "erase" => opts.command = command(Command::Erase),
            "bump" => opts.command = command(Command::Bump),
            "create" => opts.command = command(Command::Create),
            "modify" => opts.command = command(Command::Modify),
            "patch" => opts.command = command(Command::Patch),
            "replace" => opts.command = command(Command::Replace),
            "delete" => opts.command = command(Command::Delete),
            "empty" => opts.command = command(Command::Empty),
            "md5-sum" => opts.command = command(Command::Md5Sum),
            "md5-sum-versioned" => opts.command = command(Command::Md5SumVersioned),
            "delete-all" => opts.delete_all = true,
            "force" => opts.force = true,
            "allow-create" => opts.allow_create = true,
            "no-children" => opts.no_children = true,
            "node-path" => opts.node_path = true,
            "xml-text" => opts.input = value.map(XmlSource::Text),
            "xml-file" => opts.input = value.map(XmlSource::File),
            "xml-pipe" => opts.input = Some(XmlSource::Pipe),
            "scope" => opts.scope = value,
            "xpath" => opts.xpath = value,
            // Accepted for compatibility; meaningless offline.
            _ => {}
        }
    }
    Some(opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flags::{FlagError, HelpKind, Stop};

    fn parse(s: &[&str]) -> Result<Options, Stop> {
        let given = flags::parse(&SPEC, &s.iter().map(|x| x.to_string()).collect::<Vec<_>>())?;
        Ok(options(given).expect("no stray words"))
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
            parse(&["--bogus"]).unwrap_err(),
            Stop::Usage(FlagError::UnrecognizedLong("--bogus".into()))
        );
        assert_eq!(
            parse(&["-o"]).unwrap_err(),
            Stop::Usage(FlagError::ShortNeedsValue('o'))
        );
        assert_eq!(parse(&["-?"]).unwrap_err(), Stop::Help(HelpKind::Brief));
    }
}
