//! `crm_verify`'s options (Pacemaker 2.1.5's names), read by the flags layer.

use flags::{Dialect, Given, Opt, Spec};

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

/// The command line `crm_verify` accepts.
pub const SPEC: Spec = Spec {
    tool: "crm_verify",
    dialect: Dialect::Glib,
    options: &[
        Opt::flag('L', "live-check"),
        Opt::value('x', "xml-file"),
        Opt::value('X', "xml-text"),
        Opt::flag('p', "xml-pipe"),
        Opt::flag('V', "verbose"),
        Opt::flag('q', "quiet"),
    ],
    help_groups: &[],
    help: super::USAGE,
    version: crate::version::BANNER,
};

/// The options given; the last source wins and stray words are ignored, as by the original.
pub fn options(given: Vec<Given>) -> Options {
    let mut opts = Options {
        source: Source::None,
        verbosity: 0,
        quiet: false,
    };
    for g in given {
        let Given::Opt { name, value } = g else {
            continue;
        };
        let value = value.unwrap_or_default();
        match name {
            "live-check" => opts.source = Source::Live,
            "xml-file" => opts.source = Source::File(value),
            "xml-text" => opts.source = Source::Text(value),
            "xml-pipe" => opts.source = Source::Pipe,
            "verbose" => opts.verbosity = opts.verbosity.saturating_add(1),
            "quiet" => opts.quiet = true,
            _ => {}
        }
    }
    opts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Options {
        let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        options(flags::parse(&SPEC, &args).unwrap())
    }

    #[test]
    fn bundled_short_options_and_values() {
        let o = parse(&["-VVx", "cib.xml"]);
        assert_eq!(o.source, Source::File("cib.xml".into()));
        assert_eq!(o.verbosity, 2);
        let o = parse(&["--xml-text=<cib/>", "-q"]);
        assert_eq!(o.source, Source::Text("<cib/>".into()));
        assert!(o.quiet);
    }
}
