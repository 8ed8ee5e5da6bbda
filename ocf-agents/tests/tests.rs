//! Integration tests: the installed agents, run the way the cluster and ocf-tester run them.

// Shared scaffolding: installing into a temp provider, calling actions, namespaces.
mod support;

// Debian's ocf-tester against every agent.
mod ocf_tester;

// Direct action and exit-code checks, one module per agent.
mod anything;
mod delay;
mod dummy;
mod filesystem;
mod ip_address;
mod ping;
mod route;
mod stateful;
mod webserver;

// The installer and the heartbeat-class calling convention.
mod heartbeat_class;
mod install;
