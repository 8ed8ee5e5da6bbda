//! A namespace lab for mixed clusters: real Heartbeat 3.0.6 nodes (Debian's `heartbeat`
//! package) next to ours on one bridge. Used by the mixed-cluster test and the `mixed_soak`
//! example; needs root.
//!
//! Each node has its own network namespace (`eth0` on the bridge, `10.<net>.0.<i+1>/24`) and UTS
//! name. A real node also gets a private mount namespace in which `/etc/ha.d`,
//! `/var/lib/heartbeat` and `/run` are its own, because Heartbeat's paths are fixed; its
//! `cl_status` runs inside that namespace (`nsenter`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::client::Client;

/// The real daemon.
pub const REAL_HEARTBEAT: &str = "/usr/libexec/heartbeat/heartbeat";
/// The real status tool.
pub const REAL_CL_STATUS: &str = "/usr/bin/cl_status";

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Why the lab cannot run here, if it cannot (not root, no `heartbeat` package).
pub fn unavailable() -> Option<&'static str> {
    if !nix::unistd::geteuid().is_root() {
        return Some("needs root (network and mount namespaces)");
    }
    if !Path::new(REAL_HEARTBEAT).exists() || !Path::new(REAL_CL_STATUS).exists() {
        return Some("needs Debian's heartbeat package (apt-get install heartbeat)");
    }
    None
}

/// Which implementation a node runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Heartbeat 3.0.6.
    Real,
    /// Ours.
    Ours,
}

/// One node of the lab.
#[derive(Debug)]
pub struct LabNode {
    /// Node (and UTS host) name.
    pub name: String,
    /// Which daemon it runs.
    pub kind: Kind,
    /// Its network namespace.
    pub ns: String,
    /// Its address on the bridge.
    pub addr: String,
    dir: PathBuf,
    child: Option<Child>,
}

/// Namespaces, bridge and node directories; all removed (and every node killed) on drop.
#[derive(Debug)]
pub struct Lab {
    switch: String,
    root: tempfile::TempDir,
    ours: PathBuf,
    /// The nodes, in the order given.
    pub nodes: Vec<LabNode>,
}

