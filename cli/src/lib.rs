//! The user commands: cibadmin, crm_verify, crm_simulate, crm_mon, crm_resource, cl_status, ...
//!
//! Each tool is a thin `src/bin/*.rs` over a module here; the modules turn typed errors from the
//! library crates into Pacemaker's messages and exit codes ([`exit::ExitCode`]).

pub mod exit;
