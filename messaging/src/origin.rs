//! Who sent a cluster message: heartbeat stamps every message a local client sends with the
//! client's signed-on name and the class of its uid, overwriting whatever the client wrote, so a
//! receiver can tell the peer daemon from any other client of the same node. The stamp travels
//! inside the signed packet; only heartbeat writes it.
//!
//! | field | value |
//! |---|---|
//! | `from_id` | the sending client's signed-on name (Heartbeat's field) |
//! | `uid`, `gid` | the sending client's uid and gid from `SO_PEERCRED` (Heartbeat's fields) |
//! | `from_class` | `daemon` when that uid is root or `hacluster`, else `user` |

use nix::unistd::User;

use crate::wire::Message;

/// The sending client's signed-on name.
pub const FROM_ID: &str = "from_id";
/// The sending client's uid.
pub const FROM_UID: &str = "uid";
/// The sending client's gid.
pub const FROM_GID: &str = "gid";
/// The class of the sending client's uid.
pub const FROM_CLASS: &str = "from_class";

/// The user the cluster daemons run as besides root.
pub const DAEMON_USER: &str = "hacluster";

/// Client names reserved for the cluster daemons, with the user Heartbeat's default `apiauth`
/// gives each (root may always sign on). Anyone else signing on under these names is refused
/// unless ha.cf says otherwise.
pub const DAEMON_CLIENTS: &[(&str, &str)] = &[
    ("ipfail", DAEMON_USER),
    ("ccm", DAEMON_USER),
    ("cib", DAEMON_USER),
    ("crmd", DAEMON_USER),
    ("attrd", DAEMON_USER),
    ("lrmd", "root"),
    ("stonithd", "root"),
    ("stonith-ng", "root"),
    ("pingd", "root"),
    ("lha-snmpagent", "root"),
];

/// Whether a uid may act for the cluster daemons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UidClass {
    /// root or `hacluster`.
    Daemon,
    /// Anyone else (members of `haclient` among them).
    User,
}

impl UidClass {
    /// The class of `uid` on this node.
    pub fn of_uid(uid: u32) -> UidClass {
        let hacluster =
            matches!(User::from_name(DAEMON_USER), Ok(Some(u)) if u.uid.as_raw() == uid);
        if uid == 0 || hacluster {
            UidClass::Daemon
        } else {
            UidClass::User
        }
    }

    /// The `from_class` value.
    pub fn as_str(self) -> &'static str {
        match self {
            UidClass::Daemon => "daemon",
            UidClass::User => "user",
        }
    }
}

/// Overwrites the origin fields of a message a local client sends (every copy of each field the
/// client put there is removed first).
pub fn stamp(msg: &mut Message, client: &str, uid: u32, gid: u32) {
    for f in [FROM_ID, FROM_UID, FROM_GID, FROM_CLASS] {
        while msg.remove(f).is_some() {}
    }
    msg.set(FROM_ID, client)
        .set(FROM_UID, uid.to_string())
        .set(FROM_GID, gid.to_string())
        .set(FROM_CLASS, UidClass::of_uid(uid).as_str());
}

/// The origin stamped on a delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The sending client's name (empty when the message carries none).
    pub client: String,
    /// Whether the sending client ran as root or `hacluster`.
    pub daemon: bool,
}

impl Origin {
    /// Reads the stamp of a delivered message.
    pub fn of(msg: &Message) -> Origin {
        Origin {
            client: msg.get(FROM_ID).unwrap_or_default().to_string(),
            daemon: msg.get(FROM_CLASS) == Some(UidClass::Daemon.as_str()),
        }
    }

    /// Whether the message comes from the cluster daemon `name` (signed on under that name by
    /// root or `hacluster`).
    pub fn is_daemon(&self, name: &str) -> bool {
        self.daemon && self.client == name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_overwrites_what_the_client_claimed() {
        let mut m = Message::with_type("crmd");
        m.set(FROM_ID, "crmd").set(FROM_CLASS, "daemon");
        // A second copy must not survive either.
        let text = m
            .encode()
            .replace("<<<", "from_id=crmd\nfrom_class=daemon\n<<<");
        let mut m = Message::decode(text.as_bytes()).unwrap();
        stamp(&mut m, "mytool", 65534, 65534);
        assert_eq!(m.fields().filter(|(n, _)| *n == FROM_ID).count(), 1);
        assert_eq!(m.fields().filter(|(n, _)| *n == FROM_CLASS).count(), 1);
        let o = Origin::of(&m);
        assert_eq!(o.client, "mytool");
        assert!(!o.daemon);
        assert!(!o.is_daemon("crmd"));
    }

    #[test]
    fn root_is_a_daemon_nobody_is_not() {
        let mut m = Message::with_type("crmd");
        stamp(&mut m, "crmd", 0, 0);
        assert!(Origin::of(&m).is_daemon("crmd"));
        assert_eq!(UidClass::of_uid(65534), UidClass::User);
    }
}
