//! The scheduler regression corpus (Pacemaker 2.1.5's `cts/scheduler`), one trial per case.
//!
//! Each case is compared four ways (the first three as Pacemaker's cts-scheduler compares them):
//! - graph: action keys and ordering edges (`tools/graph-compare`'s default verdict), with the
//!   case's extra arguments (`-t DATE`);
//! - summary: `crm_simulate -S` text against `summary/NAME.summary` (no extra arguments, the
//!   cts sed mapping, whitespace and blank lines ignored);
//! - scores: `crm_simulate -s` lines against `scores/NAME.scores` (lines sorted);
//! - attrs: the graph is equal and so are each action's attributes (`CRM_meta_*` and
//!   parameters), `<primitive>` class/provider/type and synapse priority
//!   (`tools/graph-compare --attrs`): what the transition engine hands to the agents.
//!
//! The cases that pass each comparison are recorded in `tests/corpus-expect/{graph,summary,
//! scores,attrs}.pass`. A recorded pass that fails is a regression and fails its trial; a new pass is
//! reported at the end. `UPDATE_EXPECT=1` rewrites the records (and `counts.md`, the pass counts
//! by name prefix) from the cases that ran.
//!
//! `CORPUS_OUT=DIR` also writes what we produced for each case that ran (`NAME.exp`,
//! `NAME.summary`, `NAME.scores`) for comparison with the corpus files.
//!
//! The corpus is `SCHEDULER_CORPUS` or the nearest `shared/scheduler-corpus` above this crate;
//! without one the test prints SKIP.

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The comparisons, in the order they are reported.
const CHECKS: [&str; 4] = ["graph", "summary", "scores", "attrs"];

/// Report groups: a case belongs to the first group one of whose name prefixes it starts with.
const GROUPS: &[(&str, &[&str])] = &[
    ("simple", &["simple"]),
    ("group", &["group"]),
    ("rsc", &["rsc"]),
    ("coloc", &["coloc"]),
    ("order", &["order"]),
    ("clone", &["clone"]),
    ("promoted", &["promoted"]),
    ("migrate", &["migrat"]),
    ("ticket", &["ticket"]),
    ("bug", &["bug"]),
    ("date", &["date"]),
    ("probe", &["probe"]),
    ("utilization", &["utilization"]),
    ("stonith", &["stonith"]),
    ("failcount", &["failcount"]),
    ("bundle", &["bundle"]),
    ("remote", &["remote"]),
    ("guest", &["guest", "whitebox", "container"]),
];

fn group_of(name: &str) -> &'static str {
    GROUPS
        .iter()
        .find(|(_, prefixes)| prefixes.iter().any(|p| name.starts_with(p)))
        .map_or("other", |(g, _)| g)
}

/// `SCHEDULER_CORPUS`, else the nearest `shared/scheduler-corpus` above this crate (the main
/// checkout and git worktrees sit at different depths below it).
fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SCHEDULER_CORPUS") {
        return PathBuf::from(dir);
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|a| a.join("shared/scheduler-corpus"))
        .find(|d| d.join("manifest.tsv").is_file())
        .unwrap_or_else(|| here.join("../../shared/scheduler-corpus"))
}

fn expect_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-expect")
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

/// One manifest row: the case name and its `-t DATE` argument, if any.
struct Case {
    name: String,
    date: Option<String>,
}

fn manifest(corpus: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(corpus.join("manifest.tsv")).expect("manifest.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let name = cols.next().unwrap_or_default().to_string();
            let words = shell_words(cols.nth(2).unwrap_or_default());
            let date = words
                .iter()
                .position(|w| w == "-t" || w == "--set-datetime")
                .and_then(|i| words.get(i + 1).cloned());
            Case { name, date }
        })
        .collect()
}

/// Lines as `diff --ignore-all-space --ignore-blank-lines` sees them.
fn normalised(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| !l.is_empty())
        .collect()
}

/// cts-scheduler's sed mapping of the summary run's output.
fn cts_sed(text: &str) -> String {
    text.replace("ocf::", "ocf:")
        .replace("Masters:", "Promoted:")
        .replace("Slaves:", "Unpromoted:")
        .replace(" Master ", " Promoted ")
        .replace(" Slave ", " Unpromoted ")
}

