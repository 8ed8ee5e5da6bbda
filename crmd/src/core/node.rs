//! What every node does: its own operation history, running the actions the DC sends on the
//! local lrmd, reporting results and recurring-monitor changes, and recovering when lrmd
//! restarts.

use std::collections::BTreeMap;

use cib::xml::{Element, Node};
use graph::{GraphAction, TransitionGraph};
use lrm::op::OpResult;
use tengine::record::OpSummary;

use super::{Command, Core};
use crate::peer::PeerMsg;
use crate::status;

/// LRM op-status "error" (the action could not be run).
const OP_ERROR: i32 = 4;

/// A CIB with empty sections.
pub fn empty_cib() -> Element {
    let mut cib = Element::new("cib")
        .with_attr("crm_feature_set", cib::FEATURE_SET)
        .with_attr("admin_epoch", "0")
        .with_attr("epoch", "0")
        .with_attr("num_updates", "0")
        .with_attr("validate-with", "pacemaker-3.9");
    let mut conf = Element::new("configuration");
    for s in ["crm_config", "nodes", "resources", "constraints"] {
        conf.children.push(Node::Element(Element::new(s)));
    }
    cib.children.push(Node::Element(conf));
    cib.children.push(Node::Element(Element::new("status")));
    cib
}

/// This node's own operation history and the recurring monitors it runs.
pub struct LocalExec {
    /// A `<status>` holding only our `node_state`, maintained with tengine's recorder.
    status: Element,
    /// Recurring monitors: (rsc, interval) -> (the action that started it, last rc reported).
    recurring: BTreeMap<(String, u64), (GraphAction, i32)>,
    me: String,
    /// The `pingd` value last asked of the DC.
    pub pingd_sent: Option<String>,
}

impl LocalExec {
    /// Empty history.
    pub fn new(me: &str) -> LocalExec {
        LocalExec {
            status: Element::new("status"),
            recurring: BTreeMap::new(),
            me: me.to_string(),
            pingd_sent: None,
        }
    }

    /// Our `<lrm>` element.
    pub fn lrm(&self) -> Element {
        self.status
            .children_named("node_state")
            .next()
            .and_then(|ns| ns.child("lrm"))
            .cloned()
            .unwrap_or_else(|| {
                Element::new("lrm")
                    .with_attr("id", self.me.as_str())
                    .with_child(Element::new("lrm_resources"))
            })
    }

    fn lrm_resource(&self, rsc: &str) -> Option<Element> {
        self.lrm()
            .child("lrm_resources")?
            .children_named("lrm_resource")
            .find(|r| r.attr("id") == Some(rsc))
            .cloned()
    }

    /// Drops the history of `rsc` (all when empty) after a cleanup.
    pub fn forget(&mut self, rsc: &str) {
        let mut cib = Element::new("cib").with_child(self.status.clone());
        status::cleanup(&mut cib, "", rsc);
        if let Some(s) = cib.child("status") {
            self.status = s.clone();
        }
        self.recurring
            .retain(|(r, _), _| !(rsc.is_empty() || r == rsc || r.split(':').next() == Some(rsc)));
    }

    /// A call id after every one in our history, for a result lrmd never produced.
    pub fn next_call_id(&self) -> u64 {
        let mut max = 0;
        let mut stack = vec![&self.status];
        while let Some(e) = stack.pop() {
            if e.name == "lrm_rsc_op" {
                let id = e.attr("call-id").and_then(|v| v.parse::<u64>().ok());
                max = max.max(id.unwrap_or(0));
            }
            stack.extend(e.elements());
        }
        max + 1
    }

    /// The recurring monitors this node runs, as `rsc_monitor_interval` keys.
    pub fn recurring_keys(&self) -> Vec<String> {
        self.recurring
            .keys()
            .map(|(r, i)| format!("{r}_monitor_{i}"))
            .collect()
    }
}

/// The resource id the LRM and the status section use for an action.
pub fn action_rsc(action: &GraphAction) -> String {
    action
        .primitive
        .as_ref()
        .map(|p| p.id.clone())
        .unwrap_or_default()
}

