//! Membership views and the quorum rule.

use std::collections::BTreeMap;
use std::fmt;

/// A node name plus the incarnation of its ccm (a restart gives a new incarnation, so a node that
/// restarts quickly still counts as having left and rejoined).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Member {
    /// Node name (lowercase, as heartbeat reports it).
    pub name: String,
    /// Incarnation of that node's ccm.
    pub incarnation: u64,
    /// Instance of the first view of an unbroken run of views containing this incarnation
    /// (Heartbeat's `node_born_on`).
    pub born: u64,
}

/// The member set of a view as `name -> incarnation`, the form views are compared in.
pub type MemberSet = BTreeMap<String, u64>;

/// One agreed membership view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct View {
    /// View number: agreed by the members and larger than any instance any member had seen.
    pub instance: u64,
    /// The node that proposed and committed the view.
    pub leader: String,
    /// Members, sorted by name.
    pub members: Vec<Member>,
    /// Whether the members form a quorum of the configured nodes (see [`has_quorum`]).
    pub quorum: bool,
}

impl View {
    /// The members as `name -> incarnation`.
    pub fn member_set(&self) -> MemberSet {
        self.members
            .iter()
            .map(|m| (m.name.clone(), m.incarnation))
            .collect()
    }

    /// Whether `name` is a member.
    pub fn contains(&self, name: &str) -> bool {
        self.members.iter().any(|m| m.name == name)
    }

    /// Member names in view order.
    pub fn names(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.name.as_str()).collect()
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "instance={} leader={} quorum={} members=[{}]",
            self.instance,
            self.leader,
            u8::from(self.quorum),
            self.names().join(" ")
        )
    }
}

/// Heartbeat's quorum rule: a strict majority of the configured nodes; in a two-node cluster a
/// single node keeps quorum (the `twonodes` module); a one-node cluster always has quorum.
pub fn has_quorum(members: usize, configured: usize) -> bool {
    match configured {
        0 | 1 => members >= 1,
        2 => members >= 1,
        n => members * 2 > n,
    }
}

#[cfg(test)]
mod tests {
    use super::has_quorum;

    #[test]
    fn quorum_rule_follows_majority_and_two_node_exception() {
        assert!(has_quorum(1, 2));
        assert!(!has_quorum(1, 3));
        assert!(has_quorum(2, 3));
        assert!(!has_quorum(2, 4));
        assert!(has_quorum(3, 5));
        assert!(!has_quorum(2, 5));
        assert!(!has_quorum(0, 2));
    }
}
