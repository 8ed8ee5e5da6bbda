//! The CIB client socket (`cib.sock`): a listener thread, and per connection a reader and a
//! writer thread. Requests become [`Input::Client`]s numbered by connection; the core's
//! answers reach the connection's writer through [`Connections`]. Kept apart from the rest of
//! the runtime so it can move onto the project's IPC layer as one piece.

use std::collections::HashMap;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::core::{ConnId, Input};
use crate::proto::{self, Request, Response};

/// The open connections' writers.
#[derive(Clone, Default)]
pub struct Connections {
    writers: Arc<Mutex<HashMap<ConnId, Sender<Response>>>>,
    next: Arc<AtomicU64>,
}

impl Connections {
    /// Sends an answer or event to a connection (dropped if it is gone).
    pub fn reply(&self, conn: ConnId, resp: Response) {
        let writers = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = writers.get(&conn) {
            let _ = w.send(resp);
        }
    }

    fn open(&self, writer: Sender<Response>) -> ConnId {
        // Connection 0 means "nobody" to the core.
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.writers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, writer);
        id
    }

    fn close(&self, conn: ConnId) {
        self.writers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&conn);
    }
}

/// Binds the socket and serves it.
pub fn spawn(socket: &Path, inputs: UnboundedSender<Input>) -> std::io::Result<Connections> {
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket)?;
    let conns = Connections::default();
    let server = conns.clone();
    std::thread::Builder::new()
        .name("cib.sock".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let inputs = inputs.clone();
                let conns = server.clone();
                std::thread::spawn(move || serve_client(stream, inputs, conns));
            }
        })?;
    Ok(conns)
}

fn serve_client(stream: UnixStream, inputs: UnboundedSender<Input>, conns: Connections) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let (out_tx, out_rx) = mpsc::channel::<Response>();
    let conn = conns.open(out_tx.clone());
    std::thread::spawn(move || {
        for resp in out_rx {
            if proto::write_frame(&mut writer, &resp).is_err() {
                break;
            }
        }
    });
    let mut reader = stream;
    loop {
        match proto::read_frame::<_, Request>(&mut reader) {
            Ok(Some(req)) => {
                if inputs.send(Input::Client { conn, req }).is_err() {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                // Garbage: say why, then drop the connection; the daemon is unaffected.
                tracing::warn!("CIB client sent an invalid frame: {e}");
                let _ = out_tx.send(Response::fail(0, 76, format!("invalid request: {e}")));
                break;
            }
        }
    }
    conns.close(conn);
    let _ = inputs.send(Input::ClientGone(conn));
}
