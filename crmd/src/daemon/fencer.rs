//! Fencing requests to the local stonithd. Each request is one connection (stonithd's protocol
//! answers when the fencing is over), made on tokio's blocking pool so nothing else waits; an
//! unreachable stonithd is a failed request, which the DC retries.
//!
//! Since requests are not a standing connection, a liveness probe watches stonithd (a cheap
//! `ListRegistered` every [`PROBE_EVERY`]) and reports it lost or back ([`Neighbour::Stonithd`]),
//! so a fencer that heartbeat cannot respawn is escalated like any other neighbour.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::core::{Input, Neighbour};

/// How often the liveness probe asks stonithd.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long one probe waits for stonithd's answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Starts the liveness probe: [`Input::NeighbourLost`] / [`Input::NeighbourBack`] on each change
/// (the first answer counts as "back"; no answer at start counts as lost).
pub fn watch(inputs: UnboundedSender<Input>) {
    std::thread::Builder::new()
        .name("stonithd-probe".into())
        .spawn(move || {
            let socket = stonithd::proto::socket_path();
            let mut up: Option<bool> = None;
            loop {
                let ok = stonithd::proto::call(
                    &socket,
                    &stonithd::proto::Request::ListRegistered,
                    PROBE_TIMEOUT,
                )
                .is_ok();
                if up != Some(ok) {
                    let input = if ok {
                        tracing::info!("stonithd answers at {}", socket.display());
                        Input::NeighbourBack(Neighbour::Stonithd)
                    } else {
                        Input::NeighbourLost(Neighbour::Stonithd)
                    };
                    if inputs.send(input).is_err() {
                        return;
                    }
                    up = Some(ok);
                }
                std::thread::sleep(PROBE_EVERY);
            }
        })
        .expect("spawn the stonithd probe thread");
}

/// Hands one request to stonithd; the answer comes back as [`Input::FenceDone`].
pub fn fence(
    inputs: UnboundedSender<Input>,
    tid: u64,
    aid: u32,
    target: String,
    action: String,
    origin: String,
    delay_ms: u64,
) {
    tokio::task::spawn_blocking(move || {
        let req = stonithd::proto::Request::Fence {
            target: target.clone(),
            action,
            client: "crmd".into(),
            no_device_delay: target == origin,
            origin,
            delay_ms,
        };
        // Generous: stonithd applies each device's own timeout, delays and retries.
        let result = match stonithd::proto::call(
            &stonithd::proto::socket_path(),
            &req,
            Duration::from_secs(600),
        ) {
            Ok(r) if r.rc == 0 => Ok(r.devices),
            Ok(r) => Err(r.error.unwrap_or_else(|| format!("stonithd rc {}", r.rc))),
            Err(e) => Err(format!("cannot reach stonithd: {e}")),
        };
        let _ = inputs.send(Input::FenceDone {
            tid,
            aid,
            target,
            result,
        });
    });
}
