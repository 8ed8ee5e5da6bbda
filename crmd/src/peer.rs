//! Messages between the crmds of the cluster, carried by heartbeat as `t=crmd` messages.
//!
//! | `op=` | direction | fields |
//! |---|---|---|
//! | `join_offer` | DC → all | `join` (round number) |
//! | `join_report` | member → DC | `join`, `cib` (its replica, status removed), `lrm` (its own `<lrm>` history), `attrs` (its `<transient_attributes>`) |
//! | `cib_full` | DC → all or one | `cib` (the whole CIB), `join` (the join round it finalizes; absent or 0: none) |
//! | `join_ack` | member → DC | `join` (it installed that round's CIB: S_FINALIZE_JOIN may end) |
//! | `cib_diff` | DC → all | `from`, `patch` (v2 patch from version `from`) |
//! | `sync_req` | member → DC | — (its replica fell behind; answer: `cib_full`) |
//! | `request` | member → DC | `rid`, `body` (a client [`crate::proto::Request`] as JSON), `update_client`, `update_user` (who asked: [`crate::writer`]) |
//! | `reply` | DC → member | `rid`, `body` (the [`crate::proto::Response`] as JSON) |
//! | `exec` | DC → member | `tid`, `action` (one `<synapse>`'s action as a one-synapse graph) |
//! | `result` | member → DC | `tid`, `aid`, `rc`, `status`, `task`, `interval`, `target_rc`, `rsc`, `op_xml` (the member's `<lrm_resource>` after recording) |
//! | `forget` | DC → member | `rsc` (empty: all) — drop local history after a cleanup |
//! | `reprobe` | member → DC | — (its lrmd restarted and lost its state: forget its history and probe again) |
//!
//! XML travels in compact form; heartbeat escapes newlines. Heartbeat authenticates every packet
//! and delivers each sender's messages once and in order, which the replication relies on.

use messaging::wire::Message;

/// The application type of every crmd message.
pub const MSG_TYPE: &str = "crmd";

/// A crmd cluster message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerMsg {
    /// The DC starts a join round.
    JoinOffer {
        /// Round number.
        join: u64,
    },
    /// A member's answer to a join offer.
    JoinReport {
        /// Round number.
        join: u64,
        /// The member's replica without status.
        cib: String,
        /// The member's own LRM history (`<lrm>`).
        lrm: String,
        /// The member's transient attributes (`<transient_attributes>`), maybe empty.
        attrs: String,
    },
    /// The whole CIB.
    CibFull {
        /// XML.
        cib: String,
        /// The join round this CIB finalizes (0: none; members then answer `JoinAck`).
        join: u64,
    },
    /// A member installed the CIB of a join round.
    JoinAck {
        /// Round number.
        join: u64,
    },
    /// A change from version `from`.
    CibDiff {
        /// `admin_epoch.epoch.num_updates` the patch applies to.
        from: String,
        /// v2 patch XML.
        patch: String,
    },
    /// A replica asks for the whole CIB.
    SyncReq,
    /// A client write forwarded to the DC.
    Request {
        /// The origin's request id.
        rid: u64,
        /// JSON request body.
        body: String,
        /// Who asked, on the origin node (`update-client`, `update-user`).
        client: String,
        /// See `client`.
        user: String,
    },
    /// The DC's answer to a forwarded request.
    Reply {
        /// The origin's request id.
        rid: u64,
        /// JSON response.
        body: String,
    },
    /// Run an action.
    Exec {
        /// Transition id.
        tid: u64,
        /// One-synapse graph XML.
        action: String,
    },
    /// An action's (or a recurring operation's) result.
    Result {
        /// Transition id (0 for a recurring result outside any transition).
        tid: u64,
        /// Action id within the transition.
        aid: u32,
        /// OCF return code.
        rc: i32,
        /// LRM op-status.
        status: i32,
        /// The node's whole `<lrm_resource>` for the resource after recording the result.
        op: String,
        /// Resource id.
        rsc: String,
        /// Operation name (`start`, `monitor`, ...).
        task: String,
        /// Operation interval in ms.
        interval_ms: u64,
        /// The rc the operation was expected to return.
        target_rc: i32,
    },
    /// Forget local history of a resource (empty: all).
    Forget {
        /// Resource id.
        rsc: String,
    },
    /// The member's lrmd was restarted: what it runs is unknown until probed again.
    Reprobe,
}

