//! Route and IPsrcaddr: routing-table agents inside a network namespace.

use crate::support::*;

/// A namespace with hb0 = 10.140.0.1/24 (peer hb1 up) and a default route via .254.
fn routed() -> Option<(NetNs, Install)> {
    if !is_root() {
        return None;
    }
    let ns = NetNs::new();
    ns.veth("hb0", "hb1");
    ns.ip(&["addr", "add", "10.140.0.1/24", "dev", "hb0"]);
    ns.ip(&["route", "add", "default", "via", "10.140.0.254"]);
    Some((ns, Install::new()))
}

fn tester_passes(agent: &Agent) {
    let name = agent
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_ocf_tester_passes(agent, &name);
}

#[test]
fn route_ocf_tester() {
    if skip_unless_root("route::route_ocf_tester") {
        return;
    }
    let (ns, install) = routed().unwrap();
    let route = install
        .agent("Route", "ot-route")
        .param("destination", "10.141.0.0/16")
        .param("gateway", "10.140.0.2")
        .param("device", "hb0")
        .in_netns(&ns);
    tester_passes(&route);
}

#[test]
fn route_lifecycle_and_tables() {
    if skip_unless_root("route::route_lifecycle_and_tables") {
        return;
    }
    let (ns, install) = routed().unwrap();
    let route = install
        .agent("Route", "r1")
        .param("destination", "10.142.0.0/16")
        .param("gateway", "10.140.0.2")
        .in_netns(&ns);
    assert_eq!(route.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(route.rc("start"), OCF_SUCCESS);
    assert!(ns
        .ip(&["route"])
        .contains("10.142.0.0/16 via 10.140.0.2 dev hb0"));
    assert_eq!(route.rc("monitor"), OCF_SUCCESS);
    // The same destination via another gateway is not our route.
    let other = route.clone().param("gateway", "10.140.0.3");
    assert_eq!(other.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(route.rc("start"), OCF_SUCCESS);
    assert_eq!(route.rc("stop"), OCF_SUCCESS);
    assert!(!ns.ip(&["route"]).contains("10.142.0.0/16"));
    assert_eq!(route.rc("stop"), OCF_SUCCESS);
    assert_eq!(route.rc("monitor"), OCF_NOT_RUNNING);

    let in_table = install
        .agent("Route", "r2")
        .param("destination", "default")
        .param("device", "hb1")
        .param("source", "10.140.0.1")
        .param("table", "100")
        .in_netns(&ns);
    assert_eq!(in_table.rc("start"), OCF_SUCCESS);
    let table = ns.ip(&["route", "show", "table", "100"]);
    assert!(table.contains("default dev hb1"), "{table}");
    assert!(table.contains("src 10.140.0.1"), "{table}");
    assert!(
        ns.ip(&["route"]).contains("default via 10.140.0.254"),
        "main untouched"
    );
    assert_eq!(in_table.rc("monitor"), OCF_SUCCESS);
    assert_eq!(in_table.rc("stop"), OCF_SUCCESS);
    assert_eq!(ns.ip(&["route", "show", "table", "100"]).trim(), "");
}

#[test]
fn route_validation_errors() {
    let install = Install::new();
    let base = install
        .agent("Route", "rv")
        .param("destination", "10.143.0.0/16")
        .param("device", "lo");
    assert_eq!(base.rc("validate-all"), OCF_SUCCESS);
    let cases = [
        ("destination", "somewhere", OCF_ERR_CONFIGURED),
        ("destination", "10.0.0.0/40", OCF_ERR_CONFIGURED),
        ("gateway", "router", OCF_ERR_CONFIGURED),
        ("gateway", "fd00::1", OCF_ERR_CONFIGURED),
        ("device", "nosuchnic0", OCF_ERR_ARGS),
    ];
    for (name, value, expected) in cases {
        let reply = base.clone().param(name, value).call("validate-all");
        assert_eq!(reply.code, expected, "{name}={value}: {}", reply.stderr);
    }
    let nowhere = install
        .agent("Route", "rv")
        .param("destination", "10.143.0.0/16");
    assert_eq!(nowhere.rc("validate-all"), OCF_ERR_CONFIGURED);
}

#[test]
fn ipsrcaddr_ocf_tester() {
    if skip_unless_root("route::ipsrcaddr_ocf_tester") {
        return;
    }
    let (ns, install) = routed().unwrap();
    ns.ip(&["addr", "add", "10.140.0.9/24", "dev", "hb0"]);
    let src = install
        .agent("IPsrcaddr", "ot-src")
        .param("ipaddress", "10.140.0.9")
        .in_netns(&ns);
    tester_passes(&src);
}

#[test]
fn ipsrcaddr_sets_and_clears_the_source() {
    if skip_unless_root("route::ipsrcaddr_sets_and_clears_the_source") {
        return;
    }
    let (ns, install) = routed().unwrap();
    let src = install
        .agent("IPsrcaddr", "s1")
        .param("ipaddress", "10.140.0.9")
        .in_netns(&ns);
    let reply = src.call("start");
    assert_eq!(reply.code, OCF_ERR_GENERIC, "the address is not here yet");
    assert!(reply.stderr.contains("not configured on this node"));
    ns.ip(&["addr", "add", "10.140.0.9/24", "dev", "hb0"]);
    assert_eq!(src.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(src.rc("start"), OCF_SUCCESS);
    let routes = ns.ip(&["route", "show", "default"]);
    assert!(
        routes.contains("default via 10.140.0.254 dev hb0 src 10.140.0.9"),
        "{routes}"
    );
    assert_eq!(src.rc("monitor"), OCF_SUCCESS);
    assert_eq!(src.rc("stop"), OCF_SUCCESS);
    let routes = ns.ip(&["route", "show", "default"]);
    assert!(!routes.contains("src"), "{routes}");
    assert!(
        routes.contains("default via 10.140.0.254"),
        "the route itself stays"
    );
    assert_eq!(src.rc("stop"), OCF_SUCCESS);
    // Heartbeat v1: IPsrcaddr::10.140.0.9/24
    let v1 = install.agent("IPsrcaddr", "").in_netns(&ns);
    assert_eq!(v1.call_with(&["10.140.0.9/24", "start"]).code, 0);
    assert_eq!(
        v1.call_with(&["10.140.0.9/24", "status"]).stdout.trim(),
        "running"
    );
    assert_eq!(v1.call_with(&["10.140.0.9/24", "stop"]).code, 0);
    let bad = install.agent("IPsrcaddr", "s2").param("ipaddress", "ten");
    assert_eq!(bad.rc("validate-all"), OCF_ERR_CONFIGURED);
}