/// The first lines where two texts differ, for a failure message.
fn first_difference(expected: &[String], actual: &[String]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    format!(
        "line {}: expected {:?}, got {:?}",
        at + 1,
        expected.get(at).map_or("<end>", String::as_str),
        actual.get(at).map_or("<end>", String::as_str)
    )
}

fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs one case; for each check, `Ok(())` if it matches or `Err(why not)`.
fn run_case(corpus: &Path, case: &Case) -> Result<[Result<(), String>; 4], String> {
    let name = &case.name;
    let file = |dir: &str, ext: &str| corpus.join(dir).join(format!("{name}.{ext}"));
    let xml = read(&file("xml", "xml"))?;
    let doc = cib::Document::parse(&xml).map_err(|e| format!("{name}.xml: {e}"))?;
    let recorded = doc
        .root
        .attr("execution-date")
        .and_then(|v| v.parse::<i64>().ok());
    let default_now = recorded.unwrap_or_else(wall_clock);
    let now = match &case.date {
        Some(d) => vocab::datetime::parse(d).ok_or_else(|| format!("bad date {d}"))?,
        None => default_now,
    };

    let sched = pengine::schedule(&doc.root, now).map_err(|e| e.to_string())?;
    let out = std::env::var_os("CORPUS_OUT").map(PathBuf::from);
    let dump = |ext: &str, text: &str| {
        if let Some(dir) = &out {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(dir.join(format!("{name}.{ext}")), text);
        }
    };
    dump("exp", &graph::xml::to_xml(&sched.graph));
    dump("scores", &pengine::render::scores(&sched));
    let graphs = (|| {
        let expected = graph::parse_graph(&read(&file("exp", "exp"))?)
            .map_err(|e| format!("{name}.exp: {e}"))?;
        // Round-trip our graph through its XML to check what we write, not just the model.
        let written = graph::parse_graph(&graph::xml::to_xml(&sched.graph))
            .map_err(|e| format!("our graph: {e}"))?;
        Ok((expected, written))
    })();
    let first_lines = |diffs: Vec<String>| match diffs.is_empty() {
        true => Ok(()),
        false => Err(diffs.into_iter().take(30).collect::<Vec<_>>().join("\n")),
    };
    let graph = graphs.as_ref().map_err(String::clone).and_then(|(e, w)| {
        first_lines(graph::compare::differences(
            &graph::compare::structure(e),
            &graph::compare::structure(w),
        ))
    });
    // (Attributes are compared only between equal graphs, as `graph-compare --attrs`.)
    let attrs = match (&graph, &graphs) {
        (Ok(()), Ok((e, w))) => first_lines(graph::compare::attribute_differences(e, w)),
        (Err(_), _) | (_, Err(_)) => Err("graph differs".to_string()),
    };
    let scores = (|| {
        let mut expected = normalised(&read(&file("scores", "scores"))?);
        let mut actual = normalised(&pengine::render::scores(&sched));
        expected.sort();
        actual.sort();
        match expected == actual {
            true => Ok(()),
            false => Err(first_difference(&expected, &actual)),
        }
    })();

    // The summary run gets no extra arguments, so "now" is the recorded date (or the clock).
    let summary_sched;
    let summary_input = if case.date.is_some() {
        summary_sched = pengine::schedule(&doc.root, default_now).map_err(|e| e.to_string())?;
        &summary_sched
    } else {
        &sched
    };
    let summary = (|| {
        let expected = normalised(&read(&file("summary", "summary"))?);
        let date = recorded.map(vocab::datetime::format);
        let text = pengine::render::simulation(summary_input, date.as_deref(), false);
        dump("summary", &text);
        let actual = normalised(&cts_sed(&text));
        match expected == actual {
            true => Ok(()),
            false => Err(first_difference(&expected, &actual)),
        }
    })();
    Ok([graph, summary, scores, attrs])
}

