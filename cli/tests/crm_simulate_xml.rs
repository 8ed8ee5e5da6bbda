//! `crm_simulate --output-as=xml` against Pacemaker 2.1.5's own documents on
//! scheduler-corpus inputs (`tests/data/crm_simulate_xml`, recorded with
//! `cd ../shared/scheduler-corpus && crm_simulate -x xml/CASE.xml ARGS --output-as=xml`).
//! Each case runs from the corpus directory with the same arguments, so even the `request`
//! attribute must match byte for byte. When Pacemaker is installed the recordings are
//! checked against it too.
#![cfg(all(feature = "simulate", feature = "cib-tools", feature = "stonith-tools"))]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        });
    dir.join("xml").is_dir().then_some(dir)
}

/// (input, options, recording): the status alone, each section (-s, -U, -S) and their
/// mixes, covering fencing, migration, promotion, groups, clones, a remote node, blocked
/// starts, cluster actions, utilization tables, priorities, pending or unhealthy nodes, a
/// fenced remote node and orphans.
const CASES: &[(&str, &[&str], &str)] = &[
    ("simple1", &[], "simple1.xml"),
    ("simple1", &["-S", "-s"], "simple1.Ss.xml"),
    ("simple1", &["-Q", "-S"], "simple1.QS.xml"),
    ("utilization", &["-s", "-U"], "utilization.sU.xml"),
    ("utilization", &["-U"], "utilization.U.xml"),
    ("rec-node-7", &["-S"], "rec-node-7.S.xml"),
    (
        "3-am-then-bm-both-migrate",
        &["-S", "-s"],
        "3-am-then-bm-both-migrate.Ss.xml",
    ),
    (
        "ticket-promoted-5",
        &["-S", "-s"],
        "ticket-promoted-5.Ss.xml",
    ),
    ("bug-1573", &["-S"], "bug-1573.S.xml"),
    (
        "expire-non-blocked-failure",
        &["-S", "-s"],
        "expire-non-blocked-failure.Ss.xml",
    ),
    (
        "bug-5014-A-stopped-B-stopped",
        &["-S"],
        "bug-5014-A-stopped-B-stopped.S.xml",
    ),
    (
        "migration-behind-migrating-remote",
        &["-S", "-s"],
        "migration-behind-migrating-remote.Ss.xml",
    ),
    (
        "clone-require-all-1",
        &["-S", "-s"],
        "clone-require-all-1.Ss.xml",
    ),
    ("date-1", &["-S", "-t", "2005-020"], "date-1.S.xml"),
    ("rsc_dep5", &["-s"], "rsc_dep5.s.xml"),
    ("probe-3", &["-S"], "probe-3.S.xml"),
    ("unmanaged-stop-1", &["-S"], "unmanaged-stop-1.S.xml"),
    ("systemhealthm3", &["-S"], "systemhealthm3.S.xml"),
    (
        "remote-fence-unclean2",
        &["-S"],
        "remote-fence-unclean2.S.xml",
    ),
    ("bug-lf-2493", &["-S"], "bug-lf-2493.S.xml"),
];

/// Runs `crm_simulate` as `crm_simulate` (argv[0] is echoed in the XML `request`).
fn simulate(program: &Path, dir: &Path, input: &str, opts: &[&str]) -> Output {
    Command::new(program)
        .arg0("crm_simulate")
        .current_dir(dir)
        .arg("-x")
        .arg(format!("xml/{input}.xml"))
        .args(opts)
        .arg("--output-as=xml")
        .output()
        .unwrap()
}

fn recording(file: &str) -> String {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/crm_simulate_xml");
    std::fs::read_to_string(data.join(file)).unwrap()
}

#[test]
fn xml_documents_match_pacemaker_byte_for_byte() {
    let Some(dir) = corpus() else {
        eprintln!("SKIP: scheduler corpus not found (set SCHEDULER_CORPUS)");
        return;
    };
    let ours = Path::new(env!("CARGO_BIN_EXE_crm_simulate"));
    let mut wrong = Vec::new();
    for (input, opts, file) in CASES {
        let out = simulate(ours, &dir, input, opts);
        assert_eq!(out.status.code(), Some(0), "{input} {opts:?}");
        if String::from_utf8(out.stdout).unwrap() != recording(file) {
            wrong.push(*file);
        }
    }
    assert!(wrong.is_empty(), "differ from Pacemaker's: {wrong:?}");
}

#[test]
fn recordings_are_what_the_installed_pacemaker_prints() {
    let pacemaker = Path::new("/usr/sbin/crm_simulate");
    let (Some(dir), true) = (corpus(), pacemaker.exists()) else {
        eprintln!("SKIP: Pacemaker's crm_simulate or the scheduler corpus is not installed");
        return;
    };
    for (input, opts, file) in CASES {
        let out = simulate(pacemaker, &dir, input, opts);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            recording(file),
            "{file}"
        );
    }
}

#[test]
fn text_is_the_default_and_an_unknown_format_is_refused() {
    let Some(dir) = corpus() else {
        eprintln!("SKIP: scheduler corpus not found (set SCHEDULER_CORPUS)");
        return;
    };
    let ours = env!("CARGO_BIN_EXE_crm_simulate");
    let run = |extra: &[&str]| {
        Command::new(ours)
            .current_dir(&dir)
            .args(["-x", "xml/simple1.xml", "-S"])
            .args(extra)
            .output()
            .unwrap()
    };
    let plain = run(&[]);
    assert_eq!(run(&["--output-as=text"]).stdout, plain.stdout);
    assert!(String::from_utf8_lossy(&plain.stdout).starts_with("Current cluster status:"));
    // Pacemaker: CRM_EX_NOSUCH, nothing on stdout.
    let bad = run(&["--output-as=html5"]);
    assert_eq!(bad.status.code(), Some(105));
    assert!(bad.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "Error creating output format html5: Unknown output format\n"
    );
}

#[test]
fn a_bad_input_is_reported_inside_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<cib><configuration>").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crm_simulate"))
        .arg0("crm_simulate")
        .arg("-x")
        .arg(&bad)
        .arg("--output-as=xml")
        .output()
        .unwrap();
    // CRM_EX_DATAERR, in the exit status and in the document's status.
    assert_eq!(out.status.code(), Some(65));
    let doc = String::from_utf8(out.stdout).unwrap();
    assert!(
        doc.starts_with("<pacemaker-result api-version=\"2.25\" request=\"crm_simulate -x "),
        "{doc}"
    );
    assert!(doc.contains("  <status code=\"65\" message=\"Invalid data given\">\n    <errors>\n      <error>crm_simulate: "), "{doc}");
    assert!(doc.contains("not a valid CIB: line 1"), "{doc}");
    assert!(
        doc.ends_with("    </errors>\n  </status>\n</pacemaker-result>\n"),
        "{doc}"
    );
}
