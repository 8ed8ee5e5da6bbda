//! Command-line parsing for `crm_attribute` (Pacemaker 2.1.5's options and aliases).

/// What to do with the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    /// Print the value (the default without `-v`/`-D`).
    #[default]
    Query,
    /// Set the value.
    Update,
    /// Remove the attribute.
    Delete,
}

/// Parsed options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-n NAME`.
    pub name: Option<String>,
    /// `-P PATTERN` (several attributes at once).
    pub pattern: Option<String>,
    /// `-v VALUE`.
    pub value: Option<String>,
    /// Query, update or delete.
    pub action: Action,
    /// `-N NODE`.
    pub node: Option<String>,
    /// `-l reboot|forever` (normalized to `reboot` or `forever`).
    pub lifetime: Option<String>,
    /// `-t SECTION`.
    pub section: Option<String>,
    /// `-q`.
    pub quiet: bool,
    /// `-d VALUE`: printed by a query when the attribute does not exist.
    pub default: Option<String>,
    /// `-s SET-ID`.
    pub set_id: Option<String>,
    /// `-i ID`.
    pub attr_id: Option<String>,
    /// `-z`: the node's utilization instead of its attributes.
    pub utilization: bool,
    /// `-p RSC`: the promotion score attribute `master-RSC`.
    pub promotion: Option<String>,
    /// `--output-as=xml`.
    pub xml: bool,
}

/// Why the arguments were not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UsageError {
    /// `--help`.
    #[error("help requested")]
    Help,
    /// `--version`.
    #[error("version requested")]
    Version,
    /// Anything else, with Pacemaker's message.
    #[error("{0}")]
    Invalid(String),
}

/// Parses `args` (without the program name).
pub fn parse_args(args: &[String]) -> Result<Options, UsageError> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let (flag, inline) = split_flag(arg);
        let mut value = |what: &str| -> Result<String, UsageError> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            let v = args.get(i).cloned().ok_or_else(|| {
                UsageError::Invalid(format!("option {what} requires an argument"))
            })?;
            i += 1;
            Ok(v)
        };
        match flag.as_str() {
            "-?" | "--help" | "-h" => return Err(UsageError::Help),
            "-$" | "--version" => return Err(UsageError::Version),
            "-V" | "--verbose" => {}
            "-n" | "--name" | "--attr-name" => o.name = Some(value(&flag)?),
            "-P" | "--pattern" => o.pattern = Some(value(&flag)?),
            "-v" | "--update" | "--attr-value" => {
                o.value = Some(value(&flag)?);
                o.action = Action::Update;
            }
            "-G" | "--query" | "--get-value" => o.action = Action::Query,
            "-D" | "--delete" | "--delete-attr" => o.action = Action::Delete,
            "-N" | "--node" | "-U" | "--uname" => o.node = Some(value(&flag)?),
            "-l" | "--lifetime" => {
                let v = value(&flag)?;
                o.lifetime = Some(match v.as_str() {
                    "reboot" => "reboot".into(),
                    "forever" | "permanent" => "forever".into(),
                    _ => {
                        return Err(UsageError::Invalid(format!(
                            "Invalid value for --lifetime: {v} (use reboot or forever)"
                        )))
                    }
                });
            }
            "-t" | "--type" | "--scope" => o.section = Some(value(&flag)?),
            "-q" | "--quiet" | "-Q" => o.quiet = true,
            "-d" | "--default" => o.default = Some(value(&flag)?),
            "-s" | "--set-name" => o.set_id = Some(value(&flag)?),
            "-i" | "--id" | "--attr-id" => o.attr_id = Some(value(&flag)?),
            "-z" | "--utilization" => o.utilization = true,
            "-p" | "--promotion" => o.promotion = Some(value(&flag)?),
            "-W" | "--wait" | "-u" => {
                value(&flag)?;
            }
            "-!" | "--force" => {}
            "--output-as" => {
                let v = value(&flag)?;
                match v.as_str() {
                    "xml" => o.xml = true,
                    "text" => o.xml = false,
                    _ => return Err(UsageError::Invalid(format!("Unknown output format '{v}'"))),
                }
            }
            _ if flag.starts_with('-') && flag.len() > 2 && !flag.starts_with("--") => {
                // Bundled short flags (`-qG`): expand and reparse.
                let mut expanded: Vec<String> =
                    flag[1..].chars().map(|c| format!("-{c}")).collect();
                expanded.extend(args[i..].iter().cloned());
                let rest = parse_args_into(o, &expanded)?;
                return Ok(rest);
            }
            _ => return Err(UsageError::Invalid(format!("unrecognized option '{arg}'"))),
        }
    }
    Ok(o)
}

fn parse_args_into(base: Options, args: &[String]) -> Result<Options, UsageError> {
    let parsed = parse_args(args)?;
    Ok(merge(base, parsed))
}

fn merge(a: Options, b: Options) -> Options {
    Options {
        name: b.name.or(a.name),
        pattern: b.pattern.or(a.pattern),
        value: b.value.or(a.value),
        action: if b.action != Action::Query {
            b.action
        } else {
            a.action
        },
        node: b.node.or(a.node),
        lifetime: b.lifetime.or(a.lifetime),
        section: b.section.or(a.section),
        quiet: a.quiet || b.quiet,
        default: b.default.or(a.default),
        set_id: b.set_id.or(a.set_id),
        attr_id: b.attr_id.or(a.attr_id),
        utilization: a.utilization || b.utilization,
        promotion: b.promotion.or(a.promotion),
        xml: a.xml || b.xml,
    }
}

/// `--opt=value` -> (`--opt`, Some(value)); `-nNAME` -> (`-n`, Some(NAME)) for value flags.
fn split_flag(arg: &str) -> (String, Option<String>) {
    if let Some(rest) = arg.strip_prefix("--") {
        if let Some((k, v)) = rest.split_once('=') {
            return (format!("--{k}"), Some(v.to_string()));
        }
        return (arg.to_string(), None);
    }
    let takes_value = "nPvNUltdsipWu";
    let mut chars = arg.chars();
    if chars.next() == Some('-') {
        if let Some(c) = chars.next() {
            let rest: String = chars.collect();
            if takes_value.contains(c) && !rest.is_empty() {
                return (format!("-{c}"), Some(rest));
            }
        }
    }
    (arg.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Options {
        parse_args(&s.split_whitespace().map(String::from).collect::<Vec<_>>()).expect("parse")
    }

    #[test]
    fn parses_common_forms() {
        let o = p("-n standby -v on -N node1 -l forever");
        assert_eq!(o.action, Action::Update);
        assert_eq!(o.name.as_deref(), Some("standby"));
        assert_eq!(o.lifetime.as_deref(), Some("forever"));
        let o = p("--name=x --query -q");
        assert_eq!(o.action, Action::Query);
        assert!(o.quiet);
        let o = p("-qG -n y");
        assert!(o.quiet);
        assert_eq!(o.name.as_deref(), Some("y"));
    }
}
