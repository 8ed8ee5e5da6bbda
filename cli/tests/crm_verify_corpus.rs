//! Runs our `crm_verify -x` over the whole scheduler corpus and compares accept/reject with the
//! verdicts of Pacemaker 2.1.5's own tool (cib/tests/data/verify/pacemaker-verdicts.tsv).
//! Fails below 98% agreement, or when a file listed in agreeing.txt stops agreeing. Files in
//! deliberate-differences.tsv (we refuse on purpose) must be refused and are not counted.

use std::path::PathBuf;
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_xml_dir() -> PathBuf {
    let root = std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../shared/scheduler-corpus"));
    root.join("xml")
}

fn data_file(name: &str) -> String {
    let path = manifest_dir().join("../cib/tests/data/verify").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn agrees_with_pacemaker_on_the_scheduler_corpus() {
    let dir = corpus_xml_dir();
    if !dir.is_dir() {
        println!(
            "SKIP: scheduler corpus not found at {} (set SCHEDULER_CORPUS)",
            dir.display()
        );
        return;
    }
    let verdicts: Vec<(String, i32)> = data_file("pacemaker-verdicts.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let name = f.next().expect("name").to_string();
            let code = f.next().and_then(|c| c.parse().ok()).expect("exit code");
            (name, code)
        })
        .collect();
    let must_agree: Vec<String> = data_file("agreeing.txt")
        .lines()
        .map(str::to_string)
        .collect();
    // Where we refuse on purpose (agents named by a path); they must stay refused.
    let deliberate: Vec<String> = data_file("deliberate-differences.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();
    let bin = env!("CARGO_BIN_EXE_crm_verify");
    let mut agree = 0usize;
    let mut regressions = Vec::new();
    let mut disagreements = Vec::new();
    for (name, theirs) in &verdicts {
        let status = Command::new(bin)
            .arg("-x")
            .arg(dir.join(format!("{name}.xml")))
            .output()
            .expect("run crm_verify")
            .status;
        let ours = status.code().expect("exit code");
        if deliberate.contains(name) {
            assert_ne!(
                ours, 0,
                "{name} must be refused (deliberate-differences.tsv)"
            );
            continue;
        }
        if (ours == 0) == (*theirs == 0) {
            agree += 1;
        } else {
            disagreements.push(format!("{name} (pacemaker {theirs}, ours {ours})"));
            if must_agree.contains(name) {
                regressions.push(name.clone());
            }
        }
    }
    let total = verdicts.len() - deliberate.len();
    println!("crm_verify corpus agreement: {agree}/{total}");
    for d in &disagreements {
        println!("  disagrees: {d}");
    }
    assert!(total >= 600, "verdict list unexpectedly short: {total}");
    assert!(
        regressions.is_empty(),
        "files that used to agree no longer do: {regressions:?}"
    );
    assert!(
        agree * 100 >= total * 98,
        "agreement {agree}/{total} is below 98%"
    );
}
