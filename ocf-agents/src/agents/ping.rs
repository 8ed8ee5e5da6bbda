//! ping: measures how many hosts of `host_list` answer ICMP echo and publishes
//! `reachable * multiplier` as a node attribute (see [`crate::attributes`]); the last value
//! is also kept in the state file.

use std::path::PathBuf;

use crate::agent::unsupported;
use crate::attributes;
use crate::log;
use crate::metadata::{standard_actions, ContentType, Metadata, Parameter};
use crate::ocf::{parse_seconds, Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::{run_program, which};
use crate::state;

pub fn metadata() -> Metadata {
    Metadata {
        name: "ping",
        version: "1.0",
        shortdesc: "node connectivity",
        longdesc: "Every monitor pings the hosts in host_list and sets the node attribute \
                   'name' to (number of hosts answering) x multiplier, so location rules can \
                   keep resources away from nodes that lost connectivity.",
        parameters: vec![
            Parameter::new(
                "host_list",
                "Host list",
                "Space separated list of hosts (names or addresses) to ping.",
            )
            .required(),
            Parameter::new(
                "name",
                "Attribute name",
                "The name of the node attribute to set.",
            )
            .unique()
            .default("pingd"),
            Parameter::new(
                "multiplier",
                "Value multiplier",
                "The number of reachable hosts is multiplied by this.",
            )
            .of_type(ContentType::Integer)
            .default("1"),
            Parameter::new(
                "attempts",
                "Number of ping attempts per host",
                "How many echo requests are sent to each host; one answer is enough.",
            )
            .of_type(ContentType::Integer)
            .default("3"),
            Parameter::new(
                "timeout",
                "Ping timeout in seconds",
                "How long to wait for an answer.",
            )
            .of_type(ContentType::Integer)
            .default("2"),
            Parameter::new(
                "dampen",
                "Dampening interval",
                "How long the attribute daemon waits for further changes before writing the \
                 attribute (smooths flapping links).",
            )
            .of_type(ContentType::Time)
            .default("5s"),
            Parameter::new(
                "failure_score",
                "failure_score",
                "When set and the computed value is below it, monitor fails.",
            )
            .of_type(ContentType::Integer),
        ],
        actions: standard_actions(60, 20, 10),
    }
}

#[derive(Debug)]
struct Config {
    hosts: Vec<String>,
    name: String,
    multiplier: u64,
    attempts: u64,
    timeout: u64,
    dampen: String,
    failure_score: Option<u64>,
    state: PathBuf,
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let hosts: Vec<String> = env
        .required("host_list")?
        .split([' ', ','])
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = hosts.iter().find(|h| h.starts_with('-')) {
        return Err(Failure::configured(format!("'{bad}' is not a host")));
    }
    let dampen = env.param_or("dampen", "5s").to_string();
    if parse_seconds(&dampen).is_none() {
        return Err(Failure::configured(format!(
            "dampen '{dampen}' is not a duration"
        )));
    }
    let failure_score = match env.param("failure_score") {
        Some(_) => Some(env.integer("failure_score", 0)?),
        None => None,
    };
    Ok(Config {
        hosts,
        name: env.param_or("name", "pingd").to_string(),
        multiplier: env.integer("multiplier", 1)?,
        attempts: env.integer("attempts", 3)?.max(1),
        timeout: env.integer("timeout", 2)?.max(1),
        dampen,
        failure_score,
        state: env.state_file("ping", "state"),
    })
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    match action {
        Action::Start => {
            validate(&cfg)?;
            let score = update(&cfg)?;
            log::info(&format!("started; {}={score}", cfg.name));
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop => {
            if cfg.state.exists() {
                attribute_delete(&cfg);
            }
            state::remove(&cfg.state)?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Monitor => {
            if !cfg.state.exists() {
                return Ok(OcfRc::NOT_RUNNING);
            }
            let score = update(&cfg)?;
            match cfg.failure_score {
                Some(min) if score < min => Err(Failure::generic(format!(
                    "{}={score} is below failure_score {min}",
                    cfg.name
                ))),
                _ => Ok(OcfRc::SUCCESS),
            }
        }
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => validate(&cfg).map(|()| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

fn validate(_cfg: &Config) -> Result<(), Failure> {
    which("ping")
        .map(|_| ())
        .ok_or_else(|| Failure::installed("ping (iputils-ping) is not installed"))
}

/// True when `host` answers at least one echo request.
fn reachable(cfg: &Config, host: &str) -> bool {
    let count = cfg.attempts.to_string();
    let wait = cfg.timeout.to_string();
    run_program("ping", &["-n", "-q", "-c", &count, "-W", &wait, host])
        .is_ok_and(|out| out.status.success())
}

/// Pings every host at once, records and publishes the score.
fn update(cfg: &Config) -> Result<u64, Failure> {
    let answering = std::thread::scope(|scope| {
        let probes: Vec<_> = cfg
            .hosts
            .iter()
            .map(|h| scope.spawn(move || reachable(cfg, h)))
            .collect();
        probes
            .into_iter()
            .filter_map(|p| p.join().ok())
            .filter(|answered| *answered)
            .count() as u64
    });
    let score = answering * cfg.multiplier;
    state::write(&cfg.state, &format!("{}={score}\n", cfg.name))?;
    attribute_update(cfg, score);
    Ok(score)
}

fn attribute_update(cfg: &Config, score: u64) {
    attributes::update(&cfg.name, &score.to_string(), &cfg.dampen);
}

fn attribute_delete(cfg: &Config) {
    attributes::delete(&cfg.name, &cfg.dampen);
}
