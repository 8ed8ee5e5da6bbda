//! heartbeat-rs's own OCF resource agents (IPaddr2, Dummy, Filesystem, ping, ...).
