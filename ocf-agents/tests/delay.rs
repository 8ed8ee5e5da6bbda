//! Delay: actions take the configured time; delays that cannot fit the timeout are errors.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn start_and_stop_take_their_delay() {
    let install = Install::new();
    let delay = install
        .agent("Delay", "dl")
        .param("startdelay", "0.3")
        .param("stopdelay", "200ms");
    let t = Instant::now();
    assert_eq!(delay.rc("start"), OCF_SUCCESS);
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(delay.rc("monitor"), OCF_SUCCESS);
    let t = Instant::now();
    assert_eq!(delay.rc("stop"), OCF_SUCCESS);
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(delay.rc("monitor"), OCF_NOT_RUNNING);
}

#[test]
fn delays_must_be_durations_that_fit_the_timeout() {
    let install = Install::new();
    let bad = install.agent("Delay", "dl").param("startdelay", "later");
    assert_eq!(bad.rc("validate-all"), OCF_ERR_CONFIGURED);
    // The harness passes CRM_meta_timeout=20000 ms.
    let too_long = install.agent("Delay", "dl").param("startdelay", "25");
    assert_eq!(too_long.rc("start"), OCF_ERR_CONFIGURED);
    assert_eq!(too_long.rc("monitor"), OCF_NOT_RUNNING);
}
