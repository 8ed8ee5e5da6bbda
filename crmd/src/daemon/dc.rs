//! What the DC does: join rounds that rebuild the status section, the single write path of the
//! CIB, running the policy engine and driving its transition through the nodes' crmds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cib::series::Series;
use cib::version::CibVersion;
use cib::xml::Element;
use graph::{ActionKind, GraphAction, Synapse, TransitionGraph};
use tengine::transition::{Outcome, Transition};

use super::{now_secs, Crmd};
use crate::peer::PeerMsg;
use crate::proto::{RequestBody, Response};
use crate::status;

/// How long a join round waits for members that do not answer.
const JOIN_TIMEOUT: Duration = Duration::from_secs(3);
/// How long after an action's own timeout the DC waits for its result before counting it as
/// timed out (the node's lrmd enforces the timeout itself; this covers lost nodes and messages).
const RESULT_GRACE: Duration = Duration::from_secs(10);
/// The pause before the policy engine asks again for a fencing that failed.
const FENCE_RETRY_PAUSE: Duration = Duration::from_secs(5);
/// How many policy engine inputs are kept on disk.
/// The shortest pause between policy engine runs after a failed transition, so a failing action
/// is not retried in a tight loop.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// One member's join report.
#[derive(Debug, Clone)]
pub struct Report {
    cib: Element,
    lrm: Option<Element>,
    attrs: Option<Element>,
}

/// A running transition.
pub struct Running {
    id: u64,
    transition: Transition,
    /// Fired actions by id: (target node, action, when its result is overdue).
    fired: BTreeMap<u32, (String, GraphAction, Instant)>,
}

/// The DC's own state.
#[derive(Default)]
pub struct DcState {
    join: u64,
    reports: BTreeMap<String, Report>,
    join_deadline: Option<Instant>,
    /// The status section has been rebuilt for the current membership.
    joined: bool,
    pe_needed: bool,
    last_pe: Option<Instant>,
    not_before: Option<Instant>,
    running: Option<Running>,
    next_tid: u64,
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

fn parse_opt(xml: &str) -> Option<Element> {
    if xml.trim().is_empty() {
        return None;
    }
    cib::xml::parse_element(xml).ok()
}

pub(super) fn cluster_option(cib: &Element, name: &str) -> Option<String> {
    cib.child("configuration")?
        .child("crm_config")?
        .descendants()
        .into_iter()
        .find(|e| e.name == "nvpair" && e.attr("name") == Some(name))
        .and_then(|e| e.attr("value"))
        .map(str::to_string)
}

impl Crmd {
    fn dcs(&mut self) -> &mut DcState {
        self.dc_state.get_or_insert_with(DcState::default)
    }

