//! haresources2cib on real files: the classic site becomes a CIB that our crm_verify accepts.

use std::process::Command;

fn write_site(dir: &std::path::Path, auto_failback: &str, haresources: &str) {
    std::fs::write(
        dir.join("ha.cf"),
        format!("keepalive 1\ndeadtime 10\nudpport 694\nucast eth1 10.0.0.2\nauto_failback {auto_failback}\nnode node1\nnode node2\n"),
    )
    .unwrap();
    std::fs::write(dir.join("haresources"), haresources).unwrap();
}

fn import(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_haresources2cib"))
        .arg("-c")
        .arg(dir.join("ha.cf"))
        .args(extra)
        .arg(dir.join("haresources"))
        .output()
        .unwrap()
}

#[test]
fn classic_site_imports_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    write_site(dir.path(), "on", "node1 IPaddr::10.0.0.5/24/eth0 nginx\n");
    let out = import(
        dir.path(),
        &["-o", dir.path().join("cib.xml").to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cib = cib::Document::parse(&std::fs::read_to_string(dir.path().join("cib.xml")).unwrap())
        .unwrap();
    let group = cib.root.find_by_id("group_1").expect("one group per line");
    let ids: Vec<_> = group
        .children_named("primitive")
        .map(|p| p.id().unwrap())
        .collect();
    assert_eq!(ids, ["IPaddr_10_0_0_5", "nginx"]);
    let nodes: Vec<_> = cib
        .root
        .descendants()
        .into_iter()
        .filter(|e| e.name == "node")
        .map(|n| n.attr("uname").unwrap())
        .collect();
    assert_eq!(nodes, ["node1", "node2"]);
    let verify = Command::new(env!("CARGO_BIN_EXE_crm_verify"))
        .arg("-x")
        .arg(dir.path().join("cib.xml"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "crm_verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // Heartbeat's importer never overwrote an existing CIB.
    let again = import(
        dir.path(),
        &["-o", dir.path().join("cib.xml").to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(73));
}

#[test]
fn auto_failback_off_and_bad_node() {
    let dir = tempfile::tempdir().unwrap();
    write_site(dir.path(), "off", "node2 10.0.0.7\n");
    let out = import(dir.path(), &["--stdout"]);
    assert!(out.status.success());
    let cib = cib::Document::parse(std::str::from_utf8(&out.stdout).unwrap()).unwrap();
    let stickiness = cib
        .root
        .find_by_id("rsc-options-resource-stickiness")
        .unwrap();
    assert_eq!(stickiness.attr("value"), Some("INFINITY"));

    write_site(dir.path(), "on", "# comment\nnode3 10.0.0.7\n");
    let out = import(dir.path(), &["--stdout"]);
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2: Bad nodename in haresources [node3]"),
        "{err}"
    );
}

/// Every kind of bad line is an error naming the file and the line, and nothing is written.
#[test]
fn bad_lines_are_errors_naming_file_and_line() {
    let cases = [
        (
            "node1 10.0.0.300/24\n",
            "line 1: bad IP address specification 10.0.0.300/24",
        ),
        (
            "node1 10.0.0.7/40/eth0\n",
            "line 1: bad IP address specification 10.0.0.7/40/eth0",
        ),
        (
            "node1 IPaddr::10.0.0/24\n",
            "line 1: bad IP address specification 10.0.0/24",
        ),
        (
            "node1 10.0.0\n",
            "line 1: bad IP address specification 10.0.0",
        ),
        (
            "\n\nnode1 /tmp/x.sh\n",
            "line 3: bad resource [/tmp/x.sh]: invalid type '/tmp/x.sh'",
        ),
        ("node1 ../evil\n", "line 1: bad resource [../evil]"),
        (
            "node1 IPaddr:10.0.0.7\n",
            "line 1: bad resource [IPaddr:10.0.0.7]: arguments are separated by '::'",
        ),
        (
            "node1 Filesystem::::/data\n",
            "line 1: bad resource [Filesystem::::/data]: empty argument",
        ),
        (
            "node1 10.0.0.7\nnode1\n",
            "line 2: no resources listed for node node1",
        ),
    ];
    for (text, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        write_site(dir.path(), "on", text);
        let target = dir.path().join("cib.xml");
        let out = import(dir.path(), &["-o", target.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(78), "{text:?}: {err}");
        let file = dir.path().join("haresources");
        assert!(
            err.contains(&format!("{}: {want}", file.display())),
            "{text:?}: {err}"
        );
        assert!(!target.exists(), "{text:?}: nothing may be imported");
    }
}
