//! Running a graph `rsc_op` on the local lrmd.
//!
//! The graph carries a resource operation as flat attributes; the LRM wants a resource
//! (agent + instance parameters) registered once and then operation requests against it.
//! [`to_lrm_request`] is that translation, kept pure so it can be checked on scheduler output;
//! [`execute_on_lrm`] does the socket work.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use graph::{ActionKind, GraphAction};
use lrm::client::Client;
use lrm::op::{Action, OpRequest, OpResult, ResourceSpec};
use lrm::{AgentId, ResourceClass};
use tokio::sync::broadcast;

use crate::attrs;
use crate::error::TengineError;
use crate::record::OpSummary;

/// Converts a graph `rsc_op` into the LRM resource it runs on and the request to run.
///
/// - resource id: the primitive's `id` attribute (clone-less for anonymous clones, `rsc:N`
///   for unique ones), which is also the id the status section uses;
/// - params: every attribute but `CRM_meta_*` and `crm_feature_set`;
/// - meta: the `CRM_meta_*` attributes with the prefix stripped (this carries the notify
///   variables of notify operations, exported as `OCF_RESKEY_CRM_meta_notify_*`);
/// - timeout `CRM_meta_timeout` (ms, default 20000), interval `CRM_meta_interval`,
///   expected rc `CRM_meta_op_target_rc`, check level `CRM_meta_OCF_CHECK_LEVEL`.
///
/// For a `cancel` the request names the operation being cancelled (`CRM_meta_operation`).
pub fn to_lrm_request(action: &GraphAction) -> Result<(ResourceSpec, OpRequest), TengineError> {
    let r = &action.reference;
    if r.kind != ActionKind::RscOp {
        return Err(TengineError::NotAnRscOp {
            id: r.id,
            kind: r.kind.tag(),
        });
    }
    let primitive = action
        .primitive
        .as_ref()
        .ok_or(TengineError::MissingPrimitive(r.id))?;
    let bad_agent = || TengineError::BadAgent {
        id: r.id,
        agent: match &primitive.provider {
            Some(p) => format!("{}:{p}:{}", primitive.class, primitive.agent_type),
            None => format!("{}:{}", primitive.class, primitive.agent_type),
        },
    };
    let class = ResourceClass::parse(&primitive.class).ok_or_else(bad_agent)?;
    let agent = if class.needs_provider() {
        let provider = primitive.provider.as_deref().ok_or_else(bad_agent)?;
        AgentId::ocf(provider, &primitive.agent_type)
    } else {
        AgentId::new(class, &primitive.agent_type)
    };
    let params: BTreeMap<String, String> = action
        .attributes
        .iter()
        .filter(|(k, _)| attrs::is_param(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let meta: BTreeMap<String, String> = action
        .attributes
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(attrs::META_PREFIX)
                .map(|name| (name.to_string(), v.clone()))
        })
        .collect();
    let lrm_action = match r.operation.as_str() {
        "cancel" => Action::from(attrs::meta(action, "operation").unwrap_or("monitor")),
        other => Action::from(other),
    };
    let rsc = attrs::rsc_id(action);
    let mut req = OpRequest::new(
        &rsc,
        lrm_action,
        attrs::interval_ms(action),
        attrs::timeout_ms(action),
    );
    req.check_level = attrs::meta(action, "OCF_CHECK_LEVEL").and_then(|v| v.trim().parse().ok());
    req.expected_rc = Some(attrs::target_rc(action));
    req.meta = meta;
    let spec = ResourceSpec {
        id: rsc,
        agent,
        params,
    };
    Ok((spec, req))
}

/// Registers the resource and runs the operation to completion on `client`.
///
/// A recurring monitor (interval > 0) keeps running in the lrmd; its first result is returned
/// (later ones arrive as lrmd events, reported only on change). A `cancel` stops the recurring
/// operation it names (already gone counts as done); a `delete` unregisters the resource.
pub async fn execute_on_lrm(
    client: &Client,
    action: &GraphAction,
) -> Result<OpSummary, TengineError> {
    let (spec, req) = to_lrm_request(action)?;
    match action.reference.operation.as_str() {
        "cancel" => {
            match client
                .cancel(&req.rsc, req.action.clone(), req.interval_ms)
                .await
            {
                Ok(()) => {}
                Err(e) if already_gone(&e) => {}
                Err(e) => return Err(e.into()),
            }
            Ok(immediate_success())
        }
        "delete" => {
            match client.unregister(&req.rsc).await {
                Ok(()) => {}
                Err(e) if already_gone(&e) => {}
                Err(e) => return Err(e.into()),
            }
            Ok(immediate_success())
        }
        _ => {
            client.register(spec).await?;
            let result = if req.interval_ms > 0 {
                first_result(client, req).await?
            } else {
                client.exec_wait(req).await?
            };
            Ok(summary(&result))
        }
    }
}

/// Starts a recurring operation and waits for its first execution.
async fn first_result(client: &Client, req: OpRequest) -> Result<OpResult, TengineError> {
    // Subscribe before queueing so the first result cannot slip past.
    let mut events = client.subscribe().await?;
    let call_id = client.exec(req).await?;
    loop {
        match events.recv().await {
            Ok(result) if result.call_id == call_id => return Ok(result),
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => return Err(lrm::Error::Shutdown.into()),
        }
    }
}

/// Whether a cancel/delete error only says the target no longer exists, which is the state
/// the operation was asked to reach.
fn already_gone(e: &lrm::Error) -> bool {
    match e {
        lrm::Error::UnknownResource(_) | lrm::Error::NoSuchOperation(_) => true,
        lrm::Error::Remote(m) => m.contains("not registered") || m.contains("no recurring"),
        _ => false,
    }
}

/// The summary of an operation the LRM completes without running an agent.
fn immediate_success() -> OpSummary {
    OpSummary {
        last_rc_change: now_secs(),
        ..OpSummary::default()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The CIB-relevant part of an LRM result.
pub fn summary(result: &OpResult) -> OpSummary {
    OpSummary {
        call_id: result.call_id,
        rc: result.rc.0,
        op_status: result.status.code(),
        exit_reason: result.exit_reason.clone(),
        exec_time_ms: result.exec_time_ms,
        queue_time_ms: result.queue_time_ms,
        last_rc_change: result.run_at,
    }
}

#[cfg(test)]
mod tests;
