//! Test scaffolding.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lrm::{AgentDirs, AgentId, Executor, ExecutorConfig, ResourceSpec, RunnerConfig};

/// A temporary OCF root (provider `test`) plus LSB and heartbeat script directories.
pub struct Agents {
    pub dir: tempfile::TempDir,
}

impl Agents {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["ocf/resource.d/test", "init.d", "ha.d/resource.d"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Agents { dir }
    }

    pub fn ocf_root(&self) -> PathBuf {
        self.dir.path().join("ocf")
    }

    pub fn dirs(&self) -> AgentDirs {
        AgentDirs {
            ocf_root: self.ocf_root(),
            lsb_dir: self.dir.path().join("init.d"),
            heartbeat_dirs: vec![
                self.dir.path().join("ha.d/resource.d"),
                self.dir.path().join("init.d"),
            ],
        }
    }

    /// Writes `ocf:test:<name>`.
    pub fn ocf(&self, name: &str, body: &str) -> AgentId {
        write_script(&self.ocf_root().join("resource.d/test").join(name), body);
        AgentId::ocf("test", name)
    }

    /// Writes `<lsb dir>/<name>`.
    pub fn lsb(&self, name: &str, body: &str) {
        write_script(&self.dir.path().join("init.d").join(name), body);
    }

    /// Writes `<ha.d/resource.d>/<name>`.
    pub fn heartbeat(&self, name: &str, body: &str) {
        write_script(&self.dir.path().join("ha.d/resource.d").join(name), body);
    }

    /// A scratch path inside the temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// An executor over `dirs` with a short kill grace so timeout tests stay quick.
pub fn executor(dirs: AgentDirs, max_parallel: usize) -> Executor {
    Executor::new(ExecutorConfig {
        runner: RunnerConfig {
            dirs,
            capture_limit: lrm::capture::DEFAULT_CAPTURE_LIMIT,
            kill_grace: Duration::from_millis(300),
            extra_env: Vec::new(),
            pass_inherited_ocf_env: false,
        },
        max_parallel,
    })
}

/// The system's agent directories (ClusterLabs' agents).
pub fn system_dirs() -> AgentDirs {
    AgentDirs {
        ocf_root: PathBuf::from("/usr/lib/ocf"),
        ..AgentDirs::default()
    }
}

pub fn resource(id: &str, agent: AgentId, params: &[(&str, &str)]) -> ResourceSpec {
    ResourceSpec {
        id: id.to_string(),
        agent,
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// True when running as root; otherwise prints a loud SKIP line.
pub fn is_root(test: &str) -> bool {
    let root = nix::unistd::geteuid().is_root();
    if !root {
        eprintln!("SKIP {test}: needs root");
    }
    root
}

/// Whether a process still exists (zombies count as gone).
pub fn process_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .chars()
                .next();
            state != Some('Z')
        }
        Err(_) => false,
    }
}

/// Reads a pid a test agent wrote.
pub fn read_pid(path: &Path) -> i32 {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(pid) = text.trim().parse() {
                return pid;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no pid in {}", path.display());
}

/// Kills a leftover test process (by the pid the test recorded).
pub fn kill_pid(pid: i32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

/// A network namespace deleted on drop (also when the test fails).
pub struct NetNs {
    pub name: String,
}

impl NetNs {
    pub fn new(tag: &str) -> Self {
        let name = format!("lrmt-{tag}-{}", std::process::id());
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(std::process::Stdio::null())
            .status();
        run(&["ip", "netns", "add", &name]);
        NetNs { name }
    }

    /// Runs `ip -n <ns> <args>`.
    pub fn ip(&self, args: &[&str]) {
        let mut all = vec!["ip", "-n", &self.name];
        all.extend_from_slice(args);
        run(&all);
    }

    /// Output of `ip -n <ns> <args>`.
    pub fn ip_output(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("ip")
            .args(["-n", &self.name])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn run(args: &[&str]) {
    let status = std::process::Command::new(args[0])
        .args(&args[1..])
        .status()
        .unwrap();
    assert!(status.success(), "{args:?} failed");
}
