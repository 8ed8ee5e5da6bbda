//! The lrmd side of the socket: accepts local clients, checks their credentials, and serves
//! requests from an [`Executor`]. Frame format: see [`crate::wire`].

use std::path::Path;

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc};

use crate::error::{Error, Result};
use crate::executor::Executor;
use crate::wire::{self, Reply, Request, RequestBody, ServerMessage};

/// Binds the socket (replacing a stale one) with mode 0600: only root and the daemon's user.
pub fn bind(path: &Path) -> Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            context: format!("creating {}", dir.display()),
            source,
        })?;
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        return Err(Error::Io {
            context: format!("binding {}", path.display()),
            source: std::io::Error::new(std::io::ErrorKind::AddrInUse, "another lrmd is listening"),
        });
    }
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path).map_err(|source| Error::Io {
        context: format!("binding {}", path.display()),
        source,
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|source| {
        Error::Io {
            context: format!("chmod {}", path.display()),
            source,
        }
    })?;
    Ok(listener)
}

/// Serves clients until the listener fails.
pub async fn serve(executor: Executor, listener: UnixListener) -> Result<()> {
    let own_uid = nix::unistd::geteuid().as_raw();
    loop {
        let (stream, _) = listener.accept().await.map_err(|source| Error::Io {
            context: "accepting a client".into(),
            source,
        })?;
        let allowed = stream
            .peer_cred()
            .is_ok_and(|c| c.uid() == 0 || c.uid() == own_uid);
        if !allowed {
            tracing::warn!("refused a client with foreign credentials");
            continue;
        }
        tokio::spawn(serve_client(executor.clone(), stream));
    }
}

async fn serve_client(executor: Executor, stream: UnixStream) {
    let (mut reader, mut writer) = stream.into_split();
    let (out, mut outbox) = mpsc::unbounded_channel::<ServerMessage>();
    let writer_task = tokio::spawn(async move {
        while let Some(msg) = outbox.recv().await {
            if wire::write_frame(&mut writer, &msg).await.is_err() {
                break;
            }
        }
    });
    let mut subscription: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        let request: Request = match wire::read_frame(&mut reader).await {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "dropping client after a bad frame");
                break;
            }
        };
        if request.body == RequestBody::Subscribe && subscription.is_none() {
            subscription = Some(tokio::spawn(forward_events(
                executor.subscribe(),
                out.clone(),
            )));
        }
        let reply = answer(&executor, request.body);
        if out
            .send(ServerMessage::Reply {
                id: request.id,
                reply,
            })
            .is_err()
        {
            break;
        }
    }
    if let Some(task) = subscription {
        task.abort();
    }
    drop(out);
    let _ = writer_task.await;
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

async fn forward_events(
    mut events: broadcast::Receiver<crate::op::OpResult>,
    out: mpsc::UnboundedSender<ServerMessage>,
) {
    loop {
        match events.recv().await {
            Ok(result) => {
                if out.send(ServerMessage::Event { result }).is_err() {
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
