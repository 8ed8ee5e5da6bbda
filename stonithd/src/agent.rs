//! Running fence agents.
//!
//! - `fence_*` (ClusterLabs fence-agents and our own `fence_lab`): `key=value` lines on stdin
//!   (`action`, `port`, `plug`, `nodename` and the device's parameters); exit 0 is success, and
//!   for `status` exit 2 means "off".
//! - cluster-glue `external/NAME` plugins: `NAME <reset|off|on|status|gethosts> [node]` with the
//!   parameters in the environment.
//!
//! Every run has a timeout (the process group is killed), its output is capped, and a hung,
//! crashing or garbage-printing agent gives a clear [`AgentError`].

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::device::Device;

/// Largest output kept from an agent.
const MAX_OUTPUT: usize = 64 * 1024;

/// Why an agent run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    /// The agent is not installed.
    #[error("fence agent {0} is not installed")]
    NotInstalled(String),
    /// It did not finish in time and was killed.
    #[error("fence agent {agent} timed out after {secs} s and was killed")]
    Timeout {
        /// The agent.
        agent: String,
        /// The timeout.
        secs: u64,
    },
    /// It exited non-zero (or was killed by a signal).
    #[error("fence agent {agent} {action} failed (exit {code}): {output}")]
    Failed {
        /// The agent.
        agent: String,
        /// The action.
        action: String,
        /// Its exit code (-1 for a signal).
        code: i32,
        /// What it printed (trimmed).
        output: String,
    },
    /// The agent is named by a path or is no fence agent at all; nothing was run.
    #[error(transparent)]
    Invalid(#[from] cib::agent_name::BadAgentName),
    /// It could not be started.
    #[error("cannot run fence agent {agent}: {reason}")]
    Spawn {
        /// The agent.
        agent: String,
        /// Why.
        reason: String,
    },
}

/// What a successful run printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentOutput {
    /// Exit code (0, or 2 for `status` of an off node).
    pub code: i32,
    /// stdout.
    pub stdout: String,
}

/// Directories searched for `fence_*` agents: `$STONITH_AGENT_DIRS` (colon-separated) first.
fn fence_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var("STONITH_AGENT_DIRS")
        .unwrap_or_default()
        .split(':')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    if let Some(own) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
    {
        dirs.push(own);
    }
    dirs.extend(["/usr/sbin", "/usr/libexec/fence-agents", "/sbin"].map(PathBuf::from));
    dirs
}

/// The executable implementing `agent`, if installed. Only `fence_*` names in the fence agent
/// directories and `external/*` plugins in the cluster-glue plugin directory are ever found
/// ([`cib::agent_name::check_fence_agent`]): never a path.
pub fn find(agent: &str) -> Option<PathBuf> {
    cib::agent_name::check_fence_agent(agent).ok()?;
    if let Some(name) = agent.strip_prefix("external/") {
        let dir = std::env::var("STONITH_EXTERNAL_DIR")
            .unwrap_or_else(|_| "/usr/lib/stonith/plugins/external".into());
        let p = PathBuf::from(dir).join(name);
        return p.is_file().then_some(p);
    }
    fence_dirs()
        .into_iter()
        .map(|d| d.join(agent))
        .find(|p| p.is_file())
}

/// Runs a program with `stdin` text and `env`, killing its process group at `timeout`.
fn run(
    agent: &str,
    mut cmd: Command,
    stdin: &str,
    timeout: Duration,
    action: &str,
    ok_codes: &[i32],
) -> Result<AgentOutput, AgentError> {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| AgentError::Spawn {
        agent: agent.to_string(),
        reason: e.to_string(),
    })?;
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    let read_capped = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(mut r) = r {
                let mut buf = [0u8; 8192];
                while let Ok(n) = r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if kept.len() < MAX_OUTPUT {
                        kept.extend_from_slice(&buf[..n.min(MAX_OUTPUT - kept.len())]);
                    }
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    };
    let out = read_capped(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = read_capped(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if Instant::now() >= deadline => {
                let pgid = nix::unistd::Pid::from_raw(-(child.id() as i32));
                let _ = nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGKILL);
                let _ = child.wait();
                return Err(AgentError::Timeout {
                    agent: agent.to_string(),
                    secs: timeout.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                return Err(AgentError::Spawn {
                    agent: agent.to_string(),
                    reason: e.to_string(),
                })
            }
        }
    };
    // The agent may have left children holding the pipes: they die with the group.
    let pgid = nix::unistd::Pid::from_raw(-(child.id() as i32));
    let _ = nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGKILL);
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let code = status.code().unwrap_or(-1);
    if ok_codes.contains(&code) {
        Ok(AgentOutput { code, stdout })
    } else {
        let mut output = format!("{} {}", stdout.trim(), stderr.trim())
            .trim()
            .to_string();
        output = output
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(500)
            .collect();
        Err(AgentError::Failed {
            agent: agent.to_string(),
            action: action.to_string(),
            code,
            output,
        })
    }
}

