//! Agent discovery: standards, OCF providers, agents and their meta-data.

use lrm::{
    Action, AgentDirs, AgentId, ExecStatus, OcfRc, OpRequest, ResourceClass, ResourceSpec,
    RunnerConfig,
};

use super::Outcome;

/// `--list-standards`
pub fn list_standards() -> Outcome {
    let mut out = String::from("ocf\nlsb\nheartbeat\nservice\n");
    if lrm::systemd::present() {
        out.push_str("systemd\n");
    }
    out.push_str("stonith\n");
    Outcome::ok(out)
}

/// `--list-ocf-providers`
pub fn list_ocf_providers(dirs: &AgentDirs) -> Outcome {
    let providers = dirs.ocf_providers();
    if providers.is_empty() {
        return Outcome::fail(
            "crm_resource: No OCF providers found\nError performing operation: Error occurred\n",
            1,
        );
    }
    Outcome::ok(lines(&providers))
}

/// `--list-agents=STD[:PROV]`
pub fn list_agents(dirs: &AgentDirs, spec: &str) -> Outcome {
    let (standard, provider) = match spec.split_once(':') {
        Some((s, p)) => (s, Some(p)),
        None => (spec, None),
    };
    let agents: Vec<String> = match (ResourceClass::parse(standard), provider) {
        (Some(ResourceClass::Ocf), Some(p)) => dirs.ocf_agents(p),
        (Some(ResourceClass::Ocf), None) => {
            let mut all: Vec<String> = dirs
                .ocf_providers()
                .iter()
                .flat_map(|p| dirs.ocf_agents(p))
                .collect();
            all.sort();
            all.dedup();
            all
        }
        (Some(ResourceClass::Lsb | ResourceClass::Service), None) => {
            scripts(std::slice::from_ref(&dirs.lsb_dir))
        }
        (Some(ResourceClass::Heartbeat), None) => scripts(&dirs.heartbeat_dirs),
        _ => Vec::new(),
    };
    if agents.is_empty() {
        let what = match provider {
            Some(p) => format!("standard '{standard}' and provider '{p}'"),
            None => format!("standard '{standard}'"),
        };
        return Outcome::fail(
            format!("crm_resource: No agents found for {what}\nError performing operation: Error occurred\n"),
            1,
        );
    }
    Outcome::ok(lines(&agents))
}

/// `--list-ocf-alternatives=TYPE`: providers that have an agent of this type.
pub fn list_ocf_alternatives(dirs: &AgentDirs, kind: &str) -> Outcome {
    let providers: Vec<String> = dirs
        .ocf_providers()
        .into_iter()
        .filter(|p| dirs.ocf_agents(p).iter().any(|a| a == kind))
        .collect();
    if providers.is_empty() {
        return Outcome::fail(
            format!("crm_resource: No providers found for {kind}\nError performing operation: Error occurred\n"),
            1,
        );
    }
    Outcome::ok(lines(&providers))
}

/// `--show-metadata=CLASS:[PROV:]TYPE`
pub fn show_metadata(dirs: &AgentDirs, spec: &str) -> Outcome {
    let failed = |why: &str| {
        Outcome::fail(
            format!("crm_resource: Metadata query for {spec} failed: {why}\nError performing operation: No such object\n"),
            105,
        )
    };
    let Some(agent) = AgentId::parse(spec) else {
        return failed("Invalid argument");
    };
    // Pacemaker names the instance after the agent for meta-data queries.
    let id = agent.kind.clone();
    let resource = ResourceSpec {
        id: id.clone(),
        agent,
        params: Default::default(),
    };
    let req = OpRequest::new(&id, Action::MetaData, 0, 30_000);
    let cfg = RunnerConfig {
        dirs: dirs.clone(),
        ..RunnerConfig::default()
    };
    match lrm::runner::execute_blocking(&cfg, &resource, &req) {
        Ok(e) if e.status == ExecStatus::Done && e.rc == OcfRc::SUCCESS => Outcome::ok(e.stdout),
        Ok(_) => failed("No such device or address"),
        Err(e) => failed(&e.to_string()),
    }
}

fn scripts(dirs: &[std::path::PathBuf]) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut names: Vec<String> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn lines(items: &[String]) -> String {
    items.iter().map(|i| format!("{i}\n")).collect()
}
