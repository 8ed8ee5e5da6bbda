//! The `heartbeat` daemon runtime: validation, start-up, and the main loop that ties media,
//! liveness, reliable delivery, ping nodes, children and local clients together.
//!
//! ```text
//!  media readers ─┐                       ┌─> media (signed packets)
//!  ping replies  ─┼─> mpsc<Event> ─> Daemon (one thread) ─> client writers (frames)
//!  API clients   ─┤        timers ─┘      └─> Liveness / Inbox / Outbox (sans-IO)
//!  signals       ─┘
//! ```

mod api;
mod cluster;
mod options;
mod pidfile;
mod queries;
mod sealing;

pub use options::{Options, Validated};
pub use pidfile::running_pid;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::{AuthKeys, Config};
use crate::liveness::{Liveness, NodeKind, Timing};
use crate::log;
use crate::media::{self, MediumTx, Pinger};
use crate::reliable::{Inbox, Outbox};
use crate::wire::Message;

/// The Heartbeat version we are compatible with.
pub const HB_VERSION: &str = "3.0.6";

/// Each kind of dropped packet from one source is logged at most once per this window, plus a
/// count at its end.
const DROP_LOG_WINDOW: Duration = Duration::from_secs(30);

/// How long a clean stop waits for `hb_v1rsc` to release its groups.
/// (Below the unit's `TimeoutStopSec`, so heartbeat still stops cleanly.)
const V1_RELEASE_LIMIT: Duration = Duration::from_secs(100);

/// Everything the main loop reacts to.
#[derive(Debug)]
pub(crate) enum Event {
    /// Bytes from medium `link`.
    Packet { link: usize, data: Vec<u8> },
    /// An ICMP echo reply.
    PingReply(IpAddr),
    /// A client connected (peer credentials attached).
    ClientConnected(ipc::Conn),
    /// A frame from a client.
    ClientFrame { id: u64, msg: Message },
    /// A client's socket closed.
    ClientGone { id: u64 },
    /// SIGTERM/SIGINT.
    Shutdown,
    /// Every child has stopped after a shutdown began.
    ChildrenStopped,
}

/// Packet and delivery counters (`cl_status`-independent; see `Client::stats`).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Packets read from media.
    pub packets_in: u64,
    /// Packets sent (per medium).
    pub packets_out: u64,
    /// Not parseable as a message (garbage, truncated, oversized).
    pub malformed: u64,
    /// Unsigned, unknown key or wrong digest.
    pub bad_auth: u64,
    /// Old generation: replays.
    pub replayed: u64,
    /// Sequenced packets already delivered (second path, retransmission, same-generation replay).
    pub duplicates: u64,
    /// From nodes not in the configuration.
    pub unknown_node: u64,
    /// Retransmission requests we sent.
    pub rexmit_requests: u64,
    /// Messages we retransmitted.
    pub rexmitted: u64,
    /// Cluster messages delivered to local clients (counted once per message).
    pub delivered: u64,
    /// Packets sent sealed (`crypto`), one per medium.
    pub encrypted_out: u64,
    /// Sealed packets that opened (authentic, not replayed).
    pub encrypted_in: u64,
    /// Packets sent compressed as a whole (`_compressed_payload`).
    pub compressed_out: u64,
    /// Flow-control acks (`NS_ackmsg`) we sent and received.
    pub acks_out: u64,
    /// See [`Stats::acks_out`].
    pub acks_in: u64,
}

impl Stats {
    fn pairs(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("packets_in", self.packets_in),
            ("packets_out", self.packets_out),
            ("malformed", self.malformed),
            ("bad_auth", self.bad_auth),
            ("replayed", self.replayed),
            ("duplicates", self.duplicates),
            ("unknown_node", self.unknown_node),
            ("rexmit_requests", self.rexmit_requests),
            ("rexmitted", self.rexmitted),
            ("delivered", self.delivered),
            ("encrypted_out", self.encrypted_out),
            ("encrypted_in", self.encrypted_in),
            ("compressed_out", self.compressed_out),
            ("acks_out", self.acks_out),
            ("acks_in", self.acks_in),
        ]
    }
}

