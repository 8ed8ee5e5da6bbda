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
use crate::wire::compress;
use crate::wire::datagram::{self, DatagramError, SealOptions};
use crate::wire::packet::{Packet, Value};
use crate::wire::Message;

/// Message types the daemon keeps for itself; clients may not send them.
pub(super) const RESERVED_TYPES: &[&str] = &[
    "status",
    "NS_rexmit",
    "NS_nak_rexmit",
    "NS_ackmsg",
    "hbapi-clstat",
    "hbapi-clstat-all",
    "hbapi-frag",
];

/// Raw text per fragment of a large message (escaping may double it; still below [`MAX_WIRE`]).
const FRAGMENT_TEXT: usize = 30_000;

/// The largest packet we put on a medium (UDP over IPv4 carries at most 65507 bytes).
pub(super) const MAX_WIRE: usize = 65_000;

/// The most retransmission requests sent per sender per round.
const MAX_REXMIT_REQUESTS: usize = 20;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `/proc/loadavg`'s line, which Heartbeat sends as `ld`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "n/a".into())
}

fn is_protocol_type(t: &str) -> bool {
    t.starts_with("NS_")
}

impl Daemon {
    pub(super) fn send_heartbeat(&mut self, status: NodeStatus) {
        let mut p = Packet::with_type("status");
        p.push_str("st", status.as_str())
            .push_str("dt", format!("{:x}", self.cfg.deadtime.as_millis()))
            // We send flow-control acks, so peers may expect them (Heartbeat's PROTOCOL_VERSION).
            .push_str("protocol", "1");
        if let Some(s) = &self.sealing {
            // Says "I can decrypt" even in clear, so a mixed period ends once Heartbeat is gone.
            p.push_str("crypto", s.name());
        }
        self.send_packet(p);
    }

    /// Adds Heartbeat's control fields (`add_control_msg_fields`: `src`, `srcuuid`, `seq`, `hg`,
    /// `ts`, `ld`, `ttl`; protocol packets get no `seq`/`ld` and keep what they carry), signs,
    /// keeps sequenced packets for retransmission and sends on every medium.
    pub(super) fn send_packet(&mut self, mut p: Packet) {
        let protocol = p.msg_type().is_some_and(is_protocol_type);
        if let Some(uuid) = p
            .get_str("dest")
            .and_then(|d| self.peers.get(d))
            .and_then(|peer| peer.uuid.as_deref())
            .and_then(crate::uuid::to_bytes)
        {
            p.set("destuuid", Value::Binary(uuid.to_vec()));
        }
        let uuid = crate::uuid::to_bytes(&self.uuid)
            .unwrap_or_default()
            .to_vec();
        let ttl = (self.cfg.nodes.len() + self.cfg.ping_nodes.len() + 1).to_string();
        let defaults: [(&str, Option<Value>); 7] = [
            ("src", Some(Value::Str(self.me.clone()))),
            ("srcuuid", Some(Value::Binary(uuid))),
            (
                "seq",
                (!protocol).then(|| Value::Str(format!("{:x}", self.outbox.next_seq()))),
            ),
            ("hg", Some(Value::Str(format!("{:x}", self.generation)))),
            ("ts", Some(Value::Str(format!("{:x}", unix_now())))),
            ("ld", (!protocol).then(|| Value::Str(load_average()))),
            ("ttl", Some(Value::Str(ttl))),
        ];
        for (name, value) in defaults {
            let Some(value) = value else { continue };
            if protocol && p.get(name).is_some() {
                continue;
            }
            p.set(name, value);
        }
        let bytes = self.seal(p);
        if !protocol {
            self.outbox.keep(bytes.clone());
        }
        self.transmit(&bytes);
    }

