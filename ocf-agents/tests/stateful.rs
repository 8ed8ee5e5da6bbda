//! Stateful: roles, promotion scores and the promote/demote exit codes.

use crate::support::*;

#[test]
fn promote_and_demote_change_the_monitor_result() {
    let install = Install::new();
    let st = install.agent("Stateful", "st1");
    assert_eq!(st.rc("monitor"), OCF_NOT_RUNNING);
    let start = st.call("start");
    assert_eq!(start.code, OCF_SUCCESS);
    assert_eq!(st.rc("monitor"), OCF_SUCCESS);
    let promote = st.call("promote");
    assert_eq!(promote.code, OCF_SUCCESS);
    assert_eq!(st.rc("monitor"), OCF_RUNNING_PROMOTED);
    assert_eq!(
        st.rc("promote"),
        OCF_SUCCESS,
        "promoting a promoted resource"
    );
    assert_eq!(st.rc("demote"), OCF_SUCCESS);
    assert_eq!(st.rc("monitor"), OCF_SUCCESS);
    assert_eq!(st.rc("demote"), OCF_SUCCESS, "demoting a demoted resource");
    assert_eq!(st.rc("stop"), OCF_SUCCESS);
    assert_eq!(st.rc("monitor"), OCF_NOT_RUNNING);
    // No cluster runs here, so crm_master/crm_attribute fail (or are absent) and the
    // agent prints the score it would have published.
    assert!(
        start.stdout.contains("promotion score for st1: 5"),
        "{start:?}"
    );
    assert!(
        promote.stdout.contains("promotion score for st1: 10"),
        "{promote:?}"
    );
}

#[test]
fn scores_are_configurable() {
    let install = Install::new();
    let st = install
        .agent("Stateful", "st2")
        .param("promoted_score", "100");
    assert_eq!(st.rc("start"), OCF_SUCCESS);
    assert!(st
        .call("promote")
        .stdout
        .contains("promotion score for st2: 100"));
    let bad = install
        .agent("Stateful", "st2")
        .param("promoted_score", "high");
    assert_eq!(bad.rc("validate-all"), OCF_ERR_CONFIGURED);
}

#[test]
fn promote_requires_a_started_resource() {
    let install = Install::new();
    let st = install.agent("Stateful", "st3");
    assert_eq!(st.rc("promote"), OCF_ERR_GENERIC);
    assert_eq!(st.rc("demote"), OCF_ERR_GENERIC);
    assert_eq!(st.rc("notify"), OCF_SUCCESS);
}