/// Per remote node: what we follow of its message stream.
#[derive(Debug, Default)]
pub(crate) struct Peer {
    inbox: Option<Inbox<crate::wire::packet::Packet>>,
    /// The newest heartbeat `seq` heard, over any link and per link.
    status_seq: u64,
    link_seq: BTreeMap<usize, u64>,
    /// Whether its heartbeats say `protocol` (it expects flow-control acks).
    protocol: bool,
    /// Our ack offset for it (0..10) and the last `seq` acked.
    ack_trigger: u64,
    acked: u64,
    clients: BTreeSet<String>,
    uuid: Option<String>,
    /// Reassembly of a fragmented message: next fragment number and text so far.
    fragments: Option<(u64, String)>,
}

/// The running daemon's state (owned by the main-loop thread).
pub(crate) struct Daemon {
    cfg: Config,
    keys: AuthKeys,
    me: String,
    uuid: String,
    generation: u64,
    media: Vec<Box<dyn MediumTx>>,
    link_names: Vec<String>,
    liveness: Liveness,
    peers: BTreeMap<String, Peer>,
    /// Sealed datagrams by `seq`, for retransmission.
    outbox: Outbox<Vec<u8>>,
    pinger: Option<Pinger>,
    ping_addrs: BTreeMap<IpAddr, Vec<String>>,
    clients: api::Clients,
    stats: Stats,
    drops: crate::droplog::DropLog,
    watchdog: Option<crate::watchdog::Watchdog>,
    /// Link encryption (`crypto` in ha.cf).
    sealing: Option<sealing::Sealing>,
    /// A haresources site run by the CRM here: a peer speaking v1's resource protocol is an
    /// error worth saying (both may run the groups). Peers already reported.
    crm_classic_site: bool,
    v1_peers_reported: BTreeSet<String>,
    /// A haresources site run by `hb_v1rsc` here (`HA_RESOURCE_MANAGER=v1`).
    v1_site: bool,
    /// What `hb_v1rsc` last reported holding (`rscstatus`).
    rsc_status: Option<crate::v1rsc::RscStatus>,
}

