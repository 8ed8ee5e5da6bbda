//! The command-line forms of GLib (and getopt) as Pacemaker 2.1.5's tools accept them: each
//! case's exit code and messages were recorded from the installed Pacemaker 2.1.5 tool and
//! are checked against ours; when Pacemaker 2.1.5 itself is installed (`/usr/sbin/TOOL`), the
//! same table is also checked against it, so the table cannot drift into guesses.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// One command line and what Pacemaker 2.1.5 did with it.
struct Case {
    args: &'static str,
    rc: i32,
    /// The start of standard error (all of it when empty: nothing), or `None` when the
    /// original logs there (`-V`). getopt tools print their own usage after the message.
    stderr: Option<&'static str>,
    /// The start of standard output.
    stdout: &'static str,
}

const fn case(args: &'static str, rc: i32, stderr: &'static str, stdout: &'static str) -> Case {
    Case {
        args,
        rc,
        stderr: Some(stderr),
        stdout,
    }
}

const OLD: &str = r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><nodes/></configuration></cib>"#;
const NEW: &str = r#"<cib epoch="2" num_updates="0" admin_epoch="0"><configuration><nodes/></configuration></cib>"#;
const DIFF: &str = "<diff crm_feature_set=\"3.16.1\" format=\"1\"";
const BAD1: &str = "Could not parse the first XML fragment\n";
const BANNER: &str = "Pacemaker 2.1.5\nWritten by";

/// `{O}` and `{N}` stand for the two documents' files.
const CRM_DIFF: &[Case] = &[
    case("-o {O} -n {N}", 1, "", DIFF),
    case("-o{O} -n{N}", 1, "", DIFF),
    case("--original {O} --new={N}", 1, "", DIFF),
    case("-uo {O} -n {N}", 0, "", ""),
    // A value option takes the rest of its bundle, and a value may start with '-'.
    case("-ou {O} -n {N}", 65, BAD1, ""),
    case("-on {O} {N}", 65, BAD1, ""),
    case("-o -n {N}", 65, BAD1, ""),
    case("-o={O} -n {N}", 65, BAD1, ""),
    case("--original=", 65, BAD1, ""),
    case("--cib=x -o {O} -n {N}", 1, "", DIFF),
    case("--no-version=x -o {O} -n {N}", 0, "", ""),
    case("-o {O} -n {N} extra", 1, "", DIFF),
    case("-o {O} -n {N} -- -x", 1, "", DIFF),
    Case {
        args: "-V -V -VV -o {O} -n {N}",
        rc: 1,
        stderr: None,
        stdout: DIFF,
    },
    case("-c=x", 64, "crm_diff: Unknown option -=\n", ""),
    case("-cx", 64, "crm_diff: Unknown option -x\n", ""),
    case("-Q", 64, "crm_diff: Unknown option -Q\n", ""),
    case("--bogus", 64, "crm_diff: Unknown option --bogus\n", ""),
    case("--bogus=1", 64, "crm_diff: Unknown option --bogus=1\n", ""),
    case("--orig {O}", 64, "crm_diff: Unknown option --orig\n", ""),
    case("-o", 64, "crm_diff: Missing argument for -o\n", ""),
    case(
        "--original",
        64,
        "crm_diff: Missing argument for --original\n",
        "",
    ),
    case("-x -o", 64, "crm_diff: Unknown option -x\n", ""),
    case("-$", 0, "", BANNER),
    case("--version", 0, "", BANNER),
    case("--version=x", 0, "", BANNER),
    case("-$ --bogus", 64, "crm_diff: Unknown option --bogus\n", ""),
    case("-? --bogus", 0, "", "Usage:\n  crm_diff"),
    case("-$ -?", 0, "", "Usage:\n  crm_diff"),
    case("-h", 0, "", "Usage:\n  crm_diff"),
    case("--help-all", 0, "", "Usage:\n  crm_diff"),
    case("--bogus -?", 64, "crm_diff: Unknown option --bogus\n", ""),
    case("--help=x", 64, "crm_diff: Unknown option --help=x\n", ""),
    case(
        "--help-bogus",
        64,
        "crm_diff: Unknown option --help-bogus\n",
        "",
    ),
];

