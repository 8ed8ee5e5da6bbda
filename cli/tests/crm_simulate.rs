//! crm_simulate as a process: graph output, summary, scores, explain, and exit codes.
#![cfg(feature = "simulate")]

use std::path::PathBuf;
use std::process::Command;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_crm_simulate"))
}

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        });
    dir.join("xml").is_dir().then_some(dir)
}

const SIMPLE: &str = r#"<cib have-quorum="true" validate-with="pacemaker-3.0">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="node1"/><node id="n2" uname="node2"/></nodes>
    <resources><primitive id="web" class="ocf" provider="heartbeat" type="apache"/></resources>
    <constraints><rsc_location id="prefer-n2" rsc="web" node="node2" score="50"/></constraints>
  </configuration>
  <status>
    <node_state id="n1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="n2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>"#;

#[test]
fn writes_the_graph_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let cib = dir.path().join("cib.xml");
    std::fs::write(&cib, SIMPLE).unwrap();
    let graph = dir.path().join("graph.xml");
    let out = Command::new(bin())
        .arg("-x")
        .arg(&cib)
        .arg("-G")
        .arg(&graph)
        .arg("-S")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Transition Summary:\n  * Start      web     ( node2 )"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  * Resource action: web             start on node2"),
        "{stdout}"
    );
    let g = graph::parse_graph(&std::fs::read_to_string(&graph).unwrap()).unwrap();
    let s = graph::compare::structure(&g);
    assert!(s.actions.contains_key("rsc_op web_start_0 on node2"));
    assert!(s.edges.contains_key(&(
        "rsc_op web_monitor_0 on node1".to_string(),
        "rsc_op web_start_0 on node2".to_string()
    )));
}

#[test]
fn explains_scores_with_their_sources() {
    let dir = tempfile::tempdir().unwrap();
    let cib = dir.path().join("cib.xml");
    std::fs::write(&cib, SIMPLE).unwrap();
    let out = Command::new(bin())
        .arg("-x")
        .arg(&cib)
        .args(["--explain", "web", "-Q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("node2: total 50 -> RUNS HERE"), "{text}");
    assert!(text.contains("from prefer-n2"), "{text}");
    let scores = Command::new(bin())
        .arg("-x")
        .arg(&cib)
        .args(["-s", "-Q"])
        .output()
        .unwrap();
    let text = String::from_utf8(scores.stdout).unwrap();
    assert!(
        text.contains("pcmk__primitive_assign: web allocation score on node2: 50"),
        "{text}"
    );
}

#[test]
fn bad_input_gives_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cib = dir.path().join("broken.xml");
    std::fs::write(&cib, "<cib><configuration>").unwrap();
    let out = Command::new(bin())
        .arg("-x")
        .arg(&cib)
        .arg("-Q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(65), "malformed XML is a data error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid CIB"));
    let out = Command::new(bin())
        .arg("-x")
        .arg(dir.path().join("missing.xml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = Command::new(bin()).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn empty_transition_for_a_settled_corpus_input() {
    let Some(corpus) = corpus() else {
        println!("SKIP: no scheduler corpus");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("g.xml");
    let out = Command::new(bin())
        .arg("-x")
        .arg(corpus.join("xml/simple1.xml"))
        .arg("-G")
        .arg(&graph)
        .arg("-Q")
        .output()
        .unwrap();
    assert!(out.status.success());
    let expected =
        graph::parse_graph(&std::fs::read_to_string(corpus.join("exp/simple1.exp")).unwrap())
            .unwrap();
    let actual = graph::parse_graph(&std::fs::read_to_string(&graph).unwrap()).unwrap();
    assert_eq!(
        graph::compare::structure(&expected),
        graph::compare::structure(&actual)
    );
}
