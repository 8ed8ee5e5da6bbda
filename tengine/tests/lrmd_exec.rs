//! `execute_on_lrm` against a real lrmd running ClusterLabs' `ocf:heartbeat:Dummy`.
//!
//! The daemon is the `lrmd` binary the lrm crate builds (found next to this test's target
//! directory, or through `LRMD_BIN`). When only this crate was built, the same server code
//! (`lrm::server`) is served in-process on a real socket instead, and that is said loudly.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use graph::{ActionKind, GraphAction};
use tengine::{
    execute_on_lrm, lrm_rsc_op, record_op, OpSummary, Outcome, TengineError, Transition,
};

const DUMMY: &str = "/usr/lib/ocf/resource.d/heartbeat/Dummy";

/// A running lrmd; stopped on drop.
enum Daemon {
    Process(Child),
    InProcess(tokio::task::JoinHandle<()>),
}

impl Drop for Daemon {
    fn drop(&mut self) {
        match self {
            Daemon::Process(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Daemon::InProcess(task) => task.abort(),
        }
    }
}

fn lrmd_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LRMD_BIN") {
        return Some(PathBuf::from(p));
    }
    // target/<profile>/deps/<this test> -> target/<profile>/lrmd
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.parent()?.join("lrmd");
    candidate.is_file().then_some(candidate)
}

