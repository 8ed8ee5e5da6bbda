//! The status section: each resource's state per node, replayed from its operation history.

use super::{remote, ClusterView, Kind, Resource, Role, RscIdx};
use crate::rules::IdIndex;
use crate::Diagnostics;
use cib::Element;
use std::collections::BTreeMap;

/// How to react to a failed operation, in increasing severity (Pacemaker's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum OnFail {
    /// Pretend it succeeded.
    #[default]
    Ignore,
    /// Demote only.
    Demote,
    /// Stop and start again (here or elsewhere).
    Restart,
    /// Restart the container the resource runs in (resources inside containers, guest
    /// connections).
    RestartContainer,
    /// Move away.
    Migrate,
    /// Leave it alone, unmanaged.
    Block,
    /// Stop and leave stopped.
    Stop,
    /// Put the node in standby.
    Standby,
    /// Fence the node.
    Fence,
}

impl OnFail {
    fn parse(v: &str) -> Option<OnFail> {
        Some(match v.to_ascii_lowercase().as_str() {
            "ignore" | "nothing" => OnFail::Ignore,
            "demote" => OnFail::Demote,
            "restart" => OnFail::Restart,
            "restart-container" => OnFail::RestartContainer,
            "block" => OnFail::Block,
            "stop" => OnFail::Stop,
            "standby" => OnFail::Standby,
            "fence" => OnFail::Fence,
            _ => return None,
        })
    }
}

/// One recorded operation.
#[derive(Debug, Clone, Default)]
pub struct OpRecord {
    /// lrm_rsc_op id.
    pub id: String,
    /// Operation name.
    pub task: String,
    /// Interval (ms).
    pub interval_ms: u64,
    /// OCF return code.
    pub rc: i64,
    /// Execution status (0 done, -1 pending, 1 cancelled, ...).
    pub status: i64,
    /// Call id (-1 pending).
    pub call_id: i64,
    /// Expected return code from the transition key.
    pub expected_rc: i64,
    /// `op-digest`.
    pub digest: Option<String>,
    /// `last-rc-change` (or `last-run`).
    pub last_change: i64,
    /// `migrate_source` / `migrate_target`.
    pub migrate_source: Option<String>,
    /// Migration target node.
    pub migrate_target: Option<String>,
    /// Whether this op failed.
    pub failed: bool,
    /// An expired failure of this recurring operation: it is to be scheduled again.
    pub reschedule: bool,
}

/// A primitive's state on one node.
#[derive(Debug, Clone, Default)]
pub struct RscNodeState {
    /// Role after replaying the history.
    pub role: Role,
    /// Needs recovery (stop, then start where placement says).
    pub failed: bool,
    /// Most severe unrecovered on-fail.
    pub on_fail: OnFail,
    /// Operation history sorted by call id.
    pub ops: Vec<OpRecord>,
    /// An operation still in flight.
    pub pending_task: Option<String>,
    /// Must never run here again (stop failure, hard error).
    pub banned: bool,
    /// Banned on every node (fatal error).
    pub banned_everywhere: bool,
    /// A migrate_to from here is unfinished (target node name).
    pub partial_migration_target: Option<String>,
    /// Index in `ops` of the last start-like operation (recurring ops after it are active).
    pub last_start: Option<usize>,
    /// A failure here has expired (failure-timeout).
    pub expired_failure: bool,
    /// The fail count here is to be cleared (every failure expired).
    pub clear_failcount: bool,
    /// A failure here was ignored (`on-fail=ignore`): shown as "(failure ignored)".
    pub failure_ignored: bool,
    /// Must stop here although it did not fail (a resource inside it failed).
    pub restart: bool,
    /// Started here with other parameters than it has now: restarted, not failed.
    pub definition_changed: bool,
    /// Active here as the target of an unfinished live migration from this node.
    pub migrating_from: Option<usize>,
}

impl RscNodeState {
    /// Whether it must be stopped here (and recovered): it failed, or its content did.
    pub fn must_recover(&self) -> bool {
        self.failed || self.restart || self.definition_changed
    }

