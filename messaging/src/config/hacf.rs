//! `ha.cf`: every directive Heartbeat 3.0.6 accepts, parsed line by line (order matters for
//! `udpport` and `baud`, which apply to the media lines that follow them).

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use super::{conf_path, ConfigError};
use vocab::duration::parse_heartbeat_time as parse_time;
use vocab::parse_bool;

/// Heartbeat's default UDP port (`ha-cluster` in /etc/services).
pub const DEFAULT_UDPPORT: u16 = 694;
const VALID_BAUDS: [u32; 7] = [9600, 19200, 38400, 57600, 115200, 230400, 460800];

/// One heartbeat medium (path to the other nodes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Medium {
    /// UDP broadcast on an interface.
    Bcast {
        /// Interface.
        dev: String,
        /// UDP port in force when the line was read.
        port: u16,
    },
    /// IPv4 multicast.
    Mcast {
        /// Interface.
        dev: String,
        /// Group address.
        group: Ipv4Addr,
        /// UDP port.
        port: u16,
        /// Multicast TTL.
        ttl: u32,
        /// Whether our own packets loop back.
        looped: bool,
    },
    /// UDP unicast to the listed peers through one interface.
    Ucast {
        /// Interface.
        dev: String,
        /// Peer addresses (entries for local addresses are skipped when sending).
        peers: Vec<IpAddr>,
        /// UDP port.
        port: u16,
    },
    /// A serial line.
    Serial {
        /// Device path.
        device: String,
        /// Line speed.
        baud: u32,
    },
}

impl Medium {
    /// The link name clients see (`cl_status listhblinks`): the interface or device.
    pub fn link_name(&self) -> &str {
        match self {
            Medium::Bcast { dev, .. } | Medium::Mcast { dev, .. } | Medium::Ucast { dev, .. } => {
                dev
            }
            Medium::Serial { device, .. } => device,
        }
    }
}

/// `auto_failback` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoFailback {
    /// `on`
    On,
    /// `off`
    Off,
    /// `legacy` (the default)
    Legacy,
}

/// `autojoin` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Autojoin {
    /// Only `node` lines are members.
    None,
    /// Other nodes may join (the local node must still be listed).
    Other,
    /// Any node may join.
    Any,
}

/// `uuidfrom` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UuidFrom {
    /// Random UUID kept in `hb_uuid`.
    File,
    /// UUID derived from the node name.
    Nodename,
}

/// `crm` / `pacemaker` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrmMode {
    /// No CRM: v1 haresources mode.
    Off,
    /// `on`/`respawn`: start and respawn the CRM daemons.
    Respawn,
    /// `minimal`, `manual`, `ccm-only`, `valgrind`: CRM mode without heartbeat starting all daemons.
    Manual,
    /// `ccm-only`: only ccm is started.
    CcmOnly,
}

/// A `ping` or `ping_group` pseudo-node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingSpec {
    /// Node name (the address for `ping`, the group name for `ping_group`).
    pub name: String,
    /// Addresses; the node is up if any answers.
    pub addrs: Vec<IpAddr>,
}

/// A `respawn` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespawnSpec {
    /// User to run as.
    pub user: String,
    /// Absolute program path.
    pub path: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
}

/// An `apiauth` line: who may sign on as client `client`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiAuth {
    /// Client name (`default` applies to names without their own line).
    pub client: String,
    /// Allowed user names or numeric uids.
    pub uids: Vec<String>,
    /// Allowed group names or numeric gids.
    pub gids: Vec<String>,
}

