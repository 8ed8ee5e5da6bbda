//! Stateful: a promotable test agent. Its state file holds the role; monitor reports 0
//! (unpromoted) or 8 (promoted). It sets its promotion score the way real agents do:
//! `crm_master`, else `crm_attribute --promotion`; without a reachable cluster it prints
//! the score instead.

use std::path::PathBuf;

use crate::agent::unsupported;
use crate::log;
use crate::metadata::{ActionHint, ContentType, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::{run_program, which};
use crate::state;

const UNPROMOTED: &str = "unpromoted";
const PROMOTED: &str = "promoted";

pub fn metadata() -> Metadata {
    Metadata {
        name: "Stateful",
        version: "1.1",
        shortdesc: "Example promotable resource agent",
        longdesc: "A promotable clone test agent: it remembers its role (unpromoted or promoted) \
                   in a state file and publishes a promotion score so the cluster can choose \
                   where to promote it.",
        parameters: vec![
            Parameter::new(
                "state",
                "State file",
                "Location to store the resource role in (default: $HA_RSCTMP/Stateful-<instance>.state).",
            )
            .unique(),
            Parameter::new(
                "unpromoted_score",
                "Promotion score while unpromoted",
                "Promotion score published after start and demote.",
            )
            .of_type(ContentType::Integer)
            .default("5"),
            Parameter::new(
                "promoted_score",
                "Promotion score while promoted",
                "Promotion score published after promote.",
            )
            .of_type(ContentType::Integer)
            .default("10"),
        ],
        actions: vec![
            ActionHint::new("start", 20),
            ActionHint::new("stop", 20),
            ActionHint::new("monitor", 20).every(10).role("Promoted"),
            ActionHint::new("monitor", 20).every(11).role("Unpromoted"),
            ActionHint::new("promote", 10),
            ActionHint::new("demote", 10),
            ActionHint::new("notify", 5),
            ActionHint::new("meta-data", 5),
            ActionHint::new("validate-all", 30),
        ],
    }
}

struct Config {
    state: PathBuf,
    unpromoted_score: u64,
    promoted_score: u64,
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let state = match env.param("state") {
        Some(s) if !s.starts_with('/') => {
            return Err(Failure::configured(format!(
                "state file '{s}' must be an absolute path"
            )))
        }
        Some(s) => PathBuf::from(s),
        None => env.state_file("Stateful", "state"),
    };
    Ok(Config {
        state,
        unpromoted_score: env.integer("unpromoted_score", 5)?,
        promoted_score: env.integer("promoted_score", 10)?,
    })
}

/// The current role, None when stopped.
fn role(cfg: &Config) -> Option<String> {
    state::read(&cfg.state).map(|s| s.trim().to_string())
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    match action {
        Action::Start => {
            if role(&cfg).is_none() {
                state::write(&cfg.state, UNPROMOTED)?;
            }
            set_promotion_score(env, Some(cfg.unpromoted_score));
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop => {
            state::remove(&cfg.state)?;
            set_promotion_score(env, None);
            Ok(OcfRc::SUCCESS)
        }
        Action::Monitor => Ok(match role(&cfg).as_deref() {
            None => OcfRc::NOT_RUNNING,
            Some(PROMOTED) => OcfRc::RUNNING_PROMOTED,
            Some(_) => OcfRc::SUCCESS,
        }),
        Action::Promote => {
            if role(&cfg).is_none() {
                return Err(Failure::generic("cannot promote: resource is not running"));
            }
            state::write(&cfg.state, PROMOTED)?;
            set_promotion_score(env, Some(cfg.promoted_score));
            Ok(OcfRc::SUCCESS)
        }
        Action::Demote => {
            if role(&cfg).is_none() {
                return Err(Failure::generic("cannot demote: resource is not running"));
            }
            state::write(&cfg.state, UNPROMOTED)?;
            set_promotion_score(env, Some(cfg.unpromoted_score));
            Ok(OcfRc::SUCCESS)
        }
        Action::Notify => {
            let kind = env
                .meta
                .get("notify_type")
                .map(String::as_str)
                .unwrap_or("");
            let op = env
                .meta
                .get("notify_operation")
                .map(String::as_str)
                .unwrap_or("");
            log::info(&format!("notify: {kind}-{op}"));
            Ok(OcfRc::SUCCESS)
        }
        Action::ValidateAll => Ok(OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

/// Publishes (Some) or deletes (None) this instance's promotion score.
fn set_promotion_score(env: &OcfEnv, score: Option<u64>) {
    let value = score.map(|s| s.to_string());
    let mut args = vec!["-l", "reboot"];
    match &value {
        Some(v) => args.extend(["-v", v.as_str()]),
        None => args.push("-D"),
    }
    let attempt = if which("crm_master").is_some() {
        Some(("crm_master", args.clone()))
    } else if which("crm_attribute").is_some() {
        let mut a = vec!["--promotion"];
        a.extend(args.iter().copied());
        Some(("crm_attribute", a))
    } else {
        None
    };
    let shown = value.as_deref().unwrap_or("(deleted)");
    let outcome = attempt.map(|(tool, args)| (tool, run_program(tool, &args)));
    match outcome {
        Some((_, Ok(out))) if out.status.success() => {}
        Some((tool, result)) => {
            let why = match result {
                Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
                Err(f) => f.reason,
            };
            log::warn(&format!("{tool} could not set the promotion score: {why}"));
            println!("promotion score for {}: {shown}", env.instance);
        }
        None => println!("promotion score for {}: {shown}", env.instance),
    }
}
