//! Command-line parsing with GLib's conventions (`--opt VALUE`, `--opt=VALUE`, `-rVALUE`,
//! optional values only as `--opt=VALUE`), as Pacemaker 2.1.5's crm_resource parses them.

/// An agent action run locally, bypassing the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentCommand {
    /// `--force-start`
    Start,
    /// `--force-stop`
    Stop,
    /// `--force-check[=LEVEL]`
    Check,
    /// `--force-promote`
    Promote,
    /// `--force-demote`
    Demote,
    /// `--validate[=LEVEL]`
    Validate,
}

impl AgentCommand {
    /// The name Pacemaker prints (`Operation force-start (...)`).
    pub fn display_name(self) -> &'static str {
        match self {
            AgentCommand::Start => "force-start",
            AgentCommand::Stop => "force-stop",
            AgentCommand::Check => "force-check",
            AgentCommand::Promote => "force-promote",
            AgentCommand::Demote => "force-demote",
            AgentCommand::Validate => "validate",
        }
    }

    /// The agent action it runs.
    pub fn action(self) -> lrm::Action {
        match self {
            AgentCommand::Start => lrm::Action::Start,
            AgentCommand::Stop => lrm::Action::Stop,
            AgentCommand::Check => lrm::Action::Monitor,
            AgentCommand::Promote => lrm::Action::Promote,
            AgentCommand::Demote => lrm::Action::Demote,
            AgentCommand::Validate => lrm::Action::ValidateAll,
        }
    }
}

/// What the user asked crm_resource to do (the last command option wins, as in Pacemaker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run an agent action locally.
    Agent(AgentCommand, Option<u32>),
    /// `--list-standards`
    ListStandards,
    /// `--list-ocf-providers`
    ListOcfProviders,
    /// `--list-agents=STD[:PROV]`
    ListAgents(String),
    /// `--list-ocf-alternatives=TYPE`
    ListOcfAlternatives(String),
    /// `--show-metadata=SPEC`
    ShowMetadata(String),
    /// `--help`
    Help,
    /// `--version`
    Version,
    /// Any command that works on the cluster's CIB (`--list`, `--locate`, `--move`, ...).
    Cluster(String),
}

/// Parsed options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The command (`None`: the default, `--list`).
    pub command: Option<Command>,
    /// `-r/--resource`
    pub resource: Option<String>,
    /// `--class`
    pub class: Option<String>,
    /// `--agent`
    pub agent: Option<String>,
    /// `--provider`
    pub provider: Option<String>,
    /// `--option NAME=VALUE`, in order.
    pub params: Vec<(String, String)>,
    /// `--timeout`, in ms.
    pub timeout_ms: Option<u64>,
    /// `--output-as=xml`
    pub xml: bool,
    /// The original command line, for XML's `request` attribute.
    pub request: String,
    /// `-N/--node`
    pub node: Option<String>,
    /// The NAME of `-p/-g/-d`.
    pub prop_name: Option<String>,
    /// `-v/--parameter-value`
    pub prop_value: Option<String>,
    /// `-m/--meta`: meta_attributes instead of instance_attributes.
    pub meta: bool,
    /// `-z/--utilization`
    pub utilization: bool,
    /// `-f/--force`
    pub force: bool,
    /// `-Q/--quiet`
    pub quiet: bool,
    /// `-u/--lifetime` (ISO 8601 duration)
    pub lifetime: Option<String>,
    /// `--expired`
    pub expired: bool,
    /// `--promoted`/`--master`
    pub promoted: bool,
    /// `-s/--set-name`
    pub set_name: Option<String>,
    /// `-i/--nvpair`
    pub nvpair_id: Option<String>,
    /// `-t/--resource-type` (for `--delete`)
    pub rsc_type: Option<String>,
}

/// Why the command line was rejected (each becomes `crm_resource: <text>`, exit 64).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// An option nobody knows.
    #[error("Unknown option {0}")]
    UnknownOption(String),
    /// An option that needs a value got none.
    #[error("Missing argument for {0}")]
    MissingArgument(String),
    /// A value that does not parse.
    #[error("Error parsing option {0}")]
    BadValue(String),
    /// Words that are not options.
    #[error("{}", extra_args_text(.0))]
    ExtraArguments(Vec<String>),
}

fn extra_args_text(args: &[String]) -> String {
    let mut text = String::from("non-option ARGV-elements:\n");
    for (i, arg) in args.iter().enumerate() {
        text.push_str(&format!("[{} of {}] {arg}\n", i + 1, args.len()));
    }
    text
}