    /// Starts a join round: every member sends its replica and its own history.
    pub(super) fn start_join(&mut self) {
        let me = self.me.clone();
        let members: BTreeSet<String> = self.members().into_iter().collect();
        let report = self.own_report(0);
        let dcs = self.dcs();
        dcs.join += 1;
        dcs.reports.clear();
        dcs.joined = false;
        dcs.join_deadline = Some(Instant::now() + JOIN_TIMEOUT);
        let join = dcs.join;
        if let Some(r) = dcs.running.as_mut() {
            r.transition.abort("membership changed");
        }
        self.fail_lost_actions(
            |node, _| !members.contains(node),
            "its node left the cluster",
        );
        tracing::info!("join round {join}");
        if let Err(e) = self.hb.send_to_all(&PeerMsg::JoinOffer { join }.encode()) {
            tracing::warn!("cannot send the join offer: {e}");
        }
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
        let old = self.cib.clone();
        let dcs = self.dcs();
        dcs.join_deadline = None;
        let reports = std::mem::take(&mut dcs.reports);
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
                let attrs = r
                    .attrs
                    .clone()
                    .or_else(|| status::transient_attrs(&old, node).cloned());
                if let Some(a) = attrs {
                    status::set_transient_attrs(&mut cib, node, a);
                }
            } else if members.contains(node) {
                // In the membership but its crmd did not answer: not usable, not lost.
                status::set_membership(&mut cib, node, false, true);
                status::set_lrm(&mut cib, node, status::node_lrm(&old, node).cloned());
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
                if let Some(a) = status::transient_attrs(&old, node).cloned() {
                    status::set_transient_attrs(&mut cib, node, a);
                }
            }
        }
        if cib.attr("cib-last-written").is_none() {
            cib.set_attr("cib-last-written", pengine::datetime::ctime(now_secs()));
            cib.set_attr("update-origin", me.as_str());
            cib.set_attr("update-client", "crmd");
            cib.set_attr("update-user", "hacluster");
        }
        set_cluster_option(&mut cib, "dc-version", DC_VERSION);
        set_cluster_option(&mut cib, "cluster-infrastructure", "heartbeat");
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
        let full = PeerMsg::CibFull {
            cib: self.cib.to_xml_compact(),
        };
        if let Err(e) = self.hb.send_to_all(&full.encode()) {
            tracing::warn!("cannot broadcast the CIB: {e}");
        }
        let dcs = self.dcs();
        dcs.joined = true;
        dcs.pe_needed = true;
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
        if let Err(e) = self.hb.send_to_all(&msg.encode()) {
            tracing::warn!("cannot replicate CIB {version}: {e}");
        }
    }

    /// A write from a client (local or forwarded). The answer comes after the change is
    /// stored here and sent to every member.
    pub(super) fn dc_write(&mut self, body: RequestBody, origin: &str) -> Response {
        match body {
            RequestBody::Patch { patch } => self.write_patch(&patch, origin),
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
                    self.send_to(&t, &PeerMsg::Forget { rsc: rsc.clone() });
                }
                self.request_pe("cleanup");
                Response::ok(0)
            }
            other => Response::fail(0, 3, format!("not a write: {other:?}")),
        }
    }

    fn write_patch(&mut self, patch: &str, origin: &str) -> Response {
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
        next.set_attr("cib-last-written", pengine::datetime::ctime(now_secs()));
        next.set_attr("update-origin", origin);
        next.set_attr("update-client", "cibadmin");
        next.set_attr("update-user", "root");
        let before: BTreeSet<String> = config_errors(&self.cib).into_iter().collect();
        let new_errors: Vec<String> = config_errors(&next)
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
                .filter(|(k, _)| !is_version_attr(k))
                .ne(next.attrs.iter().filter(|(k, _)| !is_version_attr(k)));
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

    /// A node reported a result.
    pub(super) fn dc_result(&mut self, r: OpOutcome) {
        let mut next = self.cib.clone();
        if let Some(el) = parse_opt(&r.lrm_resource) {
            replace_lrm_resource(&mut next, &r.node, el);
        }
        let probe = r.task == "monitor" && r.interval_ms == 0;
        let failed = r.status != 0 || (r.rc != r.target_rc && !probe);
        if failed && r.task != "cancel" && r.task != "notify" {
            let base = r.rsc.split(':').next().unwrap_or(&r.rsc).to_string();
            status::add_failure(
                &mut next,
                &r.node,
                &base,
                &r.task,
                r.interval_ms,
                now_secs(),
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
        let dcs = self.dcs();
        let mut unexpected = r.tid == 0;
        match dcs.running.as_mut() {
            Some(run) if run.id == r.tid => {
                run.fired.remove(&r.aid);
                let outcome = Outcome::Done {
                    rc: r.rc,
                    status: r.status,
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
                dcs.not_before = Some(Instant::now() + RETRY_PAUSE);
            }
            self.request_pe("unexpected result");
        }
        self.dispatch();
    }

    /// stonithd answered a fencing request of transition `tid`.
    pub(super) fn on_fence_done(
        &mut self,
        tid: u64,
        aid: u32,
        target: &str,
        result: Result<Vec<String>, String>,
    ) {
        if !self.is_dc() {
            return;
        }
        let ok = result.is_ok();
        match &result {
            Ok(devices) => {
                tracing::warn!("{target} was fenced (by {})", devices.join(","));
                // Only now may its resources be considered stopped: it is cleanly down, with
                // no history and no transient attributes.
                let mut next = self.cib.clone();
                status::set_membership(&mut next, target, false, true);
                status::set_lrm(&mut next, target, None);
                status::clear_transient_attrs(&mut next, target);
                self.commit(next, false);
            }
            Err(why) => tracing::error!("fencing {target} failed: {why}"),
        }
        let dcs = self.dcs();
        if let Some(run) = dcs.running.as_mut().filter(|r| r.id == tid) {
            run.fired.remove(&aid);
            let outcome = if ok {
                Outcome::Done { rc: 0, status: 0 }
            } else {
                Outcome::Failed(result.err().unwrap_or_default())
            };
            let _ = run.transition.complete(aid, outcome);
        }
        if !ok {
            // Try again, but not in a tight loop.
            dcs.not_before = Some(Instant::now() + FENCE_RETRY_PAUSE);
        }
        self.request_pe("fencing result");
        self.dispatch();
    }

    /// Fires every ready action of the running transition.
    fn dispatch(&mut self) {
        let members: BTreeSet<String> = self.members().into_iter().collect();
        let (tx, me) = (self.tx.clone(), self.me.clone());
        let cib_now = self.cib.clone();
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
                    let action_name = tengine::attrs::meta(&action, "stonith_action")
                        .unwrap_or("reboot")
                        .to_string();
                    tracing::warn!("transition {tid}: fencing {node} ({action_name})");
                    super::threads::spawn_fence(
                        tx.clone(),
                        tid,
                        aid,
                        node.clone(),
                        action_name,
                        me.clone(),
                        priority_fencing_delay(&cib_now, &node),
                    );
                    // A fencing request gets no overdue deadline of its own: stonithd applies
                    // the devices' timeouts and always answers.
                    run.fired.insert(
                        aid,
                        (node, action, Instant::now() + Duration::from_secs(3600)),
                    );
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
                    let overdue = Instant::now()
                        + Duration::from_millis(tengine::attrs::timeout_ms(&action))
                        + RESULT_GRACE;
                    run.fired.insert(aid, (node, action, overdue));
                }
            }
        }
        for (aid, outcome) in &local_done {
            let _ = run.transition.complete(*aid, outcome.clone());
        }
        let again = !local_done.is_empty();
        for (node, msg) in sends {
            self.send_to(&node, &msg);
        }
        for (_, outcome) in &local_done {
            if let Outcome::Failed(why) = outcome {
                tracing::warn!("transition {tid}: {why}");
            }
        }
        if again {
            self.dispatch();
        }
    }

    /// Completes, as failed, the fired actions `lost` selects (their result can never come).
    fn fail_lost_actions(&mut self, lost: impl Fn(&str, Instant) -> bool, why: &str) {
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

    /// Periodic DC work: join timeouts, lost results, policy engine runs, the recheck interval.
    pub(super) fn dc_tick(&mut self) {
        let now = Instant::now();
        self.fail_lost_actions(|_, overdue| now >= overdue, "its result is overdue");
        let recheck = cluster_option(&self.cib, "cluster-recheck-interval")
            .and_then(|v| cib::values::parse_duration(&v).ok())
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(15 * 60));
        let dcs = self.dcs();
        if dcs.join_deadline.is_some_and(|d| now >= d) {
            self.finish_join();
            return;
        }
        let dcs = self.dcs();
        if !dcs.joined {
            return;
        }
        if dcs
            .last_pe
            .is_some_and(|t| now.duration_since(t) >= recheck)
        {
            dcs.pe_needed = true;
        }
        let idle = dcs
            .running
            .as_ref()
            .is_none_or(|r| r.transition.is_finished());
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
        let now = now_secs();
        let schedule = match pengine::schedule(&self.cib, now) {
            Ok(s) => s,
            Err(e) => {
                let saved = self.save_pe_input(Series::Error);
                tracing::error!(
                    "policy engine: {e} ({})",
                    saved.as_deref().unwrap_or("not saved")
                );
                return;
            }
        };
        let series = if schedule.diagnostics.warnings.is_empty() {
            Series::Input
        } else {
            Series::Warn
        };
        let saved = self.save_pe_input(series);
        let dcs = self.dcs();
        dcs.last_pe = Some(Instant::now());
        dcs.next_tid += 1;
        let tid = dcs.next_tid;
        let n = schedule.graph.synapses.len();
        tracing::info!(
            "transition {tid}: {n} actions ({})",
            saved.as_deref().unwrap_or("input not saved")
        );
        if n == 0 {
            return;
        }
        dcs.running = Some(Running {
            id: tid,
            transition: Transition::new(schedule.graph, tid),
            fired: BTreeMap::new(),
        });
        self.dispatch();
    }

    /// Keeps the policy engine's input in its series (`pe-input-N`, `pe-warn-N`, `pe-error-N`),
    /// so any decision can be replayed with `crm_simulate -x`; returns the file name.
    fn save_pe_input(&mut self, series: Series) -> Option<String> {
        let max = series.max_in(&self.cib);
        let xml = self.cib.to_xml();
        match cib::series::save(&self.opts.pe_dir, series, max, self.opts.pe_compress, &xml) {
            Ok(path) => path.and_then(|p| Some(p.file_name()?.to_string_lossy().into_owned())),
            Err(e) => {
                tracing::warn!("cannot save the policy engine input: {e}");
                None
            }
        }
    }
}

