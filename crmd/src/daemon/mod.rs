//! The crmd daemon's runtime: it does the I/O around [`crate::core::Core`] and nothing else.
//!
//! ```text
//!  heartbeat thread (hb_link) ─peer messages, crmd joins/leaves, ping nodes─┐
//!  ccm thread (ccm_link) ───────views──────────────────────────────────────┤
//!  lrmd tasks (lrm_link) ───────action results, monitor events, lost/back──┼─> one channel ─> Core::step
//!  stonithd requests (fencer) ──fencing results────────────────────────────┤        │
//!  cib.sock threads (clients) ──client requests────────────────────────────┤        │
//!  the one timer (sleep until the core's WakeAt) ──Tick────────────────────┘        │
//!                                                                                    v
//!       Commands: Send/Broadcast/AskCrmdStatus -> hb_link, LrmExec -> lrm_link, Fence -> fencer,
//!                 Reply -> clients, SaveCib/SavePeInput -> the disk, WakeAt -> the timer
//! ```
//!
//! There is no polling loop: the core task sleeps until an input arrives or its timer expires.

mod ccm_link;
pub mod clients;
mod fencer;
mod hb_link;
mod lrm_link;
mod startup;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use cib::store::CibStore;
use cib::xml::Element;
use messaging::client::Client;

use crate::core::{Command, Config, Core, Input, Millis, Now};
use hb_link::{HbCmd, HbLink};
use lrm_link::LrmJob;

pub use startup::initial_cib;

/// Where the daemon finds its peers and keeps its state.
#[derive(Debug, Clone)]
pub struct Options {
    /// Local node name.
    pub node: String,
    /// heartbeat's API socket.
    pub hb_socket: PathBuf,
    /// ccm's socket.
    pub ccm_socket: PathBuf,
    /// lrmd's socket.
    pub lrmd_socket: PathBuf,
    /// The CIB client socket we serve.
    pub cib_socket: PathBuf,
    /// CIB store directory (`$HA_STATEDIR/crm`).
    pub cib_dir: PathBuf,
    /// Policy engine inputs (`$HA_STATEDIR/pengine`).
    pub pe_dir: PathBuf,
    /// Heartbeat configuration directory (haresources import).
    pub ha_dir: PathBuf,
    /// Save policy engine inputs bz2-compressed (`pe-input-N.bz2`, as Pacemaker) rather than as
    /// `.xml`; `HA_PE_COMPRESS=no` turns it off.
    pub pe_compress: bool,
}

impl Options {
    /// From the environment heartbeat gives its children.
    pub fn from_env() -> Options {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let statedir = var("HA_STATEDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/var/lib/heartbeat"));
        let node = var("HA_NODENAME")
            .and_then(|v| v.into_string().ok())
            .unwrap_or_else(|| {
                nix::unistd::gethostname()
                    .ok()
                    .and_then(|h| h.into_string().ok())
                    .unwrap_or_else(|| "localhost".into())
            })
            .to_lowercase();
        Options {
            node,
            hb_socket: messaging::client::default_socket_path(),
            ccm_socket: ccm::api::default_socket_path(),
            lrmd_socket: lrm::wire::socket_path(),
            cib_socket: crate::proto::socket_path(),
            cib_dir: statedir.join("crm"),
            pe_dir: statedir.join("pengine"),
            ha_dir: var("HA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/etc/ha.d")),
            pe_compress: var("HA_PE_COMPRESS")
                .is_none_or(|v| !matches!(v.to_str(), Some("no" | "false" | "0" | "off"))),
        }
    }
}

/// Seconds since the epoch (the policy engine's "now" and op timestamps).
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Runs the daemon until heartbeat's end makes it pointless (heartbeat respawns it).
pub fn run(opts: Options) -> Result<()> {
    let mut hb = connect_heartbeat(&opts)?;
    let me = hb.local_node().to_lowercase();
    let nodes = normal_nodes(&mut hb);
    let store = CibStore::open(&opts.cib_dir)
        .with_context(|| format!("opening the CIB store {}", opts.cib_dir.display()))?;
    let cib = initial_cib(&store, &opts)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    rt.block_on(async move {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let hb = hb_link::spawn(hb, opts.hb_socket.clone(), tx.clone())
            .context("starting the heartbeat thread")?;
        ccm_link::spawn(opts.ccm_socket.clone(), tx.clone());
        let lrm = lrm_link::spawn(opts.lrmd_socket.clone(), tx.clone());
        let clients = clients::spawn(&opts.cib_socket, tx.clone())
            .with_context(|| format!("binding {}", opts.cib_socket.display()))?;
        forward_sigterm(tx.clone())?;
        fencer::watch(stonithd::proto::socket_path(), tx.clone());
        tracing::info!(
            node = %me,
            "crmd started; CIB version {}",
            cib::version::CibVersion::from_element(&cib)
        );
        let core = Core::new(Config { me, cib, nodes });
        let io = Io {
            hb,
            lrm,
            clients,
            inputs: tx,
            store,
            pe_dir: opts.pe_dir.clone(),
            pe_compress: opts.pe_compress,
        };
        drive(core, io, rx).await;
        Ok(())
    })
}

