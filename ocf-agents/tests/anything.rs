//! anything: a daemon from a command line, tracked by its pid file.

use std::path::Path;

use crate::support::*;

fn pid_of(pidfile: &Path) -> i32 {
    std::fs::read_to_string(pidfile)
        .expect("pid file")
        .trim()
        .parse()
        .unwrap()
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit_once(')').unwrap().1.trim_start().starts_with('Z'))
        .unwrap_or(false)
}

#[test]
fn runs_and_stops_a_daemon() {
    let install = Install::new();
    let pidfile = install.root().join("sleeper.pid");
    let any = install
        .agent("anything", "any1")
        .param("binfile", "sleep")
        .param("cmdline_options", "600")
        .param("pidfile", pidfile.to_str().unwrap());
    assert_eq!(any.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(any.rc("start"), OCF_SUCCESS);
    let pid = pid_of(&pidfile);
    assert!(alive(pid));
    let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap();
    assert_eq!(cmdline, "sleep\x00600\x00");
    assert_eq!(any.rc("monitor"), OCF_SUCCESS);
    assert_eq!(any.rc("start"), OCF_SUCCESS);
    assert_eq!(pid_of(&pidfile), pid, "a second start must not spawn again");
    assert_eq!(any.rc("stop"), OCF_SUCCESS);
    assert!(!alive(pid));
    assert!(!pidfile.exists());
    assert_eq!(any.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(any.rc("stop"), OCF_SUCCESS);
}

#[test]
fn a_dead_daemon_is_not_running() {
    let install = Install::new();
    let any = install
        .agent("anything", "any2")
        .param("binfile", "sleep")
        .param("cmdline_options", "600");
    assert_eq!(any.rc("start"), OCF_SUCCESS);
    let pid = pid_of(&install.rsctmp().join("anything-any2.pid"));
    run_ok("kill", &["-KILL", &pid.to_string()]);
    assert!(eventually(5.0, || !alive(pid)));
    assert_eq!(any.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(any.rc("stop"), OCF_SUCCESS);
}

#[test]
fn output_goes_to_the_log_file() {
    let install = Install::new();
    let log = install.root().join("daemon.log");
    let any = install
        .agent("anything", "any3")
        .param("binfile", "/bin/sh")
        .param(
            "cmdline_options",
            "-c 'echo hello from the daemon; exec sleep 600'",
        )
        .param("logfile", log.to_str().unwrap());
    assert_eq!(any.rc("start"), OCF_SUCCESS);
    assert!(eventually(5.0, || std::fs::read_to_string(&log)
        .is_ok_and(|t| t.contains("hello from the daemon"))));
    // The shell exec'd sleep: still the same daemon as far as monitor and stop go.
    let pid = pid_of(&install.rsctmp().join("anything-any3.pid"));
    assert_eq!(any.rc("monitor"), OCF_SUCCESS);
    assert_eq!(any.rc("stop"), OCF_SUCCESS);
    assert!(!alive(pid));
}

#[test]
fn stop_escalates_to_sigkill() {
    let install = Install::new();
    let any = install
        .agent("anything", "any4")
        .param("binfile", "/bin/sh")
        .param(
            "cmdline_options",
            "-c 'trap \"\" TERM; while :; do sleep 0.1; done'",
        )
        .param("stop_timeout", "0.5");
    assert_eq!(any.rc("start"), OCF_SUCCESS);
    let pid = pid_of(&install.rsctmp().join("anything-any4.pid"));
    assert_eq!(any.rc("stop"), OCF_SUCCESS);
    assert!(!alive(pid));
}

#[test]
fn monitor_hook_and_failed_starts() {
    let install = Install::new();
    let hooked = install
        .agent("anything", "any5")
        .param("binfile", "sleep")
        .param("cmdline_options", "600")
        .param("monitor_hook", "exit 3");
    assert_eq!(hooked.rc("start"), OCF_SUCCESS);
    assert_eq!(hooked.rc("monitor"), OCF_ERR_GENERIC);
    assert_eq!(hooked.rc("stop"), OCF_SUCCESS);

    let quitter = install.agent("anything", "any6").param("binfile", "false");
    let reply = quitter.call("start");
    assert_eq!(reply.code, OCF_ERR_GENERIC);
    assert!(reply.stderr.contains("exited at once"), "{reply:?}");
    assert_eq!(quitter.rc("monitor"), OCF_NOT_RUNNING);
}

#[test]
fn validation_errors() {
    let install = Install::new();
    let missing = install
        .agent("anything", "av")
        .param("binfile", "/nonexistent/hbrs-daemon");
    assert_eq!(missing.rc("validate-all"), OCF_ERR_INSTALLED);
    assert_eq!(
        missing.rc("monitor"),
        OCF_NOT_RUNNING,
        "a probe must not fail"
    );
    let unset = install.agent("anything", "av");
    assert_eq!(unset.rc("validate-all"), OCF_ERR_CONFIGURED);
    let relative = install
        .agent("anything", "av")
        .param("binfile", "sleep")
        .param("pidfile", "x.pid");
    assert_eq!(relative.rc("validate-all"), OCF_ERR_CONFIGURED);
    let nobody = install
        .agent("anything", "av")
        .param("binfile", "sleep")
        .param("user", "no-such-user-hbrs");
    assert_eq!(nobody.rc("validate-all"), OCF_ERR_ARGS);
}

#[test]
fn a_reused_pid_is_not_the_daemon() {
    let install = Install::new();
    let pidfile = install.root().join("stale.pid");
    // A live process that started after the pid file was written cannot be our daemon.
    let mut other = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .unwrap();
    std::fs::write(&pidfile, format!("{}\n", other.id())).unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&pidfile)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let any = install
        .agent("anything", "any7")
        .param("binfile", "sleep")
        .param("pidfile", pidfile.to_str().unwrap());
    assert_eq!(any.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(any.rc("stop"), OCF_SUCCESS);
    assert!(
        other.try_wait().unwrap().is_none(),
        "stop must not kill a stranger"
    );
    other.kill().unwrap();
    other.wait().unwrap();
}