/// Starts the daemon with a validated configuration and runs until SIGTERM.
pub fn run(v: Validated, opts: &Options) -> anyhow::Result<()> {
    for m in &v.config.media {
        if let Err(e) = media::preflight(m) {
            log::error(&e.to_string());
            log::error(&format!(
                "make_io_childpair: cannot open {} {}",
                medium_kind(m),
                m.link_name()
            ));
            anyhow::bail!("cannot open {} {}", medium_kind(m), m.link_name());
        }
    }
    if !opts.foreground {
        // Before any thread exists: fork keeps only the calling thread.
        nix::unistd::daemon(true, false).context("cannot daemonize")?;
        log::detach_stderr();
    }
    // Before any thread exists: threads inherit the scheduling policy.
    if v.config.realtime {
        let rt = crate::realtime::enter(v.config.rtprio);
        // Warnings (Heartbeat says ERROR): the daemon runs on, only less shielded from load.
        if let Some(e) = &rt.schedule_error {
            log::warn(&format!(
                "Unable to set scheduler parameters: {e} (realtime: running at normal priority)"
            ));
        }
        if let Some(e) = &rt.lock_error {
            log::warn(&format!("Cannot lock ourselves into memory: {e}"));
        }
        if let Some(p) = rt.priority {
            log::debug(&format!("realtime: SCHED_RR priority {p}"));
        }
    }
    let signals = options::block_signals();
    let (tx, rx) = std::sync::mpsc::channel::<Event>();
    options::prepare_dirs(opts).with_context(|| {
        format!(
            "cannot prepare {} and {}",
            opts.rundir.display(),
            opts.statedir.display()
        )
    })?;
    options::share_log_files(&v.config);
    let generation = crate::generation::next_generation(&opts.statedir)
        .with_context(|| format!("cannot keep generation in {}", opts.statedir.display()))?;
    log::info(&format!("Heartbeat generation: {generation}"));
    let sealing = sealing::Sealing::start(&v.config, &v.keys, &v.nodename, generation)?;
    let uuid = crate::uuid::node_uuid(&opts.statedir, v.config.uuidfrom, &v.nodename)
        .with_context(|| format!("cannot keep node uuid in {}", opts.statedir.display()))?;

    let mut media_tx = Vec::new();
    for (i, m) in v.config.media.iter().enumerate() {
        let tx2 = tx.clone();
        let inbound: media::Inbound = Arc::new(move |link, data| {
            let _ = tx2.send(Event::Packet { link, data });
        });
        let opened = media::open(m, i, inbound).inspect_err(|e| {
            log::error(&e.to_string());
            log::error(&format!(
                "make_io_childpair: cannot open {} {}",
                medium_kind(m),
                m.link_name()
            ));
        })?;
        media_tx.push(opened);
    }
    let socket_path = opts.socket_path();
    api::listen(&socket_path, tx.clone())?;
    pidfile::write(&opts.pidfile())?;
    options::forward_signals(signals, tx.clone());

    let link_names: Vec<String> = v
        .config
        .media
        .iter()
        .map(|m| m.link_name().to_string())
        .collect();
    let timing = Timing {
        deadtime: v.config.deadtime,
        warntime: v.config.warntime,
        initdead: v.config.initdead,
        deadping: v.config.deadping,
    };
    let now = Instant::now();
    let mut liveness = Liveness::new(timing, dedup(&link_names), now);
    for n in v.config.nodes.iter().filter(|n| **n != v.nodename) {
        liveness.add_node(n, NodeKind::Normal);
    }
    let mut ping_addrs = BTreeMap::new();
    for p in &v.config.ping_nodes {
        liveness.add_node(&p.name, NodeKind::Ping);
        for a in &p.addrs {
            ping_addrs
                .entry(*a)
                .or_insert_with(Vec::new)
                .push(p.name.clone());
        }
    }
    let pinger = if ping_addrs.is_empty() {
        None
    } else {
        let tx2 = tx.clone();
        Some(Pinger::open(Arc::new(move |a| {
            let _ = tx2.send(Event::PingReply(a));
        }))?)
    };

    let mut daemon = Daemon {
        keys: v.keys,
        me: v.nodename.clone(),
        uuid,
        generation,
        media: media_tx,
        link_names,
        liveness,
        peers: BTreeMap::new(),
        outbox: Outbox::default(),
        pinger,
        ping_addrs,
        clients: api::Clients::new(),
        stats: Stats::default(),
        drops: crate::droplog::DropLog::new(DROP_LOG_WINDOW),
        // A watchdog that cannot be opened is reported; heartbeat runs without it.
        watchdog: v.config.watchdog.as_ref().and_then(|path| {
            crate::watchdog::Watchdog::open(path)
                .inspect_err(|e| {
                    log::error(&format!(
                        "cannot open watchdog device {}: {e}; running without a watchdog",
                        path.display()
                    ))
                })
                .ok()
        }),
        sealing,
        crm_classic_site: options::runs_classic_site(
            &v.config,
            std::path::Path::new(&opts.confdir),
        ) && options::ClassicManager::from_env() == options::ClassicManager::Crm,
        v1_peers_reported: BTreeSet::new(),
        v1_site: options::runs_classic_site(&v.config, std::path::Path::new(&opts.confdir))
            && options::ClassicManager::from_env() == options::ClassicManager::V1,
        rsc_status: None,
        cfg: v.config,
    };
    log::info(&format!(
        "Local node is {} (generation {generation}), {} media, keepalive {}ms, deadtime {}ms",
        daemon.me,
        daemon.media.len(),
        daemon.cfg.keepalive.as_millis(),
        daemon.cfg.deadtime.as_millis()
    ));
    let supervisor = options::start_children(&daemon.cfg, opts, &daemon.me);
    daemon.main_loop(rx, tx, supervisor);
    daemon.announce_shutdown();
    if let Some(w) = daemon.watchdog.take() {
        w.disarm();
    }
    let _ = std::fs::remove_file(&socket_path);
    let _ = std::fs::remove_file(opts.pidfile());
    log::info("Heartbeat shutdown complete.");
    Ok(())
}

fn medium_kind(m: &crate::config::Medium) -> &'static str {
    match m {
        crate::config::Medium::Bcast { .. } => "bcast",
        crate::config::Medium::Mcast { .. } => "mcast",
        crate::config::Medium::Ucast { .. } => "ucast",
        crate::config::Medium::Serial { .. } => "serial",
    }
}

fn dedup(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

/// Stops the children in the background (once), so messaging goes on while they stop; the
/// thread reports back with [`Event::ChildrenStopped`].
fn stop_children(
    supervisor: &mut Option<crate::respawn::Supervisor>,
    tx: &std::sync::mpsc::Sender<Event>,
) {
    if let Some(sup) = supervisor.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            sup.shutdown(Duration::from_secs(5));
            let _ = tx.send(Event::ChildrenStopped);
        });
    }
}

