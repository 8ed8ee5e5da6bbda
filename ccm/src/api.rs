//! The local ccm client API: a Unix stream socket on which clients (crmd, `ccm --query`) receive
//! membership views.
//!
//! # Socket and frames
//!
//! The socket is [`default_socket_path`]: `$CCM_SOCKET`, else `$HA_RUNDIR/ccm.sock`, else
//! `/var/run/heartbeat/ccm.sock`. Frames are those of the heartbeat API ([`messaging::frame`]):
//! a 4-byte big-endian length, then a message in classic text form (`>>>`, `name=value`, `<<<`).
//!
//! | Direction | `ccmapi=` | Other fields |
//! |---|---|---|
//! | client → ccm | `query` | none: ccm answers with the current view and closes |
//! | client → ccm | `subscribe` | none: ccm sends the current view (if any), then every new one |
//! | ccm → client | `view` | `ev=NEW_MEMBERSHIP` (quorum) or `INVALID` (no quorum), `inst`, `ldr`, `q=1\|0`, `n`, `members` (names, space-separated, sorted), `born` (instances, same order), `in` and `out` (names that joined / left since this node's previous view) |
//! | ccm → client | `noview` | none: no view agreed yet (answer to `query` only) |
//!
//! Numbers are decimal here (this is a local API, not the cluster wire).

use std::collections::HashMap;
use std::io;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipc::{AccessTable, Conn, Policy, ServerConfig, SocketSpec};

use messaging::frame::{read_frame, write_frame};
use messaging::wire::Message;
use thiserror::Error;

use crate::view::View;

/// The ccm socket path: `$CCM_SOCKET`, else `$HA_RUNDIR/ccm.sock`, else `/var/run/heartbeat/ccm.sock`.
pub fn default_socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CCM_SOCKET") {
        return PathBuf::from(p);
    }
    let rundir = std::env::var_os("HA_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(messaging::client::DEFAULT_RUNDIR));
    rundir.join("ccm.sock")
}

/// Failures of the ccm client API.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The socket could not be reached or broke.
    #[error("ccm socket: {0}")]
    Io(#[from] io::Error),
    /// ccm closed the connection.
    #[error("ccm closed the connection")]
    Closed,
    /// A frame that is not a view.
    #[error("protocol error: {0}")]
    Protocol(String),
}

/// Result type of the ccm client API.
pub type Result<T> = std::result::Result<T, ApiError>;

/// Heartbeat's membership event kinds (`oc_ed_t`) that ccm reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `OC_EV_MS_NEW_MEMBERSHIP`: a membership with quorum.
    NewMembership,
    /// `OC_EV_MS_INVALID`: a membership without quorum.
    Invalid,
}

impl EventKind {
    /// The name used on the socket.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::NewMembership => "NEW_MEMBERSHIP",
            EventKind::Invalid => "INVALID",
        }
    }
}

/// One membership view as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewEvent {
    /// New membership with or without quorum.
    pub event: EventKind,
    /// View instance.
    pub instance: u64,
    /// The node that committed the view.
    pub leader: String,
    /// Quorum flag.
    pub quorum: bool,
    /// Members as `(name, born instance)`, sorted by name.
    pub members: Vec<(String, u64)>,
    /// Members that were not in this node's previous view.
    pub joined: Vec<String>,
    /// Nodes of the previous view that are not members any more.
    pub left: Vec<String>,
}

