//! Heartbeat-class calling convention (`/etc/ha.d/resource.d/<type> [arg1 .. argN] action`):
//! positional arguments become named parameters, `status` prints `running`/`stopped`
//! on stdout (Heartbeat reads stdout, not the exit code), exit codes are LSB-like.

use crate::agent::{self, AgentSpec};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc};

/// Runs a heartbeat-class call: `args` are the positional arguments, `action` the last word.
pub fn execute(spec: &AgentSpec, args: &[String], action: &str, base: &OcfEnv) -> i32 {
    let params = match spec.heartbeat_args {
        Some(translate) => translate(args),
        None => Err(Failure::args(format!(
            "{} does not take heartbeat-style positional arguments",
            spec.name
        ))),
    };
    let params = match params {
        Ok(p) => p,
        Err(f) => {
            eprintln!("ERROR: {}", f.reason);
            return 1;
        }
    };
    let mut env = base.clone();
    for (k, v) in params {
        env.params.insert(k, v);
    }
    if env.instance == "default" {
        env.instance = format!("{}_{}", spec.name, args.join("_").replace('/', "_"));
    }
    let action = Action::parse(action);
    match action {
        Action::Monitor => {
            let rc = (spec.run)(&Action::Monitor, &env);
            let running = matches!(rc, Ok(OcfRc::SUCCESS | OcfRc::RUNNING_PROMOTED));
            // Heartbeat greps for "running" / "stopped"; the LSB code agrees with it.
            println!("{}", if running { "running" } else { "stopped" });
            if running {
                0
            } else {
                3
            }
        }
        Action::Start | Action::Stop => {
            let code = agent::execute(spec, &action, &env);
            if code == 0 {
                0
            } else {
                1
            }
        }
        other => agent::execute(spec, &other, &env),
    }
}
