//! `crm_resource`: so far the parts that need no cluster: running an agent locally
//! (`--force-start|--force-stop|--force-check|--force-promote|--force-demote|--validate`,
//! either for `-r RSC` from `CIB_file` or for `--class/--provider/--agent` + `--option K=V`),
//! and agent discovery (`--list-standards`, `--list-ocf-providers`, `--list-agents`,
//! `--list-ocf-alternatives`, `--show-metadata`), and the CIB commands (`--list`, `--locate`,
//! `--move`, `--ban`, `--clear`, `--cleanup`, `--refresh`, `--restart`, `--set-parameter`, ...;
//! see [`cluster`]). Output and exit codes follow Pacemaker 2.1.5.

mod args;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod cluster;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod constraints;
mod discovery;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod lifetime;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod listing;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod operations;
mod output;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod params;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod restart;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod snapshot;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod stack;
#[cfg(all(feature = "cib-tools", feature = "simulate"))]
mod why;

use std::collections::BTreeMap;

use lrm::{
    AgentDirs, AgentId, ExecStatus, OcfRc, OpRequest, ResourceClass, ResourceSpec, RunnerConfig,
};

pub use args::{AgentCommand, Command, Options, SPEC};

/// Default operation timeout (Pacemaker's 20s).
const DEFAULT_TIMEOUT_MS: u64 = 20_000;
/// Instance id used when the agent runs without a CIB resource, as Pacemaker does.
const AGENT_ONLY_INSTANCE: &str = "test";
/// The CRM feature set agents are told (`OCF_RESKEY_crm_feature_set`), Pacemaker 2.1.5's.
const CRM_FEATURE_SET: &str = "3.16.1";

/// What the tool prints and its exit status; `main` writes it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Text for stdout.
    pub stdout: String,
    /// Text for stderr.
    pub stderr: String,
    /// Exit status.
    pub code: u8,
}

impl Outcome {
    fn fail(message: impl Into<String>, code: u8) -> Self {
        Outcome {
            stdout: String::new(),
            stderr: message.into(),
            code,
        }
    }

    fn ok(stdout: String) -> Self {
        Outcome {
            stdout,
            stderr: String::new(),
            code: 0,
        }
    }
}

/// Runs crm_resource with `argv` (program name first).
pub fn run(argv: &[String]) -> Outcome {
    let (program, args) = argv
        .split_first()
        .map_or(("crm_resource", &[][..]), |(p, a)| (p.as_str(), a));
    let opts = match args::parse(program, args) {
        Ok(o) => o,
        Err(stop) => {
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let code = stop.report(&SPEC, &mut stdout, &mut stderr);
            let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
            return Outcome {
                stdout: text(stdout),
                stderr: text(stderr),
                code,
            };
        }
    };
    #[cfg(all(feature = "cib-tools", feature = "simulate"))]
    if opts.class.is_none() && opts.agent.is_none() && opts.provider.is_none() {
        match &opts.command {
            Some(Command::Cluster(name)) => return cluster::run(&opts, name),
            None => return cluster::run(&opts, "list"),
            _ => {}
        }
    }
    let outcome = dispatch(&opts);
    if opts.xml && outcome.code != 64 && outcome.stdout.is_empty() && !outcome.stderr.is_empty() {
        // With --output-as=xml, failures before any agent ran are reported inside the result.
        let message = outcome.stderr.trim_end_matches('\n').to_string();
        let stdout = output::result_open(&opts.request)
            + &output::result_close(i32::from(outcome.code), &[message]);
        return Outcome {
            stdout,
            stderr: String::new(),
            code: outcome.code,
        };
    }
    outcome
}

fn dispatch(opts: &Options) -> Outcome {
    let agent_given = opts.class.is_some() || opts.agent.is_some() || opts.provider.is_some();
    if agent_given && opts.resource.is_some() {
        return Outcome::fail(
            "crm_resource: --resource cannot be used with --class, --agent, and --provider\n",
            64,
        );
    }
    let dirs = AgentDirs::from_env();
    match opts.command.clone() {
        Some(Command::Agent(cmd, level)) => run_agent_command(opts, &dirs, cmd, level),
        _ if agent_given => Outcome::fail(
            "crm_resource: --class, --agent, and --provider can only be used with --validate and --force-*\n",
            64,
        ),
        Some(Command::ListStandards) => discovery::list_standards(),
        Some(Command::ListOcfProviders) => discovery::list_ocf_providers(&dirs),
        Some(Command::ListAgents(spec)) => discovery::list_agents(&dirs, &spec),
        Some(Command::ListOcfAlternatives(kind)) => discovery::list_ocf_alternatives(&dirs, &kind),
        Some(Command::ShowMetadata(spec)) => discovery::show_metadata(&dirs, &spec),
        Some(Command::Cluster(name)) => cluster_command(&name),
        None => cluster_command("list"),
    }
}

