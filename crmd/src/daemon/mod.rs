//! The crmd daemon: one main loop owning all state, fed by heartbeat messages and the helper
//! threads of [`threads`]. [`node`] is what every node does (replica, local execution);
//! [`dc`] is what the elected DC does on top (join, writes, policy engine, transitions).

mod dc;
mod node;
pub mod threads;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use cib::store::CibStore;
use cib::version::CibVersion;
use cib::xml::Element;
use messaging::client::{Client, Event};

use crate::election::choose_dc;
use crate::peer::PeerMsg;
use crate::proto::{ClusterInfo, Request, RequestBody, Response};
use threads::{Input, LrmJob, ReplyTo};

/// Where the daemon finds its peers and keeps its state.
#[derive(Debug, Clone)]
pub struct Options {
    /// Local node name.
    pub node: String,
    /// heartbeat's API socket.
    pub hb_socket: PathBuf,
    /// ccm's socket.
    pub ccm_socket: PathBuf,
    /// lrmd's socket.
    pub lrmd_socket: PathBuf,
    /// The CIB client socket we serve.
    pub cib_socket: PathBuf,
    /// CIB store directory (`$HA_STATEDIR/crm`).
    pub cib_dir: PathBuf,
    /// Policy engine inputs (`$HA_STATEDIR/pengine`).
    pub pe_dir: PathBuf,
    /// Heartbeat configuration directory (haresources import).
    pub ha_dir: PathBuf,
    /// Save policy engine inputs bz2-compressed (`pe-input-N.bz2`, as Pacemaker) rather than as
    /// `.xml`; `HA_PE_COMPRESS=no` turns it off.
    pub pe_compress: bool,
}

impl Options {
    /// From the environment heartbeat gives its children.
    pub fn from_env() -> Options {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let statedir = var("HA_STATEDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/var/lib/heartbeat"));
        let node = var("HA_NODENAME")
            .and_then(|v| v.into_string().ok())
            .unwrap_or_else(|| {
                nix::unistd::gethostname()
                    .ok()
                    .and_then(|h| h.into_string().ok())
                    .unwrap_or_else(|| "localhost".into())
            })
            .to_lowercase();
        Options {
            node,
            hb_socket: messaging::client::default_socket_path(),
            ccm_socket: ccm::api::default_socket_path(),
            lrmd_socket: lrm::wire::socket_path(),
            cib_socket: crate::proto::socket_path(),
            cib_dir: statedir.join("crm"),
            pe_dir: statedir.join("pengine"),
            ha_dir: var("HA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/etc/ha.d")),
            pe_compress: var("HA_PE_COMPRESS")
                .is_none_or(|v| !matches!(v.to_str(), Some("no" | "false" | "0" | "off"))),
        }
    }
}

/// How often the reachability of ping nodes is compared with the `pingd` attribute.
const PING_CHECK: Duration = Duration::from_millis(500);

/// How long a client write waits for a DC before it is refused.
const WRITE_HOLD: Duration = Duration::from_secs(10);

/// Seconds since the epoch (the policy engine's "now" and op timestamps).
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// All of a crmd's state.
struct Crmd {
    opts: Options,
    me: String,
    hb: Client,
    store: CibStore,
    /// The replica (the master copy on the DC).
    cib: Element,
    /// The version last written to disk.
    saved: CibVersion,
    /// Latest ccm view.
    view: Option<ccm::api::ViewEvent>,
    /// Nodes whose crmd is known to run.
    crmd_up: BTreeSet<String>,
    dc: Option<String>,
    subscribers: Vec<ReplyTo>,
    /// Forwarded writes waiting for the DC: rid -> (client reply, client's id).
    forwarded: BTreeMap<u64, (ReplyTo, u64)>,
    next_rid: u64,
    /// Writes waiting for a DC to be elected: (request, reply, client id, give-up time).
    held: Vec<(RequestBody, ReplyTo, u64, Instant)>,
    local: node::LocalExec,
    lrm_jobs: tokio::sync::mpsc::UnboundedSender<LrmJob>,
    dc_state: Option<dc::DcState>,
    /// The main loop's own channel, for helper threads started later (fencing requests).
    tx: Sender<Input>,
    last_ping_check: Instant,
}

