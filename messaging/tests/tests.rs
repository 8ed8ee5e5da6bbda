//! Integration tests: real heartbeat processes in network namespaces.

mod harness;

// Membership: clusters see each other, detect death, recognise restarts.
mod cluster;
// Media: redundant paths, multicast, serial lines, ping nodes.
mod media;
// Cluster messages: delivery, ordering, loss, client status.
mod messages;
// Hostile input on the wire: garbage, tampering, wrong keys, replays, oversized datagrams.
mod bad_input;
// Start-up checks against what Heartbeat 3.0.6 prints (tests/data/heartbeat-config-errors.txt).
mod config_errors;
// Children: respawn lines and CRM daemons.
mod respawn;
// Real-time scheduling and locked memory (`realtime`, `rtprio`).
mod realtime;
// Local API: who may sign on (apiauth + SO_PEERCRED).
mod apiauth;
// Watchdog feeding and disarming.
mod watchdog;
// Local API under attack: idle floods, umask 000, strangers and read-only members.
mod idle_clients;
// The pid file: stale files and reused pids.
mod pidfile;
// Encrypted links: what a capture shows, tampering, replays, a node without crypto.
mod crypto;
// Packets captured from the real Heartbeat 3.0.6: byte-exact round trip and auth.
mod hb306_fixtures;
// A mixed cluster: a real Heartbeat 3.0.6 node and one of ours.
mod mixed;
