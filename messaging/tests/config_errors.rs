//! Each case of `data/heartbeat-config-errors.txt` (observed from the real Heartbeat 3.0.6) is
//! replayed against our daemon: same exit status, and every ERROR line Heartbeat logged appears in
//! ours (with /etc/ha.d/ replaced by the test's directory). The file is the registry of cases; the
//! table below only says how to break the configuration for each title.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::harness::{heartbeat_bin, wait_until, write_conf};

const ORACLE: &str = include_str!("data/heartbeat-config-errors.txt");

/// Heartbeat log lines about its own plugin loader or memory locking: not configuration facts.
const IGNORED: &[&str] = &[
    "LoadPlugin on",
    "Lookup extended",
    "Table size",
    "Cannot lock ourselves",
];

struct Case {
    title: String,
    exit: i32,
    running: bool,
    errors: Vec<String>,
}

fn oracle_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for block in ORACLE.split("\n=== ").skip(1) {
        let title = block.lines().next().unwrap_or_default().trim().to_string();
        let Some(status) = block.lines().find(|l| l.starts_with("exit=")) else {
            continue;
        };
        let Some(log) = block.split("--- ha-log (ERROR/WARN/CRIT lines):\n").nth(1) else {
            continue;
        };
        let exit = status[5..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let errors = log
            .lines()
            .filter_map(|l| l.strip_prefix("ERROR: "))
            .filter(|l| !IGNORED.iter().any(|i| l.starts_with(i)))
            .map(|l| l.strip_prefix("glib: ").unwrap_or(l).to_string())
            .collect();
        cases.push(Case {
            title,
            exit,
            running: status.contains("running=yes"),
            errors,
        });
    }
    cases
}

const BASE_HACF: &str = "udpport 16945\nbcast lo\nkeepalive 1\ndeadtime 10\ninitdead 20\nauto_failback on\nnode node1 node2\n";

fn set(hacf: &str, directive: &str, value: &str) -> String {
    let mut lines: Vec<String> = hacf
        .lines()
        .filter(|l| !l.starts_with(&format!("{directive} ")))
        .map(str::to_string)
        .collect();
    lines.push(format!("{directive} {value}"));
    lines.join("\n") + "\n"
}

/// Breaks a fresh configuration in `dir/conf` the way the case title says.
fn break_config(title: &str, conf: &Path) -> bool {
    let hacf = |text: String| std::fs::write(conf.join("ha.cf"), text).unwrap();
    let chmod = |mode| {
        std::fs::set_permissions(conf.join("authkeys"), std::fs::Permissions::from_mode(mode))
            .unwrap()
    };
    let keys = |text: &str| std::fs::write(conf.join("authkeys"), text).unwrap();
    match title {
        "authkeys mode 644" => chmod(0o644),
        "authkeys mode 640" => chmod(0o640),
        "authkeys missing" => std::fs::remove_file(conf.join("authkeys")).unwrap(),
        "authkeys: auth 2 but only key 1" => keys("auth 2\n1 sha1 secret\n"),
        "this node not in ha.cf (node nodeX instead of node1)" => {
            hacf(BASE_HACF.replace("node node1 node2", "node nodeX node2"))
        }
        "node name in other case (NODE1)" => hacf(BASE_HACF.replace("node1", "NODE1")),
        "haresources names unknown node" => {
            std::fs::write(conf.join("haresources"), "nodeZ 10.0.0.1\n").unwrap()
        }
        "haresources missing" => std::fs::remove_file(conf.join("haresources")).unwrap(),
        "deadtime 4 with keepalive 2" => {
            hacf(set(&set(BASE_HACF, "keepalive", "2"), "deadtime", "4"))
        }
        "initdead 20 < deadtime 30" => {
            hacf(set(&set(BASE_HACF, "deadtime", "30"), "initdead", "20"))
        }
        "keepalive 0" => hacf(set(BASE_HACF, "keepalive", "0")),
        "warntime 0" => hacf(set(BASE_HACF, "warntime", "0")),
        "keepalive two" => hacf(set(BASE_HACF, "keepalive", "two")),
        "unknown directive" => hacf(set(BASE_HACF, "bogusdirective", "on")),
        "ucast on a missing interface eth9" => {
            hacf(BASE_HACF.replace("bcast lo", "ucast eth9 10.9.9.9"))
        }
        "no media line" => hacf(BASE_HACF.replace("bcast lo\n", "")),
        "udpport after the media line" => {
            hacf(BASE_HACF.replace("udpport 16945\nbcast lo\n", "bcast lo\nudpport 16945\n"))
        }
        "auto_failback maybe" => hacf(set(BASE_HACF, "auto_failback", "maybe")),
        "ha.cf missing" => std::fs::remove_file(conf.join("ha.cf")).unwrap(),
        "valid tutorial config (reference)" => {}
        _ => return false,
    }
    true
}

struct Run {
    output: Output,
    started: bool,
}

