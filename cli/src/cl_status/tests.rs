//! cl_status against a real heartbeat daemon (in-process, loopback only), checked against the
//! output and exit codes of Heartbeat 3.0.6's cl_status for the same situations.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use messaging::client::Client;
use messaging::daemon::{self, Options};

use super::{run, Env};

struct Daemon {
    env: Env,
    _dir: tempfile::TempDir,
}

/// One heartbeat for all tests: node `hbreal`, a configured but absent `peer`, ping node 127.0.0.1.
fn daemon() -> &'static Daemon {
    static D: OnceLock<Daemon> = OnceLock::new();
    D.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("conf");
        std::fs::create_dir_all(&conf).unwrap();
        std::fs::write(
            conf.join("ha.cf"),
            "udpport 16970\nbcast lo\nkeepalive 200ms\ndeadtime 1\ninitdead 1\nnode hbreal peer\nping 127.0.0.1\n",
        )
        .unwrap();
        std::fs::write(conf.join("authkeys"), "auth 1\n1 sha1 k\n").unwrap();
        std::fs::set_permissions(conf.join("authkeys"), std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(conf.join("haresources"), "").unwrap();
        let opts = Options {
            confdir: conf.display().to_string(),
            nodename: Some("hbreal".into()),
            rundir: dir.path().join("run"),
            statedir: dir.path().join("state"),
            foreground: true,
            crm_daemons: None,
        };
        let env = Env { socket: opts.socket_path() };
        let validated = opts.validate().expect("valid configuration");
        std::thread::spawn(move || daemon::run(validated, &opts));
        // Wait until initdead has passed, so `peer` is dead and the ping node answered.
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = Client::connect(&env.socket, "anon")
                .and_then(|mut c| Ok((c.node_status("peer")?, c.node_status("127.0.0.1")?)))
                .is_ok_and(|(p, q)| p.as_str() == "dead" && q.as_str() == "ping");
            if ready {
                break;
            }
            assert!(Instant::now() < end, "heartbeat did not settle");
            std::thread::sleep(Duration::from_millis(50));
        }
        Daemon { env, _dir: dir }
    })
}

fn root() -> bool {
    let uid = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("Uid:")
                .map(|r| r.split_whitespace().next().unwrap_or("1").to_string())
        });
    if uid.as_deref() == Some("0") {
        return true;
    }
    eprintln!("SKIP cl_status tests: need root (SO_BINDTODEVICE, raw ICMP)");
    false
}

/// Runs cl_status; returns (exit code, stdout, stderr messages without the log prefix).
fn cl(args: &str, env: &Env) -> (i32, String, Vec<String>) {
    let args: Vec<String> = args.split_whitespace().map(str::to_string).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(&args, env, &mut out, &mut err);
    let err = String::from_utf8(err).unwrap();
    let msgs = err
        .lines()
        .map(|l| l.split_once("]: ").map_or(l, |(_, m)| m).to_string())
        .collect();
    (code, String::from_utf8(out).unwrap(), msgs)
}

#[track_caller]
fn check(args: &str, code: i32, stdout: &str, stderr: &[&str]) {
    if !root() {
        return;
    }
    let env = &daemon().env;
    let (c, out, err) = cl(args, env);
    assert_eq!(
        (
            c,
            out.as_str(),
            err.iter().map(String::as_str).collect::<Vec<_>>()
        ),
        (code, stdout, stderr.to_vec()),
        "cl_status {args}"
    );
}

#[test]
fn status_and_node_lists() {
    check(
        "hbstatus",
        0,
        "Heartbeat is running on this machine.\n",
        &[],
    );
    check("listnodes", 0, "127.0.0.1\npeer\nhbreal\n", &[]);
    check("listnodes -p", 0, "127.0.0.1\n", &[]);
    check("listnodes -n", 0, "peer\nhbreal\n", &[]);
    check(
        "listnodes -v",
        0,
        "\n127.0.0.1\tping\t(nodetype: ping)\n\t127.0.0.1\tup\n\npeer\tdead\t(nodetype: normal)\n\tlo\tdead\n\nhbreal\tactive\t(nodetype: normal)\n\tlo\tup\n",
        &[],
    );
}

