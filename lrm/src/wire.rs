//! The lrmd socket protocol.
//!
//! A connection carries frames in both directions. A frame is a 4-byte big-endian length `N`
//! (at most [`MAX_FRAME`]) followed by `N` bytes of UTF-8 JSON holding one message:
//! [`Request`] from the client, [`ServerMessage`] from the daemon. Every request carries an `id`
//! chosen by the client and gets exactly one reply with that id; after `subscribe`, the daemon
//! also sends `event` messages (operation results) at any time, interleaved with replies.
//!
//! ```text
//! client -> {"id":7,"request":"exec","op":{"rsc":"db","action":"start","timeout_ms":20000}}
//! daemon <- {"type":"reply","id":7,"reply":"call","call_id":42}
//! daemon <- {"type":"event","result":{"call_id":42,"rsc":"db","action":"start","rc":0,...}}
//! ```

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::{Error, Result};
use crate::history::ResourceHistory;
use crate::op::{Action, OpRequest, OpResult, ResourceSpec};

/// Largest accepted frame body (16 MiB): results carry at most 4 × 64 KiB of output.
pub const MAX_FRAME: usize = ipc::DEFAULT_MAX_FRAME;

/// Default socket path of the daemon (overridden by `LRMD_SOCKET` or `--socket`).
pub const DEFAULT_SOCKET: &str = "/var/run/heartbeat/lrmd.sock";

/// The socket path: `LRMD_SOCKET`, else `$HA_RUNDIR/lrmd.sock` (so every node of a test or demo
/// cluster sharing one filesystem has its own), else the default.
pub fn socket_path() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("LRMD_SOCKET").filter(|v| !v.is_empty()) {
        return p.into();
    }
    match std::env::var_os("HA_RUNDIR").filter(|v| !v.is_empty()) {
        Some(dir) => std::path::PathBuf::from(dir).join("lrmd.sock"),
        None => DEFAULT_SOCKET.into(),
    }
}

/// A client request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Client-chosen id echoed in the reply.
    pub id: u64,
    /// What is asked.
    #[serde(flatten)]
    pub body: RequestBody,
}

/// The kinds of request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum RequestBody {
    /// Register or update a resource. Reply: `done`.
    Register {
        /// The resource.
        resource: ResourceSpec,
    },
    /// Forget a resource. Reply: `done`.
    Unregister {
        /// Resource id.
        rsc: String,
    },
    /// Queue an operation. Reply: `call`; the result arrives as an event.
    Exec {
        /// The operation.
        op: OpRequest,
    },
    /// Stop a recurring operation. Reply: `done`.
    Cancel {
        /// Resource id.
        rsc: String,
        /// Action.
        action: Action,
        /// Interval in ms.
        interval_ms: u64,
    },
    /// A resource's history. Reply: `history`.
    History {
        /// Resource id.
        rsc: String,
    },
    /// Registered resources. Reply: `resources`.
    List,
    /// Start receiving events on this connection. Reply: `done`.
    Subscribe,
}

/// A message from the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The answer to request `id`.
    Reply {
        /// The request's id.
        id: u64,
        /// The answer.
        #[serde(flatten)]
        reply: Reply,
    },
    /// An operation result (only after `subscribe`).
    Event {
        /// The result.
        result: OpResult,
    },
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// Done, nothing to return.
    Done,
    /// The operation was queued with this call id.
    Call {
        /// Call id.
        call_id: u64,
    },
    /// A resource's history.
    History {
        /// The history.
        history: Box<ResourceHistory>,
    },
    /// Registered resources.
    Resources {
        /// The resources.
        resources: Vec<ResourceSpec>,
    },
    /// The request failed.
    Error {
        /// Why.
        message: String,
    },
}

impl Request {
    /// Decodes a request frame's payload (the request decoder of `lrmd.sock`).
    pub fn decode(payload: &[u8]) -> std::io::Result<Request> {
        ipc::json::decode(payload)
    }
}

impl RequestBody {
    /// What the request needs: `history` and `list` read, the rest changes or runs something.
    pub fn need(&self) -> ipc::Need {
        match self {
            RequestBody::History { .. } | RequestBody::List | RequestBody::Subscribe => {
                ipc::Need::Read
            }
            RequestBody::Register { .. }
            | RequestBody::Unregister { .. }
            | RequestBody::Exec { .. }
            | RequestBody::Cancel { .. } => ipc::Need::Write,
        }
    }
}

/// Writes one message as a frame.
pub async fn write_frame<W: AsyncWrite + Unpin, T: Serialize>(w: &mut W, msg: &T) -> Result<()> {
    ipc::json::write_async(w, msg)
        .await
        .map_err(|source| Error::Io {
            context: "writing a frame".into(),
            source,
        })
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub async fn read_frame<R: AsyncRead + Unpin, T: serde::de::DeserializeOwned>(
    r: &mut R,
) -> Result<Option<T>> {
    ipc::json::read_async(r, MAX_FRAME)
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::InvalidData => Error::Protocol(source.to_string()),
            _ => Error::Io {
                context: "reading a frame".into(),
                source,
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_documented_shape() {
        let req = Request {
            id: 7,
            body: RequestBody::Cancel {
                rsc: "db".into(),
                action: Action::Monitor,
                interval_ms: 10_000,
            },
        };
        let text = serde_json::to_string(&req).unwrap();
        assert_eq!(
            text,
            r#"{"id":7,"request":"cancel","rsc":"db","action":"monitor","interval_ms":10000}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), req);
        let reply = ServerMessage::Reply {
            id: 7,
            reply: Reply::Call { call_id: 42 },
        };
        let text = serde_json::to_string(&reply).unwrap();
        assert_eq!(
            text,
            r#"{"type":"reply","id":7,"reply":"call","call_id":42}"#
        );
        assert_eq!(serde_json::from_str::<ServerMessage>(&text).unwrap(), reply);
    }

    #[tokio::test]
    async fn frames_round_trip_and_oversize_frames_are_refused() {
        use tokio::io::AsyncWriteExt;
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        let req = Request {
            id: 1,
            body: RequestBody::List,
        };
        write_frame(&mut a, &req).await.unwrap();
        let got: Option<Request> = read_frame(&mut b).await.unwrap();
        assert_eq!(got, Some(req));
        a.write_all(&(u32::MAX).to_be_bytes()).await.unwrap();
        let err = read_frame::<_, Request>(&mut b).await.unwrap_err();
        assert!(matches!(err, Error::Protocol(_)), "{err}");
        drop(a);
        assert_eq!(read_frame::<_, Request>(&mut b).await.unwrap(), None);
    }
}
