//! Numeric cluster node ids.
//!
//! Pacemaker on corosync names nodes in `<node id>`, `<node_state id>` and `crm_node -l` by a
//! 32-bit number, and tools rely on it (crmsh finds a node's id with `^([0-9]+) NAME ` in
//! `crm_node -l`). Heartbeat 2.x used the node's UUID instead. heartbeat-rs derives the number
//! from the node name, so every node computes the same id for every peer without any exchange,
//! and it stays the same across restarts and reinstalls: FNV-1a (32 bit) of the name, kept to
//! 31 bits and never 0 (corosync's node ids are positive signed 32-bit numbers; 0 means none).

/// The numeric id of cluster node `uname`.
pub fn for_name(uname: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in uname.as_bytes() {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    match h & 0x7fff_ffff {
        0 => 1,
        n => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_positive_and_distinct() {
        // Fixed values: the id is part of the CIB and must never change between releases.
        assert_eq!(for_name("node1"), for_name("node1"));
        assert_ne!(for_name("node1"), for_name("node2"));
        assert!(for_name("") > 0);
        let ids: std::collections::BTreeSet<u32> =
            (0..1000).map(|i| for_name(&format!("n{i}"))).collect();
        assert_eq!(ids.len(), 1000);
        assert_eq!(for_name("a"), 0xe40c_292c & 0x7fff_ffff);
    }
}
