//! What the DC does: join rounds that rebuild the status section, the single write path of the
//! CIB, running the policy engine and driving its transition through the nodes' crmds, and
//! fencing requests tied to their transition.

use std::collections::{BTreeMap, BTreeSet};

use cib::series::Series;
use cib::version::CibVersion;
use cib::xml::Element;
use graph::{ActionKind, GraphAction, Synapse, TransitionGraph};
use tengine::transition::{Outcome, Transition};

use super::fencing::{FenceRequest, Fencing, FENCE_SETTLE};
use super::options::{self, cluster_option, set_cluster_option, DC_VERSION};
use super::{Command, Core, Millis, Phase};
use crate::peer::PeerMsg;
use crate::proto::{RequestBody, Response};
use crate::status;
use crate::writer::Writer;

/// How long a join round waits for members that do not answer.
const JOIN_TIMEOUT: Millis = 3_000;
/// How long S_FINALIZE_JOIN waits for members to confirm the join's CIB.
const FINALIZE_TIMEOUT: Millis = 2_000;
/// How long after an action's own timeout the DC waits for its result before counting it as
/// timed out (the node's lrmd enforces the timeout itself; this covers lost nodes and messages).
const RESULT_GRACE: Millis = 10_000;
/// The pause before the policy engine asks again for a fencing that failed.
const FENCE_RETRY_PAUSE: Millis = 5_000;
/// The shortest pause between policy engine runs after a failed transition, so a failing action
/// is not retried in a tight loop.
const RETRY_PAUSE: Millis = 500;
/// The default `cluster-recheck-interval`.
const RECHECK_DEFAULT: Millis = 15 * 60 * 1000;

/// One member's join report.
#[derive(Debug, Clone)]
struct Report {
    cib: Element,
    lrm: Option<Element>,
    attrs: Option<Element>,
}

/// A running transition.
struct Running {
    id: u64,
    transition: Transition,
    /// Actions sent to a node, by id: (target node, action, when its result is overdue).
    fired: BTreeMap<u32, (String, GraphAction, Millis)>,
}

/// The DC's own state.
pub struct DcState {
    join: u64,
    reports: BTreeMap<String, Report>,
    join_deadline: Option<Millis>,
    /// The status section has been rebuilt for the current membership.
    joined: bool,
    /// S_FINALIZE_JOIN: the members yet to confirm the join's CIB, until when.
    finalizing: Option<(BTreeSet<String>, Millis)>,
    pe_needed: bool,
    last_pe: Option<Millis>,
    not_before: Option<Millis>,
    running: Option<Running>,
    next_tid: u64,
    /// Fencing requests of this DC's transitions.
    pub fencing: Fencing,
}

/// A result a node reported.
pub struct OpOutcome {
    pub node: String,
    pub tid: u64,
    pub aid: u32,
    pub rc: i32,
    pub status: i32,
    pub lrm_resource: String,
    pub rsc: String,
    pub task: String,
    pub interval_ms: u64,
    pub target_rc: i32,
}

impl DcState {
    /// A new DC's state.
    pub fn new() -> DcState {
        DcState {
            join: 0,
            reports: BTreeMap::new(),
            join_deadline: None,
            joined: false,
            finalizing: None,
            pe_needed: false,
            last_pe: None,
            not_before: None,
            running: None,
            next_tid: 0,
            fencing: Fencing::default(),
        }
    }

    fn idle(&self) -> bool {
        self.running
            .as_ref()
            .is_none_or(|r| r.transition.is_finished())
    }

    /// The DC's phase.
    pub fn phase(&self) -> Phase {
        if !self.joined {
            Phase::Integration
        } else if self.finalizing.is_some() {
            Phase::FinalizeJoin
        } else if !self.idle() {
            Phase::TransitionEngine
        } else if self.pe_needed {
            Phase::PolicyEngine
        } else {
            Phase::Idle
        }
    }