    /// Whether an expired failure of this recurring operation (since the last start) has it
    /// scheduled again.
    pub fn rescheduled(&self, task: &str, interval_ms: u64) -> bool {
        let from = self.last_start.map(|i| i + 1).unwrap_or(0);
        self.ops[from.min(self.ops.len())..]
            .iter()
            .any(|o| o.reschedule && o.task == task && o.interval_ms == interval_ms)
    }

    /// Recurring operations active since the last start (key = interval, name).
    pub fn active_recurring(&self) -> Vec<(&str, u64)> {
        let from = self.last_start.map(|i| i + 1).unwrap_or(0);
        self.ops[from.min(self.ops.len())..]
            .iter()
            .filter(|o| o.interval_ms > 0 && o.status != 1 && o.status != -1)
            .map(|o| (o.task.as_str(), o.interval_ms))
            .collect()
    }

    /// Whether the history tells anything (a probe still in flight does not).
    pub fn known(&self) -> bool {
        self.migrating_from.is_some()
            || self
                .ops
                .iter()
                .any(|o| !(o.task == "monitor" && o.interval_ms == 0 && o.status == -1))
    }

    /// All recurring operations in the history that were not cancelled.
    pub fn recorded_recurring(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .ops
            .iter()
            .filter(|o| o.interval_ms > 0 && o.status != 1)
            .map(|o| (o.task.as_str(), o.interval_ms))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

fn num(el: &Element, k: &str, d: i64) -> i64 {
    el.attr(k).and_then(|v| v.trim().parse().ok()).unwrap_or(d)
}

fn read_op(el: &Element) -> OpRecord {
    let task = el.attr("operation").unwrap_or("").to_string();
    let interval_ms = el
        .attr("interval")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let expected_rc = el
        .attr("transition-key")
        .and_then(|k| k.split(':').nth(2))
        .and_then(|v| v.parse().ok())
        .or_else(|| el.attr("op-expected-rc").and_then(|v| v.parse().ok()))
        .unwrap_or(if task == "monitor" && interval_ms == 0 {
            7
        } else {
            0
        });
    OpRecord {
        id: el.attr("id").unwrap_or("").to_string(),
        task,
        interval_ms,
        rc: num(el, "rc-code", 0),
        status: num(el, "op-status", 0),
        call_id: num(el, "call-id", 0),
        expected_rc,
        digest: el.attr("op-digest").map(str::to_string),
        last_change: num(el, "last-rc-change", num(el, "last-run", 0)),
        migrate_source: el.attr("migrate_source").map(str::to_string),
        migrate_target: el.attr("migrate_target").map(str::to_string),
        failed: false,
        reschedule: false,
    }
}

/// Unpacks every node's executor history.
pub fn unpack(root: &Element, idx: &IdIndex, view: &mut ClusterView, diags: &mut Diagnostics) {
    let Some(status) = root.child("status") else {
        return;
    };
    // Anonymous clone instances by clone-less primitive id.
    let mut anon: BTreeMap<String, Vec<RscIdx>> = BTreeMap::new();
    for (i, r) in view.resources.iter().enumerate() {
        if r.kind == Kind::Primitive && r.id != r.base_id {
            let top = view.top_of(i);
            if !view.resources[top].clone.as_ref().is_some_and(|c| c.unique) {
                anon.entry(r.base_id.clone()).or_default().push(i);
            }
        }
    }
    // Histories of online cluster nodes first, then of remote nodes whose connection is
    // known to be up, then of unclean nodes about to be fenced (and, with fencing, of every
    // remaining remote node); the history of any other offline node says nothing about
    // what runs now.
    remote::read_fenced_flags(status, view);
    // Node states by node, looked up when used: an orphaned connection found in a history
    // adds its remote node on the way.
    let node_states: Vec<&Element> = status.children_named("node_state").collect();
    let states = |view: &ClusterView| -> Vec<(usize, &Element)> {
        node_states
            .iter()
            .filter_map(|ns| {
                let id = ns.attr("id")?;
                let n = view.nodes.iter().position(|n| n.id == id)?;
                Some((n, *ns))
            })
            .collect()
    };
    let cluster_pass = |view: &ClusterView, pass: usize, node: usize| {
        let n = &view.nodes[node];
        if n.is_remote() {
            return false;
        }
        let maintenance = n
            .attrs
            .get("maintenance")
            .is_some_and(|v| super::is_true(v));
        // With fencing, the history of every offline node is read too: whatever it says runs
        // there has the node fenced.
        if pass == 0 {
            n.online || maintenance
        } else {
            !n.online && !maintenance && view.config.stonith_enabled
        }
    };
    let remote_passes = |view: &mut ClusterView,
                         anon: &mut BTreeMap<String, Vec<RscIdx>>,
                         diags: &mut Diagnostics,
                         fencing: bool| {
        loop {
            let ready: Vec<(usize, &Element)> = states(view)
                .into_iter()
                .filter(|(n, _)| remote::history_ready(view, *n, fencing))
                .collect();
            if ready.is_empty() {
                return;
            }
            for (n, ns) in ready {
                remote::before_history(view, n, ns, idx);
                node_history(view, anon, n, ns, diags);
                remote::after_history(view, n);
            }
        }
    };
    for pass in 0..2 {
        for (node, ns) in states(view) {
            if cluster_pass(view, pass, node) {
                node_history(view, &mut anon, node, ns, diags);
                if pass == 1 {
                    fence_if_active(view, node);
                }
            }
        }
        remote::connection_failures(view);
        remote_passes(view, &mut anon, diags, false);
    }
    if view.config.stonith_enabled {
        remote_passes(view, &mut anon, diags, true);
    }
    remote::restart_containers(view);
    partial_migration_targets(view);
    remote::finish(view);
    // An anonymous instance active nowhere loses another instance's number from its
    // history: Pacemaker names its actions by its own id (a clone-less history name stays).
    for r in view.resources.iter_mut() {
        if r.clone_name.as_deref().is_some_and(|n| n.contains(':')) && r.running_nodes().is_empty()
        {
            r.clone_name = None;
        }
    }
}

/// Replays one node's `<lrm_resources>`: each resource's history, found or added as an
/// orphan, becomes its state on the node.
fn node_history(
    view: &mut ClusterView,
    anon: &mut BTreeMap<String, Vec<RscIdx>>,
    node: usize,
    ns: &Element,
    diags: &mut Diagnostics,
) {
    let Some(lrm_rscs) = ns.child("lrm").and_then(|l| l.child("lrm_resources")) else {
        return;
    };
    for lr in lrm_rscs.children_named("lrm_resource") {
        let Some(rid) = lr.attr("id") else { continue };
        let mut ops: Vec<OpRecord> = lr.children_named("lrm_rsc_op").map(read_op).collect();
        ops.sort_by_key(|o| if o.call_id < 0 { i64::MAX } else { o.call_id });
        // Pacemaker gives an active history the first free instance even when that
        // instance already has (inactive) history here; an inactive history then goes to
        // an instance without history here.
        let mut found = find_resource(view, anon, rid, node, true);
        if let Found::Instance(r) = found {
            if view.resources[r].node_state.contains_key(&node)
                && !replay(view, r, node, ops.clone()).role.is_active()
            {
                found = find_resource(view, anon, rid, node, false);
            }
        }
        let r = match found {
            Found::Instance(r) => r,
            Found::OrphanOf(c) => {
                let inst = add_orphan_instance(view, c, anon);
                let base = rid.split(':').next().unwrap_or(rid);
                view.primitives_of(inst)
                    .into_iter()
                    .find(|p| view.resources[*p].base_id == base)
                    .unwrap_or(inst)
            }
            Found::None => {
                let base = rid.split(':').next().unwrap_or(rid);
                if view.unsupported_ids.iter().any(|u| {
                    if u.ends_with('-') {
                        rid.starts_with(u.as_str())
                    } else {
                        u == base
                    }
                }) {
                    continue;
                }
                add_orphan(view, lr, rid, diags)
            }
        };
        if view.resources[r].base_id != view.resources[r].id {
            // The latest history names the instance (none when it is the instance's own).
            view.resources[r].clone_name = (view.resources[r].id != rid).then(|| rid.to_string());
        }
        let state = replay(view, r, node, ops);
        // A failure whose on-fail is `fence` (a failed stop with fencing enabled, by
        // default) makes the node unclean: it is fenced before the resource runs elsewhere.
        if state.failed && state.on_fail == OnFail::Fence && !view.nodes[node].unclean {
            let n = &mut view.nodes[node];
            n.unclean = true;
            n.unclean_reason = format!("{rid} failed there");
        }
        view.resources[r].node_state.insert(node, state);
    }
}

/// A live migration whose `migrate_to` succeeded but whose `migrate_from` has no result yet
/// leaves the resource active on both nodes: on the target as well, unless the target is down
/// or has a history of its own since.
fn partial_migration_targets(view: &mut ClusterView) {
    for r in 0..view.resources.len() {
        let moves: Vec<(usize, usize, i64)> = view.resources[r]
            .node_state
            .iter()
            .filter(|(_, st)| st.role.is_active())
            .filter_map(|(&src, st)| {
                let target = st.partial_migration_target.as_deref()?;
                let when = st
                    .ops
                    .iter()
                    .rev()
                    .find(|o| o.task == "migrate_to")
                    .map_or(0, |o| o.last_change);
                Some((src, *view.node_by_name.get(target)?, when))
            })
            .collect();
        for (src, target, when) in moves {
            let node = &view.nodes[target];
            if !node.online || node.unclean {
                continue;
            }
            let rsc = &mut view.resources[r];
            // A newer result on the target (than the migrate_to) tells its real state.
            let newer = rsc.node_state.get(&target).is_some_and(|s| {
                // A migrate_from with a result ends the partial migration (done or failed).
                s.ops
                    .iter()
                    .any(|o| o.task == "migrate_from" && o.status != -1)
                    || (when > 0 && s.ops.iter().any(|o| o.last_change > when))
            });
            if newer {
                continue;
            }
            rsc.node_state.insert(
                target,
                RscNodeState {
                    role: Role::Started,
                    migrating_from: Some(src),
                    ..Default::default()
                },
            );
        }
    }
}

/// An offline cluster node whose history shows a managed resource running is fenced.
fn fence_if_active(view: &mut ClusterView, node: usize) {
    // Nothing is managed in maintenance mode (cluster-wide or on the node).
    let maintenance = view.config.maintenance_mode
        || view.nodes[node]
            .attrs
            .get("maintenance")
            .is_some_and(|v| super::is_true(v));
    if view.nodes[node].unclean || maintenance {
        return;
    }
    let active = view
        .resources
        .iter()
        .find(|r| r.managed() && r.node_state.get(&node).is_some_and(|s| s.role.is_active()));
    if let Some(r) = active {
        let reason = format!("{} is thought to be active there", r.id);
        let n = &mut view.nodes[node];
        n.unclean = true;
        n.unclean_reason = reason;
    }
}

enum Found {
    Instance(RscIdx),
    /// No usable instance: a new (orphan) instance of this clone is needed.
    OrphanOf(RscIdx),
    None,
}

fn find_resource(
    view: &ClusterView,
    anon: &BTreeMap<String, Vec<RscIdx>>,
    rid: &str,
    node: usize,
    reuse_here: bool,
) -> Found {
    let base = rid.split(':').next().unwrap_or(rid);
    // On a bundle's guest node the history is that replica's instance (by its exact id when
    // the bundle's clone is unique: a plain id is then an orphan).
    if let Some(rep) = super::bundle::replica_on_node(view, node) {
        let unique = |p: RscIdx| {
            view.resources[p]
                .parent
                .and_then(|c| view.resources[c].clone.as_ref())
                .is_some_and(|c| c.unique)
        };
        let matches = |p: RscIdx| {
            if unique(p) {
                view.resources[p].id == rid
            } else {
                view.resources[p].base_id == base
            }
        };
        if let Some(p) = rep
            .child
            .map(|c| view.primitives_of(c))
            .and_then(|ps| ps.into_iter().find(|p| matches(*p)))
        {
            return Found::Instance(p);
        }
    }
    if let Some(instances) = anon.get(base) {
        // Pacemaker's rule: the instance already active on this node (unless this member
        // already has history there: then the extra history is an orphan), else the first
        // instance not active anywhere.
        let group_instance = |r: RscIdx| {
            view.resources[r]
                .parent
                .filter(|p| view.resources[*p].kind == Kind::Group)
                .unwrap_or(r)
        };
        let mut inactive = None;
        let mut skip_inactive = false;
        for &r in instances {
            let locs = view.running_on(group_instance(r));
            if !locs.is_empty() {
                if locs.contains(&node) {
                    if !view.resources[r].running_nodes().is_empty() {
                        skip_inactive = true;
                    } else {
                        return Found::Instance(r);
                    }
                }
            } else if !skip_inactive
                && inactive.is_none()
                && (reuse_here || !view.resources[r].node_state.contains_key(&node))
            {
                inactive = Some(r);
            }
        }
        if let (Some(r), false) = (inactive, skip_inactive) {
            return Found::Instance(r);
        }
        return Found::OrphanOf(view.top_of(instances[0]));
    }
    match view
        .rsc_by_id
        .get(rid)
        .copied()
        .filter(|r| view.resources[*r].kind == Kind::Primitive)
    {
        Some(r) => Found::Instance(r),
        None => Found::None,
    }
}

/// Adds instance number `children.len()` of clone `c` (copying instance 0), marked orphan.
fn add_orphan_instance(
    view: &mut ClusterView,
    c: RscIdx,
    anon: &mut BTreeMap<String, Vec<RscIdx>>,
) -> RscIdx {
    let n = view.resources[c].children.len();
    let template = view.resources[c].children[0];
    fn copy(
        view: &mut ClusterView,
        src: RscIdx,
        parent: RscIdx,
        n: usize,
        anon: &mut BTreeMap<String, Vec<RscIdx>>,
    ) -> RscIdx {
        let mut r = view.resources[src].clone();
        r.id = format!("{}:{n}", r.base_id);
        r.parent = Some(parent);
        r.children = Vec::new();
        r.node_state = BTreeMap::new();
        r.orphan = true;
        r.clone_name = None;
        let idx = view.resources.len();
        let kids = view.resources[src].children.clone();
        view.rsc_by_id.insert(r.id.clone(), idx);
        if r.kind == Kind::Primitive {
            anon.entry(r.base_id.clone()).or_default().push(idx);
        }
        view.resources.push(r);
        for k in kids {
            let ck = copy(view, k, idx, n, anon);
            view.resources[idx].children.push(ck);
        }
        idx
    }
    let inst = copy(view, template, c, n, anon);
    view.resources[c].children.push(inst);
    inst
}

fn add_orphan(view: &mut ClusterView, lr: &Element, rid: &str, diags: &mut Diagnostics) -> RscIdx {
    if let Some(&r) = view.rsc_by_id.get(rid) {
        return r;
    }
    diags.info(format!("{rid} is an orphan (not in the configuration)"));
    let idx = view.resources.len();
    view.resources.push(Resource {
        id: rid.to_string(),
        base_id: rid.to_string(),
        kind: Kind::Primitive,
        parent: None,
        children: Vec::new(),
        class: lr.attr("class").unwrap_or("ocf").to_string(),
        provider: lr.attr("provider").map(str::to_string),
        agent: lr.attr("type").unwrap_or("").to_string(),
        meta: BTreeMap::new(),
        params: BTreeMap::new(),
        ops: Vec::new(),
        utilization: BTreeMap::new(),
        utilization_text: Vec::new(),
        clone: None,
        node_state: BTreeMap::new(),
        orphan: true,
        config_order: usize::MAX,
        clone_name: None,
    });
    // An orphan that ran inside a container says so in its history.
    if let Some(k) = lr.attr("container") {
        view.resources[idx]
            .meta
            .insert("container".into(), k.to_string());
    }
    view.rsc_by_id.insert(rid.to_string(), idx);
    view.top.push(idx);
    if view.resources[idx].is_connection() {
        remote::orphaned_connection(view, idx);
    }
    idx
}

fn default_on_fail(view: &ClusterView, rsc: &Resource, task: &str, interval_ms: u64) -> OnFail {
    let configured = rsc
        .op(task, interval_ms)
        .and_then(|o| o.on_fail.as_deref())
        .and_then(OnFail::parse);
    let in_container = super::remote::container_of(view, rsc).is_some();
    match configured {
        Some(OnFail::Fence) if !view.config.stonith_enabled => return OnFail::Block,
        Some(OnFail::RestartContainer) if !in_container => {}
        Some(c) => return c,
        None => {}
    }
    // Whatever fails inside a container is recovered by restarting the container.
    if in_container {
        return OnFail::RestartContainer;
    }
    if task == "stop" {
        if view.config.stonith_enabled {
            OnFail::Fence
        } else {
            OnFail::Block
        }
    } else {
        OnFail::Restart
    }
}

fn replay(view: &ClusterView, r: RscIdx, node: usize, mut ops: Vec<OpRecord>) -> RscNodeState {
    let rsc = &view.resources[r];
    let mut expiry = super::expiry::Expiry::new(view, rsc, node);
    let mut st = RscNodeState {
        role: Role::Unknown,
        ..Default::default()
    };
    for (i, op) in ops.iter_mut().enumerate() {
        let o = op.clone();
        if o.status == 1 {
            continue;
        }
        let mut expired = false;
        if o.status != -1 && o.status != 7 {
            let (e, clear) = expiry.check(&o);
            expired = e;
            st.clear_failcount |= clear;
            if clear {
                st.expired_failure = true;
            }
        }
        let probe = o.task == "monitor" && o.interval_ms == 0;
        if o.status == -1 {
            st.pending_task = Some(o.task.clone());
            match o.task.as_str() {
                "start" | "migrate_from" => {
                    st.role = st.role.max(Role::Started);
                    st.last_start = Some(i);
                }
                "promote" => st.role = Role::Promoted,
                "demote" | "stop" | "migrate_to" => {
                    st.role = st.role.max(Role::Started);
                }
                _ => {}
            }
            continue;
        }
        st.pending_task = None;
        // "Done" and "error" are re-judged from the return code; other statuses are final.
        let exec_ok = o.status == 0 || (o.status == 4 && !matches!(o.rc, 5 | 6));
        let success = exec_ok && (o.rc == o.expected_rc || (probe && matches!(o.rc, 0 | 7 | 8)));
        // "Not running" as expected, whatever the operation: stopped, past failures cleared.
        if success && o.rc == 7 && o.task != "monitor" {
            st.role = Role::Stopped;
            clear_failure(&mut st);
            continue;
        }
        if success {
            match o.task.as_str() {
                "start" | "migrate_from" => {
                    st.role = Role::Started;
                    st.last_start = Some(i);
                    clear_failure(&mut st);
                }
                "stop" => {
                    st.role = Role::Stopped;
                    st.last_start = Some(i);
                    clear_failure(&mut st);
                    st.partial_migration_target = None;
                }
                // A role change restarts the recurring operations too.
                "promote" => {
                    st.role = Role::Promoted;
                    st.last_start = Some(i);
                    clear_failure(&mut st);
                }
                "demote" => {
                    if st.on_fail == OnFail::Demote {
                        clear_failure(&mut st);
                    }
                    st.role = Role::Unpromoted;
                    st.last_start = Some(i);
                }
                "migrate_to" => {
                    st.role = Role::Started;
                    st.partial_migration_target = o.migrate_target.clone();
                }
                "monitor" => match o.rc {
                    7 => {
                        st.role = Role::Stopped;
                        if probe {
                            st.last_start = Some(i);
                        }
                    }
                    8 => st.role = Role::Promoted,
                    _ => {
                        if st.role < Role::Started {
                            st.role = Role::Started;
                        }
                    }
                },
                _ => {
                    if st.role < Role::Started && o.task != "notify" && o.task != "meta-data" {
                        st.role = Role::Started;
                    }
                }
            }
            continue;
        }
        // A failure. Expired failures are ignored entirely; an expired recurring monitor
        // failure (with a digest, on a node that can run it) gets the monitor rescheduled.
        if expired {
            if probe && o.rc == 7 {
                st.role = Role::Stopped;
            }
            let up = view.nodes[node].online && !view.nodes[node].unclean;
            op.reschedule = o.interval_ms > 0 && o.digest.is_some() && up;
            st.expired_failure = true;
            continue;
        }
        op.failed = true;
        let mut on_fail = default_on_fail(view, rsc, &o.task, o.interval_ms);
        let hard_error = o.status == 7 || (exec_ok && matches!(o.rc, 5 | 6));
        // A failed stop inside a container counts as done too: restarting the container
        // stops it anyway.
        let container_stop = on_fail == OnFail::RestartContainer && o.task == "stop";
        if (on_fail == OnFail::Ignore || container_stop) && !hard_error {
            // The failure is ignored: the operation counts as done.
            st.failure_ignored = true;
            if container_stop {
                st.on_fail = st.on_fail.max(OnFail::RestartContainer);
            }
            match o.task.as_str() {
                "stop" => st.role = Role::Stopped,
                "start" | "migrate_from" => st.role = Role::Started,
                "promote" => st.role = Role::Promoted,
                "demote" => st.role = Role::Unpromoted,
                _ => {
                    if st.role < Role::Started && !probe {
                        st.role = Role::Started;
                    }
                }
            }
            continue;
        }
        if exec_ok && o.rc == 5 || o.status == 7 {
            // Not installed: this node can never run it.
            st.banned = true;
            if probe || o.task == "stop" && o.rc == 5 {
                st.role = Role::Stopped;
                continue;
            }
        }
        if exec_ok && o.rc == 6 {
            st.banned_everywhere = true;
        }
        // Invalid parameters, unimplemented actions and missing privileges are hard errors:
        // this node is out for good.
        if exec_ok && matches!(o.rc, 2..=4) && !(o.rc == 3 && o.interval_ms > 0) {
            st.banned = true;
        }
        if probe && exec_ok && o.rc == 5 {
            continue;
        }
        match o.task.as_str() {
            "stop" => {
                st.banned = true;
                st.role = st.role.max(Role::Started);
            }
            "promote" => st.role = Role::Promoted,
            // A failed demote leaves the instance promoted.
            "demote" => st.role = Role::Promoted,
            "migrate_to" => {
                st.role = Role::Started;
            }
            "monitor" if exec_ok && (o.rc == 8 || o.rc == 9) => st.role = Role::Promoted,
            "monitor" if exec_ok && o.rc == 7 && !probe => {
                st.role = Role::Started;
            }
            _ => {
                if st.role < Role::Started {
                    st.role = Role::Started;
                }
            }
        }
        if o.task == "monitor" && o.interval_ms > 0 && o.rc == 9 && on_fail == OnFail::Restart {
            on_fail = OnFail::Restart;
        }
        if on_fail == OnFail::Ignore {
            continue;
        }
        if on_fail > st.on_fail {
            st.on_fail = on_fail;
        }
    }
    if st.role == Role::Unknown {
        st.role = Role::Stopped;
    }
    if st.on_fail > OnFail::Ignore && st.role.is_active() {
        st.failed = true;
    }
    st.ops = ops;
    st
}

fn clear_failure(st: &mut RscNodeState) {
    if matches!(
        st.on_fail,
        OnFail::Ignore
            | OnFail::Demote
            | OnFail::Restart
            | OnFail::RestartContainer
            | OnFail::Block
    ) {
        st.on_fail = OnFail::Ignore;
        st.failed = false;
    }
}
