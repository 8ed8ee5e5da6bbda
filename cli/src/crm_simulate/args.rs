//! crm_simulate's command line (Pacemaker 2.1.5 option names).

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
    /// `-h/--help`.
    pub help: bool,
    /// `--debug-actions`: list every action with its flags and orderings (diagnostics).
    pub debug_actions: bool,
}

/// Usage text.
pub const USAGE: &str = "Usage: crm_simulate [-x FILE | -L] [-S] [-s] [-U] [-Q] [-G FILE] [-D FILE] [-O FILE] [-t DATE] [--explain RSC]
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
      --explain=RSC        Show every score contribution for RSC per node, and why it runs where it runs";

impl Args {
    /// Parses arguments (without the program name).
    pub fn parse(argv: &[String]) -> Result<Args, String> {
        let mut a = Args::default();
        let mut i = 0;
        while i < argv.len() {
            let raw = &argv[i];
            let (name, inline) = match raw.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (raw.clone(), None),
            };
            // Bundled short flags such as -sSQ.
            if !name.starts_with("--")
                && name.len() > 2
                && name.starts_with('-')
                && name[1..].chars().all(|c| "SsQqLVhUj".contains(c))
            {
                for c in name[1..].chars() {
                    a.flag(c);
                }
                i += 1;
                continue;
            }
            let value = |i: &mut usize| -> Result<String, String> {
                if let Some(v) = &inline {
                    return Ok(v.clone());
                }
                if name.len() > 2 && !name.starts_with("--") {
                    return Ok(name[2..].to_string());
                }
                *i += 1;
                argv.get(*i)
                    .cloned()
                    .ok_or_else(|| format!("option {name} needs a value"))
            };
            let short = if name.starts_with("--") {
                name.as_str()
            } else {
                &name[..name.len().min(2)]
            };
            match short {
                "-x" | "--xml-file" => a.xml_file = Some(value(&mut i)?),
                "-G" | "--save-graph" => a.save_graph = Some(value(&mut i)?),
                "-D" | "--save-dotfile" => a.save_dotfile = Some(value(&mut i)?),
                "-O" | "--save-output" => a.save_output = Some(value(&mut i)?),
                "-t" | "--set-datetime" => a.set_datetime = Some(value(&mut i)?),
                "--explain" => a.explain = Some(value(&mut i)?),
                "--debug-actions" => a.debug_actions = true,
                "-L" | "--live-check" => a.live = true,
                "-S" | "--simulate" => a.simulate = true,
                "-s" | "--show-scores" => a.show_scores = true,
                "-U" | "--show-utilization" => a.show_utilization = true,
                // --pending: pending operations show only with record-pending (not recorded).
                "-j" | "--pending" => {}
                "-Q" | "-q" | "--quiet" => a.quiet = true,
                "-V" | "--verbose" => {}
                "-h" | "--help" | "-?" => a.help = true,
                _ => return Err(format!("unknown option {raw}")),
            }
            i += 1;
        }
        Ok(a)
    }

    fn flag(&mut self, c: char) {
        match c {
            'S' => self.simulate = true,
            's' => self.show_scores = true,
            'Q' | 'q' => self.quiet = true,
            'L' => self.live = true,
            'U' => self.show_utilization = true,
            'h' => self.help = true,
            _ => {}
        }
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
        let a = Args::parse(&v).unwrap();
        assert_eq!(a.xml_file.as_deref(), Some("a.xml"));
        assert!(a.simulate && a.show_scores && a.quiet);
        assert_eq!(a.save_graph.as_deref(), Some("out.xml"));
        assert_eq!(a.set_datetime.as_deref(), Some("2020-01-01"));
        assert!(Args::parse(&["--bogus".to_string()]).is_err());
    }
}
