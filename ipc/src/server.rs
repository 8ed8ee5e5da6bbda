//! The server side of every socket: admission (policy and limits), one small task per
//! connection on a tokio runtime, and events handed to the daemon.
//!
//! A daemon sees three [`Event`]s: `Connected` (with a [`Conn`] handle carrying the peer and its
//! access), `Frame` and `Closed`. The connection lives while the daemon holds a handle to it:
//! dropping every handle closes it once the queued frames are written; [`Conn::drop_now`] closes
//! it at once. On `Closed` (the client went away or shut down its side) the daemon must drop its
//! handles: replies it queued before are still written, then the connection's slot is freed.
//! Sending never blocks: each connection has a bounded outgoing queue and a client that lets it
//! fill up is dropped.
//!
//! Daemons built on threads use [`spawn`] (one dedicated thread, current-thread runtime);
//! daemons already on tokio call [`run`].

use std::collections::HashMap;
use std::fmt;
use std::os::unix::net::UnixListener as StdListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, Notify};

use crate::frame::{encode, FrameBuffer, DEFAULT_MAX_FRAME};
use crate::peer::Peer;
use crate::policy::{Access, AccessTable, Policy};
use crate::ratelimit::RateLimit;

/// A server's limits and access table.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Name used in log lines (e.g. `cib.sock`).
    pub name: String,
    /// Who may do what.
    pub access: AccessTable,
    /// Largest accepted request frame.
    pub max_frame: usize,
    /// Connections open at once, all peers together.
    pub max_connections: usize,
    /// Connections open at once per uid (root excepted: it is bounded by the total).
    pub max_per_uid: usize,
    /// How long a frame may take to arrive once its first byte has.
    pub frame_timeout: Duration,
    /// A connection sending nothing this long is closed (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// Frames queued towards one client before it counts as stuck and is dropped.
    pub queue: usize,
    /// How long writing one frame to a client may take.
    pub write_timeout: Duration,
    /// How long a connection whose client has shut down its side stays open for the replies
    /// the daemon still owes it (a client that closed fully cannot be told apart).
    pub linger: Duration,
    /// Where refusals are logged (warning level); the default is `tracing::warn!`.
    pub warn: fn(&str),
}

fn tracing_warn(line: &str) {
    tracing::warn!("{line}");
}

impl ServerConfig {
    /// Defaults: 16 MiB frames, 256 connections (64 per uid), 5 s for a half-sent frame, no
    /// idle limit, 1024 queued frames, 10 s per write.
    pub fn new(name: impl Into<String>, access: AccessTable) -> Self {
        ServerConfig {
            name: name.into(),
            access,
            max_frame: DEFAULT_MAX_FRAME,
            max_connections: 256,
            max_per_uid: 64,
            frame_timeout: Duration::from_secs(5),
            idle_timeout: None,
            queue: 1024,
            write_timeout: Duration::from_secs(10),
            linger: Duration::from_secs(60),
            warn: tracing_warn,
        }
    }
}

/// What the server tells the daemon.
#[derive(Debug)]
pub enum Event {
    /// A client was admitted.
    Connected(Conn),
    /// A whole frame from client `id`.
    Frame {
        /// The connection.
        id: u64,
        /// The frame's payload.
        payload: Vec<u8>,
    },
    /// Client `id` is gone (closed, timed out, dropped).
    Closed {
        /// The connection.
        id: u64,
    },
}

/// A handle on one admitted connection.
#[derive(Clone)]
pub struct Conn {
    inner: Arc<ConnInner>,
}

struct ConnInner {
    id: u64,
    peer: Peer,
    access: Access,
    out: mpsc::Sender<Vec<u8>>,
    kill: Arc<Notify>,
    shared: Arc<Shared>,
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn")
            .field("id", &self.inner.id)
            .field("peer", &self.inner.peer)
            .field("access", &self.inner.access)
            .finish()
    }
}

impl Conn {
    /// The connection's id (as in [`Event::Frame`] and [`Event::Closed`]).
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The peer's credentials.
    pub fn peer(&self) -> &Peer {
        &self.inner.peer
    }

    /// What the peer may do.
    pub fn access(&self) -> Access {
        self.inner.access
    }

