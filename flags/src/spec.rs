//! A tool's declaration of its options.

/// Which option parser the original tool used, which decides abbreviations, error texts and
/// when help and version act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// GLib's `GOptionContext` behind Pacemaker's `pcmk__cmdline_preproc`.
    Glib,
    /// glibc's `getopt_long` (Pacemaker's older tools, Heartbeat's tools).
    Getopt,
}

/// Whether an option is followed by a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// A flag.
    Nothing,
    /// Always a value (the next argument even if it starts with `-`).
    Value,
    /// A value joined to it (`--opt=V`, `-oV`), or with GLib also the next argument unless that
    /// starts with `-`.
    Optional,
}

/// One option: the name the tool matches on, its short letter, whether `--name` is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt {
    /// The long name, and the name [`crate::Given::Opt`] reports.
    pub name: &'static str,
    /// The short letter, if any.
    pub short: Option<char>,
    /// Whether `--name` is accepted (false for a short-only alias of another option).
    pub long: bool,
    /// Whether a value follows.
    pub takes: Takes,
}

impl Opt {
    /// `-c` / `--name`, a flag.
    pub const fn flag(short: char, name: &'static str) -> Opt {
        Opt {
            name,
            short: Some(short),
            long: true,
            takes: Takes::Nothing,
        }
    }

    /// `-o V` / `--name=V`.
    pub const fn value(short: char, name: &'static str) -> Opt {
        Opt {
            takes: Takes::Value,
            ..Opt::flag(short, name)
        }
    }

    /// `--name` only, a flag.
    pub const fn long_flag(name: &'static str) -> Opt {
        Opt {
            name,
            short: None,
            long: true,
            takes: Takes::Nothing,
        }
    }

    /// `--name=V` only.
    pub const fn long_value(name: &'static str) -> Opt {
        Opt {
            takes: Takes::Value,
            ..Opt::long_flag(name)
        }
    }

    /// `-h` as help, for tools whose originals have it (heartbeat, ccm, lrmd, ...).
    pub const HELP_H: Opt = Opt::flag('h', "help").short_only();

    /// `-V` as the version (Heartbeat's daemons), not GLib's `--verbose`.
    pub const VERSION_V: Opt = Opt::flag('V', "version").short_only();

    /// The same option with an optional value.
    pub const fn optional(self) -> Opt {
        Opt {
            takes: Takes::Optional,
            ..self
        }
    }

    /// The same option reachable only by its short letter (an alias reported under `name`).
    pub const fn short_only(self) -> Opt {
        Opt {
            long: false,
            ..self
        }
    }
}

/// Everything the layer needs to know about one tool.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The program name errors start with.
    pub tool: &'static str,
    /// The original's parser.
    pub dialect: Dialect,
    /// The tool's own options (help and version are added by the layer unless declared).
    pub options: &'static [Opt],
    /// `--help-GROUP` names GLib accepts besides `--help-all`.
    pub help_groups: &'static [&'static str],
    /// What help prints on standard output.
    pub help: &'static str,
    /// What `--version` prints on standard output.
    pub version: &'static str,
}

impl Spec {
    pub(crate) fn by_short(&self, c: char) -> Option<&'static Opt> {
        self.options.iter().find(|o| o.short == Some(c))
    }

    pub(crate) fn by_long(&self, name: &str) -> Option<&'static Opt> {
        self.options.iter().find(|o| o.long && o.name == name)
    }
}
