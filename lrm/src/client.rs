//! The client library for lrmd's socket (frame format in [`crate::wire`]).
//!
//! One connection carries concurrent requests: a background task reads frames, hands each
//! reply to the request waiting for its id, and fans events out to subscribers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::{broadcast, oneshot};

use crate::error::{Error, Result};
use crate::history::ResourceHistory;
use crate::op::{Action, OpRequest, OpResult, ResourceSpec};
use crate::wire::{self, Reply, Request, RequestBody, ServerMessage};

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Reply>>>>;

/// A connection to lrmd.
pub struct Client {
    next_id: AtomicU64,
    writer: tokio::sync::Mutex<OwnedWriteHalf>,
    pending: Pending,
    events: broadcast::Sender<OpResult>,
    subscribed: AtomicBool,
    reader: tokio::task::JoinHandle<()>,
    /// Becomes true when the daemon's side of the connection is gone.
    closed: tokio::sync::watch::Receiver<bool>,
}

impl Client {
    /// Connects to the daemon's socket.
    pub async fn connect(path: &Path) -> Result<Client> {
        let stream = ipc::connect_async(path).await.map_err(|source| Error::Io {
            context: format!("connecting to {}", path.display()),
            source,
        })?;
        let (mut reader, writer) = stream.into_split();
        let pending: Pending = Arc::default();
        let (events, _) = broadcast::channel(4096);
        let (closed_tx, closed) = tokio::sync::watch::channel(false);
        let reader = {
            let pending = Arc::clone(&pending);
            let events = events.clone();
            tokio::spawn(async move {
                while let Ok(Some(msg)) = wire::read_frame::<_, ServerMessage>(&mut reader).await {
                    match msg {
                        ServerMessage::Reply { id, reply } => {
                            let waiter = pending
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .remove(&id);
                            if let Some(waiter) = waiter {
                                let _ = waiter.send(reply);
                            }
                        }
                        ServerMessage::Event { result } => {
                            let _ = events.send(result);
                        }
                    }
                }
                // Disconnected: wake every waiter with an error.
                pending.lock().unwrap_or_else(|e| e.into_inner()).clear();
                let _ = closed_tx.send(true);
            })
        };
        Ok(Client {
            next_id: AtomicU64::new(1),
            writer: tokio::sync::Mutex::new(writer),
            pending,
            events,
            subscribed: AtomicBool::new(false),
            reader,
            closed,
        })
    }

    async fn request(&self, body: RequestBody) -> Result<Reply> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        wire::write_frame(&mut *self.writer.lock().await, &Request { id, body }).await?;
        match rx.await.map_err(|_| Error::Shutdown)? {
            Reply::Error { message } => Err(Error::Remote(message)),
            reply => Ok(reply),
        }
    }

    async fn expect_done(&self, body: RequestBody) -> Result<()> {
        match self.request(body).await? {
            Reply::Done => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// Registers (or updates) a resource.
    pub async fn register(&self, resource: ResourceSpec) -> Result<()> {
        self.expect_done(RequestBody::Register { resource }).await
    }

    /// Forgets a resource.
    pub async fn unregister(&self, rsc: &str) -> Result<()> {
        self.expect_done(RequestBody::Unregister {
            rsc: rsc.to_string(),
        })
        .await
    }

    /// Queues an operation; its results arrive through [`Client::subscribe`].
    pub async fn exec(&self, op: OpRequest) -> Result<u64> {
        match self.request(RequestBody::Exec { op }).await? {
            Reply::Call { call_id } => Ok(call_id),
            other => Err(unexpected(&other)),
        }
    }

    /// Runs a one-shot operation and waits for its result.
    pub async fn exec_wait(&self, mut op: OpRequest) -> Result<OpResult> {
        op.interval_ms = 0;
        let mut events = self.subscribe().await?;
        let call_id = self.exec(op).await?;
        loop {
            match events.recv().await {
                Ok(result) if result.call_id == call_id => return Ok(result),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Err(Error::Shutdown),
            }
        }
    }

    /// Stops a recurring operation.
    pub async fn cancel(&self, rsc: &str, action: Action, interval_ms: u64) -> Result<()> {
        self.expect_done(RequestBody::Cancel {
            rsc: rsc.to_string(),
            action,
            interval_ms,
        })
        .await
    }

    /// A resource's history.
    pub async fn history(&self, rsc: &str) -> Result<ResourceHistory> {
        match self
            .request(RequestBody::History {
                rsc: rsc.to_string(),
            })
            .await?
        {
            Reply::History { history } => Ok(*history),
            other => Err(unexpected(&other)),
        }
    }

    /// Registered resources.
    pub async fn list(&self) -> Result<Vec<ResourceSpec>> {
        match self.request(RequestBody::List).await? {
            Reply::Resources { resources } => Ok(resources),
            other => Err(unexpected(&other)),
        }
    }

    /// Resolves when the connection to the daemon is gone (lrmd exited or was restarted).
    pub async fn closed(&self) {
        let mut closed = self.closed.clone();
        let _ = closed.wait_for(|c| *c).await;
    }

    /// Operation results from now on (the daemon starts sending them on first use).
    pub async fn subscribe(&self) -> Result<broadcast::Receiver<OpResult>> {
        let receiver = self.events.subscribe();
        if !self.subscribed.swap(true, Ordering::SeqCst) {
            if let Err(e) = self.expect_done(RequestBody::Subscribe).await {
                self.subscribed.store(false, Ordering::SeqCst);
                return Err(e);
            }
        }
        Ok(receiver)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn unexpected(reply: &Reply) -> Error {
    Error::Protocol(format!("unexpected reply {reply:?}"))
}
