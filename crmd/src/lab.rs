//! The namespace lab: a whole heartbeat-rs cluster on one machine, used by the end-to-end tests,
//! the demo and the failover benchmark. Needs root.
//!
//! Layout: a "switch" namespace holds two bridges, `br0` (the public LAN, `10.1.0.0/24`) and
//! `br1` (the heartbeat link, `10.2.0.0/24`). Node `i` is a namespace with its own UTS name,
//! `eth0` = `10.1.0.<i+1>` and `eth1` = `10.2.0.<i+1>`, running `heartbeat` (which respawns ccm,
//! lrmd and crmd) from private directories. A client namespace sits on the public LAN only, at
//! `10.1.0.200`. Everything is removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub use crate::status::running_on;

mod installed;
pub use installed::unpack_package;
use installed::INSTALLED_AGENTS;

static NEXT_LAB: AtomicU32 = AtomicU32::new(0);

/// The authkeys every lab node uses.
pub const AUTHKEYS: &str = "auth 1\n1 sha1 heartbeat-rs-lab-secret\n";

/// The classic site's virtual IP (from [`LabConfig::classic`]'s haresources line).
pub const CLASSIC_VIP: &str = "10.1.0.100";

/// A lab for `config` with every node started; when not root, prints a loud SKIP line for
/// `test` and returns `None` instead.
pub fn start_or_skip(test: &str, config: LabConfig) -> Option<Lab> {
    if !is_root() {
        eprintln!("SKIP {test}: needs root (network namespaces)");
        return None;
    }
    let mut lab = Lab::new(config).expect("lab");
    lab.start_all().expect("start");
    Some(lab)
}

/// Address of the client namespace on the public LAN.
pub const CLIENT_ADDR: &str = "10.1.0.200";

/// The heartbeat-class web server script the classic site runs (`webserver` in haresources):
/// serves `index.html` saying which node answered, on port 8080, with our own static server
/// (`ocf-agents serve`), so the site needs nothing but this workspace. `@SERVE@` is replaced
/// by the path of the `ocf-agents` binary.
pub const WEB_SCRIPT: &str = r#"#!/bin/sh
# heartbeat class resource script: webserver {start|stop|status}
dir="$(cd "$(dirname "$0")/.." && pwd)/www"
pidfile="$dir/http.pid"
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
case "$1" in
start)
    running && exit 0
    mkdir -p "$dir"
    echo "served by $(uname -n)" > "$dir/index.html"
    rm -f "$pidfile"
    # In its own session so it outlives us; the pid is the server's own (exec).
    PIDFILE="$pidfile" setsid sh -c 'echo $$ > "$PIDFILE"; exec "$0" serve "$1" 8080' @SERVE@ "$dir" >/dev/null 2>&1 </dev/null &
    i=0; while [ $i -lt 150 ]; do
        [ -n "$(ss -Hltn 'sport = :8080' 2>/dev/null)" ] && exit 0
        i=$((i+1)); sleep 0.1
    done
    exit 1 ;;
stop)
    if running; then
        pid="$(cat "$pidfile")"; kill "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    rm -f "$pidfile"; exit 0 ;;
status)
    if running; then echo "webserver is running"; else echo "webserver is stopped"; fi
    exit 0 ;;
*) echo "usage: $0 {start|stop|status}"; exit 1 ;;
esac
"#;

