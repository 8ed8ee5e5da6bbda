//! The heartbeat messaging layer: media, authkeys signing, liveness, respawn, local client API.
//!
//! Principal pieces:
//! - [`client::Client`]: the library local daemons (ccm, crmd, cl_status) use to talk to `heartbeat`.
//! - [`wire::Message`]: the local API's text message; [`wire::datagram`]: Heartbeat 3.0.6's
//!   packets between nodes (netstring or classic, typed fields, compression, authkeys signatures).
//! - [`config`]: `ha.cf` and `authkeys` parsing with Heartbeat's checks and messages.
//! - [`auth`]: packet signing (crc, md5, sha1, sha256, sha512).
//! - [`liveness`] and [`reliable`]: sans-IO cores for node/link death and ordered delivery.
//! - [`realtime`]: ha.cf `realtime`/`rtprio`: real-time scheduling and locked memory.
//! - [`daemon`]: the runtime gluing media, timers, children and the client API together.
//! - [`lab`]: namespace lab of real Heartbeat 3.0.6 nodes next to ours (tests, examples).

#![deny(missing_docs)]

pub mod auth;
pub mod client;
pub mod config;
pub mod crypto;
pub mod daemon;
pub mod droplog;
pub mod frame;
pub mod generation;
pub mod lab;
pub mod liveness;
pub mod log;
pub mod media;
pub mod origin;
pub mod realtime;
pub mod reliable;
pub mod respawn;
pub mod uuid;
pub mod v1rsc;
pub mod watchdog;
pub mod wire;