    /// Queues one frame without blocking. False when the client is gone, or too slow (its queue
    /// is full: it is then dropped), or the payload is larger than any frame may be.
    pub fn send(&self, payload: &[u8]) -> bool {
        let Ok(bytes) = encode(payload) else {
            return false;
        };
        match self.inner.out.try_send(bytes) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.refuse("output: queue full, slow client dropped");
                self.drop_now();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Closes the connection now, dropping anything still queued.
    pub fn drop_now(&self) {
        self.inner.kill.notify_one();
    }

    /// Logs (rate-limited) that a request of this peer was refused.
    pub fn refuse(&self, what: &str) {
        let p = &self.inner.peer;
        self.inner.shared.warn(&format!(
            "{}: refused {what} (uid {} pid {})",
            self.inner.shared.cfg.name, p.uid, p.pid
        ));
    }
}

struct Shared {
    cfg: ServerConfig,
    counts: Mutex<Counts>,
    refusals: Mutex<RateLimit>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_uid: HashMap<u32, usize>,
}

impl Shared {
    fn warn(&self, line: &str) {
        let mut r = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        r.warn(Instant::now(), self.cfg.warn, line);
    }

    /// Reserves a connection slot, or says which limit is reached.
    fn take_slot(self: &Arc<Self>, uid: u32) -> Result<Slot, String> {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if c.total >= self.cfg.max_connections {
            return Err(format!(
                "connection limit of {} reached",
                self.cfg.max_connections
            ));
        }
        let mine = c.per_uid.get(&uid).copied().unwrap_or(0);
        if uid != 0 && mine >= self.cfg.max_per_uid {
            return Err(format!(
                "per-uid connection limit of {} reached",
                self.cfg.max_per_uid
            ));
        }
        c.total += 1;
        *c.per_uid.entry(uid).or_default() += 1;
        Ok(Slot {
            shared: Arc::clone(self),
            uid,
        })
    }
}

/// A held connection slot, given back on drop.
struct Slot {
    shared: Arc<Shared>,
    uid: u32,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.shared.counts.lock().unwrap_or_else(|e| e.into_inner());
        c.total -= 1;
        if let Some(n) = c.per_uid.get_mut(&self.uid) {
            *n -= 1;
            if *n == 0 {
                c.per_uid.remove(&self.uid);
            }
        }
    }
}

/// Serves `listener` on a dedicated thread with its own current-thread runtime; `sink` runs on
/// that thread and gets every event (returning false stops the server).
pub fn spawn(
    listener: StdListener,
    policy: Policy,
    cfg: ServerConfig,
    sink: impl FnMut(Event) -> bool + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(format!("ipc {}", cfg.name))
        .spawn(move || {
            rt.block_on(async move {
                match UnixListener::from_std(listener) {
                    Ok(l) => run(l, policy, cfg, sink).await,
                    Err(e) => (cfg.warn)(&format!("{}: cannot serve: {e}", cfg.name)),
                }
            })
        })
}

const MIN_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `listener` on the current tokio runtime until `sink` returns false.
pub async fn run(
    listener: UnixListener,
    policy: Policy,
    cfg: ServerConfig,
    mut sink: impl FnMut(Event) -> bool + Send + 'static,
) {
    let shared = Arc::new(Shared {
        cfg,
        counts: Mutex::default(),
        refusals: Mutex::new(RateLimit::new(20, Duration::from_secs(10))),
    });
    let (events, mut inbox) = mpsc::unbounded_channel::<Event>();
    let accept = tokio::spawn(accept_loop(listener, policy, shared, events));
    while let Some(ev) = inbox.recv().await {
        if !sink(ev) {
            break;
        }
    }
    accept.abort();
}

