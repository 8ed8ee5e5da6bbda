//! The daemon's helper threads. Each turns one blocking source into [`Input`]s on the main
//! loop's channel, so all state lives in one thread and needs no locks.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use ccm::api::{CcmClient, ViewEvent};
use graph::GraphAction;
use lrm::op::OpResult;
use tengine::record::OpSummary;

use crate::proto::{self, Request, RequestBody, Response};

/// Something for the main loop.
pub enum Input {
    /// ccm reported a membership view.
    View(ViewEvent),
    /// A local client asked something; answer on `reply`.
    Client {
        /// The request.
        req: Request,
        /// Where the answer goes.
        reply: ReplyTo,
    },
    /// A local client wants change events on `events`.
    Subscribe(ReplyTo),
    /// An action we ran on the local lrmd finished.
    LrmDone {
        /// Transition id.
        tid: u64,
        /// The action.
        action: Box<GraphAction>,
        /// Its result, or why it could not run.
        result: Result<OpSummary, String>,
    },
    /// lrmd reported an operation result (recurring monitors among them).
    LrmEvent(Box<OpResult>),
    /// A fencing request to stonithd ended.
    FenceDone {
        /// Transition id.
        tid: u64,
        /// The stonith action's id.
        aid: u32,
        /// The node.
        target: String,
        /// `Err(why)` when it failed.
        result: Result<Vec<String>, String>,
    },
}

/// Asks the local stonithd to fence `target`, in a thread; the answer comes back as
/// [`Input::FenceDone`].
pub fn spawn_fence(
    tx: Sender<Input>,
    tid: u64,
    aid: u32,
    target: String,
    action: String,
    origin: String,
    delay_ms: u64,
) {
    std::thread::spawn(move || {
        let req = stonithd::proto::Request::Fence {
            target: target.clone(),
            action,
            client: "crmd".into(),
            no_device_delay: target == origin,
            origin,
            delay_ms,
        };
        // Generous: stonithd applies each device's own timeout, delays and retries.
        let result = match stonithd::proto::call(
            &stonithd::proto::socket_path(),
            &req,
            Duration::from_secs(600),
        ) {
            Ok(r) if r.rc == 0 => Ok(r.devices),
            Ok(r) => Err(r.error.unwrap_or_else(|| format!("stonithd rc {}", r.rc))),
            Err(e) => Err(format!("cannot reach stonithd: {e}")),
        };
        let _ = tx.send(Input::FenceDone {
            tid,
            aid,
            target,
            result,
        });
    });
}

/// Follows ccm's views, reconnecting when ccm restarts.
pub fn spawn_ccm(socket: PathBuf, tx: Sender<Input>) {
    std::thread::spawn(move || loop {
        match CcmClient::subscribe(&socket) {
            Ok(mut client) => loop {
                match client.next_view(None) {
                    Ok(Some(view)) => {
                        if tx.send(Input::View(view)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!("ccm connection lost: {e}");
                        break;
                    }
                }
            },
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    });
}

/// Where the answer to a client request (or a subscriber's events) goes: the client's
/// connection. Sending never blocks; a client that does not read is dropped by the IPC layer.
#[derive(Debug, Clone)]
pub struct ReplyTo(Option<ipc::Conn>);

/// The client has gone.
#[derive(Debug)]
pub struct ClientGone;

impl ReplyTo {
    /// For the daemon's own requests: the answer goes nowhere.
    pub fn nowhere() -> ReplyTo {
        ReplyTo(None)
    }

    /// Queues `resp` to the client.
    pub fn send(&self, resp: Response) -> Result<(), ClientGone> {
        let conn = self.0.as_ref().ok_or(ClientGone)?;
        let bytes = ipc::json::encode(&resp).map_err(|_| ClientGone)?;
        if conn.send(&bytes) {
            Ok(())
        } else {
            Err(ClientGone)
        }
    }
}

/// Serves the CIB client socket (mode 0660, group `haclient`) on the IPC layer's own thread:
/// root, hacluster and haclient members may read and write (as Pacemaker with ACLs off),
/// others are refused at connect.
pub fn spawn_clients(socket: &Path, tx: Sender<Input>) -> anyhow::Result<()> {
    let policy = ipc::Policy::from_env();
    let listener = ipc::bind(socket, &ipc::SocketSpec::new(0o660, policy.client_gid))?;
    let cfg = ipc::ServerConfig::new("cib.sock", ipc::AccessTable::CLIENTS_WRITE);
    let mut conns: HashMap<u64, ipc::Conn> = HashMap::new();
    ipc::server::spawn(listener, policy, cfg, move |ev| {
        let (id, payload) = match ev {
            ipc::Event::Connected(conn) => {
                conns.insert(conn.id(), conn);
                return true;
            }
            ipc::Event::Closed { id } => {
                conns.remove(&id);
                return true;
            }
            ipc::Event::Frame { id, payload } => (id, payload),
        };
        let Some(conn) = conns.get(&id) else {
            return true;
        };
        let reply = ReplyTo(Some(conn.clone()));
        let input = match proto::decode_request(&payload) {
            Ok(req) if !conn.access().permits(req.body.need()) => {
                conn.refuse(&format!("CIB {:?}: read-only access", req.body));
                let _ = reply.send(Response::fail(req.id, 4, "permission denied"));
                return true;
            }
            Ok(req) if req.body == RequestBody::Subscribe => {
                let _ = reply.send(Response::ok(req.id));
                Input::Subscribe(reply)
            }
            Ok(req) => Input::Client { req, reply },
            Err(e) => {
                // Garbage: say why, then drop the connection; the daemon is unaffected.
                tracing::warn!("CIB client sent an invalid frame: {e}");
                let _ = reply.send(Response::fail(0, 76, format!("invalid request: {e}")));
                conns.remove(&id);
                return true;
            }
        };
        tx.send(input).is_ok()
    })?;
    Ok(())
}

/// A job for the lrm thread.
pub struct LrmJob {
    /// Transition id.
    pub tid: u64,
    /// The action.
    pub action: GraphAction,
}

/// Runs actions on the local lrmd in a tokio runtime; results come back as [`Input`]s.
pub fn spawn_lrm(socket: PathBuf, tx: Sender<Input>) -> tokio::sync::mpsc::UnboundedSender<LrmJob> {
    let (job_tx, mut job_rx) = tokio::sync::mpsc::unbounded_channel::<LrmJob>();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!("cannot start the lrm runtime: {e}");
                return;
            }
        };
        rt.block_on(async move {
            let client = loop {
                match lrm::client::Client::connect(&socket).await {
                    Ok(c) => break Arc::new(c),
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            };
            tracing::info!("connected to lrmd at {}", socket.display());
            if let Ok(mut events) = client.subscribe().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Ok(result) = events.recv().await {
                        if tx.send(Input::LrmEvent(Box::new(result))).is_err() {
                            return;
                        }
                    }
                });
            }
            while let Some(job) = job_rx.recv().await {
                let client = client.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let result = tengine::lrm_exec::execute_on_lrm(&client, &job.action)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Input::LrmDone {
                        tid: job.tid,
                        action: Box::new(job.action),
                        result,
                    });
                });
            }
        });
    });
    job_tx
}