/// Command lines every tool refuses or answers before reading anything: (tool, case).
const PARSE_ONLY: &[(&str, Case)] = &[
    (
        "crm_verify",
        case("-x", 64, "crm_verify: Missing argument for -x\n", ""),
    ),
    (
        "crm_verify",
        case(
            "--xml-file",
            64,
            "crm_verify: Missing argument for --xml-file\n",
            "",
        ),
    ),
    (
        "crm_verify",
        case("-Lx", 64, "crm_verify: Missing argument for -x\n", ""),
    ),
    (
        "crm_verify",
        case(
            "--bogus=1",
            64,
            "crm_verify: Unknown option --bogus=1\n",
            "",
        ),
    ),
    (
        "crm_verify",
        case("-LZ", 64, "crm_verify: Unknown option -Z\n", ""),
    ),
    (
        "crm_verify",
        case(
            "--live-check=x -Z",
            64,
            "crm_verify: Unknown option -Z\n",
            "",
        ),
    ),
    (
        "crm_node",
        case("-N", 64, "crm_node: Missing argument for -N\n", ""),
    ),
    (
        "crm_node",
        case(
            "--name-for-id",
            64,
            "crm_node: Missing argument for --name-for-id\n",
            "",
        ),
    ),
    (
        "crm_node",
        case("-i5", 64, "crm_node: Unknown option -5\n", ""),
    ),
    (
        "crm_node",
        case("--bogus", 64, "crm_node: Unknown option --bogus\n", ""),
    ),
    ("crm_node", case("-$", 0, "", BANNER)),
    (
        "stonith_admin",
        case("--bogus", 64, "stonith_admin: Unknown option --bogus\n", ""),
    ),
    (
        "stonith_admin",
        case("-t", 64, "stonith_admin: Missing argument for -t\n", ""),
    ),
    (
        "stonith_admin",
        case("-LZ", 64, "stonith_admin: Unknown option -Z\n", ""),
    ),
    (
        "crm_attribute",
        case("-n", 64, "crm_attribute: Missing argument for -n\n", ""),
    ),
    (
        "crm_attribute",
        case(
            "--name",
            64,
            "crm_attribute: Missing argument for --name\n",
            "",
        ),
    ),
    (
        "crm_attribute",
        case("-Gx", 64, "crm_attribute: Unknown option -x\n", ""),
    ),
    (
        "crm_attribute",
        case(
            "--bogus -?",
            64,
            "crm_attribute: Unknown option --bogus\n",
            "",
        ),
    ),
    (
        "crm_attribute",
        case("-? --bogus", 0, "", "Usage:\n  crm_attribute"),
    ),
    ("crm_attribute", case("--version", 0, "", BANNER)),
    (
        "crm_simulate",
        case("--bogus", 64, "crm_simulate: Unknown option --bogus\n", ""),
    ),
    (
        "crm_simulate",
        case("-x", 64, "crm_simulate: Missing argument for -x\n", ""),
    ),
    (
        "crm_simulate",
        case("-SZ", 64, "crm_simulate: Unknown option -Z\n", ""),
    ),
    ("crm_simulate", case("-$", 0, "", BANNER)),
    (
        "crm_mon",
        case("-h", 64, "crm_mon: Missing argument for -h\n", ""),
    ),
    (
        "crm_mon",
        case("--bogus", 64, "crm_mon: Unknown option --bogus\n", ""),
    ),
    (
        "crm_mon",
        case("-i", 64, "crm_mon: Missing argument for -i\n", ""),
    ),
    (
        "crm_mon",
        case("-1Z", 64, "crm_mon: Unknown option -Z\n", ""),
    ),
    ("crm_mon", case("--help-display", 0, "", "Usage:")),
    (
        "crm_mon",
        case(
            "--help-bogus",
            64,
            "crm_mon: Unknown option --help-bogus\n",
            "",
        ),
    ),
    ("crm_mon", case("-$", 0, "", BANNER)),
    (
        "crm_resource",
        case(
            "--validate foo",
            64,
            "crm_resource: Invalid check level setting: foo\n",
            "",
        ),
    ),
    (
        "crm_resource",
        case("--bogus", 64, "crm_resource: Unknown option --bogus\n", ""),
    ),
    (
        "crm_resource",
        case(
            "--list-agents",
            64,
            "crm_resource: Missing argument for --list-agents\n",
            "",
        ),
    ),
    (
        "crm_resource",
        case(
            "-L -- foo",
            64,
            "crm_resource: non-option ARGV-elements:\n[1 of 1] foo\n\n",
            "",
        ),
    ),
    (
        "crm_resource",
        case("-LZ", 64, "crm_resource: Unknown option -Z\n", ""),
    ),
    ("crm_resource", case("-$", 0, "", BANNER)),
    // cibadmin is still getopt_long in 2.1.5: abbreviations, glibc's messages, then usage.
    ("cibadmin", case("--query=x", 64, "cibadmin: option '--query' doesn't allow an argument\n", "")),
    ("cibadmin", case("--x", 64, "cibadmin: option '--x' is ambiguous; possibilities: '--xml-text' '--xml-file' '--xml-pipe' '--xpath'\n", "")),
    ("cibadmin", case("--s", 64, "cibadmin: option '--s' is ambiguous; possibilities: '--show-access' '--sync-call' '--scope'\n", "")),
    ("cibadmin", case("-Q --scope", 64, "cibadmin: option '--scope' requires an argument\n", "")),
    ("cibadmin", case("--help=x", 64, "cibadmin: option '--help' doesn't allow an argument\n", "")),
    ("cibadmin", case("-Qo", 64, "cibadmin: option requires an argument -- 'o'\n", "")),
    ("cibadmin", case("--bogus=1", 64, "cibadmin: unrecognized option '--bogus=1'\n", "")),
    ("cibadmin", case("-QZ", 64, "cibadmin: invalid option -- 'Z'\n", "")),
    ("cibadmin", case("-Q extra", 64, "cibadmin - ", "")),
    ("cibadmin", case("--vers", 0, "", BANNER)),
    // Heartbeat 3.0.6's cl_status: plain getopt after the sub-command; an unknown option is
    // complained about and the command still runs (here: no heartbeat is running).
    ("cl_status", case("hbstatus -Z", 1, "hbstatus: invalid option -- 'Z'\n", "Heartbeat is stopped")),
    ("cl_status", case("hbstatus --x", 1, "hbstatus: invalid option -- '-'\nhbstatus: invalid option -- 'x'\n", "Heartbeat is stopped")),
    ("cl_status", Case { args: "-v hbstatus", rc: 11, stderr: None, stdout: "" }),
    ("cl_status", case("", 0, "", "Usage: cl_status <sub-command>")),
    // Pacemaker's shell scripts: getopt(1), then a blank line and the usage on stdout.
    (
        "crm_standby",
        case(
            "--bogus",
            1,
            "crm_standby: unrecognized option '--bogus'\n",
            "\nUsage: crm_standby",
        ),
    ),
    (
        "crm_standby",
        case(
            "-N",
            1,
            "crm_standby: option requires an argument -- 'N'\n",
            "\nUsage:",
        ),
    ),
    (
        "crm_standby",
        case(
            "--nod",
            1,
            "crm_standby: option '--node' requires an argument\n",
            "\nUsage:",
        ),
    ),
    (
        "crm_standby",
        case(
            "--quiet=x",
            1,
            "crm_standby: option '--quiet' doesn't allow an argument\n",
            "\nUsage:",
        ),
    ),
    ("crm_standby", case("--version", 0, "", BANNER)),
    (
        "crm_failcount",
        case(
            "-r",
            64,
            "crm_failcount: option requires an argument -- 'r'\n",
            "\nUsage: crm_failcount",
        ),
    ),
    (
        "crm_failcount",
        case(
            "--resource",
            64,
            "crm_failcount: option '--resource' requires an argument\n",
            "\nUsage:",
        ),
    ),
    (
        "crm_failcount",
        case(
            "--bogus",
            64,
            "crm_failcount: unrecognized option '--bogus'\n",
            "\nUsage:",
        ),
    ),
    (
        "crm_failcount",
        case(
            "-Z",
            64,
            "crm_failcount: invalid option -- 'Z'\n",
            "\nUsage:",
        ),
    ),
    (
        "crm_failcount",
        case(
            "--q",
            64,
            "crm_failcount: option '--q' is ambiguous; possibilities: '--quiet' '--query'\n",
            "\nUsage:",
        ),
    ),
];

