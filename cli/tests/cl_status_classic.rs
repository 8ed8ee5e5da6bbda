//! `cl_status rscstatus` on a haresources site run by the CRM: heartbeat (in-process,
//! loopback only, no CRM daemon started) has no answer, as Heartbeat 3.0.6 under Pacemaker,
//! so cl_status reads where the imported groups run from the CIB (`CIB_file` here).
#![cfg(all(feature = "hb-tools", feature = "cib-tools", feature = "simulate"))]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use messaging::client::Client;
use messaging::daemon::{self, Options};

const HARESOURCES: &str = "node1 IPaddr::10.0.0.1 IPaddr::10.0.0.3\nnode2 IPaddr::10.0.0.2\n";

/// The import's CIB with `running` (primitive ids) started on node1.
fn cib_with_running_on_node1(running: &[&str]) -> String {
    let site = cib::haresources::HaResources::parse(HARESOURCES).unwrap();
    let opts = cib::haresources::ImportOptions {
        nodes: vec!["node1".into(), "node2".into()],
        ..Default::default()
    };
    let cib = site.to_cib(&opts).unwrap();
    let ops: String = running
        .iter()
        .map(|r| {
            format!(
                r#"<lrm_resource id="{r}" class="ocf" provider="heartbeat" type="IPaddr"><lrm_rsc_op id="{r}_last_0" operation_key="{r}_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:t"/></lrm_resource>"#
            )
        })
        .collect();
    let state = |n: &str, ops: &str| {
        format!(
            r#"<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="{n}"><lrm_resources>{ops}</lrm_resources></lrm></node_state>"#
        )
    };
    cib.to_xml().replace(
        "<status/>",
        &format!(
            "<status>{}{}</status>",
            state("node1", &ops),
            state("node2", "")
        ),
    )
}

fn cl_status(socket: &Path, conf: &Path, cib_file: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cl_status"))
        .args(args)
        .env("HA_API_SOCKET", socket)
        .env("HA_DIR", conf)
        .env("CIB_file", cib_file)
        .env_remove("HA_RESOURCE_MANAGER")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_crm_run_classic_site_answers_from_the_cib() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("ha.cf"),
        "udpport 16973\nbcast lo\nkeepalive 200ms\ndeadtime 1\ninitdead 1\nnode node1 node2\n",
    )
    .unwrap();
    std::fs::write(conf.join("authkeys"), "auth 1\n1 sha1 k\n").unwrap();
    std::fs::set_permissions(
        conf.join("authkeys"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    // No crm line and a haresources file: the CRM runs the site (none of its daemons here).
    std::fs::write(conf.join("haresources"), HARESOURCES).unwrap();
    let opts = Options {
        confdir: conf.display().to_string(),
        nodename: Some("node1".into()),
        rundir: dir.path().join("run"),
        statedir: dir.path().join("state"),
        foreground: true,
        crm_daemons: Some(Vec::new()),
    };
    let socket = opts.socket_path();
    let validated = opts.validate().expect("valid configuration");
    std::thread::spawn(move || daemon::run(validated, &opts));
    let end = Instant::now() + Duration::from_secs(30);
    while Client::connect(&socket, "probe").is_err() {
        assert!(Instant::now() < end, "heartbeat did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let cib = dir.path().join("cib.xml");
    let with = |running: &[&str]| std::fs::write(&cib, cib_with_running_on_node1(running)).unwrap();

    with(&[]);
    assert_eq!(
        cl_status(&socket, &conf, &cib, &["rscstatus"]),
        (0, "none\n".into(), String::new())
    );
    with(&["IPaddr_10_0_0_1", "IPaddr_10_0_0_3"]);
    assert_eq!(
        cl_status(&socket, &conf, &cib, &["rscstatus", "-m"]).1,
        "This node is holding local resources.\n"
    );
    with(&["IPaddr_10_0_0_1", "IPaddr_10_0_0_3", "IPaddr_10_0_0_2"]);
    assert_eq!(cl_status(&socket, &conf, &cib, &["rscstatus"]).1, "all\n");
    with(&["IPaddr_10_0_0_1"]);
    assert_eq!(
        cl_status(&socket, &conf, &cib, &["rscstatus"]).1,
        "transition\n"
    );

    // No CIB to read: Heartbeat's words for a failed query, and its exit code 13.
    let (code, out, err) = cl_status(
        &socket,
        &conf,
        &dir.path().join("nothing.xml"),
        &["rscstatus"],
    );
    assert_eq!((code, out.as_str()), (13, ""));
    assert!(
        err.contains("ERROR: Cannot get cluster resource status"),
        "{err}"
    );
    assert!(err.contains("ERROR: REASON: "), "{err}");
}