/// A parsed ha.cf.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file read, as Heartbeat spells it.
    pub path: String,
    /// Members, lowercased, in file order.
    pub nodes: Vec<String>,
    /// Media in file order.
    pub media: Vec<Medium>,
    /// Last `udpport`.
    pub udpport: u16,
    /// Interval between heartbeats.
    pub keepalive: Duration,
    /// Silence after which a node is dead.
    pub deadtime: Duration,
    /// Silence after which a late heartbeat is logged.
    pub warntime: Duration,
    /// deadtime used at start-up.
    pub initdead: Duration,
    /// deadtime for ping nodes.
    pub deadping: Duration,
    /// v1 failback mode.
    pub auto_failback: AutoFailback,
    /// Ping pseudo-nodes.
    pub ping_nodes: Vec<PingSpec>,
    /// Children to run.
    pub respawn: Vec<RespawnSpec>,
    /// API authorisation, defaults first, file lines later (later lines win).
    pub apiauth: Vec<ApiAuth>,
    /// CRM mode.
    pub crm: CrmMode,
    /// Where the CRM daemons live.
    pub crm_daemon_dir: Option<PathBuf>,
    /// Whether crmd starts pengine itself.
    pub crmd_spawns_pengine: bool,
    /// `watchdog`: the device heartbeat keeps fed.
    pub watchdog: Option<PathBuf>,
    /// Log file.
    pub logfile: Option<PathBuf>,
    /// Debug log file.
    pub debugfile: Option<PathBuf>,
    /// syslog facility (`None` also for `none`).
    pub logfacility: Option<String>,
    /// `syslogmsgfmt`: log file lines in syslog's layout (default on).
    pub syslogmsgfmt: bool,
    /// Log through ha_logd.
    pub use_logd: bool,
    /// Join policy.
    pub autojoin: Autojoin,
    /// UUID source.
    pub uuidfrom: UuidFrom,
    /// Environment for children (`env NAME=value`).
    pub env: Vec<(String, String)>,
    /// Debug level.
    pub debug: u32,
    /// `realtime` (default on): heartbeat runs with round-robin real-time scheduling and
    /// locked memory, so a loaded machine does not delay its heartbeats past deadtime.
    pub realtime: bool,
    /// `rtprio`: the real-time priority (1..=99); `None` is the lowest (1).
    pub rtprio: Option<i32>,
    /// Cap on the retransmission request delay.
    pub max_rexmit_delay: Duration,
    /// `crypto`: encrypt the links between our nodes (key in authkeys).
    pub crypto: Option<crate::crypto::Cipher>,
    /// `msgfmt netstring`: leave out the classic `auth` field Heartbeat adds with `classic`.
    pub msgfmt_netstring: bool,
    /// `compression` (`zlib`, the default, or `bz2`).
    pub compression: crate::wire::compress::Algorithm,
    /// `compression_threshold` in bytes (written in KB; default 2 KB).
    pub compression_threshold: usize,
    /// `traditional_compression`: compress whole messages larger than the threshold.
    pub traditional_compression: bool,
    /// Every directive as written (last wins), for `cl_status parameter`.
    pub raw: Vec<(String, String)>,
    /// Warnings about directives accepted but not acted upon, and similar.
    pub warnings: Vec<String>,
}

impl Config {
    /// Reads and parses `<confdir>/ha.cf` (syntax only; see [`Config::check`]).
    pub fn load(confdir: &str) -> Result<Config, ConfigError> {
        let path = conf_path(confdir, "ha.cf");
        let meta = std::fs::metadata(&path);
        let text = match (meta, std::fs::read_to_string(&path)) {
            (Ok(m), Ok(t)) if m.permissions().mode() & 0o444 != 0 || m.is_file() => t,
            _ => return Err(ConfigError::CannotOpenConfig(path)),
        };
        Config::parse(&text, &path)
    }