async fn start_lrmd(socket: &Path) -> Daemon {
    let daemon = match lrmd_binary() {
        Some(bin) => Daemon::Process(
            Command::new(&bin)
                .args(["--socket", socket.to_str().expect("utf-8 temp path")])
                .env("OCF_ROOT", "/usr/lib/ocf")
                .env("LRMD_LOG", "warn")
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display())),
        ),
        None => {
            eprintln!(
                "NOTE: no lrmd binary built (run `cargo build -p lrm`); serving lrm::server in-process"
            );
            let listener = lrm::server::bind(socket).expect("bind lrmd socket");
            let executor = lrm::Executor::new(lrm::ExecutorConfig::default());
            Daemon::InProcess(tokio::spawn(async move {
                let _ = lrm::server::serve(executor, listener).await;
            }))
        }
    };
    for _ in 0..250 {
        if std::os::unix::net::UnixStream::connect(socket).is_ok() {
            return daemon;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("lrmd did not open {}", socket.display());
}

fn dummy_installed() -> bool {
    if Path::new(DUMMY).is_file() {
        return true;
    }
    eprintln!("SKIP: {DUMMY} is missing (install Debian's resource-agents)");
    false
}

/// A graph `rsc_op` on the Dummy resource `rsc` with the given extra attributes.
fn op(id: u32, rsc: &str, operation: &str, attrs: &str) -> GraphAction {
    let text = format!(
        r#"<transition_graph><synapse id="0"><action_set>
  <rsc_op id="{id}" operation="{operation}" operation_key="{rsc}_{operation}_0" on_node="node1" on_node_uuid="1">
    <primitive id="{rsc}" class="ocf" provider="heartbeat" type="Dummy"/>
    <attributes CRM_meta_on_node="node1" CRM_meta_timeout="20000" {attrs}/>
  </rsc_op></action_set><inputs/></synapse></transition_graph>"#
    );
    graph::parse_graph(&text)
        .expect("test action parses")
        .synapses
        .remove(0)
        .action
}

#[tokio::test(flavor = "multi_thread")]
async fn dummy_start_probe_monitor_cancel_stop_probe() {
    if !dummy_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("dummy.state");
    let _daemon = start_lrmd(&dir.path().join("lrmd.sock")).await;
    let client = lrm::Client::connect(&dir.path().join("lrmd.sock"))
        .await
        .unwrap();
    let params = format!(r#"state="{}""#, state.display());

    let start = execute_on_lrm(&client, &op(1, "d1", "start", &params))
        .await
        .unwrap();
    assert_eq!((start.rc, start.op_status), (0, 0), "{start:?}");
    assert!(start.call_id > 0);
    assert!(state.exists(), "Dummy's start creates its state file");

    let probe = op(
        2,
        "d1",
        "monitor",
        &format!(r#"CRM_meta_op_target_rc="7" {params}"#),
    );
    let found = execute_on_lrm(&client, &probe).await.unwrap();
    assert_eq!(
        (found.rc, found.op_status),
        (0, 0),
        "probe after start finds it running: {found:?}"
    );
    assert!(found.call_id > start.call_id);

    let monitor = op(
        3,
        "d1",
        "monitor",
        &format!(r#"CRM_meta_interval="2000" {params}"#),
    );
    let first = execute_on_lrm(&client, &monitor).await.unwrap();
    assert_eq!(
        (first.rc, first.op_status),
        (0, 0),
        "first recurring result: {first:?}"
    );
    let cancel = op(
        4,
        "d1",
        "cancel",
        r#"CRM_meta_interval="2000" CRM_meta_operation="monitor""#,
    );
    let cancelled = execute_on_lrm(&client, &cancel).await.unwrap();
    assert_eq!((cancelled.rc, cancelled.op_status), (0, 0));
    execute_on_lrm(&client, &cancel)
        .await
        .expect("cancelling what is already gone is done, not an error");

    let stop = execute_on_lrm(&client, &op(5, "d1", "stop", &params))
        .await
        .unwrap();
    assert_eq!((stop.rc, stop.op_status), (0, 0), "{stop:?}");
    assert!(!state.exists(), "Dummy's stop removes its state file");

    let gone = execute_on_lrm(&client, &probe).await.unwrap();
    assert_eq!(
        (gone.rc, gone.op_status),
        (7, 0),
        "probe after stop: {gone:?}"
    );

    execute_on_lrm(&client, &op(6, "d1", "delete", ""))
        .await
        .unwrap();
    assert!(client.list().await.unwrap().iter().all(|r| r.id != "d1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_failures_are_results_and_non_rsc_ops_are_refused() {
    if !dummy_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let _daemon = start_lrmd(&dir.path().join("lrmd.sock")).await;
    let client = lrm::Client::connect(&dir.path().join("lrmd.sock"))
        .await
        .unwrap();
    let bad = op(
        1,
        "d2",
        "start",
        r#"state="/nonexistent-dir/x/dummy.state""#,
    );
    let failed = execute_on_lrm(&client, &bad).await.unwrap();
    assert_ne!(failed.rc, 0, "{failed:?}");
    assert_eq!(
        failed.op_status, 0,
        "the agent ran; its rc is the failure: {failed:?}"
    );
    let mut t = Transition::new(
        graph::TransitionGraph {
            attributes: Vec::new(),
            synapses: vec![graph::Synapse {
                id: 0,
                priority: None,
                action: bad.clone(),
                inputs: Vec::new(),
            }],
        },
        1,
    );
    assert_eq!(t.take_ready().len(), 1);
    t.complete(
        1,
        Outcome::Done {
            rc: failed.rc,
            status: failed.op_status,
        },
    )
    .unwrap();
    assert_eq!(t.abort_reason(), Some("Event failed"));

    let mut fence = op(2, "d2", "stonith", "");
    fence.reference.kind = ActionKind::CrmEvent;
    assert!(matches!(
        execute_on_lrm(&client, &fence).await,
        Err(TengineError::NotAnRscOp { id: 2, .. })
    ));
}

/// The controller loop in miniature: schedule, execute on the real lrmd, record, reschedule.
#[tokio::test(flavor = "multi_thread")]
async fn scheduled_transition_executed_and_recorded_settles() {
    if !dummy_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let _daemon = start_lrmd(&dir.path().join("lrmd.sock")).await;
    let client = lrm::Client::connect(&dir.path().join("lrmd.sock"))
        .await
        .unwrap();
    let state = dir.path().join("e2e.state");
    let text = format!(
        r#"<cib have-quorum="true" crm_feature_set="3.16.2"><configuration>
        <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
        <nodes><node id="1" uname="node1"/></nodes>
        <resources><primitive id="e2e" class="ocf" provider="heartbeat" type="Dummy">
          <instance_attributes id="e2e-ia"><nvpair id="e2e-state" name="state" value="{}"/></instance_attributes>
          <operations><op id="e2e-mon" name="monitor" interval="10s"/></operations></primitive></resources>
        <constraints/></configuration>
        <status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>"#,
        state.display()
    );
    let mut root = cib::Document::parse(&text).unwrap().root;
    let graph = pengine::schedule(&root, 1_700_000_000).unwrap().graph;
    let mut t = Transition::new(graph, 1);
    let mut executed = Vec::new();
    loop {
        let ready = t.take_ready();
        if ready.is_empty() && t.in_flight().is_empty() {
            break;
        }
        for a in ready {
            assert_eq!(a.reference.kind, ActionKind::RscOp, "{a:?}");
            let summary: OpSummary = execute_on_lrm(&client, &a).await.unwrap();
            let op = lrm_rsc_op(&a, &summary, 1, "te-uuid", "node1");
            record_op(root.child_or_insert("status"), "node1", "1", &a, op);
            executed.push(a.reference.operation_key.clone());
            t.complete(
                a.reference.id,
                Outcome::Done {
                    rc: summary.rc,
                    status: summary.op_status,
                },
            )
            .unwrap();
        }
    }
    assert!(t.is_finished() && !t.is_aborted(), "{:?}", t.failures());
    assert_eq!(
        executed,
        ["e2e_monitor_0", "e2e_start_0", "e2e_monitor_10000"]
    );
    assert!(state.exists(), "really started");
    let again = pengine::schedule(&root, 1_700_000_000).unwrap().graph;
    assert!(
        again.synapses.is_empty(),
        "settled: {:?}",
        graph::xml::to_xml(&again)
    );
}
