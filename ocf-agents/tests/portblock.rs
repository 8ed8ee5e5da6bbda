//! portblock: iptables rules in a network namespace, checked by real connections.

use std::process::{Child, Command, Stdio};

use crate::support::*;

const PORT: &str = "18090";

/// A TCP listener inside the namespace, killed on drop.
struct Listener(Child);

impl Listener {
    fn start(ns: &NetNs) -> Listener {
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns.name,
                "python3",
                "-m",
                "http.server",
                PORT,
            ])
            .args(["--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 http.server");
        let listener = Listener(child);
        assert!(
            eventually(10.0, || connects(ns)),
            "listener did not come up"
        );
        listener
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// True when a TCP connection to the port succeeds within a second.
fn connects(ns: &NetNs) -> bool {
    let code = format!(
        "import socket; socket.create_connection(('127.0.0.1', {PORT}), timeout=1).close()"
    );
    ns.exec(&["python3", "-c", &code]).status.success()
}

fn blocker(install: &Install, ns: &NetNs, instance: &str, action: &str) -> Agent {
    install
        .agent("portblock", instance)
        .param("protocol", "tcp")
        .param("portno", PORT)
        .param("action", action)
        .in_netns(ns)
}

#[test]
fn block_mode_drops_connections_while_started() {
    if skip_unless_root("portblock::block_mode_drops_connections_while_started") {
        return;
    }
    if skip_without(
        "portblock::block_mode_drops_connections_while_started",
        &["iptables", "python3"],
    ) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    let _listener = Listener::start(&ns);
    let block = blocker(&install, &ns, "pb1", "block");
    assert_eq!(block.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(block.rc("start"), OCF_SUCCESS);
    let rules = String::from_utf8(ns.exec(&["iptables", "-S", "INPUT"]).stdout).unwrap();
    assert!(
        rules.contains(&format!("-p tcp -m multiport --dports {PORT} -j DROP")),
        "{rules}"
    );
    assert!(!connects(&ns), "the port must be blocked");
    assert_eq!(block.rc("monitor"), OCF_SUCCESS);
    assert_eq!(block.rc("start"), OCF_SUCCESS);
    assert_eq!(block.rc("stop"), OCF_SUCCESS);
    assert!(connects(&ns), "stop lifts every copy of the block");
    assert_eq!(block.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(block.rc("stop"), OCF_SUCCESS);

    // Someone removing our rule is a monitor failure, not a silent "stopped".
    assert_eq!(block.rc("start"), OCF_SUCCESS);
    let rule = [
        "-D",
        "INPUT",
        "-p",
        "tcp",
        "-m",
        "multiport",
        "--dports",
        PORT,
        "-j",
        "DROP",
    ];
    let mut cmd = vec!["iptables"];
    cmd.extend(rule);
    assert!(ns.exec(&cmd).status.success());
    assert_eq!(block.rc("monitor"), OCF_ERR_GENERIC);
    assert_eq!(block.rc("stop"), OCF_SUCCESS);
}

#[test]
fn unblock_mode_blocks_while_stopped() {
    if skip_unless_root("portblock::unblock_mode_blocks_while_stopped") {
        return;
    }
    if skip_without(
        "portblock::unblock_mode_blocks_while_stopped",
        &["iptables", "python3"],
    ) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    let _listener = Listener::start(&ns);
    let unblock = blocker(&install, &ns, "pb2", "unblock");
    assert_eq!(unblock.rc("start"), OCF_SUCCESS);
    assert!(connects(&ns));
    assert_eq!(unblock.rc("monitor"), OCF_SUCCESS);
    assert_eq!(unblock.rc("stop"), OCF_SUCCESS);
    assert!(!connects(&ns), "stopping an unblock blocks the port");
    assert_eq!(unblock.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(unblock.rc("start"), OCF_SUCCESS);
    assert!(connects(&ns));
}

#[test]
fn ocf_tester_passes_in_both_modes() {
    if skip_unless_root("portblock::ocf_tester_passes_in_both_modes") {
        return;
    }
    if skip_without(
        "portblock::ocf_tester_passes_in_both_modes",
        &["iptables", "python3"],
    ) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    for mode in ["block", "unblock"] {
        let agent = blocker(&install, &ns, &format!("ot-pb-{mode}"), mode)
            .param("direction", "both")
            .param("portno", "18091,18100:18110");
        assert_ocf_tester_passes(&agent, &format!("portblock (action={mode})"));
    }
}

#[test]
fn heartbeat_form_and_validation() {
    if skip_unless_root("portblock::heartbeat_form_and_validation") {
        return;
    }
    if skip_without(
        "portblock::heartbeat_form_and_validation",
        &["iptables", "python3"],
    ) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    // portblock::tcp::18092::block
    let v1 = install.agent("portblock", "").in_netns(&ns);
    let args = ["tcp", "18092", "block"];
    let call = |action: &str| {
        let mut a = args.to_vec();
        a.push(action);
        v1.call_with(&a)
    };
    assert_eq!(call("start").code, 0);
    assert_eq!(call("status").stdout.trim(), "running");
    assert_eq!(call("stop").code, 0);
    assert_eq!(call("status").stdout.trim(), "stopped");

    let base = blocker(&install, &ns, "pbv", "block");
    assert_eq!(base.rc("validate-all"), OCF_SUCCESS);
    let cases = [
        ("protocol", "icmp"),
        ("portno", "http"),
        ("portno", "70000"),
        ("action", "maybe"),
        ("ip", "somewhere"),
        ("direction", "up"),
    ];
    for (name, value) in cases {
        let reply = base.clone().param(name, value).call("validate-all");
        assert_eq!(
            reply.code, OCF_ERR_CONFIGURED,
            "{name}={value}: {}",
            reply.stderr
        );
    }
}
