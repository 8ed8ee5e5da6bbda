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

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
        let mut stream = UnixStream::connect(socket)?;
        let mut req = Message::new();
        req.set("ccmapi", "subscribe");
        write_frame(&mut stream, &req)?;
        Ok(CcmClient { stream })
    }

    /// Asks ccm at `socket` for its current view (`None`: none agreed yet).
    pub fn query(socket: &Path) -> Result<Option<ViewEvent>> {
        let mut stream = UnixStream::connect(socket)?;
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

/// The server side: accepts clients and publishes views to subscribers.
#[derive(Debug)]
pub struct Server {
    listener: UnixListener,
    subscribers: Vec<UnixStream>,
}

impl Server {
    /// Binds `path` (replacing a stale socket).
    pub fn bind(path: &Path) -> io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path)?;
        // Views are not secret and crmd runs as hacluster: anyone local may read them.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777))?;
        listener.set_nonblocking(true)?;
        Ok(Server {
            listener,
            subscribers: Vec::new(),
        })
    }

    /// The listening socket (to poll for readability).
    pub fn listener(&self) -> &UnixListener {
        &self.listener
    }

    /// Accepts waiting clients and answers their request with `current`.
    pub fn accept(&mut self, current: Option<&ViewEvent>) {
        while let Ok((mut stream, _)) = self.listener.accept() {
            // The membership loop waits for this client: it gets 500 ms to say what it wants, and
            // a subscriber that stops reading for 500 ms is dropped.
            let limit = Some(Duration::from_millis(500));
            let setup = stream
                .set_nonblocking(false)
                .and_then(|()| stream.set_read_timeout(limit))
                .and_then(|()| stream.set_write_timeout(limit));
            if setup.is_err() {
                continue;
            }
            let Ok(Some(req)) = read_frame(&mut stream) else {
                continue;
            };
            let reply = match current {
                Some(v) => v.encode(),
                None => {
                    let mut m = Message::new();
                    m.set("ccmapi", "noview");
                    m
                }
            };
            match req.get("ccmapi") {
                Some("query") => {
                    let _ = write_frame(&mut stream, &reply);
                }
                Some("subscribe") => {
                    let ok = current.is_none() || write_frame(&mut stream, &reply).is_ok();
                    if ok {
                        self.subscribers.push(stream);
                    }
                }
                _ => {}
            }
        }
    }

    /// Sends `view` to every subscriber, dropping those that are gone or stuck.
    pub fn publish(&mut self, view: &ViewEvent) {
        let frame = view.encode();
        self.subscribers
            .retain_mut(|s| write_frame(s, &frame).is_ok());
    }

    /// Number of subscribers.
    pub fn subscribers(&self) -> usize {
        self.subscribers.len()
    }
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
        let mut server = Server::bind(&path).unwrap();
        let v1 = ViewEvent::new(&view(1, &["a"], true), None);
        let t = std::thread::spawn({
            let path = path.clone();
            move || {
                let mut sub = CcmClient::subscribe(&path).unwrap();
                let first = sub.next_view(Some(Duration::from_secs(5))).unwrap();
                let second = sub.next_view(Some(Duration::from_secs(5))).unwrap();
                (first, second, CcmClient::query(&path).unwrap())
            }
        });
        let v2 = ViewEvent::new(&view(2, &["a", "b"], true), None);
        let mut current = Some(v1.clone());
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut published = false;
        while !t.is_finished() && std::time::Instant::now() < deadline {
            server.accept(current.as_ref());
            if server.subscribers() == 1 && !published {
                server.publish(&v2);
                current = Some(v2.clone());
                published = true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let (first, second, queried) = t.join().unwrap();
        assert_eq!(first, Some(v1));
        assert_eq!(second, Some(v2.clone()));
        assert_eq!(queried, Some(v2));
    }
}
