//! Running a program as a daemon tracked by a pid file: what `anything` and `WebServer`
//! share (spawning detached, recognising the daemon again, stopping with escalation).

use std::fs::{File, OpenOptions};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::{Pid, User};

use crate::log;
use crate::metadata::{ContentType, Parameter};
use crate::ocf::{parse_seconds, Failure, OcfEnv};
use crate::process::{pid_alive, process_start, read_pidfile, wait_gone, which};
use crate::state;

/// The parameters every daemon-style agent takes (binfile and cmdline_options first).
pub fn parameters() -> Vec<Parameter> {
    vec![
        Parameter::new(
            "binfile",
            "Full path name of the binary to be executed",
            "The program to run (absolute path or a name found in PATH). It must stay in the \
             foreground: the agent does the daemonizing.",
        )
        .required()
        .unique(),
        Parameter::new(
            "cmdline_options",
            "Command line options",
            "Arguments passed to binfile (shell syntax).",
        ),
        Parameter::new(
            "workdir",
            "Full path name of the work directory",
            "The working directory of the daemon.",
        )
        .default("/"),
        Parameter::new(
            "pidfile",
            "File to write PID to",
            "Where to keep the daemon's pid (default: $HA_RSCTMP/<agent>-<instance>.pid).",
        )
        .unique(),
        Parameter::new(
            "logfile",
            "File to write STDOUT to",
            "Standard output (and standard error, unless errlogfile is set) is appended here; \
             default /dev/null.",
        ),
        Parameter::new(
            "errlogfile",
            "File to write STDERR to",
            "Standard error is appended here.",
        ),
        Parameter::new(
            "user",
            "User to run the command as",
            "Run the daemon as this user (and its primary group).",
        ),
        Parameter::new(
            "stop_timeout",
            "Seconds to wait after having sent SIGTERM before sending SIGKILL in stop operation",
            "Defaults to 60% of the stop operation's timeout (leaving time for SIGKILL), or 10 seconds.",
        )
        .of_type(ContentType::Time),
    ]
}

/// How to run and find the daemon.
#[derive(Debug)]
pub struct Daemon {
    pub binfile: String,
    options: String,
    workdir: PathBuf,
    pub pidfile: PathBuf,
    logfile: Option<PathBuf>,
    errlogfile: Option<PathBuf>,
    user: Option<String>,
    stop_timeout: Duration,
}

/// An optional parameter that must be an absolute path.
pub fn absolute(env: &OcfEnv, name: &str) -> Result<Option<PathBuf>, Failure> {
    match env.param(name) {
        Some(p) if !p.starts_with('/') => Err(Failure::configured(format!(
            "{name} '{p}' must be an absolute path"
        ))),
        other => Ok(other.map(PathBuf::from)),
    }
}

impl Daemon {
    /// Decodes the shared parameters; `agent` names the default pid file.
    pub fn from_env(env: &OcfEnv, agent: &str) -> Result<Daemon, Failure> {
        let stop_timeout = match env.param("stop_timeout") {
            Some(raw) => parse_seconds(raw).ok_or_else(|| {
                Failure::configured(format!("stop_timeout '{raw}' is not a duration"))
            })?,
            None => env
                .meta_ms("timeout")
                .map(|ms| ms as f64 * 0.6 / 1000.0)
                .unwrap_or(10.0),
        };
        Ok(Daemon {
            binfile: env.required("binfile")?.to_string(),
            options: env.param_or("cmdline_options", "").to_string(),
            workdir: absolute(env, "workdir")?.unwrap_or_else(|| PathBuf::from("/")),
            pidfile: absolute(env, "pidfile")?.unwrap_or_else(|| env.state_file(agent, "pid")),
            logfile: absolute(env, "logfile")?,
            errlogfile: absolute(env, "errlogfile")?,
            user: env.param("user").map(str::to_string),
            stop_timeout: Duration::from_secs_f64(stop_timeout),
        })
    }

