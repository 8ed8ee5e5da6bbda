//! Runs the scheduler on every scheduler-corpus test listed in `corpus-passing.txt` and
//! compares the graph structurally with the expected one (action keys and ordering edges,
//! as `tools/graph-compare` does by default). A listed test that no longer matches fails.
//!
//! The corpus location defaults to `../../shared/scheduler-corpus` (relative to this crate)
//! and can be set with `SCHEDULER_CORPUS`.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        })
}

/// Splits a shell-quoted argument string (quotes group words; no escapes needed here).
fn shell_words(args: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in args.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// The per-test `-t DATE` argument from manifest.tsv, if any.
fn test_date(corpus: &Path, name: &str) -> Option<String> {
    let manifest = std::fs::read_to_string(corpus.join("manifest.tsv")).ok()?;
    let line = manifest
        .lines()
        .find(|l| l.split('\t').next() == Some(name))?;
    let words = shell_words(line.split('\t').nth(3)?);
    let i = words
        .iter()
        .position(|w| w == "-t" || w == "--set-datetime")?;
    words.get(i + 1).cloned()
}

fn run_one(corpus: &Path, name: &str) -> Result<(), Failed> {
    let xml = std::fs::read_to_string(corpus.join("xml").join(format!("{name}.xml")))
        .map_err(|e| format!("{name}.xml: {e}"))?;
    let exp = std::fs::read_to_string(corpus.join("exp").join(format!("{name}.exp")))
        .map_err(|e| format!("{name}.exp: {e}"))?;
    let doc = cib::Document::parse(&xml).map_err(|e| format!("{name}.xml: {e}"))?;
    let now = test_date(corpus, name)
        .and_then(|d| pengine::datetime::parse(&d))
        .or_else(|| doc.root.attr("execution-date").and_then(|v| v.parse().ok()))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let sched = pengine::schedule(&doc.root, now).map_err(|e| e.to_string())?;
    let expected = graph::parse_graph(&exp).map_err(|e| format!("{name}.exp: {e}"))?;
    // Round-trip our own graph through its XML to check what we write, not just the model.
    let written = graph::parse_graph(&graph::xml::to_xml(&sched.graph))
        .map_err(|e| format!("our graph: {e}"))?;
    let diffs = graph::compare::differences(
        &graph::compare::structure(&expected),
        &graph::compare::structure(&written),
    );
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
            .into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let corpus = corpus_dir();
    let list = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-passing.txt"),
    )
    .expect("tests/corpus-passing.txt");
    let names: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if !corpus.join("xml").is_dir() {
        println!(
            "SKIP: no scheduler corpus at {} (set SCHEDULER_CORPUS)",
            corpus.display()
        );
        return;
    }
    println!("{} corpus tests expected to pass", names.len());
    let trials = names
        .into_iter()
        .map(|name| {
            let corpus = corpus.clone();
            Trial::test(name.clone(), move || run_one(&corpus, &name))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