    /// Parses ha.cf text; `path` is used in messages.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let mut p = Parser::new(path);
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let directive = words.next().unwrap_or_default().to_ascii_lowercase();
            let args: Vec<&str> = words.collect();
            p.line = i + 1;
            p.directive(&directive, &args)?;
        }
        Ok(p.finish())
    }

    /// Heartbeat's start-up checks against the local node name.
    pub fn check(&self, local_node: &str) -> Result<(), ConfigError> {
        if self.media.is_empty() {
            return Err(ConfigError::NoMedia);
        }
        if self.nodes.is_empty() && self.autojoin != Autojoin::Any {
            return Err(ConfigError::NoNodes);
        }
        let me = local_node.to_ascii_lowercase();
        if self.autojoin != Autojoin::Any && !self.nodes.contains(&me) {
            return Err(ConfigError::NodeNotInConfig(local_node.to_string()));
        }
        let (dead, keep) = (ms(self.deadtime), ms(self.keepalive));
        if dead <= 2 * keep {
            return Err(ConfigError::DeadtimeTooSmall {
                deadtime: dead,
                keepalive: keep,
            });
        }
        if self.initdead < self.deadtime {
            return Err(ConfigError::InitdeadTooSmall {
                initdead: ms(self.initdead),
                deadtime: dead,
            });
        }
        Ok(())
    }

    /// The value `cl_status hbparameter -p name` prints: the text as written in ha.cf, else
    /// Heartbeat's default spelling (`warntime`/`deadping` defaults in ms, as Heartbeat shows them).
    pub fn parameter(&self, name: &str) -> Option<String> {
        if name == "node" || name == "apiauth" {
            return None;
        }
        if let Some((_, v)) = self.raw.iter().rev().find(|(n, _)| n == name) {
            return Some(v.clone());
        }
        let secs = |d: Duration| format!("{}", d.as_secs_f64());
        Some(match name {
            "keepalive" => secs(self.keepalive),
            "deadtime" => secs(self.deadtime),
            "warntime" => format!("{}ms", ms(self.warntime)),
            "initdead" => secs(self.initdead),
            "deadping" => format!("{}ms", ms(self.deadping)),
            "udpport" => self.udpport.to_string(),
            "auto_failback" => "legacy".into(),
            "hbversion" => format!(
                "{} (heartbeat-rs {})",
                crate::daemon::HB_VERSION,
                env!("CARGO_PKG_VERSION")
            ),
            "msgfmt" => "classic".into(),
            "debug" => self.debug.to_string(),
            "baud" => "19200".into(),
            "hopfudge" => "1".into(),
            "crm" => match self.crm {
                CrmMode::Off => "off".into(),
                _ => "respawn".into(),
            },
            _ => return None,
        })
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Directives accepted but not acted upon (a warning names them).
const ACCEPTED_ONLY: &[&str] = &[
    "mcast6",
    "ucast6",
    "hopfudge",
    "conn_logd_time",
    "hbgenmethod",
    "log_badpack",
    "coredumps",
    "coreroot",
    "use_apphbd",
    "record_config_changes",
    "record_pengine_inputs",
    "enable_config_writes",
    "memreserve",
    "cluster",
    "quorum_server",
    "ping6",
    "hbaping",
    "stonith",
    "stonith_host",
    "normalpoll",
];

const BOOLEAN_ONLY: &[&str] = &[
    "log_badpack",
    "coredumps",
    "use_apphbd",
    "record_config_changes",
    "record_pengine_inputs",
    "enable_config_writes",
];

struct Parser<'a> {
    path: &'a str,
    line: usize,
    cfg: Config,
    saw_media: bool,
    saw_serial: bool,
    deadtime_set: bool,
    warntime_set: bool,
    initdead_set: bool,
    deadping_set: bool,
}