/// Why a message could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeerError {
    /// Not a crmd message.
    #[error("not a crmd message")]
    NotCrmd,
    /// Unknown `op`.
    #[error("unknown crmd op {0:?}")]
    UnknownOp(String),
    /// A field is missing or malformed.
    #[error("crmd {op}: field {field} missing or invalid")]
    Field {
        /// The op.
        op: String,
        /// The field.
        field: &'static str,
    },
}

impl PeerMsg {
    /// The heartbeat message.
    pub fn encode(&self) -> Message {
        let mut m = Message::with_type(MSG_TYPE);
        match self {
            PeerMsg::JoinOffer { join } => {
                m.set("op", "join_offer").set("join", join.to_string());
            }
            PeerMsg::JoinReport {
                join,
                cib,
                lrm,
                attrs,
            } => {
                m.set("op", "join_report")
                    .set("join", join.to_string())
                    .set("cib", cib.as_str())
                    .set("lrm", lrm.as_str())
                    .set("attrs", attrs.as_str());
            }
            PeerMsg::CibFull { cib, join } => {
                m.set("op", "cib_full").set("cib", cib.as_str());
                if *join > 0 {
                    m.set("join", join.to_string());
                }
            }
            PeerMsg::JoinAck { join } => {
                m.set("op", "join_ack").set("join", join.to_string());
            }
            PeerMsg::CibDiff { from, patch } => {
                m.set("op", "cib_diff")
                    .set("from", from.as_str())
                    .set("patch", patch.as_str());
            }
            PeerMsg::SyncReq => {
                m.set("op", "sync_req");
            }
            PeerMsg::Request {
                rid,
                body,
                client,
                user,
            } => {
                m.set("op", "request")
                    .set("rid", rid.to_string())
                    .set("body", body.as_str())
                    .set("update_client", client.as_str())
                    .set("update_user", user.as_str());
            }
            PeerMsg::Reply { rid, body } => {
                m.set("op", "reply")
                    .set("rid", rid.to_string())
                    .set("body", body.as_str());
            }
            PeerMsg::Exec { tid, action } => {
                m.set("op", "exec")
                    .set("tid", tid.to_string())
                    .set("action", action.as_str());
            }
            PeerMsg::Result {
                tid,
                aid,
                rc,
                status,
                op,
                rsc,
                task,
                interval_ms,
                target_rc,
            } => {
                m.set("op", "result")
                    .set("task", task.as_str())
                    .set("interval", interval_ms.to_string())
                    .set("target_rc", target_rc.to_string())
                    .set("tid", tid.to_string())
                    .set("aid", aid.to_string())
                    .set("rc", rc.to_string())
                    .set("status", status.to_string())
                    .set("op_xml", op.as_str())
                    .set("rsc", rsc.as_str());
            }
            PeerMsg::Forget { rsc } => {
                m.set("op", "forget").set("rsc", rsc.as_str());
            }
            PeerMsg::Reprobe => {
                m.set("op", "reprobe");
            }
        }
        m
    }

