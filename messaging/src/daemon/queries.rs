//! Frames from local clients: sign-on, send, queries.

use super::cluster::RESERVED_TYPES;
use super::options::V1_RESOURCE_MANAGER;
use super::Daemon;
use crate::client::NodeStatus;
use crate::config::CrmMode;
use crate::log;
use crate::v1rsc::{RscStatus, RSC_UNDER_CRM};
use crate::wire::Message;

impl Daemon {
    pub(super) fn on_client_frame(&mut self, id: u64, msg: Message) {
        let Some(conn) = self.clients.conns.get(&id) else {
            return;
        };
        let signed_on = conn.name.is_some();
        if !conn.access().permits(super::api::need(&msg)) {
            conn.conn
                .refuse("hbapi=send: read-only access; disconnecting");
            self.on_client_gone(id);
            return;
        }
        match (msg.get("hbapi"), signed_on) {
            (Some("signon"), false) => self.signon(id, &msg),
            (Some("send"), true) => self.client_send(id, msg),
            (Some("rscstate"), true) => self.rsc_state_reported(id, &msg),
            (Some("query"), true) => {
                let (rc, result) = self.answer(&msg);
                let mut reply = Message::new();
                reply
                    .set("hbapi", "reply")
                    .set("qid", msg.get("qid").unwrap_or("0"))
                    .set("rc", if rc { "0" } else { "1" })
                    .set("result", result);
                if let Some(c) = self.clients.conns.get(&id) {
                    c.send(reply);
                }
            }
            _ => {
                log::warn(&format!("API client {id}: unexpected frame, disconnecting"));
                self.on_client_gone(id);
            }
        }
    }

    /// `hb_v1rsc` says which groups it holds, or that they move.
    fn rsc_state_reported(&mut self, id: u64, msg: &Message) {
        let from = self.clients.conns[&id].name.clone().unwrap_or_default();
        let status = msg.get("st").and_then(RscStatus::parse);
        match status {
            Some(st) if self.v1_site && from == V1_RESOURCE_MANAGER.0 => {
                if self.rsc_status != Some(st) {
                    log::debug(&format!("resource status: {st}"));
                }
                self.rsc_status = Some(st);
            }
            _ => log::warn(&format!(
                "API client {from}: resource status report {:?} ignored (only {} reports, in a v1 site)",
                msg.get("st").unwrap_or_default(),
                V1_RESOURCE_MANAGER.0
            )),
        }
    }

    fn signon(&mut self, id: u64, msg: &Message) {
        let cn = msg.get("cn").unwrap_or_default().to_string();
        let first_of_name = !self.clients.names().contains(&cn);
        let conn = self.clients.conns.get_mut(&id).expect("checked");
        let ok = !cn.is_empty()
            && !cn.contains(char::is_whitespace)
            && super::api::authorised(&self.cfg.apiauth, &cn, conn.conn.peer());
        let mut reply = Message::new();
        if !ok {
            log::warn(&format!(
                "API client [{cn}] uid {} gid {} refused by apiauth",
                conn.uid(),
                conn.gid()
            ));
            reply.set("hbapi", "signon-fail").set(
                "reason",
                format!(
                    "apiauth does not allow uid {} gid {} as client [{cn}]",
                    conn.uid(),
                    conn.gid()
                ),
            );
            conn.send(reply);
            self.clients.conns.remove(&id);
            return;
        }
        let casual = is_casual(&cn, conn.conn.peer());
        conn.name = Some(cn.clone());
        reply
            .set("hbapi", "signon-ok")
            .set("node", self.me.clone())
            .set_hex("hg", self.generation);
        conn.send(reply);
        log::debug(&format!("API client {cn} signed on"));
        if first_of_name && !casual {
            self.client_changed(&cn, "join");
        }
    }

    fn client_changed(&mut self, cn: &str, cs: &str) {
        let me = self.me.clone();
        self.client_event(&me, cn, cs);
        let mut m = Message::with_type("hbapi-clstat");
        m.set("cn", cn).set("cs", cs);
        self.send_sequenced(m);
    }

    pub(super) fn on_client_gone(&mut self, id: u64) {
        let Some(conn) = self.clients.conns.remove(&id) else {
            return;
        };
        if let Some(cn) = conn.name {
            let casual = is_casual(&cn, conn.conn.peer());
            if !casual && !self.clients.names().contains(&cn) {
                self.client_changed(&cn, "leave");
            }
        }
    }

