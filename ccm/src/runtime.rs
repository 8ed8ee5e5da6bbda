//! The `ccm` daemon: one thread polling the heartbeat API socket and the ccm client socket, feeding
//! [`Membership`] and carrying out its outputs.
//!
//! ```text
//!  heartbeat (messaging::client) ──node/client events, ccm packets──> Membership::step
//!  poll timeout = next SetTimer ──────────────────────Tick──────────> Membership::step
//!  Output::Send ──> send_to_node / send_to_all      Output::NewView ──> api::Server::publish
//! ```

use std::collections::BTreeSet;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use messaging::client::{Client, Event, NodeStatus};
use messaging::droplog::{DropLog, DropReason};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::SignalFd;

use crate::api::{Server, ViewEvent};
use crate::membership::{Config, Dest, Input, Membership, Millis, Output, Timing};
use crate::message::{Packet, MSG_TYPE};
use crate::view::View;

/// How long repeated drops of forged ccm messages from one node and client are only counted.
const DROP_LOG_WINDOW: Duration = Duration::from_secs(30);

/// The client name ccm signs on to heartbeat with.
pub const CLIENT_NAME: &str = "ccm";

/// What the daemon needs to know.
#[derive(Debug, Clone)]
pub struct Options {
    /// Heartbeat's API socket.
    pub hb_socket: PathBuf,
    /// Where to serve the ccm client API.
    pub ccm_socket: PathBuf,
    /// Protocol timing.
    pub timing: Timing,
}

/// The running daemon's state outside the machine.
struct Daemon {
    hb: Client,
    server: Server,
    signals: SignalFd,
    machine: Membership,
    started: Instant,
    timer: Option<Millis>,
    last_view: Option<View>,
    /// Forged ccm messages seen, reported a few lines per window.
    drops: DropLog,
}

/// Runs the daemon until SIGTERM/SIGINT (then it says `Leave` to its peers and returns `Ok`) or
/// until heartbeat goes away (an error; heartbeat respawns ccm).
pub fn run(opts: Options) -> Result<()> {
    // Termination signals arrive on a descriptor the main loop polls, so shutdown is an ordinary
    // event: no handler runs at an arbitrary point.
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGTERM);
    mask.add(Signal::SIGINT);
    mask.thread_block().context("blocking SIGTERM/SIGINT")?;
    let signals = SignalFd::new(&mask).context("signalfd")?;
    let mut hb = Client::connect(&opts.hb_socket, CLIENT_NAME)
        .with_context(|| format!("signing on to heartbeat at {}", opts.hb_socket.display()))?;
    let local = hb.local_node().to_string();
    let mut nodes = BTreeSet::new();
    for n in hb.nodes().context("asking heartbeat for the node list")? {
        if hb.node_type(&n).map(|t| t == "normal").unwrap_or(true) {
            nodes.insert(n);
        }
    }
    nodes.insert(local.clone());
    let mut timing = opts.timing;
    // Heartbeat decides when a node is dead: ccm's own silence timeout only catches a hung ccm, so
    // it must not fire before heartbeat's deadtime would.
    if let Some(deadtime) = hb
        .parameter("deadtime")
        .ok()
        .as_deref()
        .and_then(vocab::duration::parse_heartbeat_time)
        .map(|d| d.as_millis() as Millis)
    {
        timing.peer_timeout = timing.peer_timeout.max(deadtime + timing.hello_interval);
    }
    // Microseconds since the epoch: grows across restarts, as incarnations must.
    let incarnation = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(1);
    let server = Server::bind(&opts.ccm_socket)
        .with_context(|| format!("binding {}", opts.ccm_socket.display()))?;
    tracing::info!(
        "{local} incarnation {incarnation:x}, nodes {:?}, api {}",
        nodes,
        opts.ccm_socket.display()
    );
    let machine = Membership::new(Config {
        local: local.clone(),
        incarnation,
        nodes: nodes.clone(),
        timing,
    });
    let mut d = Daemon {
        hb,
        server,
        signals,
        machine,
        started: Instant::now(),
        timer: None,
        last_view: None,
        drops: DropLog::new(DROP_LOG_WINDOW),
    };
    d.feed(Input::Start)?;
    for n in nodes.iter().filter(|n| **n != local) {
        let status =
            d.hb.node_status(n)
                .context("asking heartbeat for node status")?;
        // `init` is no news: the node may still speak first (see `Input::NodeStatus`).
        if status != NodeStatus::Init {
            d.feed(Input::NodeStatus {
                node: n.clone(),
                alive: status.is_alive(),
            })?;
        }
    }
    d.main_loop()
}

