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
pub fn watch(socket: std::path::PathBuf, inputs: UnboundedSender<Input>) {
    std::thread::Builder::new()
        .name("stonithd-probe".into())
        .spawn(move || {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// A stonithd stand-in answering every request with success, until dropped.
    fn fake_stonithd(path: &std::path::Path) -> std::thread::JoinHandle<()> {
        let listener: UnixListener =
            ipc::bind::bind(path, &ipc::bind::SocketSpec::new(0o600, None)).expect("bind");
        std::thread::spawn(move || {
            // Serves a few probes, then goes away (as a killed stonithd does).
            for _ in 0..2 {
                let Ok((mut s, _)) = listener.accept() else {
                    return;
                };
                let _: Option<stonithd::proto::Request> =
                    ipc::json::read(&mut s, 1 << 20).ok().flatten();
                let _ = ipc::json::write(&mut s, &stonithd::proto::Response::default());
            }
        })
    }

    fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Input>) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(i) = rx.try_recv() {
                return format!("{i:?}");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no input from the probe"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// #18: stonithd is watched, not only dialled per request: absent at start it is reported
    /// lost, answering it is back, and once it stops answering (killed) it is lost again.
    #[test]
    fn the_probe_reports_stonithd_lost_back_and_lost_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sock = dir.path().join("stonithd.sock");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        watch(sock.clone(), tx);
        assert_eq!(next(&mut rx), "NeighbourLost(Stonithd)");
        let server = fake_stonithd(&sock);
        assert_eq!(next(&mut rx), "NeighbourBack(Stonithd)");
        server.join().expect("fake stonithd");
        let _ = std::fs::remove_file(&sock);
        assert_eq!(next(&mut rx), "NeighbourLost(Stonithd)");
    }
}
