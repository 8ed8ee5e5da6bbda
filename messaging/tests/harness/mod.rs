//! Test scaffolding: network namespaces joined by bridges, and heartbeat nodes running in them.
//!
//! Layout for `Net::new(nodes, links)`: a "switch" namespace holds one bridge per link
//! (`br0`, `br1`, ...). Node `i` lives in its own namespace with interfaces `eth0`, `eth1`, ...
//! (veth pairs onto those bridges) and addresses `10.<link+1>.0.<i+1>/24`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use messaging::client::Client;

static NEXT_NET: AtomicU32 = AtomicU32::new(0);

/// The heartbeat binary under test.
pub fn heartbeat_bin() -> &'static str {
    env!("CARGO_BIN_EXE_heartbeat")
}

/// True (after printing a loud SKIP) when not root.
pub fn skip_unless_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return false;
    }
    eprintln!("SKIP {test}: needs root (network namespaces)");
    true
}

/// Runs a command, panicking with its stderr on failure.
pub fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `cond` every 50 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `f` on a thread that has entered network namespace `ns`.
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    spawn_in_netns(ns, f).join().expect("netns thread")
}

/// Starts `f` on a thread that has entered network namespace `ns`.
pub fn spawn_in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let fd = std::fs::File::open(path).expect("netns");
        nix::sched::setns(fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        f()
    })
}

/// Namespaces and bridges; removed on drop.
pub struct Net {
    pub prefix: String,
    pub switch: String,
    pub nodes: Vec<String>,
    pub links: usize,
    /// Namespaces that run cluster nodes (probes come after them in `nodes`).
    pub members: usize,
}

impl Net {
    pub fn new(nodes: usize, links: usize) -> Net {
        let id = NEXT_NET.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("hbm{}x{id}", std::process::id() % 100_000);
        let switch = format!("{prefix}-sw");
        let net = Net {
            nodes: (0..nodes).map(|i| format!("{prefix}-n{i}")).collect(),
            switch: switch.clone(),
            prefix: prefix.clone(),
            links,
            members: nodes,
        };
        sh(&["ip", "netns", "add", &switch]);
        for l in 0..links {
            let br = format!("br{l}");
            sh(&["ip", "-n", &switch, "link", "add", &br, "type", "bridge"]);
            sh(&["ip", "-n", &switch, "link", "set", &br, "up"]);
        }
        for i in 0..nodes {
            net.add_node_ns(i);
        }
        net
    }

