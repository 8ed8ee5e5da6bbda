//! Process supervision: what happens when agents misbehave.

use lrm::{Action, ExecStatus, OcfRc, OpRequest};

use crate::support::{self, Agents};

#[tokio::test(flavor = "multi_thread")]
async fn hung_agent_is_killed_with_its_whole_process_group() {
    let agents = Agents::new();
    let pids = agents.path("pids");
    // The agent starts a helper that ignores SIGTERM, records both pids, then hangs.
    let agent = agents.ocf(
        "Hang",
        &format!(
            r#"sh -c 'trap "" TERM; while :; do sleep 1; done' &
echo $! > {pids}.child
echo $$ > {pids}.agent
while :; do sleep 1; done"#,
            pids = pids.display()
        ),
    );
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("hang", agent, &[]));
    let r = lrm
        .exec_wait(OpRequest::new("hang", Action::Start, 0, 1_500))
        .await
        .unwrap();
    assert_eq!(r.status, ExecStatus::Timeout, "{r:?}");
    assert_eq!(r.rc, OcfRc::ERR_GENERIC);
    assert!(!r.ok);
    let agent_pid = support::read_pid(&agents.path("pids.agent"));
    let child_pid = support::read_pid(&agents.path("pids.child"));
    let alive: Vec<i32> = [agent_pid, child_pid]
        .into_iter()
        .filter(|&p| support::process_alive(p))
        .collect();
    alive.iter().for_each(|&p| support::kill_pid(p));
    assert!(
        alive.is_empty(),
        "processes survived the timeout: {alive:?}"
    );
    let failure = lrm.history("hang").unwrap().last_failure.unwrap();
    assert_eq!(failure.status, ExecStatus::Timeout);
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_forking_a_daemon_that_keeps_stdout_does_not_block() {
    let agents = Agents::new();
    let pidfile = agents.path("daemon.pid");
    // The daemon inherits stdout and stderr and lives far longer than the op's timeout.
    let agent = agents.ocf(
        "Forker",
        &format!(
            r#"echo before
(while :; do sleep 1; done) &
echo $! > {pidfile}
echo after
exit 0"#,
            pidfile = pidfile.display()
        ),
    );
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("fork", agent, &[]));
    let r = lrm
        .exec_wait(OpRequest::new("fork", Action::Start, 0, 5_000))
        .await
        .unwrap();
    let daemon = support::read_pid(&pidfile);
    let daemon_alive = support::process_alive(daemon);
    support::kill_pid(daemon);
    assert_eq!(
        (r.status, r.rc),
        (ExecStatus::Done, OcfRc::SUCCESS),
        "{r:?}"
    );
    assert_eq!(
        r.stdout, "before\nafter\n",
        "output written before exit is kept"
    );
    assert!(
        daemon_alive,
        "a daemon started by a successful agent is left running"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn megabytes_of_output_are_capped() {
    let agents = Agents::new();
    let agent = agents.ocf(
        "Chatty",
        "echo FIRST; head -c 50000000 /dev/zero | tr '\\0' 'x'; echo; echo LAST; head -c 3000000 /dev/zero | tr '\\0' 'y' >&2; exit 0",
    );
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("chatty", agent, &[]));
    let r = lrm
        .exec_wait(OpRequest::new("chatty", Action::Start, 0, 60_000))
        .await
        .unwrap();
    assert_eq!((r.status, r.rc), (ExecStatus::Done, OcfRc::SUCCESS));
    let limit = lrm::capture::DEFAULT_CAPTURE_LIMIT;
    assert!(r.stdout.starts_with("FIRST\nxxx"));
    assert!(r.stdout.ends_with("xxx\nLAST\n"));
    let total = 6 + 50_000_000 + 1 + 5;
    let dropped = total - 2 * limit;
    assert!(
        r.stdout
            .contains(&format!("[... {dropped} bytes of output dropped ...]")),
        "{}",
        &r.stdout[limit - 10..limit + 80]
    );
    assert!(r.stdout.len() < 2 * limit + 100);
    assert!(r.stderr.len() < 2 * limit + 100);
}

#[tokio::test(flavor = "multi_thread")]
async fn crashing_agent_reports_an_error() {
    let agents = Agents::new();
    let agent = agents.ocf("Crash", "echo dying; kill -SEGV $$; sleep 5; exit 0");
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("crash", agent, &[]));
    let r = lrm
        .exec_wait(OpRequest::new("crash", Action::Stop, 0, 10_000))
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.rc),
        (ExecStatus::Error, OcfRc::ERR_GENERIC),
        "{r:?}"
    );
    assert_eq!(
        r.exit_reason,
        "Resource agent interrupted by Segmentation fault signal"
    );
    assert_eq!(r.stdout, "dying\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_reaches_the_agent() {
    let agents = Agents::new();
    let agent = agents.ocf("Env", "env | grep -E '^OCF_' | sort; exit 0");
    let lrm = support::executor(agents.dirs(), 4);
    lrm.register(support::resource("env:1", agent, &[("foo", "bar baz")]));
    let mut req = OpRequest::new("env:1", Action::Monitor, 0, 12_000);
    req.check_level = Some(20);
    req.meta.insert("clone-node-max".into(), "1".into());
    req.meta.extend(
        lrm::NotifyVars {
            kind: "pre".into(),
            operation: "start".into(),
            lists: [(
                "start".to_string(),
                (vec!["env:1".to_string()], vec!["n1".to_string()]),
            )]
            .into(),
            all_uname: vec!["n1".into(), "n2".into()],
            available_uname: vec!["n1".into()],
        }
        .to_meta(),
    );
    let r = lrm.exec_wait(req).await.unwrap();
    let root = agents.ocf_root();
    for line in [
        format!("OCF_ROOT={}", root.display()),
        "OCF_RA_VERSION_MAJOR=1".into(),
        "OCF_RA_VERSION_MINOR=1".into(),
        "OCF_RESOURCE_INSTANCE=env:1".into(),
        "OCF_RESOURCE_TYPE=Env".into(),
        "OCF_RESOURCE_PROVIDER=test".into(),
        "OCF_RESKEY_foo=bar baz".into(),
        "OCF_RESKEY_CRM_meta_timeout=12000".into(),
        "OCF_RESKEY_CRM_meta_clone_node_max=1".into(),
        "OCF_RESKEY_CRM_meta_notify_type=pre".into(),
        "OCF_RESKEY_CRM_meta_notify_start_resource=env:1".into(),
        "OCF_RESKEY_CRM_meta_notify_start_uname=n1".into(),
        "OCF_RESKEY_CRM_meta_notify_all_uname=n1 n2".into(),
        "OCF_CHECK_LEVEL=20".into(),
    ] {
        assert!(
            r.stdout.lines().any(|l| l == line),
            "missing {line} in:\n{}",
            r.stdout
        );
    }
    assert!(
        !r.stdout.contains("CRM_meta_interval"),
        "a one-shot op has no interval meta"
    );
}
