//! `crm_resource`'s command line (Pacemaker 2.1.5's options), read by the flags layer.

use flags::{Dialect, FlagError, Given, Opt, Spec, Stop};

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

/// The command line `crm_resource` accepts (Pacemaker 2.1.5's options).
pub const SPEC: Spec = Spec {
    tool: "crm_resource",
    dialect: Dialect::Glib,
    options: &[
        // Values.
        Opt::value('r', "resource"),
        Opt::long_value("class"),
        Opt::long_value("agent"),
        Opt::long_value("provider"),
        Opt::long_value("option"),
        Opt::value('T', "timeout"),
        Opt::long_value("output-as"),
        Opt::long_value("output-to"),
        Opt::long_value("list-agents"),
        Opt::long_value("show-metadata"),
        Opt::long_value("list-ocf-alternatives"),
        Opt::value('N', "node"),
        Opt::value('p', "set-parameter"),
        Opt::value('g', "get-parameter"),
        Opt::value('d', "delete-parameter"),
        Opt::value('v', "parameter-value"),
        Opt::value('n', "operation"),
        Opt::value('I', "interval"),
        Opt::value('u', "lifetime"),
        Opt::value('s', "set-name"),
        Opt::value('i', "nvpair"),
        Opt::value('t', "resource-type"),
        Opt::long_value("element"),
        // Agent actions without a cluster, and discovery.
        Opt::long_flag("force-start"),
        Opt::long_flag("force-stop"),
        Opt::long_flag("force-promote"),
        Opt::long_flag("force-demote"),
        Opt::long_flag("force-check").optional(),
        Opt::long_flag("validate").optional(),
        Opt::long_flag("list-standards"),
        Opt::long_flag("list-ocf-providers"),
        // Commands on the cluster's CIB.
        Opt::flag('L', "list"),
        Opt::flag('l', "list-raw"),
        Opt::flag('O', "list-operations"),
        Opt::flag('o', "list-all-operations"),
        Opt::flag('W', "locate"),
        Opt::flag('q', "query-xml"),
        Opt::flag('w', "query-xml-raw"),
        Opt::flag('M', "move"),
        Opt::flag('B', "ban"),
        Opt::flag('U', "clear"),
        Opt::flag('C', "cleanup"),
        Opt::flag('R', "refresh"),
        Opt::flag('F', "fail"),
        Opt::flag('D', "delete"),
        Opt::flag('a', "constraints"),
        Opt::flag('A', "stack"),
        Opt::flag('Y', "why"),
        Opt::long_flag("restart"),
        Opt::long_flag("wait"),
        Opt::long_flag("digests"),
        // Modifiers.
        Opt::flag('V', "verbose"),
        Opt::flag('Q', "quiet"),
        Opt::flag('m', "meta"),
        Opt::flag('z', "utilization"),
        Opt::flag('f', "force"),
        Opt::long_flag("recursive"),
        Opt::long_flag("promoted"),
        Opt::long_flag("master"),
        Opt::long_flag("all"),
        Opt::long_flag("expired"),
    ],
    help_groups: &[],
    help: super::USAGE,
    version: crate::version::BANNER,
};

/// Commands that work on the cluster's CIB.
const CLUSTER_COMMANDS: &[&str] = &[
    "list",
    "list-raw",
    "list-operations",
    "list-all-operations",
    "locate",
    "query-xml",
    "query-xml-raw",
    "move",
    "ban",
    "clear",
    "cleanup",
    "refresh",
    "fail",
    "delete",
    "constraints",
    "stack",
    "why",
    "restart",
    "wait",
    "digests",
    "set-parameter",
    "get-parameter",
    "delete-parameter",
];

