//! `crm_diff` against Pacemaker 2.1.5: the cli-corpus transcript case (a v2 patchset), v1
//! patches for CIBs without `crm_feature_set` (what crmsh sends to a cluster that does not
//! announce one), applying, and the error exits. Expected texts are Pacemaker's own output.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn corpus(name: &str) -> PathBuf {
    std::env::var_os("CLI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(common::CORPUS))
        .join(name)
}

fn v1_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cib/tests/data/patch_v1")
        .join(name)
}

fn crm_diff(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm_diff"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn transcript_case(description: &str) -> String {
    let text = std::fs::read_to_string(corpus("regression.tools.exp")).unwrap();
    let begin = format!("=#=#=#= Begin test: {description} =#=#=#=\n");
    let start = text.find(&begin).unwrap() + begin.len();
    let end = text[start..].find("=#=#=#= End test:").unwrap();
    text[start..start + end].to_string()
}

#[test]
fn create_an_xml_patchset_matches_the_transcript() {
    let (old, new) = (corpus("crm_diff_old.xml"), corpus("crm_diff_new.xml"));
    let (rc, out, _) = crm_diff(
        &["-o", old.to_str().unwrap(), "-n", new.to_str().unwrap()],
        "",
    );
    assert_eq!(rc, 1, "differences exit CRM_EX_ERROR");
    assert_eq!(out, transcript_case("Create an XML patchset"));
}

#[test]
fn v1_patch_for_a_cib_without_feature_set() {
    let (old, new) = (v1_data("old.xml"), v1_data("new.xml"));
    let (rc, out, _) = crm_diff(
        &["-o", old.to_str().unwrap(), "-n", new.to_str().unwrap()],
        "",
    );
    assert_eq!(
        (rc, out),
        (1, std::fs::read_to_string(v1_data("v1.xml")).unwrap())
    );
    // crmsh's form: --no-version, the new document on stdin.
    let new_text = std::fs::read_to_string(&new).unwrap();
    let (rc, out, _) = crm_diff(
        &["--no-version", "-o", old.to_str().unwrap(), "-n", "-"],
        &new_text,
    );
    assert_eq!(
        (rc, out),
        (
            1,
            std::fs::read_to_string(v1_data("v1-no-version.xml")).unwrap()
        )
    );
}

