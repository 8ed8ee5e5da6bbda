//! `apply(diff(a, b), a) == b` over pairs of real CIBs from the scheduler corpus, and the typed
//! model reads every one of them.

use cib::{model, patch, Document, Element};
use std::path::PathBuf;

fn corpus_files() -> Vec<PathBuf> {
    let dir = std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        })
        .join("xml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus not found at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

fn load(p: &PathBuf) -> Element {
    Document::parse(&std::fs::read_to_string(p).unwrap())
        .unwrap()
        .root
}

#[test]
fn diff_then_apply_reproduces_the_target() {
    let files = corpus_files();
    assert!(files.len() >= 600);
    let mut pairs = 0;
    let mut changes = 0;
    // Neighbours in name order are often variants of one scenario: realistic small diffs.
    // Every third file pairs with a distant one too: large diffs.
    for (i, w) in files.windows(2).enumerate() {
        let a = load(&w[0]);
        let mut targets = vec![load(&w[1])];
        if i % 3 == 0 {
            targets.push(load(&files[(i * 7 + 13) % files.len()]));
        }
        for b in targets {
            for (from, to) in [(&a, &b), (&b, &a)] {
                let d = patch::diff(from, to);
                changes += d.children_named("change").count();
                let mut x = from.clone();
                patch::apply(&d, &mut x).unwrap_or_else(|e| panic!("{}: {e}", w[0].display()));
                assert!(
                    x == *to,
                    "{} -> {}: patch did not reproduce the target",
                    w[0].display(),
                    w[1].display()
                );
                pairs += 1;
            }
        }
    }
    eprintln!("{pairs} pairs, {changes} changes applied");
    assert!(pairs > 1000);
}

#[test]
fn identical_trees_give_an_empty_patch() {
    for p in corpus_files().iter().take(50) {
        let a = load(p);
        assert_eq!(
            patch::diff(&a, &a).children_named("change").count(),
            0,
            "{}",
            p.display()
        );
    }
}

#[test]
fn model_reads_every_corpus_cib() {
    let mut primitives = 0;
    let mut constraints = 0;
    let mut ops = 0;
    for p in corpus_files() {
        let cib =
            model::Cib::from_element(&load(&p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        primitives += cib.configuration.primitives().len();
        constraints += cib.configuration.constraints.len();
        ops += cib
            .status
            .node_states
            .iter()
            .flat_map(|n| &n.resources)
            .map(|r| r.ops.len())
            .sum::<usize>();
    }
    eprintln!("{primitives} primitives, {constraints} constraints, {ops} recorded ops");
    assert!(primitives > 1000 && constraints > 500 && ops > 1000);
}