fn read_pass_set(check: &str) -> BTreeSet<String> {
    std::fs::read_to_string(expect_dir().join(format!("{check}.pass")))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Per case that ran: which checks passed.
type Outcomes = BTreeMap<String, [bool; 4]>;

fn counts_table(all: &[Case], passed: &[BTreeSet<String>; 4]) -> String {
    let mut rows: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for case in all {
        let row = rows.entry(group_of(&case.name)).or_default();
        row[0] += 1;
        for (i, set) in passed.iter().enumerate() {
            row[i + 1] += usize::from(set.contains(&case.name));
        }
    }
    let mut out = String::from(
        "# Scheduler corpus pass counts (written by `UPDATE_EXPECT=1 cargo test -p pengine --test corpus`)\n\n\
         | group | cases | graph | summary | scores | attrs |\n|---|---|---|---|---|---|\n",
    );
    let order = GROUPS.iter().map(|(g, _)| *g).chain(["other"]);
    let mut total = [0; 5];
    for g in order {
        if let Some(r) = rows.get(g) {
            out += &format!(
                "| {g} | {} | {} | {} | {} | {} |\n",
                r[0], r[1], r[2], r[3], r[4]
            );
            for i in 0..5 {
                total[i] += r[i];
            }
        }
    }
    out += &format!(
        "| **all** | {} | {} | {} | {} | {} |\n",
        total[0], total[1], total[2], total[3], total[4]
    );
    out
}

/// Writes the pass records from this run (cases that did not run keep their recorded state).
fn update_expect(all: &[Case], outcomes: &Outcomes, recorded: &[BTreeSet<String>; 4]) {
    let mut passed = recorded.clone();
    for (i, set) in passed.iter_mut().enumerate() {
        for (name, ok) in outcomes {
            if ok[i] {
                set.insert(name.clone());
            } else {
                set.remove(name);
            }
        }
        let text: String = set.iter().map(|n| format!("{n}\n")).collect();
        std::fs::write(expect_dir().join(format!("{}.pass", CHECKS[i])), text)
            .expect("write pass record");
    }
    std::fs::write(expect_dir().join("counts.md"), counts_table(all, &passed))
        .expect("write counts.md");
    println!(
        "UPDATE_EXPECT: records rewritten in {}",
        expect_dir().display()
    );
}

fn main() {
    let args = Arguments::from_args();
    let corpus = corpus_dir();
    if !corpus.join("manifest.tsv").is_file() {
        println!(
            "SKIP: no scheduler corpus at {} (set SCHEDULER_CORPUS)",
            corpus.display()
        );
        return;
    }
    let cases = Arc::new(manifest(&corpus));
    let recorded: Arc<[BTreeSet<String>; 4]> = Arc::new(CHECKS.map(read_pass_set));
    let outcomes: Arc<Mutex<Outcomes>> = Arc::default();
    let trials = (0..cases.len())
        .map(|i| {
            let (corpus, cases, recorded, outcomes) = (
                corpus.clone(),
                cases.clone(),
                recorded.clone(),
                outcomes.clone(),
            );
            Trial::test(cases[i].name.clone(), move || {
                let case = &cases[i];
                let results = run_case(&corpus, case)
                    .unwrap_or_else(|e| [0, 1, 2, 3].map(|_| Err(e.clone())));
                let ok = [0, 1, 2, 3].map(|c| results[c].is_ok());
                outcomes.lock().unwrap().insert(case.name.clone(), ok);
                let regressions: Vec<String> = (0..CHECKS.len())
                    .filter(|&c| recorded[c].contains(&case.name))
                    .filter_map(|c| {
                        results[c]
                            .as_ref()
                            .err()
                            .map(|e| format!("{} regressed:\n{e}", CHECKS[c]))
                    })
                    .collect();
                match regressions.is_empty() {
                    true => Ok(()),
                    false => Err(Failed::from(regressions.join("\n"))),
                }
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);

    let outcomes = outcomes.lock().unwrap();
    for (c, check) in CHECKS.iter().enumerate() {
        let passed = outcomes.values().filter(|ok| ok[c]).count();
        let new: Vec<&str> = outcomes
            .iter()
            .filter(|(n, ok)| ok[c] && !recorded[c].contains(*n))
            .map(|(n, _)| n.as_str())
            .collect();
        println!("{check}: {passed} of {} cases pass", outcomes.len());
        if !new.is_empty() {
            let shown = new.iter().take(20).copied().collect::<Vec<_>>().join(" ");
            let more = if new.len() > 20 { " ..." } else { "" };
            println!(
                "  {} new {check} passes (record them with UPDATE_EXPECT=1): {shown}{more}",
                new.len()
            );
        }
    }
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        update_expect(&cases, &outcomes, &recorded);
    }
    conclusion.exit();
}
