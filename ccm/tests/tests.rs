//! ccm integration tests.

mod harness;

// Seeded simulations of the membership protocol.
mod simulation;
// Scripted simulations with expected output in tests/data/scenarios.
mod scenarios;
// Real heartbeat + ccm nodes in network namespaces.
mod cluster;
// Idle, half-sent and unauthorised local clients (root only).
mod hostile;
// Its lines in heartbeat's log file.
mod logging;