fn connect_heartbeat(opts: &Options) -> Result<Client> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Client::connect(&opts.hb_socket, "crmd") {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() > deadline => {
                return Err(e).with_context(|| {
                    format!("signing on to heartbeat at {}", opts.hb_socket.display())
                })
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// The configured cluster nodes (ping nodes left out).
fn normal_nodes(hb: &mut Client) -> Vec<String> {
    let all = hb.nodes().unwrap_or_default();
    all.into_iter()
        .filter(|n| hb.node_type(n).map(|t| t == "normal").unwrap_or(true))
        .collect()
}

/// Where the core's commands go.
struct Io {
    hb: HbLink,
    lrm: tokio::sync::mpsc::UnboundedSender<LrmJob>,
    clients: clients::Connections,
    inputs: tokio::sync::mpsc::UnboundedSender<Input>,
    store: CibStore,
    pe_dir: PathBuf,
    pe_compress: bool,
}

/// The one task that owns the core: waits for an input or the core's timer, steps, carries
/// out the commands.
async fn drive(mut core: Core, mut io: Io, mut rx: tokio::sync::mpsc::UnboundedReceiver<Input>) {
    let start = tokio::time::Instant::now();
    let now = || Now {
        ms: start.elapsed().as_millis() as Millis,
        wall: now_secs(),
    };
    let mut wake: Option<Millis> = None;
    loop {
        let input = match wake {
            Some(at) => {
                let when = start + Duration::from_millis(at);
                tokio::select! {
                    i = rx.recv() => i,
                    _ = tokio::time::sleep_until(when) => {
                        wake = None;
                        Some(Input::Tick)
                    }
                }
            }
            None => rx.recv().await,
        };
        let Some(input) = input else { return };
        let mut exit = None;
        for cmd in core.step(now(), input) {
            match cmd {
                Command::WakeAt(at) => wake = Some(at),
                Command::Exit(code) => exit = Some(code),
                cmd => io.carry_out(cmd),
            }
        }
        if let Some(code) = exit {
            io.flush_heartbeat();
            tracing::warn!("crmd exits with code {code}");
            std::process::exit(code);
        }
    }
}

/// SIGTERM (heartbeat stopping, or an operator) starts a clean stop ([`Input::Shutdown`]).
fn forward_sigterm(inputs: tokio::sync::mpsc::UnboundedSender<Input>) -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::spawn(async move {
        while term.recv().await.is_some() {
            if inputs.send(Input::Shutdown).is_err() {
                return;
            }
        }
    });
    Ok(())
}

impl Io {
    fn carry_out(&mut self, cmd: Command) {
        match cmd {
            Command::Send { to, msg } => self.hb.send(HbCmd::Send(to, msg.encode())),
            Command::Broadcast(msg) => self.hb.send(HbCmd::Broadcast(msg.encode())),
            Command::AskCrmdStatus(nodes) => self.hb.send(HbCmd::AskCrmd(nodes)),
            Command::LrmExec { tid, action } => {
                let _ = self.lrm.send(LrmJob {
                    tid,
                    action: *action,
                });
            }
            Command::Fence {
                tid,
                aid,
                target,
                action,
                origin,
                delay_ms,
            } => fencer::fence(
                self.inputs.clone(),
                tid,
                aid,
                target,
                action,
                origin,
                delay_ms,
            ),
            Command::Reply { conn, resp } => self.clients.reply(conn, resp),
            Command::SaveCib(cib) => {
                if let Err(e) = self.store.save(&cib) {
                    tracing::error!("cannot save the CIB: {e}");
                }
            }
            Command::SavePeInput { tid, series, cib } => self.save_pe_input(tid, series, &cib),
            Command::WakeAt(_) | Command::Exit(_) => {}
        }
    }

    /// Waits (briefly) until the heartbeat thread has sent everything queued, so the last
    /// messages before an exit reach the peers.
    fn flush_heartbeat(&mut self) {
        let (done, wait) = std::sync::mpsc::channel();
        self.hb.send(HbCmd::Flush(done));
        let _ = wait.recv_timeout(Duration::from_secs(2));
    }

    /// Keeps the policy engine's input in its series (`pe-input-N`, `pe-warn-N`,
    /// `pe-error-N`), so any decision can be replayed with `crm_simulate -x`.
    fn save_pe_input(&self, tid: u64, series: cib::series::Series, cib: &Element) {
        let max = series.max_in(cib);
        match cib::series::save(&self.pe_dir, series, max, self.pe_compress, &cib.to_xml()) {
            Ok(Some(path)) => tracing::info!("transition {tid}: input saved as {}", path.display()),
            Ok(None) => {}
            Err(e) => tracing::warn!("cannot save the policy engine input: {e}"),
        }
    }
}
