//! Clone notifications (`notify=true`): for each clone action that happens, pre- and
//! post-notification pseudo actions with their confirmations, and one notify operation per
//! instance that is active before (pre) or after (post) the action. Created after
//! propagation, since whether a notification happens follows whether its clone action does.

use super::{flags::*, ActionTable};
use crate::assign::Assignment;
use crate::graph_build::in_graph;
use crate::unpack::{ClusterView, Role};
use graph::ActionKind;
use std::collections::BTreeMap;

const TASKS: [(&str, &str); 4] = [
    ("demote", "demoted"),
    ("stop", "stopped"),
    ("start", "running"),
    ("promote", "promoted"),
];

/// Adds the notification actions of every clone with `notify=true`.
pub fn create(view: &ClusterView, asg: &Assignment, t: &mut ActionTable) {
    after_fencing(view, asg, t);
    let monitors = recurring_monitors(t);
    for (c, rsc) in view.resources.iter().enumerate() {
        if rsc.clone.as_ref().is_some_and(|cfg| cfg.notify) {
            notify_clone(view, asg, t, c, &monitors);
        }
    }
}

/// Recurring monitors by resource, built once (no scans per clone).
fn recurring_monitors(t: &ActionTable) -> BTreeMap<usize, Vec<usize>> {
    let mut monitors: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, a) in t.list.iter().enumerate() {
        if let (Some(r), true) = (a.rsc, a.interval_ms > 0 && a.task == "monitor") {
            monitors.entry(r).or_default().push(i);
        }
    }
    monitors
}

/// One clone task's notifications: the clone action's completion, whether the action and
/// its completion happen, and the pre and post notification points with their confirmations.
struct Notification<'s> {
    task: &'s str,
    done: usize,
    happens: bool,
    completes: bool,
    pre: usize,
    pre_done: usize,
    post: usize,
    post_done: usize,
}

/// Clone `c`'s notifications, task by task. Every earlier task's confirmed
/// post-notification precedes a later task's pre-notification (Pacemaker orders each such
/// pair).
fn notify_clone(
    view: &ClusterView,
    asg: &Assignment,
    t: &mut ActionTable,
    c: usize,
    monitors: &BTreeMap<usize, Vec<usize>>,
) {
    let mut prev_dones: Vec<usize> = Vec::new();
    for (task, complete) in TASKS {
        let Some(n) = notification_points(view, t, c, task, complete) else {
            continue;
        };
        for &p in &prev_dones {
            t.order(p, n.pre, OPTIONAL);
        }
        prev_dones.push(n.post_done);
        let told_after = notify_instances(view, asg, t, c, &n);
        wait_for_notifications(view, t, c, &n);
        // Instances told after the action: their recurring monitors wait for that.
        for p in told_after {
            for &m in monitors.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
                t.order(n.post_done, m, OPTIONAL);
            }
        }
    }
}

/// The pseudo actions notifying of clone `c`'s `task` (and of its completion), ordered
/// around the clone action; None when neither happens.
fn notification_points<'s>(
    view: &ClusterView,
    t: &mut ActionTable,
    c: usize,
    task: &'s str,
    complete: &str,
) -> Option<Notification<'s>> {
    let action = *t.of(c, task).first()?;
    let done = *t.of(c, complete).first()?;
    let happens = in_graph(t, action);
    let completes = in_graph(t, done);
    if !happens && !completes {
        return None;
    }
    let id = &view.resources[c].id;
    let pseudo = |t: &mut ActionTable, kind: &str, of: &str, op: &str, required: bool| {
        let key = format!("{id}_{kind}_notify_{of}_0");
        let i = t.get(Some(c), op, key, 0, None, ActionKind::PseudoEvent);
        t.list[i].optional = !required;
        t.list[i].runnable = true;
        set_notify_meta(&mut t.list[i], kind, of, task);
        i
    };
    let pre = pseudo(t, "pre", task, "notify", happens);
    let pre_done = pseudo(t, "confirmed-pre", task, "notified", happens);
    let post = pseudo(t, "post", complete, "notify", completes);
    let post_done = pseudo(t, "confirmed-post", complete, "notified", completes);
    t.order(pre, pre_done, OPTIONAL);
    t.order(pre_done, action, OPTIONAL);
    t.order(pre_done, post, OPTIONAL);
    t.order(done, post, IMPLIES_THEN);
    t.order(post, post_done, IMPLIES_THEN);
    Some(Notification {
        task,
        done,
        happens,
        completes,
        pre,
        pre_done,
        post,
        post_done,
    })
}

