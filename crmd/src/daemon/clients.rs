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
    conns: Arc<Mutex<HashMap<ConnId, ipc::Conn>>>,
}

impl Connections {
    /// Sends an answer or event to a connection (dropped if it is gone; a client that does not
    /// read is dropped by its bounded queue).
    pub fn reply(&self, conn: ConnId, resp: Response) {
        let Some(c) = self.get(conn) else {
            return;
        };
        match ipc::json::encode(&resp) {
            Ok(bytes) => {
                c.send(&bytes);
            }
            Err(e) => tracing::warn!("cannot encode a CIB answer: {e}"),
        }
    }

    fn get(&self, conn: ConnId) -> Option<ipc::Conn> {
        self.lock().get(&conn).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnId, ipc::Conn>> {
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
            served.lock().insert(conn.id(), conn);
            true
        }
        ipc::Event::Closed { id } => {
            users.remove(&id);
            served.lock().remove(&id);
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
