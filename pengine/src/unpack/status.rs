//! The status section: each resource's state per node, replayed from its operation history.

use super::{remote, ClusterView, Kind, Resource, Role, RscIdx};
use crate::rules::IdIndex;
use crate::Diagnostics;
use cib::history::{self, OnFail, OpRecord, RscNodeState, Rules};
use cib::Element;
use std::collections::BTreeMap;

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
    // Without fencing, the history of an offline cluster node says nothing about what runs
    // now (see `walk` below for the order histories are read in).
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
    // Which cluster nodes' histories a walk reads: online ones, and with fencing every
    // offline one too (whatever it says runs there has the node fenced).
    let cluster_ready = |view: &ClusterView, node: usize| {
        let n = &view.nodes[node];
        let maintenance = n
            .attrs
            .get("maintenance")
            .is_some_and(|v| super::is_true(v));
        // (Shutdown locks are read from offline nodes too.)
        n.online || maintenance || view.config.stonith_enabled || view.config.shutdown_lock
    };
    // Pacemaker walks the node states in document order again and again, reading each
    // history it can (a remote node's once its connection is known to be up), until a walk
    // reads nothing; anonymous clone instances are numbered in that order.
    let mut read = vec![false; view.nodes.len()];
    let mut walk = |view: &mut ClusterView,
                    anon: &mut BTreeMap<String, Vec<RscIdx>>,
                    diags: &mut Diagnostics,
                    fencing: bool| loop {
        let mut any = false;
        for (node, ns) in states(view) {
            if view.nodes[node].is_remote() {
                remote::connection_failures(view);
                if !remote::history_ready(view, node, fencing) {
                    continue;
                }
                remote::before_history(view, node, ns, idx);
                node_history(view, anon, node, ns, diags);
                remote::after_history(view, node);
            } else {
                if node >= read.len() || read[node] || !cluster_ready(view, node) {
                    continue;
                }
                read[node] = true;
                node_history(view, anon, node, ns, diags);
                let n = &view.nodes[node];
                let maintenance = n
                    .attrs
                    .get("maintenance")
                    .is_some_and(|v| super::is_true(v));
                if !n.online && !maintenance {
                    fence_if_active(view, node);
                }
            }
            any = true;
        }
        remote::connection_failures(view);
        if !any {
            return;
        }
    };
    walk(view, &mut anon, diags, false);
    if view.config.stonith_enabled {
        walk(view, &mut anon, diags, true);
    }
    remote::restart_containers(view);
    dangling_migrations(view);
    partial_migration_targets(view);
    failed_migration_targets(view);
    pending_migrations_from_unclean(view);
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
    let Some(lrm) = ns.child("lrm") else { return };
    // A history left unparsed by the reader (cib::Document::parse_deferring) is parsed now,
    // one node at a time, and dropped when replayed.
    let lrm = match lrm.expanded() {
        Ok(lrm) => lrm,
        Err(e) => {
            let id = ns.attr("uname").or(ns.attr("id")).unwrap_or("");
            diags.warn(format!("node {id}: unreadable operation history: {e}"));
            return;
        }
    };
    let Some(lrm_rscs) = lrm.child("lrm_resources") else {
        return;
    };
    for lr in lrm_rscs.children_named("lrm_resource") {
        let Some(rid) = lr.attr("id") else { continue };
        if let Some(r) = history_owner(view, anon, node, lr, rid, diags) {
            resource_history(view, node, lr, rid, r);
        }
    }
    // An orphan's container may come later in the same history (Pacemaker links orphans to
    // their containers once the node's history is read).
    remote::link_orphan_containers(view);
}

/// The resource history `rid` belongs to: the instance found for it, else an orphan added
/// for it (an orphan instance of its clone, or an orphan primitive); None for a history of
/// something unsupported.
fn history_owner(
    view: &mut ClusterView,
    anon: &mut BTreeMap<String, Vec<RscIdx>>,
    node: usize,
    lr: &Element,
    rid: &str,
    diags: &mut Diagnostics,
) -> Option<RscIdx> {
    let base = rid.split(':').next().unwrap_or(rid);
    // Pacemaker gives a history the first free instance even when that instance already
    // has (inactive) history here: two inactive histories can share one instance.
    match find_resource(view, anon, rid, node) {
        Found::Instance(r) => Some(r),
        Found::OrphanOf(c) => {
            let inst = add_orphan_instance(view, c, anon);
            let member = view
                .primitives_of(inst)
                .into_iter()
                .find(|p| view.resources[*p].base_id == base);
            Some(member.unwrap_or(inst))
        }
        Found::None => {
            let unsupported = view.unsupported_ids.iter().any(|u| {
                if u.ends_with('-') {
                    rid.starts_with(u.as_str())
                } else {
                    u == base
                }
            });
            (!unsupported).then(|| add_orphan(view, lr, rid, diags))
        }
    }
}

