//! Test harnesses shared by the daemons' tests, kept out of the libraries (a dev-dependency only).
//!
//! - [`queue::EventQueue`]: simulated time, events ordered by `(time, sequence)`.
//! - [`net::Network`]: a seeded network of N nodes: power (up/down), loss, delay, partitions,
//!   links cut both ways or one way (asymmetric connectivity).
//! - [`ccm::Sim`]: N ccm membership machines over that network, with invariants checked after
//!   every event, and [`ccm::chaos_scenario`].
//! - [`ccm_lab`]: real `heartbeat` + `ccm` processes in network namespaces (root only).
#![deny(missing_docs)]

pub mod ccm;
pub mod ccm_lab;
pub mod net;
pub mod queue;

/// Simulated time in milliseconds (the same unit as the state machines' `now`).
pub type Millis = u64;