/// One notify operation per instance and node told, before (pre) or after (post) the
/// clone action; the instances told after it.
fn notify_instances(
    view: &ClusterView,
    asg: &Assignment,
    t: &mut ActionTable,
    c: usize,
    n: &Notification,
) -> Vec<usize> {
    let task = n.task;
    let mut told_after = Vec::new();
    // No instance is told of a start, promote or demote that no instance really
    // does (a stop may be implied by fencing, so it is always told).
    let instances = if task == "stop" || instance_acts(view, t, c, task) {
        view.primitives_of(c)
    } else {
        Vec::new()
    };
    for p in instances {
        let targets = notified_nodes(view, asg, t, task, p);
        if !targets.post.is_empty() {
            told_after.push(p);
        }
        let id = view.resources[p].key_id().to_string();
        let phases = [
            (n.happens, "pre", n.pre, n.pre_done, targets.pre),
            (n.completes, "post", n.post, n.post_done, targets.post),
        ];
        for (on, phase, first, last, nodes) in phases {
            if !on {
                continue;
            }
            for node in nodes {
                let i = t.get(
                    Some(p),
                    "notify",
                    format!("{id}_{phase}_notify_{task}_0"),
                    0,
                    Some(node),
                    ActionKind::RscOp,
                );
                t.require(i);
                tell(t, first, i);
                t.order(first, i, OPTIONAL);
                t.order(i, last, OPTIONAL);
            }
        }
    }
    told_after
}

/// Whatever outside the clone waits for the clone action to complete waits for its
/// confirmed post-notification instead.
fn wait_for_notifications(view: &ClusterView, t: &mut ActionTable, c: usize, n: &Notification) {
    let followers: Vec<usize> = t
        .edges
        .iter()
        .filter(|e| {
            e.first == n.done
                && e.then != n.post
                && t.list[e.then].rsc.is_some_and(|x| view.top_of(x) != c)
        })
        .map(|e| e.then)
        .collect();
    for e in t.edges.iter_mut() {
        if e.first == n.done && followers.contains(&e.then) {
            e.first = n.post_done;
        }
    }
}

/// Whether some instance of clone `c` has a required, runnable `task` action on a node
/// (Pacemaker's notification data lists only those).
fn instance_acts(view: &ClusterView, t: &ActionTable, c: usize, task: &str) -> bool {
    view.primitives_of(c).into_iter().any(|p| {
        t.of(p, task).into_iter().any(|i| {
            let a = &t.list[i];
            !a.optional && a.runnable && a.node.is_some()
        })
    })
}

/// The nodes where instance `p` is told before (pre) and after (post) its clone's `task`.
struct Targets {
    pre: Vec<usize>,
    post: Vec<usize>,
}

