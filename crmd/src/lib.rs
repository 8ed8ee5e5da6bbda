//! The cluster resource manager daemon: DC election, CIB service and replication, node attributes.
