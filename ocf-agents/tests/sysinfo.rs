//! SysInfo: the published facts match what the kernel says.

use std::collections::BTreeMap;

use crate::support::*;

fn published(install: &Install, instance: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(install.rsctmp().join(format!("SysInfo-{instance}.state")))
        .expect("state file");
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn facts_match_the_kernel() {
    let install = Install::new();
    let info = install
        .agent("SysInfo", "si")
        .param("disks", "/tmp")
        .param("disk_unit", "M");
    assert_eq!(info.rc("monitor"), OCF_NOT_RUNNING);
    let start = info.call("start");
    assert_eq!(start.code, OCF_SUCCESS);
    // No attribute daemon runs here: the values are printed.
    assert!(
        start.stdout.contains("node attribute cpu_cores="),
        "{start:?}"
    );
    let facts = published(&install, "si");

    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let total_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(facts["ram_total"], (total_kib / 1024).to_string());
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(facts["cpu_cores"], cores.to_string());
    assert_eq!(facts["arch"], std::env::consts::ARCH);
    assert!(facts["os"].starts_with("Linux-"), "{}", facts["os"]);
    assert!(facts["root_free"].ends_with('M'));
    assert!(facts["tmp_free"].ends_with('M'));
    assert!(!facts.contains_key("#health_disk"));

    assert_eq!(info.rc("monitor"), OCF_SUCCESS);
    assert_eq!(info.rc("stop"), OCF_SUCCESS);
    assert_eq!(info.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(info.rc("stop"), OCF_SUCCESS);
}

#[test]
fn disk_health_follows_min_disk_free() {
    let install = Install::new();
    let starved = install.agent("SysInfo", "h1").param("min_disk_free", "1P");
    assert_eq!(starved.rc("start"), OCF_SUCCESS);
    assert_eq!(published(&install, "h1")["#health_disk"], "red");
    let relaxed = install.agent("SysInfo", "h2").param("min_disk_free", "1K");
    assert_eq!(relaxed.rc("start"), OCF_SUCCESS);
    assert_eq!(published(&install, "h2")["#health_disk"], "green");
}

#[test]
fn validation_errors() {
    let install = Install::new();
    let base = install.agent("SysInfo", "sv");
    assert_eq!(base.rc("validate-all"), OCF_SUCCESS);
    let cases = [
        ("disk_unit", "X", OCF_ERR_CONFIGURED),
        ("disk_unit", "GB", OCF_ERR_CONFIGURED),
        ("min_disk_free", "lots", OCF_ERR_CONFIGURED),
        ("disks", "relative/dir", OCF_ERR_CONFIGURED),
        ("delay", "soon", OCF_ERR_CONFIGURED),
        ("disks", "/nonexistent-hbrs", OCF_ERR_ARGS),
    ];
    for (name, value, expected) in cases {
        let reply = base.clone().param(name, value).call("validate-all");
        assert_eq!(reply.code, expected, "{name}={value}: {}", reply.stderr);
    }
}
