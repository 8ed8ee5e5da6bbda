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

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::history::Entry;

/// Largest frame accepted.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

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

/// Writes one JSON frame.
pub fn write_frame<W: Write, T: Serialize>(w: &mut W, msg: &T) -> io::Result<()> {
    let body = serde_json::to_vec(msg).map_err(io::Error::other)?;
    if body.len() > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut buf = Vec::with_capacity(body.len() + 4);
    buf.extend_from_slice(&(body.len() as u32).to_be_bytes());
    buf.extend_from_slice(&body);
    w.write_all(&buf)?;
    w.flush()
}

/// Reads one JSON frame; `Ok(None)` at a clean end of stream.
pub fn read_frame<R: Read, T: for<'de> Deserialize<'de>>(r: &mut R) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is larger than {MAX_FRAME}"),
        ));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// One request over a fresh connection; waits up to `timeout` for the answer.
pub fn call(path: &Path, req: &Request, timeout: Duration) -> io::Result<Response> {
    let mut s = UnixStream::connect(path)?;
    s.set_read_timeout(Some(timeout))?;
    write_frame(&mut s, req)?;
    read_frame(&mut s)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "stonithd closed the connection",
        )
    })
}
