//! Test harnesses shared by the daemons' tests, kept out of the libraries (a dev-dependency only).
//!
//! - [`queue::EventQueue`]: simulated time, events ordered by `(time, sequence)`.
//! - [`net::Network`]: a seeded network of N nodes: power (up/down), loss, delay, partitions,
//!   links cut both ways or one way (asymmetric connectivity).
//! - [`ccm::Sim`]: N ccm membership machines over that network, with invariants checked after
//!   every event, and [`ccm::chaos_scenario`].
//! - [`crmd::Cluster`]: N crmd cores (`crmd::core`) over that network with a membership
//!   service, a [`fake_lrm::FakeLrm`] per node and a power fencer; invariants checked at every
//!   step, convergence on demand.
//! - [`ccm_lab`]: real `heartbeat` + `ccm` processes in network namespaces (root only).
#![deny(missing_docs)]

pub mod ccm;
pub mod ccm_lab;
pub mod crmd;
pub mod fake_lrm;
pub mod net;
pub mod queue;

/// Simulated time in milliseconds (the same unit as the state machines' `now`).
pub type Millis = u64;
