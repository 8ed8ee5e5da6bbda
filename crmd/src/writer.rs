//! Who made a CIB change, recorded on the `<cib>` element as Pacemaker does:
//! `update-origin` (the node the request came in on), `update-client` (the program that asked)
//! and `update-user` (the user it ran as, from the peer credentials of its `cib.sock`
//! connection, never from anything the client says). Forwarded writes carry it to the DC in the
//! `t=crmd` request ([`crate::peer::PeerMsg::Request`]), which only the peer crmd may send ([`crate::trust`]).

use cib::xml::Element;

/// The author of a CIB change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// The node the request came in on.
    pub origin: String,
    /// The client program (`cibadmin`, `crm_attribute`, ... or `crmd` for the daemon's own).
    pub client: String,
    /// The user name (or the uid, when the node has no name for it).
    pub user: String,
}

/// The name of `uid` on this node, else the number.
pub fn user_name(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(u)) => u.name,
        _ => uid.to_string(),
    }
}

/// The client name a tool gives: its program name, with anything but a plain name refused.
pub fn client_name(requested: Option<&str>) -> String {
    requested
        .filter(|c| {
            !c.is_empty()
                && c.len() <= 64
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_-.".contains(ch))
        })
        .unwrap_or("unknown")
        .to_string()
}

impl Writer {
    /// A request on `node` from a client naming itself `client`, running as `user`.
    pub fn new(node: &str, client: Option<&str>, user: &str) -> Writer {
        Writer {
            origin: node.to_string(),
            client: client_name(client),
            user: if user.is_empty() { "unknown" } else { user }.to_string(),
        }
    }

    /// A request from a local client running as `uid`.
    pub fn local(node: &str, client: Option<&str>, uid: u32) -> Writer {
        Writer::new(node, client, &user_name(uid))
    }

    /// The daemon's own change (join, results, attributes).
    pub fn daemon(node: &str) -> Writer {
        Writer {
            origin: node.to_string(),
            client: "crmd".into(),
            user: messaging::origin::DAEMON_USER.into(),
        }
    }

    /// Records this writer on a `<cib>` element.
    pub fn stamp(&self, cib: &mut Element) {
        cib.set_attr("update-origin", self.origin.as_str());
        cib.set_attr("update-client", self.client.as_str());
        cib.set_attr("update-user", self.user.as_str());
    }

    /// The writer of a request the peer crmd of `node` forwarded (which [`crate::trust`]
    /// has checked came from that crmd).
    pub fn forwarded(node: &str, client: &str, user: &str) -> Writer {
        Writer::new(node, Some(client), user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_writer_is_named_by_its_uid_and_survives_forwarding() {
        let w = Writer::local("node2", Some("cibadmin"), 0);
        assert_eq!(w.user, "root");
        assert_eq!(Writer::local("n", None, 4_000_000).user, "4000000");
        assert_eq!(Writer::local("n", Some("a b\n"), 0).client, "unknown");
        assert_eq!(Writer::forwarded("node2", &w.client, &w.user), w);
        let mut cib = Element::new("cib");
        w.stamp(&mut cib);
        assert_eq!(cib.attr("update-user"), Some("root"));
        assert_eq!(cib.attr("update-client"), Some("cibadmin"));
        assert_eq!(cib.attr("update-origin"), Some("node2"));
    }
}