/// Long options taking a value; the `Cluster` ones make the command a CIB command.
const VALUE_OPTIONS: &[&str] = &[
    "resource",
    "class",
    "agent",
    "provider",
    "option",
    "timeout",
    "output-as",
    "output-to",
    "list-agents",
    "show-metadata",
    "list-ocf-alternatives",
    "node",
    "set-parameter",
    "get-parameter",
    "delete-parameter",
    "parameter-value",
    "operation",
    "interval",
    "lifetime",
    "set-name",
    "nvpair",
    "resource-type",
    "element",
];
/// Short options taking a value, and their long names.
const SHORT_VALUES: &[(char, &str)] = &[
    ('r', "resource"),
    ('N', "node"),
    ('p', "set-parameter"),
    ('g', "get-parameter"),
    ('d', "delete-parameter"),
    ('v', "parameter-value"),
    ('n', "operation"),
    ('I', "interval"),
    ('u', "lifetime"),
    ('s', "set-name"),
    ('i', "nvpair"),
    ('t', "resource-type"),
    ('T', "timeout"),
];
/// Flag options that are CIB commands.
const CLUSTER_FLAGS: &[(&str, Option<char>)] = &[
    ("list", Some('L')),
    ("list-raw", Some('l')),
    ("list-operations", Some('O')),
    ("list-all-operations", Some('o')),
    ("locate", Some('W')),
    ("query-xml", Some('q')),
    ("query-xml-raw", Some('w')),
    ("move", Some('M')),
    ("ban", Some('B')),
    ("clear", Some('U')),
    ("cleanup", Some('C')),
    ("refresh", Some('R')),
    ("fail", Some('F')),
    ("delete", Some('D')),
    ("constraints", Some('a')),
    ("stack", Some('A')),
    ("why", Some('Y')),
    ("restart", None),
    ("wait", None),
    ("digests", None),
];
/// Flags that only modify other commands.
const MODIFIER_FLAGS: &[(&str, Option<char>)] = &[
    ("verbose", Some('V')),
    ("quiet", Some('Q')),
    ("meta", Some('m')),
    ("utilization", Some('z')),
    ("force", Some('f')),
    ("recursive", None),
    ("promoted", None),
    ("master", None),
    ("all", None),
    ("expired", None),
];

/// Parses `args` (without the program name, which is only echoed in XML output).
pub fn parse(program: &str, args: &[String]) -> Result<Options, UsageError> {
    let mut opts = Options {
        request: request_text(program, args),
        ..Options::default()
    };
    let mut extra = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if let Some(long) = arg.strip_prefix("--") {
            if long.is_empty() {
                extra.extend(args[i..].iter().cloned());
                break;
            }
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            if VALUE_OPTIONS.contains(&name) {
                let value = match inline {
                    Some(v) => v,
                    None if i < args.len() => {
                        i += 1;
                        args[i - 1].clone()
                    }
                    None => return Err(UsageError::MissingArgument(format!("--{name}"))),
                };
                apply_value(&mut opts, name, value)?;
            } else {
                apply_flag(&mut opts, name, inline, &format!("--{name}"))?;
            }
        } else if let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            let chars: Vec<char> = shorts.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                if let Some((_, long)) = SHORT_VALUES.iter().find(|(s, _)| *s == c) {
                    let value = if k < chars.len() {
                        let v: String = chars[k..].iter().collect();
                        k = chars.len();
                        v
                    } else if i < args.len() {
                        i += 1;
                        args[i - 1].clone()
                    } else {
                        return Err(UsageError::MissingArgument(format!("-{c}")));
                    };
                    apply_value(&mut opts, long, value)?;
                } else {
                    let long = short_flag_name(c)
                        .ok_or_else(|| UsageError::UnknownOption(format!("-{c}")))?;
                    apply_flag(&mut opts, long, None, &format!("-{c}"))?;
                }
            }
        } else {
            extra.push(arg.clone());
        }
    }
    if !extra.is_empty() {
        return Err(UsageError::ExtraArguments(extra));
    }
    Ok(opts)
}

fn short_flag_name(c: char) -> Option<&'static str> {
    match c {
        'h' | '?' => Some("help"),
        '$' => Some("version"),
        _ => CLUSTER_FLAGS
            .iter()
            .chain(MODIFIER_FLAGS)
            .find(|(_, s)| *s == Some(c))
            .map(|(l, _)| *l),
    }
}

