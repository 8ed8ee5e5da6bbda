//! Hostile local clients against a real heartbeat (root only): thousands of idle connections
//! leave its threads and memory bounded; under umask 000 the socket is still 0660 and a user
//! outside the policy can neither connect nor send.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{skip_unless_root, wait_until, Node, AUTHKEYS};

/// `Threads` and `VmRSS` (kB) of a process.
fn threads_and_rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("Threads:"), field("VmRSS:"))
}

fn frame(text: &str) -> Vec<u8> {
    let mut f = (text.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(text.as_bytes());
    f
}

/// Runs socat as nobody with `groups`, feeding `input`; returns stdout and stderr.
fn as_nobody(sock: &std::path::Path, groups: &str, input: &[u8]) -> (String, String) {
    let mut child = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            groups,
            "socat",
            "-t",
            "2",
            "-",
        ])
        .arg(format!("UNIX-CONNECT:{}", sock.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("setpriv socat");
    // socat may already have closed a refused connection: judged by the output, not here.
    let _ = child.stdin.take().unwrap().write_all(input);
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn raise_fd_limit(want: u64) {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    let hard = hard.max(want);
    setrlimit(Resource::RLIMIT_NOFILE, want, hard).expect("raise RLIMIT_NOFILE");
}

const HACF: &str =
    "udpport 16964\nbcast lo\nkeepalive 200ms\ndeadtime 2\ninitdead 2\nnode idlenode\n\
                    apiauth default gid=haclient\n";

fn heartbeat_pid(node: &Node) -> u32 {
    node.child.as_ref().expect("started").id()
}

#[test]
fn four_thousand_idle_connections_leave_threads_and_memory_bounded() {
    if skip_unless_root("idle_api_connections") {
        return;
    }
    raise_fd_limit(8192);
    let mut node = Node::prepare("idlenode", None, HACF, AUTHKEYS);
    node.start();
    let pid = heartbeat_pid(&node);
    let _client = node.client("watcher");
    std::thread::sleep(Duration::from_millis(500));
    let (t0, rss0) = threads_and_rss(pid);
    let mut conns = Vec::new();
    for _ in 0..4000 {
        match UnixStream::connect(node.socket()) {
            Ok(s) => conns.push(s),
            Err(e) => panic!("connect: {e}"),
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let (t1, rss1) = threads_and_rss(pid);
    // How many the daemon kept (refused ones are closed at once: reading gives end of stream).
    let mut kept = 0;
    for s in &conns {
        s.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        if matches!(
            std::io::Read::read(&mut &*s, &mut b),
            Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock
        ) {
            kept += 1;
        }
    }
    conns.clear();
    let settled = wait_until(Duration::from_secs(10), || threads_and_rss(pid).0 <= t0);
    std::thread::sleep(Duration::from_secs(1));
    let (t2, rss2) = threads_and_rss(pid);
    println!("| phase | threads | VmRSS kB |");
    println!("|---|---|---|");
    println!("| idle | {t0} | {rss0} |");
    println!("| 4000 connections open ({kept} admitted) | {t1} | {rss1} |");
    println!("| after they closed | {t2} | {rss2} |");
    assert!(t1 <= 16, "threads grew with idle clients: {t1}");
    assert!(
        rss1.saturating_sub(rss0) < 64 * 1024,
        "RSS grew by {} kB",
        rss1 - rss0
    );
    assert!(settled, "threads back to {t0}: {t2}");
    assert!(
        rss2.saturating_sub(rss0) < 32 * 1024,
        "RSS not back near idle: {rss0} -> {rss2} kB"
    );
    assert!(kept < 4000, "the connection limit holds (kept {kept})");
    assert!(
        node.log().contains("connection limit"),
        "refusals are logged\n{}",
        node.log()
    );
}

#[test]
fn under_umask_000_api_sock_is_0660_and_strangers_cannot_send() {
    if skip_unless_root("api_sock_umask") {
        return;
    }
    let mut node = Node::prepare(
        "umasknode",
        None,
        &HACF
            .replace("idlenode", "umasknode")
            .replace("16964", "16965"),
        AUTHKEYS,
    );
    std::fs::set_permissions(node.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    node.start();
    nix::sys::stat::umask(old);
    std::fs::set_permissions(node.rundir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let meta = std::fs::metadata(node.socket()).unwrap();
    println!("api.sock mode {:o} gid {}", meta.mode() & 0o777, meta.gid());
    assert_eq!(meta.mode() & 0o777, 0o660);

    let signon = frame(">>>\nhbapi=signon\ncn=intruder\n<<<\n");
    let mut send = signon.clone();
    send.extend(frame(">>>\nhbapi=send\nt=crmd\ncrm_task=forged\n<<<\n"));
    let (out, err) = as_nobody(&node.socket(), "--clear-groups", &send);
    assert!(out.is_empty(), "a stranger got an answer: {out:?}");
    println!("stranger: {}", err.trim());

    // Even with the file opened up, the daemon's own policy refuses the stranger and logs it.
    std::fs::set_permissions(node.socket(), std::fs::Permissions::from_mode(0o666)).unwrap();
    let (out, _) = as_nobody(&node.socket(), "--clear-groups", &send);
    assert!(out.is_empty(), "a stranger got an answer: {out:?}");
    assert!(
        wait_until(Duration::from_secs(5), || node
            .log()
            .contains("refused client uid 65534")),
        "the refusal is logged with the uid\n{}",
        node.log()
    );

    // A haclient member may sign on (apiauth default gid=haclient) but not send.
    let watcher = node.client("watcher");
    let (out, _) = as_nobody(&node.socket(), "--groups=haclient", &send);
    assert!(out.contains("hbapi=signon-ok"), "{out:?}");
    let log = node.log();
    assert!(
        log.contains("refused hbapi=send") && log.contains("uid 65534"),
        "the refused send is logged with the uid\n{log}"
    );
    drop(watcher);
}
