//! Start-up: options, validation in Heartbeat's order, pid file, signals, children.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use nix::sys::signal::{SigSet, Signal};

use super::Event;
use crate::client::DEFAULT_RUNDIR;
use crate::config::{
    check_crypto, check_haresources, AuthKeys, Config, ConfigError, CrmMode, DEFAULT_CONFDIR,
};
use crate::log;
use crate::respawn::{ChildSpec, Supervisor};
use ipc::policy::{DEFAULT_CLIENT_GROUP as CLIENT_GROUP, DEFAULT_CLUSTER_USER as CLUSTER_USER};

/// Default state directory (generation file).
pub const DEFAULT_STATEDIR: &str = "/var/lib/heartbeat";

/// How the daemon was asked to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Directory holding ha.cf and authkeys (`-c`, `$HA_DIR`).
    pub confdir: String,
    /// Local node name override (`-n`, `$HA_NODENAME`); else `uname -n`.
    pub nodename: Option<String>,
    /// Socket and pid file directory (`--rundir`, `$HA_RUNDIR`).
    pub rundir: PathBuf,
    /// Generation file directory (`--statedir`, `$HA_STATEDIR`).
    pub statedir: PathBuf,
    /// Stay in the foreground.
    pub foreground: bool,
    /// CRM daemons to start with `crm respawn`: `name` or `name:user` (`$HA_CRM_DAEMONS`).
    pub crm_daemons: Option<Vec<String>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            confdir: DEFAULT_CONFDIR.to_string(),
            nodename: None,
            rundir: PathBuf::from(DEFAULT_RUNDIR),
            statedir: PathBuf::from(DEFAULT_STATEDIR),
            foreground: false,
            crm_daemons: None,
        }
    }
}

/// A configuration that passed every start-up check.
#[derive(Debug)]
pub struct Validated {
    /// ha.cf.
    pub config: Config,
    /// authkeys.
    pub keys: AuthKeys,
    /// Local node name, lowercase.
    pub nodename: String,
}

impl Options {
    /// Defaults overridden by `HA_DIR`, `HA_NODENAME`, `HA_RUNDIR`, `HA_STATEDIR`, `HA_CRM_DAEMONS`.
    pub fn from_env() -> Self {
        let mut o = Options::default();
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        if let Some(d) = var("HA_DIR") {
            o.confdir = d;
        }
        o.nodename = var("HA_NODENAME");
        if let Some(d) = var("HA_RUNDIR") {
            o.rundir = d.into();
        }
        if let Some(d) = var("HA_STATEDIR") {
            o.statedir = d.into();
        }
        o.crm_daemons =
            var("HA_CRM_DAEMONS").map(|s| s.split_whitespace().map(str::to_string).collect());
        o
    }

    /// The API socket.
    pub fn socket_path(&self) -> PathBuf {
        self.rundir.join("api.sock")
    }

    /// The pid file.
    pub fn pidfile(&self) -> PathBuf {
        self.rundir.join("heartbeat.pid")
    }

    /// The local node name: the override, else `uname -n`.
    pub fn node_name(&self) -> String {
        self.nodename.clone().unwrap_or_else(|| {
            nix::sys::utsname::uname()
                .map(|u| u.nodename().to_string_lossy().into_owned())
                .unwrap_or_else(|_| "localhost".into())
        })
    }

    /// Runs Heartbeat's start-up checks in its order: ha.cf syntax, authkeys, values, haresources.
    pub fn validate(&self) -> Result<Validated, ConfigError> {
        let config = Config::load(&self.confdir)?;
        for w in &config.warnings {
            log::warn(w);
        }
        let keys = AuthKeys::load(&self.confdir)?;
        for w in &keys.warnings {
            log::warn(w);
        }
        let nodename = self.node_name();
        config.check(&nodename)?;
        check_crypto(&config, &keys)?;
        if config.initdead < std::time::Duration::from_secs(10) {
            log::warn("Initial dead time is less than 10 seconds; consider a larger initdead.");
        }
        log::info("**************************");
        log::info(&format!(
            "Configuration validated. Starting heartbeat {}",
            super::HB_VERSION
        ));
        if config.crm == CrmMode::Off {
            check_haresources(&self.confdir, &config.nodes)?;
            if runs_classic_site(&config, Path::new(&self.confdir))
                && ClassicManager::from_env() == ClassicManager::V1
            {
                log::info("HA_RESOURCE_MANAGER=v1: the haresources groups are run by Heartbeat v1's resource protocol (hb_v1rsc), for a cluster with a Heartbeat 3.0.6 node; no CRM daemons.");
            } else if runs_classic_site(&config, Path::new(&self.confdir)) {
                log::info("No crm directive: the haresources site runs under the CRM (as with `crm respawn`); its groups are imported into the CIB on first start.");
            }
        }
        Ok(Validated {
            config,
            keys,
            nodename: nodename.to_ascii_lowercase(),
        })
    }
}

