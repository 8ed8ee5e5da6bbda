//! WebServer: runs a web server in the foreground as a daemon (like `anything`) and
//! judges its health the way the apache agent does, by fetching a status URL.

use std::time::{Duration, Instant};

use crate::agent::unsupported;
use crate::agents::daemon::{self, Daemon};
use crate::http::{self, Url};
use crate::metadata::{standard_actions, ContentType, Metadata, Parameter};
use crate::ocf::{parse_seconds, Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::pid_alive;

pub fn metadata() -> Metadata {
    let mut parameters = daemon::parameters();
    parameters.extend([
        Parameter::new(
            "statusurl",
            "Status URL",
            "An http:// URL on this node that answers with status 2xx or 3xx while the \
             server is healthy, e.g. http://127.0.0.1/server-status.",
        )
        .required(),
        Parameter::new(
            "teststring",
            "Expected text",
            "Text that must appear in the body of the status page.",
        ),
        Parameter::new(
            "http_timeout",
            "Status request timeout",
            "How long one status request may take.",
        )
        .of_type(ContentType::Time)
        .default("5"),
    ]);
    Metadata {
        name: "WebServer",
        version: "1.0",
        shortdesc: "Manages a web server",
        longdesc: "Starts a web server (binfile with cmdline_options, staying in the \
                   foreground, e.g. 'apache2 -DFOREGROUND' or 'nginx -g \"daemon off;\"'), \
                   waits until its status URL answers, monitors the process and the URL \
                   (optionally checking for teststring in the page) and stops it with \
                   SIGTERM, then SIGKILL.",
        parameters,
        actions: standard_actions(40, 60, 10),
    }
}

struct Config {
    daemon: Daemon,
    url: Url,
    teststring: Option<String>,
    http_timeout: Duration,
    start_wait: Duration,
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let raw_url = env.required("statusurl")?;
    let url = Url::parse(raw_url).ok_or_else(|| {
        Failure::configured(format!("statusurl '{raw_url}' is not an http:// URL"))
    })?;
    let raw_timeout = env.param_or("http_timeout", "5");
    let http_timeout = parse_seconds(raw_timeout)
        .filter(|s| *s > 0.0)
        .ok_or_else(|| {
            Failure::configured(format!("http_timeout '{raw_timeout}' is not a duration"))
        })?;
    // Start may use most of its operation timeout waiting for the server to answer.
    let start_wait = env
        .meta_ms("timeout")
        .map(|ms| ms as f64 * 0.9 / 1000.0)
        .unwrap_or(30.0);
    Ok(Config {
        daemon: Daemon::from_env(env, "WebServer")?,
        url,
        teststring: env.param("teststring").map(str::to_string),
        http_timeout: Duration::from_secs_f64(http_timeout),
        start_wait: Duration::from_secs_f64(start_wait),
    })
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    match action {
        Action::Start => start(&cfg),
        Action::Stop => cfg.daemon.stop().map(|()| OcfRc::SUCCESS),
        Action::Monitor => monitor(&cfg),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => cfg.daemon.validate().map(|_| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

/// Fetches the status URL; Err carries the reason it is unhealthy.
fn check(cfg: &Config) -> Result<(), String> {
    let reply = http::get(&cfg.url, cfg.http_timeout)?;
    if !(200..400).contains(&reply.status) {
        return Err(format!("status URL answered {}", reply.status));
    }
    match &cfg.teststring {
        Some(t) if !reply.body.contains(t.as_str()) => {
            Err(format!("status page does not contain '{t}'"))
        }
        _ => Ok(()),
    }
}

fn start(cfg: &Config) -> Outcome {
    let pid = cfg.daemon.start()?;
    let deadline = Instant::now() + cfg.start_wait;
    loop {
        let last = match check(cfg) {
            Ok(()) => return Ok(OcfRc::SUCCESS),
            Err(why) => why,
        };
        if !pid_alive(pid) {
            cfg.daemon.stop()?;
            return Err(Failure::generic(format!(
                "{} exited during start ({last})",
                cfg.daemon.binfile
            )));
        }
        if Instant::now() >= deadline {
            return Err(Failure::generic(format!(
                "{} did not become healthy: {last}",
                cfg.daemon.binfile
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn monitor(cfg: &Config) -> Outcome {
    if cfg.daemon.running_pid().is_none() {
        return Ok(OcfRc::NOT_RUNNING);
    }
    check(cfg).map_err(Failure::generic)?;
    Ok(OcfRc::SUCCESS)
}
