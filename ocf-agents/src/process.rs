//! Running helper programs and watching other processes (pid files, signals, /proc).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::ocf::Failure;

/// Directories searched after `$PATH`: the cluster may start agents with a minimal PATH.
const EXTRA_PATH: &[&str] = &[
    "/usr/sbin",
    "/sbin",
    "/usr/bin",
    "/bin",
    "/usr/libexec/heartbeat",
];

/// Finds an executable by name (or checks an absolute path).
pub fn which(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .filter(|d| !d.is_empty())
        .chain(EXTRA_PATH.iter().copied())
        .map(|d| Path::new(d).join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Runs a program to completion, capturing its output.
pub fn run_program(program: &str, args: &[&str]) -> Result<Output, Failure> {
    let exe =
        which(program).ok_or_else(|| Failure::installed(format!("{program} is not installed")))?;
    Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Failure::generic(format!("cannot run {program}: {e}")))
}

/// Runs a program and returns its stdout; a non-zero exit is a generic failure whose
/// reason is the program's stderr.
pub fn run_ok(program: &str, args: &[&str]) -> Result<String, Failure> {
    let out = run_program(program, args)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(Failure::generic(format!(
            "{program} {} failed: {}",
            args.join(" "),
            err.trim()
        )))
    }
}

/// True when the process exists and is not a zombie.
pub fn pid_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X']))
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// When a process started (from `/proc/<pid>/stat` field 22 and the boot time).
pub fn process_start(pid: i32) -> Option<SystemTime> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name start at field 3, so field 22 is index 19 here.
    let ticks: u64 = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let boot: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|h| *h > 0)
        .unwrap_or(100) as u64;
    let since_epoch = Duration::from_secs(boot) + Duration::from_millis(ticks * 1000 / hz);
    Some(UNIX_EPOCH + since_epoch)
}

/// Sends a signal, ignoring processes that are already gone.
pub fn signal(pid: i32, sig: Signal) {
    let _ = kill(Pid::from_raw(pid), sig);
}

/// Waits until every process in `pids` has exited, or the timeout passes; returns the
/// ones still alive.
pub fn wait_gone(pids: &[i32], timeout: Duration) -> Vec<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        let alive: Vec<i32> = pids.iter().copied().filter(|p| pid_alive(*p)).collect();
        if alive.is_empty() || Instant::now() >= deadline {
            return alive;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads a pid file (first token); None when missing or unparsable.
pub fn read_pidfile(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
        .filter(|p: &i32| *p > 0)
}

/// Every process id currently listed in /proc.
pub fn all_pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Sleeps for fractional seconds.
pub fn sleep_secs(seconds: f64) {
    if seconds > 0.0 {
        std::thread::sleep(Duration::from_secs_f64(seconds));
    }
}
