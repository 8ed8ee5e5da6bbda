//! Test scaffolding: a private installation of the agents, a builder for agent calls,
//! network namespaces and private mount namespaces.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::TempDir;

pub const BINARY: &str = env!("CARGO_BIN_EXE_ocf-agents");
pub const PROVIDER: &str = "hbrs-test";

// OCF exit codes, named as in ocf-returncodes.
pub const OCF_SUCCESS: i32 = 0;
pub const OCF_ERR_GENERIC: i32 = 1;
pub const OCF_ERR_ARGS: i32 = 2;
pub const OCF_ERR_UNIMPLEMENTED: i32 = 3;
pub const OCF_ERR_INSTALLED: i32 = 5;
pub const OCF_ERR_CONFIGURED: i32 = 6;
pub const OCF_NOT_RUNNING: i32 = 7;
pub const OCF_RUNNING_PROMOTED: i32 = 8;

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Prints a loud SKIP line straight to stderr (libtest does not capture direct writes,
/// so it shows even when the test passes).
pub fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIP: {why}");
}

/// True when a program is installed (PATH plus the sbin and libexec directories).
pub fn have(tool: &str) -> bool {
    let mut dirs: Vec<String> = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(String::from)
        .collect();
    dirs.extend(
        [
            "/usr/sbin",
            "/sbin",
            "/usr/bin",
            "/bin",
            "/usr/libexec/heartbeat",
        ]
        .map(String::from),
    );
    dirs.iter().any(|d| Path::new(d).join(tool).exists())
}

/// Prints a loud SKIP line and returns true when one of `tools` is not installed.
pub fn skip_without(test: &str, tools: &[&str]) -> bool {
    match tools.iter().find(|t| !have(t)) {
        Some(tool) => {
            skip(&format!("{test}: {tool} is not installed; NOT TESTED"));
            true
        }
        None => false,
    }
}

/// Runs ocf-tester on `agent` and asserts "passed all tests" (`label` names the run).
/// ocf-tester lints meta-data with xmllint (libxml2-utils); without either it SKIPs.
pub fn assert_ocf_tester_passes(agent: &Agent, label: &str) {
    if skip_without(
        &format!("ocf-tester on {label}"),
        &["ocf-tester", "xmllint"],
    ) {
        return;
    }
    let reply = agent.ocf_tester();
    assert!(
        reply.code == 0 && reply.stdout.contains("passed all tests"),
        "ocf-tester failed for {label} (rc {}):\n{}\n{}",
        reply.code,
        reply.stdout,
        reply.stderr
    );
    eprintln!("ocf-tester: {label} passed all tests");
}

/// Prints a loud SKIP line and returns true when the test cannot run (not root).
pub fn skip_unless_root(test: &str) -> bool {
    if is_root() {
        return false;
    }
    skip(&format!(
        "{test} needs root (network/mount namespaces); NOT TESTED"
    ));
    true
}

/// The agents installed by `ocf-agents install` into a temporary OCF root, plus a
/// private HA_RSCTMP. Everything is removed on drop.
pub struct Install {
    dir: TempDir,
}