/// Our build of `tool`.
fn ours(tool: &str) -> &'static str {
    match tool {
        "crm_verify" => env!("CARGO_BIN_EXE_crm_verify"),
        "crm_node" => env!("CARGO_BIN_EXE_crm_node"),
        "stonith_admin" => env!("CARGO_BIN_EXE_stonith_admin"),
        "crm_attribute" => env!("CARGO_BIN_EXE_crm_attribute"),
        "crm_simulate" => env!("CARGO_BIN_EXE_crm_simulate"),
        "crm_standby" => env!("CARGO_BIN_EXE_crm_standby"),
        "crm_failcount" => env!("CARGO_BIN_EXE_crm_failcount"),
        "crm_diff" => env!("CARGO_BIN_EXE_crm_diff"),
        "crm_mon" => env!("CARGO_BIN_EXE_crm_mon"),
        "cl_status" => env!("CARGO_BIN_EXE_cl_status"),
        "cibadmin" => env!("CARGO_BIN_EXE_cibadmin"),
        "crm_resource" => env!("CARGO_BIN_EXE_crm_resource"),
        other => panic!("no case table for {other}"),
    }
}

/// Runs `bin` as its bare name (glibc's getopt prefixes its messages with `argv[0]`).
fn run(bin: &Path, args: &[String]) -> (i32, String, String) {
    let name = bin.file_name().unwrap_or_default();
    let o = Command::new(bin)
        .arg0(name)
        .env_remove("HA_API_SOCKET")
        .env_remove("HA_RUNDIR")
        .args(args)
        .stdin(Stdio::null())
        .env_remove("CIB_file")
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (
        o.status.code().unwrap_or(-1),
        text(o.stdout),
        text(o.stderr),
    )
}

