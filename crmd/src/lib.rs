//! The cluster resource manager daemon (`crmd`): elects the DC, serves and replicates the CIB,
//! keeps node attributes and fail counts, and — on the DC — runs the policy engine and drives
//! each transition through the nodes' LRMs.
//!
//! The library part ([`proto`]) is also what the command-line tools use to reach a running
//! cluster.

pub mod core;
pub mod daemon;
pub mod election;
pub mod lab;
pub mod peer;
pub mod proto;
pub mod soak;
pub mod status;
pub mod trust;
pub mod writer;
