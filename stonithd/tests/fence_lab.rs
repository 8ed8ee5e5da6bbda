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
        let ns = format!("hbfl{}", std::process::id());
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
