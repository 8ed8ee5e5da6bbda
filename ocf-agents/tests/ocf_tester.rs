//! `/usr/sbin/ocf-tester` (resource-agents) must report "passed all tests" for every agent.

use crate::support::*;

/// The agents ocf-tester runs on (WebServer's run is in `webserver`, Route's and
/// IPsrcaddr's in `route`, SendArp's in `ip_address`, portblock's and MailTo's in their own modules); `every_agent_is_covered` keeps it in step with the binary.
const COVERED: &[&str] = &[
    "Dummy",
    "Stateful",
    "Delay",
    "IPaddr2",
    "IPaddr",
    "IPv6addr",
    "Filesystem",
    "ping",
    "anything",
    "WebServer",
    "Route",
    "SendArp",
    "IPsrcaddr",
    "portblock",
    "MailTo",
    "SysInfo",
];

fn assert_passes(agent: &Agent) {
    let name = agent
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_ocf_tester_passes(agent, &name);
}

#[test]
fn every_agent_is_covered() {
    let out = run_ok(BINARY, &["list"]);
    let listed: Vec<&str> = out.lines().collect();
    assert_eq!(listed, COVERED);
}

#[test]
fn dummy() {
    let install = Install::new();
    assert_passes(&install.agent("Dummy", "ot-dummy"));
}

#[test]
fn stateful() {
    let install = Install::new();
    assert_passes(&install.agent("Stateful", "ot-stateful"));
}

#[test]
fn sysinfo() {
    let install = Install::new();
    assert_passes(
        &install
            .agent("SysInfo", "ot-sysinfo")
            .param("disks", "/tmp"),
    );
}

#[test]
fn delay() {
    let install = Install::new();
    let agent = install
        .agent("Delay", "ot-delay")
        .param("startdelay", "0.1")
        .param("stopdelay", "0.1");
    assert_passes(&agent);
}

#[test]
fn ping() {
    if skip_unless_root("ocf_tester::ping") {
        return;
    }
    if skip_without("ocf_tester::ping", &["ping"]) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    let agent = install
        .agent("ping", "ot-ping")
        .param("host_list", "127.0.0.1")
        .param("attempts", "1")
        .param("timeout", "1")
        .in_netns(&ns);
    assert_passes(&agent);
}

#[test]
fn anything() {
    let install = Install::new();
    let agent = install
        .agent("anything", "ot-anything")
        .param("binfile", "sleep")
        .param("cmdline_options", "600");
    assert_passes(&agent);
    // ocf-tester leaves it stopped; make sure nothing is left behind either way.
    assert_eq!(agent.rc("stop"), OCF_SUCCESS);
}

fn ip_agent(name: &str) {
    if skip_unless_root(&format!("ocf_tester::{name}")) {
        return;
    }
    let ns = NetNs::new();
    ns.veth("hb0", "hb1");
    let install = Install::new();
    let agent = install
        .agent(name, "ot-vip")
        .param("ip", "10.123.0.7")
        .param("nic", "hb0")
        .param("cidr_netmask", "24")
        .in_netns(&ns);
    assert_passes(&agent);
    assert!(!ns.addresses("hb0").contains("10.123.0.7"));
}

#[test]
fn ipaddr2() {
    ip_agent("IPaddr2");
}

#[test]
fn ipaddr() {
    ip_agent("IPaddr");
}

#[test]
fn ipv6addr() {
    if skip_unless_root("ocf_tester::ipv6addr") {
        return;
    }
    let ns = NetNs::new();
    ns.veth("hb0", "hb1");
    let install = Install::new();
    let agent = install
        .agent("IPv6addr", "ot-vip6")
        .param("ipv6addr", "fd00:123::7")
        .param("nic", "hb0")
        .param("cidr_netmask", "64")
        .in_netns(&ns);
    assert_passes(&agent);
    assert!(!ns.addresses("hb0").contains("fd00:123::7"));
}

#[test]
fn filesystem_tmpfs() {
    if skip_unless_root("ocf_tester::filesystem_tmpfs") {
        return;
    }
    let install = Install::new();
    let dir = install.root().join("mnt");
    let agent = install
        .agent("Filesystem", "ot-fs")
        .param("device", "tmpfs")
        .param("fstype", "tmpfs")
        .param("directory", dir.to_str().unwrap());
    in_private_mount_ns(move || {
        assert_passes(&agent);
        assert!(!mounted(&dir));
    });
}
