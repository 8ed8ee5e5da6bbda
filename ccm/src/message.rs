//! The ccm protocol messages exchanged between nodes, and their encoding as heartbeat cluster
//! messages (`t=ccm`, `k=<kind>`, hex numbers, members as `name:incarnation:born` words).

use std::collections::BTreeSet;

use messaging::wire::Message;
use thiserror::Error;

use crate::view::{Member, MemberSet, View};

/// The heartbeat message type (`t=`) of every ccm packet.
pub const MSG_TYPE: &str = "ccm";

/// One protocol message plus the sender's incarnation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Packet {
    /// Incarnation of the sending ccm; messages of an older incarnation are ignored.
    pub incarnation: u64,
    /// What it says.
    pub body: Body,
}

/// The protocol messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Body {
    /// Periodic liveness and state summary, broadcast.
    Hello {
        /// Instance of the sender's committed view (0: none).
        view: u64,
        /// Highest instance the sender acknowledged.
        acked: u64,
        /// The nodes the sender hears (its contact set), so every node can tell which pairs
        /// hear each other; `None` from a sender that does not say.
        hears: Option<BTreeSet<String>>,
    },
    /// Phase 1: the leader proposes `members` as view `instance`.
    Propose {
        /// Proposed instance.
        instance: u64,
        /// Proposed members as `name -> incarnation`.
        members: MemberSet,
    },
    /// A member accepts proposal `instance`.
    Ack {
        /// The accepted instance.
        instance: u64,
        /// Incarnation of the leader whose proposal is accepted (a restarted leader must not count
        /// acknowledgements meant for its previous life).
        leader_incarnation: u64,
        /// The member's `born` in its current view, if that view contains its current incarnation
        /// (0 otherwise): each member knows best since when it has been in the membership.
        born: u64,
    },
    /// A member refuses proposal `instance`; `max_seen` tells the leader how far to jump.
    Nack {
        /// The refused instance.
        instance: u64,
        /// The largest instance the member knows of.
        max_seen: u64,
    },
    /// Phase 2: the leader commits a view every member acknowledged.
    Commit {
        /// The view.
        view: View,
    },
    /// "My view does not match who I can reach; please run a round" (sent to the would-be leader).
    Join,
    /// The sender's ccm is shutting down.
    Leave,
}

/// A heartbeat message that is not a valid ccm packet.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// `t` is not `ccm`.
    #[error("not a ccm message")]
    NotCcm,
    /// A field is missing or malformed.
    #[error("bad or missing field {0:?}")]
    BadField(&'static str),
    /// Unknown `k=`.
    #[error("unknown ccm message kind {0:?}")]
    UnknownKind(String),
}

impl Packet {
    /// The heartbeat message carrying this packet.
    pub fn encode(&self) -> Message {
        let mut m = Message::with_type(MSG_TYPE);
        m.set_hex("inc", self.incarnation);
        match &self.body {
            Body::Hello { view, acked, hears } => {
                m.set("k", "hello")
                    .set_hex("view", *view)
                    .set_hex("acked", *acked);
                if let Some(hears) = hears {
                    let names: Vec<&str> = hears.iter().map(String::as_str).collect();
                    m.set("hears", names.join(" "));
                }
            }
            Body::Propose { instance, members } => {
                let words: Vec<String> =
                    members.iter().map(|(n, i)| format!("{n}:{i:x}")).collect();
                m.set("k", "propose")
                    .set_hex("inst", *instance)
                    .set("mem", words.join(" "));
            }
            Body::Ack {
                instance,
                leader_incarnation,
                born,
            } => {
                m.set("k", "ack")
                    .set_hex("inst", *instance)
                    .set_hex("linc", *leader_incarnation)
                    .set_hex("born", *born);
            }
            Body::Nack { instance, max_seen } => {
                m.set("k", "nack")
                    .set_hex("inst", *instance)
                    .set_hex("max", *max_seen);
            }
            Body::Commit { view } => {
                let words: Vec<String> = view
                    .members
                    .iter()
                    .map(|x| format!("{}:{:x}:{:x}", x.name, x.incarnation, x.born))
                    .collect();
                m.set("k", "commit")
                    .set_hex("inst", view.instance)
                    .set("ldr", view.leader.clone())
                    .set("q", if view.quorum { "1" } else { "0" })
                    .set("mem", words.join(" "));
            }
            Body::Join => {
                m.set("k", "join");
            }
            Body::Leave => {
                m.set("k", "leave");
            }
        }
        m
    }

