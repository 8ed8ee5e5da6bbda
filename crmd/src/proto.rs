//! The CIB client protocol: how cibadmin, crm_mon and the other tools talk to the local crmd.
//!
//! The crmd listens on a Unix stream socket, `$CIB_SOCKET`, else `$HA_RUNDIR/cib.sock`, else
//! `/var/run/heartbeat/cib.sock`. Each direction carries frames: a 4-byte big-endian length (at
//! most [`MAX_FRAME`]) then one JSON object. Each [`Request`] gets exactly one [`Response`] with
//! the same `id`; after `subscribe` the daemon also sends [`Response`]s with `id` 0 and
//! `event: "cib_changed"` whenever the CIB changes.
//!
//! ```text
//! client -> {"id":1,"op":"query"}
//! daemon <- {"id":1,"rc":0,"cib":"<cib ...>...</cib>"}
//! client -> {"id":2,"op":"patch","patch":"<diff format=\"2\">...</diff>"}
//! daemon <- {"id":2,"rc":0}
//! ```
//!
//! Reads are answered from the local replica; writes (`patch`, `cleanup`) go through the DC,
//! which checks the result, bumps the version, stores it and replicates it before answering.

use std::io;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Largest frame accepted in either direction.
pub const MAX_FRAME: usize = ipc::DEFAULT_MAX_FRAME;

/// The socket path clients and the daemon use.
pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CIB_SOCKET").filter(|v| !v.is_empty()) {
        return p.into();
    }
    std::env::var_os("HA_RUNDIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(messaging::client::DEFAULT_RUNDIR))
        .join("cib.sock")
}

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RequestBody {
    /// The whole CIB (answer in `cib`).
    Query,
    /// Apply a v2 patch (`<diff format="2">`, as `cib::patch::diff` makes) to the CIB.
    Patch {
        /// The patch XML.
        patch: String,
    },
    /// Forget the operation history and fail counts of a resource (all resources when `rsc` is
    /// empty) on one node (all nodes when `node` is empty), so the cluster re-probes it.
    Cleanup {
        /// Resource id, or empty.
        #[serde(default)]
        rsc: String,
        /// Node name, or empty.
        #[serde(default)]
        node: String,
    },
    /// Cluster state as this node sees it (answer in `text`: JSON of [`ClusterInfo`]).
    Info,
    /// Send `cib_changed` events on this connection from now on.
    Subscribe,
}

/// A client request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Echoed in the response.
    pub id: u64,
    /// What is asked.
    #[serde(flatten)]
    pub body: RequestBody,
    /// The asking program's name, recorded as `update-client` on a change (the user is taken
    /// from the connection's credentials, never from the request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// This program's name, as the tools tell crmd.
pub fn program_name() -> Option<String> {
    std::env::args_os().next().and_then(|a| {
        std::path::Path::new(&a)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
    })
}

/// The daemon's answer (or, with `id` 0, an event).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The request's id; 0 for events.
    pub id: u64,
    /// Pacemaker exit code (0 on success).
    pub rc: i32,
    /// Why it failed, for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The CIB, for `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cib: Option<String>,
    /// Other answers (JSON text for `info`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `cib_changed` for events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

impl Response {
    /// A successful answer to `id`.
    pub fn ok(id: u64) -> Response {
        Response {
            id,
            ..Response::default()
        }
    }

    /// A failure answer.
    pub fn fail(id: u64, rc: i32, error: impl Into<String>) -> Response {
        Response {
            id,
            rc,
            error: Some(error.into()),
            ..Response::default()
        }
    }
}