/// Pacemaker's `create_notify_actions`: for a stop or demote, the nodes the instance is active
/// on now (after a stop only if it does not stop itself); for a start or promote, the node it
/// is placed on (before a start only if it is not the one starting), not while it waits on a
/// remote or guest node whose connection cannot start.
fn notified_nodes(
    view: &ClusterView,
    asg: &Assignment,
    t: &ActionTable,
    task: &str,
    p: usize,
) -> Targets {
    let prsc = &view.resources[p];
    let required = |task: &str| t.of(p, task).into_iter().any(|i| !t.list[i].optional);
    let mut out = Targets {
        pre: Vec::new(),
        post: Vec::new(),
    };
    match task {
        "stop" | "demote" => {
            let stays = task == "demote" || !required("stop");
            for n in prsc.running_nodes() {
                let node = &view.nodes[n];
                // (Nor a guest node about to be reset: its stops are implied.)
                let reset = node.remote.as_ref().is_some_and(|l| l.requires_reset);
                if !node.online || node.unclean || reset {
                    continue;
                }
                out.pre.push(n);
                if stays {
                    out.post.push(n);
                }
            }
        }
        _ => {
            let Some(n) = asg.node[p].filter(|_| asg.role[p] != Role::Stopped) else {
                return out;
            };
            if !view.nodes[n].online {
                return out;
            }
            let connection = view.nodes[n].remote.as_ref().and_then(|l| l.connection);
            let blocked = connection.is_some_and(|c| {
                let starts = t.of(c, "start");
                !starts.is_empty() && starts.iter().all(|&s| !t.list[s].runnable)
            });
            if blocked && !t.of(p, "start").is_empty() {
                return out;
            }
            if task != "start" || !required("start") {
                out.pre.push(n);
            }
            out.post.push(n);
        }
    }
    out
}

/// A notify instance's stop implied by fencing its node: once the fencing is done, the
/// instances still active are told of the stop (post-notifications only; the stopped instance
/// cannot be asked before).
fn after_fencing(view: &ClusterView, asg: &Assignment, t: &mut ActionTable) {
    for (stop, fencing) in stops_implied_by_fencing(t) {
        let Some(p) = t.list[stop].rsc else { continue };
        let top = view.top_of(p);
        // The instance's own `notify` (set on it or inherited from its clone).
        let notifies = view.resources[p].meta_flag("notify", false);
        if view.resources[top].clone.is_none() || top == p || !notifies {
            continue;
        }
        let (post, post_done) = fenced_stop_points(view, t, p, fencing);
        // What these notifications tell: only that the instance stopped there.
        let stopped = [
            (
                "CRM_meta_notify_stop_resource",
                view.resources[p].id.clone(),
            ),
            (
                "CRM_meta_notify_stop_uname",
                t.list[stop]
                    .node
                    .map_or(String::new(), |n| view.nodes[n].uname.clone()),
            ),
        ];
        // Every instance's required changes carry it too, ahead of the clone's own table.
        for q in view.primitives_of(top) {
            let changes: Vec<usize> = ["start", "stop", "promote", "demote"]
                .iter()
                .flat_map(|task| t.of(q, task))
                .filter(|&i| !t.list[i].optional && t.list[i].node.is_some())
                .collect();
            for i in changes {
                tell_stopped(t, i, &stopped);
            }
        }
        for q in view.primitives_of(top) {
            if view.resources[q].base_id == view.resources[p].base_id {
                tell_instance_of_fenced_stop(view, asg, t, q, (post, post_done), &stopped);
            }
        }
    }
}

/// The stop pseudo actions (in the graph) implied by a fencing that downs their node, with
/// that fencing.
fn stops_implied_by_fencing(t: &ActionTable) -> Vec<(usize, usize)> {
    (0..t.list.len())
        .filter(|&i| {
            let a = &t.list[i];
            a.task == "stop" && a.kind == ActionKind::PseudoEvent && in_graph(t, i)
        })
        .filter_map(|i| {
            let n = t.list[i].node?;
            let fencing = (0..t.list.len()).find(|&f| {
                let a = &t.list[f];
                a.task == "stonith" && a.node == Some(n) && in_graph(t, f) && a.downed.contains(&n)
            })?;
            Some((i, fencing))
        })
        .collect()
}

