//! The user commands: cibadmin, crm_verify, crm_simulate, crm_mon, crm_resource, cl_status, ...
//!
//! Each tool is a thin `src/bin/*.rs` over a module here; the modules turn typed errors from the
//! library crates into Pacemaker's messages and exit codes ([`exit::ExitCode`]).

#[cfg(feature = "cib-tools")]
pub mod cib_access;
#[cfg(feature = "cib-tools")]
pub mod cibadmin;
#[cfg(feature = "hb-tools")]
pub mod cl_status;
pub mod command_line;
#[cfg(feature = "cib-tools")]
pub mod crm_attribute;
pub mod crm_diff;
#[cfg(all(feature = "cib-tools", feature = "simulate", feature = "stonith-tools"))]
pub mod crm_mon;
#[cfg(feature = "cib-tools")]
pub mod crm_node;
#[cfg(feature = "lrm-tools")]
pub mod crm_resource;
#[cfg(feature = "simulate")]
pub mod crm_simulate;
#[cfg(feature = "cib-tools")]
pub mod crm_verify;
pub mod daemon_compat;
pub mod exit;
#[cfg(all(feature = "cib-tools", feature = "hb-tools"))]
pub mod haresources2cib;
#[cfg(feature = "cib-tools")]
pub mod hb_standby;
#[cfg(feature = "stonith-tools")]
pub mod stonith_admin;
pub mod version;