impl Daemon {
    /// Runs until the children have stopped after a SIGTERM: as in Heartbeat, messaging goes on
    /// while they stop (crmd hands its resources over through it).
    fn main_loop(
        &mut self,
        rx: Receiver<Event>,
        tx: std::sync::mpsc::Sender<Event>,
        supervisor: crate::respawn::Supervisor,
    ) {
        let mut supervisor = Some(supervisor);
        let keepalive = self.cfg.keepalive;
        let check_every =
            (keepalive / 2).clamp(Duration::from_millis(20), Duration::from_millis(500));
        let mut next_beat = Instant::now();
        let mut next_check = Instant::now() + check_every;
        let v1_manager = options::V1_RESOURCE_MANAGER.0;
        let mut draining: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if draining.is_some_and(|end| {
                now >= end
                    || supervisor
                        .as_ref()
                        .is_none_or(|s| s.pids_of(v1_manager).is_empty())
            }) {
                draining = None;
                stop_children(&mut supervisor, &tx);
            }
            if now >= next_beat {
                self.send_heartbeat(crate::client::NodeStatus::Active);
                if let Some(w) = self.watchdog.as_mut() {
                    w.feed();
                }
                if let Some(p) = self.pinger.as_mut() {
                    let addrs: Vec<IpAddr> = self.ping_addrs.keys().copied().collect();
                    p.ping(&addrs);
                }
                next_beat = now + keepalive;
            }
            if now >= next_check {
                self.check_timers(now);
                next_check = now + check_every;
            }
            let wait = next_beat
                .min(next_check)
                .saturating_duration_since(Instant::now());
            // While draining, look at the v1 manager often enough to stop soon after it did.
            let wait = match draining {
                Some(_) => wait.min(Duration::from_millis(100)),
                None => wait,
            };
            match rx.recv_timeout(wait) {
                Ok(Event::Shutdown) if draining.is_none() && supervisor.is_some() => {
                    let pids = supervisor
                        .as_ref()
                        .map(|s| s.pids_of(v1_manager))
                        .unwrap_or_default();
                    if pids.is_empty() {
                        stop_children(&mut supervisor, &tx);
                        continue;
                    }
                    // hb_v1rsc releases the groups and says `shutdone` while we still carry its
                    // messages and heartbeats, as Heartbeat gives up resources before it stops.
                    log::info("Heartbeat shutdown: hb_v1rsc is releasing the resource groups.");
                    for pid in pids {
                        let _ = nix::sys::signal::kill(
                            nix::unistd::Pid::from_raw(pid as i32),
                            nix::sys::signal::Signal::SIGTERM,
                        );
                    }
                    draining = Some(Instant::now() + V1_RELEASE_LIMIT);
                }
                Ok(Event::Shutdown) => {}
                Ok(Event::ChildrenStopped) => return,
                Ok(ev) => self.handle(ev),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Packet { link, data } => self.on_packet(link, &data),
            Event::PingReply(addr) => self.on_ping_reply(addr),
            Event::ClientConnected(conn) => self.clients.connected(conn),
            Event::ClientFrame { id, msg } => self.on_client_frame(id, msg),
            Event::ClientGone { id } => self.on_client_gone(id),
            Event::Shutdown | Event::ChildrenStopped => {}
        }
    }

    /// Sends a signed datagram on every medium (as classic text where the medium needs it),
    /// sealed per medium when links are encrypted ([`Daemon::outgoing`]).
    fn transmit(&mut self, bytes: &[u8]) {
        let classic: Option<Vec<u8>> = self
            .media
            .iter()
            .any(|m| m.classic_only())
            .then(|| {
                let p = crate::wire::datagram::parse(bytes).ok()?.packet;
                crate::wire::datagram::seal_classic(&p, &self.keys).ok()
            })
            .flatten();
        for i in 0..self.media.len() {
            let clear = if self.media[i].classic_only() {
                match classic.as_deref() {
                    Some(t) => t,
                    None => continue,
                }
            } else {
                bytes
            };
            let Some(mut out) = self.outgoing(clear) else {
                continue;
            };
            if self.media[i].classic_only() && crate::crypto::is_sealed(&out) {
                out = crate::crypto::to_text(&out).into();
            }
            if self.media[i].send(&out).is_ok() {
                self.stats.packets_out += 1;
            }
        }
    }

    fn announce_shutdown(&mut self) {
        for _ in 0..2 {
            self.send_heartbeat(crate::client::NodeStatus::Dead);
        }
    }
}
