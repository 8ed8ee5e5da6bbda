//! Real-time scheduling for the heartbeat daemon (ha.cf `realtime`, `rtprio`), as Heartbeat
//! 3.0.6 does it: round-robin real-time priority and memory locked, so that a machine busy with
//! other work (or paging) cannot hold a heartbeat back past deadtime and make a peer declare
//! this node dead. The children heartbeat starts run at normal priority again.
//!
//! Scheduling policy is per thread and inherited by threads and processes created later, so
//! [`enter`] must run before the daemon starts its threads, and [`children_at_normal_priority`] puts
//! each child back to normal between fork and exec.
//!
//! The workspace denies unsafe code; this module is the one exception: nix has no safe
//! wrapper for sched_setscheduler(2), and a pre-exec hook is unsafe by nature.
#![allow(unsafe_code)]

use nix::libc;
use nix::sys::mman::{mlockall, MlockAllFlags};
use nix::sys::resource::{setrlimit, Resource, RLIM_INFINITY};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// What [`enter`] achieved; each failure is the text for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The priority now in force, if the scheduler accepted it.
    pub priority: Option<i32>,
    /// Why the scheduler refused, if it did.
    pub schedule_error: Option<String>,
    /// Why the memory could not be locked, if it could not.
    pub lock_error: Option<String>,
}

/// Makes the calling thread (and every thread it starts later) round-robin real-time at
/// `priority` (None: the lowest, 1) and locks the process's memory.
pub fn enter(priority: Option<i32>) -> Outcome {
    let priority = priority.unwrap_or(1);
    let mut out = Outcome::default();
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: sched_setscheduler reads `param` only during the call; pid 0 is this thread.
    let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_RR, &param) };
    if rc == 0 {
        out.priority = Some(priority);
    } else {
        out.schedule_error = Some(std::io::Error::last_os_error().to_string());
    }
    // Only root may raise the limit; an unprivileged heartbeat keeps whatever it was given.
    let _ = setrlimit(Resource::RLIMIT_MEMLOCK, RLIM_INFINITY, RLIM_INFINITY);
    // MCL_ONFAULT: lock pages as they are touched rather than populating every thread's whole
    // stack reservation up front.
    let flags = MlockAllFlags::MCL_CURRENT
        | MlockAllFlags::MCL_FUTURE
        | MlockAllFlags::from_bits_retain(libc::MCL_ONFAULT);
    if let Err(e) = mlockall(flags) {
        out.lock_error = Some(e.desc().to_string());
    }
    out
}

/// Makes `cmd`'s process start at normal priority even though heartbeat runs real-time.
pub fn children_at_normal_priority(cmd: &mut Command) {
    // SAFETY: the hook runs between fork and exec and makes one async-signal-safe system
    // call, touching no memory shared with the parent.
    unsafe {
        cmd.pre_exec(leave_real_time);
    }
}

/// Back to normal scheduling. Never fails the spawn: lowering one's own policy is allowed to
/// any user, and a child left real-time is better than no child.
fn leave_real_time() -> std::io::Result<()> {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: as in `enter`.
    let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_OTHER, &param) };
    Ok(())
}
