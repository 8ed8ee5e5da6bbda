//! Fencing devices (class stonith): probe and monitor say whether the device is usable here.

use std::os::unix::fs::PermissionsExt;

use lrm::{Action, AgentId, OcfRc, OpRequest, ResourceClass};

use crate::support::{self, Agents};

async fn run(lrm: &lrm::Executor, rsc: &str, action: Action) -> lrm::OpResult {
    lrm.exec_wait(OpRequest::new(rsc, action, 0, 10_000))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn fencing_device_probe_monitor_start_stop() {
    let agents = Agents::new();
    // A fence agent whose monitor succeeds while its `usable` file exists.
    let dir = agents.path("fence");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("fence_lrmtest");
    std::fs::write(
        &script,
        "#!/bin/sh\nwhile read line; do case \"$line\" in action=*) a=${line#action=};; \
         usable=*) u=${line#usable=};; esac; done\n\
         [ \"$a\" = monitor ] || exit 0\n[ -e \"$u\" ] && exit 0\necho unreachable >&2; exit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Only this test looks fence agents up.
    std::env::set_var("STONITH_AGENT_DIRS", &dir);
    let usable = agents.path("usable");
    std::fs::write(&usable, "").unwrap();

    let lrm = support::executor(agents.dirs(), 4);
    let usable_param = usable.to_string_lossy().into_owned();
    lrm.register(support::resource(
        "fence-node1",
        AgentId::new(ResourceClass::Stonith, "fence_lrmtest"),
        &[("usable", &usable_param)],
    ));
    // A new device's probe: not running here (before: 0, recorded as a failed probe).
    let probe = run(&lrm, "fence-node1", Action::Monitor).await;
    assert_eq!(probe.rc, OcfRc::NOT_RUNNING, "{probe:?}");

    assert_eq!(
        run(&lrm, "fence-node1", Action::Start).await.rc,
        OcfRc::SUCCESS
    );
    let monitor = run(&lrm, "fence-node1", Action::Monitor).await;
    assert_eq!(monitor.rc, OcfRc::SUCCESS, "{monitor:?}");

    // The device becomes unusable: its monitor fails and says why.
    std::fs::remove_file(&usable).unwrap();
    let failed = run(&lrm, "fence-node1", Action::Monitor).await;
    assert_eq!(failed.rc, OcfRc::ERR_GENERIC, "{failed:?}");
    assert!(failed.exit_reason.contains("unusable"), "{failed:?}");

    assert_eq!(
        run(&lrm, "fence-node1", Action::Stop).await.rc,
        OcfRc::SUCCESS
    );
    let after_stop = run(&lrm, "fence-node1", Action::Monitor).await;
    assert_eq!(after_stop.rc, OcfRc::NOT_RUNNING, "{after_stop:?}");

    // A device whose agent is not installed cannot start.
    lrm.register(support::resource(
        "fence-missing",
        AgentId::new(ResourceClass::Stonith, "fence_not_installed_here"),
        &[],
    ));
    let start = run(&lrm, "fence-missing", Action::Start).await;
    assert_eq!(start.rc, OcfRc::ERR_INSTALLED, "{start:?}");
}
