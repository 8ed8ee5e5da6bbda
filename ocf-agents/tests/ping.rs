//! ping: the attribute value follows which hosts answer.

use crate::support::*;

#[test]
fn score_counts_reachable_hosts() {
    if skip_unless_root("ping::score_counts_reachable_hosts") {
        return;
    }
    if skip_without("ping::score_counts_reachable_hosts", &["ping"]) {
        return;
    }
    // Only loopback is up in the fresh namespace, so 10.255.0.1 is unreachable at once.
    let ns = NetNs::new();
    let install = Install::new();
    let ping = install
        .agent("ping", "pg")
        .param("host_list", "127.0.0.1 10.255.0.1")
        .param("multiplier", "100")
        .param("attempts", "1")
        .param("timeout", "1")
        .in_netns(&ns);
    assert_eq!(ping.rc("monitor"), OCF_NOT_RUNNING);
    let start = ping.call("start");
    assert_eq!(start.code, OCF_SUCCESS, "{start:?}");
    let state = install.rsctmp().join("ping-pg.state");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "pingd=100\n");
    // No attribute daemon runs here: the value is printed instead.
    assert!(
        start.stdout.contains("node attribute pingd=100"),
        "{start:?}"
    );
    assert_eq!(ping.rc("monitor"), OCF_SUCCESS);

    let demanding = ping.clone().param("failure_score", "150");
    assert_eq!(demanding.rc("monitor"), OCF_ERR_GENERIC);

    let renamed = ping.clone().param("name", "connectivity");
    let reply = renamed.call("monitor");
    assert!(
        reply.stdout.contains("node attribute connectivity=100"),
        "{reply:?}"
    );

    assert_eq!(ping.rc("stop"), OCF_SUCCESS);
    assert!(!state.exists());
    assert_eq!(ping.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(ping.rc("stop"), OCF_SUCCESS);
}

#[test]
fn validation_errors() {
    let install = Install::new();
    let none = install.agent("ping", "pv");
    assert_eq!(none.rc("validate-all"), OCF_ERR_CONFIGURED);
    let bad = install
        .agent("ping", "pv")
        .param("host_list", "127.0.0.1")
        .param("multiplier", "lots");
    assert_eq!(bad.rc("validate-all"), OCF_ERR_CONFIGURED);
    let option = install.agent("ping", "pv").param("host_list", "-f");
    assert_eq!(option.rc("validate-all"), OCF_ERR_CONFIGURED);
}
