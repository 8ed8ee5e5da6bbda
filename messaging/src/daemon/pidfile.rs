//! heartbeat's pid file (`$rundir/heartbeat.pid`, the pid and a newline).
//!
//! A pid file outlives a crash, and after a reboot or a long uptime its pid may belong to some
//! other program. So a recorded pid counts as "heartbeat is running" only when that process is
//! alive, runs the same program as we do (`/proc/PID/exe`, as cluster-glue checks), and started
//! no later than the pid file was written (a process born afterwards cannot have written it).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Clock slack between a process's start time (from `/proc`, in clock ticks after a boot time
/// in whole seconds) and a file's modification time.
const START_SLACK: Duration = Duration::from_secs(2);

/// Records our pid in `path`.
pub fn write(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, format!("{}\n", std::process::id()))
}

/// The pid recorded in `path`, if that process is a running heartbeat that wrote it.
pub fn running_pid(path: &Path) -> Option<i32> {
    let pid: i32 = fs::read_to_string(path).ok()?.trim().parse().ok()?;
    if pid <= 0 {
        return None;
    }
    let written = fs::metadata(path).and_then(|m| m.modified()).ok();
    match alive_as_us(pid, written) {
        Verdict::Ours => Some(pid),
        Verdict::Stale(why) => {
            crate::log::info(&format!(
                "{}: ignoring stale pid file: pid {pid} {why}",
                path.display()
            ));
            None
        }
    }
}

enum Verdict {
    Ours,
    Stale(&'static str),
}

fn alive_as_us(pid: i32, written: Option<SystemTime>) -> Verdict {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let exe = match fs::read_link(proc_dir.join("exe")) {
        Ok(exe) => exe,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Verdict::Stale("is not running"),
        // Not ours to inspect (another user's process, no /proc): assume the pid file is right,
        // as the plain liveness check always did, rather than start a second heartbeat.
        Err(_) if pid_alive(pid) => return Verdict::Ours,
        Err(_) => return Verdict::Stale("is not running"),
    };
    let ours = fs::read_link("/proc/self/exe").ok();
    if ours.is_some_and(|ours| program(&ours) != program(&exe)) {
        return Verdict::Stale("runs another program");
    }
    let started = start_time(pid);
    if let (Some(started), Some(written)) = (started, written) {
        if started > written + START_SLACK {
            return Verdict::Stale("started after the pid file was written");
        }
    }
    Verdict::Ours
}

fn pid_alive(pid: i32) -> bool {
    use nix::errno::Errno;
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// The executable's path without the " (deleted)" the kernel appends once the file was
/// replaced (an upgrade must not make a running heartbeat look foreign).
fn program(exe: &Path) -> PathBuf {
    let text = exe.to_string_lossy();
    PathBuf::from(text.strip_suffix(" (deleted)").unwrap_or(&text).to_string())
}

/// When process `pid` started, from `/proc/PID/stat` (field 22, clock ticks after boot) and the
/// boot time in `/proc/stat`.
fn start_time(pid: i32) -> Option<SystemTime> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let ticks: u64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    let btime: u64 = fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())?;
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|&hz| hz > 0)
        .unwrap_or(100) as u64;
    let since_boot = Duration::from_millis(ticks * 1000 / hz);
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(btime) + since_boot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn pidfile_with(dir: &Path, pid: u32) -> PathBuf {
        let path = dir.join("heartbeat.pid");
        fs::write(&path, format!("{pid}\n")).unwrap();
        path
    }

    #[test]
    fn our_own_program_with_a_fresh_pid_file_is_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/heartbeat.pid");
        write(&path).unwrap();
        assert_eq!(running_pid(&path), Some(std::process::id() as i32));
    }

    #[test]
    fn a_pid_reused_by_another_program_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mut other = Command::new("sleep")
            .arg("30")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let path = pidfile_with(dir.path(), other.id());
        assert_eq!(running_pid(&path), None);
        let _ = other.kill();
        let _ = other.wait();
    }

    #[test]
    fn a_dead_pid_or_garbage_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mut gone = Command::new("true").spawn().unwrap();
        let pid = gone.id();
        gone.wait().unwrap();
        assert_eq!(running_pid(&pidfile_with(dir.path(), pid)), None);
        fs::write(dir.path().join("heartbeat.pid"), "x\n").unwrap();
        assert_eq!(running_pid(&dir.path().join("heartbeat.pid")), None);
        fs::write(dir.path().join("heartbeat.pid"), "0\n").unwrap();
        assert_eq!(running_pid(&dir.path().join("heartbeat.pid")), None);
    }

    #[test]
    fn a_pid_file_older_than_its_process_is_stale() {
        // Our own program, but the file was written an hour before we started: some earlier
        // process wrote it and our pid is a reuse.
        let dir = tempfile::tempdir().unwrap();
        let path = pidfile_with(dir.path(), std::process::id());
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let started = start_time(std::process::id() as i32).unwrap();
        assert!(started <= SystemTime::now() + START_SLACK);
        if started > hour_ago + START_SLACK {
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
            assert_eq!(running_pid(&path), None);
        }
    }
}
