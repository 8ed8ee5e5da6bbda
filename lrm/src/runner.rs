//! Executes one operation of one resource, start to finish: choose how the class runs the
//! action, run it, and turn what happened into an OCF rc and an execution status.
//! No queueing here; `executor` decides when this runs.

use std::path::Path;
use std::time::Duration;

use crate::agent::{AgentDirs, ResourceClass};
use crate::capture::DEFAULT_CAPTURE_LIMIT;
use crate::env::{self, INHERITED_PREFIXES_REMOVED};
use crate::metadata;
use crate::op::{Action, OpRequest, ResourceSpec};
use crate::process::{self, ProcessSpec, Termination};
use crate::systemd;
use vocab::{ExecStatus, OcfRc};

/// How agents are found and supervised.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Agent directories.
    pub dirs: AgentDirs,
    /// Bytes of stdout/stderr kept at each end.
    pub capture_limit: usize,
    /// Time between SIGTERM and SIGKILL when an operation times out.
    pub kill_grace: Duration,
    /// Extra variables for OCF agents (logging hints such as `HA_logfacility`).
    pub extra_env: Vec<(String, String)>,
    /// Whether `OCF_RESKEY_*`-style variables inherited from our own environment reach agents.
    /// The daemon scrubs them; `crm_resource` passes them on, as Pacemaker's does.
    pub pass_inherited_ocf_env: bool,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            dirs: AgentDirs::from_env(),
            capture_limit: DEFAULT_CAPTURE_LIMIT,
            kill_grace: Duration::from_secs(5),
            extra_env: Vec::new(),
            pass_inherited_ocf_env: false,
        }
    }
}

/// What one execution produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// Agent result in OCF terms.
    pub rc: OcfRc,
    /// How the execution ended.
    pub status: ExecStatus,
    /// Why, when the agent or the LRM said so.
    pub exit_reason: String,
    /// Kept stdout.
    pub stdout: String,
    /// Kept stderr.
    pub stderr: String,
    /// Time the agent ran.
    pub elapsed: Duration,
}

impl Execution {
    fn refused(rc: OcfRc, status: ExecStatus, reason: impl Into<String>) -> Self {
        Execution {
            rc,
            status,
            exit_reason: reason.into(),
            stdout: String::new(),
            stderr: String::new(),
            elapsed: Duration::ZERO,
        }
    }
}

/// How an exit code is read for a class and action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interpretation {
    Ocf,
    Lsb { status: bool },
    HeartbeatStatus,
}

/// Runs `req` on `rsc` now.
pub async fn execute(cfg: &RunnerConfig, rsc: &ResourceSpec, req: &OpRequest) -> Execution {
    // Every class, systemd units too: a name is never a path.
    if let Err(bad) = rsc.agent.check_name() {
        return Execution::refused(
            OcfRc::ERR_INSTALLED,
            ExecStatus::NotInstalled,
            format!("{}: {bad}", rsc.agent),
        );
    }
    let timeout = Duration::from_millis(req.timeout_ms.max(1));
    match rsc.agent.class {
        // stonithd reads fencing devices from the CIB and runs them itself; for the LRM a
        // device's start, stop and monitor are bookkeeping that always succeeds.
        ResourceClass::Stonith => match req.action {
            Action::Start | Action::Stop | Action::Monitor => Execution {
                rc: OcfRc::SUCCESS,
                status: ExecStatus::Done,
                exit_reason: String::new(),
                stdout: String::new(),
                stderr: String::new(),
                elapsed: Duration::ZERO,
            },
            _ => Execution::refused(
                OcfRc::ERR_UNIMPLEMENTED,
                ExecStatus::NotSupported,
                "fencing devices only start, stop and monitor in the LRM; stonithd fences",
            ),
        },
        ResourceClass::Systemd => systemd::execute(&rsc.agent.kind, &req.action, timeout).await,
        ResourceClass::Service => {
            if systemd::present() && systemd::knows_unit(&rsc.agent.kind).await {
                systemd::execute(&rsc.agent.kind, &req.action, timeout).await
            } else {
                run_script(cfg, rsc, req, timeout).await
            }
        }
        ResourceClass::Ocf | ResourceClass::Lsb | ResourceClass::Heartbeat => {
            run_script(cfg, rsc, req, timeout).await
        }
    }
}

/// [`execute`] for callers without an async runtime (e.g. `crm_resource`): runs the operation
/// on a private single-threaded runtime.
pub fn execute_blocking(
    cfg: &RunnerConfig,
    rsc: &ResourceSpec,
    req: &OpRequest,
) -> std::io::Result<Execution> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(execute(cfg, rsc, req)))
}

