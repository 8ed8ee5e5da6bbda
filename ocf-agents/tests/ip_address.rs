//! IPaddr2 and IPaddr inside a network namespace with a veth pair.

use crate::support::*;

fn lab(test: &str) -> Option<(NetNs, Install)> {
    if skip_unless_root(test) {
        return None;
    }
    let ns = NetNs::new();
    ns.veth("hb0", "hb1");
    Some((ns, Install::new()))
}

#[test]
fn ipaddr2_adds_checks_and_removes() {
    let Some((ns, install)) = lab("ip_address::ipaddr2_adds_checks_and_removes") else {
        return;
    };
    let vip = install
        .agent("IPaddr2", "vip")
        .param("ip", "10.124.0.10")
        .param("nic", "hb0")
        .param("cidr_netmask", "24")
        .param("broadcast", "10.124.0.255")
        .in_netns(&ns);
    assert_eq!(vip.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(vip.rc("stop"), OCF_SUCCESS);
    assert_eq!(vip.rc("start"), OCF_SUCCESS);
    let addrs = ns.addresses("hb0");
    assert!(
        addrs.contains("inet 10.124.0.10/24 brd 10.124.0.255"),
        "{addrs}"
    );
    assert!(
        addrs.contains("scope global hb0\\"),
        "IPaddr2 adds no label unless asked: {addrs}"
    );
    assert_eq!(vip.rc("monitor"), OCF_SUCCESS);
    assert_eq!(vip.rc("start"), OCF_SUCCESS);
    assert_eq!(ns.addresses("hb0").matches("10.124.0.10").count(), 1);
    // The address on another interface does not count as ours.
    let elsewhere = vip.clone().param("nic", "hb1");
    assert_eq!(elsewhere.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(vip.rc("stop"), OCF_SUCCESS);
    assert!(!ns.addresses("hb0").contains("10.124.0.10"));
    assert_eq!(vip.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(vip.rc("stop"), OCF_SUCCESS);
}

#[test]
fn interface_and_netmask_come_from_the_routing_table() {
    let Some((ns, install)) = lab("ip_address::interface_and_netmask_come_from_the_routing_table")
    else {
        return;
    };
    ns.ip(&["addr", "add", "10.125.0.1/26", "dev", "hb1"]);
    let vip = install
        .agent("IPaddr2", "vip")
        .param("ip", "10.125.0.20")
        .in_netns(&ns);
    assert_eq!(vip.rc("validate-all"), OCF_SUCCESS);
    assert_eq!(vip.rc("start"), OCF_SUCCESS);
    assert!(ns.addresses("hb1").contains("inet 10.125.0.20/26"));
    assert_eq!(vip.rc("stop"), OCF_SUCCESS);
    let unroutable = install
        .agent("IPaddr2", "vip2")
        .param("ip", "10.126.0.20")
        .in_netns(&ns);
    assert_eq!(unroutable.rc("start"), OCF_ERR_GENERIC);
}

#[test]
fn labels_for_ipaddr2_and_ipaddr() {
    let Some((ns, install)) = lab("ip_address::labels_for_ipaddr2_and_ipaddr") else {
        return;
    };
    let labelled = install
        .agent("IPaddr2", "l1")
        .param("ip", "10.127.0.5")
        .param("nic", "hb0")
        .param("cidr_netmask", "24")
        .param("iflabel", "web")
        .in_netns(&ns);
    assert_eq!(labelled.rc("start"), OCF_SUCCESS);
    assert!(ns
        .addresses("hb0")
        .contains("10.127.0.5/24 brd 10.127.0.255 scope global hb0:web"));
    // IPaddr numbers its aliases like ifconfig did: hb0:0, hb0:1, ...
    for (n, ip) in ["10.127.0.6", "10.127.0.7"].iter().enumerate() {
        let alias = install
            .agent("IPaddr", &format!("alias{n}"))
            .param("ip", ip)
            .param("nic", "hb0")
            .param("netmask", "255.255.255.0")
            .in_netns(&ns);
        assert_eq!(alias.rc("start"), OCF_SUCCESS);
        let addrs = ns.addresses("hb0");
        assert!(
            addrs.contains(&format!(
                "{ip}/24 brd 10.127.0.255 scope global secondary hb0:{n}"
            )),
            "{addrs}"
        );
    }
}

#[test]
fn ipv6_addresses() {
    let Some((ns, install)) = lab("ip_address::ipv6_addresses") else {
        return;
    };
    let vip = install
        .agent("IPaddr2", "v6")
        .param("ip", "fd00:12::5")
        .param("nic", "hb0")
        .param("cidr_netmask", "64")
        .in_netns(&ns);
    assert_eq!(vip.rc("start"), OCF_SUCCESS);
    assert!(ns.addresses("hb0").contains("inet6 fd00:12::5/64"));
    assert_eq!(vip.rc("monitor"), OCF_SUCCESS);
    assert_eq!(vip.rc("stop"), OCF_SUCCESS);
    assert_eq!(vip.rc("monitor"), OCF_NOT_RUNNING);
}

#[test]
fn monitor_fails_when_the_interface_goes_down() {
    let Some((ns, install)) = lab("ip_address::monitor_fails_when_the_interface_goes_down") else {
        return;
    };
    let vip = install
        .agent("IPaddr2", "down")
        .param("ip", "10.128.0.5")
        .param("nic", "hb0")
        .param("cidr_netmask", "24")
        .in_netns(&ns);
    assert_eq!(vip.rc("start"), OCF_SUCCESS);
    ns.ip(&["link", "set", "hb0", "down"]);
    assert_eq!(vip.rc("monitor"), OCF_ERR_GENERIC);
    assert_eq!(vip.rc("stop"), OCF_SUCCESS);
}

#[test]
fn validation_errors() {
    let Some((ns, install)) = lab("ip_address::validation_errors") else {
        return;
    };
    let base = install.agent("IPaddr2", "bad").in_netns(&ns);
    assert_eq!(
        base.rc("validate-all"),
        OCF_ERR_CONFIGURED,
        "ip is required"
    );
    let cases = [
        ("ip", "10.0.0.300", OCF_ERR_CONFIGURED),
        ("cidr_netmask", "33", OCF_ERR_CONFIGURED),
        ("broadcast", "everyone", OCF_ERR_CONFIGURED),
        ("arp_sender", "pigeon", OCF_ERR_CONFIGURED),
        ("iflabel", "far-too-long-label", OCF_ERR_CONFIGURED),
        ("nic", "nosuchnic0", OCF_ERR_ARGS),
    ];
    for (name, value, expected) in cases {
        let agent = base
            .clone()
            .param("ip", "10.129.0.5")
            .param("nic", "hb0")
            .param(name, value);
        let reply = agent.call("validate-all");
        assert_eq!(reply.code, expected, "{name}={value}: {}", reply.stderr);
        assert!(reply.stderr.contains("ocf-exit-reason:"));
    }
    // A probe on a node without the interface reports "not running", not an error.
    let probe = base
        .clone()
        .param("ip", "10.129.0.5")
        .param("nic", "nosuchnic0")
        .env("OCF_RESKEY_CRM_meta_interval", "0");
    assert_eq!(probe.rc("monitor"), OCF_NOT_RUNNING);
}

/// Two namespaces joined by a veth pair: `here` has hb0, the neighbour hb1 with
/// 10.130.0.1/24 and arp_accept=1, so it records gratuitous ARP for unknown addresses.
fn neighbours() -> (NetNs, NetNs) {
    let here = NetNs::new();
    let neighbour = NetNs::new();
    run_ok(
        "ip",
        &[
            "link",
            "add",
            "hb0",
            "netns",
            &here.name,
            "type",
            "veth",
            "peer",
            "name",
            "hb1",
            "netns",
            &neighbour.name,
        ],
    );
    here.ip(&["link", "set", "hb0", "up"]);
    neighbour.ip(&["link", "set", "hb1", "up"]);
    neighbour.ip(&["addr", "add", "10.130.0.1/24", "dev", "hb1"]);
    let out = neighbour.exec(&["sysctl", "-qw", "net.ipv4.conf.hb1.arp_accept=1"]);
    assert!(out.status.success());
    (here, neighbour)
}

fn neighbour_learns(neighbour: &NetNs, ip: &str, mac: &str) -> bool {
    eventually(5.0, || {
        neighbour
            .ip(&["neigh", "show", ip, "dev", "hb1"])
            .contains(mac)
    })
}

/// The announcement reaches a neighbour in another namespace, which learns the MAC.
fn announce_with(sender: &str, tool: &str) {
    let test = format!("ip_address::arp_{sender}");
    if skip_unless_root(&test) {
        return;
    }
    if !have(tool) {
        skip(&format!("{test}: {tool} is not installed; NOT TESTED"));
        return;
    }
    let (here, neighbour) = neighbours();
    let install = Install::new();
    let vip = install
        .agent("IPaddr2", "arp")
        .param("ip", "10.130.0.9")
        .param("nic", "hb0")
        .param("cidr_netmask", "24")
        .param("arp_sender", sender)
        .param("arp_bg", "false")
        .param("arp_count", "2")
        .param("arp_interval", "100")
        .in_netns(&here);
    assert_eq!(vip.rc("start"), OCF_SUCCESS);
    let mac = here.mac("hb0");
    assert!(
        neighbour_learns(&neighbour, "10.130.0.9", &mac),
        "neighbour did not learn 10.130.0.9 at {mac} via {sender}"
    );
    assert_eq!(vip.rc("stop"), OCF_SUCCESS);
}

#[test]
fn arp_send_arp() {
    announce_with("send_arp", "send_arp");
}

#[test]
fn arp_iputils_arping() {
    announce_with("iputils_arping", "arping");
}

#[test]
fn send_arp_agent_announces_and_passes_ocf_tester() {
    if skip_unless_root("ip_address::send_arp_agent") {
        return;
    }
    if skip_without("ip_address::send_arp_agent", &["ocf-tester", "xmllint"]) {
        return;
    }
    if !have("send_arp") && !have("arping") {
        skip("ip_address::send_arp_agent: no ARP sender installed; NOT TESTED");
        return;
    }
    let (here, neighbour) = neighbours();
    // The announced address may live elsewhere; SendArp only speaks for it.
    let install = Install::new();
    let announcer = install
        .agent("SendArp", "sa")
        .param("ip", "10.130.0.20")
        .param("nic", "hb0")
        .param("arp_bg", "false")
        .param("arp_count", "1")
        .in_netns(&here);
    assert_ocf_tester_passes(&announcer, "SendArp");
    let mac = here.mac("hb0");
    assert!(neighbour_learns(&neighbour, "10.130.0.20", &mac));
    // Heartbeat v1: SendArp::10.130.0.21/hb0
    let v1 = install.agent("SendArp", "").in_netns(&here);
    assert_eq!(v1.call_with(&["10.130.0.21/hb0", "start"]).code, 0);
    assert!(neighbour_learns(&neighbour, "10.130.0.21", &mac));
    assert_eq!(v1.call_with(&["10.130.0.21/hb0", "stop"]).code, 0);
    let nowhere = announcer.clone().param("nic", "nosuchnic0");
    assert_eq!(nowhere.rc("validate-all"), OCF_ERR_ARGS);
}
