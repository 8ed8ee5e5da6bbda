//! The agent registry and the generic part of running an action: meta-data, usage,
//! methods, exit reasons and exit codes.

use crate::agents;
use crate::log;
use crate::metadata::Metadata;
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};

/// Turns Heartbeat v1 positional arguments (`IPaddr::10.0.0.5/24/eth0`) into named parameters.
pub type HeartbeatArgs = fn(&[String]) -> Result<Vec<(String, String)>, Failure>;

/// One agent: its name (the file name it is installed under), meta-data and actions.
pub struct AgentSpec {
    pub name: &'static str,
    pub metadata: fn() -> Metadata,
    pub run: fn(&Action, &OcfEnv) -> Outcome,
    /// Present for agents that can also be called as heartbeat-class scripts.
    pub heartbeat_args: Option<HeartbeatArgs>,
}

/// Every agent this crate ships.
pub fn all() -> &'static [AgentSpec] {
    agents::REGISTRY
}

/// Looks an agent up by name (exact, as installed).
pub fn find(name: &str) -> Option<&'static AgentSpec> {
    all().iter().find(|a| a.name == name)
}

/// The failure returned for actions an agent does not implement.
pub fn unsupported(action: &Action) -> Outcome {
    Err(Failure::new(
        OcfRc::ERR_UNIMPLEMENTED,
        format!("action {action:?} is not implemented"),
    ))
}

/// Runs one OCF action and returns the process exit code; prints meta-data and the
/// exit reason of failures.
pub fn execute(spec: &AgentSpec, action: &Action, env: &OcfEnv) -> i32 {
    match action {
        Action::MetaData => {
            print!("{}", (spec.metadata)().to_xml());
            0
        }
        Action::Usage => {
            println!("{}", usage(spec));
            0
        }
        Action::Methods => {
            for a in (spec.metadata)().actions {
                println!("{}", a.name);
            }
            0
        }
        Action::Other(name) => {
            eprintln!("{}", usage(spec));
            report(&Failure::new(
                OcfRc::ERR_UNIMPLEMENTED,
                format!("unknown action '{name}'"),
            ))
        }
        _ => match (spec.run)(action, env) {
            Ok(rc) => rc.code(),
            Err(failure) => report(&failure),
        },
    }
}

/// Prints the exit reason the way the LRM expects it and returns the exit code.
fn report(failure: &Failure) -> i32 {
    let prefix =
        std::env::var("OCF_EXIT_REASON_PREFIX").unwrap_or_else(|_| "ocf-exit-reason:".into());
    if failure.rc != OcfRc::ERR_UNIMPLEMENTED {
        log::error(&failure.reason);
    }
    eprintln!("{prefix}{}", failure.reason);
    failure.rc.code()
}

fn usage(spec: &AgentSpec) -> String {
    let names: Vec<&str> = (spec.metadata)().actions.iter().map(|a| a.name).collect();
    format!("usage: {} {{{}}}", spec.name, names.join("|"))
}