    fn client_send(&mut self, id: u64, mut msg: Message) {
        let conn = &self.clients.conns[&id];
        let (from, uid, gid) = (
            conn.name.clone().unwrap_or_default(),
            conn.uid(),
            conn.gid(),
        );
        msg.remove("hbapi");
        let Some(t) = msg.msg_type().map(str::to_string) else {
            log::warn(&format!("client {from}: message without t= dropped"));
            return;
        };
        if RESERVED_TYPES.contains(&t.as_str()) || t.starts_with("NS_") {
            log::warn(&format!("client {from}: reserved message type {t} dropped"));
            return;
        }
        for f in ["src", "seq", "hg", "auth", "ts"] {
            msg.remove(f);
        }
        // Receivers tell the peer daemon from other clients by this stamp, never by what the
        // client wrote.
        crate::origin::stamp(&mut msg, &from, uid, gid);
        match msg.get("dest").map(str::to_ascii_lowercase) {
            Some(dest) if dest == self.me => {
                msg.set("src", self.me.clone())
                    .set_hex("hg", self.generation);
                self.deliver_local(msg);
            }
            Some(_) => self.send_sequenced(msg),
            None => {
                self.send_sequenced(msg.clone());
                msg.set("src", self.me.clone())
                    .set_hex("hg", self.generation);
                self.deliver_local(msg);
            }
        }
    }

    /// All nodes, listed as Heartbeat lists them: newest first (ping nodes, joined nodes, then
    /// the `node` lines from last to first).
    fn all_nodes(&self) -> Vec<String> {
        let mut out = self.cfg.nodes.clone();
        if !out.contains(&self.me) {
            out.insert(0, self.me.clone());
        }
        for n in self.liveness.nodes() {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
        out.reverse();
        out
    }

    fn answer(&self, q: &Message) -> (bool, String) {
        let node = q
            .get("node")
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let is_me = node == self.me;
        let known = is_me || self.liveness.kind(&node).is_some();
        let unknown = || (false, format!("unknown node [{node}]"));
        match q.get("q").unwrap_or_default() {
            "nodes" => (true, self.all_nodes().join(" ")),
            "nodetype" if known => (
                true,
                if is_me {
                    "normal".into()
                } else {
                    self.liveness.kind(&node).expect("known").as_str().into()
                },
            ),
            "nodestatus" if known => (
                true,
                if is_me {
                    NodeStatus::Active.as_str().into()
                } else {
                    self.liveness.status(&node).expect("known").as_str().into()
                },
            ),
            "nodegen" if known => (
                true,
                format!(
                    "{:x}",
                    if is_me {
                        self.generation
                    } else {
                        self.liveness.generation(&node).unwrap_or(0)
                    }
                ),
            ),
            "nodeuuid" if known => match is_me {
                true => (true, self.uuid.clone()),
                false => match self.peers.get(&node).and_then(|p| p.uuid.clone()) {
                    Some(u) => (true, u),
                    None => (false, format!("uuid of [{node}] not known yet")),
                },
            },
            "links" if known => (
                true,
                self.links_of(&node)
                    .into_iter()
                    .map(|(l, _)| l)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "linkstatus" if known => {
                let link = q.get("link").unwrap_or_default();
                match self.links_of(&node).into_iter().find(|(l, _)| l == link) {
                    Some((_, up)) => (true, if up { "up".into() } else { "dead".into() }),
                    None => (false, format!("unknown link [{link}]")),
                }
            }
            "clientstatus" if known => {
                let cn = q.get("cn").unwrap_or_default().to_string();
                let online = if is_me {
                    self.clients.names().contains(&cn)
                } else {
                    self.liveness
                        .status(&node)
                        .is_some_and(NodeStatus::is_alive)
                        && self
                            .peers
                            .get(&node)
                            .is_some_and(|p| p.clients.contains(&cn))
                };
                (
                    true,
                    if online {
                        "online".into()
                    } else {
                        "offline".into()
                    },
                )
            }
            "nodetype" | "nodestatus" | "nodegen" | "nodeuuid" | "links" | "linkstatus"
            | "clientstatus" => unknown(),
            "parameter" => match self.cfg.parameter(q.get("name").unwrap_or_default()) {
                Some(v) => (true, v),
                None => (false, "no such parameter".into()),
            },
            // Heartbeat answers for its own v1 resource manager; under the CRM it has no
            // answer (cl_status then reads where a classic site's groups run in the CIB).
            "rscstatus" => match self.cfg.crm {
                CrmMode::Off if self.v1_site => (
                    true,
                    self.rsc_status
                        .unwrap_or(RscStatus::Transition)
                        .as_str()
                        .into(),
                ),
                CrmMode::Off if !self.crm_classic_site => (true, "none".into()),
                _ => (false, RSC_UNDER_CRM.into()),
            },
            "clients" => (true, self.clients.names().join(" ")),
            "stats" => (
                true,
                self.stats
                    .pairs()
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            other => (false, format!("unknown query [{other}]")),
        }
    }

    fn links_of(&self, node: &str) -> Vec<(String, bool)> {
        if node == self.me {
            let mut names: Vec<(String, bool)> = Vec::new();
            for l in &self.link_names {
                if !names.iter().any(|(n, _)| n == l) {
                    names.push((l.clone(), true));
                }
            }
            return names;
        }
        self.liveness.links(node).unwrap_or_default()
    }
}

/// Heartbeat's casual client (cl_status and the like) signs on under its own pid: nobody the
/// cluster needs to hear about, so no join/leave goes out for it.
fn is_casual(name: &str, peer: &ipc::Peer) -> bool {
    name == peer.pid.to_string()
}
