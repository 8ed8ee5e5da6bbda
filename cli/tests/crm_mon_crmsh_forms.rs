//! crm_mon forms crmsh and its users rely on: `--as-xml` (the legacy `<crm_mon>` document
//! crmsh's `crm status xml` asks for), the `last_change` element of `--output-as=xml`, which
//! ClusterLabs' ha_cluster_exporter parses (the time alone in `time`, the rest in
//! `user`/`client`/`origin`), and `crm status full` (`-ncrft`). Expected forms are
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

fn crm_mon_text(args: &[&str]) -> String {
    let cib = std::env::var_os("CLI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(common::CORPUS))
        .join("crm_mon.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_crm_mon"))
        .args(args)
        .env("CIB_file", cib)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// `crm status full` runs `crm_mon -1 -ncrft`: resources under their nodes, then the ones not
/// fully active, then the operations with their times (lines as Pacemaker 2.1.5 prints them).
#[test]
fn full_status_has_inactive_resources_and_timed_operations() {
    let out = crm_mon_text(&["-1", "-ncrft"]);
    let inactive =
        "\nInactive Resources:\n  * Clone Set: inactive-clone [inactive-dhcpd] (disabled):\n    \
* Stopped (disabled): [ cluster01 cluster02 ]\n  * Resource Group: inactive-group (disabled):\n    \
* inactive-dummy-1\t(ocf:pacemaker:Dummy):\t Stopped (disabled)\n";
    assert!(out.contains(inactive), "{out}");
    assert!(out.contains(
        "  * Clone Set: mysql-clone-group [mysql-group]:\n    * Started: [ cluster01 cluster02 ]\n"
    ));
    // ping-clone runs everywhere it can: not listed as inactive.
    let section =
        &out[out.find("Inactive Resources:").unwrap()..out.find("\nOperations:").unwrap()];
    assert!(!section.contains("ping-clone"), "{section}");
    assert!(out.contains(
        "\nOperations:\n  * Node: cluster02:\n    * ping: migration-threshold=1000000:\n      \
* (11) start: last-rc-change=\"Fri May  8 15:21:03 2020\" exec-time=\"2044ms\" queue-time=\"0ms\" rc=0 (ok)\n"
    ), "{out}");
    // -f alone: the heading even with no failed resource.
    assert!(crm_mon_text(&["-1", "-f"]).ends_with("\nMigration Summary:\n"));
}
