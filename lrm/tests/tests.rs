//! lrm integration tests: real agents, real processes, real sockets, a real network namespace.

// Shared scaffolding: temporary agent directories, executors, namespaces.
mod support;

// ClusterLabs' own agents (Dummy, Stateful) and LSB / heartbeat scripts through the library.
mod real_agents;
// Process supervision: timeouts, forked daemons, huge output, crashes.
mod supervision;
// Recurring monitors, cancellation, per-resource serialisation and the concurrency bound.
mod scheduling;
// The lrmd daemon over its socket, including IPaddr2 inside a network namespace.
mod socket;
// Fencing devices: probe, monitor, start and stop.
mod fencing;
// The v1 namespace lab: our nodes and/or Heartbeat 3.0.6 nodes running one haresources site.
mod v1lab;
// A haresources site run by hb_v1rsc on two namespace nodes, and on two Heartbeat 3.0.6 nodes.
mod v1_site;
