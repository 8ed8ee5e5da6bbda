//! Integration tests: the installed agents, run the way the cluster and ocf-tester run them.

// Shared scaffolding: installing into a temp provider, calling actions, namespaces.
mod support;

// Debian's ocf-tester against every agent.
mod ocf_tester;

// Meta-data goldens (tests/data/metadata).
mod metadata_golden;

// Direct action and exit-code checks, one module per agent.
mod anything;
mod delay;
mod dummy;
mod filesystem;
mod ip_address;
mod mailto;
mod ping;
mod portblock;
mod route;
mod stateful;
mod sysinfo;
mod webserver;

// Pacemaker's crm_resource running the agents from the real OCF root.
mod pacemaker_interop;

// The installer and the heartbeat-class calling convention.
mod heartbeat_class;
mod install;