    /// Host checks: the program, the work directory and the user exist here.
    pub fn validate(&self) -> Result<Option<User>, Failure> {
        if which(&self.binfile).is_none() {
            return Err(Failure::installed(format!(
                "{} is not an executable program",
                self.binfile
            )));
        }
        if !self.workdir.is_dir() {
            return Err(Failure::args(format!(
                "workdir {} does not exist",
                self.workdir.display()
            )));
        }
        match &self.user {
            None => Ok(None),
            Some(name) => match User::from_name(name) {
                Ok(Some(user)) => Ok(Some(user)),
                _ => Err(Failure::args(format!("user {name} does not exist"))),
            },
        }
    }

    /// The daemon's pid when the pid file names a live process that is not a later
    /// process reusing the pid: the daemon started before its pid file was written. (Its
    /// command line is no guide: wrappers may `exec` something else.)
    pub fn running_pid(&self) -> Option<i32> {
        let pid = read_pidfile(&self.pidfile)?;
        let written = std::fs::metadata(&self.pidfile).ok()?.modified().ok()?;
        let started = process_start(pid)?;
        let slack = Duration::from_secs(2);
        (pid_alive(pid) && started <= written + slack).then_some(pid)
    }

    /// Spawns the daemon (already running is fine) and returns its pid.
    pub fn start(&self) -> Result<i32, Failure> {
        let user = self.validate()?;
        if let Some(pid) = self.running_pid() {
            return Ok(pid);
        }
        let stdout = open_log(&self.logfile)?;
        let stderr = match (&self.errlogfile, &self.logfile) {
            (Some(_), _) => open_log(&self.errlogfile)?,
            (None, Some(_)) => open_log(&self.logfile)?,
            (None, None) => Stdio::null(),
        };
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(format!("exec {} {}", self.binfile, self.options))
            .current_dir(&self.workdir)
            .stdin(
                File::open("/dev/null")
                    .map(Stdio::from)
                    .unwrap_or(Stdio::null()),
            )
            .stdout(stdout)
            .stderr(stderr)
            // Its own process group: it survives us and stop can signal its children too.
            .process_group(0);
        if let Some(u) = &user {
            cmd.uid(u.uid.as_raw()).gid(u.gid.as_raw());
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Failure::generic(format!("cannot start {}: {e}", self.binfile)))?;
        let pid = child.id() as i32;
        state::write(&self.pidfile, &format!("{pid}\n"))?;
        // Catch command lines that fail at once (bad options, missing libraries).
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(Some(status)) = child.try_wait() {
            state::remove(&self.pidfile)?;
            return Err(Failure::generic(format!(
                "{} exited at once with {status}",
                self.binfile
            )));
        }
        log::info(&format!("started {} as pid {pid}", self.binfile));
        Ok(pid)
    }

    /// SIGTERM to the daemon's process group, SIGKILL after `stop_timeout`.
    pub fn stop(&self) -> Result<(), Failure> {
        if let Some(pid) = self.running_pid() {
            let group = Pid::from_raw(pid);
            let _ = killpg(group, Signal::SIGTERM);
            if !wait_gone(&[pid], self.stop_timeout).is_empty() {
                log::warn(&format!("pid {pid} ignored SIGTERM; sending SIGKILL"));
                let _ = killpg(group, Signal::SIGKILL);
                if !wait_gone(&[pid], Duration::from_secs(5)).is_empty() {
                    return Err(Failure::generic(format!("pid {pid} survived SIGKILL")));
                }
            }
            log::info(&format!("stopped {} (pid {pid})", self.binfile));
        }
        state::remove(&self.pidfile)
    }
}

fn open_log(path: &Option<PathBuf>) -> Result<Stdio, Failure> {
    match path {
        None => Ok(Stdio::null()),
        Some(p) => OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .map(Stdio::from)
            .map_err(|e| Failure::generic(format!("cannot open {}: {e}", p.display()))),
    }
}
