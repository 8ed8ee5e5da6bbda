//! The local client library: how ccm, crmd, cl_status and friends talk to the `heartbeat` daemon.
//!
//! # Example
//!
//! ```no_run
//! use messaging::client::{Client, Event};
//! use messaging::wire::Message;
//!
//! let mut hb = Client::connect_default("ccm")?;          // signs on as client "ccm"
//! println!("I am {}", hb.local_node());
//! let mut hello = Message::with_type("ccm_hello");       // `t` is the application's type
//! hello.set("text", "hi");
//! hb.send_to_all(&hello)?;                               // or hb.send_to_node("node2", &hello)
//! loop {
//!     match hb.recv()? {
//!         Event::Message(m) => println!("{} from {:?}", m.msg_type().unwrap_or("?"), m.get("src")),
//!         Event::Node(n) => println!("node {} is {}", n.node, n.status),
//!         Event::Link(l) => println!("link {} of {} is {}", l.link, l.node, l.status),
//!         Event::Client(c) => println!("client {} on {} {}", c.client, c.node, c.status),
//!     }
//! }
//! # Ok::<(), messaging::client::ClientError>(())
//! ```
//!
//! # Socket and frame format
//!
//! The daemon listens on a Unix stream socket, by default `/var/run/heartbeat/api.sock`
//! (see [`default_socket_path`]: `$HA_API_SOCKET`, else `$HA_RUNDIR/api.sock`). Each direction
//! carries frames: a 4-byte big-endian length, then a message in Heartbeat's classic text form
//! (`>>>\n`, `name=value\n` lines, `<<<\n`; see [`crate::wire`] and [`crate::frame`]).
//! The field `hbapi` says what a frame is:
//!
//! | Direction | `hbapi=` | Other fields |
//! |---|---|---|
//! | client → daemon | `signon` | `cn=<client name>` (first frame; the daemon checks `apiauth` against the peer's uid/gid from `SO_PEERCRED`) |
//! | daemon → client | `signon-ok` | `node=<local node>`, `hg=<generation, hex>` |
//! | daemon → client | `signon-fail` | `reason=<text>`; the daemon then closes the socket |
//! | client → daemon | `send` | the application message: `t=<type>` plus any fields; `dest=<node>` for one node, no `dest` for all nodes |
//! | daemon → client | `msg` | a cluster message as sent, plus `src`, `hg`, `seq`, `from_id`, `uid`, `gid`, `from_class` (the sending client, stamped by the daemon: [`crate::origin`]) |
//! | daemon → client | `event` | `ev=node node= st=init\|up\|active\|dead\|ping hg=`; `ev=link node= link= st=up\|dead`; `ev=client node= cn= cs=join\|leave` |
//! | client → daemon | `query` | `qid=<n> q=<what>` with `node=`, `link=`, `cn=`, `timeout=` (ms) or `name=` as the query needs |
//! | daemon → client | `reply` | `qid=<n> rc=0\|1 result=<text>`; lists are space-separated |
//! | client → daemon | `rscstate` | `st=none\|local\|foreign\|all\|transition`: what `rscstatus` answers (from `hb_v1rsc` only) |
//!
//! Queries (`q=`): `nodes`, `nodetype`, `nodestatus`, `nodegen`, `nodeuuid`, `links`, `linkstatus`, `clientstatus`,
//! `parameter`, `rscstatus`, `clients` (all on the local node), `stats` (packet counters).
//! Messages from one sender are delivered in the order it sent them, exactly once.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::frame::{read_frame, write_frame, FrameBuffer};
use crate::wire::Message;

/// Default run directory holding the API socket and the pid file.
pub const DEFAULT_RUNDIR: &str = "/var/run/heartbeat";

/// The API socket path: `$HA_API_SOCKET`, else `$HA_RUNDIR/api.sock`, else `/var/run/heartbeat/api.sock`.
pub fn default_socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("HA_API_SOCKET") {
        return PathBuf::from(p);
    }
    let rundir = std::env::var_os("HA_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_RUNDIR));
    rundir.join("api.sock")
}

