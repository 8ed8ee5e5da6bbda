//! Consensus membership and quorum on top of the messaging layer.