/// Cluster state for `crm_node` and `crm_mon` headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// This node.
    pub local_node: String,
    /// The DC, when one is elected.
    pub dc: Option<String>,
    /// Whether the partition has quorum.
    pub quorum: bool,
    /// Members of this partition, sorted.
    pub members: Vec<String>,
    /// Every node heartbeat knows, sorted.
    pub nodes: Vec<String>,
}

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The socket could not be reached or the connection broke.
    #[error("could not connect to the CIB at {path}: {source}")]
    Connect {
        /// The socket path.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The connection broke or a frame was invalid.
    #[error("CIB connection: {0}")]
    Io(#[from] io::Error),
    /// The daemon refused the request.
    #[error("{message}")]
    Refused {
        /// Pacemaker exit code.
        rc: i32,
        /// The daemon's reason.
        message: String,
    },
}

/// Decodes a request frame's payload (the request decoder of `cib.sock`).
pub fn decode_request(payload: &[u8]) -> io::Result<Request> {
    ipc::json::decode(payload)
}

impl RequestBody {
    /// What the request needs: `query`, `info` and `subscribe` read; `patch` and `cleanup` write.
    pub fn need(&self) -> ipc::Need {
        match self {
            RequestBody::Query | RequestBody::Info | RequestBody::Subscribe => ipc::Need::Read,
            RequestBody::Patch { .. } | RequestBody::Cleanup { .. } => ipc::Need::Write,
        }
    }
}

fn read_frame(stream: &mut UnixStream) -> io::Result<Option<Response>> {
    ipc::json::read(stream, MAX_FRAME)
}

/// A blocking connection to the local crmd's CIB service.
#[derive(Debug)]
pub struct CibClient {
    stream: UnixStream,
    next_id: u64,
}

impl CibClient {
    /// Connects to [`socket_path`].
    pub fn connect_default() -> Result<CibClient, ClientError> {
        CibClient::connect(&socket_path())
    }

    /// Connects to `path`.
    pub fn connect(path: &Path) -> Result<CibClient, ClientError> {
        let stream = ipc::connect(path).map_err(|source| ClientError::Connect {
            path: path.to_path_buf(),
            source,
        })?;
        // A write goes through the DC and a whole cluster round; give it time, but never hang.
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(CibClient { stream, next_id: 1 })
    }

    /// Sends a request and waits for its answer (skipping events).
    pub fn call(&mut self, body: RequestBody) -> Result<Response, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let client = program_name();
        ipc::json::write(&mut self.stream, &Request { id, body, client })?;
        loop {
            let resp = read_frame(&mut self.stream)?.ok_or_else(|| {
                io::Error::new(io::ErrorKind::UnexpectedEof, "crmd closed the connection")
            })?;
            if resp.id != id {
                continue;
            }
            if resp.rc != 0 {
                return Err(ClientError::Refused {
                    rc: resp.rc,
                    message: resp.error.unwrap_or_else(|| "request failed".into()),
                });
            }
            return Ok(resp);
        }
    }

    /// The current CIB as XML text.
    pub fn query(&mut self) -> Result<String, ClientError> {
        Ok(self.call(RequestBody::Query)?.cib.unwrap_or_default())
    }

    /// Applies a v2 patch through the DC.
    pub fn patch(&mut self, patch: String) -> Result<(), ClientError> {
        self.call(RequestBody::Patch { patch }).map(|_| ())
    }

    /// Cluster state.
    pub fn info(&mut self) -> Result<ClusterInfo, ClientError> {
        let text = self.call(RequestBody::Info)?.text.unwrap_or_default();
        serde_json::from_str(&text)
            .map_err(|e| ClientError::Io(io::Error::new(io::ErrorKind::InvalidData, e)))
    }

    /// Subscribes, then waits up to `timeout` for the next `cib_changed` event.
    pub fn wait_change(&mut self, timeout: Duration) -> Result<bool, ClientError> {
        self.stream.set_read_timeout(Some(timeout))?;
        let r = read_frame(&mut self.stream);
        self.stream
            .set_read_timeout(Some(Duration::from_secs(60)))?;
        match r {
            Ok(Some(resp)) => Ok(resp.event.is_some()),
            Ok(None) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "crmd closed").into()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}