    /// Reads a crmd message.
    pub fn decode(m: &Message) -> Result<PeerMsg, PeerError> {
        if m.msg_type() != Some(MSG_TYPE) {
            return Err(PeerError::NotCrmd);
        }
        let op = m.get("op").unwrap_or("").to_string();
        let text = |field: &'static str| -> Result<String, PeerError> {
            m.get(field).map(str::to_string).ok_or(PeerError::Field {
                op: op.clone(),
                field,
            })
        };
        let num = |field: &'static str| -> Result<u64, PeerError> {
            m.get(field)
                .and_then(|v| v.parse().ok())
                .ok_or(PeerError::Field {
                    op: op.clone(),
                    field,
                })
        };
        let int = |field: &'static str| -> Result<i32, PeerError> {
            m.get(field)
                .and_then(|v| v.parse().ok())
                .ok_or(PeerError::Field {
                    op: op.clone(),
                    field,
                })
        };
        Ok(match op.as_str() {
            "join_offer" => PeerMsg::JoinOffer { join: num("join")? },
            "join_report" => PeerMsg::JoinReport {
                join: num("join")?,
                cib: text("cib")?,
                lrm: text("lrm")?,
                attrs: text("attrs")?,
            },
            "cib_full" => PeerMsg::CibFull {
                cib: text("cib")?,
                join: m.get("join").and_then(|v| v.parse().ok()).unwrap_or(0),
            },
            "join_ack" => PeerMsg::JoinAck { join: num("join")? },
            "cib_diff" => PeerMsg::CibDiff {
                from: text("from")?,
                patch: text("patch")?,
            },
            "sync_req" => PeerMsg::SyncReq,
            "request" => PeerMsg::Request {
                rid: num("rid")?,
                body: text("body")?,
                client: m.get("update_client").unwrap_or("unknown").to_string(),
                user: m.get("update_user").unwrap_or("unknown").to_string(),
            },
            "reply" => PeerMsg::Reply {
                rid: num("rid")?,
                body: text("body")?,
            },
            "exec" => PeerMsg::Exec {
                tid: num("tid")?,
                action: text("action")?,
            },
            "result" => PeerMsg::Result {
                tid: num("tid")?,
                aid: u32::try_from(num("aid")?).map_err(|_| PeerError::Field {
                    op: op.clone(),
                    field: "aid",
                })?,
                rc: int("rc")?,
                status: int("status")?,
                op: text("op_xml")?,
                rsc: text("rsc")?,
                task: text("task")?,
                interval_ms: num("interval")?,
                target_rc: int("target_rc")?,
            },
            "forget" => PeerMsg::Forget { rsc: text("rsc")? },
            "reprobe" => PeerMsg::Reprobe,
            other => return Err(PeerError::UnknownOp(other.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_survives_the_wire_text_form() {
        let msgs = vec![
            PeerMsg::JoinOffer { join: 3 },
            PeerMsg::JoinAck { join: 4 },
            PeerMsg::CibFull {
                cib: "<cib/>".into(),
                join: 7,
            },
            PeerMsg::JoinReport {
                join: 3,
                cib: "<cib epoch=\"1\">\n<configuration/></cib>".into(),
                lrm: "<lrm id=\"n1\"/>".into(),
                attrs: String::new(),
            },
            PeerMsg::CibDiff {
                from: "0.4.2".into(),
                patch: "<diff format=\"2\"/>".into(),
            },
            PeerMsg::SyncReq,
            PeerMsg::Result {
                tid: 2,
                aid: 7,
                rc: 0,
                status: 0,
                op: "<lrm_resource id=\"ip\"/>".into(),
                rsc: "ip".into(),
                task: "monitor".into(),
                interval_ms: 10000,
                target_rc: 0,
            },
            PeerMsg::Forget { rsc: String::new() },
            PeerMsg::Reprobe,
        ];
        for msg in msgs {
            let text = msg.encode().encode();
            let back = Message::decode(text.as_bytes()).expect("decodes");
            assert_eq!(PeerMsg::decode(&back), Ok(msg));
        }
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let mut m = Message::with_type(MSG_TYPE);
        m.set("op", "result").set("tid", "x");
        assert!(matches!(PeerMsg::decode(&m), Err(PeerError::Field { .. })));
        m.set("op", "explode");
        assert_eq!(
            PeerMsg::decode(&m),
            Err(PeerError::UnknownOp("explode".into()))
        );
        assert_eq!(
            PeerMsg::decode(&Message::with_type("ccm")),
            Err(PeerError::NotCrmd)
        );
    }
}