/// Parses `args` (without the program name, which is only echoed in XML output). Help,
/// version and GLib's errors come back as the [`Stop`] to report; so do bad values and stray
/// words, with Pacemaker's messages.
pub fn parse(program: &str, args: &[String]) -> Result<Options, Stop> {
    let given = flags::parse(&SPEC, args)?;
    let mut opts = Options {
        request: request_text(program, args),
        ..Options::default()
    };
    let refuse = |text: String| Stop::Usage(FlagError::Invalid(text));
    let mut extra = Vec::new();
    for g in given {
        let (name, value) = match g {
            Given::Opt { name, value } => (name, value),
            Given::Arg(a) => {
                extra.push(a);
                continue;
            }
        };
        let level = |v: Option<String>| -> Result<Option<u32>, Stop> {
            v.map(|v| {
                v.parse()
                    .map_err(|_| refuse(format!("Invalid check level setting: {v}")))
            })
            .transpose()
        };
        let agent = |cmd| Some(Command::Agent(cmd, None));
        let v = || value.clone().unwrap_or_default();
        match name {
            "resource" => opts.resource = value,
            "class" => opts.class = value,
            "agent" => opts.agent = value,
            "provider" => opts.provider = value,
            "option" => {
                let v = v();
                let (k, val) = v
                    .split_once('=')
                    .ok_or_else(|| refuse("Error parsing option --option".into()))?;
                opts.params.push((k.to_string(), val.to_string()));
            }
            "timeout" => {
                let ms = parse_msec(&v())
                    .ok_or_else(|| refuse("Error parsing option --timeout".into()))?;
                opts.timeout_ms = Some(ms);
            }
            "output-as" => opts.xml = v().eq_ignore_ascii_case("xml"),
            "list-agents" => opts.command = Some(Command::ListAgents(v())),
            "show-metadata" => opts.command = Some(Command::ShowMetadata(v())),
            "list-ocf-alternatives" => opts.command = Some(Command::ListOcfAlternatives(v())),
            "set-parameter" | "get-parameter" | "delete-parameter" => opts.prop_name = value,
            "node" => opts.node = value,
            "parameter-value" => opts.prop_value = value,
            "lifetime" => opts.lifetime = value,
            "set-name" => opts.set_name = value,
            "nvpair" => opts.nvpair_id = value,
            "resource-type" => opts.rsc_type = value,
            "force-start" => opts.command = agent(AgentCommand::Start),
            "force-stop" => opts.command = agent(AgentCommand::Stop),
            "force-promote" => opts.command = agent(AgentCommand::Promote),
            "force-demote" => opts.command = agent(AgentCommand::Demote),
            "force-check" => {
                opts.command = Some(Command::Agent(AgentCommand::Check, level(value)?));
            }
            "validate" => {
                opts.command = Some(Command::Agent(AgentCommand::Validate, level(value)?));
            }
            "list-standards" => opts.command = Some(Command::ListStandards),
            "list-ocf-providers" => opts.command = Some(Command::ListOcfProviders),
            "quiet" => opts.quiet = true,
            "meta" => opts.meta = true,
            "utilization" => opts.utilization = true,
            "force" => opts.force = true,
            "expired" => opts.expired = true,
            "promoted" | "master" => opts.promoted = true,
            _ => {}
        }
        if CLUSTER_COMMANDS.contains(&name) {
            opts.command = Some(Command::Cluster(name.to_string()));
        }
    }
    if !extra.is_empty() {
        return Err(refuse(extra_args_text(&extra)));
    }
    Ok(opts)
}

fn extra_args_text(args: &[String]) -> String {
    let mut text = String::from("non-option ARGV-elements:\n");
    for (i, arg) in args.iter().enumerate() {
        text.push_str(&format!("[{} of {}] {arg}\n", i + 1, args.len()));
    }
    text
}

/// Pacemaker's `crm_get_msec`: a number with an optional unit (ms, s, m, h; bare = seconds).
pub fn parse_msec(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "s" | "sec" => 1000,
        "ms" | "msec" => 1,
        "m" | "min" => 60_000,
        "h" | "hr" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(factor)
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

    fn p(args: &[&str]) -> Result<Options, String> {
        parse(
            "crm_resource",
            &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .map_err(|stop| match stop {
            Stop::Usage(e) => e.to_string(),
            other => format!("{other:?}"),
        })
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
        assert_eq!(p(&["--bogus"]).unwrap_err(), "Unknown option --bogus");
        assert_eq!(p(&["--agent"]).unwrap_err(), "Missing argument for --agent");
        assert_eq!(
            p(&["--option", "foo"]).unwrap_err(),
            "Error parsing option --option"
        );
        assert_eq!(
            p(&["foo", "bar"]).unwrap_err(),
            "non-option ARGV-elements:\n[1 of 2] foo\n[2 of 2] bar\n"
        );
        assert_eq!(parse_msec("1500ms"), Some(1500));
        assert_eq!(parse_msec("2m"), Some(120_000));
        assert_eq!(parse_msec("x"), None);
    }
}
