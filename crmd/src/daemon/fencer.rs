//! Fencing requests to the local stonithd. Each request is one connection (stonithd's protocol
//! answers when the fencing is over), made on tokio's blocking pool so nothing else waits; an
//! unreachable stonithd is a failed request, which the DC retries.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::core::Input;

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
