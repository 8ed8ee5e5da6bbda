//! Fencing devices (class `stonith`) in the LRM, as Pacemaker's executor treats them: stonithd
//! does the fencing, the LRM answers whether a device is usable on this node.
//!
//! - `start` checks that the device's agent is installed and marks the device started here;
//!   `stop` unmarks it.
//! - `monitor` (a probe when its interval is 0) of a device not started here is 7 (not
//!   running), never 0, so a probe of a new device is an ordinary "not active here" result and
//!   not a failed action; a started device's monitor runs the agent's own monitor (cluster-glue
//!   plugins: `status`) with the device's parameters, and fails only when that says the device
//!   is unusable.
//!
//! The started set lives in memory: after an lrmd restart every device reads as stopped, and
//! the DC's probes start them again.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cib::Element;
use stonithd::device::Device;

use crate::op::{Action, OpRequest, ResourceSpec};
use crate::runner::Execution;
use vocab::{ExecStatus, OcfRc};

/// The devices started on this node.
#[derive(Debug, Default)]
pub struct FencingDevices {
    started: Mutex<BTreeSet<String>>,
}

impl FencingDevices {
    /// Runs `req` on fencing device `rsc`.
    pub async fn execute(&self, rsc: &ResourceSpec, req: &OpRequest) -> Execution {
        let begun = Instant::now();
        let device = device(rsc, req);
        let (rc, status, reason) = match req.action {
            Action::Start => {
                if stonithd::agent::find(&device.agent).is_none() {
                    (
                        OcfRc::ERR_INSTALLED,
                        ExecStatus::NotInstalled,
                        format!("fence agent {} not found", device.agent),
                    )
                } else {
                    self.set_started(&rsc.id, true);
                    (OcfRc::SUCCESS, ExecStatus::Done, String::new())
                }
            }
            Action::Stop => {
                self.set_started(&rsc.id, false);
                (OcfRc::SUCCESS, ExecStatus::Done, String::new())
            }
            Action::Monitor | Action::Status if !self.is_started(&rsc.id) => {
                (OcfRc::NOT_RUNNING, ExecStatus::Done, String::new())
            }
            Action::Monitor | Action::Status => {
                let checked = tokio::task::spawn_blocking(move || {
                    stonithd::agent::execute(&device, "monitor", "")
                })
                .await;
                match checked {
                    Ok(Ok(_)) => (OcfRc::SUCCESS, ExecStatus::Done, String::new()),
                    Ok(Err(e)) => (
                        OcfRc::ERR_GENERIC,
                        ExecStatus::Error,
                        format!("fencing device unusable: {e}"),
                    ),
                    Err(e) => (OcfRc::ERR_GENERIC, ExecStatus::Error, e.to_string()),
                }
            }
            _ => (
                OcfRc::ERR_UNIMPLEMENTED,
                ExecStatus::NotSupported,
                "fencing devices only start, stop and monitor in the LRM; stonithd fences".into(),
            ),
        };
        Execution {
            rc,
            status,
            exit_reason: reason,
            stdout: String::new(),
            stderr: String::new(),
            elapsed: begun.elapsed(),
        }
    }

    /// Whether device `id` is started on this node.
    pub fn is_started(&self, id: &str) -> bool {
        self.lock().contains(id)
    }

    fn set_started(&self, id: &str, started: bool) {
        if started {
            self.lock().insert(id.to_string());
        } else {
            self.lock().remove(id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.started.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The device as stonithd would read it from the CIB, its agent run under the operation's
/// timeout.
fn device(rsc: &ResourceSpec, req: &OpRequest) -> Device {
    let mut attrs = Element::new("instance_attributes").with_attr("id", format!("{}-ia", rsc.id));
    for (name, value) in &rsc.params {
        attrs.children.push(cib::Node::Element(
            Element::new("nvpair")
                .with_attr("id", format!("{}-{name}", rsc.id))
                .with_attr("name", name)
                .with_attr("value", value),
        ));
    }
    let mut primitive = Element::new("primitive")
        .with_attr("id", rsc.id.clone())
        .with_attr("class", "stonith")
        .with_attr("type", rsc.agent.kind.clone());
    primitive.children.push(cib::Node::Element(attrs));
    let timeout = Duration::from_millis(req.timeout_ms.max(1));
    Device::from_primitive(&primitive, timeout).expect("a class=stonith primitive is a device")
}