fn run_heartbeat(dir: &Path) -> Run {
    let confdir = format!("{}/", dir.join("conf").display());
    let rundir = dir.join("run");
    let mut child = Command::new(heartbeat_bin())
        .args(["-f", "-n", "node1", "-c", &confdir, "--rundir"])
        .arg(&rundir)
        .arg("--statedir")
        .arg(dir.join("state"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn heartbeat");
    let sock = rundir.join("api.sock");
    let started = wait_until(Duration::from_secs(3), || {
        sock.exists() || child.try_wait().ok().flatten().is_some()
    }) && sock.exists();
    if started {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
    Run {
        output: child.wait_with_output().expect("wait"),
        started,
    }
}

fn our_errors(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.split_once("]: ERROR: ").map(|(_, m)| m.to_string()))
        .collect()
}

#[test]
fn every_heartbeat_config_mistake_is_reported_like_heartbeat() {
    let cases = oracle_cases();
    assert!(cases.len() >= 20, "oracle has {} cases", cases.len());
    let mut checked = 0;
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        write_conf(dir.path(), BASE_HACF, "auth 1\n1 sha1 secret\n");
        if !break_config(&case.title, &dir.path().join("conf")) {
            continue;
        }
        checked += 1;
        let run = run_heartbeat(dir.path());
        let stderr = String::from_utf8_lossy(&run.output.stderr).to_string();
        let ours = our_errors(&stderr);
        let confdir = format!("{}/", dir.path().join("conf").display());
        for want in &case.errors {
            let want = want.replace("/etc/ha.d/", &confdir);
            assert!(
                ours.contains(&want),
                "[{}] missing ERROR line {want:?}; we said:\n{stderr}",
                case.title
            );
        }
        assert_eq!(
            run.started, case.running,
            "[{}] started={} but Heartbeat running={}:\n{stderr}",
            case.title, run.started, case.running
        );
        let code = run.output.status.code().unwrap_or(-1);
        // Heartbeat reports 0 for a medium that fails after it has detached; we fail before
        // detaching and say so with status 1.
        let expected = if case.title == "ucast on a missing interface eth9" {
            1
        } else {
            case.exit
        };
        assert_eq!(
            code, expected,
            "[{}] exit status; stderr:\n{stderr}",
            case.title
        );
        if case
            .errors
            .iter()
            .any(|e| e.contains("configuration error") || e.contains("Configuration error"))
        {
            assert!(
                ours.last()
                    .is_some_and(|l| l == "Configuration error, heartbeat not started."),
                "[{}]",
                case.title
            );
        }
    }
    assert!(checked >= 19, "only {checked} cases mapped");
}

#[test]
fn bad_value_names_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    write_conf(
        dir.path(),
        &set(BASE_HACF, "keepalive", "two"),
        "auth 1\n1 sha1 secret\n",
    );
    let run = run_heartbeat(dir.path());
    let errors = our_errors(&String::from_utf8_lossy(&run.output.stderr));
    assert!(
        errors[0].starts_with("Invalid time value in ")
            && errors[0].ends_with("ha.cf line 7: keepalive two"),
        "{errors:?}"
    );
}

#[test]
fn unknown_auth_method_is_rejected_but_sha256_and_sha512_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    write_conf(dir.path(), BASE_HACF, "auth 1\n1 sha3 secret\n");
    let run = run_heartbeat(dir.path());
    let errors = our_errors(&String::from_utf8_lossy(&run.output.stderr));
    let keyfile = format!("{}//authkeys", dir.path().join("conf").display());
    assert_eq!(
        errors,
        vec![
            "Invalid authtype [sha3]".to_string(),
            format!("Auth Key [1] not found in keyfile [{keyfile}]"),
            "Authentication configuration error.".into(),
            "Configuration error, heartbeat not started.".into(),
        ]
    );
    assert_eq!(run.output.status.code(), Some(6));
    for method in ["sha256", "sha512"] {
        let dir = tempfile::tempdir().unwrap();
        write_conf(
            dir.path(),
            BASE_HACF,
            &format!("auth 3\n3 {method} secret\n"),
        );
        assert!(run_heartbeat(dir.path()).started, "{method} refused");
    }
}