/// Runs cluster `action` (`reboot`, `off`, `on`, `status`, `list`, `monitor`, `metadata`) of
/// `device` for `target` (empty for device-wide actions).
pub fn execute(device: &Device, action: &str, target: &str) -> Result<AgentOutput, AgentError> {
    cib::agent_name::check_fence_agent(&device.agent)?;
    let path = find(&device.agent).ok_or_else(|| AgentError::NotInstalled(device.agent.clone()))?;
    let timeout = device.timeout(action);
    let agent_action = device.agent_action(action);
    if device.agent.starts_with("external/") {
        let verb = match agent_action.as_str() {
            "reboot" => "reset",
            "list" => "gethosts",
            "monitor" => "status",
            "metadata" => "getinfo-xml",
            other => other,
        };
        let mut cmd = Command::new(&path);
        cmd.arg(verb);
        if !target.is_empty() && matches!(verb, "reset" | "off" | "on") {
            cmd.arg(device.port_for(target));
        }
        for (k, v) in &device.params {
            cmd.env(k, v);
        }
        return run(&device.agent, cmd, "", timeout, verb, &[0]);
    }
    let mut stdin = format!("action={agent_action}\n");
    if !target.is_empty() {
        let port = device.port_for(target);
        stdin.push_str(&format!("port={port}\nplug={port}\nnodename={target}\n"));
    }
    for (k, v) in &device.params {
        stdin.push_str(&format!("{k}={v}\n"));
    }
    let ok: &[i32] = if agent_action == "status" {
        &[0, 2]
    } else {
        &[0]
    };
    run(
        &device.agent,
        Command::new(&path),
        &stdin,
        timeout,
        &agent_action,
        ok,
    )
}