/// Resource `r`'s history `lr` (entry `rid`) on `node`: replayed into its state there,
/// with what the history says about the node (an unrecoverable stop, a changed agent, a
/// failure that fences).
fn resource_history(view: &mut ClusterView, node: usize, lr: &Element, rid: &str, r: RscIdx) {
    let ops = history::history(lr);
    if view.resources[r].base_id != view.resources[r].id {
        // The latest history names the instance (none when it is the instance's own).
        view.resources[r].clone_name = (view.resources[r].id != rid).then(|| rid.to_string());
    }
    super::shutdown_lock::read(view, r, node, lr);
    if !crate::actions::node_actions::can_fence(view, node) && ops.iter().any(unrecoverable_stop) {
        view.resources[r].stop_unrecoverable = true;
    }
    let mut state = replay(view, r, node, ops);
    state.entry_id = rid.to_string();
    // Pacemaker checks the agent against the resource named exactly by the history.
    if let Some(&x) = view.rsc_by_id.get(rid) {
        if agent_changed(&view.resources[x], lr) {
            view.resources[x].other_agent_on.push(node);
        }
    }
    fence_for_failure(view, node, r, &state);
    record_state(view, node, r, state);
}

/// A failure whose on-fail is `fence` (a failed stop with fencing enabled, by default)
/// makes the node unclean: it is fenced before the resource runs elsewhere. A guest node is
/// "fenced" by recovering its container instead (it stays clean, so it may run resources
/// again once the container is back).
fn fence_for_failure(view: &mut ClusterView, node: usize, r: RscIdx, state: &RscNodeState) {
    if !state.failed || state.on_fail != OnFail::Fence {
        return;
    }
    if view.nodes[node].is_guest() {
        super::remote::fence_guest(view, node);
    } else if !view.nodes[node].unclean {
        // (Pacemaker names the instance the history was mapped to, not the history.)
        let reason = format!("{} failed there", view.resources[r].id);
        let n = &mut view.nodes[node];
        n.unclean = true;
        n.unclean_reason = reason;
    }
}

/// The state becomes resource `r`'s on `node`, unless a second history of the same
/// resource there (a duplicate entry) would undo that the first found it active
/// (Pacemaker keeps the node it runs on).
fn record_state(view: &mut ClusterView, node: usize, r: RscIdx, state: RscNodeState) {
    let old = view.resources[r].node_state.get(&node);
    let keeps_active = old.is_some_and(|old| old.role.is_active() && !state.role.is_active());
    // (The same entry id twice: crm_simulate finds no single entry to record in.)
    let duplicate = old.is_some_and(|old| old.entry_id == state.entry_id);
    if duplicate {
        view.resources[r].duplicate_history_on.push(node);
    }
    if !keeps_active {
        view.resources[r].node_state.insert(node, state);
    }
}

/// A stop that failed with a hard error (Pacemaker's check when it maps the result): only
/// fencing could recover from it.
fn unrecoverable_stop(op: &OpRecord) -> bool {
    // (Only a finished or failed execution is judged by its result.)
    op.task == "stop"
        && matches!(op.status, 0 | 4)
        && (matches!(op.rc, 2 | 4 | 5) || (op.rc == 3 && op.interval_ms == 0))
}

/// Whether a configured primitive's history names another agent than its configuration.
fn agent_changed(rsc: &Resource, lr: &Element) -> bool {
    rsc.kind == Kind::Primitive
        && !rsc.orphan
        && (lr.attr("class") != Some(rsc.class.as_str())
            || lr.attr("provider") != rsc.provider.as_deref()
            || lr.attr("type") != Some(rsc.agent.as_str()))
}

/// A live migration whose migrate_to and migrate_from both succeeded leaves only the source's
/// stop to do: the source no longer counts as running it (Pacemaker's dangling migration).
fn dangling_migrations(view: &mut ClusterView) {
    for r in 0..view.resources.len() {
        let mut sources = Vec::new();
        for (&src, st) in &view.resources[r].node_state {
            let Some(target) = st.partial_migration_target.as_deref() else {
                continue;
            };
            let Some(&t) = view.node_by_name.get(target) else {
                continue;
            };
            let source = view.nodes[src].uname.as_str();
            let done = view.resources[r].node_state.get(&t).is_some_and(|ts| {
                ts.ops.iter().any(|o| {
                    o.task == "migrate_from"
                        && o.rc == 0
                        && o.status == 0
                        && o.migrate_source.as_deref() == Some(source)
                })
            });
            if st.role.is_active() && done {
                sources.push(src);
            }
        }
        for src in sources {
            let rsc = &mut view.resources[r];
            let st = rsc.node_state.get_mut(&src).expect("listed");
            st.role = Role::Stopped;
            st.partial_migration_target = None;
            rsc.dangling_on.push(src);
        }
    }
}

