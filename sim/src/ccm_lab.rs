//! Real `heartbeat` + `ccm` nodes for tests and the benchmark: each node is a network namespace (own
//! UTS name) running `heartbeat` and `ccm`. A "switch" namespace holds two bridges; every node's
//! veth starts on `br0`, and moving some to `br1` partitions the cluster. Needs root; everything
//! is removed on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ccm::api::{CcmClient, ViewEvent};

static NEXT_NET: AtomicU32 = AtomicU32::new(0);

/// Whether we may create network namespaces.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The programs a node runs.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The `heartbeat` daemon.
    pub heartbeat: PathBuf,
    /// The `ccm` daemon.
    pub ccm: PathBuf,
}

fn sh(args: &[&str]) {
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

/// Namespaces and bridges; removed on drop (also when a test panics).
pub struct Net {
    prefix: String,
    switch: String,
    /// Node namespaces, one per node.
    pub namespaces: Vec<String>,
}

impl Net {
    /// Creates the switch and `nodes` node namespaces (addresses `10.9.0.<i+1>/24`).
    pub fn new(nodes: usize) -> Net {
        let id = NEXT_NET.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("ccm{}x{id}", std::process::id() % 100_000);
        let net = Net {
            switch: format!("{prefix}-sw"),
            namespaces: (0..nodes).map(|i| format!("{prefix}-n{i}")).collect(),
            prefix,
        };
        sh(&["ip", "netns", "add", &net.switch]);
        for br in ["br0", "br1"] {
            sh(&["ip", "-n", &net.switch, "link", "add", br, "type", "bridge"]);
            sh(&["ip", "-n", &net.switch, "link", "set", br, "up"]);
        }
        for i in 0..nodes {
            let ns = &net.namespaces[i];
            let (a, b) = net.veth(i);
            sh(&["ip", "netns", "add", ns]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
            sh(&["ip", "link", "add", &a, "type", "veth", "peer", "name", &b]);
            sh(&["ip", "link", "set", &a, "netns", ns]);
            sh(&["ip", "link", "set", &b, "netns", &net.switch]);
            sh(&["ip", "-n", ns, "link", "set", &a, "name", "eth0"]);
            let addr = format!("10.9.0.{}/24", i + 1);
            sh(&["ip", "-n", ns, "addr", "add", &addr, "dev", "eth0"]);
            sh(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
            sh(&["ip", "-n", &net.switch, "link", "set", &b, "master", "br0"]);
            sh(&["ip", "-n", &net.switch, "link", "set", &b, "up"]);
        }
        net
    }

    fn veth(&self, i: usize) -> (String, String) {
        let short = &self.prefix[3..];
        (format!("c{short}{i}a"), format!("c{short}{i}b"))
    }

    /// Node `to` stops hearing node `from` (iptables in `to`'s namespace drops what comes from
    /// `from`'s address) while `from` still hears `to`: a link lost one way. Needs `iptables`.
    pub fn drop_one_way(&self, from: usize, to: usize) {
        let src = format!("10.9.0.{}", from + 1);
        let ns = &self.namespaces[to];
        sh(&[
            "ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-s", &src, "-j", "DROP",
        ]);
    }

    /// Puts node `i` on bridge `side` (0 or 1): nodes on different bridges cannot talk.
    pub fn set_side(&self, i: usize, side: usize) {
        let (_, b) = self.veth(i);
        let br = format!("br{side}");
        sh(&["ip", "-n", &self.switch, "link", "set", &b, "master", &br]);
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in self.namespaces.iter().chain(std::iter::once(&self.switch)) {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// One node: heartbeat plus ccm in a namespace, with private directories.
pub struct Node {
    /// Node name (its UTS hostname).
    pub name: String,
    ns: String,
    dir: tempfile::TempDir,
    bins: Binaries,
    hello_ms: u64,
    heartbeat: Option<Child>,
    ccm: Option<Child>,
}

impl Node {
    /// Writes the configuration for node `name` of a cluster of `names` (nothing started).
    pub fn prepare(name: &str, ns: &str, names: &[String], bins: &Binaries, hello_ms: u64) -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("conf");
        std::fs::create_dir_all(&conf).expect("conf dir");
        let hacf = format!(
            "keepalive 200ms\ndeadtime 1500ms\nwarntime 1\ninitdead 2\nbcast eth0\nnode {}\n",
            names.join(" ")
        );
        std::fs::write(conf.join("ha.cf"), hacf).expect("ha.cf");
        let keys = conf.join("authkeys");
        std::fs::write(&keys, "auth 1\n1 sha1 ccm-test\n").expect("authkeys");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::fs::write(conf.join("haresources"), "").expect("haresources");
        Node {
            name: name.to_string(),
            ns: ns.to_string(),
            dir,
            bins: bins.clone(),
            hello_ms,
            heartbeat: None,
            ccm: None,
        }
    }

    fn rundir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// The node's ccm client socket.
    pub fn ccm_socket(&self) -> PathBuf {
        self.rundir().join("ccm.sock")
    }

    /// The node's heartbeat API socket (local clients sign on there).
    pub fn api_socket(&self) -> PathBuf {
        self.rundir().join("api.sock")
    }

    fn log(&self, what: &str) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(what))
            .expect("log file")
    }

    /// What this node's heartbeat says about every configured node, e.g. `node1=active`.
    pub fn hb_statuses(&self) -> String {
        let api = self.rundir().join("api.sock");
        let Ok(mut c) = messaging::client::Client::connect(&api, "anon") else {
            return "heartbeat unreachable".into();
        };
        let nodes = c.nodes().unwrap_or_default();
        nodes
            .iter()
            .map(|n| match c.node_status(n) {
                Ok(s) => format!("{n}={s}"),
                Err(e) => format!("{n}=?({e})"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Heartbeat's view of the nodes and both logs, for failure messages.
    pub fn logs(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
        format!(
            "--- {} heartbeat sees: {}\n{}--- {} ccm ---\n{}",
            self.name,
            self.hb_statuses(),
            read("heartbeat.log"),
            self.name,
            read("ccm.log")
        )
    }

    fn spawn_in_ns(&self, script: String, log: &str) -> Child {
        let out = self.log(log);
        Command::new("ip")
            .args(["netns", "exec", &self.ns, "unshare", "--uts", "sh", "-c"])
            .arg(format!("hostname {}; exec {script}", self.name))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("spawn in namespace")
    }

    /// Starts heartbeat, waits for its socket, then starts ccm.
    pub fn start(&mut self) {
        let api = self.rundir().join("api.sock");
        let _ = std::fs::remove_file(&api);
        let _ = std::fs::remove_file(self.ccm_socket());
        let hb = format!(
            "{} -f -c {} --rundir {} --statedir {}",
            self.bins.heartbeat.display(),
            self.dir.path().join("conf").display(),
            self.rundir().display(),
            self.dir.path().join("state").display()
        );
        self.heartbeat = Some(self.spawn_in_ns(hb, "heartbeat.log"));
        assert!(
            wait_until(Duration::from_secs(10), || api.exists()),
            "heartbeat on {} did not come up\n{}",
            self.name,
            self.logs()
        );
        let ccm = format!(
            "{} --hello-ms {} --hb-socket {} --socket {}",
            self.bins.ccm.display(),
            self.hello_ms,
            api.display(),
            self.ccm_socket().display()
        );
        self.ccm = Some(self.spawn_in_ns(ccm, "ccm.log"));
        let sock = self.ccm_socket();
        assert!(
            wait_until(Duration::from_secs(10), || sock.exists()),
            "ccm on {} did not come up\n{}",
            self.name,
            self.logs()
        );
    }

    /// Kills ccm, then heartbeat (SIGKILL): peers learn from heartbeat that the ccm client left.
    pub fn kill(&mut self) {
        for child in [self.ccm.take(), self.heartbeat.take()]
            .into_iter()
            .flatten()
        {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills heartbeat first, then ccm, as a node crash would: peers learn it after `deadtime`.
    pub fn crash(&mut self) {
        for child in [self.heartbeat.take(), self.ccm.take()]
            .into_iter()
            .flatten()
        {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM to ccm only and returns its exit code.
    pub fn stop_ccm(&mut self) -> Option<i32> {
        let mut child = self.ccm.take()?;
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        child.wait().ok()?.code()
    }

    /// The node's current view, if its ccm answers and has one.
    pub fn view(&self) -> Option<ViewEvent> {
        CcmClient::query(&self.ccm_socket()).ok().flatten()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `n` nodes `node0..` in fresh namespaces, ccm saying hello every `hello_ms`.
pub fn start_cluster(n: usize, bins: &Binaries, hello_ms: u64) -> (Net, Vec<Node>) {
    let net = Net::new(n);
    let names: Vec<String> = (0..n).map(|i| format!("node{i}")).collect();
    let mut nodes: Vec<Node> = (0..n)
        .map(|i| Node::prepare(&names[i], &net.namespaces[i], &names, bins, hello_ms))
        .collect();
    for node in &mut nodes {
        node.start();
    }
    (net, nodes)
}

/// The view every node in `group` reports, if they all report the same one with exactly `members`.
pub fn agree(group: &[&Node], members: &[&str]) -> Option<ViewEvent> {
    let views: Vec<ViewEvent> = group.iter().map(|n| n.view()).collect::<Option<_>>()?;
    let first = views.first()?.clone();
    let names: Vec<&str> = first.members.iter().map(|(n, _)| n.as_str()).collect();
    let same = views
        .iter()
        .all(|v| v.instance == first.instance && v.members == first.members);
    (same && names == members).then_some(first)
}