    /// The earliest time something is due.
    pub fn next_deadline(&self, cib: &Element) -> Option<Millis> {
        let overdue = self
            .running
            .as_ref()
            .and_then(|r| r.fired.values().map(|f| f.2).min());
        let pe = (self.joined && self.pe_needed && self.idle())
            .then_some(self.not_before)
            .flatten();
        let recheck = self.last_pe.map(|t| t + recheck_interval(cib));
        [
            self.join_deadline,
            self.finalizing.as_ref().map(|f| f.1),
            overdue,
            pe,
            recheck,
            self.fencing.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

fn recheck_interval(cib: &Element) -> Millis {
    cluster_option(cib, "cluster-recheck-interval")
        .and_then(|v| vocab::parse_duration(&v).ok())
        .filter(|d| !d.is_zero())
        .map_or(RECHECK_DEFAULT, |d| d.as_millis() as Millis)
}

fn parse_opt(xml: &str) -> Option<Element> {
    if xml.trim().is_empty() {
        return None;
    }
    cib::xml::parse_element(xml).ok()
}

impl Core {
    fn dcs(&mut self) -> &mut DcState {
        self.dc_state.get_or_insert_with(DcState::new)
    }

    /// Starts a join round: every member sends its replica and its own history.
    pub(super) fn start_join(&mut self) {
        let me = self.me.clone();
        let members: BTreeSet<String> = self.members().into_iter().collect();
        let report = self.own_report(0);
        let deadline = self.now.ms + JOIN_TIMEOUT;
        let dcs = self.dcs();
        dcs.join += 1;
        dcs.reports.clear();
        dcs.joined = false;
        dcs.finalizing = None;
        dcs.join_deadline = Some(deadline);
        let join = dcs.join;
        if let Some(r) = dcs.running.as_mut() {
            r.transition.abort("membership changed");
        }
        self.fail_lost_actions(
            |node, _| !members.contains(node),
            "its node left the cluster",
        );
        self.withdraw_fencing();
        tracing::info!("join round {join}");
        self.out
            .push(Command::Broadcast(PeerMsg::JoinOffer { join }));
        if let PeerMsg::JoinReport {
            cib, lrm, attrs, ..
        } = report
        {
            self.on_join_report(&me, join, &cib, &lrm, &attrs);
        }
    }

    pub(super) fn on_join_report(
        &mut self,
        src: &str,
        join: u64,
        cib: &str,
        lrm: &str,
        attrs: &str,
    ) {
        if !self.is_dc() {
            return;
        }
        let Some(cib) = parse_opt(cib) else {
            tracing::warn!("join report from {src} has no readable CIB");
            return;
        };
        let report = Report {
            cib,
            lrm: parse_opt(lrm),
            attrs: parse_opt(attrs),
        };
        let members = self.members();
        let dcs = self.dcs();
        if join != dcs.join {
            return;
        }
        dcs.reports.insert(src.to_string(), report);
        let all = members.iter().all(|m| dcs.reports.contains_key(m));
        if all {
            self.finish_join();
        }
    }

    /// Builds the CIB for the new membership: the newest configuration any member has, and a
    /// status section made of each member's own history.
    fn finish_join(&mut self) {
        let members: BTreeSet<String> = self.members().into_iter().collect();
        let quorum = self.view.as_ref().is_some_and(|v| v.quorum);
        let me = self.me.clone();
        let wall = self.now.wall;
        let old = self.cib.clone();
        let dcs = self.dcs();
        dcs.join_deadline = None;
        let reports = std::mem::take(&mut dcs.reports);
        let join = dcs.join;
        let mut newest = status::without_status(&old);
        let mut top = CibVersion::from_element(&old);
        for r in reports.values() {
            let v = CibVersion::from_element(&r.cib);
            if v > CibVersion::from_element(&newest) {
                newest = r.cib.clone();
            }
            top = top.max(v);
        }
        let mut cib = status::without_status(&newest);
        let mut known: BTreeSet<String> = old
            .child("status")
            .map(|s| {
                s.children_named("node_state")
                    .filter_map(|n| n.attr("uname").map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        known.extend(members.iter().cloned());
        for node in &known {
            if let Some(r) = reports.get(node) {
                status::set_membership(&mut cib, node, true, false);
                status::set_lrm(&mut cib, node, r.lrm.clone());
                let inherited = r.attrs.is_none();
                let attrs = r
                    .attrs
                    .clone()
                    .or_else(|| status::transient_attrs(&old, node).cloned());
                if let Some(a) = attrs {
                    status::set_transient_attrs(&mut cib, node, a);
                }
                if inherited {
                    // Only the node's own crmd asks to shut down: a fresh crmd does not.
                    status::set_attr(&mut cib, node, super::SHUTDOWN_ATTR, None);
                }
            } else if members.contains(node) {
                // In the membership but its crmd did not answer (it exited, or has not started
                // yet): not usable. If it was a member and did not say it was shutting down,
                // its crmd was lost while it may run resources: the policy engine makes it
                // unclean ("peer process is no longer available"), as Pacemaker does.
                let shutdown =
                    status::get_attr(&old, node, super::SHUTDOWN_ATTR).is_some_and(|v| v != "0");
                let was_member = status::expected(&old, node).as_deref() == Some("member");
                status::set_crmd_gone(&mut cib, node, was_member && !shutdown);
                status::set_lrm(&mut cib, node, status::node_lrm(&old, node).cloned());
                if let Some(a) = status::transient_attrs(&old, node).cloned() {
                    status::set_transient_attrs(&mut cib, node, a);
                }
            } else {
                // Gone cleanly if it said it was shutting down, or if it was already known to
                // be down (fenced, or stopped): only an unexpected loss makes it unclean.
                let shutdown = status::get_attr(&old, node, "shutdown").is_some_and(|v| v != "0")
                    || status::expected(&old, node).as_deref() == Some("down");
                status::set_membership(&mut cib, node, false, shutdown);
                // A node that left cleanly ran nothing; a lost one keeps its history until it is
                // fenced, so the policy engine knows what it ran (what to recover, and what the
                // node may still be running).
                let history = if shutdown {
                    None
                } else {
                    status::node_lrm(&old, node).cloned()
                };
                status::set_lrm(&mut cib, node, history);
                // A node that left cleanly keeps no transient attributes (as Pacemaker erases
                // them), so it does not ask to shut down again when it returns.
                if let Some(a) = status::transient_attrs(&old, node).filter(|_| !shutdown) {
                    status::set_transient_attrs(&mut cib, node, a.clone());
                }
            }
        }
        if cib.attr("cib-last-written").is_none() {
            cib.set_attr("cib-last-written", vocab::datetime::ctime(wall));
            Writer::daemon(&me).stamp(&mut cib);
        }
        set_cluster_option(&mut cib, "dc-version", DC_VERSION);
        // "heartbeat" is a value every pacemaker-3.x schema refuses (a retired stack).
        set_cluster_option(&mut cib, "cluster-infrastructure", "heartbeat-rs");
        // Tools pick the patch format from this (crm_diff: v1 when missing).
        cib.set_attr("crm_feature_set", cib::FEATURE_SET);
        cib.set_attr("have-quorum", if quorum { "1" } else { "0" });
        let dc_id = status::node_id(&cib, &me);
        cib.set_attr("dc-uuid", dc_id);
        let version = CibVersion {
            num_updates: top.num_updates + 1,
            ..top
        };
        version.write_to(&mut cib);
        tracing::info!(
            "join complete: {} of {} members answered; CIB {version}",
            reports.len(),
            members.len()
        );
        self.install(cib);
        self.out.push(Command::Broadcast(PeerMsg::CibFull {
            cib: self.cib.to_xml_compact(),
            join,
        }));
        // S_FINALIZE_JOIN: the policy engine runs once the members that reported have the
        // join's CIB (or after a timeout).
        let waiting: BTreeSet<String> = reports.keys().filter(|n| **n != me).cloned().collect();
        let until = self.now.ms + FINALIZE_TIMEOUT;
        let dcs = self.dcs();
        dcs.joined = true;
        dcs.pe_needed = true;
        dcs.finalizing = (!waiting.is_empty()).then_some((waiting, until));
    }

    /// A member confirmed it installed join round `join`'s CIB.
    pub(super) fn on_join_ack(&mut self, src: &str, join: u64) {
        if !self.is_dc() {
            return;
        }
        let dcs = self.dcs();
        if join != dcs.join {
            return;
        }
        if let Some((waiting, _)) = dcs.finalizing.as_mut() {
            waiting.remove(src);
            if waiting.is_empty() {
                dcs.finalizing = None;
                tracing::info!("join round {join} finalized: every member has its CIB");
            }
        }
    }

    /// Installs `next` as a new version and replicates it as a diff.
    fn commit(&mut self, mut next: Element, config_changed: bool) {
        let old_version = CibVersion::from_element(&self.cib);
        let version = if config_changed {
            old_version.bump_epoch()
        } else {
            old_version.bump_updates()
        };
        version.write_to(&mut next);
        let patch = cib::patch::diff(&self.cib, &next);
        let msg = PeerMsg::CibDiff {
            from: old_version.to_string(),
            patch: patch.to_xml_compact(),
        };
        self.install(next);
        self.out.push(Command::Broadcast(msg));
    }

    /// A write from a client (local or forwarded). The answer comes after the change is
    /// stored here and sent to every member.
    pub(super) fn dc_write(&mut self, body: RequestBody, writer: &Writer) -> Response {
        match body {
            RequestBody::Patch { patch } => self.write_patch(&patch, writer),
            RequestBody::Cleanup { rsc, node } => {
                let mut next = self.cib.clone();
                if status::cleanup(&mut next, &node, &rsc) {
                    self.commit(next, false);
                }
                let targets: Vec<String> = if node.is_empty() {
                    self.members()
                } else {
                    vec![node.clone()]
                };
                for t in targets {
                    self.send_to(&t, PeerMsg::Forget { rsc: rsc.clone() });
                }
                self.request_pe("cleanup");
                Response::ok(0)
            }
            other => Response::fail(0, 3, format!("not a write: {other:?}")),
        }
    }

    fn write_patch(&mut self, patch: &str, writer: &Writer) -> Response {
        if let Err(e) = cib::limits::check_request(&self.cib, patch.len()) {
            return Response::fail(0, 65, format!("Update refused: {e}"));
        }
        let patch = match cib::xml::parse_element(patch) {
            Ok(p) => p,
            Err(e) => return Response::fail(0, 65, format!("the patch is not valid XML: {e}")),
        };
        let mut next = self.cib.clone();
        if let Err(e) = cib::patch::apply_unchecked(&patch, &mut next) {
            return Response::fail(0, 105, format!("the patch does not apply: {e}"));
        }
        if let Err(e) = cib::limits::check_result(&self.cib, &next) {
            return Response::fail(0, 65, format!("Update refused: {e}"));
        }
        // Versions and the change record are the DC's to assign.
        CibVersion::from_element(&self.cib).write_to(&mut next);
        next.set_attr("cib-last-written", vocab::datetime::ctime(self.now.wall));
        writer.stamp(&mut next);
        let before: BTreeSet<String> = options::config_errors(&self.cib).into_iter().collect();
        let new_errors: Vec<String> = options::config_errors(&next)
            .into_iter()
            .filter(|e| !before.contains(e))
            .collect();
        if !new_errors.is_empty() {
            return Response::fail(
                0,
                78,
                format!(
                    "Update refused: the new configuration is invalid:\n  {}",
                    new_errors.join("\n  ")
                ),
            );
        }
        let config_changed = self.cib.child("configuration") != next.child("configuration")
            || self
                .cib
                .attrs
                .iter()
                .filter(|(k, _)| !options::is_version_attr(k))
                .ne(next
                    .attrs
                    .iter()
                    .filter(|(k, _)| !options::is_version_attr(k)));
        if next == self.cib {
            return Response::ok(0);
        }
        self.commit(next, config_changed);
        self.request_pe("CIB update");
        Response::ok(0)
    }

    fn request_pe(&mut self, why: &str) {
        let dcs = self.dcs();
        dcs.pe_needed = true;
        if let Some(r) = dcs.running.as_mut() {
            if !r.transition.is_finished() {
                r.transition.abort(why);
            }
        }
    }

    /// A member's lrmd restarted: what it runs is unknown, so its history goes and the policy
    /// engine probes it again (as Pacemaker does after an executor restart).
    pub(super) fn dc_reprobe(&mut self, node: &str) {
        tracing::warn!("{node}'s lrmd restarted: re-probing its resources");
        let mut next = self.cib.clone();
        status::set_lrm(&mut next, node, None);
        self.commit(next, false);
        self.request_pe("re-probe after an lrmd restart");
    }

    /// A node reported a result.
    pub(super) fn dc_result(&mut self, r: OpOutcome) {
        let mut next = self.cib.clone();
        if let Some(el) = parse_opt(&r.lrm_resource) {
            // During a join the status is rebuilt from the reports: a result that arrives after
            // its node's report must amend that report, or the join would undo it.
            if let Some(report) = self.dcs().reports.get_mut(&r.node) {
                let mut lrm_cib = Element::new("cib");
                status::set_lrm(&mut lrm_cib, &r.node, report.lrm.clone());
                replace_lrm_resource(&mut lrm_cib, &r.node, el.clone());
                report.lrm = status::node_lrm(&lrm_cib, &r.node).cloned();
            }
            replace_lrm_resource(&mut next, &r.node, el);
        }
        let probe = r.task == "monitor" && r.interval_ms == 0;
        let device = options::is_fencing_device(&self.cib, &r.rsc);
        let failed = if device && r.task == "monitor" {
            // A fencing device's probe or monitor says whether the device is usable from that
            // node; it is never a failure of the node (stonithd decides which device fences).
            if r.rc != r.target_rc && !probe {
                tracing::warn!(
                    "fencing device {} is not usable from {} (rc {})",
                    r.rsc,
                    r.node,
                    r.rc
                );
            }
            false
        } else {
            r.status != 0 || (r.rc != r.target_rc && !probe)
        };
        if failed && r.task != "cancel" && r.task != "notify" {
            let base = r.rsc.split(':').next().unwrap_or(&r.rsc).to_string();
            status::add_failure(
                &mut next,
                &r.node,
                &base,
                &r.task,
                r.interval_ms,
                self.now.wall,
            );
            tracing::warn!(
                "{}_{}_{} on {} failed: rc {} status {}",
                r.rsc,
                r.task,
                r.interval_ms,
                r.node,
                r.rc,
                r.status
            );
        }
        self.commit(next, false);
        let now = self.now.ms;
        let dcs = self.dcs();
        let mut unexpected = r.tid == 0;
        match dcs.running.as_mut() {
            Some(run) if run.id == r.tid => {
                run.fired.remove(&r.aid);
                let outcome = Outcome::Done {
                    rc: r.rc,
                    status: if device { 0 } else { r.status },
                };
                if let Err(e) = run.transition.complete(r.aid, outcome) {
                    tracing::warn!("result for transition {}: {e}", r.tid);
                }
                if run.transition.is_aborted() {
                    unexpected = true;
                }
            }
            _ => unexpected = true,
        }
        if unexpected {
            if failed {
                dcs.not_before = Some(now + RETRY_PAUSE);
            }
            self.request_pe("unexpected result");
        }
        self.dispatch();
    }

    /// stonithd answered a fencing request.
    pub(super) fn on_fence_done(
        &mut self,
        tid: u64,
        aid: u32,
        target: &str,
        result: Result<Vec<String>, String>,
    ) {
        if tid == 0 {
            match &result {
                Ok(_) => tracing::warn!("{target} was fenced at this node's own request"),
                Err(why) => tracing::error!("fencing {target} at its own request failed: {why}"),
            }
            return;
        }
        if !self.is_dc() {
            tracing::warn!(
                "fencing of {target} ended ({result:?}) after this node stopped being DC"
            );
            return;
        }
        let ok = result.is_ok();
        let ours = self.dcs().fencing.finish(tid, aid);
        match &result {
            Ok(devices) => {
                tracing::warn!(
                    "{target} was fenced (by {}) for transition {tid}",
                    devices.join(",")
                );
                // Only now may its resources be considered stopped: it is cleanly down, with
                // no history and no transient attributes.
                let mut next = self.cib.clone();
                status::set_membership(&mut next, target, false, true);
                status::set_lrm(&mut next, target, None);
                status::clear_transient_attrs(&mut next, target);
                self.commit(next, false);
            }
            // Not confirmed is not done: the node may still run its resources.
            Err(why) => tracing::error!("fencing {target} failed: {why}"),
        }
        if ours.is_none() {
            tracing::warn!("fencing result for {target} matches no request of this DC");
        }
        let now = self.now.ms;
        let dcs = self.dcs();
        if let Some(run) = dcs.running.as_mut().filter(|r| r.id == tid) {
            let outcome = if ok {
                Outcome::Done { rc: 0, status: 0 }
            } else {
                Outcome::Failed(result.err().unwrap_or_default())
            };
            let _ = run.transition.complete(aid, outcome);
        }
        if !ok {
            // Try again, but not in a tight loop.
            dcs.not_before = Some(now + FENCE_RETRY_PAUSE);
        }
        self.request_pe("fencing result");
        self.dispatch();
    }

    /// Withdraws held fencing requests whose target is back as a healthy member.
    fn withdraw_fencing(&mut self) {
        let healthy: BTreeSet<String> = self
            .members()
            .into_iter()
            .filter(|m| self.is_active_member(m))
            .collect();
        let withdrawn = self.dcs().fencing.withdraw(|t| healthy.contains(t));
        for r in withdrawn {
            tracing::warn!(
                "fencing {} withdrawn (transition {}): it rejoined before the request started",
                r.target,
                r.tid
            );
            if let Some(run) = self.dcs().running.as_mut().filter(|x| x.id == r.tid) {
                let _ = run.transition.complete(
                    r.aid,
                    Outcome::Failed("withdrawn: the node rejoined".into()),
                );
            }
            self.request_pe("fencing withdrawn");
        }
    }

    /// Hands the fencing requests whose settle time has passed to stonithd.
    fn start_due_fencing(&mut self) {
        let now = self.now.ms;
        let me = self.me.clone();
        for r in self.dcs().fencing.due(now) {
            tracing::warn!(
                "transition {}: fencing {} ({}): request handed to stonithd",
                r.tid,
                r.target,
                r.action
            );
            self.out.push(Command::Fence {
                tid: r.tid,
                aid: r.aid,
                target: r.target,
                action: r.action,
                origin: me.clone(),
                delay_ms: r.delay_ms,
            });
        }
    }

    /// Fires every ready action of the running transition.
    fn dispatch(&mut self) {
        let members: BTreeSet<String> = self.members().into_iter().collect();
        let active: BTreeSet<String> = members
            .iter()
            .filter(|m| self.is_active_member(m))
            .cloned()
            .collect();
        let me = self.me.clone();
        let now = self.now.ms;
        let cib_now = self.cib.clone();
        let mut holds: Vec<FenceRequest> = Vec::new();
        let mut shut_me_down = false;
        let Some(run) = self.dcs().running.as_mut() else {
            return;
        };
        let tid = run.id;
        let ready = run.transition.take_ready();
        let mut local_done: Vec<(u32, Outcome)> = Vec::new();
        let mut sends: Vec<(String, PeerMsg)> = Vec::new();
        for action in ready {
            let aid = action.reference.id;
            let node = action.reference.on_node.clone().unwrap_or_default();
            match action.reference.kind {
                ActionKind::CrmEvent if action.reference.operation == "stonith" => {
                    let node = node.to_lowercase();
                    if node == me {
                        // Only no-quorum-policy=suicide or an operator fences the DC's node.
                        tracing::error!(
                            "transition {tid}: refusing to fence {node}: the DC never fences its own node"
                        );
                        local_done.push((
                            aid,
                            Outcome::Failed("the DC never fences its own node".into()),
                        ));
                        continue;
                    }
                    let action_name = tengine::attrs::meta(&action, "stonith_action")
                        .unwrap_or("reboot")
                        .to_string();
                    tracing::warn!(
                        "transition {tid}: fencing {node} ({action_name}) in {FENCE_SETTLE} ms unless it rejoins"
                    );
                    holds.push(FenceRequest {
                        tid,
                        aid,
                        for_member: active.contains(&node),
                        delay_ms: options::priority_fencing_delay(&cib_now, &node),
                        target: node,
                        action: action_name,
                        start_at: now + FENCE_SETTLE,
                        started: false,
                    });
                }
                ActionKind::CrmEvent if action.reference.operation == "do_shutdown" => {
                    // Its stops are done: tell the node (Pacemaker does not wait for an answer).
                    let node = node.to_lowercase();
                    if node == me {
                        shut_me_down = true;
                    } else if members.contains(&node) {
                        let graph = TransitionGraph {
                            attributes: vec![],
                            synapses: vec![Synapse {
                                id: 0,
                                priority: None,
                                action: action.clone(),
                                inputs: vec![],
                            }],
                        };
                        sends.push((
                            node,
                            PeerMsg::Exec {
                                tid,
                                action: graph::xml::to_xml(&graph),
                            },
                        ));
                    }
                    local_done.push((aid, Outcome::Done { rc: 0, status: 0 }));
                }
                ActionKind::CrmEvent => {
                    local_done.push((aid, self_event(&action)));
                }
                _ if !members.contains(&node) => {
                    local_done.push((aid, Outcome::Failed(format!("node {node} is not a member"))));
                }
                _ => {
                    let graph = TransitionGraph {
                        attributes: vec![],
                        synapses: vec![Synapse {
                            id: 0,
                            priority: None,
                            action: action.clone(),
                            inputs: vec![],
                        }],
                    };
                    sends.push((
                        node.clone(),
                        PeerMsg::Exec {
                            tid,
                            action: graph::xml::to_xml(&graph),
                        },
                    ));
                    let overdue = now + tengine::attrs::timeout_ms(&action) + RESULT_GRACE;
                    run.fired.insert(aid, (node, action, overdue));
                }
            }
        }
        for (aid, outcome) in &local_done {
            let _ = run.transition.complete(*aid, outcome.clone());
        }
        let again = !local_done.is_empty();
        for r in holds {
            self.dcs().fencing.hold(r);
        }
        for (node, msg) in sends {
            self.send_to(&node, msg);
        }
        for (_, outcome) in &local_done {
            if let Outcome::Failed(why) = outcome {
                tracing::warn!("transition {tid}: {why}");
            }
        }
        if shut_me_down {
            self.on_do_shutdown(&me);
        }
        if again {
            self.dispatch();
        }
    }

    /// Completes, as failed, the fired actions `lost` selects (their result can never come).
    fn fail_lost_actions(&mut self, lost: impl Fn(&str, Millis) -> bool, why: &str) {
        let Some(run) = self.dcs().running.as_mut() else {
            return;
        };
        let gone: Vec<u32> = run
            .fired
            .iter()
            .filter(|(_, (node, _, overdue))| lost(node, *overdue))
            .map(|(aid, _)| *aid)
            .collect();
        for aid in gone {
            if let Some((node, action, _)) = run.fired.remove(&aid) {
                tracing::warn!(
                    "{} on {node}: no result, {why}",
                    action.reference.operation_key
                );
                let _ = run.transition.complete(aid, Outcome::TimedOut);
            }
        }
    }

    /// The DC's timers: join timeouts, lost results, fencing holds, policy engine runs, the
    /// recheck interval.
    pub(super) fn dc_on_time(&mut self) {
        let now = self.now.ms;
        self.fail_lost_actions(|_, overdue| now >= overdue, "its result is overdue");
        self.withdraw_fencing();
        self.start_due_fencing();
        let recheck = recheck_interval(&self.cib);
        let dcs = self.dcs();
        if dcs.join_deadline.is_some_and(|d| now >= d) {
            self.finish_join();
        }
        let dcs = self.dcs();
        if !dcs.joined {
            return;
        }
        if let Some((waiting, until)) = &dcs.finalizing {
            if now < *until {
                return;
            }
            tracing::warn!(
                "join round {}: no confirmation from {} within {FINALIZE_TIMEOUT} ms: going on",
                dcs.join,
                waiting.iter().cloned().collect::<Vec<_>>().join(", ")
            );
            dcs.finalizing = None;
        }
        if dcs.last_pe.is_some_and(|t| now >= t + recheck) {
            dcs.pe_needed = true;
        }
        let idle = dcs.idle();
        if idle && dcs.running.is_some() {
            let r = dcs.running.take().expect("checked");
            let st = r.transition.stats();
            tracing::info!("transition {} finished: {st:?}", r.id);
            if r.transition.is_aborted() {
                dcs.pe_needed = true;
            }
        }
        if idle && dcs.pe_needed && dcs.not_before.is_none_or(|t| now >= t) {
            dcs.pe_needed = false;
            dcs.not_before = None;
            self.run_pe();
        }
    }

    fn run_pe(&mut self) {
        let now = self.now.ms;
        let cib = Box::new(self.cib.clone());
        let dcs = self.dcs();
        dcs.last_pe = Some(now);
        dcs.next_tid += 1;
        let tid = dcs.next_tid;
        let schedule = match pengine::schedule(&self.cib, self.now.wall) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("policy engine: {e}");
                self.out.push(Command::SavePeInput {
                    tid,
                    series: Series::Error,
                    cib,
                });
                return;
            }
        };
        let series = if schedule.diagnostics.warnings.is_empty() {
            Series::Input
        } else {
            Series::Warn
        };
        self.out.push(Command::SavePeInput { tid, series, cib });
        let n = schedule.graph.synapses.len();
        tracing::info!("transition {tid}: {n} actions");
        if n == 0 {
            return;
        }
        self.dcs().running = Some(Running {
            id: tid,
            transition: Transition::new(schedule.graph, tid),
            fired: BTreeMap::new(),
        });
        self.dispatch();
    }
}

/// Cluster events the DC handles itself.
fn self_event(action: &GraphAction) -> Outcome {
    match action.reference.operation.as_str() {
        "do_shutdown" | "clear_failcount" | "lrm_refresh" => Outcome::Done { rc: 0, status: 0 },
        other => Outcome::Failed(format!("unknown cluster event {other}")),
    }
}

/// Replaces (or adds) one `<lrm_resource>` under a node's `<lrm>`.
fn replace_lrm_resource(cib: &mut Element, node: &str, el: Element) {
    let mut lrm = status::node_lrm(cib, node)
        .cloned()
        .unwrap_or_else(|| Element::new("lrm").with_child(Element::new("lrm_resources")));
    let id = el.attr("id").unwrap_or("").to_string();
    let rscs = lrm.child_or_insert("lrm_resources");
    rscs.children.retain(|c| {
        !matches!(c, cib::xml::Node::Element(e) if e.name == "lrm_resource" && e.attr("id") == Some(id.as_str()))
    });
    rscs.children.push(cib::xml::Node::Element(el));
    status::set_lrm(cib, node, Some(lrm));
}
