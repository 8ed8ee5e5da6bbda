//! `crm_attribute`, `crm_standby`, `crm_failcount` and `crm_node` on a CIB file: round trips,
//! exit codes, version bumps, and the Pacemaker 2.1.5 `test_tools` transcript cases.
//!
//! The transcript cases run on a shadow CIB that earlier cases (also cibadmin and
//! crm_simulate ones) edited; each case here starts from the "Current cib after" the
//! transcript shows before it, so every case stands alone.

#![cfg(feature = "cib-tools")]

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{shell_words, temp_cib, CORPUS};

const EMPTY: &str = r#"<cib epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
"#;

const TWO_NODES: &str = r#"<cib epoch="4" num_updates="7" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources/>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" crmd="online"/>
    <node_state id="2" uname="node2" crmd="offline"/>
  </status>
</cib>
"#;

fn bin(name: &str) -> PathBuf {
    let exe = match name {
        "crm_attribute" => env!("CARGO_BIN_EXE_crm_attribute"),
        "crm_standby" => env!("CARGO_BIN_EXE_crm_standby"),
        "crm_failcount" => env!("CARGO_BIN_EXE_crm_failcount"),
        "crm_node" => env!("CARGO_BIN_EXE_crm_node"),
        other => panic!("no binary {other}"),
    };
    PathBuf::from(exe)
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cib: &Path, tool: &str, args: &[&str]) -> Out {
    let o = Command::new(bin(tool))
        .args(args)
        .env("CIB_file", cib)
        .output()
        .expect("run tool");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn version(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("read cib");
    let root = cib::xml::parse_element(&text).expect("parse cib");
    (
        root.attr("epoch").unwrap_or_default().to_string(),
        root.attr("num_updates").unwrap_or_default().to_string(),
    )
}

#[test]
fn cluster_option_round_trip_bumps_epoch() {
    let (_d, cib) = temp_cib(EMPTY);
    let q = run(&cib, "crm_attribute", &["-n", "cluster-delay", "-G"]);
    assert_eq!(q.code, 105);
    assert_eq!(
        q.stderr,
        "crm_attribute: Error performing operation: No such device or address\n"
    );
    let s = run(&cib, "crm_attribute", &["-n", "cluster-delay", "-v", "60s"]);
    assert_eq!((s.code, s.stdout.as_str()), (0, ""));
    assert_eq!(version(&cib), ("2".into(), "0".into()));
    let q = run(&cib, "crm_attribute", &["-n", "cluster-delay", "--query"]);
    assert_eq!(q.stdout, "scope=crm_config  name=cluster-delay value=60s\n");
    let q = run(&cib, "crm_attribute", &["-n", "cluster-delay", "-G", "-q"]);
    assert_eq!(q.stdout, "60s\n");
    let d = run(&cib, "crm_attribute", &["-n", "cluster-delay", "-D"]);
    assert_eq!(d.code, 0);
    assert_eq!(
        d.stdout,
        "Deleted crm_config option: id=cib-bootstrap-options-cluster-delay name=cluster-delay\n"
    );
    assert_eq!(version(&cib), ("3".into(), "0".into()));
    let q = run(
        &cib,
        "crm_attribute",
        &["-n", "cluster-delay", "-G", "-d", "5s"],
    );
    assert_eq!(
        (q.code, q.stdout.as_str()),
        (0, "scope=crm_config  name=cluster-delay value=5s\n")
    );
}

#[test]
fn node_attributes_by_lifetime() {
    let (_d, cib) = temp_cib(TWO_NODES);
    let s = run(
        &cib,
        "crm_attribute",
        &["-N", "node1", "-n", "site", "-v", "a", "-l", "forever"],
    );
    assert_eq!(s.code, 0);
    assert_eq!(version(&cib), ("5".into(), "0".into()));
    let s = run(
        &cib,
        "crm_attribute",
        &["-N", "node1", "-n", "site", "-v", "b", "-l", "reboot"],
    );
    assert_eq!(s.code, 0);
    // A status-only change raises num_updates only.
    assert_eq!(version(&cib), ("5".into(), "1".into()));
    let text = std::fs::read_to_string(&cib).expect("read");
    assert!(
        text.contains(r#"<instance_attributes id="nodes-1">"#),
        "{text}"
    );
    assert!(
        text.contains(r#"<nvpair id="status-1-site" name="site" value="b"/>"#),
        "{text}"
    );
    let q = run(
        &cib,
        "crm_attribute",
        &["-N", "node1", "-n", "site", "-G", "-l", "forever"],
    );
    assert_eq!(q.stdout, "scope=nodes  name=site value=a\n");
    let q = run(
        &cib,
        "crm_attribute",
        &["-N", "node1", "-n", "site", "-G", "-l", "reboot", "-q"],
    );
    assert_eq!(q.stdout, "b\n");
    let q = run(&cib, "crm_attribute", &["-N", "nodeX", "-n", "site", "-G"]);
    assert_eq!(q.code, 105);
}

#[test]
fn standby_and_failcount_front_ends() {
    let (_d, cib) = temp_cib(TWO_NODES);
    let q = run(&cib, "crm_standby", &["-N", "node2", "-G"]);
    assert_eq!(
        (q.code, q.stdout.as_str()),
        (0, "scope=status  name=standby value=off\n")
    );
    let s = run(&cib, "crm_standby", &["-N", "node2", "-v", "on"]);
    assert_eq!(s.code, 0);
    let q = run(&cib, "crm_standby", &["-N", "node2", "-G", "-q"]);
    assert_eq!(q.stdout, "on\n");
    let d = run(&cib, "crm_standby", &["-N", "node2", "-D"]);
    assert_eq!(
        d.stdout,
        "Deleted nodes attribute: id=nodes-2-standby name=standby\n"
    );
    for (name, v) in [
        ("fail-count-rsc#monitor_10000", "2"),
        ("fail-count-rsc#start_0", "3"),
    ] {
        let s = run(
            &cib,
            "crm_attribute",
            &["-N", "node1", "-t", "status", "-n", name, "-v", v],
        );
        assert_eq!(s.code, 0, "{}", s.stderr);
    }
    let q = run(&cib, "crm_failcount", &["-G", "-r", "rsc", "-N", "node1"]);
    assert_eq!(q.stdout, "scope=status  name=fail-count-rsc value=5\n");
    let q = run(
        &cib,
        "crm_failcount",
        &[
            "-G", "-r", "rsc", "-N", "node1", "-n", "monitor", "-I", "10s",
        ],
    );
    assert_eq!(
        q.stdout,
        "scope=status  name=fail-count-rsc#monitor_10000 value=2\n"
    );
    let d = run(
        &cib,
        "crm_failcount",
        &["-D", "-r", "rsc", "-N", "node1", "-q"],
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    let q = run(
        &cib,
        "crm_failcount",
        &["-G", "-r", "rsc", "-N", "node1", "-q"],
    );
    assert_eq!(q.stdout, "0\n");
}

#[test]
fn crm_node_from_cib() {
    let (_d, cib) = temp_cib(TWO_NODES);
    let l = run(&cib, "crm_node", &["-l"]);
    assert_eq!(l.stdout, "1 node1 member\n2 node2 lost\n");
    let p = run(&cib, "crm_node", &["-p"]);
    assert_eq!(p.stdout, "node1\n");
    let q = run(&cib, "crm_node", &["-q"]);
    assert_eq!(q.stdout, "1\n");
    let n = run(&cib, "crm_node", &["-N", "2"]);
    assert_eq!(n.stdout, "node2\n");
    let none = Command::new(bin("crm_node"))
        .arg("-l")
        .env_remove("CIB_file")
        .output()
        .expect("run");
    assert_eq!(none.status.code(), Some(102));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let (_d, cib) = temp_cib("<cib><configuration>");
    let q = run(&cib, "crm_attribute", &["-n", "x", "-G"]);
    assert_eq!(q.code, 78, "{}", q.stderr);
    assert!(q.stderr.contains("cib.xml"), "{}", q.stderr);
    let u = run(
        &cib,
        "crm_attribute",
        &["-t", "nodes", "-P", "x", "-D", "-N", "n"],
    );
    assert_eq!(u.code, 64);
}

// ---- transcript cases ----

struct Case {
    desc: String,
    body: String,
    cib_after: Option<String>,
    code: i32,
}

fn transcript(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(Path::new(CORPUS).join(name)).expect("transcript");
    let mut cases = Vec::new();
    let mut cur: Option<Case> = None;
    let mut in_cib = false;
    for line in text.lines() {
        if let Some(d) = line
            .strip_prefix("=#=#=#= Begin test: ")
            .and_then(|l| l.strip_suffix(" =#=#=#="))
        {
            cur = Some(Case {
                desc: d.to_string(),
                body: String::new(),
                cib_after: None,
                code: -1,
            });
            in_cib = false;
        } else if line.starts_with("=#=#=#= Current cib after: ") {
            in_cib = true;
            if let Some(c) = cur.as_mut() {
                c.cib_after = Some(String::new());
            }
        } else if let Some(rest) = line.strip_prefix("=#=#=#= End test: ") {
            if let Some(mut c) = cur.take() {
                let code = rest
                    .rsplit_once('(')
                    .and_then(|(_, r)| r.split_once(')'))
                    .and_then(|(n, _)| n.parse().ok())
                    .unwrap_or(-1);
                c.code = code;
                cases.push(c);
            }
            in_cib = false;
        } else if let Some(c) = cur.as_mut() {
            if in_cib {
                let t = c.cib_after.get_or_insert_with(String::new);
                t.push_str(line);
                t.push('\n');
            } else {
                c.body.push_str(line);
                c.body.push('\n');
            }
        }
    }
    cases
}

/// The commands of one group, in order: (description, command line).
fn commands(group: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(Path::new(CORPUS).join("commands.tsv")).expect("tsv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 3 && f[0] == group).then(|| (f[1].to_string(), f[2].to_string()))
        })
        .collect()
}

/// The CIB as the transcript prints it: only the version attributes on `<cib>`.
fn normalized(text: &str) -> String {
    let mut root = cib::xml::parse_element(text).expect("parse cib");
    let keep = ["epoch", "num_updates", "admin_epoch"];
    root.attrs.retain(|(k, _)| keep.contains(&k.as_str()));
    root.attrs
        .sort_by_key(|(k, _)| keep.iter().position(|x| x == k).unwrap_or(9));
    cib::format::element_to_string(&root)
}

/// Runs every crm_attribute/crm_standby/crm_failcount case; returns the descriptions that
/// match exactly (output, exit code, resulting CIB) and the failures.
fn tool_cases() -> (Vec<String>, Vec<String>) {
    let cases = transcript("regression.tools.exp");
    let cmds = commands("test_tools");
    let mut used = vec![false; cases.len()];
    let mut pass = Vec::new();
    let mut fail = Vec::new();
    let mut shared: Option<(tempfile::TempDir, PathBuf)> = None;
    for (desc, cmd) in cmds {
        let words = shell_words(&cmd);
        let tool = words[0].as_str();
        if !["crm_attribute", "crm_standby", "crm_failcount"].contains(&tool) {
            continue;
        }
        let Some(ci) = (0..cases.len()).find(|&i| !used[i] && cases[i].desc == desc) else {
            continue;
        };
        used[ci] = true;
        // The promotion score cases run in order on one copy of crm_mon.xml.
        let (_d, path) = if desc.contains("promotable score attribute") {
            let p = shared
                .get_or_insert_with(|| {
                    let text = std::fs::read_to_string(Path::new(CORPUS).join("crm_mon.xml"))
                        .expect("crm_mon.xml");
                    temp_cib(&text)
                })
                .1
                .clone();
            (None, p)
        } else {
            let input = (0..ci)
                .rev()
                .find_map(|i| cases[i].cib_after.clone())
                .unwrap_or_else(|| EMPTY.to_string());
            let (d, p) = temp_cib(&input);
            (Some(d), p)
        };
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let out = run(&path, tool, &args);
        let got = format!("{}{}", out.stderr, out.stdout)
            .replace(r#"api-version="2.25""#, r#"api-version="X""#);
        let c = &cases[ci];
        let mut problems = Vec::new();
        if got != c.body {
            problems.push(format!("output:\n{got}--- expected:\n{}", c.body));
        }
        if out.code != c.code {
            problems.push(format!("exit {} expected {}", out.code, c.code));
        }
        if let Some(after) = &c.cib_after {
            let now = normalized(&std::fs::read_to_string(&path).expect("read"));
            if now.trim_end() != after.trim_end() {
                problems.push(format!("cib:\n{now}\n--- expected:\n{after}"));
            }
        }
        if problems.is_empty() {
            pass.push(desc);
        } else {
            fail.push(format!("{desc} [{cmd}]: {}", problems.join("; ")));
        }
    }
    (pass, fail)
}

/// How many of the transcript's crm_attribute/crm_standby/crm_failcount cases there are;
/// all of them must match.
const TOOL_CASES: usize = 43;

#[test]
fn corpus_tools_cases() {
    let (pass, fail) = tool_cases();
    eprintln!("{} tools cases match exactly", pass.len());
    for p in &pass {
        eprintln!("  pass: {p}");
    }
    for f in &fail {
        eprintln!("  differs: {f}");
    }
    assert!(fail.is_empty(), "{} cases differ", fail.len());
    assert_eq!(pass.len(), TOOL_CASES);
}