/// What `crm_mon` shows as the DC's version.
const DC_VERSION: &str = concat!("2.1.5-heartbeat-rs-", env!("CARGO_PKG_VERSION"));

/// Sets a `cib-bootstrap-options` cluster option (creating the set when missing).
fn set_cluster_option(cib: &mut Element, name: &str, value: &str) {
    use cib::xml::Node;
    let crm_config = cib
        .child_or_insert("configuration")
        .child_or_insert("crm_config");
    if !crm_config
        .children_named("cluster_property_set")
        .any(|s| s.attr("id") == Some("cib-bootstrap-options"))
    {
        crm_config.children.insert(
            0,
            Node::Element(
                Element::new("cluster_property_set").with_attr("id", "cib-bootstrap-options"),
            ),
        );
    }
    let set = crm_config
        .elements_mut()
        .find(|s| s.name == "cluster_property_set" && s.attr("id") == Some("cib-bootstrap-options"))
        .expect("just ensured");
    let existing = set.children.iter().position(
        |c| matches!(c, Node::Element(nv) if nv.name == "nvpair" && nv.attr("name") == Some(name)),
    );
    if let Some(Node::Element(nv)) = existing.map(|i| &mut set.children[i]) {
        nv.set_attr("value", value);
    } else {
        set.children.push(Node::Element(
            Element::new("nvpair")
                .with_attr("id", format!("cib-bootstrap-options-{name}"))
                .with_attr("name", name)
                .with_attr("value", value),
        ));
    }
}

