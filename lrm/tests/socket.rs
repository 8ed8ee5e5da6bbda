//! The lrmd daemon over its Unix socket.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use lrm::{Action, AgentId, Client, ExecStatus, OcfRc, OpRequest};

use crate::support::{self, Agents};

/// A running lrmd, killed on drop.
struct Daemon {
    child: Child,
    socket: PathBuf,
}

impl Daemon {
    fn start(socket: &Path, ocf_root: &Path, netns: Option<&str>) -> Daemon {
        let lrmd = env!("CARGO_BIN_EXE_lrmd");
        let mut cmd = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, lrmd]);
                c
            }
            None => Command::new(lrmd),
        };
        cmd.args(["--socket", socket.to_str().unwrap(), "--max-parallel", "4"])
            .env("OCF_ROOT", ocf_root)
            .env("LRMD_LOG", "warn");
        let child = cmd.spawn().expect("start lrmd");
        let daemon = Daemon {
            child,
            socket: socket.to_path_buf(),
        };
        for _ in 0..250 {
            if std::os::unix::net::UnixStream::connect(socket).is_ok() {
                return daemon;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("lrmd did not open {}", socket.display());
    }

    async fn client(&self) -> Client {
        Client::connect(&self.socket).await.unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn daemon_serves_register_exec_history_subscribe_cancel() {
    let agents = Agents::new();
    let state = agents.path("sock.state");
    let agent = agents.ocf(
        "Svc",
        &format!(
            r#"case "$1" in
  start) touch {s}; exit 0 ;;
  stop) rm -f {s}; exit 0 ;;
  monitor) [ -e {s} ] && exit 0; exit 7 ;;
esac
exit 3"#,
            s = state.display()
        ),
    );
    let daemon = Daemon::start(&agents.path("lrmd.sock"), &agents.ocf_root(), None);
    let client = daemon.client().await;
    client
        .register(support::resource("svc", agent, &[]))
        .await
        .unwrap();
    assert_eq!(client.list().await.unwrap().len(), 1);

    let r = client
        .exec_wait(OpRequest::new("svc", Action::Start, 0, 10_000))
        .await
        .unwrap();
    assert_eq!((r.rc, r.status), (OcfRc::SUCCESS, ExecStatus::Done));

    // A second connection watches a recurring monitor while the first stops the service.
    let watcher = daemon.client().await;
    let mut events = watcher.subscribe().await.unwrap();
    let monitor = client
        .exec(OpRequest::new("svc", Action::Monitor, 100, 5_000))
        .await
        .unwrap();
    let first = next(&mut events).await;
    assert_eq!((first.call_id, first.rc), (monitor, OcfRc::SUCCESS));
    std::fs::remove_file(&state).unwrap();
    let failed = next(&mut events).await;
    assert_eq!(
        (failed.call_id, failed.rc, failed.ok),
        (monitor, OcfRc::NOT_RUNNING, false)
    );
    client.cancel("svc", Action::Monitor, 100).await.unwrap();
    let cancelled = next(&mut events).await;
    assert_eq!(
        (cancelled.call_id, cancelled.status),
        (monitor, ExecStatus::Cancelled)
    );

    let history = client.history("svc").await.unwrap();
    assert_eq!(history.last.as_ref().unwrap().op_key, "svc_start_0");
    assert_eq!(
        history.last_failure.as_ref().unwrap().op_key,
        "svc_monitor_100"
    );

    let err = client
        .exec(OpRequest::new("nope", Action::Start, 0, 1000))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("resource nope is not registered"),
        "{err}"
    );
    client.unregister("svc").await.unwrap();
    assert!(client.list().await.unwrap().is_empty());
}

