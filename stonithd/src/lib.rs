//! The fencing daemon: fence devices, topology and fencing history.
//!
//! Devices are the CIB's `class="stonith"` primitives ([`device`]); `fencing-topology` gives
//! per-target levels ([`topology`]). An operation ([`fence`]) picks the devices that can fence
//! the target, runs their agents ([`agent`]: `fence_*` agents with key=value lines on stdin,
//! cluster-glue `external/*` plugins, and `meatware`, which waits for a manual confirmation),
//! and records the outcome in the [`history`]. [`proto`] is the socket protocol of the daemon
//! and the client that `stonith_admin` and the crmd use.

pub mod agent;
pub mod device;
pub mod fence;
pub mod history;
pub mod netns;
pub mod proto;
pub mod topology;

/// Tests that change the process environment (agent search paths) take this lock.
#[cfg(test)]
pub(crate) static ENV_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