fn sh(args: &[&str]) -> Result<()> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .with_context(|| format!("running {}", args[0]))?;
    if !out.status.success() {
        bail!("{args:?}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// The directory holding `exe` (a binary of this workspace's target directory), after building
/// every daemon and tool the lab runs from it (`heartbeat`, `ccm`, `lrmd`, `stonithd`,
/// `fence_lab`, `crmd` and the user commands), in the same profile.
pub fn prepare_bins(exe: &Path) -> Result<PathBuf> {
    let dir = exe
        .parent()
        .context("binary without a directory")?
        .to_path_buf();
    let mut args = vec!["build", "-q"];
    for p in [
        "messaging",
        "ccm",
        "lrm",
        "stonithd",
        "crmd",
        "cli",
        "ocf-agents",
    ] {
        args.extend(["-p", p]);
    }
    args.push("--bins");
    if dir.ends_with("release") {
        args.push("--release");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(cargo)
        .args(&args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        bail!("building the daemons failed");
    }
    Ok(dir)
}

/// An HTTP GET of `http://<ip>:8080/` from namespace `ns` (the lab's client): the page body,
/// or `None` when it fails within `timeout`. Free-standing so a probe thread can run it while
/// the lab itself is being changed.
pub fn client_get_in(ns: &str, ip: &str, timeout: Duration) -> Option<String> {
    let script = format!(
        "exec 3<>/dev/tcp/{ip}/8080 || exit 1; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"
    );
    let out = Command::new("timeout")
        .arg(format!("{:.1}", timeout.as_secs_f64()))
        .args(["ip", "netns", "exec", ns, "bash", "-c", &script])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let body = text.split("\r\n\r\n").nth(1)?.trim().to_string();
    (out.status.success() && !body.is_empty()).then_some(body)
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

/// The gid of group `haclient` (tests run clients as its members), created when missing.
pub fn haclient_gid() -> u32 {
    let find = || nix::unistd::Group::from_name("haclient").ok().flatten();
    if find().is_none() {
        let _ = Command::new("groupadd").args(["-r", "haclient"]).status();
    }
    find().expect("group haclient").gid.as_raw()
}

/// `cmd` prefixed to run as user nobody with primary group `haclient` and no other groups.
pub fn as_haclient_member(cmd: &str) -> String {
    format!(
        "setpriv --reuid=65534 --regid={} --clear-groups {cmd}",
        haclient_gid()
    )
}

/// Whether the lab can run here.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// What the lab cluster looks like.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// Node names.
    pub nodes: Vec<String>,
    /// `keepalive` and `deadtime` for ha.cf (Heartbeat syntax: `1`, `500ms`).
    pub keepalive: String,
    /// See `keepalive`.
    pub deadtime: String,
    /// `warntime` (late-heartbeat warnings), between keepalive and deadtime.
    pub warntime: String,
    /// `auto_failback on|off`.
    pub auto_failback: bool,
    /// The haresources file (empty: none).
    pub haresources: String,
    /// Directory holding heartbeat, ccm, lrmd, crmd.
    pub bin_dir: PathBuf,
    /// `ping` nodes for ha.cf (addresses on the public LAN, e.g. [`CLIENT_ADDR`]).
    pub ping: Vec<String>,
    /// Write `crm respawn` in ha.cf (false: a v1 site's ha.cf, with no `crm` line).
    pub crm_respawn: bool,
    /// Run the nodes from an installed package instead of `bin_dir`: the root of an
    /// unpacked `.deb` (its control files in `DEBIAN/`). See [`Lab::start`].
    pub installed: Option<PathBuf>,
    /// Encrypt the heartbeat links (`crypto chacha20poly1305`, [`LAB_CRYPTO_KEY`]).
    pub crypto: bool,
}

/// The link encryption key of a lab with [`LabConfig::crypto`].
pub const LAB_CRYPTO_KEY: &str = "3c1d5e7f9a2b4c6d8e0f1a3b5c7d9e2f4a6b8c0d1e3f5a7b9c2d4e6f8a0b1c3d";

impl LabConfig {
    /// The classic two-node site: `node1 10.1.0.100/24/eth0 webserver`.
    pub fn classic(bin_dir: PathBuf) -> LabConfig {
        LabConfig {
            nodes: vec!["node1".into(), "node2".into()],
            keepalive: "200ms".into(),
            deadtime: "1500ms".into(),
            warntime: "1".into(),
            auto_failback: true,
            haresources: "node1 IPaddr::10.1.0.100/24/eth0 webserver\n".into(),
            bin_dir,
            ping: Vec::new(),
            crm_respawn: true,
            installed: None,
            crypto: false,
        }
    }
}

/// One node of the lab.
pub struct LabNode {
    /// Node name (its hostname inside the namespace).
    pub name: String,
    /// Its network namespace.
    pub ns: String,
    /// Its private directory (conf, run, state, logs).
    pub dir: PathBuf,
    heartbeat: Option<Child>,
}

impl LabNode {
    /// heartbeat's API socket.
    pub fn hb_socket(&self) -> PathBuf {
        self.dir.join("run/api.sock")
    }

    /// The CIB socket of its crmd.
    pub fn cib_socket(&self) -> PathBuf {
        self.dir.join("run/cib.sock")
    }

    /// Everything the node's daemons logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("node.log")).unwrap_or_default()
    }
}

/// A running lab.
pub struct Lab {
    prefix: String,
    switch: String,
    /// The nodes, in configuration order.
    pub nodes: Vec<LabNode>,
    /// The client namespace.
    pub client_ns: String,
    config: LabConfig,
    _dir: LabDir,
}

/// The lab's private directory, removed on drop. (mkdtemp rather than the `tempfile` crate, so
/// the crmd library does not carry a test-only dependency into the daemon.)
struct LabDir(PathBuf);

impl LabDir {
    fn new() -> Result<LabDir> {
        let template = std::env::temp_dir().join("hb-lab-XXXXXX");
        let dir = nix::unistd::mkdtemp(&template).context("creating the lab directory")?;
        Ok(LabDir(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for LabDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Lab {
    /// Creates the namespaces and writes every node's configuration (nothing started).
    pub fn new(config: LabConfig) -> Result<Lab> {
        if !is_root() {
            bail!("the lab needs root (it creates network namespaces)");
        }
        let id = NEXT_LAB.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("hl{}x{id}", std::process::id() % 100_000);
        let dir = LabDir::new()?;
        let switch = format!("{prefix}-sw");
        let mut lab = Lab {
            switch: switch.clone(),
            client_ns: format!("{prefix}-cl"),
            prefix,
            nodes: Vec::new(),
            config: config.clone(),
            _dir: dir,
        };
        sh(&["ip", "netns", "add", &switch])?;
        for br in ["br0", "br1"] {
            sh(&["ip", "-n", &switch, "link", "add", br, "type", "bridge"])?;
            sh(&["ip", "-n", &switch, "link", "set", br, "up"])?;
        }
        for (i, name) in config.nodes.iter().enumerate() {
            let ns = format!("{}-n{i}", lab.prefix);
            sh(&["ip", "netns", "add", &ns])?;
            sh(&["ip", "-n", &ns, "link", "set", "lo", "up"])?;
            lab.plug(
                &ns,
                &format!("{i}0"),
                "eth0",
                0,
                &format!("10.1.0.{}/24", i + 1),
            )?;
            lab.plug(
                &ns,
                &format!("{i}1"),
                "eth1",
                1,
                &format!("10.2.0.{}/24", i + 1),
            )?;
            let node_dir = lab._dir.path().join(name);
            lab.write_node_conf(&node_dir, i)?;
            lab.nodes.push(LabNode {
                name: name.clone(),
                ns,
                dir: node_dir,
                heartbeat: None,
            });
        }
        if config.installed.is_none() {
            lab.make_ocf_root()?;
        }
        let cl = lab.client_ns.clone();
        sh(&["ip", "netns", "add", &cl])?;
        sh(&["ip", "-n", &cl, "link", "set", "lo", "up"])?;
        lab.plug(&cl, "c0", "eth0", 0, &format!("{CLIENT_ADDR}/24"))?;
        Ok(lab)
    }

    /// The OCF root every node's LRM uses: our agents (provider `heartbeat-rs`) installed by
    /// `ocf-agents install`, beside whatever providers the host has (Debian's
    /// resource-agents, Pacemaker's), so the classic site runs with nothing installed and
    /// the tests can still use ClusterLabs' agents.
    fn ocf_root(&self) -> PathBuf {
        self._dir.path().join("ocf")
    }

    fn make_ocf_root(&self) -> Result<()> {
        let root = self.ocf_root();
        let agents = self.config.bin_dir.join("ocf-agents");
        let prefix = root.display().to_string();
        let status = Command::new(&agents)
            .args(["install", "--prefix", &prefix])
            .stdout(Stdio::null())
            .status()
            .with_context(|| format!("running {}", agents.display()))?;
        if !status.success() {
            bail!("{} install --prefix {prefix} failed", agents.display());
        }
        let host = Path::new("/usr/lib/ocf");
        for sub in ["resource.d", "lib"] {
            std::fs::create_dir_all(root.join(sub))?;
            let Ok(entries) = std::fs::read_dir(host.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let link = root.join(sub).join(entry.file_name());
                if !link.exists() {
                    std::os::unix::fs::symlink(entry.path(), &link)?;
                }
            }
        }
        Ok(())
    }

    fn plug(&self, ns: &str, tag: &str, ifname: &str, bridge: usize, addr: &str) -> Result<()> {
        let short = &self.prefix[2..];
        let (a, b) = (format!("v{short}{tag}a"), format!("v{short}{tag}b"));
        sh(&["ip", "link", "add", &a, "type", "veth", "peer", "name", &b])?;
        sh(&["ip", "link", "set", &a, "netns", ns])?;
        sh(&["ip", "link", "set", &b, "netns", &self.switch])?;
        sh(&["ip", "-n", ns, "link", "set", &a, "name", ifname])?;
        sh(&["ip", "-n", ns, "addr", "add", addr, "dev", ifname])?;
        sh(&["ip", "-n", ns, "link", "set", ifname, "up"])?;
        sh(&[
            "ip",
            "-n",
            &self.switch,
            "link",
            "set",
            &b,
            "master",
            &format!("br{bridge}"),
        ])?;
        sh(&["ip", "-n", &self.switch, "link", "set", &b, "up"])?;
        Ok(())
    }

    fn write_node_conf(&self, dir: &Path, i: usize) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let conf = dir.join("conf");
        std::fs::create_dir_all(conf.join("resource.d"))?;
        for d in ["run", "state", "rsctmp"] {
            std::fs::create_dir_all(dir.join(d))?;
        }
        let c = &self.config;
        let peers: Vec<String> = (0..c.nodes.len())
            .filter(|&j| j != i)
            .map(|j| format!("ucast eth1 10.2.0.{}", j + 1))
            .collect();
        let pings: String = c.ping.iter().map(|p| format!("ping {p}\n")).collect();
        // Every daemon's lines also land in the node's own `ha-log` (Heartbeat's logfile): in
        // its directory, or where the package keeps it for an installed node.
        let logfile = match c.installed {
            Some(_) => PathBuf::from("/var/log/ha-log"),
            None => dir.join("ha-log"),
        };
        let hacf = format!(
            "logfile {}\nkeepalive {}\ndeadtime {}\nwarntime {}\ninitdead {}\nudpport 694\n{}\n{pings}auto_failback {}\nnode {}\n{}",
            logfile.display(),
            c.keepalive,
            c.deadtime,
            c.warntime,
            c.deadtime,
            peers.join("\n"),
            if c.auto_failback { "on" } else { "off" },
            c.nodes.join(" "),
            if c.crm_respawn { "crm respawn\n" } else { "" },
        );
        let (hacf, keys_text) = if c.crypto {
            (
                format!("{hacf}crypto chacha20poly1305\n"),
                format!("{AUTHKEYS}crypto {LAB_CRYPTO_KEY}\n"),
            )
        } else {
            (hacf, AUTHKEYS.to_string())
        };
        std::fs::write(conf.join("ha.cf"), hacf)?;
        let keys = conf.join("authkeys");
        std::fs::write(&keys, keys_text)?;
        std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600))?;
        if !c.haresources.is_empty() {
            std::fs::write(conf.join("haresources"), &c.haresources)?;
        }
        let web = conf.join("resource.d/webserver");
        let serve = match c.installed {
            Some(_) => PathBuf::from(INSTALLED_AGENTS),
            None => self.config.bin_dir.join("ocf-agents"),
        };
        std::fs::write(
            &web,
            WEB_SCRIPT.replace("@SERVE@", &serve.display().to_string()),
        )?;
        std::fs::set_permissions(&web, std::fs::Permissions::from_mode(0o755))?;
        Ok(())
    }

    /// Starts node `i`'s heartbeat (which starts ccm, lrmd and crmd) in its namespace.
    pub fn start(&mut self, i: usize) -> Result<()> {
        // A fenced node may have been left with its links down.
        for ifname in ["eth0", "eth1"] {
            sh(&["ip", "-n", &self.nodes[i].ns, "link", "set", ifname, "up"])?;
        }
        // A boot starts with an empty HA_RSCTMP (a tmpfs on a real host): no agent runs yet.
        let rsctmp = self.nodes[i].dir.join("rsctmp");
        if let Ok(entries) = std::fs::read_dir(&rsctmp) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let bin = self.config.bin_dir.join("heartbeat");
        let ocf_root = self.ocf_root();
        let node = &mut self.nodes[i];
        // A node fenced from inside the cluster left our child as a zombie, which would look
        // like a running heartbeat to the new one's pid-file check.
        if let Some(mut old) = node.heartbeat.take() {
            let _ = old.kill();
            let _ = old.wait();
        }
        let _ = std::fs::remove_file(node.hb_socket());
        let _ = std::fs::remove_file(node.cib_socket());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(node.dir.join("node.log"))?;
        let child = match &self.config.installed {
            Some(pkg) => installed::start_command(pkg, node)?,
            None => {
                let hb = format!(
                    "exec {} -f -c {} --rundir {} --statedir {}",
                    bin.display(),
                    node.dir.join("conf").display(),
                    node.dir.join("run").display(),
                    node.dir.join("state").display()
                );
                let mut cmd = Command::new("ip");
                cmd.args(["netns", "exec", &node.ns, "unshare", "--uts", "sh", "-c"])
                    .arg(format!("hostname {}; {hb}", node.name))
                    .env(
                        "HA_CRM_DAEMONS",
                        "ccm:root lrmd:root stonithd:root crmd:root",
                    )
                    .env("CRMD_LOG", "info")
                    // Agents keep their state files under HA_RSCTMP: one per node, since the
                    // nodes share a filesystem.
                    .env("HA_RSCTMP", node.dir.join("rsctmp"))
                    .env("OCF_ROOT", &ocf_root);
                cmd
            }
        }
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting heartbeat")?;
        node.heartbeat = Some(child);
        let sock = node.cib_socket();
        if !wait_until(Duration::from_secs(20), || sock.exists()) {
            bail!("node {} did not come up:\n{}", node.name, node.log());
        }
        Ok(())
    }

    /// Runs `cmd` on node `i` of an installed lab the way an administrator would: in the
    /// node's own mount namespace (the installed files, `/etc/ha.d`, `/var/lib/heartbeat`),
    /// with a clean environment, as root or as `user` (with that user's groups).
    pub fn run_installed(&self, i: usize, user: Option<&str>, cmd: &str) -> Result<(i32, String)> {
        let pid = self.nodes[i]
            .heartbeat
            .as_ref()
            .map(Child::id)
            .context("node is not running")?;
        installed::run_in(pid, user, cmd)
    }

    /// Starts every node.
    pub fn start_all(&mut self) -> Result<()> {
        for i in 0..self.nodes.len() {
            self.start(i)?;
        }
        Ok(())
    }

    /// SIGKILLs every process in node `i`'s namespace (heartbeat, its children, the services).
    pub fn kill(&mut self, i: usize) {
        let ns = self.nodes[i].ns.clone();
        for _ in 0..5 {
            let pids = stonithd::netns::pids(&ns);
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if let Some(mut c) = self.nodes[i].heartbeat.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // A killed node leaves its addresses behind (the VIP too); a real crashed host's
        // addresses vanish with it.
        let _ = Command::new("ip")
            .args(["-n", &ns, "addr", "flush", "dev", "eth0", "label", "eth0:*"])
            .status();
        let _ = self.reset_addresses(i);
    }

    fn reset_addresses(&self, i: usize) -> Result<()> {
        let ns = &self.nodes[i].ns;
        sh(&["ip", "-n", ns, "addr", "flush", "dev", "eth0"])?;
        sh(&[
            "ip",
            "-n",
            ns,
            "addr",
            "add",
            &format!("10.1.0.{}/24", i + 1),
            "dev",
            "eth0",
        ])
    }

    /// Runs a command inside node `i`'s namespace and UTS name, with its sockets in the
    /// environment (`CIB_SOCKET`, `HA_API_SOCKET`), returning stdout.
    pub fn run_on(&self, i: usize, cmd: &str) -> Result<(i32, String)> {
        let node = &self.nodes[i];
        let out = Command::new("ip")
            .args(["netns", "exec", &node.ns, "unshare", "--uts", "sh", "-c"])
            .arg(format!("hostname {}; {cmd}", node.name))
            .env("CIB_SOCKET", node.cib_socket())
            .env("HA_API_SOCKET", node.hb_socket())
            .env("HA_RUNDIR", node.dir.join("run"))
            .env("OCF_ROOT", self.ocf_root())
            .env(
                "PATH",
                format!(
                    "{}:/usr/sbin:/usr/bin:/sbin:/bin",
                    self.config.bin_dir.display()
                ),
            )
            .output()?;
        Ok((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        ))
    }

    /// The client's HTTP GET of `http://<ip>:8080/`: the page body, or `None` when it fails
    /// within `timeout`.
    pub fn client_get(&self, ip: &str, timeout: Duration) -> Option<String> {
        client_get_in(&self.client_ns, ip, timeout)
    }

    /// Whether the client gets the page "served by `node`" from `http://<ip>:8080/` now.
    pub fn serves(&self, ip: &str, node: &str) -> bool {
        self.client_get(ip, Duration::from_millis(400)).as_deref()
            == Some(format!("served by {node}").as_str())
    }

    /// Which nodes hold `ip` on any interface right now.
    pub fn holders(&self, ip: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| {
                Command::new("ip")
                    .args(["-n", &n.ns, "-o", "addr", "show"])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("inet {ip}/")))
                    .unwrap_or(false)
            })
            .map(|n| n.name.clone())
            .collect()
    }

    /// The logs of every node, for failure messages.
    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("===== {} =====\n{}", n.name, n.log()))
            .collect()
    }

    /// The live CIB as node `i`'s crmd has it, if it answers.
    pub fn cib(&self, i: usize) -> Option<cib::xml::Element> {
        let mut c = crate::proto::CibClient::connect(&self.nodes[i].cib_socket()).ok()?;
        cib::xml::parse_element(&c.query().ok()?).ok()
    }

    /// Edits the live CIB through node `i`'s crmd (a patch the DC checks and applies).
    pub fn edit_cib(&self, i: usize, f: impl FnOnce(&mut cib::xml::Element)) -> Result<()> {
        let mut c = crate::proto::CibClient::connect(&self.nodes[i].cib_socket())?;
        let old = cib::xml::parse_element(&c.query()?)?;
        let mut new = old.clone();
        f(&mut new);
        c.patch(cib::patch::diff(&old, &new).to_xml_compact())?;
        Ok(())
    }

    /// Turns fencing on with one `fence_lab` device per node (`fence-<node>`), each with its
    /// `pcmk_delay_base` from `delays` (node name, delay), so a fencing race has a winner.
    pub fn enable_fencing(&self, i: usize, delays: &[(&str, &str)]) -> Result<()> {
        use cib::xml::{Element, Node};
        let map: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("{}:{}", n.name, n.ns))
            .collect();
        let map = map.join(",");
        let names: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        self.edit_cib(i, |cib| {
            let conf = cib.child_or_insert("configuration");
            let crm_config = conf.child_or_insert("crm_config");
            if crm_config.child("cluster_property_set").is_none() {
                crm_config.children.push(Node::Element(
                    Element::new("cluster_property_set").with_attr("id", "cib-bootstrap-options"),
                ));
            }
            let set = crm_config
                .child_mut("cluster_property_set")
                .expect("just ensured");
            set.children.retain(
                |c| !matches!(c, Node::Element(e) if e.attr("name") == Some("stonith-enabled")),
            );
            set.children.push(Node::Element(
                Element::new("nvpair")
                    .with_attr("id", "lab-stonith-enabled")
                    .with_attr("name", "stonith-enabled")
                    .with_attr("value", "true"),
            ));
            let resources = conf.child_or_insert("resources");
            for target in &names {
                let delay = delays
                    .iter()
                    .find(|(n, _)| n == target)
                    .map_or("0", |(_, d)| *d);
                let id = format!("fence-{target}");
                let nv = |n: &str, v: &str| {
                    Element::new("nvpair")
                        .with_attr("id", format!("{id}-{n}"))
                        .with_attr("name", n)
                        .with_attr("value", v)
                };
                resources.children.push(Node::Element(
                    Element::new("primitive")
                        .with_attr("id", id.clone())
                        .with_attr("class", "stonith")
                        .with_attr("type", "fence_lab")
                        .with_child(
                            Element::new("instance_attributes")
                                .with_attr("id", format!("{id}-ia"))
                                .with_child(nv("netns_map", &map))
                                .with_child(nv("pcmk_host_list", target))
                                .with_child(nv("pcmk_delay_base", delay)),
                        ),
                ));
            }
        })
    }

    /// Cuts (or restores) node `i`'s link `l` (0 public, 1 heartbeat) at the switch.
    pub fn set_link(&self, i: usize, l: usize, up: bool) -> Result<()> {
        let short = &self.prefix[2..];
        let b = format!("v{short}{i}{l}b");
        sh(&[
            "ip",
            "-n",
            &self.switch,
            "link",
            "set",
            &b,
            if up { "up" } else { "down" },
        ])
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        for ns in self
            .nodes
            .iter()
            .map(|n| n.ns.clone())
            .chain([self.client_ns.clone(), self.switch.clone()])
        {
            let _ = Command::new("ip").args(["netns", "del", &ns]).status();
        }
    }
}