async fn next(events: &mut tokio::sync::broadcast::Receiver<lrm::OpResult>) -> lrm::OpResult {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("event in time")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn ipaddr2_in_a_network_namespace_through_the_daemon() {
    if !support::is_root("ipaddr2_in_a_network_namespace_through_the_daemon") {
        return;
    }
    let ns = support::NetNs::new("ip2");
    ns.ip(&["link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    ns.ip(&["addr", "add", "10.213.7.1/24", "dev", "v0"]);
    for dev in ["v0", "v1", "lo"] {
        ns.ip(&["link", "set", dev, "up"]);
    }
    let scratch = Agents::new();
    let daemon = Daemon::start(
        &scratch.path("lrmd.sock"),
        Path::new("/usr/lib/ocf"),
        Some(&ns.name),
    );
    let client = daemon.client().await;
    let params = [("ip", "10.213.7.50"), ("cidr_netmask", "24"), ("nic", "v0")];
    client
        .register(support::resource(
            "vip",
            AgentId::ocf("heartbeat", "IPaddr2"),
            &params,
        ))
        .await
        .unwrap();
    let mut results = Vec::new();
    for action in [Action::Monitor, Action::Start, Action::Monitor] {
        let r = client
            .exec_wait(OpRequest::new("vip", action.clone(), 0, 20_000))
            .await
            .unwrap();
        results.push(format!("{action}={}", r.rc.0));
    }
    let addrs_started = ns.ip_output(&["-4", "addr", "show", "dev", "v0"]);
    for action in [Action::Stop, Action::Monitor] {
        let r = client
            .exec_wait(OpRequest::new("vip", action.clone(), 0, 20_000))
            .await
            .unwrap();
        results.push(format!("{action}={}", r.rc.0));
    }
    let addrs_stopped = ns.ip_output(&["-4", "addr", "show", "dev", "v0"]);
    assert_eq!(
        results,
        ["monitor=7", "start=0", "monitor=0", "stop=0", "monitor=7"]
    );
    assert!(addrs_started.contains("10.213.7.50/24"), "{addrs_started}");
    assert!(!addrs_stopped.contains("10.213.7.50"), "{addrs_stopped}");
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_frames_follow_the_documented_format() {
    use std::io::{Read, Write};
    let agents = Agents::new();
    let daemon = Daemon::start(&agents.path("lrmd.sock"), &agents.ocf_root(), None);
    let mut raw = std::os::unix::net::UnixStream::connect(&daemon.socket).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = br#"{"id":9,"request":"list"}"#;
    raw.write_all(&(body.len() as u32).to_be_bytes()).unwrap();
    raw.write_all(body).unwrap();
    let mut len = [0u8; 4];
    raw.read_exact(&mut len).unwrap();
    let mut reply = vec![0u8; u32::from_be_bytes(len) as usize];
    raw.read_exact(&mut reply).unwrap();
    assert_eq!(
        String::from_utf8(reply).unwrap(),
        r#"{"type":"reply","id":9,"reply":"resources","resources":[]}"#
    );

    // An oversized length prefix is a protocol error: the daemon drops the connection.
    raw.write_all(&u32::MAX.to_be_bytes()).unwrap();
    let mut rest = Vec::new();
    assert_eq!(
        raw.read_to_end(&mut rest).unwrap(),
        0,
        "connection closed without a reply"
    );
    // The daemon itself keeps serving.
    assert!(daemon.client().await.list().await.unwrap().is_empty());
}

/// A daemon never starts on a command line it does not understand: getopt's message, the
/// usage and CRM_EX_USAGE (64), before any socket is bound.
#[test]
fn lrmd_refuses_bad_command_lines_with_usage() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("lrmd.sock");
    for (args, first_line) in [
        (vec!["--bogus"], "lrmd: unrecognized option '--bogus'"),
        (
            vec!["--max-parallel"],
            "lrmd: option '--max-parallel' requires an argument",
        ),
        (
            vec!["--max-parallel", "many"],
            "lrmd: --max-parallel needs a number, not 'many'",
        ),
        (vec!["extra"], "lrmd: unexpected argument 'extra'"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_lrmd"))
            .args(["--socket", socket.to_str().unwrap()])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {err}");
        assert_eq!(err.lines().next(), Some(first_line), "{args:?}");
        assert!(err.contains("usage: lrmd"), "{args:?}: {err}");
        assert!(!socket.exists(), "{args:?} bound the socket");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_lrmd"))
        .arg("-h")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: lrmd"));
}