async fn run_script(
    cfg: &RunnerConfig,
    rsc: &ResourceSpec,
    req: &OpRequest,
    timeout: Duration,
) -> Execution {
    let Some(path) = cfg.dirs.script_path(&rsc.agent) else {
        return Execution::refused(
            OcfRc::ERR_INSTALLED,
            ExecStatus::NotInstalled,
            format!("{} agent not found or not executable", rsc.agent),
        );
    };
    let class = rsc.agent.class;
    if req.action == Action::MetaData && class != ResourceClass::Ocf {
        let xml = metadata::generated(class, &rsc.agent.kind, &path);
        return Execution {
            stdout: xml,
            ..Execution::refused(OcfRc::SUCCESS, ExecStatus::Done, "")
        };
    }
    let (args, env, interpretation) = match class {
        ResourceClass::Ocf => (
            vec![req.action.as_str().to_string()],
            cfg.extra_env
                .iter()
                .cloned()
                .chain(env::ocf_env(&cfg.dirs.ocf_root, rsc, req))
                .collect(),
            Interpretation::Ocf,
        ),
        ResourceClass::Heartbeat => {
            let Some(verb) = legacy_verb(&req.action, &["start", "stop", "status"]) else {
                return unsupported(req);
            };
            let mut args = heartbeat_args(rsc, req);
            let status = verb == "status";
            args.push(verb);
            let interpretation = if status {
                Interpretation::HeartbeatStatus
            } else {
                Interpretation::Lsb { status: false }
            };
            (args, Vec::new(), interpretation)
        }
        _ => {
            let verbs = [
                "start",
                "stop",
                "status",
                "restart",
                "reload",
                "force-reload",
            ];
            let Some(verb) = legacy_verb(&req.action, &verbs) else {
                return unsupported(req);
            };
            let status = verb == "status";
            (vec![verb], Vec::new(), Interpretation::Lsb { status })
        }
    };
    let spec = ProcessSpec {
        program: path.clone(),
        args,
        env,
        env_remove_prefixes: if cfg.pass_inherited_ocf_env {
            Vec::new()
        } else {
            INHERITED_PREFIXES_REMOVED
                .iter()
                .map(|p| p.to_string())
                .collect()
        },
        timeout,
        kill_grace: cfg.kill_grace,
        capture_limit: cfg.capture_limit,
    };
    let outcome = match process::run(&spec).await {
        Ok(o) => o,
        Err(e) => return spawn_failure(&path, e),
    };
    let stdout = outcome.stdout.to_text();
    let stderr = outcome.stderr.to_text();
    log_output(rsc, req, &outcome);
    let (rc, status, reason) = match outcome.termination {
        Termination::TimedOut => (
            OcfRc::ERR_GENERIC,
            ExecStatus::Timeout,
            "Resource agent did not exit within specified timeout".to_string(),
        ),
        Termination::Signaled(sig) => (
            OcfRc::ERR_GENERIC,
            ExecStatus::Error,
            format!(
                "Resource agent interrupted by {} signal",
                process::signal_text(sig)
            ),
        ),
        Termination::Exited(code) => {
            let rc = match interpretation {
                Interpretation::Ocf => OcfRc::from_ocf_exit(code),
                Interpretation::Lsb { status } => OcfRc::from_lsb_exit(code, status),
                Interpretation::HeartbeatStatus => OcfRc::from_heartbeat_status(&stdout),
            };
            // Like Pacemaker, an exit reason only accompanies a failure.
            let reason = if rc == OcfRc::SUCCESS {
                None
            } else {
                env::exit_reason(&stderr)
            };
            (rc, ExecStatus::Done, reason.unwrap_or_default())
        }
    };
    Execution {
        rc,
        status,
        exit_reason: reason,
        stdout,
        stderr,
        elapsed: outcome.elapsed,
    }
}

/// The verb a legacy (LSB or heartbeat) script understands for `action`; monitor is status.
fn legacy_verb(action: &Action, known: &[&str]) -> Option<String> {
    let verb = if *action == Action::Monitor {
        "status"
    } else {
        action.as_str()
    };
    known.contains(&verb).then(|| verb.to_string())
}

fn unsupported(req: &OpRequest) -> Execution {
    Execution::refused(
        OcfRc::ERR_UNIMPLEMENTED,
        ExecStatus::NotSupported,
        format!(
            "action {} is not supported by this resource class",
            req.action
        ),
    )
}

/// Heartbeat-class parameters are named `1`..`N` and passed in that order; the list ends at
/// the first missing number.
fn heartbeat_args(rsc: &ResourceSpec, req: &OpRequest) -> Vec<String> {
    let lookup = |n: usize| {
        let key = n.to_string();
        req.params
            .get(&key)
            .or_else(|| rsc.params.get(&key))
            .cloned()
    };
    (1..).map_while(lookup).collect()
}

fn spawn_failure(path: &Path, e: std::io::Error) -> Execution {
    let (rc, status) = match e.kind() {
        std::io::ErrorKind::NotFound => (OcfRc::ERR_INSTALLED, ExecStatus::NotInstalled),
        std::io::ErrorKind::PermissionDenied => (OcfRc::ERR_PERM, ExecStatus::Error),
        _ => (OcfRc::ERR_GENERIC, ExecStatus::Error),
    };
    Execution::refused(
        rc,
        status,
        format!("cannot execute {}: {e}", path.display()),
    )
}

fn log_output(rsc: &ResourceSpec, req: &OpRequest, outcome: &process::ProcessOutcome) {
    for (stream, capture) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        if capture.total_bytes() == 0 {
            continue;
        }
        if capture.dropped_bytes() > 0 {
            tracing::warn!(rsc = %rsc.id, action = %req.action, stream,
                total = capture.total_bytes(), dropped = capture.dropped_bytes(),
                "agent output exceeded the capture limit; middle dropped");
        }
        tracing::debug!(rsc = %rsc.id, action = %req.action, stream, output = %capture.to_text(), "agent output");
    }
}