impl ViewEvent {
    /// The event for `view`, with joins and leaves relative to `previous`.
    pub fn new(view: &View, previous: Option<&View>) -> Self {
        let was = |n: &str| previous.is_some_and(|p| p.contains(n));
        ViewEvent {
            event: if view.quorum {
                EventKind::NewMembership
            } else {
                EventKind::Invalid
            },
            instance: view.instance,
            leader: view.leader.clone(),
            quorum: view.quorum,
            members: view
                .members
                .iter()
                .map(|m| (m.name.clone(), m.born))
                .collect(),
            joined: view
                .names()
                .into_iter()
                .filter(|n| !was(n))
                .map(str::to_string)
                .collect(),
            left: previous
                .map(|p| {
                    p.names()
                        .into_iter()
                        .filter(|n| !view.contains(n))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The `ccmapi=view` frame.
    pub fn encode(&self) -> Message {
        let mut m = Message::new();
        let list = |v: &[String]| v.join(" ");
        let names: Vec<String> = self.members.iter().map(|(n, _)| n.clone()).collect();
        let born: Vec<String> = self.members.iter().map(|(_, b)| b.to_string()).collect();
        m.set("ccmapi", "view")
            .set("ev", self.event.as_str())
            .set("inst", self.instance.to_string())
            .set("ldr", self.leader.clone())
            .set("q", if self.quorum { "1" } else { "0" })
            .set("n", self.members.len().to_string())
            .set("members", list(&names))
            .set("born", list(&born))
            .set("in", list(&self.joined))
            .set("out", list(&self.left));
        m
    }

    /// Reads a `ccmapi=view` frame.
    pub fn decode(m: &Message) -> Result<Self> {
        let bad = |f: &str| ApiError::Protocol(format!("bad field {f} in {m:?}"));
        if m.get("ccmapi") != Some("view") {
            return Err(ApiError::Protocol(format!("not a view: {m:?}")));
        }
        let words = |f: &str| -> Vec<String> {
            m.get(f)
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect()
        };
        let num = |f: &str| {
            m.get(f)
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| bad(f))
        };
        let names = words("members");
        let born: Vec<u64> = words("born")
            .iter()
            .map(|b| b.parse().map_err(|_| bad("born")))
            .collect::<Result<_>>()?;
        if born.len() != names.len() {
            return Err(bad("born"));
        }
        Ok(ViewEvent {
            event: match m.get("ev") {
                Some("NEW_MEMBERSHIP") => EventKind::NewMembership,
                Some("INVALID") => EventKind::Invalid,
                _ => return Err(bad("ev")),
            },
            instance: num("inst")?,
            leader: m.get("ldr").unwrap_or_default().to_string(),
            quorum: m.get("q") == Some("1"),
            members: names.into_iter().zip(born).collect(),
            joined: words("in"),
            left: words("out"),
        })
    }

    /// `cl_status hbstatus -v`-style text: quorum line, instance, member count, one line per member.
    pub fn render(&self) -> String {
        let mut s = format!(
            "ccm membership {} quorum\ninstance {}\nmembers {}\n",
            if self.quorum { "with" } else { "without" },
            self.instance,
            self.members.len()
        );
        for (i, (name, born)) in self.members.iter().enumerate() {
            s.push_str(&format!("{i} {name} (born: {born})\n"));
        }
        s
    }
}

/// A connection to the local ccm.
#[derive(Debug)]
pub struct CcmClient {
    stream: UnixStream,
}

impl CcmClient {
    /// Subscribes at `socket`: [`CcmClient::next_view`] then yields the current and every new view.
    pub fn subscribe(socket: &Path) -> Result<Self> {
        let mut stream = ipc::connect(socket)?;
        let mut req = Message::new();
        req.set("ccmapi", "subscribe");
        write_frame(&mut stream, &req)?;
        Ok(CcmClient { stream })
    }

    /// Asks ccm at `socket` for its current view (`None`: none agreed yet).
    pub fn query(socket: &Path) -> Result<Option<ViewEvent>> {
        let mut stream = ipc::connect(socket)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut req = Message::new();
        req.set("ccmapi", "query");
        write_frame(&mut stream, &req)?;
        let reply = read_frame(&mut stream)?.ok_or(ApiError::Closed)?;
        match reply.get("ccmapi") {
            Some("noview") => Ok(None),
            _ => ViewEvent::decode(&reply).map(Some),
        }
    }

    /// Waits for the next view; `timeout` bounds the wait (`Ok(None)` when it passes).
    pub fn next_view(&mut self, timeout: Option<Duration>) -> Result<Option<ViewEvent>> {
        self.stream.set_read_timeout(timeout)?;
        match read_frame(&mut self.stream) {
            Ok(Some(m)) => ViewEvent::decode(&m).map(Some),
            Ok(None) => Err(ApiError::Closed),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// A client's request (the request decoder of `ccm.sock`). Both only read, so members of the
/// client group may make them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// The current view, then close.
    Query,
    /// The current view and every new one.
    Subscribe,
}

impl Request {
    /// Decodes a request frame's payload.
    pub fn decode(payload: &[u8]) -> Result<Request> {
        let m = messaging::frame::decode(payload)?;
        match m.get("ccmapi") {
            Some("query") => Ok(Request::Query),
            Some("subscribe") => Ok(Request::Subscribe),
            other => Err(ApiError::Protocol(format!(
                "unknown request ccmapi={other:?}"
            ))),
        }
    }
}

/// The server side: clients are served by the IPC layer's own thread, off the membership loop;
/// the loop only [`Server::publish`]es, which never blocks (a client that does not keep up is
/// dropped by its bounded queue).
#[derive(Debug, Clone)]
pub struct Server {
    state: Arc<Mutex<Served>>,
}

#[derive(Debug, Default)]
struct Served {
    current: Option<ViewEvent>,
    /// Connected, request not seen yet.
    waiting: HashMap<u64, Conn>,
    subscribers: HashMap<u64, Conn>,
}

impl Served {
    fn answer(&self) -> Vec<u8> {
        let m = match &self.current {
            Some(v) => v.encode(),
            None => {
                let mut m = Message::new();
                m.set("ccmapi", "noview");
                m
            }
        };
        m.encode().into_bytes()
    }

    fn on_event(&mut self, ev: ipc::Event) {
        match ev {
            ipc::Event::Connected(conn) => {
                self.waiting.insert(conn.id(), conn);
            }
            ipc::Event::Frame { id, payload } => {
                let Some(conn) = self.waiting.remove(&id) else {
                    // Subscribers have nothing more to say; a second frame ends the connection.
                    self.subscribers.remove(&id);
                    return;
                };
                match Request::decode(&payload) {
                    Ok(Request::Query) => {
                        conn.send(&self.answer());
                    }
                    Ok(Request::Subscribe) => {
                        if self.current.is_none() || conn.send(&self.answer()) {
                            self.subscribers.insert(id, conn);
                        }
                    }
                    Err(e) => conn.refuse(&format!("request: {e}")),
                }
            }
            ipc::Event::Closed { id } => {
                self.waiting.remove(&id);
                self.subscribers.remove(&id);
            }
        }
    }
}

impl Server {
    /// Binds `path` (mode 0660, group `haclient`; a stale socket is replaced) and starts serving.
    pub fn bind(path: &Path) -> io::Result<Self> {
        let policy = Policy::from_env();
        let listener = ipc::bind(path, &SocketSpec::new(0o660, policy.client_gid))
            .map_err(|e| io::Error::other(e.to_string()))?;
        let server = Server {
            state: Arc::default(),
        };
        let mut cfg = ServerConfig::new("ccm.sock", AccessTable::CLIENTS_READ);
        cfg.warn = |line| tracing::warn!("{line}");
        // A client must say what it wants promptly; subscribers then only listen.
        cfg.frame_timeout = Duration::from_secs(5);
        let state = Arc::clone(&server.state);
        ipc::server::spawn(listener, policy, cfg, move |ev| {
            lock(&state).on_event(ev);
            true
        })?;
        Ok(server)
    }

    /// Makes `view` current and sends it to every subscriber.
    pub fn publish(&self, view: &ViewEvent) {
        let mut s = lock(&self.state);
        let frame = view.encode().encode().into_bytes();
        s.subscribers.retain(|_, c| c.send(&frame));
        s.current = Some(view.clone());
    }

    /// Number of subscribers.
    pub fn subscribers(&self) -> usize {
        lock(&self.state).subscribers.len()
    }
}

fn lock(state: &Mutex<Served>) -> std::sync::MutexGuard<'_, Served> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Member;

    fn view(instance: u64, names: &[&str], quorum: bool) -> View {
        View {
            instance,
            leader: names[0].to_string(),
            quorum,
            members: names
                .iter()
                .map(|n| Member {
                    name: n.to_string(),
                    incarnation: 1,
                    born: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn view_event_lists_joins_and_leaves_and_survives_a_frame() {
        let old = view(3, &["a", "b"], true);
        let new = view(4, &["a", "c"], false);
        let ev = ViewEvent::new(&new, Some(&old));
        assert_eq!(ev.joined, ["c"]);
        assert_eq!(ev.left, ["b"]);
        assert_eq!(ev.event, EventKind::Invalid);
        let bytes = ev.encode().encode();
        let back = ViewEvent::decode(&Message::decode(bytes.as_bytes()).unwrap()).unwrap();
        assert_eq!(back, ev);
        assert_eq!(
            back.render(),
            "ccm membership without quorum\ninstance 4\nmembers 2\n0 a (born: 1)\n1 c (born: 1)\n"
        );
    }

    #[test]
    fn server_answers_queries_and_feeds_subscribers_over_a_real_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ccm.sock");
        let server = Server::bind(&path).unwrap();
        assert_eq!(CcmClient::query(&path).unwrap(), None);
        let v1 = ViewEvent::new(&view(1, &["a"], true), None);
        server.publish(&v1);
        let mut sub = CcmClient::subscribe(&path).unwrap();
        let first = sub.next_view(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(first, Some(v1));
        let v2 = ViewEvent::new(&view(2, &["a", "b"], true), None);
        server.publish(&v2);
        let second = sub.next_view(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(second, Some(v2.clone()));
        assert_eq!(CcmClient::query(&path).unwrap(), Some(v2));
        assert_eq!(server.subscribers(), 1);
    }

    #[test]
    fn requests_decode_and_garbage_is_an_error() {
        let mut m = Message::new();
        m.set("ccmapi", "subscribe");
        assert_eq!(
            Request::decode(m.encode().as_bytes()).unwrap(),
            Request::Subscribe
        );
        m.set("ccmapi", "drop-table");
        assert!(Request::decode(m.encode().as_bytes()).is_err());
        assert!(Request::decode(b"\xff\x00").is_err());
    }
}