/// Blocks the signals we handle in this and every later thread, so one thread can wait for them.
pub(super) fn block_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        set.add(s);
    }
    let _ = set.thread_block();
    set
}

pub(super) fn forward_signals(set: SigSet, tx: Sender<Event>) {
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            match set.wait() {
                Ok(Signal::SIGHUP) => log::info("SIGHUP received: configuration reload is not supported; restart heartbeat to apply changes."),
                Ok(_) => {
                    log::info("Heartbeat shutdown in progress.");
                    let _ = tx.send(Event::Shutdown);
                    return;
                }
                Err(_) => return,
            }
        })
        .expect("spawn signal thread");
}

/// Our CRM daemons in start order, with the user each runs as: as in Pacemaker, the executor
/// and the fencer need root, membership and the controller do not.
const CRM_DAEMONS: [(&str, &str); 4] = [
    ("ccm", CLUSTER_USER),
    ("lrmd", "root"),
    ("stonithd", "root"),
    ("crmd", CLUSTER_USER),
];

/// The resource manager a classic site runs under: the CRM (the default), or Heartbeat v1's own
/// protocol (`hb_v1rsc`) when `HA_RESOURCE_MANAGER=v1` is set for a mixed cluster whose other
/// node still runs Heartbeat 3.0.6 (its CRM-less nodes cannot join a CRM cluster).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassicManager {
    /// ccm, lrmd, stonithd and crmd, the groups imported into a CIB.
    Crm,
    /// `hb_v1rsc`, speaking v1's resource messages with the Heartbeat peer.
    V1,
}

impl ClassicManager {
    /// From `HA_RESOURCE_MANAGER` (`v1` or `crm`, default `crm`).
    pub fn from_env() -> ClassicManager {
        match std::env::var("HA_RESOURCE_MANAGER").as_deref() {
            Ok("v1") => ClassicManager::V1,
            _ => ClassicManager::Crm,
        }
    }
}

/// The v1 resource manager's binary, run as root (it configures addresses and services).
pub const V1_RESOURCE_MANAGER: (&str, &str) = ("hb_v1rsc", "root");

/// Where the package installs the daemons.
pub const DAEMON_DIR: &str = "/usr/lib/heartbeat-rs";

/// Whether this configuration runs the CRM daemons. Besides `crm on|respawn`, a classic v1
/// site (no `crm` line, a `haresources` file) runs them too: its resource groups are imported
/// into a CIB on first start and managed by the CRM, which is how this implementation honours
/// what Heartbeat did with that file.
pub fn runs_classic_site(cfg: &Config, confdir: &Path) -> bool {
    cfg.crm == CrmMode::Off && has_resource_groups(&confdir.join("haresources"))
}

/// Whether a haresources file names at least one resource group (a line that is neither blank
/// nor a comment); an empty file is a site with nothing to run.
fn has_resource_groups(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .any(|l| !l.is_empty())
    })
}

/// The CRM daemons Heartbeat starts for a CRM mode, with their users.
fn crm_daemon_list(cfg: &Config, opts: &Options) -> Vec<(String, String)> {
    let parse = |s: &str| match s.split_once(':') {
        Some((n, u)) => (n.to_string(), u.to_string()),
        None => (s.to_string(), default_user(s).to_string()),
    };
    if let Some(list) = &opts.crm_daemons {
        return list.iter().map(|s| parse(s)).collect();
    }
    let all = || {
        CRM_DAEMONS
            .iter()
            .map(|(n, u)| (n.to_string(), u.to_string()))
            .collect()
    };
    match cfg.crm {
        CrmMode::Respawn => all(),
        CrmMode::Off if runs_classic_site(cfg, Path::new(&opts.confdir)) => {
            match ClassicManager::from_env() {
                ClassicManager::Crm => all(),
                ClassicManager::V1 => {
                    let (n, u) = V1_RESOURCE_MANAGER;
                    vec![(n.to_string(), u.to_string())]
                }
            }
        }
        CrmMode::CcmOnly => vec![("ccm".into(), CLUSTER_USER.into())],
        CrmMode::Off | CrmMode::Manual => vec![],
    }
}

fn default_user(daemon: &str) -> &'static str {
    CRM_DAEMONS
        .iter()
        .find(|(n, _)| *n == daemon)
        .map_or(CLUSTER_USER, |(_, u)| u)
}

/// The directories searched for a CRM daemon: `crm_daemon_dir`, heartbeat's own directory,
/// then the package's.
fn daemon_dirs(cfg: &Config) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = &cfg.crm_daemon_dir {
        dirs.push(d.clone());
    }
    if let Some(d) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        dirs.push(d);
    }
    dirs.push(DAEMON_DIR.into());
    dirs
}

