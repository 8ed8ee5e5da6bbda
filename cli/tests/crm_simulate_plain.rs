//! crm_simulate's plain layout (`-s`, `-U`, with or without `-S`/`-Q`) against Pacemaker
//! 2.1.5's own output on scheduler-corpus inputs (`tests/data/crm_simulate_plain`).
#![cfg(feature = "simulate")]

use std::path::PathBuf;
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        });
    dir.join("xml").is_dir().then_some(dir)
}

/// (input, options, transcript file)
const CASES: &[(&str, &[&str], &str)] = &[
    ("utilization", &["-sU"], "utilization.sU"),
    ("balanced", &["-U", "-S"], "balanced.US"),
    ("utilization", &["-sSQ"], "utilization.sSQ"),
    ("balanced", &["-sU"], "balanced.sU"),
    ("migrate-begin", &["-UQ"], "migrate-begin.UQ"),
    ("template-2", &["-sUS"], "template-2.sUS"),
    (
        "coloc-dependee-should-move",
        &["-s"],
        "coloc-dependee-should-move.s",
    ),
    (
        "coloc-dependee-should-move",
        &["-sS"],
        "coloc-dependee-should-move.sS",
    ),
    ("date-1", &["-sU", "-t", "2005-020"], "date-1.sU"),
];

#[test]
fn plain_layout_matches_pacemaker_byte_for_byte() {
    let Some(dir) = corpus() else {
        eprintln!("SKIP: scheduler corpus not found (set SCHEDULER_CORPUS)");
        return;
    };
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/crm_simulate_plain");
    for (input, opts, file) in CASES {
        let expected = std::fs::read_to_string(data.join(file)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_crm_simulate"))
            .arg("-x")
            .arg(dir.join("xml").join(format!("{input}.xml")))
            .args(*opts)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{input} {opts:?}");
        let got = String::from_utf8(out.stdout).unwrap();
        assert_eq!(got, expected, "{input} {opts:?}");
    }
}

#[test]
fn without_scores_or_utilization_the_layout_stays_fancy() {
    let Some(dir) = corpus() else {
        eprintln!("SKIP: scheduler corpus not found (set SCHEDULER_CORPUS)");
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_crm_simulate"))
        .arg("-x")
        .arg(dir.join("xml/utilization.xml"))
        .output()
        .unwrap();
    // Pacemaker 2.1.5: the status only, with headings and bullets.
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Current cluster status:\n  * Node List:\n    * Online: [ host1 host2 ]\n\n  * Full List of Resources:\n    * rsc2\t(ocf:pacemaker:Dummy):\t Stopped\n    * rsc1\t(ocf:pacemaker:Dummy):\t Stopped\n"
    );
}
