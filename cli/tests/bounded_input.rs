//! Hostile XML given to the tools: too deep, entity declarations, a CIB file that would explode,
//! and concurrent `CIB_file` writers. Every tool refuses cleanly (an exit code, never a signal),
//! with Pacemaker's exit code for unparsable input, and changes nothing.

#![cfg(all(feature = "cib-tools", feature = "simulate"))]

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::temp_cib;

const EMPTY: &str = r#"<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
"#;

fn nested(levels: usize) -> String {
    format!("{}{}", "<a>".repeat(levels), "</a>".repeat(levels))
}

/// A CIB whose resources section holds `levels` nested elements.
fn deep_cib(levels: usize) -> String {
    EMPTY.replace(
        "<resources/>",
        &format!("<resources>{}</resources>", nested(levels)),
    )
}

fn run(exe: &str, args: &[&str], cib_file: Option<&Path>) -> Output {
    let mut c = Command::new(exe);
    c.args(args);
    match cib_file {
        Some(p) => c.env("CIB_file", p),
        None => c.env_remove("CIB_file"),
    };
    c.output().expect("run tool")
}

/// The exit code; a death by signal (stack overflow abort) fails the test here.
fn code(o: &Output, what: &str) -> i32 {
    o.status.code().unwrap_or_else(|| {
        panic!(
            "{what} died by a signal: {:?}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const CIBADMIN: &str = env!("CARGO_BIN_EXE_cibadmin");
const CRM_VERIFY: &str = env!("CARGO_BIN_EXE_crm_verify");
const CRM_SIMULATE: &str = env!("CARGO_BIN_EXE_crm_simulate");
const CRM_ATTRIBUTE: &str = env!("CARGO_BIN_EXE_crm_attribute");

#[test]
fn deep_xml_is_refused_by_every_tool_without_abort() {
    for levels in [10_000, 100_000] {
        let (dir, cib) = temp_cib(&deep_cib(levels));
        let input = dir.path().join("input.xml");
        std::fs::write(&input, nested(levels)).unwrap();
        let (_d2, good) = temp_cib(EMPTY);
        let before = std::fs::read(&good).unwrap();

        // cibadmin: an input that does not parse is CRM_EX_CONFIG, "Couldn't parse input from".
        let o = run(
            CIBADMIN,
            &["--create", "-o", "resources", "-x", input.to_str().unwrap()],
            Some(&good),
        );
        assert_eq!(code(&o, "cibadmin -x"), 78, "{}", stderr(&o));
        assert!(stderr(&o).contains("depth limit"), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("Couldn't parse input from"),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&good).unwrap(), before, "nothing changes");

        // cibadmin on a CIB_file that is too deep.
        let o = run(CIBADMIN, &["--query"], Some(&cib));
        assert_eq!(code(&o, "cibadmin -Q"), 78, "{}", stderr(&o));
        assert!(
            stderr(&o).contains("cib.xml"),
            "names the file: {}",
            stderr(&o)
        );

        // crm_verify: CRM_EX_CONFIG, as for any file that does not parse.
        let o = run(CRM_VERIFY, &["-x", cib.to_str().unwrap()], None);
        assert_eq!(code(&o, "crm_verify -x"), 78, "{}", stderr(&o));
        let o = run(CRM_VERIFY, &["-L"], Some(&cib));
        assert_eq!(code(&o, "crm_verify -L"), 78, "{}", stderr(&o));

        // crm_simulate: invalid data.
        let o = run(CRM_SIMULATE, &["-x", cib.to_str().unwrap(), "-S"], None);
        assert_eq!(code(&o, "crm_simulate -x"), 65, "{}", stderr(&o));
        assert!(stderr(&o).contains("256 levels"), "{}", stderr(&o));

        // crm_attribute on the CIB_file.
        let o = run(CRM_ATTRIBUTE, &["-n", "x", "-v", "1"], Some(&cib));
        let rc = code(&o, "crm_attribute");
        assert_ne!(rc, 0, "{}", stderr(&o));
    }
}

#[test]
fn compressed_inputs_are_read_like_pacemakers() {
    let (dir, _cib) = temp_cib(EMPTY);
    let bz = cib::series::save(dir.path(), cib::series::Series::Input, 5, true, EMPTY)
        .unwrap()
        .unwrap();
    assert!(bz.to_string_lossy().ends_with(".bz2"));
    let o = run(CRM_SIMULATE, &["-x", bz.to_str().unwrap(), "-S"], None);
    assert_eq!(code(&o, "crm_simulate"), 0, "{}", stderr(&o));
    let o = run(CRM_VERIFY, &["-x", bz.to_str().unwrap()], None);
    let rc = code(&o, "crm_verify");
    assert!(rc == 0 || rc == 78, "{}", stderr(&o));
    assert!(!stderr(&o).contains("Couldn't parse"), "{}", stderr(&o));
}

#[test]
fn entity_declarations_are_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE resources [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<resources><primitive id="p" class="ocf" provider="heartbeat" type="&b;"/></resources>"#;
    let (dir, good) = temp_cib(EMPTY);
    let input = dir.path().join("laughs.xml");
    std::fs::write(&input, laughs).unwrap();
    let before = std::fs::read(&good).unwrap();
    let o = run(
        CIBADMIN,
        &[
            "--replace",
            "-o",
            "resources",
            "-x",
            input.to_str().unwrap(),
        ],
        Some(&good),
    );
    assert_eq!(code(&o, "cibadmin"), 78, "{}", stderr(&o));
    assert!(stderr(&o).contains("DTD"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&good).unwrap(), before);
}

#[test]
fn a_cib_file_edit_beyond_the_size_limit_is_refused() {
    let small_limit = EMPTY.replace(
        "<crm_config/>",
        r#"<crm_config><cluster_property_set id="o"><nvpair id="o-m" name="cib-max-size" value="2000"/></cluster_property_set></crm_config>"#,
    );
    let (_d, cib) = temp_cib(&small_limit);
    let before = std::fs::read(&cib).unwrap();
    let big = format!(
        "<resources>{}</resources>",
        (0..40)
            .map(|i| format!(
                r#"<primitive id="r{i}" class="ocf" provider="heartbeat" type="Dummy"/>"#
            ))
            .collect::<String>()
    );
    let o = run(
        CIBADMIN,
        &["--replace", "-o", "resources", "-X", &big],
        Some(&cib),
    );
    assert_eq!(code(&o, "cibadmin"), 65, "{}", stderr(&o));
    assert!(stderr(&o).contains("cib-max-size=2000"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&cib).unwrap(), before);
}

#[test]
fn a_deep_but_allowed_cib_stays_small_on_disk() {
    let (_d, cib) = temp_cib(EMPTY);
    // 250 levels under <resources> (itself at level 3): within the 256-level limit.
    let deep = format!("<resources>{}</resources>", nested(250));
    let o = run(
        CIBADMIN,
        &["--replace", "-o", "resources", "-X", &deep],
        Some(&cib),
    );
    assert_eq!(code(&o, "cibadmin"), 0, "{}", stderr(&o));
    let size = std::fs::metadata(&cib).unwrap().len();
    // Indentation growing with depth would make this about 130 KB.
    assert!(size < 40_000, "cib.xml is {size} bytes");
    let o = run(CIBADMIN, &["--query"], Some(&cib));
    assert_eq!(code(&o, "cibadmin -Q"), 0);
}

#[test]
fn concurrent_cib_file_writers_lose_nothing() {
    let (_d, cib) = temp_cib(EMPTY);
    let writers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|who| {
            let cib = cib.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for i in 0..100 {
                    let name = format!("{who}-{i}");
                    let o = run(CRM_ATTRIBUTE, &["-n", &name, "-v", "1"], Some(&cib));
                    if code(&o, "crm_attribute") == 0 {
                        acknowledged.push(name);
                    }
                }
                acknowledged
            })
        })
        .collect();
    let acknowledged: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let text = std::fs::read_to_string(&cib).unwrap();
    let root = cib::xml::parse_element(&text).unwrap();
    let present: std::collections::BTreeSet<&str> = root
        .descendants()
        .into_iter()
        .filter(|e| e.name == "nvpair")
        .filter_map(|e| e.attr("name"))
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|n| !present.contains(n.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost: {lost:?}",
        lost.len()
    );
    assert_eq!(
        acknowledged.len(),
        200,
        "every write succeeds under the lock"
    );
}
