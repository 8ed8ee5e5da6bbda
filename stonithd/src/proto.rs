//! The stonithd socket protocol and its client.
//!
//! `$STONITHD_SOCKET`, else `$HA_RUNDIR/stonithd.sock`, else `/var/run/heartbeat/stonithd.sock`.
//! Each direction carries frames: a 4-byte big-endian length, then one JSON object; one
//! [`Response`] per [`Request`]. Fencing requests are answered when the operation ends.
//!
//! ```text
//! client -> {"op":"fence","target":"node2","action":"reboot","client":"crmd","origin":"node1"}
//! daemon <- {"rc":0,"devices":["fence-lab"]}
//! ```

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::history::Entry;

/// Largest frame accepted.
pub const MAX_FRAME: usize = ipc::DEFAULT_MAX_FRAME;

/// The daemon's socket.
pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("STONITHD_SOCKET").filter(|v| !v.is_empty()) {
        return p.into();
    }
    std::env::var_os("HA_RUNDIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(messaging::client::DEFAULT_RUNDIR))
        .join("stonithd.sock")
}

/// A request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Fence `target` (`reboot`, `off`, `on`).
    Fence {
        /// The node.
        target: String,
        /// The action.
        action: String,
        /// Who asks.
        #[serde(default)]
        client: String,
        /// The asking node.
        #[serde(default)]
        origin: String,
        /// Extra wait before fencing, in ms (the cluster's `priority-fencing-delay` when the
        /// target runs the most important resources).
        #[serde(default)]
        delay_ms: u64,
        /// Skip the devices' own delays (a node fencing itself).
        #[serde(default)]
        no_device_delay: bool,
    },
    /// An operator confirms `target` is down (meatware, `stonith_admin --confirm`).
    Confirm {
        /// The node.
        target: String,
    },
    /// Registered device ids (answer in `devices`).
    ListRegistered,
    /// Devices that can fence `target` (answer in `devices`).
    ListCapable {
        /// The node.
        target: String,
    },
    /// The history for `target` (all when empty).
    History {
        /// The node.
        #[serde(default)]
        target: String,
    },
    /// Register an ad-hoc device (`<primitive class="stonith">` XML) until deregistered.
    Register {
        /// The primitive XML.
        xml: String,
    },
    /// Remove an ad-hoc device.
    Deregister {
        /// Device id.
        id: String,
    },
}

/// An answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Pacemaker exit code (0 success).
    pub rc: i32,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Device ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
    /// History entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Entry>,
}

impl Request {
    /// What the request needs: listing and history only read; fencing, confirming and
    /// (de)registering devices write.
    pub fn need(&self) -> ipc::Need {
        match self {
            Request::ListRegistered | Request::ListCapable { .. } | Request::History { .. } => {
                ipc::Need::Read
            }
            Request::Fence { .. }
            | Request::Confirm { .. }
            | Request::Register { .. }
            | Request::Deregister { .. } => ipc::Need::Write,
        }
    }

    /// Decodes a request frame's payload (the request decoder of `stonithd.sock`).
    pub fn decode(payload: &[u8]) -> io::Result<Request> {
        ipc::json::decode(payload)
    }
}

/// One request over a fresh connection; waits up to `timeout` for the answer.
pub fn call(path: &Path, req: &Request, timeout: Duration) -> io::Result<Response> {
    let mut s = ipc::connect(path)?;
    s.set_read_timeout(Some(timeout))?;
    ipc::json::write(&mut s, req)?;
    ipc::json::read(&mut s, MAX_FRAME)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "stonithd closed the connection",
        )
    })
}