/// Pacemaker 2.1.5's own tool (Heartbeat 3.0.6's `cl_status`), when installed.
fn pacemakers(tool: &str) -> Option<std::path::PathBuf> {
    if tool == "cl_status" {
        let bin = Path::new("/usr/bin/cl_status");
        let out = Command::new(bin).output().ok()?;
        return String::from_utf8_lossy(&out.stdout)
            .starts_with("Usage: cl_status")
            .then(|| bin.to_path_buf());
    }
    let bin = Path::new("/usr/sbin").join(tool);
    let out = Command::new(&bin).arg("--version").output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .starts_with("Pacemaker 2.1.5\n")
        .then_some(bin)
}

/// Checks every case against `bin`; returns the mismatches.
fn check<'a>(
    bin: &Path,
    cases: impl IntoIterator<Item = &'a Case>,
    files: &[(&str, String)],
) -> Vec<String> {
    let mut wrong = Vec::new();
    for c in cases {
        let args: Vec<String> = c
            .args
            .split_whitespace()
            .map(|a| {
                files
                    .iter()
                    .fold(a.to_string(), |a, (k, path)| a.replace(k, path))
            })
            .collect();
        let (rc, out, err) = run(bin, &args);
        let err_ok = c.stderr.is_none_or(|e| {
            if e.is_empty() {
                err.is_empty()
            } else {
                err.starts_with(e)
            }
        });
        if rc != c.rc || !err_ok || !out.starts_with(c.stdout) {
            wrong.push(format!(
                "{} {}: rc {rc} (want {}), stderr {:?} (want {:?}), stdout {:?}",
                bin.display(),
                c.args,
                c.rc,
                err.chars().take(120).collect::<String>(),
                c.stderr,
                out.chars().take(60).collect::<String>()
            ));
        }
    }
    wrong
}

#[test]
fn crm_diff_reads_glib_forms_as_pacemaker_does() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.xml"), dir.path().join("new.xml"));
    std::fs::write(&old, OLD).unwrap();
    std::fs::write(&new, NEW).unwrap();
    let files = [
        ("{O}", old.display().to_string()),
        ("{N}", new.display().to_string()),
    ];
    let ours = check(Path::new(ours("crm_diff")), CRM_DIFF, &files);
    assert!(ours.is_empty(), "{}", ours.join("\n"));
    match pacemakers("crm_diff") {
        Some(bin) => {
            let theirs = check(&bin, CRM_DIFF, &files);
            assert!(
                theirs.is_empty(),
                "the table is not Pacemaker's:\n{}",
                theirs.join("\n")
            );
        }
        None => eprintln!("SKIP: Pacemaker 2.1.5's crm_diff is not installed; checked ours only"),
    }
}

#[test]
fn every_tool_refuses_and_answers_as_pacemaker_does() {
    let mut tools: Vec<&str> = PARSE_ONLY.iter().map(|(t, _)| *t).collect();
    tools.dedup();
    let mut wrong = Vec::new();
    for tool in tools {
        let cases: Vec<&Case> = PARSE_ONLY
            .iter()
            .filter(|(t, _)| *t == tool)
            .map(|(_, c)| c)
            .collect();
        wrong.extend(check(Path::new(ours(tool)), cases.iter().copied(), &[]));
        match pacemakers(tool) {
            Some(bin) => wrong.extend(
                check(&bin, cases.iter().copied(), &[])
                    .into_iter()
                    .map(|w| format!("the table is not Pacemaker's: {w}")),
            ),
            None => eprintln!("SKIP: Pacemaker 2.1.5's {tool} is not installed; checked ours only"),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
