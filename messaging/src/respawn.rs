//! Children heartbeat keeps running (`respawn` lines and the CRM daemons): each is started as its
//! user, restarted when it dies unless it exits with 100, with a growing delay when it keeps dying
//! quickly ("respawning too fast"). As in Heartbeat 3.0.6 (`ManagedChildDied`), an exit with 100
//! is logged ("Client ... exited with return code 100.") and never respawned: it is how crmd says
//! it cannot go on (CRM_EX_FATAL). On shutdown the children are stopped one at a time in reverse
//! start order (crmd first, while messaging and lrmd still run, so it can hand its resources
//! over), each given time to exit before SIGKILL.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::{Pid, User};

use crate::log;

/// Exit status meaning "do not restart me".
pub const NO_RESTART_EXIT: i32 = 100;
/// How long crmd may take to stop cleanly (its node's resources are moved away first); inside
/// the 120 s `TimeoutStopSec` of heartbeat.service.
pub const CRMD_STOP_GRACE: Duration = Duration::from_secs(100);
/// A child that ran at least this long is considered healthy again.
const HEALTHY_RUN: Duration = Duration::from_secs(10);
const FIRST_DELAY: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(30);

/// What to run.
#[derive(Debug, Clone)]
pub struct ChildSpec {
    /// User name to run as (root if unknown, with a warning).
    pub user: String,
    /// Program.
    pub path: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
}

struct Running {
    /// The program's file name.
    name: String,
    stop: Arc<AtomicBool>,
    pid: Arc<Mutex<Option<u32>>>,
    thread: JoinHandle<()>,
}

/// Keeps a set of children alive until [`Supervisor::shutdown`].
#[derive(Default)]
pub struct Supervisor {
    children: Vec<Running>,
}

impl Supervisor {
    /// Starts supervising `spec` (the first start happens at once).
    pub fn spawn(&mut self, spec: ChildSpec) {
        let stop = Arc::new(AtomicBool::new(false));
        let pid = Arc::new(Mutex::new(None));
        let (stop2, pid2) = (stop.clone(), pid.clone());
        let name = spec
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let thread = std::thread::Builder::new()
            .name(format!("respawn-{}", spec.path.display()))
            .spawn(move || keep_alive(spec, stop2, pid2))
            .expect("spawn supervisor thread");
        self.children.push(Running {
            name,
            stop,
            pid,
            thread,
        });
    }

    /// Process ids currently running.
    pub fn pids(&self) -> Vec<u32> {
        self.children
            .iter()
            .filter_map(|c| *c.pid.lock().unwrap_or_else(|e| e.into_inner()))
            .collect()
    }

    /// Process ids of the running children whose program is called `name`.
    pub fn pids_of(&self, name: &str) -> Vec<u32> {
        self.children
            .iter()
            .filter(|c| c.name == name)
            .filter_map(|c| *c.pid.lock().unwrap_or_else(|e| e.into_inner()))
            .collect()
    }

    /// Stops the children one at a time, last started first: stops restarting it, sends
    /// SIGTERM, and SIGKILL after `grace` ([`CRMD_STOP_GRACE`] for crmd).
    pub fn shutdown(self, grace: Duration) {
        for c in self.children.into_iter().rev() {
            c.stop.store(true, Ordering::SeqCst);
            signal(&c.pid, Signal::SIGTERM);
            let grace = if c.name == "crmd" {
                CRMD_STOP_GRACE
            } else {
                grace
            };
            let deadline = Instant::now() + grace;
            while !c.thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if !c.thread.is_finished() {
                log::error(&format!(
                    "Client {} did not stop within {} s: killing it",
                    c.name,
                    grace.as_secs()
                ));
                signal(&c.pid, Signal::SIGKILL);
            }
            let _ = c.thread.join();
        }
    }
}

fn signal(pid: &Mutex<Option<u32>>, sig: Signal) {
    if let Some(p) = *pid.lock().unwrap_or_else(|e| e.into_inner()) {
        let _ = kill(Pid::from_raw(p as i32), sig);
    }
}

fn keep_alive(spec: ChildSpec, stop: Arc<AtomicBool>, pid: Arc<Mutex<Option<u32>>>) {
    let name = spec.path.display().to_string();
    let mut delay = Duration::ZERO;
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let mut cmd = Command::new(&spec.path);
        cmd.args(&spec.args).envs(spec.env.iter().cloned());
        // heartbeat itself may run real-time (ha.cf `realtime`); its children do not.
        crate::realtime::children_at_normal_priority(&mut cmd);
        match User::from_name(&spec.user) {
            Ok(Some(u)) => {
                cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
            }
            // Never fall back to root: a daemon meant to run unprivileged stays stopped.
            _ => {
                log::error(&format!(
                    "User [{}] for client {name} does not exist: not starting it (the heartbeat-rs package creates hacluster and haclient)",
                    spec.user
                ));
                return;
            }
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                log::error(&format!("Cannot start client child {name}: {e}"));
                delay = next_delay(delay);
                sleep_unless_stopped(delay, &stop);
                continue;
            }
        };
        *pid.lock().unwrap_or_else(|e| e.into_inner()) = Some(child.id());
        log::info(&format!(
            "Starting \"{name}\" as uid/user {} pid {}",
            spec.user,
            child.id()
        ));
        let status = child.wait();
        *pid.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let code = status.as_ref().ok().and_then(|s| s.code());
        let how = match &status {
            Ok(s) => match (s.code(), s.signal()) {
                (Some(c), _) => format!("return code {c}"),
                (_, Some(sig)) => format!("signal {sig}"),
                _ => "unknown status".into(),
            },
            Err(e) => e.to_string(),
        };
        log::info(&format!(
            "Managed {name} process {} exited with {how}.",
            child.id()
        ));
        // Heartbeat 3.0.6 logs every abnormal end of a client as an error.
        match &status {
            Ok(s) if s.code().is_some_and(|c| c != 0) => log::error(&format!(
                "Client {name} exited with return code {}.",
                s.code().unwrap_or_default()
            )),
            Ok(s) if s.signal().is_some() => log::error(&format!(
                "Client {name} (pid={}) killed by signal {}.",
                child.id(),
                s.signal().unwrap_or_default()
            )),
            _ => {}
        }
        if code == Some(NO_RESTART_EXIT) {
            log::error(&format!(
                "Client {name} exited with {NO_RESTART_EXIT}: not restarting it"
            ));
            break;
        }
        delay = if started.elapsed() >= HEALTHY_RUN {
            Duration::ZERO
        } else {
            let d = next_delay(delay);
            if d > FIRST_DELAY {
                log::warn(&format!("Client {name} \"respawning too fast\""));
            }
            d
        };
        log::error(&format!("Respawning client \"{name}\":"));
        sleep_unless_stopped(delay, &stop);
    }
}

fn next_delay(d: Duration) -> Duration {
    if d.is_zero() {
        FIRST_DELAY
    } else {
        (d * 2).min(MAX_DELAY)
    }
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20).min(d));
    }
}