/// Commands that need the cluster's CIB, when built without the CIB and scheduler crates.
fn cluster_command(name: &str) -> Outcome {
    if std::env::var_os("CIB_file").is_none() {
        return not_connected();
    }
    Outcome::fail(
        format!("crm_resource: --{name} is not implemented yet in heartbeat-rs\n"),
        3,
    )
}

fn not_connected() -> Outcome {
    Outcome::fail(
        "crm_resource: Could not connect to the CIB: Transport endpoint is not connected\nError performing operation: Not connected\n",
        102,
    )
}

fn run_agent_command(
    opts: &Options,
    dirs: &AgentDirs,
    cmd: AgentCommand,
    level: Option<u32>,
) -> Outcome {
    let (resource, from_cib) = match &opts.resource {
        Some(rsc) => match resource_from_cib(rsc) {
            Ok(spec) => (spec, true),
            Err(outcome) => return outcome,
        },
        None => match agent_only_resource(opts, dirs) {
            Ok(spec) => (spec, false),
            Err(outcome) => return outcome,
        },
    };
    let mut resource = resource;
    for (k, v) in &opts.params {
        resource.params.insert(k.clone(), v.clone());
    }
    resource
        .params
        .insert("crm_feature_set".into(), CRM_FEATURE_SET.into());
    let mut req = OpRequest::new(
        &resource.id,
        cmd.action(),
        0,
        opts.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
    );
    req.check_level = level;

    let execution = if resource.agent.class == ResourceClass::Stonith {
        // Pacemaker refuses this too: fencing devices are run by the fencer.
        lrm::Execution {
            rc: OcfRc::ERR_UNIMPLEMENTED,
            status: ExecStatus::Error,
            exit_reason: "Manual execution of the stonith standard is unsupported".into(),
            stdout: String::new(),
            stderr: String::new(),
            elapsed: std::time::Duration::ZERO,
        }
    } else {
        let cfg = RunnerConfig {
            dirs: dirs.clone(),
            extra_env: agent_env(opts.xml),
            pass_inherited_ocf_env: true,
            ..RunnerConfig::default()
        };
        match lrm::runner::execute_blocking(&cfg, &resource, &req) {
            Ok(e) => e,
            Err(e) => return Outcome::fail(format!("crm_resource: {e}\n"), 71),
        }
    };
    let report = output::ActionReport {
        name: cmd.display_name(),
        rsc: from_cib.then_some(resource.id.as_str()),
        class: resource.agent.class.as_str(),
        provider: resource.agent.provider.as_deref(),
        kind: &resource.agent.kind,
        rc: execution.rc,
        status: execution.status,
        reason: &execution.exit_reason,
        stdout: &execution.stdout,
        stderr: &execution.stderr,
    };
    let code = u8::try_from(execution.rc.0).unwrap_or(1);
    if opts.xml {
        Outcome {
            stdout: output::xml(&opts.request, &report),
            stderr: String::new(),
            code,
        }
    } else {
        let (stdout, stderr) = output::text(&report);
        Outcome {
            stdout,
            stderr,
            code,
        }
    }
}