/// Failures of the client library.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The socket could not be reached or broke.
    #[error("heartbeat API socket: {0}")]
    Io(#[from] io::Error),
    /// The daemon refused the sign-on.
    #[error("sign-on refused: {0}")]
    Refused(String),
    /// The daemon closed the connection.
    #[error("heartbeat closed the connection")]
    Closed,
    /// The daemon answered something unexpected.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A query answered `rc=1`.
    #[error("{0}")]
    QueryFailed(String),
}

/// Result type of the client library.
pub type Result<T> = std::result::Result<T, ClientError>;

/// A node's state as Heartbeat names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeStatus {
    /// Not heard from since start-up and `initdead` has not yet passed.
    Init,
    /// Heard from, still starting.
    Up,
    /// Alive.
    Active,
    /// Silent for `deadtime` on every path.
    Dead,
    /// A ping pseudo-node that answers.
    Ping,
}

impl NodeStatus {
    /// Heartbeat's word for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Init => "init",
            NodeStatus::Up => "up",
            NodeStatus::Active => "active",
            NodeStatus::Dead => "dead",
            NodeStatus::Ping => "ping",
        }
    }

    /// Parses Heartbeat's word.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "init" => NodeStatus::Init,
            "up" => NodeStatus::Up,
            "active" => NodeStatus::Active,
            "dead" => NodeStatus::Dead,
            "ping" => NodeStatus::Ping,
            _ => return None,
        })
    }

    /// True for states in which the node is reachable.
    pub fn is_alive(self) -> bool {
        matches!(self, NodeStatus::Up | NodeStatus::Active | NodeStatus::Ping)
    }
}

impl fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node changed state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEvent {
    /// Node name.
    pub node: String,
    /// New state.
    pub status: NodeStatus,
    /// The node's generation (bumped every time its heartbeat restarts); 0 when unknown.
    pub generation: u64,
}

/// A path (medium) to a node changed state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEvent {
    /// Node name.
    pub node: String,
    /// Link name: the interface (`eth0`) or serial device (`/dev/ttyS0`).
    pub link: String,
    /// `up` or `dead`.
    pub status: String,
}

/// A client of some node's heartbeat signed on (`join`) or off (`leave`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientEvent {
    /// The node the client runs on.
    pub node: String,
    /// Client name (`ccm`, `crmd`, ...).
    pub client: String,
    /// `join` or `leave`.
    pub status: String,
}

/// Something the daemon tells a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A cluster message (fields `t`, `src`, `seq`, `hg`, `from_id` plus the sender's own fields).
    Message(Message),
    /// A node status change.
    Node(NodeEvent),
    /// A link status change.
    Link(LinkEvent),
    /// A client status change.
    Client(ClientEvent),
}

/// A signed-on connection to the local heartbeat.
#[derive(Debug)]
pub struct Client {
    stream: UnixStream,
    local_node: String,
    generation: u64,
    pending: VecDeque<Event>,
    rbuf: FrameBuffer,
    next_qid: u64,
}

impl Client {
    /// Connects to the socket at [`default_socket_path`] and signs on as `client_name`.
    pub fn connect_default(client_name: &str) -> Result<Self> {
        Self::connect(&default_socket_path(), client_name)
    }

    /// Connects to `socket` and signs on as `client_name`.
    pub fn connect(socket: &Path, client_name: &str) -> Result<Self> {
        let mut stream = ipc::connect(socket)?;
        let mut signon = Message::new();
        signon.set("hbapi", "signon").set("cn", client_name);
        write_frame(&mut stream, &signon)?;
        let reply = read_frame(&mut stream)?.ok_or(ClientError::Closed)?;
        match reply.get("hbapi") {
            Some("signon-ok") => Ok(Client {
                local_node: reply.get("node").unwrap_or_default().to_string(),
                generation: reply.get_hex("hg").unwrap_or(0),
                stream,
                pending: VecDeque::new(),
                rbuf: FrameBuffer::default(),
                next_qid: 1,
            }),
            Some("signon-fail") => Err(ClientError::Refused(
                reply.get("reason").unwrap_or("refused").to_string(),
            )),
            _ => Err(ClientError::Protocol(format!("unexpected {reply:?}"))),
        }
    }

