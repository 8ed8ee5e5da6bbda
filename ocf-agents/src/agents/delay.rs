//! Delay: a test resource whose start, stop and monitor take a configurable time.

use std::path::PathBuf;

use crate::agent::unsupported;
use crate::metadata::{standard_actions, ContentType, Metadata, Parameter};
use crate::ocf::{parse_seconds, Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::sleep_secs;
use crate::state;

const DEFAULT_START_DELAY: &str = "30";
const DEFAULT_MON_DELAY: &str = "0";

pub fn metadata() -> Metadata {
    Metadata {
        name: "Delay",
        version: "1.0",
        shortdesc: "Waits for a defined timespan",
        longdesc: "A test resource that sleeps on start, stop and monitor, to exercise \
                   operation timeouts and slow transitions.",
        parameters: vec![
            Parameter::new(
                "startdelay",
                "Start delay",
                "How long (seconds, fractions allowed) the start action takes.",
            )
            .of_type(ContentType::Time)
            .default(DEFAULT_START_DELAY),
            Parameter::new(
                "stopdelay",
                "Stop delay",
                "How long the stop action takes (default: the start delay).",
            )
            .of_type(ContentType::Time),
            Parameter::new(
                "mondelay",
                "Monitor delay",
                "How long the monitor action takes.",
            )
            .of_type(ContentType::Time)
            .default(DEFAULT_MON_DELAY),
        ],
        actions: standard_actions(60, 60, 10),
    }
}

struct Config {
    start: f64,
    stop: f64,
    monitor: f64,
    state: PathBuf,
}

fn seconds(env: &OcfEnv, name: &str, default: &str) -> Result<f64, Failure> {
    let raw = env.param_or(name, default);
    parse_seconds(raw)
        .ok_or_else(|| Failure::configured(format!("{name} '{raw}' is not a duration")))
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let start = seconds(env, "startdelay", DEFAULT_START_DELAY)?;
    let stop = match env.param("stopdelay") {
        Some(_) => seconds(env, "stopdelay", "0")?,
        None => start,
    };
    Ok(Config {
        start,
        stop,
        monitor: seconds(env, "mondelay", DEFAULT_MON_DELAY)?,
        state: env.state_file("Delay", "state"),
    })
}

/// A delay the cluster would time out on anyway is a configuration error.
fn check_fits(env: &OcfEnv, delay: f64, what: &str) -> Result<(), Failure> {
    match env.meta_ms("timeout") {
        Some(ms) if delay * 1000.0 >= ms as f64 => Err(Failure::configured(format!(
            "{what} of {delay}s does not fit in the operation timeout of {ms}ms"
        ))),
        _ => Ok(()),
    }
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    match action {
        Action::Start => {
            check_fits(env, cfg.start, "startdelay")?;
            if !cfg.state.exists() {
                sleep_secs(cfg.start);
                state::write(&cfg.state, "started\n")?;
            }
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop => {
            if cfg.state.exists() {
                sleep_secs(cfg.stop);
                state::remove(&cfg.state)?;
            }
            Ok(OcfRc::SUCCESS)
        }
        Action::Monitor => {
            if !cfg.state.exists() {
                return Ok(OcfRc::NOT_RUNNING);
            }
            sleep_secs(cfg.monitor);
            Ok(OcfRc::SUCCESS)
        }
        Action::ValidateAll => Ok(OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

/// `Delay::<startdelay>[::<stopdelay>[::<mondelay>]]` in haresources.
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    if args.len() > 3 {
        return Err(Failure::args("Delay takes at most three delays"));
    }
    Ok(["startdelay", "stopdelay", "mondelay"]
        .iter()
        .zip(args)
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect())
}