/// A `migrate_to` still pending on an unclean node may have reached its target: Pacemaker
/// forces a stop there.
fn pending_migrations_from_unclean(view: &mut ClusterView) {
    for r in 0..view.resources.len() {
        let targets: Vec<usize> = view.resources[r]
            .node_state
            .iter()
            .filter(|(n, _)| view.nodes[**n].unclean)
            .flat_map(|(_, st)| &st.ops)
            .filter(|o| o.task == "migrate_to" && o.status == -1)
            .filter_map(|o| view.node_by_name.get(o.migrate_target.as_deref()?).copied())
            .collect();
        view.resources[r].stop_forced_on.extend(targets);
    }
}

/// A failed `migrate_to` leaves the resource possibly active on the target too (Pacemaker's
/// migrate_to failure): unless the target's history is unknown or has news since the
/// migration (another action, or a monitor finding it stopped), it is stopped there as well.
fn failed_migration_targets(view: &mut ClusterView) {
    for r in 0..view.resources.len() {
        let mut targets: Vec<usize> = Vec::new();
        let mut listed: Vec<usize> = Vec::new();
        // (Only while the source still holds it does the target run it too: after a later
        // stop there, Pacemaker still lists the target, with the resource stopped.)
        for (&src, st) in &view.resources[r].node_state {
            let source_active = st.role.is_active();
            for op in st.ops.iter().filter(|o| o.task == "migrate_to" && o.failed) {
                let Some(&target) = op
                    .migrate_target
                    .as_deref()
                    .and_then(|t| view.node_by_name.get(t))
                else {
                    continue;
                };
                let Some(there) = view.resources[r].node_state.get(&target) else {
                    continue;
                };
                if target == src || there.ops.is_empty() || !view.nodes[target].online {
                    continue;
                }
                // Compared with the target's own successful migrate_from (by call id), else
                // with the migrate_to (by time).
                let source = &view.nodes[src].uname;
                let from = there.ops.iter().find(|o| {
                    o.task == "migrate_from"
                        && o.rc == 0
                        && o.status == 0
                        && o.migrate_source.as_deref() == Some(source.as_str())
                });
                // (Without a recorded last-rc-change on either, neither is newer.)
                let newer = |o: &OpRecord| match from {
                    Some(f) => o.call_id > f.call_id,
                    None => o
                        .last_rc_change
                        .zip(op.last_rc_change)
                        .is_some_and(|(a, b)| a > b),
                };
                let news = there.ops.iter().any(|o| {
                    let telling = o.task != "monitor" || o.rc == 7;
                    telling && newer(o)
                });
                if !news && source_active {
                    targets.push(target);
                } else if !news {
                    listed.push(target);
                }
            }
        }
        view.resources[r].stopped_listed_on = listed.first().copied();
        for target in targets {
            let st = view.resources[r]
                .node_state
                .get_mut(&target)
                .expect("checked above");
            if !st.role.is_active() {
                st.role = Role::Started;
                st.restart = true;
            }
        }
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
            if migration_abandoned(&view.resources[r], src, target, when, &view.nodes[target]) {
                // Pacemaker counts it failed: recovered by a full restart, never migrated on.
                if let Some(st) = view.resources[r].node_state.get_mut(&src) {
                    st.failed = true;
                    st.on_fail = st.on_fail.max(OnFail::Restart);
                }
                continue;
            }
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

/// A completed live migration whose source still shows the resource (its stop there is
/// outstanding): Pacemaker counts it stopped on the source, the stop only cleans up.
pub fn dangling_migration(view: &ClusterView, r: RscIdx, src: usize) -> bool {
    let rsc = &view.resources[r];
    let Some(target) = rsc
        .node_state
        .get(&src)
        .and_then(|st| st.partial_migration_target.as_deref())
        .and_then(|t| view.node_by_name.get(t))
    else {
        return false;
    };
    rsc.node_state.get(target).is_some_and(|st| {
        st.ops
            .iter()
            .rev()
            .find(|o| o.task == "migrate_from" && o.status != -1)
            .is_some_and(|o| o.rc == 0 && o.status == 0)
    })
}

/// A migration that no longer matters for its target (the target is down or has a newer
/// result than the migration, and the migrate_from did not succeed) while its migrate_to is
/// still the source's last word: the resource's state on the source is unknown.
fn migration_abandoned(
    rsc: &Resource,
    src: usize,
    target: usize,
    when: i64,
    target_node: &super::NodeInfo,
) -> bool {
    let tstate = rsc.node_state.get(&target);
    let from = tstate.and_then(|s| {
        s.ops
            .iter()
            .rev()
            .find(|o| o.task == "migrate_from" && o.status != -1)
    });
    if from.is_some_and(|o| o.rc == 0 && o.status == 0) {
        return false;
    }
    let newer = tstate.is_some_and(|s| match from {
        // A failed migrate_from: a later call on the target says what happened since.
        Some(f) => s.ops.iter().any(|o| o.call_id > f.call_id),
        None => when > 0 && s.ops.iter().any(|o| o.last_change > when),
    });
    let down = !target_node.online || target_node.unclean;
    // A newer non-monitor call on the source makes the migrate_to history there.
    let source_newer = rsc.node_state.get(&src).is_some_and(|s| {
        s.ops
            .iter()
            .rev()
            .take_while(|o| o.task != "migrate_to")
            .any(|o| o.task != "monitor")
    });
    (down || newer) && !source_newer
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
        let mut here = None;
        for &r in instances {
            let locs = view.running_on(group_instance(r));
            if !locs.is_empty() {
                if locs.contains(&node) {
                    if !view.resources[r].running_nodes().is_empty() {
                        skip_inactive = true;
                    } else {
                        here = Some(r);
                        break;
                    }
                }
            } else if !skip_inactive && inactive.is_none() {
                inactive = Some(r);
            }
        }
        let top = view.top_of(instances[0]);
        let found = here.or(inactive.filter(|_| !skip_inactive));
        // An instance needing only quorum does not use up a number on a node that is down
        // or unclean (unless the clone has one instance per node): it is an orphan there, so
        // another instance may start elsewhere. A guest's "fencing" is a stop: not there.
        let n = &view.nodes[node];
        let needs_fencing = matches!(
            crate::actions::node_actions::requires(view, instances[0]).as_str(),
            "fencing" | "unfencing"
        );
        let universal = view.resources[top]
            .clone
            .as_ref()
            .is_some_and(|c| c.max == view.nodes.len());
        if found.is_some()
            && !needs_fencing
            && (!n.online || n.unclean)
            && !n.is_guest()
            && !universal
        {
            return Found::OrphanOf(top);
        }
        if let Some(r) = here {
            return Found::Instance(r);
        }
        if let (Some(r), false) = (inactive, skip_inactive) {
            return Found::Instance(r);
        }
        return Found::OrphanOf(top);
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
    // A history named like a configured group or clone is an orphan of its own (Pacemaker:
    // "no longer primitive"); the name keeps meaning the configured resource.
    match view.rsc_by_id.get(rid) {
        Some(&r) if view.resources[r].kind == Kind::Primitive => return r,
        Some(_) => {
            let known = view.top.iter().copied().find(|&r| {
                let o = &view.resources[r];
                o.orphan && o.kind == Kind::Primitive && o.id == rid
            });
            if let Some(r) = known {
                return r;
            }
        }
        None => {}
    }
    diags.info(format!("{rid} is an orphan (not in the configuration)"));
    let idx = view.resources.len();
    view.resources.push(Resource {
        id: rid.to_string(),
        base_id: rid.to_string(),
        class: lr.attr("class").unwrap_or("ocf").to_string(),
        provider: lr.attr("provider").map(str::to_string),
        agent: lr.attr("type").unwrap_or("").to_string(),
        orphan: true,
        config_order: usize::MAX,
        ..Default::default()
    });
    // An orphan that ran inside a container says so in its history.
    if let Some(k) = lr.attr("container") {
        view.resources[idx]
            .meta
            .insert("container".into(), k.to_string());
    }
    view.rsc_by_id.entry(rid.to_string()).or_insert(idx);
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

/// The scheduler's rules for one resource on one node: on-fail from its configuration,
/// failure expiry against "now".
struct ViewRules<'a> {
    view: &'a ClusterView,
    r: RscIdx,
    rsc: &'a Resource,
    node: usize,
    expiry: super::expiry::Expiry<'a>,
}

impl Rules for ViewRules<'_> {
    fn on_fail(&self, task: &str, interval_ms: u64) -> OnFail {
        default_on_fail(self.view, self.rsc, task, interval_ms)
    }

    fn expiry(&mut self, op: &OpRecord) -> (bool, bool) {
        self.expiry.check(op)
    }

    fn node_up(&self) -> bool {
        let n = &self.view.nodes[self.node];
        n.online && !n.unclean
    }

    fn last_failure_params_changed(&self, op: &OpRecord) -> bool {
        super::config_changes::last_failure_params_changed(self.view, self.r, self.node, op)
    }
}

fn replay(view: &ClusterView, r: RscIdx, node: usize, ops: Vec<OpRecord>) -> RscNodeState {
    let rsc = &view.resources[r];
    let mut rules = ViewRules {
        view,
        r,
        rsc,
        node,
        expiry: super::expiry::Expiry::new(view, rsc, node),
    };
    history::replay(&mut rules, ops)
}