fn find_daemon(name: &str, cfg: &Config) -> Option<PathBuf> {
    daemon_dirs(cfg)
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Creates the run and state directories the daemons share, owned as Pacemaker's are: the
/// run directory and the CIB and policy-engine directories belong to `hacluster:haclient`
/// with mode 0750 (the controller writes there; clients in `haclient` may reach the sockets;
/// nobody else may look in). Without those accounts (a test run), root keeps them, 0750.
pub fn prepare_dirs(opts: &Options) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let owner = cluster_owner();
    let private = [
        opts.rundir.clone(),
        opts.statedir.join("crm"),
        opts.statedir.join("pengine"),
    ];
    std::fs::create_dir_all(&opts.statedir)?;
    for dir in &private {
        std::fs::create_dir_all(dir)?;
        if let Some((uid, gid)) = owner {
            nix::unistd::chown(dir, Some(uid), Some(gid)).map_err(std::io::Error::from)?;
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))?;
    }
    Ok(())
}

/// The daemons heartbeat starts as `hacluster` append to ha.cf's `logfile` and `debugfile`
/// themselves (the one logging path): make them exist as `root:haclient` 0660, as
/// Pacemaker's own log file is group-writable. Failures are logged, not fatal.
pub fn share_log_files(cfg: &Config) {
    use std::os::unix::fs::PermissionsExt;
    let Some((_, gid)) = cluster_owner() else {
        return;
    };
    for path in [&cfg.logfile, &cfg.debugfile].into_iter().flatten() {
        if path.as_os_str() == "/dev/null" {
            continue;
        }
        let shared = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|_| nix::unistd::chown(path, None, Some(gid)).map_err(std::io::Error::from))
            .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)));
        if let Err(e) = shared {
            crate::log::warn(&format!("cannot share log file {}: {e}", path.display()));
        }
    }
}

/// `hacluster`'s uid and `haclient`'s gid, when both exist and we may hand files to them.
fn cluster_owner() -> Option<(nix::unistd::Uid, nix::unistd::Gid)> {
    if !nix::unistd::geteuid().is_root() {
        return None;
    }
    let user = nix::unistd::User::from_name(CLUSTER_USER).ok()??;
    let group = nix::unistd::Group::from_name(CLIENT_GROUP).ok()??;
    Some((user.uid, group.gid))
}

/// Environment every child gets: where to find this heartbeat.
fn child_env(cfg: &Config, opts: &Options, me: &str) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "HA_API_SOCKET".into(),
            opts.socket_path().display().to_string(),
        ),
        ("HA_RUNDIR".into(), opts.rundir.display().to_string()),
        ("HA_STATEDIR".into(), opts.statedir.display().to_string()),
        ("HA_DIR".into(), opts.confdir.clone()),
        ("HA_NODENAME".into(), me.to_string()),
    ];
    // As heartbeat hands its log setup to its children (cl_log reads these); with no log
    // setting at all the lines go to syslog's daemon facility, as ha_logd would send them.
    let facility = cfg
        .logfacility
        .as_deref()
        .or(cfg.use_logd.then_some("daemon"));
    if let Some(f) = facility {
        env.push(("HA_logfacility".into(), f.to_string()));
    }
    if let Some(f) = &cfg.logfile {
        env.push(("HA_logfile".into(), f.display().to_string()));
    }
    if let Some(f) = &cfg.debugfile {
        env.push(("HA_debugfile".into(), f.display().to_string()));
    }
    env.extend(cfg.env.iter().cloned());
    env
}

pub(super) fn start_children(cfg: &Config, opts: &Options, me: &str) -> Supervisor {
    let mut sup = Supervisor::default();
    let env = child_env(cfg, opts, me);
    for (name, user) in crm_daemon_list(cfg, opts) {
        match find_daemon(&name, cfg) {
            Some(path) => sup.spawn(ChildSpec {
                user,
                path,
                args: vec![],
                env: env.clone(),
            }),
            None => log::error(&format!(
                "CRM daemon {name} not found in {}: not started",
                daemon_dirs(cfg)
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    for r in &cfg.respawn {
        sup.spawn(ChildSpec {
            user: r.user.clone(),
            path: r.path.clone(),
            args: r.args.clone(),
            env: env.clone(),
        });
    }
    sup
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_haresources_file_with_groups_is_a_classic_site() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("haresources");
        assert!(!has_resource_groups(&file), "missing file");
        std::fs::write(&file, "# node1 10.0.0.1\n\n   \n").unwrap();
        assert!(!has_resource_groups(&file), "comments and blanks only");
        std::fs::write(&file, "# the site\nnode1 IPaddr::10.0.0.1 httpd\n").unwrap();
        assert!(has_resource_groups(&file));
    }
}