impl Install {
    pub fn new() -> Install {
        let dir = tempfile::Builder::new()
            .prefix("hbrs-agents-")
            .tempdir()
            .expect("temp dir");
        // ocf-tester runs meta-data as user nobody, who must reach the agent.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = Command::new(BINARY)
            .args(["install", "--prefix"])
            .arg(dir.path().join("ocf"))
            .args(["--provider", PROVIDER])
            .output()
            .expect("run ocf-agents install");
        assert!(out.status.success(), "install failed: {out:?}");
        Install { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn rsctmp(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    pub fn agent_path(&self, name: &str) -> PathBuf {
        self.dir
            .path()
            .join("ocf/resource.d")
            .join(PROVIDER)
            .join(name)
    }

    /// A call builder for one resource of this agent.
    pub fn agent(&self, name: &str, instance: &str) -> Agent {
        Agent {
            path: self.agent_path(name),
            rsctmp: self.rsctmp(),
            instance: instance.to_string(),
            params: Vec::new(),
            env: Vec::new(),
            netns: None,
        }
    }
}

/// The result of one agent (or ocf-tester) run.
#[derive(Debug)]
pub struct Reply {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Reply {
    fn from(out: Output) -> Reply {
        Reply {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// One resource: agent path, instance name, parameters and where to run it.
#[derive(Clone)]
pub struct Agent {
    pub path: PathBuf,
    pub rsctmp: PathBuf,
    pub instance: String,
    pub params: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    pub netns: Option<String>,
}

impl Agent {
    pub fn param(mut self, name: &str, value: &str) -> Agent {
        self.params.retain(|(k, _)| k != name);
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Agent {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    pub fn in_netns(mut self, ns: &NetNs) -> Agent {
        self.netns = Some(ns.name.clone());
        self
    }

    fn command(&self, program: &Path, args: &[String]) -> Command {
        let mut cmd = match &self.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).arg(program);
                c
            }
            None => Command::new(program),
        };
        cmd.args(args)
            .stdin(Stdio::null())
            .env("OCF_ROOT", "/usr/lib/ocf")
            .env("HA_RSCTMP", &self.rsctmp)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs one action the way the LRM does (parameters as OCF_RESKEY_*).
    pub fn call(&self, action: &str) -> Reply {
        self.call_with(&[action])
    }

    /// Runs the agent with arbitrary arguments (heartbeat-class calls).
    pub fn call_with(&self, args: &[&str]) -> Reply {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let mut cmd = self.command(&self.path, &args);
        cmd.env("OCF_RA_VERSION_MAJOR", "1")
            .env("OCF_RA_VERSION_MINOR", "1")
            .env("OCF_RESOURCE_INSTANCE", &self.instance)
            .env("OCF_RESKEY_CRM_meta_timeout", "20000")
            .envs(
                self.params
                    .iter()
                    .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.clone())),
            )
            // Explicit environment wins over the defaults above.
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.output().expect("run agent").into()
    }

    /// The exit code of one action.
    pub fn rc(&self, action: &str) -> i32 {
        let reply = self.call(action);
        if reply.code != OCF_SUCCESS && reply.code != OCF_NOT_RUNNING {
            eprintln!("{action} -> {}: {}", reply.code, reply.stderr.trim());
        }
        reply.code
    }

    /// Runs Debian's ocf-tester on this resource.
    pub fn ocf_tester(&self) -> Reply {
        let mut args = vec!["-n".to_string(), self.instance.clone()];
        for (k, v) in &self.params {
            args.push("-o".into());
            args.push(format!("{k}={v}"));
        }
        args.push(self.path.to_string_lossy().into_owned());
        self.command(Path::new("/usr/sbin/ocf-tester"), &args)
            .output()
            .expect("run ocf-tester")
            .into()
    }
}

static NETNS_SEQ: AtomicUsize = AtomicUsize::new(0);

/// A network namespace created for one test, deleted on drop (also when the test fails).
pub struct NetNs {
    pub name: String,
}

impl NetNs {
    pub fn new() -> NetNs {
        let name = format!(
            "hbrs-ag-{}-{}",
            std::process::id(),
            NETNS_SEQ.fetch_add(1, Ordering::SeqCst)
        );
        run_ok("ip", &["netns", "add", &name]);
        let ns = NetNs { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// Runs `ip -n <ns> ARGS`, asserting success; returns stdout.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend(args);
        run_ok("ip", &full)
    }

    /// Runs a command inside the namespace.
    pub fn exec(&self, cmd: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(cmd)
            .output()
            .expect("ip netns exec")
    }

    /// A veth pair with both ends up inside this namespace; returns nothing, the names
    /// are the caller's.
    pub fn veth(&self, a: &str, b: &str) {
        self.ip(&["link", "add", a, "type", "veth", "peer", "name", b]);
        self.ip(&["link", "set", a, "up"]);
        self.ip(&["link", "set", b, "up"]);
    }

    /// The MAC address of an interface.
    pub fn mac(&self, dev: &str) -> String {
        let text = self.ip(&["-o", "link", "show", dev]);
        let after = text.split("link/ether ").nth(1).expect("ether address");
        after.split_whitespace().next().unwrap().to_string()
    }

    /// `ip -o addr show dev DEV` lines.
    pub fn addresses(&self, dev: &str) -> String {
        self.ip(&["-o", "addr", "show", "dev", dev])
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

pub fn run_ok(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `body` on a thread that has its own mount namespace (propagation private), so
/// mounts made by the agents it starts vanish with it and never reach the host.
pub fn in_private_mount_ns<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    use nix::mount::{mount, MsFlags};
    use nix::sched::{unshare, CloneFlags};
    let worker = std::thread::spawn(move || {
        unshare(CloneFlags::CLONE_NEWNS).expect("unshare mount namespace");
        mount(
            None::<&str>,
            "/",
            None::<&str>,
            MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            None::<&str>,
        )
        .expect("make / private");
        body()
    });
    match worker.join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Mount points visible to the calling thread.
pub fn mounted(dir: &Path) -> bool {
    let info = std::fs::read_to_string("/proc/thread-self/mountinfo").unwrap();
    let dir = dir.to_string_lossy();
    info.lines()
        .any(|l| l.split(' ').nth(4) == Some(dir.as_ref()))
}

/// Polls `check` for up to `seconds` (for effects of background processes).
pub fn eventually(seconds: f64, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds);
    loop {
        if check() {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
