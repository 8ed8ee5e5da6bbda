//! The one IPC layer for every local Unix socket of the stack (heartbeat's `api.sock`, ccm, the
//! CIB, lrmd, stonithd).
//!
//! - [`frame`]: the only framing: a 4-byte big-endian length, then that many payload bytes, with a
//!   per-server size limit. Payload codecs (text messages, JSON) stay with each daemon.
//! - [`json`]: the JSON payload codec the CIB, lrmd and stonithd sockets share.
//! - [`bind()`]: the only place a socket is bound: explicit mode and group, no umask window, stale
//!   sockets replaced, a live one reported as already running.
//! - [`peer`] and [`policy`]: who is at the other end (`SO_PEERCRED` plus supplementary groups)
//!   and what that class of peer may do (root, the cluster user, the client group, others).
//! - [`server`]: accept loop with back-off, connection limits, half-frame timeouts, bounded
//!   outgoing queues; events handed to the daemon, no thread per client.
//! - [`client`]: one connect helper for every tool and daemon.

pub mod bind;
pub mod client;
pub mod frame;
pub mod json;
pub mod peer;
pub mod policy;
mod ratelimit;
pub mod server;

pub use bind::{bind, BindError, SocketSpec};
pub use client::{connect, connect_async};
pub use frame::{FrameBuffer, FrameError, DEFAULT_MAX_FRAME};
pub use peer::Peer;
pub use policy::{Access, AccessTable, Need, PeerClass, Policy};
pub use server::{Conn, Event, ServerConfig};
