//! Which `t=crmd` cluster messages a crmd acts on. Heartbeat authenticates the sending node
//! (authkeys) and stamps the sending client ([`messaging::origin`]); this decides whether that
//! client is the peer crmd of a member node, and whether the node may ask what it asks. Anything
//! else, e.g. a message a local user of some node sent through its `api.sock`, is refused with a
//! reason the daemon logs.

use messaging::origin::Origin;
use messaging::wire::Message;

use crate::peer::MSG_TYPE;

/// The client name the crmds sign on under.
pub const CRMD_CLIENT: &str = "crmd";

/// What the receiving crmd knows when a message arrives.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The current membership, `None` before the first view (the join flow may start before
    /// ccm's first view arrives).
    pub members: Option<&'a [String]>,
    /// The DC this node follows, if known.
    pub dc: Option<&'a str>,
}

/// Why a message is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not sent by the crmd daemon: another client, or a non-daemon uid under its name.
    #[error("not from the peer crmd (client [{client}], {class} uid)")]
    NotPeerCrmd {
        /// The stamped client name.
        client: String,
        /// `daemon` or `user`.
        class: &'static str,
    },
    /// The sending node is not in the membership.
    #[error("node {0} is not a member")]
    NotMember(String),
    /// Only the DC may send this.
    #[error("op {op} is the DC's, and {node} is not our DC")]
    NotDc {
        /// The op.
        op: String,
        /// The sender.
        node: String,
    },
}

/// Ops that make this node act (run an agent, drop history): only our DC may send them.
const DC_ONLY: &[&str] = &["exec", "forget"];

/// Decides whether `msg` from node `src` is the peer crmd's and may be acted on.
pub fn check(src: &str, msg: &Message, ctx: Context<'_>) -> Result<(), Refused> {
    debug_assert_eq!(msg.msg_type(), Some(MSG_TYPE));
    let origin = Origin::of(msg);
    if !origin.is_daemon(CRMD_CLIENT) {
        return Err(Refused::NotPeerCrmd {
            client: origin.client,
            class: if origin.daemon { "daemon" } else { "user" },
        });
    }
    if let Some(members) = ctx.members {
        if !members.iter().any(|m| m == src) {
            return Err(Refused::NotMember(src.to_string()));
        }
    }
    let op = msg.get("op").unwrap_or_default();
    if DC_ONLY.contains(&op) && ctx.dc.is_some_and(|dc| dc != src) {
        return Err(Refused::NotDc {
            op: op.to_string(),
            node: src.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::origin::stamp;

    fn msg(op: &str, client: &str, uid: u32) -> Message {
        let mut m = Message::with_type(MSG_TYPE);
        m.set("op", op);
        stamp(&mut m, client, uid, uid);
        m
    }

    fn ctx<'a>(members: &'a [String], dc: &'a str) -> Context<'a> {
        Context {
            members: Some(members),
            dc: Some(dc),
        }
    }

    #[test]
    fn the_peer_crmd_of_a_member_is_accepted() {
        let members = vec!["n1".to_string(), "n2".to_string()];
        assert_eq!(
            check("n1", &msg("exec", "crmd", 0), ctx(&members, "n1")),
            Ok(())
        );
        let early = Context {
            members: None,
            dc: None,
        };
        assert_eq!(check("n2", &msg("join_offer", "crmd", 0), early), Ok(()));
    }

    #[test]
    fn other_clients_users_strangers_and_non_dcs_are_refused() {
        let members = vec!["n1".to_string(), "n2".to_string()];
        let c = ctx(&members, "n1");
        assert!(matches!(
            check("n1", &msg("exec", "mytool", 0), c),
            Err(Refused::NotPeerCrmd { .. })
        ));
        assert_eq!(
            check("n1", &msg("exec", "crmd", 65534), c),
            Err(Refused::NotPeerCrmd {
                client: "crmd".into(),
                class: "user"
            })
        );
        // No stamp at all (never passed through heartbeat's API).
        let mut bare = Message::with_type(MSG_TYPE);
        bare.set("op", "exec").set("from_id", "crmd");
        assert!(check("n1", &bare, c).is_err());
        assert_eq!(
            check("n3", &msg("cib_diff", "crmd", 0), c),
            Err(Refused::NotMember("n3".into()))
        );
        assert!(matches!(
            check("n2", &msg("exec", "crmd", 0), c),
            Err(Refused::NotDc { .. })
        ));
        assert_eq!(check("n2", &msg("request", "crmd", 0), c), Ok(()));
    }
}