/// The configuration errors `crm_verify` would report, as text.
fn config_errors(cib: &Element) -> Vec<String> {
    cib::verify::verify_root(cib)
        .diagnostics
        .into_iter()
        .filter(|d| matches!(d.severity, cib::verify::Severity::Error))
        .map(|d| {
            format!(
                "{} {}: {}",
                d.element,
                d.id.as_deref().unwrap_or("(no id)"),
                d.message
            )
        })
        .collect()
}

fn is_version_attr(k: &str) -> bool {
    matches!(
        k,
        "admin_epoch"
            | "epoch"
            | "num_updates"
            | "cib-last-written"
            | "update-origin"
            | "update-client"
            | "update-user"
            | "have-quorum"
            | "dc-uuid"
    )
}

/// `priority-fencing-delay` (ms) for fencing `target`: the delay applies only when `target` runs
/// resources of a higher combined `priority` than every other node, so in a two-node fencing
/// race the node with the important resources survives.
fn priority_fencing_delay(cib: &Element, target: &str) -> u64 {
    let Some(delay) = cluster_option(cib, "priority-fencing-delay")
        .and_then(|v| cib::values::parse_duration_ms(&v).ok())
        .filter(|d| *d > 0)
    else {
        return 0;
    };
    let Some(resources) = cib
        .child("configuration")
        .and_then(|c| c.child("resources"))
    else {
        return 0;
    };
    let default = cib
        .child("configuration")
        .and_then(|c| c.child("rsc_defaults"))
        .map(|d| d.descendants())
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.name == "nvpair" && e.attr("name") == Some("priority"))
        .and_then(|e| e.attr("value"))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    let mut per_node: BTreeMap<String, i64> = BTreeMap::new();
    for top in resources.elements() {
        let own = top
            .children_named("meta_attributes")
            .flat_map(|m| m.children_named("nvpair"))
            .find(|nv| nv.attr("name") == Some("priority"))
            .and_then(|nv| nv.attr("value"))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default);
        let prims: Vec<&Element> = std::iter::once(top)
            .chain(top.descendants())
            .filter(|e| e.name == "primitive" && e.attr("class") != Some("stonith"))
            .collect();
        for p in prims {
            for node in status::last_known_on(cib, p.attr("id").unwrap_or("")) {
                *per_node.entry(node).or_default() += own;
            }
        }
    }
    let mine = per_node.get(target).copied().unwrap_or(0);
    let others_max = per_node
        .iter()
        .filter(|(n, _)| n.as_str() != target)
        .map(|(_, v)| *v)
        .max()
        .unwrap_or(0);
    if mine > others_max {
        delay
    } else {
        0
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
