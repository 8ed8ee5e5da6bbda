//! `-C/--cleanup`, `-R/--refresh` and `--restart`: the commands that make the cluster act on
//! a resource's state rather than its configuration. Cleanup goes through
//! [`crate::cib_access::CibAccess::cleanup`] (the crmd on a live cluster, the status section
//! of a CIB file); restart stops the resource through its target-role and waits for the
//! operation history to show the result.

use super::cluster::{ClusterError, Ctx, Reply};
use super::params::{self, AttrRequest};
use super::snapshot::Snapshot;
use crate::exit::ExitCode;
use pengine::unpack::{Kind, RscIdx};
use std::time::{Duration, Instant};

/// How often `--restart` looks at the CIB.
const POLL: Duration = Duration::from_millis(500);
/// `--restart`'s default `--timeout`.
const DEFAULT_RESTART_TIMEOUT_MS: u64 = 60_000;

/// The name the history (and the crmd) knows a primitive by: an anonymous clone's instances
/// share their configured id.
fn history_id(snap: &Snapshot, p: RscIdx) -> String {
    let rsc = &snap.view.resources[p];
    let anonymous = rsc.parent.is_some_and(|c| {
        let c = &snap.view.resources[c];
        c.kind == Kind::Clone && !c.clone.as_ref().is_some_and(|cfg| cfg.unique)
    });
    match &rsc.clone_name {
        Some(n) => n.clone(),
        None if anonymous => rsc.base_id.clone(),
        None => rsc.id.clone(),
    }
}

/// `-C` / `-R`, for one resource (every primitive under it) or, without `-r`, everything.
pub fn cleanup(ctx: &mut Ctx<'_>, _refresh: bool) -> Result<Reply, ClusterError> {
    let snap = ctx.snapshot()?;
    let node = ctx.opts.node.clone();
    if let Some(n) = &node {
        snap.node(n).ok_or_else(|| ClusterError::no_node(n))?;
    }
    let mut reply = Reply::default();
    // As Pacemaker: against a CIB file a clean-up is a dry run (the file is not edited).
    let dry_run = std::env::var_os("CIB_file").is_some();
    let Some(rsc) = ctx.opts.resource.clone() else {
        if dry_run {
            reply.info(format!(
                "Dry run: skipping clean-up of {} due to CIB_file",
                node.as_deref().unwrap_or("all nodes")
            ));
            return Ok(reply);
        }
        ctx.access.cleanup("", node.as_deref().unwrap_or(""))?;
        reply.info(format!(
            "Cleaned up all resources on {}",
            node.as_deref().unwrap_or("all nodes")
        ));
        return Ok(reply);
    };
    let r = snap
        .find(&rsc)
        .ok_or_else(|| ClusterError::no_resource(&rsc))?;
    for p in snap.view.primitives_of(r) {
        let prim = &snap.view.resources[p];
        let mut nodes: Vec<usize> = match &node {
            Some(n) => snap.node(n).into_iter().collect(),
            None => prim.node_state.keys().copied().collect(),
        };
        if nodes.is_empty() {
            // Never seen anywhere: every node it may run on.
            nodes = (0..snap.view.nodes.len()).collect();
        }
        let id = history_id(&snap, p);
        for n in nodes {
            let info = &snap.view.nodes[n];
            if !info.online && node.is_none() {
                continue;
            }
            if dry_run {
                reply.err.push_str(&format!(
                    "Dry run: skipping clean-up of {} on {} due to CIB_file\n",
                    prim.id, info.uname
                ));
                continue;
            }
            ctx.access.cleanup(&id, &info.uname)?;
            reply.info(format!("Cleaned up {} on {}", prim.id, info.uname));
        }
    }
    Ok(reply)
}

/// True when no primitive under `r` is active anywhere.
fn stopped(snap: &Snapshot, r: RscIdx) -> bool {
    snap.view.running_on(r).is_empty()
}