fn sh(args: &[&str]) -> std::io::Result<()> {
    let out = Command::new(args[0]).args(&args[1..]).output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl Lab {
    /// Builds the namespaces and writes every node's ha.cf (`hacf`, the same for all; its
    /// `logfile` line is added per node) and authkeys. `ours` is our `heartbeat` binary.
    pub fn new(
        nodes: &[(&str, Kind)],
        hacf: &str,
        authkeys: &str,
        ours: &Path,
    ) -> std::io::Result<Lab> {
        let id = NEXT.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("mx{}x{id}", std::process::id() % 100_000);
        let net = 100 + (std::process::id() % 50) * 2 + id % 2;
        let switch = format!("{prefix}-sw");
        let root = tempfile::tempdir()?;
        // Heartbeat's children that drop to hacluster must reach their files.
        std::fs::set_permissions(
            root.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )?;
        let mut lab = Lab {
            switch: switch.clone(),
            root,
            ours: ours.to_path_buf(),
            nodes: Vec::new(),
        };
        sh(&["ip", "netns", "add", &switch])?;
        sh(&["ip", "-n", &switch, "link", "add", "br0", "type", "bridge"])?;
        sh(&["ip", "-n", &switch, "link", "set", "br0", "up"])?;
        for (i, (name, kind)) in nodes.iter().enumerate() {
            let ns = format!("{prefix}-{i}");
            let addr = format!("10.{net}.0.{}", i + 1);
            let (a, b) = (format!("{prefix}{i}a"), format!("{prefix}{i}b"));
            sh(&["ip", "netns", "add", &ns])?;
            sh(&["ip", "-n", &ns, "link", "set", "lo", "up"])?;
            sh(&["ip", "link", "add", &a, "type", "veth", "peer", "name", &b])?;
            sh(&["ip", "link", "set", &a, "netns", &ns])?;
            sh(&["ip", "link", "set", &b, "netns", &switch])?;
            sh(&["ip", "-n", &ns, "link", "set", &a, "name", "eth0"])?;
            let cidr = format!("{addr}/24");
            sh(&[
                "ip", "-n", &ns, "addr", "add", &cidr, "brd", "+", "dev", "eth0",
            ])?;
            sh(&["ip", "-n", &ns, "link", "set", "eth0", "up"])?;
            sh(&["ip", "-n", &switch, "link", "set", &b, "master", "br0"])?;
            sh(&["ip", "-n", &switch, "link", "set", &b, "up"])?;
            let dir = lab.root.path().join(name);
            lab.nodes.push(LabNode {
                name: name.to_string(),
                kind: *kind,
                ns,
                addr,
                dir: dir.clone(),
                child: None,
            });
            lab.prepare(&dir, *kind, hacf, authkeys)?;
        }
        Ok(lab)
    }

    fn prepare(&self, dir: &Path, kind: Kind, hacf: &str, authkeys: &str) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let etc = dir.join("etc");
        std::fs::create_dir_all(&etc)?;
        if kind == Kind::Real {
            // Heartbeat's own scripts (harc, rc.d, resource.d) come along; its state starts empty.
            sh(&["cp", "-a", "/etc/ha.d/.", &etc.to_string_lossy()])?;
            let lib = dir.join("lib");
            std::fs::create_dir_all(&lib)?;
            sh(&["cp", "-a", "/var/lib/heartbeat/.", &lib.to_string_lossy()])?;
            for stale in [
                "hb_generation",
                "hb_uuid",
                "fifo",
                "hostcache",
                "delhostcache",
            ] {
                let _ = std::fs::remove_file(lib.join(stale));
            }
        }
        let log = dir.join("ha.log");
        std::fs::write(
            etc.join("ha.cf"),
            format!("logfile {}\n{hacf}", log.display()),
        )?;
        let keys = etc.join("authkeys");
        std::fs::write(&keys, authkeys)?;
        std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600))?;
        std::fs::write(etc.join("haresources"), "")?;
        Ok(())
    }

    /// Starts node `i` (again).
    pub fn start(&mut self, i: usize) -> std::io::Result<()> {
        let ours = self.ours.clone();
        let node = &mut self.nodes[i];
        let d = node.dir.display();
        let script = match node.kind {
            Kind::Real => format!(
                "mount --make-rprivate / && mount --bind {d}/etc /etc/ha.d && \
                 mount --bind {d}/lib /var/lib/heartbeat && mount -t tmpfs tmpfs /run && \
                 mkdir -p /run/heartbeat /run/resource-agents && \
                 chown hacluster:haclient /run/heartbeat && chmod 750 /run/heartbeat && \
                 hostname {n} && exec {REAL_HEARTBEAT} -f -l",
                n = node.name
            ),
            Kind::Ours => format!(
                "hostname {n} && exec {bin} -f -c {d}/etc --rundir {d}/run --statedir {d}/state",
                n = node.name,
                bin = ours.display()
            ),
        };
        let unshare = match node.kind {
            Kind::Real => vec!["unshare", "--uts", "--mount"],
            Kind::Ours => vec!["unshare", "--uts"],
        };
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(node.dir.join("stderr.log"))?;
        let child = Command::new("ip")
            .args(["netns", "exec", &node.ns])
            .args(unshare)
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        node.child = Some(child);
        Ok(())
    }

    /// Kills every process of node `i` with SIGKILL (the real daemon's children too: all are
    /// in its namespace and were started by the lab).
    pub fn kill9(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        if let Ok(out) = Command::new("ip")
            .args(["netns", "pids", &node.ns])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                if let Ok(pid) = pid.parse::<i32>() {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
        }
        if let Some(mut c) = node.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Runs `cl_status <args>` against node `i`: the real one inside its namespaces; for ours,
    /// `cl_status` (cli's, when `ours_cl_status` is given) with `HA_API_SOCKET`, else the same
    /// question over the client API. `None` when the tool fails without output.
    pub fn cl_status(
        &self,
        i: usize,
        args: &[&str],
        ours_cl_status: Option<&Path>,
    ) -> Option<String> {
        let node = &self.nodes[i];
        let out = match node.kind {
            Kind::Real => {
                // Any process of the node will do: all share its namespaces. Not the child
                // the lab started: Heartbeat re-executes itself (and forks) when it restarts
                // after a node it declared dead comes back.
                let pids = Command::new("ip")
                    .args(["netns", "pids", &node.ns])
                    .output()
                    .ok()?;
                let pid = String::from_utf8_lossy(&pids.stdout)
                    .split_whitespace()
                    .next()?
                    .to_string();
                Command::new("nsenter")
                    .args(["-t", &pid, "-m", "-u", "-n", REAL_CL_STATUS])
                    .args(args)
                    .output()
                    .ok()?
            }
            Kind::Ours => match ours_cl_status {
                Some(bin) => Command::new(bin)
                    .args(args)
                    .env("HA_API_SOCKET", self.socket(i))
                    .output()
                    .ok()?,
                None => return self.api_status(i, args),
            },
        };
        // `cl_status nodestatus` prints the status and exits 1 for a dead node.
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() || !text.is_empty()).then_some(text)
    }

    fn api_status(&self, i: usize, args: &[&str]) -> Option<String> {
        // Casual (named by our pid), as Heartbeat's cl_status: no join/leave for the cluster.
        let mut c = Client::connect(&self.socket(i), &std::process::id().to_string()).ok()?;
        match args {
            ["nodestatus", n] => c.node_status(n).ok().map(|s| s.as_str().to_string()),
            ["listnodes"] => c.nodes().ok().map(|v| v.join("\n")),
            ["hblinkstatus", n, l] => c.link_status(n, l).ok(),
            _ => None,
        }
    }

    /// Our node `i`'s API socket.
    pub fn socket(&self, i: usize) -> PathBuf {
        self.nodes[i].dir.join("run").join("api.sock")
    }

    /// Node `i`'s log (ha.cf `logfile`) and stderr.
    pub fn log(&self, i: usize) -> String {
        let d = &self.nodes[i].dir;
        let mut s = std::fs::read_to_string(d.join("ha.log")).unwrap_or_default();
        s.push_str(&std::fs::read_to_string(d.join("stderr.log")).unwrap_or_default());
        s
    }

    /// Polls `node i` until `cl_status nodestatus <of>` says `status`; returns how long it took.
    pub fn wait_status(
        &self,
        i: usize,
        of: &str,
        status: &str,
        timeout: Duration,
        ours_cl_status: Option<&Path>,
    ) -> Option<Duration> {
        let start = std::time::Instant::now();
        while start.elapsed() < timeout {
            if self
                .cl_status(i, &["nodestatus", of], ours_cl_status)
                .as_deref()
                == Some(status)
            {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill9(i);
        }
        for ns in self
            .nodes
            .iter()
            .map(|n| n.ns.clone())
            .chain(std::iter::once(self.switch.clone()))
        {
            let _ = Command::new("ip").args(["netns", "del", &ns]).status();
        }
    }
}
