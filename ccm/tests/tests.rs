//! ccm integration tests.

mod harness;

// Seeded simulations of the membership protocol.
mod simulation;
// Real heartbeat + ccm nodes in network namespaces.
mod cluster;