impl Daemon {
    fn now(&self) -> Millis {
        self.started.elapsed().as_millis() as Millis
    }

    fn main_loop(&mut self) -> Result<()> {
        loop {
            while self.hb.has_pending() {
                let ev = self.hb.recv().context("reading from heartbeat")?;
                self.on_hb_event(ev)?;
            }
            let wait = self
                .timer
                .map_or(1000, |at| at.saturating_sub(self.now()))
                .min(1000);
            let (hb_ready, signalled) = {
                let mut fds = [
                    PollFd::new(self.hb.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                ];
                let timeout =
                    PollTimeout::try_from(Duration::from_millis(wait)).unwrap_or(PollTimeout::MAX);
                match poll(&mut fds, timeout) {
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => return Err(e).context("poll"),
                }
                let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
                (ready(&fds[0]), ready(&fds[1]))
            };
            if signalled {
                let sig = self.signals.read_signal().ok().flatten();
                tracing::info!("signal {:?}, leaving", sig.map(|s| s.ssi_signo));
                return self.feed(Input::Shutdown);
            }
            if hb_ready {
                // Reads exactly one frame (the poll said one is there), then drains the queue.
                if let Some(ev) = self
                    .hb
                    .recv_timeout(Duration::from_millis(1000))
                    .context("reading from heartbeat")?
                {
                    self.on_hb_event(ev)?;
                }
            }
            for line in self.drops.tick(Instant::now()) {
                tracing::warn!("{line}");
            }
            if self.timer.is_some_and(|at| self.now() >= at) {
                self.timer = None;
                self.feed(Input::Tick)?;
            }
        }
    }

    fn on_hb_event(&mut self, ev: Event) -> Result<()> {
        match ev {
            Event::Node(n) if !matches!(n.status, NodeStatus::Ping | NodeStatus::Init) => {
                tracing::info!("heartbeat says {} is {}", n.node, n.status);
                self.feed(Input::NodeStatus {
                    node: n.node,
                    alive: n.status.is_alive(),
                })
            }
            Event::Client(c) if c.client == CLIENT_NAME && c.status == "leave" => {
                tracing::info!("ccm on {} signed off", c.node);
                self.feed(Input::PeerLeft { node: c.node })
            }
            Event::Message(m) if m.msg_type() == Some(MSG_TYPE) => {
                let from = m.get("src").unwrap_or_default().to_string();
                if let Err(e) = crate::trust::check(&m) {
                    let source = format!("{from}/{}", e.client);
                    let line =
                        self.drops
                            .dropped(Instant::now(), DropReason::BadAuth, &source, || {
                                format!("dropping a ccm message from {from}: {e}")
                            });
                    if let Some(line) = line {
                        tracing::warn!("{line}");
                    }
                    return Ok(());
                }
                match Packet::decode(&m) {
                    Ok(packet) => self.feed(Input::Packet { from, packet }),
                    Err(e) => {
                        tracing::warn!("ignoring bad packet from {from}: {e}");
                        Ok(())
                    }
                }
            }
            _ => Ok(()),
        }
    }

    fn feed(&mut self, input: Input) -> Result<()> {
        let now = self.now();
        for out in self.machine.step(now, input) {
            match out {
                Output::Send { to, packet } => {
                    let msg = packet.encode();
                    match to {
                        Dest::All => self.hb.send_to_all(&msg),
                        Dest::Node(n) => self.hb.send_to_node(&n, &msg),
                    }
                    .context("sending through heartbeat")?;
                }
                Output::SetTimer { at } => self.timer = Some(at),
                Output::NewView(view) => {
                    let ev = ViewEvent::new(&view, self.last_view.as_ref());
                    tracing::info!("new view {view}");
                    self.server.publish(&ev);
                    self.last_view = Some(view);
                }
            }
        }
        Ok(())
    }
}
