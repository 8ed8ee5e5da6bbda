//! The heartbeat connection: one I/O thread that owns the API client, blocks in `poll(2)` on
//! its socket and on a wake-up pipe (never on a timer), turns heartbeat events into core
//! [`Input`]s and carries out the core's sends and status questions. When heartbeat goes away
//! it reports [`Neighbour::Heartbeat`] lost and signs on again once heartbeat is back.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use messaging::client::{Client, Event};
use messaging::wire::Message;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use tokio::sync::mpsc::UnboundedSender;

use crate::core::{Input, Neighbour};
use crate::peer::MSG_TYPE;

/// What the core asks of heartbeat.
pub enum HbCmd {
    /// Send to one node.
    Send(String, Message),
    /// Send to all nodes.
    Broadcast(Message),
    /// Ask whether these nodes' crmds run.
    AskCrmd(Vec<String>),
    /// Answer once every command queued before this one is carried out.
    Flush(mpsc::Sender<()>),
}

/// The core's handle on the heartbeat thread.
pub struct HbLink {
    cmds: mpsc::Sender<HbCmd>,
    wake: UnixStream,
}

impl HbLink {
    /// Queues a command for the heartbeat thread.
    pub fn send(&mut self, cmd: HbCmd) {
        if self.cmds.send(cmd).is_ok() {
            // One byte says "look at the queue"; a full pipe already says so.
            let _ = self.wake.write(&[1]);
        }
    }
}

/// Starts the heartbeat thread with an already signed-on client.
pub fn spawn(
    hb: Client,
    socket: PathBuf,
    inputs: UnboundedSender<Input>,
) -> std::io::Result<HbLink> {
    let (wake_tx, wake_rx) = UnixStream::pair()?;
    wake_tx.set_nonblocking(true)?;
    wake_rx.set_nonblocking(true)?;
    let (cmds, cmd_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("heartbeat".into())
        .spawn(move || run(hb, socket, inputs, cmd_rx, wake_rx))?;
    Ok(HbLink {
        cmds,
        wake: wake_tx,
    })
}

fn run(
    mut hb: Client,
    socket: PathBuf,
    inputs: UnboundedSender<Input>,
    cmds: mpsc::Receiver<HbCmd>,
    mut wake: UnixStream,
) {
    let me = hb.local_node().to_lowercase();
    loop {
        let ping_nodes = ping_nodes(&mut hb);
        report_connectivity(&mut hb, &ping_nodes, &inputs);
        match serve(&mut hb, &me, &ping_nodes, &inputs, &cmds, &mut wake) {
            Stop::CoreGone => return,
            Stop::Lost(e) => {
                tracing::error!("heartbeat connection lost: {e}");
                if inputs
                    .send(Input::NeighbourLost(Neighbour::Heartbeat))
                    .is_err()
                {
                    return;
                }
            }
        }
        hb = reconnect(&socket);
        // What was queued for the old connection is meaningless now.
        while cmds.try_recv().is_ok() {}
        if inputs
            .send(Input::NeighbourBack(Neighbour::Heartbeat))
            .is_err()
        {
            return;
        }
    }
}

/// Signs on again, with a growing pause between attempts (heartbeat is being respawned).
fn reconnect(socket: &Path) -> Client {
    let mut pause = Duration::from_millis(100);
    loop {
        std::thread::sleep(pause);
        match Client::connect(socket, "crmd") {
            Ok(c) => {
                tracing::info!("signed on to heartbeat again");
                return c;
            }
            Err(e) => tracing::debug!("heartbeat not back yet: {e}"),
        }
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

enum Stop {
    CoreGone,
    Lost(String),
}

fn serve(
    hb: &mut Client,
    me: &str,
    ping_nodes: &[String],
    inputs: &UnboundedSender<Input>,
    cmds: &mpsc::Receiver<HbCmd>,
    wake: &mut UnixStream,
) -> Stop {
    loop {
        if !hb.has_pending() {
            let mut fds = [
                PollFd::new(hb.as_fd(), PollFlags::POLLIN),
                PollFd::new(wake.as_fd(), PollFlags::POLLIN),
            ];
            if let Err(e) = poll(&mut fds, PollTimeout::NONE) {
                if e != nix::errno::Errno::EINTR {
                    return Stop::Lost(format!("poll: {e}"));
                }
            }
        }
        let mut buf = [0u8; 64];
        while matches!(wake.read(&mut buf), Ok(n) if n > 0) {}
        loop {
            match cmds.try_recv() {
                Ok(cmd) => {
                    if let Err(e) = carry_out(hb, cmd, inputs) {
                        return Stop::Lost(e.to_string());
                    }
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => return Stop::CoreGone,
            }
        }
        // Whatever is readable now (a partial frame stays buffered in the client).
        loop {
            match hb.recv_timeout(Duration::from_millis(1)) {
                Ok(Some(event)) => {
                    if let Some(input) = to_input(hb, me, ping_nodes, event) {
                        if inputs.send(input).is_err() {
                            return Stop::CoreGone;
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => return Stop::Lost(e.to_string()),
            }
            if !hb.has_pending() {
                break;
            }
        }
    }
}

fn carry_out(
    hb: &mut Client,
    cmd: HbCmd,
    inputs: &UnboundedSender<Input>,
) -> messaging::client::Result<()> {
    match cmd {
        HbCmd::Send(to, msg) => hb.send_to_node(&to, &msg),
        HbCmd::Broadcast(msg) => hb.send_to_all(&msg),
        HbCmd::AskCrmd(nodes) => {
            for node in nodes {
                let status = hb.client_status(&node, "crmd", Duration::from_millis(200))?;
                // Both answers count: they close the election round.
                let up = status == "online" || status == "join";
                let _ = inputs.send(Input::PeerCrmd { node, up });
            }
            Ok(())
        }
        HbCmd::Flush(done) => {
            let _ = done.send(());
            Ok(())
        }
    }
}

fn to_input(hb: &mut Client, me: &str, ping_nodes: &[String], event: Event) -> Option<Input> {
    match event {
        Event::Message(m) => {
            let src = m.get("src").unwrap_or("").to_lowercase();
            if src == me || m.msg_type() != Some(MSG_TYPE) {
                return None;
            }
            Some(Input::Peer { src, msg: m })
        }
        Event::Client(c) if c.client == "crmd" => Some(Input::PeerCrmd {
            node: c.node.to_lowercase(),
            up: c.status == "join" || c.status == "online",
        }),
        Event::Node(n) if ping_nodes.contains(&n.node) => connectivity(hb, ping_nodes),
        _ => None,
    }
}

/// heartbeat's `ping`/`ping_group` nodes.
fn ping_nodes(hb: &mut Client) -> Vec<String> {
    let nodes = hb.nodes().unwrap_or_default();
    nodes
        .into_iter()
        .filter(|n| hb.node_type(n).is_ok_and(|t| t == "ping"))
        .collect()
}

fn connectivity(hb: &mut Client, ping_nodes: &[String]) -> Option<Input> {
    if ping_nodes.is_empty() {
        return None;
    }
    let reachable = ping_nodes
        .iter()
        .filter(|n| hb.node_status(n).is_ok_and(|s| s.is_alive()))
        .count();
    Some(Input::Connectivity {
        reachable,
        total: ping_nodes.len(),
    })
}

fn report_connectivity(hb: &mut Client, ping_nodes: &[String], inputs: &UnboundedSender<Input>) {
    if let Some(input) = connectivity(hb, ping_nodes) {
        let _ = inputs.send(input);
    }
}
