//! Dummy: a resource that is "running" while its state file exists. Useful for testing
//! the cluster itself; supports live migration (migrate_to stops, migrate_from starts).

use std::path::PathBuf;

use crate::agent::unsupported;
use crate::metadata::{standard_actions, ActionHint, ContentType, Metadata, Parameter};
use crate::ocf::{parse_seconds, Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::sleep_secs;
use crate::state;

pub fn metadata() -> Metadata {
    let mut actions = standard_actions(20, 20, 10);
    actions.extend([
        ActionHint::new("reload", 20),
        ActionHint::new("migrate_to", 20),
        ActionHint::new("migrate_from", 20),
    ]);
    Metadata {
        name: "Dummy",
        version: "1.0",
        shortdesc: "Example stateless resource agent",
        longdesc: "A resource that does nothing but remember whether it is started, in a state \
                   file. Use it to test cluster behaviour, constraints and failover.",
        parameters: vec![
            Parameter::new(
                "state",
                "State file",
                "Location to store the resource state in (default: $HA_RSCTMP/Dummy-<instance>.state).",
            )
            .unique(),
            Parameter::new(
                "fake",
                "Fake attribute that can be changed to cause a reload",
                "Fake attribute that can be changed to cause a reload.",
            )
            .default("dummy"),
            Parameter::new(
                "op_sleep",
                "Operation sleep duration in seconds",
                "Number of seconds to sleep during every operation (to simulate slow resources).",
            )
            .of_type(ContentType::Time)
            .default("0"),
        ],
        actions,
    }
}

/// Dummy's decoded parameters.
struct Config {
    state: PathBuf,
    op_sleep: f64,
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let state = match env.param("state") {
        Some(s) if !s.starts_with('/') => {
            return Err(Failure::configured(format!(
                "state file '{s}' must be an absolute path"
            )))
        }
        Some(s) => PathBuf::from(s),
        None => env.state_file("Dummy", "state"),
    };
    let op_sleep = parse_seconds(env.param_or("op_sleep", "0")).ok_or_else(|| {
        Failure::configured(format!(
            "op_sleep '{}' is not a duration",
            env.param_or("op_sleep", "")
        ))
    })?;
    Ok(Config { state, op_sleep })
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    sleep_secs(cfg.op_sleep);
    match action {
        Action::Start | Action::MigrateFrom => {
            state::write(&cfg.state, "started\n")?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop | Action::MigrateTo => {
            state::remove(&cfg.state)?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Monitor => Ok(if cfg.state.exists() {
            OcfRc::SUCCESS
        } else {
            OcfRc::NOT_RUNNING
        }),
        Action::Reload | Action::ReloadAgent => Ok(OcfRc::SUCCESS),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => validate(&cfg, env),
        other => unsupported(other),
    }
}

fn validate(cfg: &Config, env: &OcfEnv) -> Outcome {
    match cfg.state.parent() {
        // The default directory is created on start; a user-chosen one must exist here.
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() && dir != env.rsctmp => Err(
            Failure::args(format!("state directory {} does not exist", dir.display())),
        ),
        _ => Ok(OcfRc::SUCCESS),
    }
}