    /// This node's name as heartbeat knows it (lowercase).
    pub fn local_node(&self) -> &str {
        &self.local_node
    }

    /// The local heartbeat's generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Sends `msg` (which must have a `t` field) to one node, reliably and in order.
    pub fn send_to_node(&mut self, node: &str, msg: &Message) -> Result<()> {
        let mut frame = msg.clone();
        frame.set("hbapi", "send").set("dest", node);
        self.write(&frame)
    }

    /// Sends `msg` (which must have a `t` field) to every node, this one included.
    pub fn send_to_all(&mut self, msg: &Message) -> Result<()> {
        let mut frame = msg.clone();
        frame.remove("dest");
        frame.set("hbapi", "send");
        self.write(&frame)
    }

    /// Waits for the next event.
    pub fn recv(&mut self) -> Result<Event> {
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return Ok(ev);
            }
            if let Some(frame) = self.next_frame(None)? {
                self.keep_event(frame)?;
            }
        }
    }

    /// Waits up to `timeout` for the next event; `Ok(None)` on timeout.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Option<Event>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return Ok(Some(ev));
            }
            match self.next_frame(Some(deadline))? {
                Some(frame) => self.keep_event(frame)?,
                None => return Ok(None),
            }
        }
    }

    /// Whether events are already read from the socket but not yet returned: check this before
    /// polling the fd, which will not signal them.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || self.rbuf.has_frame()
    }

    /// All nodes in the configuration (normal and ping), in ha.cf order.
    pub fn nodes(&mut self) -> Result<Vec<String>> {
        Ok(split_list(&self.query("nodes", &[])?))
    }

    /// `normal` or `ping`.
    pub fn node_type(&mut self, node: &str) -> Result<String> {
        self.query("nodetype", &[("node", node)])
    }

    /// The node's current state.
    pub fn node_status(&mut self, node: &str) -> Result<NodeStatus> {
        let s = self.query("nodestatus", &[("node", node)])?;
        NodeStatus::parse(&s).ok_or_else(|| ClientError::Protocol(format!("status {s:?}")))
    }

    /// The node's generation (0 when not heard from).
    pub fn node_generation(&mut self, node: &str) -> Result<u64> {
        let s = self.query("nodegen", &[("node", node)])?;
        u64::from_str_radix(&s, 16).map_err(|_| ClientError::Protocol(s))
    }

    /// The node's UUID (`uuidfrom file|nodename`), once heard from.
    pub fn node_uuid(&mut self, node: &str) -> Result<String> {
        self.query("nodeuuid", &[("node", node)])
    }

    /// Names of the links (media) to `node`.
    pub fn links(&mut self, node: &str) -> Result<Vec<String>> {
        Ok(split_list(&self.query("links", &[("node", node)])?))
    }

    /// `up` or `dead`.
    pub fn link_status(&mut self, node: &str, link: &str) -> Result<String> {
        self.query("linkstatus", &[("node", node), ("link", link)])
    }

    /// `online`, `offline`, `join` or `leave` for client `client` on `node`.
    pub fn client_status(&mut self, node: &str, client: &str, timeout: Duration) -> Result<String> {
        let ms = timeout.as_millis().to_string();
        self.query(
            "clientstatus",
            &[("node", node), ("cn", client), ("timeout", &ms)],
        )
    }

    /// A configuration parameter as `cl_status parameter -p` shows it.
    pub fn parameter(&mut self, name: &str) -> Result<String> {
        self.query("parameter", &[("name", name)])
    }

    /// v1 resource ownership: `all`, `local`, `foreign`, `none` or `transition`.
    pub fn resource_status(&mut self) -> Result<String> {
        self.query("rscstatus", &[])
    }

    /// Tells heartbeat what `rscstatus` answers from now on (the v1 resource manager
    /// `hb_v1rsc` only: heartbeat refuses it from anyone else).
    pub fn report_resources(&mut self, status: crate::v1rsc::RscStatus) -> Result<()> {
        let mut m = Message::new();
        m.set("hbapi", "rscstate").set("st", status.as_str());
        self.write(&m)
    }

    /// The daemon's packet counters as `name=value` pairs.
    pub fn stats(&mut self) -> Result<Vec<(String, u64)>> {
        let s = self.query("stats", &[])?;
        Ok(split_list(&s)
            .into_iter()
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect())
    }

    /// Sends a query and waits for its reply, keeping events that arrive meanwhile.
    pub fn query(&mut self, what: &str, args: &[(&str, &str)]) -> Result<String> {
        let qid = self.next_qid;
        self.next_qid += 1;
        let mut q = Message::new();
        q.set("hbapi", "query").set_hex("qid", qid).set("q", what);
        for (k, v) in args {
            q.set(k, *v);
        }
        self.write(&q)?;
        loop {
            let Some(frame) = self.next_frame(None)? else {
                continue;
            };
            if frame.get("hbapi") == Some("reply") && frame.get_hex("qid") == Some(qid) {
                let result = frame.get("result").unwrap_or_default().to_string();
                return match frame.get("rc") {
                    Some("0") => Ok(result),
                    _ => Err(ClientError::QueryFailed(result)),
                };
            }
            self.keep_event(frame)?;
        }
    }

    fn write(&mut self, frame: &Message) -> Result<()> {
        write_frame(&mut self.stream, frame).map_err(ClientError::from)
    }

    /// The next frame, reading as needed until `deadline` (`None`: wait for ever). A read cut
    /// short by the deadline keeps its bytes for the next call.
    fn next_frame(&mut self, deadline: Option<Instant>) -> Result<Option<Message>> {
        loop {
            if let Some(frame) = self.rbuf.take()? {
                return Ok(Some(frame));
            }
            let timeout = match deadline {
                None => None,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    Some(left)
                }
            };
            self.stream.set_read_timeout(timeout)?;
            match self.rbuf.fill(&mut self.stream) {
                Ok(0) => return Err(ClientError::Closed),
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn keep_event(&mut self, frame: Message) -> Result<()> {
        if let Some(ev) = decode_event(frame)? {
            self.pending.push_back(ev);
        }
        Ok(())
    }
}

impl AsRawFd for Client {
    fn as_raw_fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }
}