    /// Reads a packet from a heartbeat message (extra fields such as `src` are ignored).
    pub fn decode(m: &Message) -> Result<Packet, DecodeError> {
        if m.msg_type() != Some(MSG_TYPE) {
            return Err(DecodeError::NotCcm);
        }
        let hex = |f: &'static str| m.get_hex(f).ok_or(DecodeError::BadField(f));
        let incarnation = hex("inc")?;
        let kind = m.get("k").ok_or(DecodeError::BadField("k"))?;
        let body = match kind {
            "hello" => Body::Hello {
                view: hex("view")?,
                acked: hex("acked")?,
                hears: m
                    .get("hears")
                    .map(|names| names.split_whitespace().map(str::to_string).collect()),
            },
            "propose" => {
                let mut members = MemberSet::new();
                for w in words(m)? {
                    let (n, i) = w.split_once(':').ok_or(DecodeError::BadField("mem"))?;
                    let i = u64::from_str_radix(i, 16).map_err(|_| DecodeError::BadField("mem"))?;
                    members.insert(n.to_string(), i);
                }
                Body::Propose {
                    instance: hex("inst")?,
                    members,
                }
            }
            "ack" => Body::Ack {
                instance: hex("inst")?,
                leader_incarnation: hex("linc")?,
                born: hex("born")?,
            },
            "nack" => Body::Nack {
                instance: hex("inst")?,
                max_seen: hex("max")?,
            },
            "commit" => {
                let mut members = Vec::new();
                for w in words(m)? {
                    let mut parts = w.split(':');
                    let bad = || DecodeError::BadField("mem");
                    let name = parts.next().ok_or_else(bad)?.to_string();
                    let mut num = || {
                        parts
                            .next()
                            .and_then(|x| u64::from_str_radix(x, 16).ok())
                            .ok_or_else(bad)
                    };
                    let incarnation = num()?;
                    let born = num()?;
                    members.push(Member {
                        name,
                        incarnation,
                        born,
                    });
                }
                Body::Commit {
                    view: View {
                        instance: hex("inst")?,
                        leader: m
                            .get("ldr")
                            .ok_or(DecodeError::BadField("ldr"))?
                            .to_string(),
                        quorum: m.get("q") == Some("1"),
                        members,
                    },
                }
            }
            "join" => Body::Join,
            "leave" => Body::Leave,
            other => return Err(DecodeError::UnknownKind(other.to_string())),
        };
        Ok(Packet { incarnation, body })
    }
}

fn words(m: &Message) -> Result<impl Iterator<Item = &str>, DecodeError> {
    Ok(m.get("mem")
        .ok_or(DecodeError::BadField("mem"))?
        .split_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(body: Body) {
        let p = Packet {
            incarnation: 0x1234,
            body,
        };
        let bytes = p.encode().encode();
        let back = Message::decode(bytes.as_bytes()).unwrap();
        assert_eq!(Packet::decode(&back).unwrap(), p);
    }

    #[test]
    fn every_kind_survives_the_wire() {
        roundtrip(Body::Hello {
            view: 7,
            acked: 9,
            hears: None,
        });
        roundtrip(Body::Hello {
            view: 7,
            acked: 9,
            hears: Some(["a".to_string(), "b".to_string()].into()),
        });
        roundtrip(Body::Propose {
            instance: 10,
            members: [("a".to_string(), 1), ("b".to_string(), 2)].into(),
        });
        roundtrip(Body::Ack {
            instance: 10,
            leader_incarnation: 3,
            born: 2,
        });
        roundtrip(Body::Nack {
            instance: 10,
            max_seen: 12,
        });
        roundtrip(Body::Commit {
            view: View {
                instance: 11,
                leader: "a".into(),
                quorum: true,
                members: vec![
                    Member {
                        name: "a".into(),
                        incarnation: 1,
                        born: 3,
                    },
                    Member {
                        name: "b".into(),
                        incarnation: 2,
                        born: 11,
                    },
                ],
            },
        });
        roundtrip(Body::Join);
        roundtrip(Body::Leave);
    }

    #[test]
    fn foreign_messages_are_refused() {
        assert_eq!(
            Packet::decode(&Message::with_type("crmd")),
            Err(DecodeError::NotCcm)
        );
        let mut m = Message::with_type(MSG_TYPE);
        m.set("inc", "1").set("k", "dance");
        assert_eq!(
            Packet::decode(&m),
            Err(DecodeError::UnknownKind("dance".into()))
        );
    }
}
