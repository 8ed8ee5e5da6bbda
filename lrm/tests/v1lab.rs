//! A two-node haresources site in network namespaces, each node running either heartbeat-rs
//! (`hb_v1rsc`, HA_RESOURCE_MANAGER=v1) or the real Heartbeat 3.0.6 (Debian's `heartbeat`, in a
//! private mount namespace with its own /etc/ha.d, /var/lib/heartbeat and /run/heartbeat). The
//! site's one resource is a heartbeat-class script recording which node runs it. Shared by
//! `tests/v1_site.rs` and `examples/v1_failover.rs` (needs root).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Heartbeat 3.0.6's daemon as Debian installs it.
pub const HEARTBEAT_306: &str = "/usr/libexec/heartbeat/heartbeat";

/// Which implementation a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// heartbeat-rs with hb_v1rsc.
    Ours,
    /// Debian's Heartbeat 3.0.6.
    Heartbeat,
}

/// Whether Heartbeat 3.0.6 is installed (else the caller says SKIP).
pub fn heartbeat_installed() -> bool {
    Path::new(HEARTBEAT_306).exists() && Path::new("/etc/ha.d/shellfuncs").exists()
}

pub fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

/// Builds heartbeat, hb_v1rsc, hb_standby, hb_takeover and cl_status into `dir` (a target profile
/// directory) and returns it.
pub fn prepare_bins(dir: PathBuf) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec![
        "build",
        "-q",
        "-p",
        "messaging",
        "--bin",
        "heartbeat",
        "-p",
        "lrm",
        "--bin",
        "hb_v1rsc",
        "-p",
        "cli",
        "--bin",
        "hb_standby",
        "--bin",
        "hb_takeover",
        "--bin",
        "cl_status",
    ];
    if dir.ends_with("release") {
        args.push("--release");
    }
    assert!(Command::new(cargo).args(&args).status().unwrap().success());
    dir
}

/// The site's one resource: a heartbeat-class script recording where it runs.
const SCRIPT: &str = r#"#!/bin/sh
# heartbeat class: Site {start|stop|status}; runs where $HOLDERS/<hostname> exists
H="HOLDERS/$(hostname)"
echo "$(hostname) $1 begin" >> TRACE
case "$1" in
  # The shell's own mask, read with builtins only: while it waits for a child (grep) the
  # shell blocks every signal itself.
  # The mask is written before the holder file: a test seeing the site up may read it at once.
  start) while read -r l; do case "$l" in SigBlk*) echo "$l" > "MASKS/$(hostname)";; esac; done < /proc/$$/status; touch "$H";;
  stop) rm -f "$H";;
  status) if [ -e "$H" ]; then echo running; else echo stopped; fi;;
esac
echo "$(hostname) $1 end" >> TRACE
exit 0
"#;

/// Two nodes, `node1` (the site's home) and `node2`, on one bridge.
pub struct Site {
    prefix: String,
    dir: tempfile::TempDir,
    bins: PathBuf,
    kinds: [Kind; 2],
    nodes: [Option<Child>; 2],
    auto_failback: String,
    /// Our nodes get `crypto chacha20poly1305` and a key (Heartbeat's files never do).
    crypto: bool,
}

