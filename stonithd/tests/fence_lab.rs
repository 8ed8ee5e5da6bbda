//! `fence_lab` claims success only once it has seen the victim off.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(stdin: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fence_lab"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn a_namespace_it_cannot_see_is_not_reported_fenced() {
    // Before: no processes listed (because the listing failed) counted as success.
    let (rc, out) = run("action=off\nport=node9\nnetns_map=node9:hb-no-such-namespace-x\n");
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("not fenced"), "{out}");
    assert!(!out.contains("Success"), "{out}");
}

/// A namespace with a veth link up and a process in it; removed on drop.
struct Victim {
    ns: String,
    child: std::process::Child,
}

impl Victim {
    fn new() -> Victim {
        // Tests run in parallel threads of one process: a counter keeps their namespaces apart.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ns = format!("hbfl{}x{n}", std::process::id());
        let ip = |args: &[&str]| {
            assert!(
                Command::new("ip").args(args).status().unwrap().success(),
                "ip {args:?}"
            );
        };
        ip(&["netns", "add", &ns]);
        ip(&[
            "-n", &ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1",
        ]);
        ip(&["-n", &ns, "link", "set", "v0", "up"]);
        ip(&["-n", &ns, "link", "set", "v1", "up"]);
        let child = Command::new("ip")
            .args(["netns", "exec", &ns, "sleep", "300"])
            .spawn()
            .unwrap();
        Victim { ns, child }
    }
}

impl Drop for Victim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
    }
}

#[test]
fn off_kills_the_namespace_and_confirms_it() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIP off_kills_the_namespace_and_confirms_it: needs root (network namespaces)");
        return;
    }
    let mut victim = Victim::new();
    // Wait until the process is inside the namespace.
    for _ in 0..100 {
        if !stonithd::netns::pids(&victim.ns).is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let input = format!("action=off\nport=n1\nnetns_map=n1:{}\n", victim.ns);
    let (rc, out) = run(&input);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("Success: n1 off"), "{out}");
    assert_eq!(stonithd::netns::pids_checked(&victim.ns), Ok(vec![]));
    assert_eq!(stonithd::netns::links_up(&victim.ns), Ok(vec![]));
    let _ = victim.child.wait();
    let (rc, out) = run(&format!(
        "action=status\nport=n1\nnetns_map=n1:{}\n",
        victim.ns
    ));
    assert_eq!(rc, 2, "{out}");
}

#[test]
fn a_node_fencing_itself_ends_every_process_before_the_agent() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "SKIP a_node_fencing_itself_ends_every_process_before_the_agent: needs root (network namespaces)"
        );
        return;
    }
    let victim = Victim::new();
    // Inside the namespace: `sh` starts a daemon stand-in, then becomes the agent, so the agent
    // has a LOWER pid than a process it must stop (as after pid wrap-around). Before: it killed
    // itself first and left that process running.
    let input = format!("action=reboot\nport=n1\nnetns_map=n1:{}\n", victim.ns);
    let mut agent = Command::new("ip")
        .args(["netns", "exec", &victim.ns, "sh", "-c"])
        .arg(format!(
            "sleep 300 & exec {}",
            env!("CARGO_BIN_EXE_fence_lab")
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    agent
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let status = agent.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "the agent ends itself last");
    let mut left = stonithd::netns::pids(&victim.ns);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        left = stonithd::netns::pids(&victim.ns);
    }
    assert_eq!(left, Vec::<i32>::new(), "processes survived the self-fence");
}