/// Runs the daemon until heartbeat goes away.
pub fn run(opts: Options) -> Result<()> {
    let hb = connect_heartbeat(&opts)?;
    let me = hb.local_node().to_lowercase();
    let store = CibStore::open(&opts.cib_dir)
        .with_context(|| format!("opening the CIB store {}", opts.cib_dir.display()))?;
    let cib = node::initial_cib(&store, &opts)?;
    let saved = CibVersion::from_element(&cib);
    let (tx, rx) = mpsc::channel();
    threads::spawn_ccm(opts.ccm_socket.clone(), tx.clone());
    threads::spawn_clients(&opts.cib_socket, tx.clone())
        .with_context(|| format!("binding {}", opts.cib_socket.display()))?;
    let lrm_jobs = threads::spawn_lrm(opts.lrmd_socket.clone(), tx.clone());
    tracing::info!(node = %me, "crmd started; CIB version {saved}");
    let mut crmd = Crmd {
        local: node::LocalExec::new(&me),
        crmd_up: BTreeSet::from([me.clone()]),
        me,
        opts,
        hb,
        store,
        cib,
        saved,
        view: None,
        dc: None,
        subscribers: Vec::new(),
        forwarded: BTreeMap::new(),
        next_rid: 1,
        held: Vec::new(),
        lrm_jobs,
        dc_state: None,
        tx: tx.clone(),
        last_ping_check: Instant::now(),
    };
    crmd.main_loop(rx)
}