#[test]
fn apply_prints_the_result_or_refuses() {
    let old = v1_data("old.xml");
    let dir = tempfile::tempdir().unwrap();
    let no_digest = dir.path().join("p.xml");
    let text = std::fs::read_to_string(v1_data("v1.xml")).unwrap();
    let stripped = regex_free_strip_digest(&text);
    std::fs::write(&no_digest, stripped).unwrap();
    let (rc, out, _) = crm_diff(
        &[
            "-o",
            old.to_str().unwrap(),
            "-p",
            no_digest.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(
        (rc, out),
        (0, std::fs::read_to_string(v1_data("applied.xml")).unwrap())
    );
    // With the digest the result (which keeps a removed attribute) does not match: refused.
    let p = v1_data("v1.xml");
    let (rc, out, err) = crm_diff(
        &["-o", old.to_str().unwrap(), "-p", p.to_str().unwrap()],
        "",
    );
    assert_eq!((rc, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "Could not apply patch: Application of update diff failed\n"
    );
    // --cib checks versions: the new CIB is past the patch's source.
    let new = v1_data("new.xml");
    let (rc, _, err) = crm_diff(
        &[
            "-c",
            "-o",
            new.to_str().unwrap(),
            "-p",
            no_digest.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(rc, 103);
    assert_eq!(
        err,
        "Could not apply patch: Update was older than existing configuration\n"
    );
}

fn regex_free_strip_digest(text: &str) -> String {
    let start = text.find(" digest=\"").unwrap();
    let end = text[start + 9..].find('"').unwrap() + start + 10;
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn identical_documents_exit_0_with_no_output() {
    let old = v1_data("old.xml");
    let (rc, out, _) = crm_diff(
        &["-o", old.to_str().unwrap(), "-n", old.to_str().unwrap()],
        "",
    );
    assert_eq!((rc, out.as_str()), (0, ""));
}

#[test]
fn errors_exit_as_pacemaker() {
    let old = v1_data("old.xml");
    let o = old.to_str().unwrap();
    let (rc, _, err) = crm_diff(&["-x"], "");
    assert_eq!((rc, err.as_str()), (64, "crm_diff: Unknown option -x\n"));
    let (rc, _, err) = crm_diff(&["-o", "/nonexistent", "-n", o], "");
    assert_eq!(
        (rc, err.as_str()),
        (65, "Could not parse the first XML fragment\n")
    );
    let (rc, _, err) = crm_diff(&["-o", o], "");
    assert_eq!(
        (rc, err.as_str()),
        (65, "Could not parse the second XML fragment\n")
    );
    let (rc, _, err) = crm_diff(&["-c", "-u", "-o", o, "-n", o], "");
    assert_eq!(
        (rc, err.as_str()),
        (64, "error: -u/--no-version incompatible with -c/--cib\n")
    );
    let (rc, out, _) = crm_diff(&["-$"], "");
    assert_eq!(rc, 0);
    assert!(out.starts_with("Pacemaker 2.1.5\n"));
}

/// `--cib` lists only changed values: removing `y` shifts `z`, which Pacemaker 2.1.5 does not
/// list (without `--cib` it does, as a move). Expected texts are Pacemaker's output.
#[test]
fn cib_mode_ignores_attributes_shifted_by_a_removal() {
    let dir = tempfile::tempdir().unwrap();
    let old = r#"<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9" crm_feature_set="3.16.1"><configuration><crm_config><cluster_property_set id="cps"><nvpair id="nv1" name="a" value="1" x="1" y="2" z="3"/></cluster_property_set></crm_config><nodes/><resources/><constraints/></configuration><status/></cib>"#;
    let o = dir.path().join("old.xml");
    let n = dir.path().join("new.xml");
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, old.replace(r#" y="2""#, "")).unwrap();
    let (o, n) = (o.to_str().unwrap(), n.to_str().unwrap());
    let path = "/cib/configuration/crm_config/cluster_property_set[@id=&apos;cps&apos;]/nvpair[@id=&apos;nv1&apos;]";
    let expected = |list: &str| {
        format!(
            "<diff format=\"2\" digest=\"ae02933a4d9e68269b6c7c4a34a4e678\">\n  <version>\n    <source admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\"/>\n    <target admin_epoch=\"0\" epoch=\"1\" num_updates=\"0\"/>\n  </version>\n  <change operation=\"modify\" path=\"{path}\">\n    <change-list>\n{list}    </change-list>\n    <change-result>\n      <nvpair id=\"nv1\" name=\"a\" value=\"1\" x=\"1\" z=\"3\"/>\n    </change-result>\n  </change>\n</diff>\n"
        )
    };
    let unset = "      <change-attr name=\"y\" operation=\"unset\"/>\n";
    assert_eq!(
        crm_diff(&["--cib", "-o", o, "-n", n], ""),
        (1, expected(unset), String::new())
    );
    let (rc, out, _) = crm_diff(&["-o", o, "-n", n], "");
    assert_eq!(rc, 1);
    assert!(
        out.contains("<change-attr name=\"z\" operation=\"set\" value=\"3\"/>\n")
            && out.contains(unset),
        "{out}"
    );
    // Only a reordering: nothing significant, exit 0 and no output.
    std::fs::write(
        n,
        old.replace(r#"name="a" value="1" x="1""#, r#"x="1" value="1" name="a""#),
    )
    .unwrap();
    assert_eq!(
        crm_diff(&["--cib", "-o", o, "-n", n], ""),
        (0, String::new(), String::new())
    );
}