#[test]
fn verbose_status() {
    let nodes = "\n127.0.0.1\tping\t(nodetype: ping)\n\t127.0.0.1\tup\n\npeer\tdead\t(nodetype: normal)\n\tlo\tdead\n\nhbreal\tactive\t(nodetype: normal)\n\tlo\tup\n";
    let expected = format!(
        "version:\t3.0.6 (heartbeat-rs {})\nmanaged by:\t\"haresources\"\n{nodes}",
        env!("CARGO_PKG_VERSION")
    );
    check("hbstatus -v", 0, &expected, &[]);
}

#[test]
fn node_status_and_type() {
    check("nodestatus hbreal", 0, "active\n", &[]);
    check("nodestatus peer", 1, "dead\n", &[]);
    check("nodestatus 127.0.0.1", 0, "ping\n", &[]);
    check(
        "nodestatus -m hbreal",
        0,
        "The cluster node hbreal is active\n",
        &[],
    );
    check(
        "nodestatus nosuch",
        11,
        "",
        &["Error. May be due to incorrect node name"],
    );
    check("nodetype hbreal", 0, "normal\n", &[]);
    check("nodetype 127.0.0.1", 0, "ping\n", &[]);
    check("nodetype -m peer", 0, "The node peer's type: normal\n", &[]);
    check("nodestatus", 11, "", &["Not enough parameters."]);
}

#[test]
fn links() {
    check("listhblinks peer", 0, "\tlo\n", &[]);
    check("listhblinks -v peer", 0, "\tlo\tdead\n", &[]);
    check(
        "listhblinks -m peer",
        0,
        "\tthis node has the following heartbeat links:\n\tlo\n",
        &[],
    );
    check(
        "listhblinks nosuch",
        13,
        "",
        &[
            "ERROR: Cannot start heartbeat link interface walk.",
            "ERROR: REASON: EINVAL",
        ],
    );
    check("hblinkstatus hbreal lo", 0, "up\n", &[]);
    check("hblinkstatus peer lo", 1, "dead\n", &[]);
    check(
        "hblinkstatus -m peer lo",
        1,
        "The node peer's heartbeat link lo is dead\n",
        &[],
    );
    check(
        "hblinkstatus peer eth7",
        13,
        "",
        &["ERROR: Cannot get heartbeat link status", "ERROR: REASON: "],
    );
}

#[test]
fn clients_resources_parameters() {
    check("clientstatus hbreal foo", 1, "offline\n", &[]);
    check("clientstatus peer foo", 1, "offline\n", &[]);
    check(
        "clientstatus nosuch foo",
        13,
        "",
        &[
            "ERROR: Cannot get heartbeat client foo's status",
            "ERROR: REASON: No timely response.",
        ],
    );
    if root() {
        let _held = Client::connect(&daemon().env.socket, "someclient").unwrap();
        check("clientstatus hbreal someclient 500", 0, "online\n", &[]);
    }
    check("rscstatus", 0, "none\n", &[]);
    check(
        "rscstatus -m",
        0,
        "This node is holding none resources.\n",
        &[],
    );
    check("hbparameter -p keepalive", 0, "200ms\n", &[]);
    check("hbparameter -p warntime", 0, "500ms\n", &[]);
    check(
        "hbparameter -m -p udpport",
        0,
        "Heartbeat parameter udpport's value: 16970\n",
        &[],
    );
    check(
        "hbparameter -p nosuch",
        1,
        "",
        &[
            "ERROR: Cannot get parameter nosuch's value",
            "ERROR: REASON: ",
        ],
    );
    check("bogus", 11, "", &["ERROR: bogus: invalid sub-command."]);
}

#[test]
fn stopped_heartbeat() {
    let env = Env {
        socket: "/nonexistent/api.sock".into(),
    };
    let (c, out, _) = cl("hbstatus", &env);
    assert_eq!(
        (c, out.as_str()),
        (1, "Heartbeat is stopped on this machine.\n")
    );
    let (c, _, err) = cl("listnodes", &env);
    assert_eq!(c, 1);
    assert_eq!(
        err,
        vec![
            "ERROR: Cannot signon with heartbeat",
            "ERROR: REASON: hb_api_signon: Can't initiate connection to heartbeat"
        ]
    );
}
