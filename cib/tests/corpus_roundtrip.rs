//! Every CIB of the scheduler corpus reads and writes back as an equal XML tree.

use cib::Document;
use std::path::PathBuf;

/// `../shared/scheduler-corpus` beside the repository, or `$SCHEDULER_CORPUS`.
fn corpus_dir() -> PathBuf {
    std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        })
}

#[test]
fn every_corpus_cib_round_trips() {
    let dir = corpus_dir().join("xml");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus not found at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(files.len() >= 600, "only {} corpus files", files.len());
    let mut elements = 0usize;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let written = doc.to_xml();
        let again = Document::parse(&written)
            .unwrap_or_else(|e| panic!("{} rewritten: {e}", path.display()));
        // Element by element, so a failure names the first place that differs.
        let (a, b) = (doc.root.descendants(), again.root.descendants());
        assert_eq!(a.len(), b.len(), "{}: element count", path.display());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.name, y.name, "{} line {}", path.display(), x.line);
            assert_eq!(
                x.attrs,
                y.attrs,
                "{} line {} <{}>",
                path.display(),
                x.line,
                x.name
            );
        }
        assert_eq!(doc, again, "{}", path.display());
        elements += a.len();
    }
    eprintln!("{} CIBs, {elements} elements round-tripped", files.len());
}
