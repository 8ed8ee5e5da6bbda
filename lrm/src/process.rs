//! Runs one agent process: own process group, timeout with SIGTERM then SIGKILL to the whole
//! group, bounded capture of stdout and stderr.
//!
//! The child is waited for by pid, never by end-of-file on its pipes: an agent that starts a
//! daemon which inherits stdout would otherwise block us until the daemon exits. After the
//! agent has exited we read only what is already in the pipes, then close them.

use std::io::{ErrorKind, Read};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

use crate::capture::BoundedCapture;

/// Bytes read from a pipe after the agent exited, at most; a daemon that keeps writing must not
/// keep us draining forever.
const MAX_DRAIN_BYTES: usize = 1 << 20;

/// What to run and how long to let it run.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    /// Program to execute.
    pub program: PathBuf,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// Variables to set on top of the inherited environment.
    pub env: Vec<(String, String)>,
    /// Inherited variables to remove (prefixes), e.g. stale `OCF_RESKEY_` from our own environment.
    pub env_remove_prefixes: Vec<String>,
    /// Time the agent may run.
    pub timeout: Duration,
    /// Time between SIGTERM and SIGKILL after a timeout.
    pub kill_grace: Duration,
    /// Bytes kept at each end of stdout and of stderr.
    pub capture_limit: usize,
}

/// How the process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// Exited normally with this status.
    Exited(i32),
    /// Killed by this signal (not by us).
    Signaled(i32),
    /// Ran past its timeout and was killed by us.
    TimedOut,
}

/// Result of running a process.
#[derive(Debug, Clone)]
pub struct ProcessOutcome {
    /// How it ended.
    pub termination: Termination,
    /// Kept stdout.
    pub stdout: BoundedCapture,
    /// Kept stderr.
    pub stderr: BoundedCapture,
    /// Process id it had (also its process group id).
    pub pid: u32,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
}

/// Spawns the process and supervises it to the end.
pub async fn run(spec: &ProcessSpec) -> std::io::Result<ProcessOutcome> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    for (key, _) in std::env::vars_os() {
        if let Some(key) = key.to_str() {
            if spec
                .env_remove_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()))
            {
                cmd.env_remove(key);
            }
        }
    }
    cmd.envs(spec.env.iter().map(|(k, v)| (k, v)));

    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id().unwrap_or(0);
    let mut stdout_pipe = child.stdout.take();
    let mut stderr_pipe = child.stderr.take();
    let mut stdout = BoundedCapture::new(spec.capture_limit);
    let mut stderr = BoundedCapture::new(spec.capture_limit);

    let status = supervise(
        &mut child,
        pid,
        spec,
        (&mut stdout_pipe, &mut stdout),
        (&mut stderr_pipe, &mut stderr),
    )
    .await?;
    let elapsed = started.elapsed();
    drain_stdout(stdout_pipe, &mut stdout);
    drain_stderr(stderr_pipe, &mut stderr);

    let termination = match status {
        Supervised::TimedOut => Termination::TimedOut,
        Supervised::Exited(st) => termination_of(st),
    };
    Ok(ProcessOutcome {
        termination,
        stdout,
        stderr,
        pid,
        elapsed,
    })
}

enum Supervised {
    Exited(ExitStatus),
    TimedOut,
}

async fn supervise(
    child: &mut Child,
    pid: u32,
    spec: &ProcessSpec,
    (out_pipe, out): (&mut Option<ChildStdout>, &mut BoundedCapture),
    (err_pipe, err): (&mut Option<ChildStderr>, &mut BoundedCapture),
) -> std::io::Result<Supervised> {
    let mut out_buf = vec![0u8; 16 * 1024];
    let mut err_buf = vec![0u8; 16 * 1024];
    let deadline = tokio::time::sleep(spec.timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            status = child.wait() => return Ok(Supervised::Exited(status?)),
            n = read_some(out_pipe, &mut out_buf) => absorb(n, out_pipe, &out_buf, out),
            n = read_some(err_pipe, &mut err_buf) => absorb(n, err_pipe, &err_buf, err),
            () = &mut deadline => break,
        }
    }
    // Timed out: the agent and everything it started get SIGTERM, then SIGKILL.
    signal_group(pid, Signal::SIGTERM);
    let grace = tokio::time::sleep(spec.kill_grace);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            _ = child.wait() => break,
            n = read_some(out_pipe, &mut out_buf) => absorb(n, out_pipe, &out_buf, out),
            n = read_some(err_pipe, &mut err_buf) => absorb(n, err_pipe, &err_buf, err),
            () = &mut grace => break,
        }
    }
    signal_group(pid, Signal::SIGKILL);
    // The agent may have left its group (setsid); it is still our child, so kill it directly.
    let _ = child.start_kill();
    child.wait().await?;
    Ok(Supervised::TimedOut)
}

fn signal_group(pid: u32, signal: Signal) {
    let Ok(pgid) = i32::try_from(pid) else { return };
    if pgid > 1 {
        // ESRCH just means the whole group is already gone.
        let _ = killpg(Pid::from_raw(pgid), signal);
    }
}

async fn read_some<R: AsyncRead + Unpin>(
    pipe: &mut Option<R>,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    match pipe {
        Some(p) => p.read(buf).await,
        None => std::future::pending().await,
    }
}

fn absorb<R>(
    n: std::io::Result<usize>,
    pipe: &mut Option<R>,
    buf: &[u8],
    capture: &mut BoundedCapture,
) {
    match n {
        Ok(0) | Err(_) => *pipe = None,
        Ok(n) => capture.push(&buf[..n]),
    }
}

fn drain_stdout(pipe: Option<ChildStdout>, capture: &mut BoundedCapture) {
    if let Some(fd) = pipe.and_then(|p| p.into_owned_fd().ok()) {
        drain(std::fs::File::from(fd), capture);
    }
}

fn drain_stderr(pipe: Option<ChildStderr>, capture: &mut BoundedCapture) {
    if let Some(fd) = pipe.and_then(|p| p.into_owned_fd().ok()) {
        drain(std::fs::File::from(fd), capture);
    }
}

/// Reads what is already buffered in the pipe, then drops it.
fn drain(mut file: std::fs::File, capture: &mut BoundedCapture) {
    // Tokio hands the descriptor back in blocking mode; we must never block here.
    let nonblocking = nix::fcntl::fcntl(
        &file,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    );
    if nonblocking.is_err() {
        return;
    }
    let mut buf = [0u8; 16 * 1024];
    let mut drained = 0;
    while drained < MAX_DRAIN_BYTES {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                capture.push(&buf[..n]);
                drained += n;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break, // WouldBlock: a daemon still holds the pipe open.
        }
    }
}

fn termination_of(status: ExitStatus) -> Termination {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Termination::Exited(code),
        (None, Some(sig)) => Termination::Signaled(sig),
        (None, None) => Termination::Exited(1),
    }
}

/// A human name for a signal, as `strsignal(3)` prints it.
pub fn signal_text(sig: i32) -> String {
    let name = match sig {
        1 => "Hangup",
        2 => "Interrupt",
        3 => "Quit",
        4 => "Illegal instruction",
        5 => "Trace/breakpoint trap",
        6 => "Aborted",
        7 => "Bus error",
        8 => "Floating point exception",
        9 => "Killed",
        11 => "Segmentation fault",
        13 => "Broken pipe",
        14 => "Alarm clock",
        15 => "Terminated",
        _ => return format!("Unknown signal {sig}"),
    };
    name.to_string()
}
