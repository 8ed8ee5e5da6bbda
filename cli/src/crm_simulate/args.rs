//! crm_simulate's command line (Pacemaker 2.1.5 option names), read by the flags layer.

use flags::{Dialect, Given, Opt, Spec};

/// Parsed options.
#[derive(Debug, Default, Clone)]
pub struct Args {
    /// `-x/--xml-file FILE`.
    pub xml_file: Option<String>,
    /// `-L/--live-check`.
    pub live: bool,
    /// `-S/--simulate`.
    pub simulate: bool,
    /// `-U/--show-utilization`.
    pub show_utilization: bool,
    /// `-s/--show-scores`.
    pub show_scores: bool,
    /// `-Q/--quiet` (also `-q`).
    pub quiet: bool,
    /// `-G/--save-graph FILE`.
    pub save_graph: Option<String>,
    /// `-D/--save-dotfile FILE`.
    pub save_dotfile: Option<String>,
    /// `-O/--save-output FILE`.
    pub save_output: Option<String>,
    /// `-t/--set-datetime DATE`.
    pub set_datetime: Option<String>,
    /// `--explain RSC` (beyond Pacemaker).
    pub explain: Option<String>,
    /// `--debug-actions`: list every action with its flags and orderings (diagnostics).
    pub debug_actions: bool,
    /// `--output-as=xml`: Pacemaker's `<pacemaker-result>` document instead of text.
    pub xml: bool,
    /// An `--output-as` value other than `text` or `xml`.
    pub bad_format: Option<String>,
}

/// Usage text.
pub const USAGE: &str = "Usage: crm_simulate [-x FILE | -L] [-S] [-s] [-U] [-Q] [-G FILE] [-D FILE] [-O FILE] [-t DATE] [--output-as=FORMAT] [--explain RSC]
  -x, --xml-file=FILE      Use the CIB in FILE (- for stdin)
  -L, --live-check         Use the live CIB (or the file named by $CIB_file)
  -S, --simulate           Simulate the transition and show the resulting cluster status
  -s, --show-scores        Show allocation scores
  -U, --show-utilization   Show utilization information
  -Q, --quiet              Display only essential output
  -G, --save-graph=FILE    Save the transition graph (XML) to FILE
  -D, --save-dotfile=FILE  Save the transition graph (DOT) to FILE
  -O, --save-output=FILE   Save the input CIB to FILE
  -t, --set-datetime=DATE  Set \"now\" for rules and failure timeouts
      --output-as=FORMAT   text (default) or xml
      --explain=RSC        Show every score contribution for RSC per node, and why it runs where it runs";

/// The command line `crm_simulate` accepts.
pub const SPEC: Spec = Spec {
    tool: "crm_simulate",
    dialect: Dialect::Glib,
    options: &[
        Opt::value('x', "xml-file"),
        Opt::value('G', "save-graph"),
        Opt::value('D', "save-dotfile"),
        Opt::value('O', "save-output"),
        Opt::value('t', "set-datetime"),
        Opt::long_value("explain"),
        Opt::long_flag("debug-actions"),
        Opt::long_value("output-as"),
        Opt::flag('L', "live-check"),
        Opt::flag('S', "simulate"),
        Opt::flag('s', "show-scores"),
        Opt::flag('U', "show-utilization"),
        // Pending operations show only with record-pending, which is not recorded.
        Opt::flag('j', "pending"),
        Opt::flag('Q', "quiet"),
        Opt::flag('q', "quiet").short_only(),
        Opt::flag('V', "verbose"),
    ],
    help_groups: &[],
    help: USAGE,
    version: crate::version::BANNER,
};

impl Args {
    /// The options given, in order; stray words are ignored.
    pub fn from_given(given: Vec<Given>) -> Args {
        let mut a = Args::default();
        for g in given {
            let Given::Opt { name, value } = g else {
                continue;
            };
            match name {
                "xml-file" => a.xml_file = value,
                "save-graph" => a.save_graph = value,
                "save-dotfile" => a.save_dotfile = value,
                "save-output" => a.save_output = value,
                "set-datetime" => a.set_datetime = value,
                "explain" => a.explain = value,
                "debug-actions" => a.debug_actions = true,
                "output-as" => match value.as_deref().unwrap_or_default() {
                    "xml" => a.xml = true,
                    "text" => a.xml = false,
                    other => a.bad_format = Some(other.to_string()),
                },
                "live-check" => a.live = true,
                "simulate" => a.simulate = true,
                "show-scores" => a.show_scores = true,
                "show-utilization" => a.show_utilization = true,
                "quiet" => a.quiet = true,
                _ => {}
            }
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bundles_and_values() {
        let v: Vec<String> = [
            "-x",
            "a.xml",
            "-sSQ",
            "-Gout.xml",
            "--set-datetime=2020-01-01",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let a = Args::from_given(flags::parse(&SPEC, &v).unwrap());
        assert_eq!(a.xml_file.as_deref(), Some("a.xml"));
        assert!(a.simulate && a.show_scores && a.quiet);
        assert_eq!(a.save_graph.as_deref(), Some("out.xml"));
        assert_eq!(a.set_datetime.as_deref(), Some("2020-01-01"));
        assert!(flags::parse(&SPEC, &["--bogus".to_string()]).is_err());
    }
}
