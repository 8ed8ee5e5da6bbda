//! A node whose `cib.xml` was hand-edited (its digest no longer matches) starts from the newest
//! valid backup instead of crmd failing at every respawn. Needs root (a namespace lab).

use std::path::PathBuf;
use std::time::Duration;

use crmd::lab::{start_or_skip, wait_until, LabConfig};

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

#[test]
fn a_hand_edited_cib_xml_starts_from_the_newest_valid_backup() {
    let mut config = LabConfig::classic(bin_dir());
    config.nodes = vec!["node1".into(), "node2".into()];
    config.haresources = String::new();
    let Some(mut lab) = start_or_skip("cib_recovery", config) else {
        return;
    };
    let crm = lab.nodes[0].dir.join("state/crm");
    // Two configuration changes: cib.xml holds the second, a backup the first.
    for (value, name, setting) in [
        ("first", "batch-limit", "10"),
        ("second", "node-action-limit", "4"),
    ] {
        lab.edit_cib(0, |cib| {
            let cfg = cib.child_mut("configuration").unwrap();
            let crm_config = cfg.child_or_insert("crm_config");
            let mut set = cib::xml::Element::new("cluster_property_set")
                .with_attr("id", format!("set-{value}"));
            set.children.push(cib::xml::Node::Element(
                cib::xml::Element::new("nvpair")
                    .with_attr("id", format!("set-{value}-nv"))
                    .with_attr("name", name)
                    .with_attr("value", setting),
            ));
            crm_config.children.push(cib::xml::Node::Element(set));
        })
        .expect("change accepted");
    }
    let saved = wait_until(Duration::from_secs(20), || {
        std::fs::read_to_string(crm.join("cib.xml")).is_ok_and(|t| t.contains("set-second"))
            && crm.join("cib.last").exists()
    });
    assert!(saved, "configuration never saved\n{}", lab.logs());

    // node2 goes too, so node1 comes back alone with nothing but its own disk to go by.
    lab.kill(1);
    lab.kill(0);
    let path = crm.join("cib.xml");
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("set-second", "set-by-hand");
    std::fs::write(&path, edited).unwrap();

    // Before: crmd exited on the digest mismatch at every respawn and never served the CIB.
    lab.start(0).expect("node comes up");
    let mut cib = None;
    let served = wait_until(Duration::from_secs(30), || {
        cib = lab.cib(0);
        cib.is_some()
    });
    assert!(served, "crmd never served a CIB\n{}", lab.logs());
    let text = cib::xml::Document {
        prolog: Vec::new(),
        root: cib.unwrap(),
    };
    let text = cib::format::document_to_string(&text);
    assert!(!text.contains("set-by-hand"), "the damaged file was used");
    assert!(
        text.contains("set-first") && !text.contains("set-second"),
        "not the newest backup: {text}"
    );
    let log = lab.logs();
    assert!(log.contains("trying its backups"), "{log}");
    assert!(log.contains("starting from backup cib-"), "{log}");
}