#[test]
fn control_flags_status_kill_and_double_start() {
    let dir = tempfile::tempdir().unwrap();
    write_conf(dir.path(), BASE_HACF, "auth 1\n1 sha1 secret\n");
    let confdir = format!("{}/", dir.path().join("conf").display());
    let rundir = dir.path().join("run");
    let hb = |extra: &[&str]| {
        let mut c = Command::new(heartbeat_bin());
        c.args(["-n", "node1", "-c", &confdir, "--rundir"])
            .arg(&rundir)
            .arg("--statedir")
            .arg(dir.path().join("state"))
            .args(extra);
        c
    };
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };

    let o = hb(&["-k"]).output().unwrap();
    assert_eq!(
        (o.status.code(), text(&o).trim()),
        (Some(0), "INFO: Heartbeat already stopped.")
    );
    let o = hb(&["-s"]).output().unwrap();
    assert_eq!(
        (o.status.code(), text(&o).trim()),
        (Some(1), "heartbeat is stopped. No process")
    );

    let mut daemon = hb(&["-f"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_until(Duration::from_secs(5), || rundir
        .join("api.sock")
        .exists()));
    let pid = daemon.id();
    let o = hb(&["-s"]).output().unwrap();
    assert_eq!(
        (o.status.code(), text(&o).trim().to_string()),
        (
            Some(0),
            format!("heartbeat OK [pid {pid} et al] is running on node1 [node1]...")
        )
    );
    let o = hb(&[]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o).contains(&format!("info: heartbeat: already running [pid {pid}].")),
        "{}",
        text(&o)
    );
    let o = hb(&["-k"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(daemon.wait().unwrap().success());
    let o = hb(&["-s"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
}

/// Every directive of Heartbeat 3.0.6's table, with a valid value, in one file: heartbeat starts,
/// and the ones it does not act on are named in a warning.
#[test]
fn every_heartbeat_directive_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let all = format!(
        "{BASE_HACF}warntime 5\ndeadping 10\nbaud 19200\nhopfudge 1\nlogfacility local0\nlogfile {d}/ha-log\n\
         debugfile {d}/ha-debug\nuse_logd no\nconn_logd_time 60\ndebug 0\nrealtime yes\nrtprio 5\n\
         watchdog /nonexistent/watchdog\nhbgenmethod file\nmsgfmt classic\nlog_badpack true\nsyslogmsgfmt false\n\
         coredumps true\ncoreroot /var/lib/heartbeat/cores\nuse_apphbd no\n\
         apiauth mytool uid=root gid=root\nrespawn root /bin/true\ncrm respawn\ncrm_daemon_dir {d}\n\
         crmd_spawns_pengine on\nautojoin none\nuuidfrom nodename\ncompression bz2\n\
         compression_threshold 2\ntraditional_compression off\nmax_rexmit_delay 250\nenv logpriority=debug\n\
         record_config_changes on\nrecord_pengine_inputs on\nenable_config_writes on\nmemreserve 6500\n\
         cluster linux-ha\nquorum_server qs.example\nping 127.0.0.1\nping_group grp 127.0.0.1\nping6 ::1\n\
         hbaping fc0\nstonith baytech /etc/ha.d/conf/stonith.baytech\nstonith_host * null node2\n\
         mcast6 lo ff12::1:2:3:4 694 1 0\nucast6 lo ::1\nnice_failback off\nudp lo\nnormalpoll 1\n",
        d = dir.path().display()
    );
    write_conf(dir.path(), &all, "auth 1\n1 sha1 secret\n");
    let confdir = format!("{}/", dir.path().join("conf").display());
    let rundir = dir.path().join("run");
    let child = Command::new(heartbeat_bin())
        .args([
            "-f",
            "-n",
            "node1",
            "-c",
            &confdir,
            "--crm-daemons",
            "",
            "--rundir",
        ])
        .arg(&rundir)
        .arg("--statedir")
        .arg(dir.path().join("state"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = wait_until(Duration::from_secs(5), || rundir.join("api.sock").exists());
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        started,
        "heartbeat refused the full directive set:\n{stderr}"
    );
    for inert in ["compression", "mcast6", "stonith_host", "hbaping"] {
        assert!(
            stderr.contains(&format!("directive '{inert}' is accepted but not acted on")),
            "no warning for {inert}:\n{stderr}"
        );
    }
    // A watchdog that cannot be opened is reported and heartbeat runs without it, as Heartbeat.
    assert!(
        stderr.contains("cannot open watchdog device /nonexistent/watchdog"),
        "{stderr}"
    );
    assert!(
        stderr.contains("directive 'udp' replaced by 'bcast'"),
        "{stderr}"
    );
}

/// The command line is read as getopt does (Heartbeat's forms): a mistake prints getopt's
/// message and the usage and exits 64 without starting anything; `-V` is the version.
#[test]
fn command_line_mistakes_get_usage_and_64() {
    let run = |args: &[&str]| {
        Command::new(heartbeat_bin())
            .args(args)
            .env_remove("HA_DIR")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    for (args, first_line) in [
        (&["--bogus"][..], "heartbeat: unrecognized option '--bogus'"),
        (&["-fZ"][..], "heartbeat: invalid option -- 'Z'"),
        (&["-c"][..], "heartbeat: option requires an argument -- 'c'"),
        (
            &["--rundir"][..],
            "heartbeat: option '--rundir' requires an argument",
        ),
        (
            &["-f", "extra"][..],
            "heartbeat: unexpected argument 'extra'",
        ),
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {err}");
        assert_eq!(err.lines().next(), Some(first_line), "{args:?}");
        assert!(err.contains("Usage: heartbeat"), "{args:?}");
    }
    let out = run(&["-V"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "heartbeat 3.0.6\n");
    // Abbreviated long options work as with getopt_long.
    let out = run(&["--vers"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "heartbeat 3.0.6\n");
    let out = run(&["--he"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--crm-daemons LIST"));
}