impl<'a> Parser<'a> {
    fn new(path: &'a str) -> Self {
        let default_auth = |client: &str, uids: &[&str], gids: &[&str]| ApiAuth {
            client: client.into(),
            uids: uids.iter().map(|s| s.to_string()).collect(),
            gids: gids.iter().map(|s| s.to_string()).collect(),
        };
        Parser {
            path,
            line: 0,
            cfg: Config {
                path: path.to_string(),
                nodes: vec![],
                media: vec![],
                udpport: DEFAULT_UDPPORT,
                keepalive: Duration::from_secs(1),
                deadtime: Duration::from_secs(30),
                warntime: Duration::from_secs(15),
                initdead: Duration::from_secs(30),
                deadping: Duration::from_secs(30),
                auto_failback: AutoFailback::Legacy,
                ping_nodes: vec![],
                respawn: vec![],
                // The daemons' names are theirs alone (Heartbeat adds cib, crmd, attrd,
                // stonithd, ... with `crm on`; reserving them always is the safe default).
                apiauth: crate::origin::DAEMON_CLIENTS
                    .iter()
                    .map(|(client, user)| default_auth(client, &[*user], &[]))
                    .chain([
                        default_auth("ping", &[], &["haclient"]),
                        default_auth("cl_status", &[], &["haclient"]),
                        default_auth("anon", &[], &["haclient"]),
                    ])
                    .collect(),
                crm: CrmMode::Off,
                crm_daemon_dir: None,
                crmd_spawns_pengine: true,
                watchdog: None,
                logfile: None,
                debugfile: None,
                logfacility: None,
                syslogmsgfmt: true,
                use_logd: false,
                autojoin: Autojoin::None,
                uuidfrom: UuidFrom::File,
                env: vec![],
                debug: 0,
                realtime: true,
                rtprio: None,
                max_rexmit_delay: Duration::from_millis(250),
                crypto: None,
                msgfmt_netstring: false,
                compression: crate::wire::compress::Algorithm::Zlib,
                compression_threshold: 2 * 1024,
                traditional_compression: false,
                raw: vec![],
                warnings: vec![],
            },
            saw_media: false,
            saw_serial: false,
            deadtime_set: false,
            warntime_set: false,
            initdead_set: false,
            deadping_set: false,
        }
    }

    fn bad(&self, directive: &str, args: &[&str], reason: &str) -> ConfigError {
        ConfigError::BadValue {
            directive: directive.to_string(),
            value: args.join(" "),
            reason: reason.to_string(),
            path: self.path.to_string(),
            line: self.line,
        }
    }

