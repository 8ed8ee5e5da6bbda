//! The fencing daemon: fence devices, topology and fencing history.