fn connect_heartbeat(opts: &Options) -> Result<Client> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Client::connect(&opts.hb_socket, "crmd") {
            Ok(c) => return Ok(c),
            Err(e) if Instant::now() > deadline => {
                return Err(e).with_context(|| {
                    format!("signing on to heartbeat at {}", opts.hb_socket.display())
                })
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

impl Crmd {
    fn main_loop(&mut self, rx: Receiver<Input>) -> Result<()> {
        loop {
            match self.hb.recv_timeout(Duration::from_millis(20)) {
                Ok(Some(event)) => self.on_heartbeat(event),
                Ok(None) => {}
                Err(e) => return Err(e).context("heartbeat connection lost"),
            }
            while let Ok(input) = rx.try_recv() {
                self.on_input(input);
            }
            self.tick();
        }
    }

    fn on_heartbeat(&mut self, event: Event) {
        match event {
            Event::Message(m) => {
                let src = m.get("src").unwrap_or("").to_lowercase();
                if src == self.me || m.msg_type() != Some(crate::peer::MSG_TYPE) {
                    return;
                }
                if let Err(why) = self.trusted(&src, &m) {
                    tracing::warn!(
                        "dropping crmd message op={} from node {src} client [{}]: {why}",
                        m.get("op").unwrap_or("?"),
                        m.get(messaging::origin::FROM_ID).unwrap_or("")
                    );
                    return;
                }
                match PeerMsg::decode(&m) {
                    Ok(msg) => {
                        self.peer_seen(&src);
                        self.on_peer(&src, msg);
                    }
                    Err(e) => tracing::warn!("ignoring a bad crmd message from {src}: {e}"),
                }
            }
            Event::Client(c) if c.client == "crmd" => {
                let node = c.node.to_lowercase();
                if c.status == "join" {
                    self.peer_seen(&node);
                    if self.is_dc() {
                        self.start_join();
                    }
                } else if node != self.me && self.crmd_up.remove(&node) {
                    tracing::info!("crmd on {node} left");
                    self.elect();
                    if self.is_dc() {
                        self.start_join();
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether a `t=crmd` message is the peer crmd's and may be acted on ([`crate::trust`]).
    fn trusted(
        &self,
        src: &str,
        m: &messaging::wire::Message,
    ) -> Result<(), crate::trust::Refused> {
        let members = self.view.as_ref().map(|_| self.members());
        let ctx = crate::trust::Context {
            members: members.as_deref(),
            dc: self.dc.as_deref(),
        };
        crate::trust::check(src, m, ctx)
    }

    /// A crmd message from `node` proves its crmd runs.
    fn peer_seen(&mut self, node: &str) {
        if self.crmd_up.insert(node.to_string()) {
            self.elect();
        }
    }

    fn on_input(&mut self, input: Input) {
        match input {
            Input::View(view) => self.on_view(view),
            Input::Client { req, reply } => self.on_client(req, reply),
            Input::Subscribe(tx) => self.subscribers.push(tx),
            Input::LrmDone {
                tid,
                action,
                result,
            } => self.on_lrm_done(tid, *action, result),
            Input::LrmEvent(result) => self.on_lrm_event(*result),
            Input::FenceDone {
                tid,
                aid,
                target,
                result,
            } => self.on_fence_done(tid, aid, &target, result),
        }
    }

    fn on_view(&mut self, view: ccm::api::ViewEvent) {
        tracing::info!(
            "membership view {}: {:?} (quorum {})",
            view.instance,
            view.members,
            view.quorum
        );
        self.suicide_if_quorum_lost(&view);
        for (name, _) in &view.members {
            let name = name.to_lowercase();
            if !self.crmd_up.contains(&name)
                && self
                    .hb
                    .client_status(&name, "crmd", Duration::from_millis(200))
                    .is_ok_and(|s| s == "online" || s == "join")
            {
                self.crmd_up.insert(name);
            }
        }
        let members: BTreeSet<String> =
            view.members.iter().map(|(n, _)| n.to_lowercase()).collect();
        self.crmd_up.retain(|n| members.contains(n));
        self.crmd_up.insert(self.me.clone());
        self.view = Some(view);
        self.elect();
        if self.is_dc() {
            self.start_join();
        }
    }

    /// `no-quorum-policy=suicide` (with fencing on): a partition that had quorum and lost it
    /// fences its own nodes, so the quorate side may take over at once. Each node fences itself.
    fn suicide_if_quorum_lost(&mut self, view: &ccm::api::ViewEvent) {
        let had_quorum = self.view.as_ref().is_some_and(|v| v.quorum);
        let policy = dc::cluster_option(&self.cib, "no-quorum-policy");
        let fencing = dc::cluster_option(&self.cib, "stonith-enabled")
            .is_none_or(|v| cib::values::parse_bool(&v).unwrap_or(true));
        if had_quorum && !view.quorum {
            tracing::warn!(
                "quorum lost (no-quorum-policy {}, fencing {fencing})",
                policy.as_deref().unwrap_or("stop")
            );
        }
        if had_quorum && !view.quorum && fencing && policy.as_deref() == Some("suicide") {
            tracing::error!("quorum lost with no-quorum-policy=suicide: fencing this node");
            threads::spawn_fence(
                self.tx.clone(),
                0,
                0,
                self.me.clone(),
                "off".into(),
                self.me.clone(),
                0,
            );
        }
    }

    /// Recomputes the DC from the view, among members whose crmd runs.
    fn elect(&mut self) {
        let candidates: Vec<(String, u64)> = match &self.view {
            Some(v) => v
                .members
                .iter()
                .map(|(n, b)| (n.to_lowercase(), *b))
                .filter(|(n, _)| self.crmd_up.contains(n))
                .collect(),
            None => return,
        };
        let dc = choose_dc(&candidates).map(str::to_string);
        if dc == self.dc {
            return;
        }
        tracing::info!("DC is now {}", dc.as_deref().unwrap_or("(none)"));
        let was_dc = self.is_dc();
        self.dc = dc;
        if self.is_dc() && !was_dc {
            self.dc_state = Some(dc::DcState::default());
            self.start_join();
        } else if !self.is_dc() && was_dc {
            self.dc_state = None;
        }
    }

    fn is_dc(&self) -> bool {
        self.dc.as_deref() == Some(self.me.as_str())
    }

    fn members(&self) -> Vec<String> {
        self.view
            .as_ref()
            .map(|v| v.members.iter().map(|(n, _)| n.to_lowercase()).collect())
            .unwrap_or_default()
    }

    fn on_peer(&mut self, src: &str, msg: PeerMsg) {
        match msg {
            PeerMsg::JoinOffer { join } => {
                if self.dc.is_none() {
                    // Our own view has not arrived yet; the offer tells us who won.
                    self.dc = Some(src.to_string());
                } else if self.dc.as_deref() != Some(src) {
                    tracing::info!("join offer from {src}, which is not our DC ({:?})", self.dc);
                }
                let report = self.own_report(join);
                self.send_to(src, &report);
            }
            PeerMsg::JoinReport {
                join,
                cib,
                lrm,
                attrs,
            } => self.on_join_report(src, join, &cib, &lrm, &attrs),
            PeerMsg::CibFull { cib } => self.on_cib_full(&cib),
            PeerMsg::CibDiff { from, patch } => self.on_cib_diff(src, &from, &patch),
            PeerMsg::SyncReq => {
                if self.is_dc() {
                    let full = PeerMsg::CibFull {
                        cib: self.cib.to_xml_compact(),
                    };
                    self.send_to(src, &full);
                }
            }
            PeerMsg::Request { rid, body } => {
                let resp = match serde_json::from_str::<RequestBody>(&body) {
                    Ok(body) if self.is_dc() => self.dc_write(body, src),
                    Ok(_) => Response::fail(0, 102, "this node is not the DC"),
                    Err(e) => Response::fail(0, 76, format!("invalid forwarded request: {e}")),
                };
                let body = serde_json::to_string(&resp).unwrap_or_default();
                self.send_to(src, &PeerMsg::Reply { rid, body });
            }
            PeerMsg::Reply { rid, body } => {
                if let Some((reply, id)) = self.forwarded.remove(&rid) {
                    let mut resp: Response = serde_json::from_str(&body)
                        .unwrap_or_else(|e| Response::fail(0, 76, format!("bad reply: {e}")));
                    resp.id = id;
                    let _ = reply.send(resp);
                }
            }
            PeerMsg::Exec { tid, action } => self.on_exec(tid, &action),
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
                if self.is_dc() {
                    let r = dc::OpOutcome {
                        node: src.to_string(),
                        tid,
                        aid,
                        rc,
                        status,
                        lrm_resource: op,
                        rsc,
                        task,
                        interval_ms,
                        target_rc,
                    };
                    self.dc_result(r);
                }
            }
            PeerMsg::Forget { rsc } => self.local.forget(&rsc),
        }
    }

    /// Sends to one node; to ourselves means handling it here.
    fn send_to(&mut self, node: &str, msg: &PeerMsg) {
        if node == self.me {
            let me = self.me.clone();
            self.on_peer_local(&me, msg.clone());
        } else if let Err(e) = self.hb.send_to_node(node, &msg.encode()) {
            tracing::warn!("cannot send to {node}: {e}");
        }
    }

    fn on_peer_local(&mut self, me: &str, msg: PeerMsg) {
        match msg {
            // The DC applies its own changes before broadcasting them.
            PeerMsg::CibFull { .. } | PeerMsg::CibDiff { .. } if self.is_dc() => {}
            msg => self.on_peer(me, msg),
        }
    }

    fn send_to_dc(&mut self, msg: &PeerMsg) -> bool {
        match self.dc.clone() {
            Some(dc) => {
                self.send_to(&dc, msg);
                true
            }
            None => false,
        }
    }

    fn on_client(&mut self, req: Request, reply: ReplyTo) {
        let id = req.id;
        let resp = match req.body {
            RequestBody::Query => Response {
                cib: Some(self.cib.to_xml()),
                ..Response::ok(id)
            },
            RequestBody::Info => Response {
                text: serde_json::to_string(&self.info()).ok(),
                ..Response::ok(id)
            },
            RequestBody::Subscribe => Response::ok(id),
            body if self.is_dc() => {
                let me = self.me.clone();
                let mut r = self.dc_write(body, &me);
                r.id = id;
                r
            }
            body => {
                let rid = self.next_rid;
                self.next_rid += 1;
                let msg = PeerMsg::Request {
                    rid,
                    body: serde_json::to_string(&body).unwrap_or_default(),
                };
                if self.send_to_dc(&msg) {
                    self.forwarded.insert(rid, (reply, id));
                } else {
                    // No DC yet (the cluster is starting): hold the write for a while.
                    self.held
                        .push((body, reply, id, Instant::now() + WRITE_HOLD));
                }
                return;
            }
        };
        let _ = reply.send(resp);
    }

    fn info(&mut self) -> ClusterInfo {
        ClusterInfo {
            local_node: self.me.clone(),
            dc: self.dc.clone(),
            quorum: self.view.as_ref().is_some_and(|v| v.quorum),
            members: self.members(),
            nodes: self
                .hb
                .nodes()
                .map(|mut n| {
                    n.retain(|x| self.hb_node_is_member(x));
                    n.sort();
                    n
                })
                .unwrap_or_default(),
        }
    }

    fn hb_node_is_member(&mut self, node: &str) -> bool {
        self.hb
            .node_type(node)
            .map(|t| t == "normal")
            .unwrap_or(true)
    }

    /// Installs a new replica version: persists configuration changes, tells subscribers.
    fn install(&mut self, cib: Element) {
        self.cib = cib;
        let v = CibVersion::from_element(&self.cib);
        if (v.admin_epoch, v.epoch) != (self.saved.admin_epoch, self.saved.epoch) {
            match self.store.save(&self.cib) {
                Ok(()) => self.saved = v,
                Err(e) => tracing::error!("cannot save the CIB: {e}"),
            }
        }
        let event = Response {
            event: Some("cib_changed".into()),
            ..Response::ok(0)
        };
        self.subscribers.retain(|s| s.send(event.clone()).is_ok());
    }

    fn on_cib_full(&mut self, xml: &str) {
        match cib::xml::parse_element(xml) {
            Ok(cib) => self.install(cib),
            Err(e) => tracing::warn!("ignoring an unreadable CIB from the DC: {e}"),
        }
    }

    fn on_cib_diff(&mut self, src: &str, from: &str, patch: &str) {
        let ours = CibVersion::from_element(&self.cib).to_string();
        if ours != from {
            tracing::info!("replica at {ours}, diff from {from}: asking {src} for the whole CIB");
            self.send_to(src, &PeerMsg::SyncReq);
            return;
        }
        let mut next = self.cib.clone();
        let applied = cib::xml::parse_element(patch)
            .map_err(|e| e.to_string())
            .and_then(|p| cib::patch::apply_unchecked(&p, &mut next).map_err(|e| e.to_string()));
        match applied {
            Ok(()) => self.install(next),
            Err(e) => {
                tracing::warn!("diff from {src} does not apply ({e}): resyncing");
                self.send_to(src, &PeerMsg::SyncReq);
            }
        }
    }

    /// Keeps this node's `pingd` attribute equal to the number of `ping`/`ping_group` nodes
    /// heartbeat can reach, so connectivity rules can move resources off a node that lost its
    /// network (Heartbeat's `ipfail`, Pacemaker's `ping` agent).
    fn update_connectivity(&mut self) {
        if self.last_ping_check.elapsed() < PING_CHECK {
            return;
        }
        self.last_ping_check = Instant::now();
        let Ok(nodes) = self.hb.nodes() else {
            return;
        };
        let ping_nodes: Vec<String> = nodes
            .into_iter()
            .filter(|n| self.hb.node_type(n).is_ok_and(|t| t == "ping"))
            .collect();
        if ping_nodes.is_empty() || self.dc.is_none() {
            return;
        }
        let reachable = ping_nodes
            .iter()
            .filter(|n| self.hb.node_status(n).is_ok_and(|s| s.is_alive()))
            .count()
            .to_string();
        // Only once the DC has us in the status section, and only on change.
        let me = self.me.clone();
        if crate::status::expected(&self.cib, &me).is_none()
            || crate::status::get_attr(&self.cib, &me, "pingd").as_deref()
                == Some(reachable.as_str())
        {
            return;
        }
        tracing::info!("{reachable} of {} ping nodes reachable", ping_nodes.len());
        let mut next = self.cib.clone();
        crate::status::set_attr(&mut next, &me, "pingd", Some(&reachable));
        let patch = cib::patch::diff(&self.cib, &next).to_xml_compact();
        self.on_client(
            Request {
                id: 0,
                body: RequestBody::Patch { patch },
            },
            ReplyTo::nowhere(),
        );
    }

    fn tick(&mut self) {
        self.update_connectivity();
        if !self.held.is_empty()
            && (self.dc.is_some() || self.held.iter().any(|h| Instant::now() > h.3))
        {
            for (body, reply, id, until) in std::mem::take(&mut self.held) {
                if self.dc.is_some() {
                    self.on_client(Request { id, body }, reply);
                } else if Instant::now() > until {
                    let _ = reply.send(Response::fail(
                        id,
                        102,
                        "No DC: the cluster has not elected a designated controller",
                    ));
                } else {
                    self.held.push((body, reply, id, until));
                }
            }
        }
        if self.is_dc() {
            self.dc_tick();
        }
    }
}
