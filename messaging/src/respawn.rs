//! Children heartbeat keeps running (`respawn` lines and the CRM daemons): each is started as its
//! user, restarted when it dies unless it exits with 100, with a growing delay when it keeps dying
//! quickly ("respawning too fast").

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

    /// Stops restarting, sends SIGTERM, and SIGKILL after `grace`.
    pub fn shutdown(self, grace: Duration) {
        for c in &self.children {
            c.stop.store(true, Ordering::SeqCst);
            signal(&c.pid, Signal::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        for c in self.children {
            while !c.thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if !c.thread.is_finished() {
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
        if code == Some(NO_RESTART_EXIT) {
            log::info(&format!("Client {name} exited with 100: not restarting it"));
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
