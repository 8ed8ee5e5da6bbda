//! The one access policy of every socket, as Pacemaker's: root, the cluster user (`hacluster`)
//! and members of the client group (`haclient`, primary or supplementary) are known; each server
//! says what each class may do.
//!
//! Names are resolved once, at start. `HA_CLUSTER_USER` and `HA_CLIENT_GROUP` override them for
//! tests and labs only. A user or group that does not exist grants nothing: then only root and the
//! daemon's own uid qualify.

use nix::unistd::{Group, User};

/// The cluster daemons' user by default.
pub const DEFAULT_CLUSTER_USER: &str = "hacluster";
/// The group whose members may use the cluster by default.
pub const DEFAULT_CLIENT_GROUP: &str = "haclient";

/// What a peer may do on a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// The connection is refused.
    Denied,
    /// Queries only.
    ReadOnly,
    /// Queries and changes.
    ReadWrite,
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// It only reads.
    Read,
    /// It changes something (or runs something).
    Write,
}

impl Access {
    /// Whether this access allows a request needing `need`.
    pub fn permits(self, need: Need) -> bool {
        match need {
            Need::Read => self >= Access::ReadOnly,
            Need::Write => self == Access::ReadWrite,
        }
    }
}

/// The class a peer falls in, most privileged first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerClass {
    /// uid 0.
    Root,
    /// The cluster user, or the daemon's own uid.
    Cluster,
    /// A member of the client group.
    Client,
    /// Anyone else.
    Other,
}

/// A server's access per peer class (root always has [`Access::ReadWrite`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessTable {
    /// The cluster user and the daemon's own uid.
    pub cluster: Access,
    /// Members of the client group.
    pub client: Access,
    /// Everyone else.
    pub other: Access,
}

impl AccessTable {
    /// Root and the cluster user only.
    pub const CLUSTER_ONLY: AccessTable = AccessTable {
        cluster: Access::ReadWrite,
        client: Access::Denied,
        other: Access::Denied,
    };
    /// Client group members may query.
    pub const CLIENTS_READ: AccessTable = AccessTable {
        cluster: Access::ReadWrite,
        client: Access::ReadOnly,
        other: Access::Denied,
    };
    /// Client group members may query and change.
    pub const CLIENTS_WRITE: AccessTable = AccessTable {
        cluster: Access::ReadWrite,
        client: Access::ReadWrite,
        other: Access::Denied,
    };

    /// The access of a class.
    pub fn access(&self, class: PeerClass) -> Access {
        match class {
            PeerClass::Root => Access::ReadWrite,
            PeerClass::Cluster => self.cluster,
            PeerClass::Client => self.client,
            PeerClass::Other => self.other,
        }
    }
}

/// The resolved identities the classes are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The cluster user's uid, if that user exists.
    pub cluster_uid: Option<u32>,
    /// The client group's gid, if that group exists.
    pub client_gid: Option<u32>,
    /// The daemon's own effective uid.
    pub own_uid: u32,
}

impl Policy {
    /// Resolves the names (defaults, or the test-only `HA_CLUSTER_USER` / `HA_CLIENT_GROUP`).
    pub fn from_env() -> Policy {
        let user = env_or("HA_CLUSTER_USER", DEFAULT_CLUSTER_USER);
        let group = env_or("HA_CLIENT_GROUP", DEFAULT_CLIENT_GROUP);
        Policy {
            cluster_uid: User::from_name(&user)
                .ok()
                .flatten()
                .map(|u| u.uid.as_raw()),
            client_gid: Group::from_name(&group)
                .ok()
                .flatten()
                .map(|g| g.gid.as_raw()),
            own_uid: nix::unistd::geteuid().as_raw(),
        }
    }

    /// The class of a peer.
    pub fn classify(&self, peer: &crate::Peer) -> PeerClass {
        if peer.uid == 0 {
            PeerClass::Root
        } else if Some(peer.uid) == self.cluster_uid || peer.uid == self.own_uid {
            PeerClass::Cluster
        } else if self.client_gid.is_some_and(|g| peer.in_group(g)) {
            PeerClass::Client
        } else {
            PeerClass::Other
        }
    }
}

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Peer;

    fn peer(uid: u32, gid: u32, groups: &[u32]) -> Peer {
        Peer {
            uid,
            gid,
            pid: 1,
            groups: groups.to_vec(),
        }
    }

    const POLICY: Policy = Policy {
        cluster_uid: Some(90),
        client_gid: Some(91),
        own_uid: 0,
    };

    #[test]
    fn classes_follow_uid_then_primary_or_supplementary_group() {
        assert_eq!(POLICY.classify(&peer(0, 5, &[])), PeerClass::Root);
        assert_eq!(POLICY.classify(&peer(90, 5, &[])), PeerClass::Cluster);
        assert_eq!(POLICY.classify(&peer(1000, 91, &[])), PeerClass::Client);
        assert_eq!(POLICY.classify(&peer(1000, 5, &[4, 91])), PeerClass::Client);
        assert_eq!(POLICY.classify(&peer(1000, 5, &[4])), PeerClass::Other);
        assert_eq!(POLICY.classify(&peer(65534, 65534, &[])), PeerClass::Other);
    }

    #[test]
    fn missing_user_and_group_leave_only_root_and_the_daemon_itself() {
        let p = Policy {
            cluster_uid: None,
            client_gid: None,
            own_uid: 123,
        };
        assert_eq!(p.classify(&peer(123, 5, &[])), PeerClass::Cluster);
        assert_eq!(p.classify(&peer(90, 91, &[91])), PeerClass::Other);
    }

    #[test]
    fn read_only_permits_reads_only_and_root_always_writes() {
        assert!(Access::ReadOnly.permits(Need::Read));
        assert!(!Access::ReadOnly.permits(Need::Write));
        assert!(Access::ReadWrite.permits(Need::Write));
        assert!(!Access::Denied.permits(Need::Read));
        let t = AccessTable::CLUSTER_ONLY;
        assert_eq!(t.access(PeerClass::Root), Access::ReadWrite);
        assert_eq!(t.access(PeerClass::Client), Access::Denied);
        assert_eq!(
            AccessTable::CLIENTS_READ.access(PeerClass::Client),
            Access::ReadOnly
        );
    }
}
