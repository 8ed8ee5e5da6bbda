//! Node-to-node traffic: heartbeats, sequenced cluster messages, retransmission, liveness changes.

use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Daemon, Peer};
use crate::client::NodeStatus;
use crate::config::Autojoin;
use crate::droplog::DropReason;
use crate::liveness::{Change, NodeKind};
use crate::log;
use crate::media::MAX_PACKET;
use crate::reliable::{Inbox, Received};
use crate::wire::Message;

/// Message types the daemon keeps for itself; clients may not send them.
pub(super) const RESERVED_TYPES: &[&str] = &[
    "status",
    "NS_rexmit",
    "NS_nak_rexmit",
    "hbapi-clstat",
    "hbapi-clstat-all",
    "hbapi-frag",
];

/// Raw text per fragment of a large message (escaping may double it; still below [`MAX_WIRE`]).
const FRAGMENT_TEXT: usize = 30_000;

/// The largest packet we put on a medium (UDP over IPv4 carries at most 65507 bytes).
pub(super) const MAX_WIRE: usize = 65_000;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Daemon {
    pub(super) fn send_heartbeat(&mut self, status: NodeStatus) {
        self.hbseq += 1;
        let mut m = Message::with_type("status");
        m.set("st", status.as_str())
            .set("src", self.me.clone())
            .set("srcuuid", self.uuid.clone())
            .set_hex("hg", self.generation)
            .set_hex("hbseq", self.hbseq)
            .set_hex("lastseq", self.outbox.last_seq())
            .set_hex("ts", unix_now())
            .set_hex("dt", self.cfg.deadtime.as_millis() as u64)
            .set("protocol", "1");
        if let Some(s) = &self.sealing {
            // Says "I can decrypt" even in clear, so a mixed period ends once Heartbeat is gone.
            m.set("crypto", s.name());
        }
        self.transmit(&mut m);
    }

    /// Stamps, signs and sends a cluster message to all nodes (`dest` filters delivery).
    /// A message too large for one datagram goes as consecutive `hbapi-frag` messages; ordered
    /// delivery keeps them adjacent, so the receiver only has to concatenate.
    pub(super) fn send_sequenced(&mut self, mut m: Message) {
        m.set("src", self.me.clone())
            .set_hex("hg", self.generation)
            .set_hex("ts", unix_now());
        if Self::fits_on_wire(&m) {
            self.outbox.stamp(&mut m);
            self.transmit(&mut m);
            return;
        }
        let text = m.encode();
        let chunks = split_text(&text, FRAGMENT_TEXT);
        for (i, chunk) in chunks.iter().enumerate() {
            let mut f = Message::with_type("hbapi-frag");
            f.set("src", self.me.clone())
                .set_hex("hg", self.generation)
                .set_hex("fragno", i as u64)
                .set_hex("fragcount", chunks.len() as u64)
                .set("data", *chunk);
            self.outbox.stamp(&mut f);
            self.transmit(&mut f);
        }
    }

    fn rexmit_interval(&self) -> Duration {
        self.cfg
            .max_rexmit_delay
            .min(self.cfg.keepalive)
            .max(Duration::from_millis(50))
    }

    pub(super) fn check_timers(&mut self, now: Instant) {
        for line in self.drops.tick(now) {
            log::warn(&line);
        }
        let changes = self.liveness.tick(now);
        self.apply(changes);
        self.check_sealing(now);
        let interval = self.rexmit_interval();
        let mut requests = Vec::new();
        for (name, peer) in self.peers.iter_mut() {
            if let Some((first, last)) = peer.inbox.as_mut().and_then(|i| i.wanted(now, interval)) {
                requests.push((name.clone(), first, last));
            }
        }
        for (node, first, last) in requests {
            self.request_rexmit(&node, first, last);
        }
    }

    fn request_rexmit(&mut self, node: &str, first: u64, last: u64) {
        self.stats.rexmit_requests += 1;
        let mut m = Message::with_type("NS_rexmit");
        m.set("src", self.me.clone())
            .set("dest", node)
            .set_hex("hg", self.generation)
            .set_hex("firstseq", first)
            .set_hex("lastseq", last.min(first + 200));
        self.transmit(&mut m);
    }

    pub(super) fn on_ping_reply(&mut self, addr: IpAddr) {
        let names = self.ping_addrs.get(&addr).cloned().unwrap_or_default();
        for name in names {
            let ch = self
                .liveness
                .heard(&name, &name, 0, NodeStatus::Ping, true, Instant::now());
            self.apply(ch);
        }
    }

    /// Counts a dropped packet and logs it, rate-limited per reason and source
    /// ([`crate::droplog`]).
    pub(super) fn drop_packet(
        &mut self,
        reason: DropReason,
        source: &str,
        detail: impl FnOnce() -> String,
    ) {
        let counter = match reason {
            DropReason::Malformed => &mut self.stats.malformed,
            DropReason::BadAuth => &mut self.stats.bad_auth,
            DropReason::UnknownNode => &mut self.stats.unknown_node,
            DropReason::Replay => &mut self.stats.replayed,
        };
        *counter += 1;
        if let Some(line) = self.drops.dropped(Instant::now(), reason, source, detail) {
            log::warn(&line);
        }
    }

    fn link_name(&self, link: usize) -> String {
        self.link_names
            .get(link)
            .cloned()
            .unwrap_or_else(|| link.to_string())
    }

    pub(super) fn on_packet(&mut self, link: usize, data: &[u8]) {
        self.stats.packets_in += 1;
        let via = self.link_name(link);
        if data.len() > MAX_PACKET {
            let len = data.len();
            self.drop_packet(DropReason::Malformed, &via, || {
                format!("dropped oversized packet ({len} bytes) on link {via}")
            });
            return;
        }
        let opened: Vec<u8>;
        let (data, sealed_by) = if crate::crypto::is_sealed(data) {
            let Some((sender, clear)) = self.open_sealed(&via, data) else {
                return;
            };
            opened = clear;
            (&opened[..], Some(sender))
        } else {
            (data, None)
        };
        let msg = match Message::decode(data) {
            Ok(m) => m,
            Err(e) => {
                self.drop_packet(DropReason::Malformed, &via, || {
                    format!("dropped malformed packet on link {via}: {e}")
                });
                return;
            }
        };
        if let Err(e) = crate::auth::verify(&msg, &self.keys) {
            // The source is only what the packet claims: it did not authenticate.
            let claimed = msg.get("src").unwrap_or("?").to_ascii_lowercase();
            self.drop_packet(DropReason::BadAuth, &claimed, || {
                format!("dropped packet failing authentication from [{claimed}] (claimed) on link {via}: {e}")
            });
            return;
        }
        let (Some(src), Some(hg)) = (
            msg.get("src").map(str::to_ascii_lowercase),
            msg.get_hex("hg"),
        ) else {
            self.drop_packet(DropReason::Malformed, &via, || {
                format!("dropped packet without src or hg on link {via}")
            });
            return;
        };
        if src == self.me {
            return;
        }
        if let Some(sender) = sealed_by
            .as_deref()
            .filter(|s| !s.eq_ignore_ascii_case(&src))
        {
            self.drop_packet(DropReason::BadAuth, sender, || {
                format!(
                    "dropped encrypted packet from [{sender}] claiming to be [{src}] on link {via}"
                )
            });
            return;
        }
        if self.liveness.kind(&src).is_none() {
            let may_join = match self.cfg.autojoin {
                Autojoin::None => false,
                Autojoin::Other | Autojoin::Any => true,
            };
            if !may_join {
                self.drop_packet(DropReason::UnknownNode, &src, || {
                    format!("dropped packet from unknown node [{src}] on link {via} (not in ha.cf, autojoin none)")
                });
                return;
            }
            log::info(&format!("Node {src} joined the cluster (autojoin)"));
            self.liveness.add_node(&src, NodeKind::Normal);
        }
        let peer = self.peers.entry(src.clone()).or_default();
        let known = peer.inbox.as_ref().map_or(0, Inbox::generation);
        if hg < known {
            // Heartbeat's wording for an old generation.
            self.drop_packet(DropReason::Replay, &src, || {
                format!(
                    "attempted replay attack [{src}]? [gen = {hg}, curgen = {known}] on link {via}"
                )
            });
            return;
        }
        if hg > known {
            // A new life of that node: nothing of the old one carries over, its clients included.
            let old = std::mem::replace(
                peer,
                Peer {
                    inbox: Some(Inbox::new(hg)),
                    ..Peer::default()
                },
            );
            for cn in old.clients {
                self.client_event(&src, &cn, "leave");
            }
        }
        match msg.msg_type().unwrap_or_default() {
            "status" => self.on_heartbeat(&src, link, hg, &msg, sealed_by.is_some()),
            "NS_rexmit" => {
                if msg.get("dest") == Some(self.me.as_str()) {
                    self.on_rexmit_request(&src, &msg);
                }
            }
            "NS_nak_rexmit" => {
                if msg.get("dest") == Some(self.me.as_str()) {
                    let (Some(first), Some(last)) =
                        (msg.get_hex("firstseq"), msg.get_hex("lastseq"))
                    else {
                        return;
                    };
                    let inbox = self.inbox(&src);
                    let msgs = inbox.skip(first, last);
                    log::warn(&format!(
                        "{src} no longer holds messages {first}..{last}: skipped"
                    ));
                    for m in msgs {
                        self.deliver(&src, m);
                    }
                }
            }
            _ => {
                let Some(seq) = msg.get_hex("seq") else {
                    self.drop_packet(DropReason::Malformed, &src, || {
                        format!("dropped message without seq from [{src}] on link {via}")
                    });
                    return;
                };
                match self.inbox(&src).receive(seq, msg) {
                    Received::Deliver(msgs) => {
                        for m in msgs {
                            self.deliver(&src, m);
                        }
                    }
                    Received::Duplicate => self.stats.duplicates += 1,
                    Received::Buffered => {
                        let interval = self.rexmit_interval();
                        if let Some((f, l)) = self.inbox(&src).wanted(Instant::now(), interval) {
                            self.request_rexmit(&src, f, l);
                        }
                    }
                }
            }
        }
    }

    fn inbox(&mut self, src: &str) -> &mut Inbox {
        self.peers
            .get_mut(src)
            .and_then(|p| p.inbox.as_mut())
            .expect("inbox created on first packet")
    }

    fn on_heartbeat(&mut self, src: &str, link: usize, hg: u64, msg: &Message, sealed: bool) {
        let Some(hbseq) = msg.get_hex("hbseq") else {
            let via = self.link_name(link);
            self.drop_packet(DropReason::Malformed, src, || {
                format!("dropped heartbeat without hbseq from [{src}] on link {via}")
            });
            return;
        };
        let peer = self.peers.get_mut(src).expect("peer created");
        if let Some(u) = msg.get("srcuuid") {
            peer.uuid = Some(u.to_string());
        }
        let last_on_link = peer.link_hbseq.get(&link).copied().unwrap_or(0);
        if hbseq <= last_on_link {
            let via = self.link_name(link);
            self.drop_packet(DropReason::Replay, src, || {
                format!("attempted replay attack [{src}]? [hbseq = {hbseq}, last = {last_on_link}] on link {via}")
            });
            return;
        }
        peer.link_hbseq.insert(link, hbseq);
        let node_fresh = hbseq > peer.hbseq;
        if node_fresh {
            peer.hbseq = hbseq;
            if let Some(inbox) = peer.inbox.as_mut() {
                inbox.heartbeat(msg.get_hex("lastseq").unwrap_or(0), hbseq);
            }
            self.note_heartbeat_sealing(src, sealed, msg.get("crypto").is_some());
        }
        let announced = msg
            .get("st")
            .and_then(NodeStatus::parse)
            .unwrap_or(NodeStatus::Active);
        let link_name = self.link_names[link].clone();
        let ch = self
            .liveness
            .heard(src, &link_name, hg, announced, node_fresh, Instant::now());
        self.apply(ch);
    }

    fn on_rexmit_request(&mut self, src: &str, msg: &Message) {
        let (Some(first), Some(last)) = (msg.get_hex("firstseq"), msg.get_hex("lastseq")) else {
            return;
        };
        let (msgs, lost) = self.outbox.retransmit(first, last);
        for mut m in msgs {
            self.stats.rexmitted += 1;
            self.transmit(&mut m);
        }
        if let Some((f, l)) = lost {
            let mut nak = Message::with_type("NS_nak_rexmit");
            nak.set("src", self.me.clone())
                .set("dest", src)
                .set_hex("hg", self.generation)
                .set_hex("firstseq", f)
                .set_hex("lastseq", l);
            self.transmit(&mut nak);
        }
    }

    /// A cluster message from `src`, in order: handle ours, hand the rest to clients.
    fn deliver(&mut self, src: &str, mut msg: Message) {
        match msg.msg_type().unwrap_or_default() {
            "hbapi-frag" => {
                if let Some(whole) = self.reassemble(src, &msg) {
                    self.deliver(src, whole);
                }
            }
            "hbapi-clstat" => {
                let (Some(cn), Some(cs)) = (msg.get("cn"), msg.get("cs")) else {
                    return;
                };
                let (cn, cs) = (cn.to_string(), cs.to_string());
                let peer = self.peers.entry(src.to_string()).or_default();
                if cs == "join" {
                    peer.clients.insert(cn.clone());
                } else {
                    peer.clients.remove(&cn);
                }
                self.client_event(src, &cn, &cs);
            }
            "hbapi-clstat-all" => {
                let list: std::collections::BTreeSet<String> = msg
                    .get("clients")
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                let peer = self.peers.entry(src.to_string()).or_default();
                let old = std::mem::replace(&mut peer.clients, list.clone());
                for gone in old.difference(&list) {
                    self.client_event(src, gone, "leave");
                }
                for new in list.difference(&old) {
                    self.client_event(src, new, "join");
                }
            }
            "starting"
                if self.crm_classic_site && self.v1_peers_reported.insert(src.to_string()) =>
            {
                log::error(&format!(
                    "node {src} runs Heartbeat v1's resource protocol (Heartbeat 3.0.6, or \
                     HA_RESOURCE_MANAGER=v1) while this node runs the haresources site under the \
                     CRM: both may run its groups. Give both nodes the same resource manager \
                     (README: Upgrading a Heartbeat 3.0.6 site)."
                ));
                msg.remove("auth");
                self.deliver_local(msg);
            }
            _ => {
                if msg.get("dest").is_some_and(|d| d != self.me) {
                    return;
                }
                msg.remove("auth");
                self.deliver_local(msg);
            }
        }
    }

    /// Adds a fragment; returns the message once its last fragment is in.
    fn reassemble(&mut self, src: &str, frag: &Message) -> Option<Message> {
        let (no, count) = (frag.get_hex("fragno")?, frag.get_hex("fragcount")?);
        let peer = self.peers.entry(src.to_string()).or_default();
        if no == 0 {
            peer.fragments = Some((0, String::new()));
        }
        let Some((next, buf)) = peer.fragments.as_mut() else {
            log::warn(&format!(
                "fragment {no}/{count} from {src} without its start: dropped"
            ));
            return None;
        };
        if *next != no {
            log::warn(&format!(
                "fragment {no}/{count} from {src} out of sequence: message dropped"
            ));
            peer.fragments = None;
            return None;
        }
        buf.push_str(frag.get("data").unwrap_or_default());
        *next += 1;
        if *next < count {
            return None;
        }
        let (_, text) = peer.fragments.take()?;
        match Message::decode(text.as_bytes()) {
            Ok(m) => Some(m),
            Err(e) => {
                log::warn(&format!("reassembled message from {src} is malformed: {e}"));
                None
            }
        }
    }

    /// Gives a cluster message to local clients (all, or those named by `to_id`).
    pub(super) fn deliver_local(&mut self, mut msg: Message) {
        self.stats.delivered += 1;
        let to = msg.get("to_id").map(str::to_string);
        msg.set("hbapi", "msg");
        for c in self.clients.conns.values() {
            let Some(name) = c.name.as_deref() else {
                continue;
            };
            if to.as_deref().is_none_or(|t| t == name) {
                c.send(msg.clone());
            }
        }
    }

    pub(super) fn broadcast_event(&mut self, ev: Message) {
        for c in self.clients.conns.values().filter(|c| c.name.is_some()) {
            c.send(ev.clone());
        }
    }

    pub(super) fn client_event(&mut self, node: &str, client: &str, status: &str) {
        let mut ev = Message::new();
        ev.set("hbapi", "event")
            .set("ev", "client")
            .set("node", node)
            .set("cn", client)
            .set("cs", status);
        self.broadcast_event(ev);
    }

    /// Tells the other nodes which clients run here.
    pub(super) fn announce_clients(&mut self) {
        let mut m = Message::with_type("hbapi-clstat-all");
        m.set("clients", self.clients.names().join(" "));
        self.send_sequenced(m);
    }

    pub(super) fn apply(&mut self, changes: Vec<Change>) {
        let mut announce = false;
        for c in changes {
            match c {
                Change::Node {
                    node,
                    status,
                    generation,
                } => {
                    if status == NodeStatus::Dead {
                        log::warn(&format!("node {node}: is dead"));
                        let gone = self
                            .peers
                            .get_mut(&node)
                            .map(|p| std::mem::take(&mut p.clients))
                            .unwrap_or_default();
                        for cn in gone {
                            self.client_event(&node, &cn, "leave");
                        }
                    } else {
                        log::info(&format!("Status update for node {node}: status {status}"));
                        announce |= status == NodeStatus::Active;
                    }
                    let mut ev = Message::new();
                    ev.set("hbapi", "event")
                        .set("ev", "node")
                        .set("node", node)
                        .set("st", status.as_str())
                        .set_hex("hg", generation);
                    self.broadcast_event(ev);
                }
                Change::Link { node, link, up } => {
                    let st = if up { "up" } else { "dead" };
                    log::info(&format!("Link {node}:{link} {st}."));
                    let mut ev = Message::new();
                    ev.set("hbapi", "event")
                        .set("ev", "link")
                        .set("node", node)
                        .set("link", link)
                        .set("st", st);
                    self.broadcast_event(ev);
                }
                Change::Late { node, interval } => log::warn(&format!(
                    "Late heartbeat: Node {node}: interval {} ms",
                    interval.as_millis()
                )),
            }
        }
        if announce {
            self.announce_clients();
        }
    }

    /// Refuses messages we could not put on the wire.
    pub(super) fn fits_on_wire(msg: &Message) -> bool {
        msg.encode().len() + 200 < MAX_WIRE
    }
}

/// Splits `text` into pieces of at most `max` bytes, on character boundaries.
fn split_text(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = rest.len().min(max);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push(head);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn split_text_respects_char_boundaries() {
        let text = "ab\u{e9}cd".repeat(3);
        let parts = super::split_text(&text, 3);
        assert_eq!(parts.concat(), text);
        assert!(parts.iter().all(|p| p.len() <= 3));
    }

    #[test]
    fn reserved_types_include_heartbeats() {
        assert!(super::RESERVED_TYPES.contains(&"status"));
    }
}
