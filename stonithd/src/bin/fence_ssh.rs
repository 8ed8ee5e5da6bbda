//! `fence_ssh`: fencing for small sites of real hosts without a power switch: log in over SSH
//! and power the node off (or reboot it) hard, then confirm it stopped answering. The `fence_*`
//! interface: `key=value` lines on stdin with `action`, `port`/`plug`/`nodename` (the host),
//! `login` (default root), `identity_file`, `ssh_options` and `power_timeout` (seconds, default
//! 30). Only as good as SSH: a hung host that still answers cannot be fenced this way, which is
//! reported, never assumed.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const METADATA: &str = r#"<?xml version="1.0" ?>
<resource-agent name="fence_ssh" shortdesc="Fence agent that powers hosts off over SSH">
<longdesc>Logs in to the node over SSH and runs poweroff -f or reboot -f, then waits until the node stops answering.</longdesc>
<parameters>
  <parameter name="action" unique="0" required="1"><getopt mixed="-o, --action=[action]"/><content type="string" default="reboot"/><shortdesc lang="en">Fencing action</shortdesc></parameter>
  <parameter name="port" unique="0" required="0"><getopt mixed="-n, --plug=[host]"/><content type="string"/><shortdesc lang="en">Host to fence</shortdesc></parameter>
  <parameter name="login" unique="0" required="0"><getopt mixed="-l, --username=[name]"/><content type="string" default="root"/><shortdesc lang="en">Login name</shortdesc></parameter>
  <parameter name="identity_file" unique="0" required="0"><getopt mixed="-k, --identity-file=[file]"/><content type="string"/><shortdesc lang="en">SSH private key</shortdesc></parameter>
  <parameter name="ssh_options" unique="0" required="0"><content type="string"/><shortdesc lang="en">Extra ssh options</shortdesc></parameter>
  <parameter name="power_timeout" unique="0" required="0"><getopt mixed="--power-timeout=[seconds]"/><content type="second" default="30"/><shortdesc lang="en">How long to wait for the host to go down</shortdesc></parameter>
</parameters>
<actions><action name="on"/><action name="off"/><action name="reboot"/><action name="status"/><action name="monitor"/><action name="metadata"/></actions>
</resource-agent>
"#;

/// `ssh` with batch options and the host's command; `Some(exit code)` if it ran.
fn ssh(
    opts: &BTreeMap<String, String>,
    host: &str,
    remote: &str,
    timeout: Duration,
) -> Option<i32> {
    let mut cmd = Command::new("ssh");
    cmd.args([
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        "-o",
        "StrictHostKeyChecking=accept-new",
    ]);
    if let Some(k) = opts.get("identity_file") {
        cmd.args(["-i", k]);
    }
    if let Some(extra) = opts.get("ssh_options") {
        cmd.args(extra.split_whitespace());
    }
    let login = opts.get("login").map(String::as_str).unwrap_or("root");
    cmd.arg(format!("{login}@{host}")).arg(remote);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().ok()?;
    let end = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return Some(st.code().unwrap_or(-1)),
            Ok(None) if Instant::now() >= end => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => return None,
        }
    }
}

fn answers(opts: &BTreeMap<String, String>, host: &str) -> bool {
    ssh(opts, host, "true", Duration::from_secs(8)) == Some(0)
}

fn main() -> ExitCode {
    let mut input = String::new();
    let _ = std::io::stdin().read_to_string(&mut input);
    let opts: BTreeMap<String, String> = input
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let action = opts.get("action").map(String::as_str).unwrap_or("reboot");
    if action == "metadata" {
        print!("{METADATA}");
        return ExitCode::SUCCESS;
    }
    if action == "monitor" {
        return ExitCode::SUCCESS;
    }
    let Some(host) = opts
        .get("port")
        .or_else(|| opts.get("plug"))
        .or_else(|| opts.get("nodename"))
        .cloned()
    else {
        eprintln!("fence_ssh: no host given (port, plug or nodename)");
        return ExitCode::from(1);
    };
    match action {
        "off" | "reboot" => {
            let remote = if action == "off" {
                "poweroff -f"
            } else {
                "reboot -f"
            };
            // A host we cannot reach now is one we cannot switch off: its silence afterwards
            // would prove nothing (a partition looks the same), so that is a failure.
            if !answers(&opts, &host) {
                eprintln!("fence_ssh: cannot reach {host}; it was not fenced");
                return ExitCode::from(1);
            }
            // The connection usually dies with the host: its exit status says nothing.
            let _ = ssh(&opts, &host, remote, Duration::from_secs(10));
            let wait = opts
                .get("power_timeout")
                .and_then(|v| v.parse().ok())
                .unwrap_or(30u64);
            let end = Instant::now() + Duration::from_secs(wait);
            while Instant::now() < end {
                if !answers(&opts, &host) {
                    println!("Success: {host} {action}");
                    return ExitCode::SUCCESS;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            eprintln!("fence_ssh: {host} still answers after {action} ({wait} s)");
            ExitCode::from(1)
        }
        "status" => {
            if answers(&opts, &host) {
                println!("Status: ON");
                ExitCode::SUCCESS
            } else {
                println!("Status: OFF");
                ExitCode::from(2)
            }
        }
        // A powered-off host cannot be switched on over SSH.
        "on" => {
            eprintln!("fence_ssh: cannot power {host} on over SSH");
            ExitCode::from(1)
        }
        other => {
            eprintln!("fence_ssh: unsupported action {other}");
            ExitCode::from(1)
        }
    }
}