    fn one<'s>(&self, d: &str, args: &[&'s str]) -> Result<&'s str, ConfigError> {
        match args {
            [v] => Ok(v),
            _ => Err(self.bad(d, args, "Exactly one value required")),
        }
    }

    fn time(&self, d: &str, args: &[&str]) -> Result<Duration, ConfigError> {
        let v = self.one(d, args)?;
        parse_time(v).ok_or_else(|| self.bad(d, args, "Invalid time value"))
    }

    fn boolean(&self, d: &str, args: &[&str]) -> Result<bool, ConfigError> {
        let v = self.one(d, args)?;
        parse_bool(v).ok_or_else(|| self.bad(d, args, "Invalid boolean value"))
    }

    fn directive(&mut self, d: &str, args: &[&str]) -> Result<(), ConfigError> {
        self.cfg.raw.push((d.to_string(), args.join(" ")));
        let need_args = |p: &Self| {
            if args.is_empty() {
                Err(p.bad(d, args, "Missing value"))
            } else {
                Ok(())
            }
        };
        match d {
            "node" => {
                need_args(self)?;
                for n in args {
                    let n = n.to_ascii_lowercase();
                    if !self.cfg.nodes.contains(&n) {
                        self.cfg.nodes.push(n);
                    }
                }
            }
            "bcast" | "udp" => {
                need_args(self)?;
                if d == "udp" {
                    self.cfg
                        .warnings
                        .push("directive 'udp' replaced by 'bcast'".into());
                }
                self.saw_media = true;
                for dev in args {
                    self.cfg.media.push(Medium::Bcast {
                        dev: dev.to_string(),
                        port: self.cfg.udpport,
                    });
                }
            }
            "mcast" => {
                let [dev, group, port, ttl, looped] = args else {
                    return Err(self.bad(d, args, "mcast needs: dev group port ttl loop"));
                };
                let group: Ipv4Addr = group
                    .parse()
                    .ok()
                    .filter(Ipv4Addr::is_multicast)
                    .ok_or_else(|| self.bad(d, args, "Invalid multicast group"))?;
                let port: u16 = port
                    .parse()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| self.bad(d, args, "Invalid port"))?;
                let ttl: u32 = ttl
                    .parse()
                    .ok()
                    .filter(|t| (1..=255).contains(t))
                    .ok_or_else(|| self.bad(d, args, "Invalid ttl (1..255)"))?;
                let looped = match *looped {
                    "0" => false,
                    "1" => true,
                    _ => return Err(self.bad(d, args, "Invalid loop value (0 or 1)")),
                };
                self.saw_media = true;
                self.cfg.media.push(Medium::Mcast {
                    dev: dev.to_string(),
                    group,
                    port,
                    ttl,
                    looped,
                });
            }
            "ucast" => {
                let [dev, peers @ ..] = args else {
                    return Err(self.bad(d, args, "ucast needs: dev peer-address"));
                };
                if peers.is_empty() {
                    return Err(self.bad(d, args, "ucast needs: dev peer-address"));
                }
                let mut addrs = Vec::new();
                for p in peers {
                    addrs.push(
                        p.parse::<IpAddr>()
                            .map_err(|_| self.bad(d, args, "Invalid peer address"))?,
                    );
                }
                self.saw_media = true;
                let port = self.cfg.udpport;
                // One medium per interface and port, so link names stay unique.
                let existing = self.cfg.media.iter_mut().find(|m| {
                    matches!(m, Medium::Ucast { dev: d2, port: p2, .. } if d2 == dev && *p2 == port)
                });
                match existing {
                    Some(Medium::Ucast { peers, .. }) => peers.extend(addrs),
                    _ => self.cfg.media.push(Medium::Ucast {
                        dev: dev.to_string(),
                        peers: addrs,
                        port,
                    }),
                }
            }
            "serial" => {
                need_args(self)?;
                self.saw_serial = true;
                self.saw_media = true;
                let baud = self.baud();
                for dev in args {
                    self.cfg.media.push(Medium::Serial {
                        device: dev.to_string(),
                        baud,
                    });
                }
            }
            "baud" => {
                let v = self.one(d, args)?;
                v.parse::<u32>()
                    .ok()
                    .filter(|b| VALID_BAUDS.contains(b))
                    .ok_or_else(|| self.bad(d, args, "Invalid baud rate"))?;
                if self.saw_serial {
                    self.cfg
                        .warnings
                        .push("heartbeat: baud setting must precede media statements".into());
                }
            }
            "udpport" => {
                let v = self.one(d, args)?;
                let port = v
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| self.bad(d, args, "Invalid port"))?;
                if self.saw_media {
                    self.cfg
                        .warnings
                        .push("heartbeat: udpport setting must precede media statements".into());
                }
                self.cfg.udpport = port;
            }
            "keepalive" => {
                let t = self.time(d, args)?;
                if t.is_zero() {
                    return Err(self.bad(d, args, "Invalid keepalive (must be above 0)"));
                }
                self.cfg.keepalive = t;
            }
            "deadtime" => {
                self.cfg.deadtime = self.time(d, args)?;
                if self.cfg.deadtime.is_zero() {
                    return Err(self.bad(d, args, "Invalid deadtime (must be above 0)"));
                }
                self.deadtime_set = true;
            }
            "warntime" => {
                let t = self.time(d, args)?;
                if t.is_zero() {
                    eprintln!("Warn time [{}] is invalid.", args.join(" "));
                    return Err(self.bad(d, args, "Warn time is invalid"));
                }
                self.cfg.warntime = t;
                self.warntime_set = true;
            }
            "initdead" => {
                self.cfg.initdead = self.time(d, args)?;
                self.initdead_set = true;
            }
            "deadping" => {
                self.cfg.deadping = self.time(d, args)?;
                self.deadping_set = true;
            }
            "auto_failback" => {
                let v = self.one(d, args)?;
                self.cfg.auto_failback = match v.to_ascii_lowercase().as_str() {
                    "legacy" => {
                        self.cfg
                            .warnings
                            .push("Deprecated 'legacy' auto_failback option selected.".into());
                        AutoFailback::Legacy
                    }
                    other => match parse_bool(other) {
                        Some(true) => AutoFailback::On,
                        Some(false) => AutoFailback::Off,
                        None => {
                            return Err(self.bad(d, args, "Invalid auto_failback (on|off|legacy)"))
                        }
                    },
                };
            }
            "nice_failback" => {
                self.boolean(d, args)?;
                self.cfg.warnings.push(
                    "nice_failback flag is obsolete.. Use auto_failback {on, off, legacy} instead."
                        .into(),
                );
            }
            "ping" => {
                need_args(self)?;
                for a in args {
                    let addr: IpAddr = a
                        .parse()
                        .map_err(|_| self.bad(d, args, "Invalid ping address"))?;
                    self.cfg.ping_nodes.push(PingSpec {
                        name: a.to_string(),
                        addrs: vec![addr],
                    });
                }
            }
            "ping_group" => {
                let [name, addrs @ ..] = args else {
                    return Err(self.bad(d, args, "ping_group needs: name address..."));
                };
                if addrs.is_empty() {
                    return Err(self.bad(d, args, "ping_group needs: name address..."));
                }
                let mut list = Vec::new();
                for a in addrs {
                    list.push(
                        a.parse::<IpAddr>()
                            .map_err(|_| self.bad(d, args, "Invalid ping address"))?,
                    );
                }
                self.cfg.ping_nodes.push(PingSpec {
                    name: name.to_string(),
                    addrs: list,
                });
            }
            "respawn" => {
                let [user, path, rest @ ..] = args else {
                    return Err(self.bad(d, args, "respawn needs: user /path [args]"));
                };
                if !path.starts_with('/') {
                    return Err(self.bad(
                        d,
                        args,
                        &format!("Client child command [{path}] is not full pathname"),
                    ));
                }
                let executable = std::fs::metadata(path)
                    .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                    .unwrap_or(false);
                if !executable {
                    return Err(self.bad(
                        d,
                        args,
                        &format!("Client child command [{path}] is not executable"),
                    ));
                }
                self.cfg.respawn.push(RespawnSpec {
                    user: user.to_string(),
                    path: PathBuf::from(path),
                    args: rest.iter().map(|s| s.to_string()).collect(),
                });
            }
            "apiauth" => {
                let [client, specs @ ..] = args else {
                    return Err(self.bad(d, args, "apiauth needs: client uid=... gid=..."));
                };
                let mut auth = ApiAuth {
                    client: client.to_string(),
                    uids: vec![],
                    gids: vec![],
                };
                for s in specs {
                    match s.split_once('=') {
                        Some(("uid", l)) => auth.uids.extend(l.split(',').map(str::to_string)),
                        Some(("gid", l)) => auth.gids.extend(l.split(',').map(str::to_string)),
                        _ => return Err(self.bad(d, args, "Invalid apiauth (uid=... gid=...)")),
                    }
                }
                self.cfg.apiauth.push(auth);
            }
            "crm" | "pacemaker" => {
                let v = self.one(d, args)?;
                self.cfg.crm = match v.to_ascii_lowercase().as_str() {
                    "respawn" => CrmMode::Respawn,
                    "minimal" | "manual" | "valgrind" => CrmMode::Manual,
                    "ccm-only" => CrmMode::CcmOnly,
                    other => match parse_bool(other) {
                        Some(true) => CrmMode::Respawn,
                        Some(false) => CrmMode::Off,
                        None => return Err(self.bad(d, args, "Invalid crm value")),
                    },
                };
            }
            "crm_daemon_dir" => {
                self.cfg.crm_daemon_dir = Some(PathBuf::from(self.one(d, args)?));
            }
            "crmd_spawns_pengine" => self.cfg.crmd_spawns_pengine = self.boolean(d, args)?,
            "logfile" => self.cfg.logfile = Some(PathBuf::from(self.one(d, args)?)),
            "watchdog" => self.cfg.watchdog = Some(PathBuf::from(self.one(d, args)?)),
            "debugfile" => self.cfg.debugfile = Some(PathBuf::from(self.one(d, args)?)),
            "logfacility" => {
                let v = self.one(d, args)?.to_ascii_lowercase();
                let known = [
                    "none", "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
                    "uucp", "cron", "authpriv", "ftp", "local0", "local1", "local2", "local3",
                    "local4", "local5", "local6", "local7",
                ];
                if !known.contains(&v.as_str()) {
                    return Err(self.bad(d, args, "Unknown syslog facility"));
                }
                self.cfg.logfacility = (v != "none").then_some(v);
            }
            "use_logd" => self.cfg.use_logd = self.boolean(d, args)?,
            "realtime" => self.cfg.realtime = self.boolean(d, args)?,
            "rtprio" => {
                let v = self.one(d, args)?;
                // Heartbeat's range: SCHED_FIFO's priorities, 1..=99 on Linux.
                let prio = v.parse::<i32>().ok().filter(|p| (1..=99).contains(p));
                self.cfg.rtprio =
                    Some(prio.ok_or_else(|| self.bad(d, args, "Illegal realtime priority"))?);
            }
            "syslogmsgfmt" => self.cfg.syslogmsgfmt = self.boolean(d, args)?,
            "autojoin" => {
                self.cfg.autojoin = match self.one(d, args)?.to_ascii_lowercase().as_str() {
                    "none" => Autojoin::None,
                    "other" => Autojoin::Other,
                    "any" => Autojoin::Any,
                    _ => return Err(self.bad(d, args, "Invalid autojoin (none|other|any)")),
                }
            }
            "uuidfrom" => {
                self.cfg.uuidfrom = match self.one(d, args)?.to_ascii_lowercase().as_str() {
                    "file" => UuidFrom::File,
                    "nodename" => UuidFrom::Nodename,
                    _ => return Err(self.bad(d, args, "Invalid uuidfrom (file|nodename)")),
                }
            }
            "env" => {
                let v = self.one(d, args)?;
                let (k, val) = v
                    .split_once('=')
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| self.bad(d, args, "env needs NAME=value"))?;
                self.cfg.env.push((k.to_string(), val.to_string()));
            }
            "debug" => {
                self.cfg.debug = self
                    .one(d, args)?
                    .parse()
                    .ok()
                    .filter(|l| *l <= 255)
                    .ok_or_else(|| self.bad(d, args, "Invalid debug level (0..255)"))?;
            }
            "max_rexmit_delay" => {
                let v = self.one(d, args)?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| self.bad(d, args, "Invalid delay (ms)"))?;
                self.cfg.max_rexmit_delay = Duration::from_millis(ms);
            }
            "crypto" => {
                let v = self.one(d, args)?;
                self.cfg.crypto = match v.to_ascii_lowercase().as_str() {
                    "off" | "none" => None,
                    name => Some(crate::crypto::Cipher::parse(name).ok_or_else(|| {
                        self.bad(d, args, "Invalid crypto method (chacha20poly1305|off)")
                    })?),
                };
            }
            "msgfmt" => {
                self.cfg.msgfmt_netstring = match self.one(d, args)? {
                    "classic" => false,
                    "netstring" => true,
                    _ => return Err(self.bad(d, args, "Invalid msgfmt (classic|netstring)")),
                };
            }
            "compression" => {
                let v = self.one(d, args)?;
                self.cfg.compression = crate::wire::compress::Algorithm::parse(v)
                    .map_err(|_| self.bad(d, args, "Compression module not found (zlib|bz2)"))?;
            }
            "compression_threshold" => {
                let kb: usize = self
                    .one(d, args)?
                    .parse()
                    .ok()
                    .filter(|kb| *kb > 0)
                    .ok_or_else(|| self.bad(d, args, "compress_threshhold invalid"))?;
                self.cfg.compression_threshold = kb * 1024;
            }
            "traditional_compression" => {
                self.cfg.traditional_compression = self.boolean(d, args)?;
            }
            other if ACCEPTED_ONLY.contains(&other) => {
                need_args(self)?;
                if BOOLEAN_ONLY.contains(&other) {
                    self.boolean(d, args)?;
                }
                self.cfg.warnings.push(format!(
                    "directive '{other}' is accepted but not acted on by this heartbeat"
                ));
            }
            _ => {
                return Err(ConfigError::IllegalDirective {
                    directive: d.to_string(),
                    path: self.path.to_string(),
                    line: self.line,
                })
            }
        }
        Ok(())
    }

    fn baud(&self) -> u32 {
        self.cfg
            .raw
            .iter()
            .rev()
            .find(|(n, _)| n == "baud")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(19200)
    }

    fn finish(mut self) -> Config {
        let c = &mut self.cfg;
        if !self.warntime_set {
            c.warntime = c.deadtime / 2;
        }
        if !self.initdead_set {
            c.initdead = if c.deadtime > Duration::from_secs(10) {
                c.deadtime
            } else {
                (c.deadtime * 2).max(Duration::from_secs(12))
            };
        }
        if !self.deadping_set {
            c.deadping = c.deadtime;
        }
        if c.logfile.is_none() && c.debugfile.is_none() && c.logfacility.is_none() {
            c.use_logd = true;
        }
        let _ = self.deadtime_set;
        self.cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "/etc/ha.d//ha.cf")
    }

    #[test]
    fn reads_media_times_and_nodes() {
        let c = parse(
            "udpport 700\nkeepalive 200ms\ndeadtime 2\ninitdead 3 # comment\nbcast eth0 eth1\n\
             mcast eth2 239.0.0.1 694 1 0\nucast eth3 10.0.0.2\nucast eth3 10.0.0.3\nnode Alpha beta\n",
        )
        .unwrap();
        assert_eq!(c.nodes, vec!["alpha", "beta"]);
        assert_eq!(c.keepalive, Duration::from_millis(200));
        assert_eq!(c.warntime, Duration::from_secs(1));
        assert_eq!(c.media.len(), 4);
        assert!(matches!(&c.media[3], Medium::Ucast { peers, port: 700, .. } if peers.len() == 2));
        c.check("ALPHA").unwrap();
        assert_eq!(
            c.check("gamma"),
            Err(ConfigError::NodeNotInConfig("gamma".into()))
        );
    }

    #[test]
    fn rejects_with_file_line_and_reason() {
        let e = parse("node a\nkeepalive two\n").unwrap_err();
        assert!(matches!(e, ConfigError::BadValue { line: 2, .. }), "{e:?}");
        let e = parse("node a\n\nbogus 1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Illegal directive [bogus] in /etc/ha.d//ha.cf"
        );
        assert!(matches!(e, ConfigError::IllegalDirective { line: 3, .. }));
    }

    #[test]
    fn realtime_is_on_by_default_and_rtprio_is_range_checked() {
        let c = parse("node a\n").unwrap();
        assert!(c.realtime);
        assert_eq!(c.rtprio, None);
        let c = parse("node a\nrealtime off\nrtprio 99\n").unwrap();
        assert!(!c.realtime);
        assert_eq!(c.rtprio, Some(99));
        for bad in ["0", "100", "high"] {
            let e = parse(&format!("node a\n\nrtprio {bad}\n")).unwrap_err();
            assert!(matches!(e, ConfigError::BadValue { line: 3, .. }), "{e:?}");
            assert!(e.to_string().contains("Illegal realtime priority"), "{e}");
        }
        let e = parse("node a\nrealtime maybe\n").unwrap_err();
        assert!(matches!(e, ConfigError::BadValue { line: 2, .. }), "{e:?}");
    }

    #[test]
    fn crypto_names_a_cipher_or_off() {
        let c = parse("node a\nbcast lo\ncrypto ChaCha20Poly1305\n").unwrap();
        assert_eq!(c.crypto, Some(crate::crypto::Cipher::ChaCha20Poly1305));
        assert_eq!(parse("node a\ncrypto off\n").unwrap().crypto, None);
        let e = parse("node a\n\ncrypto aes128\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid crypto method (chacha20poly1305|off) in /etc/ha.d//ha.cf line 3: crypto aes128"
        );
    }

    #[test]
    fn deadtime_must_exceed_twice_keepalive() {
        let c = parse("node a\nbcast lo\nkeepalive 2\ndeadtime 4\n").unwrap();
        assert_eq!(
            c.check("a").unwrap_err().to_string(),
            "Dead time [4000] is too small compared to keeplive [2000]"
        );
    }
}