impl AsFd for Client {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.stream.as_fd()
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Turns a daemon frame into an event; stray replies are ignored.
fn decode_event(mut frame: Message) -> Result<Option<Event>> {
    let kind = frame.remove("hbapi");
    let field = |f: &Message, n: &str| f.get(n).unwrap_or_default().to_string();
    match kind.as_deref() {
        Some("msg") => Ok(Some(Event::Message(frame))),
        Some("event") => match frame.get("ev") {
            Some("node") => Ok(Some(Event::Node(NodeEvent {
                node: field(&frame, "node"),
                status: frame
                    .get("st")
                    .and_then(NodeStatus::parse)
                    .ok_or_else(|| ClientError::Protocol(format!("bad node event {frame:?}")))?,
                generation: frame.get_hex("hg").unwrap_or(0),
            }))),
            Some("link") => Ok(Some(Event::Link(LinkEvent {
                node: field(&frame, "node"),
                link: field(&frame, "link"),
                status: field(&frame, "st"),
            }))),
            Some("client") => Ok(Some(Event::Client(ClientEvent {
                node: field(&frame, "node"),
                client: field(&frame, "cn"),
                status: field(&frame, "cs"),
            }))),
            _ => Err(ClientError::Protocol(format!("unknown event {frame:?}"))),
        },
        Some("reply") => Ok(None),
        _ => Err(ClientError::Protocol(format!("unknown frame {frame:?}"))),
    }
}
