//! Every expected graph of the scheduler corpus survives parse -> write -> parse unchanged.

use graph::{parse_graph, xml::to_xml};
use std::path::PathBuf;

fn corpus_exp_dir() -> PathBuf {
    std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        })
        .join("exp")
}

#[test]
fn corpus_graphs_round_trip() {
    let dir = corpus_exp_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("SKIP: no scheduler corpus at {}", dir.display());
        return;
    };
    let mut count = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let first = parse_graph(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let written = to_xml(&first);
        let second =
            parse_graph(&written).unwrap_or_else(|e| panic!("{} rewritten: {e}", path.display()));
        assert_eq!(first, second, "{}", path.display());
        assert_eq!(
            graph::compare::structure(&first),
            graph::compare::structure(&second)
        );
        count += 1;
    }
    assert!(
        count > 600,
        "only {count} graphs found in {}",
        dir.display()
    );
    println!("{count} graphs round-tripped");
}

#[test]
fn empty_graph_is_self_closing() {
    let g = parse_graph(r#"<transition_graph cluster-delay="60s" transition_id="0"/>"#).unwrap();
    assert!(g.synapses.is_empty());
    assert_eq!(
        to_xml(&g),
        "<transition_graph cluster-delay=\"60s\" transition_id=\"0\"/>\n"
    );
}

#[test]
fn rejects_other_roots() {
    assert!(parse_graph("<cib/>").is_err());
}
