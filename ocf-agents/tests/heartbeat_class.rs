//! Heartbeat-class calls: `/etc/ha.d/resource.d/<type> [args...] {start|stop|status}`,
//! where Heartbeat reads "running"/"stopped" from stdout.

use crate::support::*;

#[test]
fn ipaddr_v1_positional_form() {
    if skip_unless_root("heartbeat_class::ipaddr_v1_positional_form") {
        return;
    }
    let ns = NetNs::new();
    ns.veth("hb0", "hb1");
    let install = Install::new();
    // As haresources writes it: IPaddr::10.131.0.5/24/hb0/10.131.0.255
    let ipaddr = install.agent("IPaddr", "").in_netns(&ns);
    let arg = "10.131.0.5/24/hb0/10.131.0.255";
    let status = ipaddr.call_with(&[arg, "status"]);
    assert_eq!((status.code, status.stdout.trim()), (3, "stopped"));
    assert_eq!(ipaddr.call_with(&[arg, "start"]).code, 0);
    let addrs = ns.addresses("hb0");
    assert!(
        addrs.contains("inet 10.131.0.5/24 brd 10.131.0.255 scope global hb0:0"),
        "{addrs}"
    );
    let status = ipaddr.call_with(&[arg, "status"]);
    assert_eq!((status.code, status.stdout.trim()), (0, "running"));
    // "monitor" is accepted as a synonym, as the CRM maps monitor to status.
    assert_eq!(ipaddr.call_with(&[arg, "monitor"]).stdout.trim(), "running");
    assert_eq!(ipaddr.call_with(&[arg, "stop"]).code, 0);
    assert!(!ns.addresses("hb0").contains("10.131.0.5"));
    assert_eq!(ipaddr.call_with(&[arg, "stop"]).code, 0);
    // The short form: address only, interface and prefix from the routing table.
    ns.ip(&["addr", "add", "10.132.0.1/25", "dev", "hb1"]);
    assert_eq!(ipaddr.call_with(&["10.132.0.9", "start"]).code, 0);
    assert!(ns.addresses("hb1").contains("inet 10.132.0.9/25"));
    assert_eq!(ipaddr.call_with(&["10.132.0.9", "stop"]).code, 0);
    // A malformed argument is an error (1), not a crash.
    let bad = ipaddr.call_with(&["10.0.0.1/24/hb0/brd/extra", "start"]);
    assert_eq!(bad.code, 1);
}

#[test]
fn delay_positional_and_unsupported_agents() {
    let install = Install::new();
    let delay = install.agent("Delay", "");
    assert_eq!(delay.call_with(&["0.1", "0", "start"]).code, 0);
    let status = delay.call_with(&["0.1", "0", "status"]);
    assert_eq!((status.code, status.stdout.trim()), (0, "running"));
    assert_eq!(delay.call_with(&["0.1", "0", "stop"]).code, 0);
    let status = delay.call_with(&["0.1", "0", "status"]);
    assert_eq!((status.code, status.stdout.trim()), (3, "stopped"));
    // Dummy takes no positional arguments.
    let dummy = install.agent("Dummy", "");
    assert_eq!(dummy.call_with(&["x", "start"]).code, 1);
}

#[test]
fn filesystem_positional_form() {
    if skip_unless_root("heartbeat_class::filesystem_positional_form") {
        return;
    }
    let install = Install::new();
    let dir = install.root().join("hbfs");
    let fs = install.agent("Filesystem", "");
    in_private_mount_ns(move || {
        let d = dir.to_str().unwrap();
        // Filesystem::tmpfs::/dir::tmpfs::size=8m
        assert_eq!(
            fs.call_with(&["tmpfs", d, "tmpfs", "size=8m", "start"])
                .code,
            0
        );
        assert!(mounted(&dir));
        let status = fs.call_with(&["tmpfs", d, "tmpfs", "size=8m", "status"]);
        assert_eq!(status.stdout.trim(), "running");
        assert_eq!(
            fs.call_with(&["tmpfs", d, "tmpfs", "size=8m", "stop"]).code,
            0
        );
        assert!(!mounted(&dir));
    });
}

#[test]
fn ipv6addr_v1_positional_form() {
    if skip_unless_root("heartbeat_class::ipv6addr_v1_positional_form") {
        return;
    }
    let ns = NetNs::new();
    ns.veth("hb0", "hb1");
    let install = Install::new();
    // IPv6addr::fd00:131::5/64/hb0
    let v6 = install.agent("IPv6addr", "").in_netns(&ns);
    let arg = "fd00:131::5/64/hb0";
    assert_eq!(v6.call_with(&[arg, "start"]).code, 0);
    assert!(ns.addresses("hb0").contains("inet6 fd00:131::5/64"));
    assert_eq!(v6.call_with(&[arg, "status"]).stdout.trim(), "running");
    assert_eq!(v6.call_with(&[arg, "stop"]).code, 0);
    assert_eq!(v6.call_with(&[arg, "status"]).stdout.trim(), "stopped");
    // An IPv4 address is a configuration error for this agent.
    let v4 = install.agent("IPv6addr", "x").param("ipv6addr", "10.0.0.1");
    assert_eq!(v4.rc("validate-all"), OCF_ERR_CONFIGURED);
}
