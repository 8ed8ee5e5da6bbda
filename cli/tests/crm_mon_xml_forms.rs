//! `crm_mon --as-xml` (the legacy `<crm_mon>` document crmsh's `crm status xml` asks for) and
//! the `last_change` element of `--output-as=xml`, which ClusterLabs' ha_cluster_exporter
//! parses: the time alone in `time`, the rest in `user`/`client`/`origin`. Expected forms are
//! Pacemaker 2.1.5's output for the same CIB.

#![cfg(all(feature = "simulate", feature = "cib-tools"))]

mod common;

use std::path::PathBuf;
use std::process::Command;

fn crm_mon(args: &[&str]) -> String {
    let cib = std::env::var_os("CLI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(common::CORPUS))
        .join("crm_mon.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_crm_mon"))
        .args(args)
        .env("CIB_file", cib)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn without_volatile(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.contains("<last_update "))
        .collect()
}

#[test]
fn last_change_has_separate_attributes() {
    let out = crm_mon(&["-1", "--output-as=xml"]);
    assert!(
        out.contains(
            "    <last_change time=\"Tue May  5 12:04:36 2020\" user=\"hacluster\" client=\"crmd\" origin=\"cluster01\"/>\n"
        ),
        "{out}"
    );
}

#[test]
fn as_xml_is_the_same_content_in_the_legacy_root() {
    let new = crm_mon(&["-1", "--output-as=xml"]);
    let legacy = crm_mon(&["-1", "--as-xml"]);
    let new_lines = without_volatile(&new);
    let legacy_lines = without_volatile(&legacy);
    assert_eq!(legacy_lines.first(), Some(&"<crm_mon version=\"2.1.5\">"));
    assert_eq!(legacy_lines.last(), Some(&"</crm_mon>"));
    assert!(!legacy.contains("<status code="));
    // Everything between the root tags is what --output-as=xml writes.
    assert_eq!(
        &legacy_lines[1..legacy_lines.len() - 1],
        &new_lines[1..new_lines.len() - 2]
    );
    assert!(legacy.contains("<node_history>") && legacy.contains("<bans>"));
    // crmsh adds -j when the help lists --pending.
    let with_pending = crm_mon(&["-1", "-j", "--as-xml"]);
    assert_eq!(without_volatile(&with_pending), legacy_lines);
}