fn apply_value(opts: &mut Options, name: &str, value: String) -> Result<(), UsageError> {
    match name {
        "resource" => opts.resource = Some(value),
        "class" => opts.class = Some(value),
        "agent" => opts.agent = Some(value),
        "provider" => opts.provider = Some(value),
        "option" => {
            let (k, v) = value
                .split_once('=')
                .ok_or_else(|| UsageError::BadValue("--option".into()))?;
            opts.params.push((k.to_string(), v.to_string()));
        }
        "timeout" => {
            opts.timeout_ms = Some(
                vocab::parse_duration_ms(&value)
                    .map_err(|_| UsageError::BadValue("--timeout".into()))?,
            );
        }
        "output-as" => opts.xml = value.eq_ignore_ascii_case("xml"),
        "list-agents" => opts.command = Some(Command::ListAgents(value)),
        "show-metadata" => opts.command = Some(Command::ShowMetadata(value)),
        "list-ocf-alternatives" => opts.command = Some(Command::ListOcfAlternatives(value)),
        "set-parameter" | "get-parameter" | "delete-parameter" => {
            opts.prop_name = Some(value);
            opts.command = Some(Command::Cluster(name.to_string()));
        }
        "node" => opts.node = Some(value),
        "parameter-value" => opts.prop_value = Some(value),
        "lifetime" => opts.lifetime = Some(value),
        "set-name" => opts.set_name = Some(value),
        "nvpair" => opts.nvpair_id = Some(value),
        "resource-type" => opts.rsc_type = Some(value),
        _ => {} // modifiers of CIB commands not used yet
    }
    Ok(())
}

fn apply_flag(
    opts: &mut Options,
    name: &str,
    inline: Option<String>,
    shown: &str,
) -> Result<(), UsageError> {
    let level = |inline: Option<String>| -> Result<Option<u32>, UsageError> {
        inline
            .map(|v| {
                v.parse()
                    .map_err(|_| UsageError::BadValue(shown.to_string()))
            })
            .transpose()
    };
    let agent = |cmd| Command::Agent(cmd, None);
    let command = match name {
        "force-start" => agent(AgentCommand::Start),
        "force-stop" => agent(AgentCommand::Stop),
        "force-promote" => agent(AgentCommand::Promote),
        "force-demote" => agent(AgentCommand::Demote),
        "force-check" => Command::Agent(AgentCommand::Check, level(inline.clone())?),
        "validate" => Command::Agent(AgentCommand::Validate, level(inline.clone())?),
        "list-standards" => Command::ListStandards,
        "list-ocf-providers" => Command::ListOcfProviders,
        "help" | "help-all" => Command::Help,
        "version" => Command::Version,
        _ if CLUSTER_FLAGS.iter().any(|(l, _)| *l == name) => Command::Cluster(name.to_string()),
        _ if MODIFIER_FLAGS.iter().any(|(l, _)| *l == name) => {
            apply_modifier(opts, name);
            return Ok(());
        }
        _ => return Err(UsageError::UnknownOption(shown.to_string())),
    };
    if inline.is_some()
        && !matches!(
            command,
            Command::Agent(AgentCommand::Check | AgentCommand::Validate, _)
        )
    {
        return Err(UsageError::BadValue(shown.to_string()));
    }
    opts.command = Some(command);
    Ok(())
}

/// Records a flag that modifies a CIB command.
fn apply_modifier(opts: &mut Options, name: &str) {
    match name {
        "quiet" => opts.quiet = true,
        "meta" => opts.meta = true,
        "utilization" => opts.utilization = true,
        "force" => opts.force = true,
        "expired" => opts.expired = true,
        "promoted" | "master" => opts.promoted = true,
        _ => {}
    }
}

fn request_text(program: &str, args: &[String]) -> String {
    std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Options, UsageError> {
        parse(
            "crm_resource",
            &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn agent_mode_options() {
        let o = p(&[
            "--force-check=10",
            "--class",
            "ocf",
            "--provider=heartbeat",
            "--agent",
            "Dummy",
            "--option",
            "state=/x=y",
        ])
        .unwrap();
        assert_eq!(
            o.command,
            Some(Command::Agent(AgentCommand::Check, Some(10)))
        );
        assert_eq!(o.params, vec![("state".to_string(), "/x=y".to_string())]);
        assert_eq!(o.provider.as_deref(), Some("heartbeat"));
        let o = p(&["-rfoo", "--force-start", "--force-stop", "--timeout", "90"]).unwrap();
        assert_eq!(o.resource.as_deref(), Some("foo"));
        assert_eq!(
            o.command,
            Some(Command::Agent(AgentCommand::Stop, None)),
            "last command wins"
        );
        assert_eq!(o.timeout_ms, Some(90_000));
    }

    #[test]
    fn usage_errors_read_like_pacemaker() {
        assert_eq!(
            p(&["--bogus"]).unwrap_err().to_string(),
            "Unknown option --bogus"
        );
        assert_eq!(
            p(&["--agent"]).unwrap_err().to_string(),
            "Missing argument for --agent"
        );
        assert_eq!(
            p(&["--option", "foo"]).unwrap_err().to_string(),
            "Error parsing option --option"
        );
        assert_eq!(
            p(&["foo", "bar"]).unwrap_err().to_string(),
            "non-option ARGV-elements:\n[1 of 2] foo\n[2 of 2] bar\n"
        );
    }
}