fn write_mode(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl Site {
    /// Namespaces and configuration (nothing started) for nodes of `kinds`.
    pub fn new(bins: &Path, kinds: [Kind; 2], auto_failback: &str) -> Site {
        Site::with_crypto(bins, kinds, auto_failback, false)
    }

    /// [`Site::new`], our nodes encrypting their links when `crypto`.
    pub fn with_crypto(bins: &Path, kinds: [Kind; 2], auto_failback: &str, crypto: bool) -> Site {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let prefix = format!("v1s{}x{n}", std::process::id() % 100_000);
        let site = Site {
            prefix: prefix.clone(),
            dir: tempfile::tempdir().unwrap(),
            bins: bins.to_path_buf(),
            kinds,
            nodes: [None, None],
            auto_failback: auto_failback.to_string(),
            crypto,
        };
        let sw = format!("{prefix}-sw");
        sh(&["ip", "netns", "add", &sw]);
        sh(&["ip", "-n", &sw, "link", "add", "br0", "type", "bridge"]);
        sh(&["ip", "-n", &sw, "link", "set", "br0", "up"]);
        std::fs::create_dir_all(site.holders()).unwrap();
        for i in 0..2 {
            let ns = site.ns(i);
            sh(&["ip", "netns", "add", &ns]);
            let (a, b) = (format!("{prefix}{i}a"), format!("{prefix}{i}b"));
            sh(&["ip", "link", "add", &a, "type", "veth", "peer", "name", &b]);
            sh(&["ip", "link", "set", &a, "netns", &ns]);
            sh(&["ip", "link", "set", &b, "netns", &sw]);
            sh(&["ip", "-n", &ns, "link", "set", &a, "name", "eth0"]);
            let addr = format!("10.1.0.{}/24", i + 1);
            // `brd +`: Heartbeat sends to the interface's broadcast address as the kernel has it.
            sh(&[
                "ip", "-n", &ns, "addr", "add", &addr, "brd", "+", "dev", "eth0",
            ]);
            sh(&["ip", "-n", &ns, "link", "set", "eth0", "up"]);
            sh(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
            sh(&["ip", "-n", &sw, "link", "set", &b, "master", "br0"]);
            sh(&["ip", "-n", &sw, "link", "set", &b, "up"]);
            site.configure(i, auto_failback);
        }
        site
    }

    /// The same ha.cf, authkeys and haresources on every node; a Heartbeat node gets a copy of
    /// the installed /etc/ha.d (its rc.d scripts and shellfuncs) and /var/lib/heartbeat.
    fn configure(&self, i: usize, auto_failback: &str) {
        let d = self.node_dir(i);
        let conf = self.conf(i);
        std::fs::create_dir_all(&d).unwrap();
        let mut hacf = format!(
            "keepalive 200ms\ndeadtime 1500ms\nwarntime 1\ninitdead 3\nbcast eth0\n\
             node node1 node2\nauto_failback {auto_failback}\n"
        );
        if self.kinds[i] == Kind::Heartbeat {
            sh(&["cp", "-a", "/etc/ha.d", conf.to_str().unwrap()]);
            sh(&[
                "cp",
                "-a",
                "/var/lib/heartbeat",
                d.join("varlib").to_str().unwrap(),
            ]);
            let run = d.join("run");
            std::fs::create_dir_all(&run).unwrap();
            sh(&["chown", "hacluster:haclient", run.to_str().unwrap()]);
            hacf.push_str(&format!(
                "use_logd no\nlogfile {}\n",
                d.join("log").display()
            ));
        }
        let mut authkeys = "auth 1\n1 sha1 v1-site\n".to_string();
        if self.crypto && self.kinds[i] == Kind::Ours {
            hacf.push_str("crypto chacha20poly1305\n");
            authkeys.push_str(&format!("crypto {}\n", "5a".repeat(32)));
        }
        std::fs::create_dir_all(conf.join("resource.d")).unwrap();
        write_mode(&conf.join("ha.cf"), &hacf, 0o644);
        write_mode(&conf.join("authkeys"), &authkeys, 0o600);
        write_mode(&conf.join("haresources"), "node1 Site\n", 0o644);
        let masks = self.dir.path().join("masks");
        std::fs::create_dir_all(&masks).unwrap();
        let script = SCRIPT
            .replace("HOLDERS", &self.holders().display().to_string())
            .replace("MASKS", &masks.display().to_string())
            .replace("TRACE", &self.trace_file().display().to_string());
        write_mode(&conf.join("resource.d/Site"), &script, 0o755);
    }

    /// Replaces node `i` (stopped) by an installation of `kind` with the same ha.cf, authkeys
    /// and haresources, as an administrator upgrading it would.
    pub fn replace(&mut self, i: usize, kind: Kind) {
        assert!(self.nodes[i].is_none(), "stop node{} first", i + 1);
        let _ = std::fs::remove_dir_all(self.node_dir(i));
        self.kinds[i] = kind;
        let af = self.auto_failback.clone();
        self.configure(i, &af);
    }

    /// Samples every 20 ms until the returned guard is dropped; the guard's `outages()` counts
    /// the periods during which no node ran the site.
    pub fn watch_outages(&self) -> OutageWatch {
        let holders = self.holders();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut outages, mut down_since, mut longest) = (0u32, None, Duration::ZERO);
            while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
                let empty = std::fs::read_dir(&holders)
                    .map(|d| d.count() == 0)
                    .unwrap_or(true);
                match (empty, down_since) {
                    (true, None) => {
                        outages += 1;
                        down_since = Some(Instant::now());
                    }
                    (false, Some(t)) => {
                        longest = longest.max(Instant::now() - t);
                        down_since = None;
                    }
                    _ => {}
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            (outages, longest)
        });
        OutageWatch { stop, thread }
    }

    fn ns(&self, i: usize) -> String {
        format!("{}-n{}", self.prefix, i + 1)
    }

    fn node_dir(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("node{}", i + 1))
    }

    fn conf(&self, i: usize) -> PathBuf {
        self.node_dir(i).join("conf")
    }

    fn socket(&self, i: usize) -> PathBuf {
        self.node_dir(i).join("run/api.sock")
    }

    /// Node `i`'s log (Heartbeat's logfile, or our heartbeat's stderr).
    pub fn log(&self, i: usize) -> String {
        let d = self.node_dir(i);
        ["log", "out"]
            .iter()
            .map(|f| std::fs::read_to_string(d.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("")
    }

    /// Starts node `i` (`node{i+1}`).
    pub fn start(&mut self, i: usize) {
        let d = self.node_dir(i);
        let out_name = if self.kinds[i] == Kind::Ours {
            "log"
        } else {
            "out"
        };
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(d.join(out_name))
            .unwrap();
        let name = format!("node{}", i + 1);
        let script = match self.kinds[i] {
            Kind::Ours => {
                let _ = std::fs::remove_file(self.socket(i));
                format!(
                    "hostname {name}; exec {} -f -c {} --rundir {} --statedir {}",
                    self.bins.join("heartbeat").display(),
                    self.conf(i).display(),
                    d.join("run").display(),
                    d.join("state").display()
                )
            }
            Kind::Heartbeat => format!(
                // A private /run too: Heartbeat keeps its pid file in /run/heartbeat.pid.
                "mount --bind {} /etc/ha.d && mount --bind {} /var/lib/heartbeat && \
                 mount -t tmpfs lab-run /run && mkdir /run/heartbeat && \
                 mount --bind {} /run/heartbeat && hostname {name} && exec {HEARTBEAT_306} -f",
                self.conf(i).display(),
                d.join("varlib").display(),
                d.join("run").display()
            ),
        };
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns(i),
                "unshare",
                "--uts",
                "--mount",
                "sh",
                "-c",
            ])
            .arg(script)
            .env("HA_RESOURCE_MANAGER", "v1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        self.nodes[i] = Some(child);
        assert!(
            wait_until(Duration::from_secs(10), || self
                .log(i)
                .contains("Heartbeat generation")),
            "{name} did not start:\n{}",
            self.log(i)
        );
    }

    /// Power off: every process of the node dies at once and what it ran is gone.
    pub fn crash(&mut self, i: usize) {
        let out = Command::new("ip")
            .args(["netns", "pids", &self.ns(i)])
            .output()
            .unwrap();
        for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            let _ = Command::new("kill").args(["-9", pid]).status();
        }
        if let Some(mut c) = self.nodes[i].take() {
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(self.holders().join(format!("node{}", i + 1)));
    }

    /// A clean stop (SIGTERM), waiting for heartbeat to exit.
    pub fn stop(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }

    /// Every run of the Site script, in order: `<node> <action> begin|end`.
    fn trace_file(&self) -> PathBuf {
        self.dir.path().join("trace")
    }

    fn trace(&self) -> String {
        std::fs::read_to_string(self.trace_file()).unwrap_or_default()
    }

    fn holders(&self) -> PathBuf {
        self.dir.path().join("holders")
    }

    /// The nodes running the site now.
    pub fn running_on(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.holders())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Waits until the site runs on exactly `node`, checking it never runs twice; returns how
    /// long that took. `None` if it did not happen within `timeout`.
    pub fn wait_on(&self, node: &str, timeout: Duration) -> Option<Duration> {
        let start = Instant::now();
        wait_until(timeout, || {
            let on = self.running_on();
            assert!(
                on.len() <= 1,
                "the site runs on {on:?}:\n--- node1\n{}\n--- node2\n{}\n--- Site runs\n{}",
                self.log(0),
                self.log(1),
                self.trace()
            );
            on == [node]
        })
        .then(|| start.elapsed())
    }

    /// [`Site::wait_on`], failing with both logs.
    pub fn expect_on(&self, node: &str, timeout: Duration) -> Duration {
        self.wait_on(node, timeout).unwrap_or_else(|| {
            panic!(
                "site not on {node} (on {:?}):\n--- node1\n{}\n--- node2\n{}\n--- Site runs\n{}",
                self.running_on(),
                self.log(0),
                self.log(1),
                self.trace()
            )
        })
    }

    /// The signals blocked in the site's start script when it last started on `node`
    /// (`SigBlk` of /proc/PID/status).
    pub fn start_mask(&self, node: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("masks").join(node))
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// Lets a finished move's last messages (the standby exchange's `done`s) go round.
    pub fn settle(&self) {
        std::thread::sleep(Duration::from_secs(2));
    }

    /// `request` on node `i`, then waits for the site to run on `to`. Like Heartbeat, both
    /// implementations ignore a standby request while a previous move is still finishing (its
    /// last messages), so an administrator (and this) asks again when nothing happened.
    pub fn move_by(&self, i: usize, what: &[&str], to: &str) {
        for _ in 0..5 {
            self.request(i, what);
            if self.wait_on(to, Duration::from_secs(6)).is_some() {
                return;
            }
        }
        self.expect_on(to, Duration::from_secs(1));
    }

    /// `cl_status rscstatus` on node `i`, with that implementation's own cl_status: its
    /// output line and exit status.
    pub fn rscstatus(&self, i: usize) -> (String, i32) {
        let out = match self.kinds[i] {
            Kind::Ours => Command::new(self.bins.join("cl_status"))
                .arg("rscstatus")
                .env("HA_API_SOCKET", self.socket(i))
                .output()
                .unwrap(),
            Kind::Heartbeat => {
                let pid = self.nodes[i].as_ref().expect("running").id().to_string();
                Command::new("nsenter")
                    .args(["-t", &pid, "-m", "-u", "-n", "cl_status", "rscstatus"])
                    .output()
                    .unwrap()
            }
        };
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (line, out.status.code().unwrap_or(-1))
    }

    /// `hb_standby` / `hb_takeover` (`what` = `standby`/`takeover` and the set) on node `i`.
    pub fn request(&self, i: usize, what: &[&str]) {
        let st = match self.kinds[i] {
            Kind::Ours => Command::new(self.bins.join(format!("hb_{}", what[0])))
                .args(&what[1..])
                .env("HA_RESOURCE_MANAGER", "v1")
                .env("HA_API_SOCKET", self.socket(i))
                .status()
                .unwrap(),
            Kind::Heartbeat => {
                let pid = self.nodes[i].as_ref().expect("running").id().to_string();
                Command::new("nsenter")
                    .args(["-t", &pid, "-m", "-u", "-n"])
                    .arg(format!("/usr/share/heartbeat/hb_{}", what[0]))
                    .args(&what[1..])
                    .status()
                    .unwrap()
            }
        };
        assert!(st.success(), "{what:?} on node{}", i + 1);
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        for i in 0..2 {
            self.crash(i);
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(i)])
                .status();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &format!("{}-sw", self.prefix)])
            .status();
    }
}

/// True (after a loud SKIP) when not root.
pub fn skip_unless_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return false;
    }
    eprintln!("SKIP {test}: needs root (network namespaces)");
    true
}

/// See [`Site::watch_outages`].
pub struct OutageWatch {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(u32, Duration)>,
}

impl OutageWatch {
    /// Stops watching: the number of outages and the longest one.
    pub fn finish(self) -> (u32, Duration) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.join().expect("watch thread")
    }
}