    /// The datagram for a packet with its control fields: signed as `msgfmt` says, and
    /// compressed as a whole (`_compressed_payload`) when `traditional_compression` is on and it
    /// is larger than `compression_threshold`, or when it would not fit in one datagram.
    fn seal(&mut self, mut p: Packet) -> Vec<u8> {
        let classic_auth = !self.cfg.msgfmt_netstring;
        let bytes = datagram::seal(&p, &self.keys, SealOptions { classic_auth });
        let large =
            self.cfg.traditional_compression && bytes.len() > self.cfg.compression_threshold;
        if !large && bytes.len() <= MAX_WIRE {
            return bytes;
        }
        if classic_auth && !p.needs_netstring() {
            // The compressed inner message is what Heartbeat would have sent: with its `auth`.
            let _ = datagram::sign_classic(&mut p, &self.keys);
        }
        let packed = compress::compress(&p, self.cfg.compression, self.cfg.msgfmt_netstring);
        let small = datagram::seal_as_is(&packed, &self.keys);
        if small.len() < bytes.len() {
            self.stats.compressed_out += 1;
            small
        } else {
            bytes
        }
    }

    /// Whether `m` fits in one datagram once compressed (control fields leave a margin).
    fn fits_compressed(&self, m: &Message) -> bool {
        let raw = crate::wire::netstring::encode(&Packet::from_message(m));
        self.cfg.compression.compress(&raw).len() + 600 < MAX_WIRE
    }

    /// Stamps, signs and sends a cluster message to all nodes (`dest` filters delivery).
    /// A message too large for one datagram goes compressed, as Heartbeat sends it; one still
    /// too large goes as consecutive `hbapi-frag` messages (ours only); ordered delivery keeps
    /// them adjacent, so the receiver only has to concatenate.
    pub(super) fn send_sequenced(&mut self, mut m: Message) {
        for ours in ["src", "srcuuid", "seq", "hg", "ts", "ld", "ttl", "auth"] {
            m.remove(ours);
        }
        if Self::fits_on_wire(&m) || self.fits_compressed(&m) {
            self.send_packet(Packet::from_message(&m));
            return;
        }
        let text = m.encode();
        let chunks = split_text(&text, FRAGMENT_TEXT);
        for (i, chunk) in chunks.iter().enumerate() {
            let mut f = Packet::with_type("hbapi-frag");
            f.push_str("fragno", format!("{i:x}"))
                .push_str("fragcount", format!("{:x}", chunks.len()))
                .push_str("data", *chunk);
            self.send_packet(f);
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
            if let Some(inbox) = peer.inbox.as_mut() {
                for seq in inbox.missing(now, interval, MAX_REXMIT_REQUESTS) {
                    requests.push((name.clone(), seq));
                }
            }
        }
        for (node, seq) in requests {
            self.request_rexmit(&node, seq);
        }
    }