    fn add_node_ns(&self, i: usize) {
        let ns = &self.nodes[i];
        sh(&["ip", "netns", "add", ns]);
        sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        for l in 0..self.links {
            let (a, b) = self.veth_names(i, l);
            sh(&["ip", "link", "add", &a, "type", "veth", "peer", "name", &b]);
            sh(&["ip", "link", "set", &a, "netns", ns]);
            sh(&["ip", "link", "set", &b, "netns", &self.switch]);
            let eth = format!("eth{l}");
            sh(&["ip", "-n", ns, "link", "set", &a, "name", &eth]);
            sh(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("{}/24", self.addr(i, l)),
                "dev",
                &eth,
            ]);
            sh(&["ip", "-n", ns, "link", "set", &eth, "up"]);
            sh(&[
                "ip",
                "-n",
                &self.switch,
                "link",
                "set",
                &b,
                "master",
                &format!("br{l}"),
            ]);
            sh(&["ip", "-n", &self.switch, "link", "set", &b, "up"]);
        }
    }

    fn veth_names(&self, i: usize, l: usize) -> (String, String) {
        let short = &self.prefix[3..];
        (format!("v{short}{i}{l}a"), format!("v{short}{i}{l}b"))
    }

    /// Address of node `i` on link `l`.
    pub fn addr(&self, i: usize, l: usize) -> String {
        format!("10.{}.0.{}", l + 1, i + 1)
    }

    /// Adds an extra namespace on the bridges (a probe host) with address `.100`.
    pub fn add_probe(&mut self) -> String {
        let i = self.nodes.len();
        self.nodes.push(format!("{}-n{i}", self.prefix));
        self.add_node_ns(i);
        self.nodes[i].clone()
    }

    /// Takes node `i`'s link `l` down (switch side) or brings it back.
    pub fn set_link(&self, i: usize, l: usize, up: bool) {
        let (_, b) = self.veth_names(i, l);
        sh(&[
            "ip",
            "-n",
            &self.switch,
            "link",
            "set",
            &b,
            if up { "up" } else { "down" },
        ]);
    }

    /// Drops `percent`% of node `i`'s heartbeat traffic on `eth<l>` both ways: `tc netem` where
    /// the kernel has it, else iptables' `statistic` match (kernels built without sch_netem).
    pub fn loss(&self, i: usize, l: usize, percent: u32) {
        let eth = format!("eth{l}");
        let netem = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.nodes[i],
                "tc",
                "qdisc",
                "add",
                "dev",
                &eth,
                "root",
                "netem",
                "loss",
            ])
            .arg(format!("{percent}%"))
            .output()
            .is_ok_and(|o| o.status.success());
        if netem {
            return;
        }
        eprintln!("note: tc netem unavailable, emulating {percent}% loss with iptables statistic");
        // Each packet meets two rules (sender's OUTPUT, receiver's INPUT): split the loss so the
        // end-to-end rate is `percent`.
        let p = format!("{:.4}", 1.0 - (1.0 - f64::from(percent) / 100.0).sqrt());
        for (chain, dir) in [("INPUT", "-i"), ("OUTPUT", "-o")] {
            sh(&[
                "ip",
                "netns",
                "exec",
                &self.nodes[i],
                "iptables",
                "-A",
                chain,
                dir,
                &eth,
                "-p",
                "udp",
                "-m",
                "statistic",
                "--mode",
                "random",
                "--probability",
                &p,
                "-j",
                "DROP",
            ]);
        }
    }

    /// Applies a netem qdisc on node `i`'s `eth<l>` (e.g. `loss 30%`).
    pub fn netem(&self, i: usize, l: usize, spec: &str) {
        let mut args = vec![
            "ip",
            "netns",
            "exec",
            &self.nodes[i],
            "tc",
            "qdisc",
            "add",
            "dev",
        ];
        let eth = format!("eth{l}");
        args.push(&eth);
        args.extend(["root", "netem"]);
        args.extend(spec.split_whitespace());
        sh(&args);
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in self.nodes.iter().chain(std::iter::once(&self.switch)) {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

pub const AUTHKEYS: &str = "auth 1\n1 sha1 test-secret\n";

/// A heartbeat process and its private directories.
pub struct Node {
    pub name: String,
    pub ns: Option<String>,
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
    /// Extra heartbeat arguments (passed through `sh -c`, so quote as for a shell).
    pub extra_args: Vec<String>,
}

impl Node {
    /// Writes ha.cf/authkeys into a fresh directory (nothing started yet).
    pub fn prepare(name: &str, ns: Option<&str>, hacf: &str, authkeys: &str) -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        write_conf(dir.path(), hacf, authkeys);
        Node {
            name: name.to_string(),
            ns: ns.map(str::to_string),
            dir,
            child: None,
            extra_args: vec![],
        }
    }

    pub fn confdir(&self) -> PathBuf {
        self.dir.path().join("conf")
    }

    pub fn rundir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    pub fn statedir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn socket(&self) -> PathBuf {
        self.rundir().join("api.sock")
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("stderr.log")
    }

    /// Starts heartbeat in the foreground: inside its namespace with its own UTS name when it has
    /// one, else with `-n name`.
    pub fn start(&mut self) {
        let _ = std::fs::remove_file(self.socket());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log");
        let hb = format!(
            "{} -f -c {} --rundir {} --statedir {} {}",
            heartbeat_bin(),
            self.confdir().display(),
            self.rundir().display(),
            self.statedir().display(),
            self.extra_args.join(" ")
        );
        let mut cmd = match &self.ns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "unshare", "--uts", "sh", "-c"])
                    .arg(format!("hostname {}; exec {hb}", self.name));
                c
            }
            None => {
                let mut c = Command::new("sh");
                c.arg("-c").arg(format!("exec {hb} -n {}", self.name));
                c
            }
        };
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        self.child = Some(cmd.spawn().expect("start heartbeat"));
        let sock = self.socket();
        assert!(
            wait_until(Duration::from_secs(10), || sock.exists()),
            "heartbeat {} did not come up:\n{}",
            self.name,
            self.log()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Signs on as `client`.
    pub fn client(&self, client: &str) -> Client {
        Client::connect(&self.socket(), client)
            .unwrap_or_else(|e| panic!("connect to {}: {e}\n{}", self.name, self.log()))
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn terminate(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let _ = c.wait();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn write_conf(dir: &Path, hacf: &str, authkeys: &str) {
    use std::os::unix::fs::PermissionsExt;
    let conf = dir.join("conf");
    std::fs::create_dir_all(&conf).expect("conf dir");
    std::fs::write(conf.join("ha.cf"), hacf).expect("ha.cf");
    let keys = conf.join("authkeys");
    std::fs::write(&keys, authkeys).expect("authkeys");
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(conf.join("haresources"), "").expect("haresources");
}

/// A cluster of `n` nodes named node0..node{n-1} in `net`, all started.
pub fn start_cluster(net: &Net, hacf: &str) -> Vec<Node> {
    (0..net.members)
        .map(|i| {
            let mut node = Node::prepare(&format!("node{i}"), Some(&net.nodes[i]), hacf, AUTHKEYS);
            node.start();
            node
        })
        .collect()
}

/// ha.cf for `n` nodes with short timers and the given media lines.
pub fn hacf(n: usize, media: &str, extra: &str) -> String {
    let nodes: Vec<String> = (0..n).map(|i| format!("node{i}")).collect();
    format!(
        "keepalive 200ms\ndeadtime 1500ms\nwarntime 1\ninitdead 2\n{media}\nnode {}\n{extra}\n",
        nodes.join(" ")
    )
}

/// Whether `observer` currently sees `node` with status `status`.
pub fn sees(observer: &Node, node: &str, status: &str) -> bool {
    let Ok(mut c) = Client::connect(&observer.socket(), "anon") else {
        return false;
    };
    c.node_status(node)
        .map(|s| s.as_str() == status)
        .unwrap_or(false)
}