/// Instance `p`'s post-notification of its fenced stop and its confirmation, after the
/// fencing.
fn fenced_stop_points(
    view: &ClusterView,
    t: &mut ActionTable,
    p: usize,
    fencing: usize,
) -> (usize, usize) {
    let prsc = &view.resources[p];
    let name = prsc.key_id().to_string();
    let pseudo = |t: &mut ActionTable, key: String, kind: &str, op: &str| {
        let i = t.get(Some(p), op, key, 0, None, ActionKind::PseudoEvent);
        t.list[i].internal_key = Some(format!("{}_{kind}_notify_stonith_0", prsc.id));
        t.list[i].runnable = true;
        t.require(i);
        set_notify_meta(&mut t.list[i], kind, "stonith", "stop");
        i
    };
    let post = pseudo(t, format!("{name}_post_notify_stop_0"), "post", "notify");
    let post_done = pseudo(
        t,
        format!("{name}_notified_0"),
        "confirmed-post",
        "notified",
    );
    t.order(fencing, post, IMPLIES_THEN);
    t.order(post, post_done, IMPLIES_THEN);
    (post, post_done)
}

/// Action `i` carries what a fenced stop's notifications tell (unless it says otherwise).
fn tell_stopped(t: &mut ActionTable, i: usize, stopped: &[(&str, String)]) {
    for (k, v) in stopped {
        t.list[i]
            .meta
            .entry(k.to_string())
            .or_insert_with(|| v.clone());
    }
}

/// Instance `q`, if it stays active on a node that is up, is told of the fenced stop
/// between the `(post, post_done)` points; its recurring monitors wait for that
/// (Pacemaker's new_post_notify_action).
fn tell_instance_of_fenced_stop(
    view: &ClusterView,
    asg: &Assignment,
    t: &mut ActionTable,
    q: usize,
    (post, post_done): (usize, usize),
    stopped: &[(&str, String)],
) {
    let Some(n) = asg.node[q].filter(|_| asg.role[q] != Role::Stopped) else {
        return;
    };
    // (Nor a guest node about to be reset.)
    let reset = view.nodes[n]
        .remote
        .as_ref()
        .is_some_and(|l| l.requires_reset);
    if !view.nodes[n].online || view.nodes[n].unclean || reset {
        return;
    }
    let i = t.get(
        Some(q),
        "notify",
        format!("{}_post_notify_stop_0", view.resources[q].key_id()),
        0,
        Some(n),
        ActionKind::RscOp,
    );
    t.require(i);
    tell_stopped(t, i, stopped);
    tell(t, post, i);
    t.order(post, i, OPTIONAL);
    t.order(i, post_done, OPTIONAL);
    let monitors: Vec<usize> = (0..t.list.len())
        .filter(|&m| {
            let a = &t.list[m];
            a.rsc == Some(q) && a.task == "monitor" && a.interval_ms > 0
        })
        .collect();
    for m in monitors {
        t.order(post_done, m, OPTIONAL);
    }
}

/// What a notification pseudo action tells: `kind` (`pre`, `confirmed-pre`, `post`,
/// `confirmed-post`) of the clone action `of` (`start`, `running`, ...; `stonith` after
/// fencing), which is part of `operation` (`start`, `stop`, `promote`, `demote`). The
/// post-notifications go first among the ready synapses.
fn set_notify_meta(a: &mut super::Action, kind: &str, of: &str, operation: &str) {
    let phase = kind.strip_prefix("confirmed-").unwrap_or(kind);
    for (name, value) in [
        ("notify_type", phase),
        ("notify_operation", operation),
        ("notify_key_type", kind),
        ("notify_key_operation", of),
    ] {
        a.meta.insert(format!("CRM_meta_{name}"), value.into());
    }
    if phase == "post" {
        a.priority = vocab::score::INFINITY;
    }
}

/// An instance's notify action `i` ordered after the pseudo action `first`: it tells what
/// `first` tells (Pacemaker copies the pseudo action's meta attributes it lacks), and a
/// post-notification goes first among the ready synapses.
fn tell(t: &mut ActionTable, first: usize, i: usize) {
    let told: Vec<(String, String)> = t.list[first]
        .meta
        .iter()
        .filter(|(k, _)| k.starts_with("CRM_meta_notify_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in told {
        t.list[i].meta.entry(k).or_insert(v);
    }
    t.list[i].priority = t.list[i].priority.max(t.list[first].priority);
}
