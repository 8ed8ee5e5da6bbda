//! The CIB client socket (`cib.sock`) on the project's IPC layer ([`ipc::server`]): mode 0660
//! root:haclient; root, hacluster and haclient members may read and write (as Pacemaker with
//! ACLs off), others are refused at connect. The server runs on its own thread with no thread
//! per client; requests become [`Input::Client`]s numbered by connection, and the core's
//! answers reach the connection through [`Connections`] without blocking.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::core::{ConnId, Input};
use crate::proto::{self, Response};

/// The open connections.
#[derive(Clone, Default)]
pub struct Connections {
    conns: Arc<Mutex<HashMap<ConnId, Entry>>>,
}

/// A connection, kept after its client shut down its side until every request it sent is
/// answered (a client may send its request and close its write side, as `socat` does).
struct Entry {
    conn: ipc::Conn,
    pending: usize,
    closed: bool,
}

impl Connections {
    /// Sends an answer or event to a connection (dropped if it is gone; a client that does not
    /// read is dropped by its bounded queue).
    pub fn reply(&self, conn: ConnId, resp: Response) {
        let mut conns = self.lock();
        let Some(e) = conns.get_mut(&conn) else {
            return;
        };
        match ipc::json::encode(&resp) {
            Ok(bytes) => {
                e.conn.send(&bytes);
            }
            Err(err) => tracing::warn!("cannot encode a CIB answer: {err}"),
        }
        // Events carry id 0; anything else answers a request.
        if resp.id != 0 {
            e.pending = e.pending.saturating_sub(1);
        }
        if e.closed && e.pending == 0 {
            conns.remove(&conn);
        }
    }

    fn get(&self, conn: ConnId) -> Option<ipc::Conn> {
        self.lock().get(&conn).map(|e| e.conn.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnId, Entry>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Binds the socket and serves it.
pub fn spawn(socket: &Path, inputs: UnboundedSender<Input>) -> anyhow::Result<Connections> {
    let policy = ipc::Policy::from_env();
    let listener = ipc::bind(socket, &ipc::SocketSpec::new(0o660, policy.client_gid))?;
    let cfg = ipc::ServerConfig::new("cib.sock", ipc::AccessTable::CLIENTS_WRITE);
    let conns = Connections::default();
    let served = conns.clone();
    // Who each client runs as: recorded as the user of every change it makes.
    let mut users: HashMap<ConnId, String> = HashMap::new();
    ipc::server::spawn(listener, policy, cfg, move |ev| match ev {
        ipc::Event::Connected(conn) => {
            users.insert(conn.id(), crate::writer::user_name(conn.peer().uid));
            let entry = Entry {
                conn,
                pending: 0,
                closed: false,
            };
            served.lock().insert(entry.conn.id(), entry);
            true
        }
        ipc::Event::Closed { id } => {
            users.remove(&id);
            let mut conns = served.lock();
            if let Some(e) = conns.get_mut(&id) {
                e.closed = true;
                if e.pending == 0 {
                    conns.remove(&id);
                }
            }
            drop(conns);
            inputs.send(Input::ClientGone(id)).is_ok()
        }
        ipc::Event::Frame { id, payload } => {
            let Some(conn) = served.get(id) else {
                return true;
            };
            match proto::decode_request(&payload) {
                Ok(req) if !conn.access().permits(req.body.need()) => {
                    conn.refuse(&format!("CIB {:?}: read-only access", req.body));
                    served.reply(id, Response::fail(req.id, 4, "permission denied"));
                    true
                }
                Ok(req) => {
                    let user = users.get(&id).cloned().unwrap_or_default();
                    if req.id != 0 {
                        if let Some(e) = served.lock().get_mut(&id) {
                            e.pending += 1;
                        }
                    }
                    inputs
                        .send(Input::Client {
                            conn: id,
                            req,
                            user,
                        })
                        .is_ok()
                }
                Err(e) => {
                    // Garbage: say why, then drop the connection; the daemon is unaffected.
                    tracing::warn!("CIB client sent an invalid frame: {e}");
                    served.reply(id, Response::fail(0, 76, format!("invalid request: {e}")));
                    served.lock().remove(&id);
                    true
                }
            }
        }
    })?;
    Ok(conns)
}
