//! The local client socket `api.sock`, served by the one IPC layer ([`ipc::server`]) on its own
//! thread: admitted clients, their frames and their departures become [`Event`]s of the main loop.
//! Frames and fields are documented in [`crate::client`].
//!
//! Access: root and the cluster user may do everything; members of the client group may sign on
//! and query (`cl_status`) but not send cluster messages; others are refused at connect.
//! `apiauth` still decides which client names a peer may sign on as.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::Sender;

use ipc::{Access, AccessTable, Conn, Need, Policy, ServerConfig, SocketSpec};
use nix::unistd::{Group, User};

use super::Event;
use crate::config::ApiAuth;
use crate::wire::Message;

/// Frames a slow client may have queued before it is dropped.
const CLIENT_QUEUE: usize = 10_000;

/// Binds the socket (0660, group `haclient`; replacing a stale one) and starts serving.
pub(super) fn listen(path: &Path, tx: Sender<Event>) -> anyhow::Result<()> {
    let policy = Policy::from_env();
    let listener = ipc::bind(path, &SocketSpec::new(0o660, policy.client_gid))?;
    let mut cfg = ServerConfig::new("api.sock", AccessTable::CLIENTS_READ);
    cfg.queue = CLIENT_QUEUE;
    cfg.warn = crate::log::warn;
    ipc::server::spawn(listener, policy, cfg, move |ev| {
        let ev = match ev {
            ipc::Event::Connected(conn) => Event::ClientConnected(conn),
            ipc::Event::Frame { id, payload } => match crate::frame::decode(&payload) {
                Ok(msg) => Event::ClientFrame { id, msg },
                Err(e) => {
                    crate::log::warn(&format!("API client {id}: bad frame ({e}), disconnecting"));
                    Event::ClientGone { id }
                }
            },
            ipc::Event::Closed { id } => Event::ClientGone { id },
        };
        tx.send(ev).is_ok()
    })?;
    Ok(())
}

/// What an API request needs: sending to the cluster and reporting resource ownership
/// write, everything else reads.
pub(super) fn need(msg: &Message) -> Need {
    match msg.get("hbapi") {
        Some("send" | "rscstate") => Need::Write,
        _ => Need::Read,
    }
}

/// One connected client. Dropping it closes the connection once its queue is written.
pub(super) struct Client {
    pub name: Option<String>,
    pub conn: Conn,
}

impl Client {
    /// Queues a frame; false if the client is gone or too slow (it is then dropped).
    pub fn send(&self, msg: Message) -> bool {
        self.conn.send(msg.encode().as_bytes())
    }

    pub fn uid(&self) -> u32 {
        self.conn.peer().uid
    }

    pub fn gid(&self) -> u32 {
        self.conn.peer().gid
    }

    pub fn access(&self) -> Access {
        self.conn.access()
    }
}

/// The connected clients.
pub(super) struct Clients {
    pub conns: BTreeMap<u64, Client>,
}

impl Clients {
    pub fn new() -> Self {
        Clients {
            conns: BTreeMap::new(),
        }
    }

    pub fn connected(&mut self, conn: Conn) {
        self.conns.insert(conn.id(), Client { name: None, conn });
    }

    /// Names of signed-on clients.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.conns.values().filter_map(|c| c.name.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Whether a peer may sign on as `client` under these apiauth rules.
/// Root may always; otherwise the client's own line, else `default`, else `anon`, decides.
/// Groups count whether primary or supplementary (as Pacemaker's client checks).
pub(super) fn authorised(rules: &[ApiAuth], client: &str, peer: &ipc::Peer) -> bool {
    let uid = peer.uid;
    if uid == 0 {
        return true;
    }
    let rule = [client, "default", "anon"]
        .iter()
        .find_map(|name| rules.iter().rev().find(|r| r.client == *name));
    let Some(rule) = rule else {
        return false;
    };
    let uid_ok = rule.uids.iter().any(|u| match u.parse::<u32>() {
        Ok(n) => n == uid,
        Err(_) => matches!(User::from_name(u), Ok(Some(user)) if user.uid.as_raw() == uid),
    });
    let gid_ok = rule.gids.iter().any(|g| match g.parse::<u32>() {
        Ok(n) => peer.in_group(n),
        Err(_) => matches!(Group::from_name(g), Ok(Some(grp)) if peer.in_group(grp.gid.as_raw())),
    });
    uid_ok || gid_ok
}
