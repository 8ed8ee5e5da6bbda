//! Node histories read lazily (`cib::Document::parse_deferring` with `pengine::read_lazily`,
//! as crm_simulate reads its input) schedule exactly as the fully parsed CIB: the same graph,
//! scores and `-S` text for every input of the scheduler corpus.
//!
//! The corpus is `SCHEDULER_CORPUS` or the nearest `shared/scheduler-corpus` above this crate;
//! without one the test prints SKIP.

use std::path::{Path, PathBuf};

fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SCHEDULER_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/scheduler-corpus"))
        .find(|d| d.join("xml").is_dir())
}

/// Everything crm_simulate prints or writes for one schedule.
fn outputs(cib: &cib::Element, now: i64) -> String {
    let s = pengine::schedule(cib, now).expect("schedules");
    format!(
        "{}\n{}\n{}",
        graph::xml::to_xml(&s.graph),
        pengine::render::scores(&s),
        pengine::render::simulation(&s, None, false)
    )
}

#[test]
fn lazy_histories_schedule_as_parsed_ones() {
    let Some(corpus) = corpus_dir() else {
        println!("SKIP: no scheduler corpus (set SCHEDULER_CORPUS)");
        return;
    };
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(corpus.join("xml"))
        .expect("corpus xml/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    inputs.sort();
    assert!(inputs.len() > 600, "the whole corpus: {}", inputs.len());
    let limits = cib::xml::Limits::default();
    let mut deferred_histories = 0;
    for path in &inputs {
        let text = std::sync::Arc::new(std::fs::read_to_string(path).expect("readable"));
        let full = cib::Document::parse(&text).expect("parses").root;
        let lazy = cib::Document::parse_deferring(&text, &limits, &pengine::read_lazily)
            .expect("parses lazily")
            .root;
        deferred_histories += lazy
            .descendants()
            .iter()
            .filter(|e| e.is_deferred())
            .count();
        let now = full
            .attr("execution-date")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_700_000_000);
        assert!(
            outputs(&full, now) == outputs(&lazy, now),
            "{}: a lazily read history schedules differently",
            path.display()
        );
        assert_eq!(lazy.to_xml(), full.to_xml(), "{}", path.display());
    }
    println!(
        "{} inputs, {deferred_histories} node histories read lazily",
        inputs.len()
    );
    assert!(
        deferred_histories > inputs.len(),
        "most inputs have node histories to defer"
    );
}