    /// Asks `node` for one packet, as Heartbeat does: decimal `firstseq` = `lastseq`.
    fn request_rexmit(&mut self, node: &str, seq: u64) {
        self.stats.rexmit_requests += 1;
        let mut p = Packet::with_type("NS_rexmit");
        p.push_str("dest", node)
            .push_str("firstseq", seq.to_string())
            .push_str("lastseq", seq.to_string());
        self.send_packet(p);
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
        // Serial lines carry sealed packets as text frames.
        let unframed = crate::crypto::from_text(data);
        let data = unframed.as_deref().unwrap_or(data);
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
        let msg = match datagram::open(data, &self.keys) {
            Ok((p, _)) => p,
            Err(DatagramError::Auth(e)) => {
                // The source is only what the packet claims: it did not authenticate.
                let claimed = datagram::parse(data)
                    .ok()
                    .and_then(|p| p.packet.get_str("src").map(str::to_ascii_lowercase))
                    .unwrap_or_else(|| "?".into());
                self.drop_packet(DropReason::BadAuth, &claimed, || {
                    format!("dropped packet failing authentication from [{claimed}] (claimed) on link {via}: {e}")
                });
                return;
            }
            Err(e) => {
                self.drop_packet(DropReason::Malformed, &via, || {
                    format!("dropped malformed packet on link {via}: {e}")
                });
                return;
            }
        };
        let (Some(src), Some(hg)) = (
            msg.get_str("src").map(str::to_ascii_lowercase),
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
                    ack_trigger: unix_now() % crate::reliable::ACK_DIV,
                    ..Peer::default()
                },
            );
            for cn in old.clients {
                self.client_event(&src, &cn, "leave");
            }
        }
        if let Some(uuid) = msg
            .get_binary("srcuuid")
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
        {
            self.peers.get_mut(&src).expect("peer created").uuid =
                Some(crate::uuid::format_uuid(&uuid));
        }
        let for_me = msg.get_str("dest").is_none_or(|d| d == self.me);
        match msg.msg_type().unwrap_or_default() {
            "NS_rexmit" if for_me => self.on_rexmit_request(&src, &msg),
            "NS_nak_rexmit" if for_me => {
                let Some(seq) = msg.get_hex("firstseq") else {
                    return;
                };
                log::warn(&format!("{src} no longer holds packet {seq}: skipped"));
                let msgs = self.inbox(&src).skip(seq, seq);
                self.deliver_all(&src, msgs);
            }
            "NS_ackmsg" => self.stats.acks_in += 1,
            t if is_protocol_type(t) => {}
            _ => self.on_sequenced(&src, link, msg, sealed_by.is_some()),
        }
    }

    /// A packet with a `seq`: heartbeats update liveness at once; everything goes through the
    /// per-sender ordering, so a heartbeat also fills its place in the sequence.
    fn on_sequenced(&mut self, src: &str, link: usize, msg: Packet, sealed: bool) {
        let Some(seq) = msg.get_hex("seq").filter(|s| *s > 0) else {
            let via = self.link_name(link);
            self.drop_packet(DropReason::Malformed, src, || {
                format!("dropped message without seq from [{src}] on link {via}")
            });
            return;
        };
        if msg.msg_type() == Some("status") {
            self.on_heartbeat(src, link, seq, &msg, sealed);
        }
        match self.inbox(src).receive(seq, msg) {
            Received::Deliver(msgs) => self.deliver_all(src, msgs),
            Received::Duplicate => self.stats.duplicates += 1,
            Received::Buffered => {
                let interval = self.rexmit_interval();
                let wanted = self
                    .inbox(src)
                    .missing(Instant::now(), interval, MAX_REXMIT_REQUESTS);
                for s in wanted {
                    self.request_rexmit(src, s);
                }
            }
        }
    }

    fn inbox(&mut self, src: &str) -> &mut Inbox<Packet> {
        self.peers
            .get_mut(src)
            .and_then(|p| p.inbox.as_mut())
            .expect("inbox created on first packet")
    }

    fn on_heartbeat(&mut self, src: &str, link: usize, seq: u64, msg: &Packet, sealed: bool) {
        let peer = self.peers.get_mut(src).expect("peer created");
        peer.protocol = msg.get_str("protocol").is_some();
        // An old heartbeat (retransmitted, or replayed) says nothing about the present.
        let last_on_link = peer.link_seq.get(&link).copied().unwrap_or(0);
        if seq <= last_on_link {
            return;
        }
        peer.link_seq.insert(link, seq);
        let node_fresh = seq > peer.status_seq;
        if node_fresh {
            peer.status_seq = seq;
            let advertises = msg.get_str("crypto").is_some();
            self.note_heartbeat_sealing(src, sealed, advertises);
        }
        let peer = self.peers.get_mut(src).expect("peer created");
        let hg = peer.inbox.as_ref().map_or(0, Inbox::generation);
        let announced = msg
            .get_str("st")
            .and_then(NodeStatus::parse)
            .unwrap_or(NodeStatus::Active);
        let link_name = self.link_names[link].clone();
        let ch = self
            .liveness
            .heard(src, &link_name, hg, announced, node_fresh, Instant::now());
        self.apply(ch);
    }

    /// Answers a retransmission request (decimal range, as Heartbeat sends it; at most 200
    /// numbers): what we hold goes out again byte for byte, what we no longer hold gets a
    /// `NS_nak_rexmit` per number.
    fn on_rexmit_request(&mut self, src: &str, msg: &Packet) {
        let (Some(first), Some(last)) = (msg.get_dec("firstseq"), msg.get_dec("lastseq")) else {
            return;
        };
        if first == 0 || first > last {
            return;
        }
        let last = last.min(first + 200);
        let (again, lost) = self.outbox.retransmit(first, last);
        for bytes in again {
            self.stats.rexmitted += 1;
            self.transmit(&bytes);
        }
        if let Some((f, l)) = lost {
            for seq in f..=l {
                let mut nak = Packet::with_type("NS_nak_rexmit");
                nak.push_str("firstseq", format!("{seq:x}"))
                    .push_str("dest", src)
                    .push_str("info", "seqno too low");
                self.send_packet(nak);
            }
        }
    }

    /// Delivers in-order packets from `src` and acknowledges them for the sender's flow control.
    fn deliver_all(&mut self, src: &str, msgs: Vec<Packet>) {
        for p in msgs {
            if p.msg_type() == Some("status") {
                continue;
            }
            let addressed = match p.get_binary("destuuid") {
                Some(u) => crate::uuid::to_bytes(&self.uuid).is_some_and(|me| me[..] == *u),
                None => p.get_str("dest").is_none_or(|d| d == self.me),
            };
            if addressed {
                self.deliver(src, p.to_message());
            }
        }
        self.ack_if_due(src);
    }

    /// Acknowledges `src`'s packets for its flow control ([`crate::reliable::ack_due`]).
    fn ack_if_due(&mut self, src: &str) {
        let Some(peer) = self.peers.get_mut(src) else {
            return;
        };
        let Some(delivered) = peer.inbox.as_ref().map(Inbox::delivered) else {
            return;
        };
        if !peer.protocol {
            return;
        }
        let Some(due) = crate::reliable::ack_due(delivered, peer.ack_trigger, peer.acked) else {
            return;
        };
        peer.acked = due;
        self.stats.acks_out += 1;
        let mut ack = Packet::with_type("NS_ackmsg");
        ack.push_str("dest", src)
            .push_str("ackseq", format!("{due:x}"));
        self.send_packet(ack);
    }

    /// A cluster message from `src`, in order: handle ours, hand the rest to clients.
    fn deliver(&mut self, src: &str, mut msg: Message) {
        match msg.msg_type().unwrap_or_default() {
            "hbapi-frag" => {
                if let Some(whole) = self.reassemble(src, &msg) {
                    self.deliver(src, whole);
                }
            }
            "reqnodes" => self.answer_reqnodes(src),
            "repnodes" => {}
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
            "starting" | "ip-request"
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
                msg.remove("auth");
                self.deliver_local(msg);
            }
        }
    }

    /// A starting Heartbeat asks one live node for the node list (`t=reqnodes`) and opens its
    /// client API only once a `t=repnodes` answer arrives.
    ///
    /// Our status goes first. The asker counts the nodes it knows to be active the moment the
    /// answer arrives; if the first packet it heard from us was not a heartbeat (an ack, a
    /// retransmission), it would count itself alone and, in `auto_failback legacy`, take its
    /// groups without asking us to give them up: the site would run on both nodes.
    fn answer_reqnodes(&mut self, src: &str) {
        self.send_heartbeat(crate::client::NodeStatus::Active);
        let nodelist: String = self.cfg.nodes.iter().map(|n| format!("{n} ")).collect();
        let mut p = Packet::new();
        p.push_str("dest", src)
            .push_str("t", "repnodes")
            .push_str("nodelist", nodelist)
            // Heartbeat writes a single space when no node was deleted.
            .push_str("delnodelist", " ");
        self.send_packet(p);
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
