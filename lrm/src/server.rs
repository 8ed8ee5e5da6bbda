//! The lrmd side of the socket, on the one IPC layer ([`ipc::server`]): only root and the
//! cluster user (and the daemon's own uid) are admitted; requests are served from an
//! [`Executor`]. Frame format: see [`crate::wire`].

use std::collections::HashMap;
use std::path::Path;

use ipc::{AccessTable, Conn, Policy, ServerConfig, SocketSpec};
use tokio::net::UnixListener;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::wire::{Reply, Request, RequestBody, ServerMessage};

/// Binds the socket (mode 0660, group `haclient`; a stale one is replaced, a live one is an
/// error). Call inside the tokio runtime.
pub fn bind(path: &Path) -> Result<UnixListener> {
    let io = |source: std::io::Error| Error::Io {
        context: format!("binding {}", path.display()),
        source,
    };
    let policy = Policy::from_env();
    let listener = ipc::bind(path, &SocketSpec::new(0o660, policy.client_gid))
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    listener.set_nonblocking(true).map_err(io)?;
    UnixListener::from_std(listener).map_err(io)
}

/// A connected client and its event subscription.
struct Client {
    conn: Conn,
    subscription: Option<JoinHandle<()>>,
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(task) = self.subscription.take() {
            task.abort();
        }
    }
}

/// Serves clients until the runtime stops.
pub async fn serve(executor: Executor, listener: UnixListener) -> Result<()> {
    let (tx, mut events) = mpsc::unbounded_channel::<ipc::Event>();
    let cfg = ServerConfig::new("lrmd.sock", AccessTable::CLUSTER_ONLY);
    tokio::spawn(ipc::server::run(
        listener,
        Policy::from_env(),
        cfg,
        move |ev| tx.send(ev).is_ok(),
    ));
    let mut clients: HashMap<u64, Client> = HashMap::new();
    while let Some(ev) = events.recv().await {
        match ev {
            ipc::Event::Connected(conn) => {
                clients.insert(
                    conn.id(),
                    Client {
                        conn,
                        subscription: None,
                    },
                );
            }
            ipc::Event::Closed { id } => {
                clients.remove(&id);
            }
            ipc::Event::Frame { id, payload } => {
                let Some(client) = clients.get_mut(&id) else {
                    continue;
                };
                let request = match Request::decode(&payload) {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(error = %e, "dropping client after a bad frame");
                        clients.remove(&id);
                        continue;
                    }
                };
                if request.body == RequestBody::Subscribe && client.subscription.is_none() {
                    client.subscription = Some(tokio::spawn(forward_events(
                        executor.subscribe(),
                        client.conn.clone(),
                    )));
                }
                let reply = if client.conn.access().permits(request.body.need()) {
                    answer(&executor, request.body)
                } else {
                    client.conn.refuse("lrmd request: read-only access");
                    Reply::Error {
                        message: "permission denied".into(),
                    }
                };
                send(
                    &client.conn,
                    &ServerMessage::Reply {
                        id: request.id,
                        reply,
                    },
                );
            }
        }
    }
    Ok(())
}

fn send(conn: &Conn, msg: &ServerMessage) -> bool {
    match ipc::json::encode(msg) {
        Ok(bytes) => conn.send(&bytes),
        Err(e) => {
            tracing::warn!(error = %e, "cannot encode a message");
            false
        }
    }
}

fn answer(executor: &Executor, body: RequestBody) -> Reply {
    let outcome = match body {
        RequestBody::Register { resource } => {
            executor.register(resource);
            Ok(Reply::Done)
        }
        RequestBody::Unregister { rsc } => executor.unregister(&rsc).map(|()| Reply::Done),
        RequestBody::Exec { op } => executor.exec(op).map(|call_id| Reply::Call { call_id }),
        RequestBody::Cancel {
            rsc,
            action,
            interval_ms,
        } => executor
            .cancel(&rsc, &action, interval_ms)
            .map(|()| Reply::Done),
        RequestBody::History { rsc } => executor.history(&rsc).map(|history| Reply::History {
            history: Box::new(history),
        }),
        RequestBody::List => Ok(Reply::Resources {
            resources: executor.resources(),
        }),
        RequestBody::Subscribe => Ok(Reply::Done),
    };
    outcome.unwrap_or_else(|e| Reply::Error {
        message: e.to_string(),
    })
}

async fn forward_events(mut events: broadcast::Receiver<crate::op::OpResult>, conn: Conn) {
    loop {
        match events.recv().await {
            Ok(result) => {
                if !send(&conn, &ServerMessage::Event { result }) {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "a slow client missed events");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
