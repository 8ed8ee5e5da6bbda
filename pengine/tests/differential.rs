//! Regression fixtures from the differential run (`pengine/benches/differential.sh`): random
//! cib-gen CIBs on which our graph once differed from Pacemaker 2.1.5's.
//!
//! `tests/differential/NAME.xml` is the input CIB and `NAME.exp` the graph Pacemaker's
//! `crm_simulate -x NAME.xml -G NAME.exp` wrote for it (committed, so no Pacemaker is needed
//! here). Our graph must equal it the way the corpus test compares graphs: same actions and
//! ordering edges (`graph::compare`). `tests/differential/README.md` says where each came from.

use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

/// The differences between our graph for `xml` and Pacemaker's `exp`, if any.
fn differences(xml: &Path, exp: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(xml).unwrap_or_else(|e| panic!("{}: {e}", xml.display()));
    let doc = cib::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", xml.display()));
    // (cib-gen CIBs record no execution date; nothing in them depends on the time.)
    let now = doc
        .root
        .attr("execution-date")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    let sched = pengine::schedule(&doc.root, now).expect("schedule");
    let expected_text =
        std::fs::read_to_string(exp).unwrap_or_else(|e| panic!("{}: {e}", exp.display()));
    let expected = graph::parse_graph(&expected_text).expect("Pacemaker's graph parses");
    // Round-trip ours through its XML, as the corpus test does, to check what we write.
    let written = graph::parse_graph(&graph::xml::to_xml(&sched.graph)).expect("our graph parses");
    graph::compare::differences(
        &graph::compare::structure(&expected),
        &graph::compare::structure(&written),
    )
}

#[test]
fn graphs_equal_pacemakers_on_every_fixture() {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("tests/differential")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no fixtures in {}",
        fixture_dir().display()
    );
    let mut failures = Vec::new();
    for xml in &names {
        let diffs = differences(xml, &xml.with_extension("exp"));
        if !diffs.is_empty() {
            let shown: Vec<String> = diffs.into_iter().take(10).collect();
            failures.push(format!("{}:\n  {}", xml.display(), shown.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "graphs differ from Pacemaker's:\n{}",
        failures.join("\n")
    );
    println!("{} fixtures equal Pacemaker's graph", names.len());
}
