//! Recurring monitors, cancellation, serialisation per resource and the concurrency bound.

use std::time::Duration;

use lrm::{Action, ExecStatus, OcfRc, OpRequest, OpResult};
use tokio::sync::broadcast;

use crate::support::{self, Agents};

/// Next event for `rsc`, or `None` after `wait`.
async fn next_event(
    events: &mut broadcast::Receiver<OpResult>,
    rsc: &str,
    wait: Duration,
) -> Option<OpResult> {
    tokio::time::timeout(wait, async {
        loop {
            match events.recv().await {
                Ok(r) if r.rsc == rsc => return r,
                Ok(_) => {}
                Err(e) => panic!("event stream: {e}"),
            }
        }
    })
    .await
    .ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn recurring_monitor_reports_only_changes_and_can_be_cancelled() {
    let agents = Agents::new();
    let state = agents.path("mon.state");
    let count = agents.path("mon.count");
    let agent = agents.ocf(
        "Mon",
        &format!(
            r#"echo x >> {count}
[ "$1" = monitor ] || exit 0
[ -e {state} ] && exit 0
echo "ocf-exit-reason:state file vanished" >&2
exit 7"#,
            count = count.display(),
            state = state.display()
        ),
    );
    std::fs::write(&state, "").unwrap();
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("mon", agent, &[]));
    let mut events = lrm.subscribe();
    let call_id = lrm
        .exec(OpRequest::new("mon", Action::Monitor, 100, 5_000))
        .unwrap();

    let first = next_event(&mut events, "mon", Duration::from_secs(10))
        .await
        .expect("first result is reported");
    assert_eq!(
        (first.call_id, first.rc, first.interval_ms),
        (call_id, OcfRc::SUCCESS, 100)
    );
    // Let it run several more times: unchanged results are not reported.
    wait_for_runs(&count, 6).await;
    assert!(
        next_event(&mut events, "mon", Duration::from_millis(50))
            .await
            .is_none(),
        "unchanged result reported"
    );

    std::fs::remove_file(&state).unwrap();
    let failed = next_event(&mut events, "mon", Duration::from_secs(10))
        .await
        .expect("failure reported");
    assert_eq!((failed.rc, failed.ok), (OcfRc::NOT_RUNNING, false));
    assert_eq!(failed.exit_reason, "state file vanished");
    let runs = std::fs::read_to_string(&count).unwrap().lines().count();
    wait_for_runs(&count, runs + 4).await;
    assert!(
        next_event(&mut events, "mon", Duration::from_millis(50))
            .await
            .is_none(),
        "failure reported twice"
    );

    let history = lrm.history("mon").unwrap();
    assert_eq!(history.recurring.len(), 1);
    assert_eq!(history.recurring[0].op_key, "mon_monitor_100");
    assert_eq!(history.recurring[0].rc, OcfRc::NOT_RUNNING);
    assert_eq!(
        history.last_failure.as_ref().unwrap().op_key,
        "mon_monitor_100"
    );

    lrm.cancel("mon", &Action::Monitor, 100).unwrap();
    let cancelled = next_event(&mut events, "mon", Duration::from_secs(5))
        .await
        .expect("cancellation reported");
    assert_eq!(
        (cancelled.status, cancelled.call_id),
        (ExecStatus::Cancelled, call_id)
    );
    assert!(lrm.history("mon").unwrap().recurring.is_empty());
    // An execution already running may still finish: a one-shot op queues behind it (operations
    // on one resource are serialised), so once that returns the resource is idle.
    lrm.exec_wait(OpRequest::new("mon", Action::Start, 0, 5_000))
        .await
        .unwrap();
    let after_cancel = std::fs::read_to_string(&count).unwrap().lines().count();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        std::fs::read_to_string(&count).unwrap().lines().count(),
        after_cancel,
        "monitor still running"
    );
    assert!(lrm.cancel("mon", &Action::Monitor, 100).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_cancels_the_resources_recurring_monitors() {
    let agents = Agents::new();
    // A monitor that fails (7) like one left running on a node the resource moved away from;
    // each run is counted per resource.
    let agent = agents.ocf(
        "Failing",
        &format!(
            r#"[ "$1" = monitor ] || exit 0
echo x >> {dir}/$OCF_RESOURCE_INSTANCE.count
exit 7"#,
            dir = agents.path("").display()
        ),
    );
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("moved", agent.clone(), &[]));
    lrm.register(support::resource("other", agent, &[]));
    lrm.exec(OpRequest::new("moved", Action::Monitor, 100, 5_000))
        .unwrap();
    lrm.exec(OpRequest::new("moved", Action::Monitor, 150, 5_000))
        .unwrap();
    lrm.exec(OpRequest::new("other", Action::Monitor, 100, 5_000))
        .unwrap();
    let moved = agents.path("moved.count");
    let other = agents.path("other.count");
    wait_for_runs(&moved, 4).await;
    assert_eq!(lrm.history("moved").unwrap().recurring.len(), 2);

    let stop = lrm
        .exec_wait(OpRequest::new("moved", Action::Stop, 0, 5_000))
        .await
        .unwrap();
    assert!(stop.ok, "{stop:?}");
    let runs = |p: &std::path::Path| std::fs::read_to_string(p).unwrap().lines().count();
    let after_stop = runs(&moved);
    let other_before = runs(&other);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(runs(&moved), after_stop, "monitor still running after stop");
    assert!(
        runs(&other) > other_before,
        "another resource's monitor must go on"
    );
    assert!(lrm.history("moved").unwrap().recurring.is_empty());
    assert!(lrm.cancel("moved", &Action::Monitor, 100).is_err());
    assert!(lrm.cancel("moved", &Action::Monitor, 150).is_err());
    // A later start and monitor run again.
    lrm.exec_wait(OpRequest::new("moved", Action::Start, 0, 5_000))
        .await
        .unwrap();
    lrm.exec(OpRequest::new("moved", Action::Monitor, 100, 5_000))
        .unwrap();
    wait_for_runs(&moved, after_stop + 2).await;
}