async fn accept_loop(
    listener: UnixListener,
    policy: Policy,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<Event>,
) {
    let next_id = AtomicU64::new(1);
    let mut backoff = MIN_BACKOFF;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                backoff = MIN_BACKOFF;
                admit(stream, &policy, &shared, &events, &next_id);
            }
            Err(e) => {
                // EMFILE and friends: wait instead of spinning; the wait grows while it lasts.
                shared.warn(&format!(
                    "{}: accept failed: {e}; retrying in {backoff:?}",
                    shared.cfg.name
                ));
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn admit(
    stream: UnixStream,
    policy: &Policy,
    shared: &Arc<Shared>,
    events: &mpsc::UnboundedSender<Event>,
    next_id: &AtomicU64,
) {
    let name = &shared.cfg.name;
    let peer = match Peer::of(&stream) {
        Ok(p) => p,
        Err(e) => {
            shared.warn(&format!("{name}: refused a client: no credentials: {e}"));
            return;
        }
    };
    let refuse = |why: &str| {
        shared.warn(&format!(
            "{name}: refused client uid {} gid {} pid {}: {why}",
            peer.uid, peer.gid, peer.pid
        ))
    };
    let access = shared.cfg.access.access(policy.classify(&peer));
    if access == Access::Denied {
        refuse("not root, the cluster user or a member of the client group");
        return;
    }
    let slot = match shared.take_slot(peer.uid) {
        Ok(s) => s,
        Err(why) => {
            refuse(&why);
            return;
        }
    };
    let id = next_id.fetch_add(1, Ordering::Relaxed);
    let (out, outbox) = mpsc::channel(shared.cfg.queue.max(1));
    let kill = Arc::new(Notify::new());
    let conn = Conn {
        inner: Arc::new(ConnInner {
            id,
            peer,
            access,
            out,
            kill: Arc::clone(&kill),
            shared: Arc::clone(shared),
        }),
    };
    if events.send(Event::Connected(conn)).is_err() {
        return;
    }
    tokio::spawn(connection(stream, id, outbox, kill, slot, events.clone()));
}

/// Reads frames from and writes queued frames to one client until either side ends it.
async fn connection(
    mut stream: UnixStream,
    id: u64,
    mut outbox: mpsc::Receiver<Vec<u8>>,
    kill: Arc<Notify>,
    slot: Slot,
    events: mpsc::UnboundedSender<Event>,
) {
    let shared = Arc::clone(&slot.shared);
    let cfg = &shared.cfg;
    let (reader, mut writer) = stream.split();
    let mut frames = FrameBuffer::new(cfg.max_frame);
    let mut frame_started: Option<Instant> = None;
    let mut last_input = Instant::now();
    // False once the client has shut down its side: what the daemon queues is still written,
    // until the linger deadline.
    let mut reading = true;
    let mut linger_deadline: Option<Instant> = None;
    let ended: Option<String> = 'conn: loop {
        let frame_deadline = frame_started
            .map(|t| t + cfg.frame_timeout)
            .or(linger_deadline);
        let idle_deadline = cfg.idle_timeout.filter(|_| reading).map(|d| last_input + d);
        tokio::select! {
            ready = reader.readable(), if reading => {
                if ready.is_err() {
                    break None;
                }
                let mut chunk = [0u8; 4096];
                match reader.try_read(&mut chunk) {
                    Ok(0) if frames.is_partial() => break Some("closed in the middle of a frame".into()),
                    Ok(0) => {
                        // Tell the daemon (after the frames already sent); it drops its handle,
                        // which ends this task once the replies are written.
                        reading = false;
                        linger_deadline = Some(Instant::now() + cfg.linger);
                        if events.send(Event::Closed { id }).is_err() {
                            return;
                        }
                    }
                    Ok(n) => {
                        let now = Instant::now();
                        last_input = now;
                        frames.push(&chunk[..n]);
                        let mut completed = false;
                        loop {
                            match frames.next_frame() {
                                Ok(Some(payload)) => {
                                    completed = true;
                                    if events.send(Event::Frame { id, payload }).is_err() {
                                        break 'conn None;
                                    }
                                }
                                Ok(None) => break,
                                Err(e) => break 'conn Some(e.to_string()),
                            }
                        }
                        frame_started = match (frames.is_partial(), completed) {
                            (false, _) => None,
                            (true, true) => Some(now),
                            (true, false) => frame_started.or(Some(now)),
                        };
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => break None,
                }
            }
            out = outbox.recv() => match out {
                Some(bytes) => {
                    let write = tokio::time::timeout(cfg.write_timeout, writer.write_all(&bytes));
                    tokio::select! {
                        written = write => match written {
                            Ok(Ok(())) => {}
                            Ok(Err(_)) => break None,
                            Err(_) => break Some(format!("write timed out after {:?}", cfg.write_timeout)),
                        },
                        // A stuck client is dropped even in the middle of a write.
                        () = kill.notified() => break None,
                    }
                }
                // The daemon dropped the connection; everything it queued is written.
                None => break None,
            },
            () = kill.notified() => break None,
            () = sleep_until(frame_deadline) => {
                if !reading {
                    break None;
                }
                break Some(format!("half-sent frame not completed within {:?}", cfg.frame_timeout));
            }
            () = sleep_until(idle_deadline) => break Some("idle limit reached".to_string()),
        }
    };
    if let Some(why) = ended {
        shared.warn(&format!("{}: dropped client {id}: {why}", cfg.name));
    }
    if reading {
        let _ = events.send(Event::Closed { id });
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
