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

/// Our patches are byte-identical to Pacemaker's `crm_diff` (when installed) on corpus pairs
/// for which it writes the v2 format.
#[test]
fn diff_matches_crm_diff() {
    let crm_diff = std::path::Path::new("/usr/sbin/crm_diff");
    if !crm_diff.exists() {
        eprintln!(
            "SKIP: {} is not installed; crm_diff comparison not run",
            crm_diff.display()
        );
        return;
    }
    let files: Vec<PathBuf> = corpus_files()
        .into_iter()
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("crm_feature_set=\"3.")))
        .step_by(4)
        .collect();
    let (mut compared, mut differ) = (0, Vec::new());
    for w in files.windows(2) {
        let out = std::process::Command::new(crm_diff)
            .arg("-o")
            .arg(&w[0])
            .arg("-n")
            .arg(&w[1])
            .output()
            .unwrap();
        let theirs = String::from_utf8_lossy(&out.stdout).to_string();
        if !theirs.starts_with("<diff format=\"2\">") {
            continue; // crm_diff chose the v1 format for this pair
        }
        let ours = cib::format::element_to_string(&patch::diff(&load(&w[0]), &load(&w[1]))) + "\n";
        compared += 1;
        if ours != theirs {
            differ.push(format!("{} -> {}", w[0].display(), w[1].display()));
        }
    }
    eprintln!(
        "{compared} pairs compared with crm_diff, {} differ",
        differ.len()
    );
    assert!(compared >= 20, "only {compared} pairs in v2 format");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
