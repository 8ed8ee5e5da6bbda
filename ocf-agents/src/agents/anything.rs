//! anything: runs any command line as a daemon, tracked by a pid file.

use std::process::{Command, Stdio};

use crate::agent::unsupported;
use crate::agents::daemon::{self, Daemon};
use crate::metadata::{standard_actions, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};

pub fn metadata() -> Metadata {
    let mut parameters = daemon::parameters();
    parameters.push(Parameter::new(
        "monitor_hook",
        "Command to run in monitor operation",
        "A shell command run by monitor while the daemon is alive; a non-zero exit makes \
         the monitor fail.",
    ));
    Metadata {
        name: "anything",
        version: "1.0",
        shortdesc: "Manages an arbitrary service",
        longdesc: "Starts binfile with cmdline_options in the background (through /bin/sh, so \
                   shell syntax works), remembers its pid in pidfile, monitors that the process \
                   is alive (plus an optional monitor_hook command) and stops it with SIGTERM, \
                   then SIGKILL after stop_timeout.",
        parameters,
        actions: standard_actions(20, 20, 10),
    }
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let daemon = Daemon::from_env(env, "anything")?;
    match action {
        Action::Start => daemon.start().map(|_| OcfRc::SUCCESS),
        Action::Stop => daemon.stop().map(|()| OcfRc::SUCCESS),
        Action::Monitor => monitor(&daemon, env.param("monitor_hook")),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => daemon.validate().map(|_| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

fn monitor(daemon: &Daemon, hook: Option<&str>) -> Outcome {
    if daemon.running_pid().is_none() {
        return Ok(OcfRc::NOT_RUNNING);
    }
    if let Some(hook) = hook {
        let ok = Command::new("/bin/sh")
            .arg("-c")
            .arg(hook)
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(Failure::generic(format!("monitor_hook '{hook}' failed")));
        }
    }
    Ok(OcfRc::SUCCESS)
}