/// Whether `device` can fence `target`, per its `pcmk_host_check`.
pub fn can_fence(device: &Device, target: &str) -> bool {
    use crate::device::HostCheck;
    match device.host_check {
        HostCheck::None => true,
        HostCheck::StaticList => {
            device.host_list.iter().any(|h| h == target) || device.host_map.contains_key(target)
        }
        HostCheck::DynamicList => match execute(device, "list", "") {
            Ok(out) => out
                .stdout
                .split(|c: char| c.is_whitespace() || c == ',')
                .any(|h| h == target || h == device.port_for(target)),
            // An agent without a list action can fence whatever it is asked to.
            Err(_) => device.host_list.is_empty() && device.host_map.is_empty(),
        },
        HostCheck::Status => execute(device, "status", target).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::os::unix::fs::PermissionsExt;

    fn device(agent: &str, timeout: Duration) -> Device {
        Device {
            id: "d".into(),
            agent: agent.into(),
            params: BTreeMap::from([("secret".to_string(), "x".to_string())]),
            host_list: vec![],
            host_map: BTreeMap::new(),
            host_check: crate::device::HostCheck::None,
            delay_base: Duration::ZERO,
            delay_max: Duration::ZERO,
            timeouts: ["reboot", "off", "status", "list", "monitor"]
                .iter()
                .map(|a| (a.to_string(), timeout))
                .collect(),
            retries: 1,
            action_names: BTreeMap::new(),
        }
    }

    fn script(dir: &std::path::Path, name: &str, body: &str) {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// One test owns STONITH_AGENT_DIRS, so the cases run in sequence.
    #[test]
    fn bad_agents_give_clear_results() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "fence_hang", "sleep 60");
        script(
            dir.path(),
            "fence_garbage",
            "head -c 200000 /dev/urandom; exit 1",
        );
        script(
            dir.path(),
            "fence_fails",
            "echo 'Failed: unable to connect'; exit 1",
        );
        script(
            dir.path(),
            "fence_echo",
            "cat > \"$(dirname \"$0\")/stdin.txt\"; exit 0",
        );
        let _env = crate::ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        std::env::set_var("STONITH_AGENT_DIRS", dir.path());
        let t = Instant::now();
        let e = execute(
            &device("fence_hang", Duration::from_millis(300)),
            "reboot",
            "n1",
        )
        .unwrap_err();
        assert!(matches!(e, AgentError::Timeout { .. }), "{e}");
        assert!(t.elapsed() < Duration::from_secs(10));
        let e = execute(
            &device("fence_garbage", Duration::from_secs(5)),
            "reboot",
            "n1",
        )
        .unwrap_err();
        assert!(matches!(e, AgentError::Failed { code: 1, .. }), "{e}");
        assert!(e.to_string().chars().count() < 700, "garbage is cut short");
        let e = execute(&device("fence_fails", Duration::from_secs(5)), "off", "n1").unwrap_err();
        assert!(e.to_string().contains("unable to connect"), "{e}");
        let e = execute(
            &device("fence_missing", Duration::from_secs(5)),
            "off",
            "n1",
        )
        .unwrap_err();
        assert_eq!(e, AgentError::NotInstalled("fence_missing".into()));
        execute(
            &device("fence_echo", Duration::from_secs(5)),
            "reboot",
            "n1",
        )
        .unwrap();
        let stdin = std::fs::read_to_string(dir.path().join("stdin.txt")).unwrap();
        assert_eq!(
            stdin,
            "action=reboot\nport=n1\nplug=n1\nnodename=n1\nsecret=x\n"
        );
        std::env::remove_var("STONITH_AGENT_DIRS");
    }

    /// cluster-glue's external/* plugin interface: the verb and node as arguments, the
    /// parameters in the environment.
    #[test]
    fn external_plugins_get_verbs_arguments_and_environment() {
        let _env = crate::ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        script(
            dir.path(),
            "myplug",
            "echo \"$1 $2 secret=$secret\" >> \"$(dirname \"$0\")/calls\"; [ \"$1\" = gethosts ] && echo node1 node2; exit 0",
        );
        std::env::set_var("STONITH_EXTERNAL_DIR", dir.path());
        let mut d = device("external/myplug", Duration::from_secs(5));
        d.host_check = crate::device::HostCheck::DynamicList;
        execute(&d, "reboot", "node2").unwrap();
        execute(&d, "off", "node1").unwrap();
        assert!(can_fence(&d, "node2"));
        assert!(!can_fence(&d, "node9"));
        let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
        assert_eq!(
            calls,
            "reset node2 secret=x\noff node1 secret=x\ngethosts  secret=x\ngethosts  secret=x\n"
        );
        std::env::remove_var("STONITH_EXTERNAL_DIR");
    }

    /// ClusterLabs' own fence_dummy, unchanged (Debian fence-agents).
    #[test]
    fn clusterlabs_fence_dummy_runs_unchanged() {
        if find("fence_dummy").is_none() {
            eprintln!("SKIP: fence_dummy not installed (apt-get install fence-agents)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut d = device("fence_dummy", Duration::from_secs(20));
        d.params = BTreeMap::from([
            ("type".to_string(), "file".to_string()),
            (
                "status_file".to_string(),
                dir.path().join("st").display().to_string(),
            ),
        ]);
        execute(&d, "monitor", "").unwrap();
        let st = execute(&d, "status", "node1").unwrap();
        assert!(st.code == 0 || st.code == 2);
        execute(&d, "off", "node1").unwrap();
        assert_eq!(execute(&d, "status", "node1").unwrap().code, 2);
        execute(&d, "on", "node1").unwrap();
        assert_eq!(execute(&d, "status", "node1").unwrap().code, 0);
    }
}