fn meta(action: &GraphAction, name: &str) -> Option<String> {
    action
        .attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The action's interval in ms.
pub fn action_interval(action: &GraphAction) -> u64 {
    meta(action, "CRM_meta_interval")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The rc the DC expects.
pub fn action_target_rc(action: &GraphAction) -> i32 {
    meta(action, "CRM_meta_op_target_rc")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

impl Core {
    /// Our answer to a join offer.
    pub(super) fn own_report(&self, join: u64) -> PeerMsg {
        let attrs = status::transient_attrs(&self.cib, &self.me)
            .map(Element::to_xml_compact)
            .unwrap_or_default();
        PeerMsg::JoinReport {
            join,
            cib: status::without_status(&self.cib).to_xml_compact(),
            lrm: self.local.lrm().to_xml_compact(),
            attrs,
        }
    }

    pub(super) fn on_exec(&mut self, tid: u64, xml: &str) {
        let action = graph::xml::parse_graph(xml)
            .ok()
            .and_then(|g: TransitionGraph| g.synapses.into_iter().next())
            .map(|s| s.action);
        let Some(action) = action else {
            tracing::warn!("ignoring an unreadable action from the DC");
            return;
        };
        if action.reference.operation == "do_shutdown" {
            let dc = self.dc.clone().unwrap_or_default();
            self.on_do_shutdown(&dc);
            return;
        }
        tracing::info!(
            "executing {} (transition {tid}, action {})",
            action.reference.operation_key,
            action.reference.id
        );
        // Before lrmd's first connection the runtime waits for it; after a loss, fail at once.
        if self.lrm_up || !self.lrm_seen {
            self.out.push(Command::LrmExec {
                tid,
                action: Box::new(action),
            });
        } else if action.reference.operation == "stop" {
            tracing::warn!(
                "holding {} until lrmd is back (a failed stop would get this node fenced)",
                action.reference.operation_key
            );
            self.held_stops.push((tid, action));
        } else {
            // Answer at once: the DC must not wait for a result lrmd can never give.
            let why = "lrmd is not connected".to_string();
            self.on_lrm_done(tid, action, Err(why));
        }
    }

    pub(super) fn on_lrm_done(
        &mut self,
        tid: u64,
        action: GraphAction,
        result: Result<OpSummary, String>,
    ) {
        let wall = self.now.wall;
        let next_call = self.local.next_call_id();
        let summary = result.unwrap_or_else(|e| {
            tracing::warn!("{}: {e}", action.reference.operation_key);
            OpSummary {
                // After every op lrmd ran: the policy engine orders a resource's history by
                // call id, and a failure it cannot see as the latest is retried forever.
                call_id: next_call,
                rc: 1,
                op_status: OP_ERROR,
                exit_reason: e,
                exec_time_ms: 0,
                queue_time_ms: 0,
                last_rc_change: wall.max(0) as u64,
            }
        });
        let rsc = action_rsc(&action);
        let interval = action_interval(&action);
        if action.reference.operation == "monitor" && interval > 0 && summary.op_status == 0 {
            self.local
                .recurring
                .insert((rsc.clone(), interval), (action.clone(), summary.rc));
        } else if action.reference.operation == "stop" && summary.rc == 0 {
            // lrmd cancels a stopped resource's recurring operations; so do we.
            self.local.recurring.retain(|(r, _), _| r != &rsc);
        }
        self.report(tid, &action, &summary);
    }

    /// Records a result in our own history and sends the resource's history to the DC.
    fn report(&mut self, tid: u64, action: &GraphAction, summary: &OpSummary) {
        let rsc = action_rsc(action);
        let dc = self.dc.clone().unwrap_or_default();
        let op = tengine::record::lrm_rsc_op(action, summary, tid, &dc, &self.me);
        let me = self.me.clone();
        tengine::record::record_op(&mut self.local.status, &me, &me, action, op);
        let lrm_resource = self
            .local
            .lrm_resource(&rsc)
            .map(|e| e.to_xml_compact())
            .unwrap_or_default();
        let msg = PeerMsg::Result {
            tid,
            aid: action.reference.id,
            rc: summary.rc,
            status: summary.op_status,
            op: lrm_resource,
            rsc,
            task: action.reference.operation.clone(),
            interval_ms: action_interval(action),
            target_rc: action_target_rc(action),
        };
        if !self.send_to_dc(msg) {
            tracing::warn!("no DC to report {} to", action.reference.operation_key);
        }
    }

    /// A recurring monitor's result changed: record it and tell the DC (outside any transition).
    pub(super) fn on_lrm_event(&mut self, result: OpResult) {
        if result.interval_ms == 0 {
            return;
        }
        let key = (result.rsc.clone(), result.interval_ms);
        let Some((action, last_rc)) = self.local.recurring.get(&key).cloned() else {
            return;
        };
        let rc = result.rc.0;
        if rc == last_rc {
            return;
        }
        tracing::warn!(
            "{}_monitor_{}: rc changed from {last_rc} to {rc}",
            result.rsc,
            result.interval_ms
        );
        self.local.recurring.insert(key, (action.clone(), rc));
        let summary = OpSummary {
            call_id: result.call_id,
            rc,
            op_status: result.status.code(),
            exit_reason: result.exit_reason.clone(),
            exec_time_ms: result.exec_time_ms,
            queue_time_ms: result.queue_time_ms,
            last_rc_change: result.run_at,
        };
        self.report(0, &action, &summary);
    }

    /// lrmd came back after a restart: it lost every resource, history and recurring monitor,
    /// so what this node runs is unknown. Forget our own history and have the DC probe again;
    /// the probes' results bring the recurring monitors back through the policy engine.
    pub(super) fn lrm_restarted(&mut self) {
        let lost = self.local.recurring_keys();
        tracing::warn!(
            "lrmd restarted: forgetting local history ({} recurring monitors lost: {}) and asking the DC to re-probe",
            lost.len(),
            lost.join(", ")
        );
        self.local.forget("");
        if !self.send_to_dc(PeerMsg::Reprobe) {
            tracing::info!("no DC yet: the next join reports the empty history");
        }
    }
}
