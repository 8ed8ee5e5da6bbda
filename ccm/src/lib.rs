//! Consensus membership (ccm) on top of the heartbeat messaging layer.
//!
//! - [`membership::Membership`]: the sans-IO state machine; `step(now, Input) -> Vec<Output>`.
//! - [`connectivity`]: the deterministic choice of who shares a view when links are asymmetric.
//! - [`view::View`]: an agreed view (instance, leader, sorted members, quorum).
//! - [`message::Packet`]: protocol messages and their heartbeat wire form.
//! - [`runtime`]: the `ccm` daemon gluing the machine to `messaging::client` and serving
//!   [`api`], the local Unix-socket API for ccm clients.
//! - [`trust`]: membership messages count only from the peer ccm daemon (heartbeat's origin stamp).
//!
//! The seeded simulation and the namespace lab its tests use live in the dev-only `sim` crate.
//!
//! ```
//! use ccm::membership::{Config, Input, Membership, Output, Timing};
//!
//! let mut m = Membership::new(Config {
//!     local: "alone".into(),
//!     incarnation: 1,
//!     nodes: ["alone".to_string()].into(),
//!     timing: Timing::default(),
//! });
//! m.step(0, Input::Start);
//! let out = m.step(1_000, Input::Tick);
//! assert!(out.iter().any(|o| matches!(o, Output::NewView(v) if v.instance == 1 && v.quorum)));
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod connectivity;
pub mod membership;
pub mod message;
pub mod runtime;
pub mod trust;
pub mod view;