/// Polls the CIB until `done` holds or `timeout` passes; true when it held.
fn wait_for(
    ctx: &mut Ctx<'_>,
    rsc: &str,
    timeout: Duration,
    done: impl Fn(&Snapshot, RscIdx) -> bool,
) -> Result<bool, ClusterError> {
    let start = Instant::now();
    loop {
        let snap = Snapshot::new(ctx.access.query()?);
        let r = snap
            .find(rsc)
            .ok_or_else(|| ClusterError::no_resource(rsc))?;
        if done(&snap, r) {
            return Ok(true);
        }
        if start.elapsed() >= timeout {
            return Ok(false);
        }
        std::thread::sleep(POLL.min(timeout.saturating_sub(start.elapsed())));
    }
}

/// Puts target-role back as it was (deleting it when there was none).
fn restore_role(
    ctx: &mut Ctx<'_>,
    rsc: &str,
    original: Option<&str>,
    reply: &mut Reply,
) -> Result<(), ClusterError> {
    let snap = Snapshot::new(ctx.access.query()?);
    let req = AttrRequest::meta(rsc, "target-role", ctx.opts.force);
    match original {
        Some(v) => params::set_attr(ctx, &snap, &req, v, reply),
        None => params::delete_attr(ctx, &snap, &req, reply),
    }
}

/// The resource's own configured target-role.
fn own_target_role(snap: &Snapshot, r: RscIdx) -> Option<String> {
    snap.config_element(r)?
        .children_named("meta_attributes")
        .flat_map(|s| s.children_named("nvpair"))
        .find(|nv| nv.attr("name") == Some("target-role"))
        .and_then(|nv| nv.attr("value"))
        .map(str::to_string)
}

/// `--restart -r RSC`: stop through target-role, wait, restore, wait for it to run again.
pub fn restart(ctx: &mut Ctx<'_>) -> Result<Reply, ClusterError> {
    let rsc = ctx.resource()?.to_string();
    let snap = ctx.snapshot()?;
    let r = snap
        .find(&rsc)
        .ok_or_else(|| ClusterError::no_resource(&rsc))?;
    let mut reply = Reply::default();
    if stopped(&snap, r) {
        reply.error(format!(
            "{rsc} is not running anywhere and so cannot be restarted"
        ));
        return Err(ClusterError::Partial {
            reply,
            code: ExitCode::NoSuch,
            report: false,
        });
    }
    let timeout = Duration::from_millis(ctx.opts.timeout_ms.unwrap_or(DEFAULT_RESTART_TIMEOUT_MS));
    let original = own_target_role(&snap, r);
    let req = AttrRequest::meta(&rsc, "target-role", ctx.opts.force);
    params::set_attr(ctx, &snap, &req, "stopped", &mut reply)?;
    reply.info(format!("Waiting for 1 resources to stop:\n * {rsc}"));
    if !wait_for(ctx, &rsc, timeout, stopped)? {
        restore_role(ctx, &rsc, original.as_deref(), &mut reply)?;
        reply.error(format!(
            "{rsc} is still active after {}s (timeout); its target-role was restored",
            timeout.as_secs()
        ));
        return finish_with_timeout(reply);
    }
    restore_role(ctx, &rsc, original.as_deref(), &mut reply)?;
    reply.info(format!("Waiting for 1 resources to start again:\n * {rsc}"));
    if !wait_for(ctx, &rsc, timeout, |s, r| !stopped(s, r))? {
        reply.error(format!(
            "{rsc} did not start again within {}s (timeout)",
            timeout.as_secs()
        ));
        return finish_with_timeout(reply);
    }
    Ok(reply)
}

/// A timed-out restart: what was printed so far, and CRM_EX_TIMEOUT.
fn finish_with_timeout(reply: Reply) -> Result<Reply, ClusterError> {
    Err(ClusterError::Partial {
        reply,
        code: ExitCode::Timeout,
        report: false,
    })
}