/// The variables Pacemaker's crm_resource gives agents besides the OCF ones.
fn agent_env(xml: bool) -> Vec<(String, String)> {
    let format = if xml { "xml" } else { "text" };
    [
        ("HA_debug", "0"),
        ("HA_logfacility", "none"),
        ("OCF_OUTPUT_FORMAT", format),
        ("OCF_TRACE_FILE", "/dev/stderr"),
        ("PCMK_logfacility", "none"),
        ("PCMK_service", "crm_resource"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `--class/--provider/--agent`: the agent must exist (systemd and stonith are checked later).
fn agent_only_resource(opts: &Options, dirs: &AgentDirs) -> Result<ResourceSpec, Outcome> {
    let class_text = opts.class.clone().unwrap_or_default();
    let agent = opts.agent.clone().unwrap_or_default();
    let provider = opts.provider.clone().unwrap_or_default();
    let unknown = || {
        Outcome::fail(
            format!("crm_resource: {class_text}:{provider}:{agent} is not a known resource\n"),
            64,
        )
    };
    let class = ResourceClass::parse(&class_text).ok_or_else(unknown)?;
    let id = if class.needs_provider() {
        if provider.is_empty() {
            return Err(unknown());
        }
        AgentId::ocf(&provider, &agent)
    } else {
        AgentId::new(class, &agent)
    };
    let exists = match class {
        ResourceClass::Systemd | ResourceClass::Stonith => !agent.is_empty(),
        ResourceClass::Service => {
            dirs.script_path(&id).is_some() || (lrm::systemd::present() && !agent.is_empty())
        }
        _ => dirs.script_path(&id).is_some(),
    };
    if !exists {
        return Err(unknown());
    }
    Ok(ResourceSpec {
        id: AGENT_ONLY_INSTANCE.into(),
        agent: id,
        params: BTreeMap::new(),
    })
}

/// `-r RSC`: the primitive from the CIB in `CIB_file` (there is no CIB daemon to ask yet).
fn resource_from_cib(rsc: &str) -> Result<ResourceSpec, Outcome> {
    let Some(path) = std::env::var_os("CIB_file") else {
        return Err(not_connected());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Outcome::fail(format!("crm_resource: Could not connect to the CIB: {e}\nError performing operation: Not connected\n"), 102)
    })?;
    let doc = cib::xml::Document::parse(&text).map_err(|e| {
        Outcome::fail(format!("crm_resource: Could not connect to the CIB: {e}\nError performing operation: Not connected\n"), 102)
    })?;
    let not_found = || {
        Outcome::fail(format!("crm_resource: Resource '{rsc}' not found\nError performing operation: No such object\n"), 105)
    };
    let element = doc
        .root
        .find_by_id(rsc)
        .filter(|e| e.name == "primitive")
        .ok_or_else(not_found)?;
    let class = element
        .attr("class")
        .and_then(ResourceClass::parse)
        .ok_or_else(not_found)?;
    let kind = element.attr("type").unwrap_or_default();
    let agent = match element.attr("provider") {
        Some(p) if class.needs_provider() => AgentId::ocf(p, kind),
        _ => AgentId::new(class, kind),
    };
    let mut params = BTreeMap::new();
    for set in element.children_named("instance_attributes") {
        for nv in set.descendants().into_iter().filter(|e| e.name == "nvpair") {
            if let (Some(n), Some(v)) = (nv.attr("name"), nv.attr("value")) {
                params.insert(n.to_string(), v.to_string());
            }
        }
    }
    Ok(ResourceSpec {
        id: rsc.to_string(),
        agent,
        params,
    })
}

/// What `crm_resource --help` prints.
const USAGE: &str = "Usage:\n  crm_resource [OPTION?]\n\nPerform tasks related to Pacemaker cluster resources\n\n\
Resource agent actions (without a cluster):\n\
  --force-start, --force-stop, --force-check[=LEVEL], --force-promote, --force-demote, --validate[=LEVEL]\n\
  -r, --resource=RSC (from CIB_file) or --class=CLASS --provider=PROVIDER --agent=TYPE [--option=NAME=VALUE ...]\n\
  --timeout=T (default 20s), --output-as=text|xml\n\n\
Agent discovery:\n\
  --list-standards, --list-ocf-providers, --list-agents=STD[:PROV], --list-ocf-alternatives=TYPE,\n\
  --show-metadata=CLASS:[PROV:]TYPE\n\n\
Cluster (CIB_file, else the running cluster):\n\
  -L/--list, -l/--list-raw, -W/--locate, -q/--query-xml, -w/--query-xml-raw, -a/--constraints,\n\
  -A/--stack, -Y/--why, -O/--list-operations, -o/--list-all-operations,\n\
  -M/--move [-N NODE] [-u LIFETIME], -B/--ban [-N NODE], -U/--clear [-N NODE] [--expired],\n\
  -C/--cleanup, -R/--refresh, --restart [--timeout T], -D/--delete -t TYPE,\n\
  -p/--set-parameter NAME -v VALUE, -g/--get-parameter NAME, -d/--delete-parameter NAME\n\
  [--meta|--utilization] [--force] [-s SET] [-i ID], all with -r RSC\n";
