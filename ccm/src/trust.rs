//! Which `t=ccm` cluster messages ccm acts on. Heartbeat authenticates the sending node
//! (authkeys) and stamps the sending client ([`messaging::origin`]); a membership message counts
//! only when that client is the peer ccm signed on by root or `hacluster`. Anything else, e.g. a
//! `Leave` a local user of some node sent through its `api.sock`, would let that user remove the
//! node from every view, so it is dropped and the daemon logs why (rate-limited).

use messaging::origin::Origin;
use messaging::wire::Message;
use thiserror::Error;

use crate::runtime::CLIENT_NAME;

/// A ccm message not sent by the peer ccm daemon.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not from the peer ccm (client [{client}], {class} uid)")]
pub struct NotPeerCcm {
    /// The stamped client name (empty when there is no stamp).
    pub client: String,
    /// `daemon` or `user`.
    pub class: &'static str,
}

/// Accepts `msg` only if heartbeat stamped it as sent by the ccm daemon of its node.
pub fn check(msg: &Message) -> Result<(), NotPeerCcm> {
    let origin = Origin::of(msg);
    if origin.is_daemon(CLIENT_NAME) {
        return Ok(());
    }
    Err(NotPeerCcm {
        client: origin.client,
        class: if origin.daemon { "daemon" } else { "user" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Body, Packet};
    use messaging::origin::stamp;

    fn leave(client: &str, uid: u32) -> Message {
        let mut m = Packet {
            incarnation: 7,
            body: Body::Leave,
        }
        .encode();
        stamp(&mut m, client, uid, uid);
        m
    }

    #[test]
    fn only_the_ccm_daemon_is_trusted() {
        assert_eq!(check(&leave("ccm", 0)), Ok(()));
        assert_eq!(
            check(&leave("ccm", 65534)),
            Err(NotPeerCcm {
                client: "ccm".into(),
                class: "user"
            })
        );
        assert_eq!(
            check(&leave("mytool", 0)),
            Err(NotPeerCcm {
                client: "mytool".into(),
                class: "daemon"
            })
        );
        // Claimed in the body but never stamped by heartbeat.
        let mut bare = Packet {
            incarnation: 7,
            body: Body::Leave,
        }
        .encode();
        bare.set("from_id", "ccm");
        assert!(check(&bare).is_err());
    }
}