/// A stop that arrives while a monitor run is executing: the run finishes after its operation
/// was cancelled and must not put it back into the history (the CIB would show a monitor on a
/// stopped resource).
#[tokio::test(flavor = "multi_thread")]
async fn a_monitor_run_in_flight_at_a_stop_leaves_no_recurring_entry() {
    let agents = Agents::new();
    let started = agents.path("slow.started");
    let agent = agents.ocf(
        "SlowMonitor",
        &format!(
            r#"[ "$1" = monitor ] || exit 0
echo x >> {started}
sleep 0.5
exit 0"#,
            started = started.display()
        ),
    );
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("slow", agent, &[]));
    lrm.exec(OpRequest::new("slow", Action::Monitor, 10_000, 5_000))
        .unwrap();
    wait_for_runs(&started, 1).await;
    let stop = lrm
        .exec_wait(OpRequest::new("slow", Action::Stop, 0, 5_000))
        .await
        .unwrap();
    assert!(stop.ok, "{stop:?}");
    let history = lrm.history("slow").unwrap();
    assert!(history.recurring.is_empty(), "{:?}", history.recurring);
    assert_eq!(
        history.last.as_ref().map(|r| r.op_key.as_str()),
        Some("slow_stop_0")
    );
}

async fn wait_for_runs(count: &std::path::Path, n: usize) {
    for _ in 0..500 {
        let runs = std::fs::read_to_string(count)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if runs >= n {
            // The run that was just counted may still be finishing.
            tokio::time::sleep(Duration::from_millis(30)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("monitor did not run {n} times");
}

/// An agent that logs `begin <rsc>` and `end <rsc>` around a short sleep.
fn logging_agent(agents: &Agents) -> lrm::AgentId {
    let log = agents.path("ops.log");
    agents.ocf(
        "Slow",
        &format!(
            "echo \"begin $OCF_RESOURCE_INSTANCE\" >> {log}; sleep 0.3; echo \"end $OCF_RESOURCE_INSTANCE\" >> {log}; exit 0",
            log = log.display()
        ),
    )
}

/// Largest number of operations running at once according to the log, overall and per resource.
fn max_overlap(log: &str) -> (usize, usize) {
    let mut running: Vec<&str> = Vec::new();
    let (mut max_all, mut max_same) = (0, 0);
    for line in log.lines() {
        let (what, rsc) = line.split_once(' ').unwrap();
        if what == "begin" {
            running.push(rsc);
            max_all = max_all.max(running.len());
            max_same = max_same.max(running.iter().filter(|r| **r == rsc).count());
        } else {
            let at = running.iter().position(|r| *r == rsc).unwrap();
            running.remove(at);
        }
    }
    (max_all, max_same)
}

#[tokio::test(flavor = "multi_thread")]
async fn one_resource_runs_serially_different_resources_in_parallel_within_the_bound() {
    let agents = Agents::new();
    let agent = logging_agent(&agents);
    let lrm = support::executor(agents.dirs(), 3);
    let mut events = lrm.subscribe();
    for id in ["a", "b", "c", "d", "e"] {
        lrm.register(support::resource(id, agent.clone(), &[]));
    }
    let mut calls = Vec::new();
    for _ in 0..2 {
        for id in ["a", "b", "c", "d", "e"] {
            calls.push(
                lrm.exec(OpRequest::new(id, Action::Start, 0, 10_000))
                    .unwrap(),
            );
        }
    }
    let mut done = 0;
    while done < calls.len() {
        let r = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.rc, OcfRc::SUCCESS, "{r:?}");
        done += 1;
    }
    let log = std::fs::read_to_string(agents.path("ops.log")).unwrap();
    assert_eq!(log.lines().count(), 20);
    let (max_all, max_same) = max_overlap(&log);
    assert_eq!(
        max_same, 1,
        "two operations of one resource overlapped:\n{log}"
    );
    assert!(
        max_all > 1,
        "different resources never ran in parallel:\n{log}"
    );
    assert!(
        max_all <= 3,
        "more than max_parallel agents ran at once:\n{log}"
    );
}
