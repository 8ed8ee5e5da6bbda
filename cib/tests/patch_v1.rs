//! v1 patches (`<diff format="1">`) against output of Pacemaker 2.1.5's own `crm_diff`, kept in
//! `tests/data/patch_v1` (inputs written for these tests; `v1*.xml` and `applied.xml` are what
//! the installed `crm_diff` printed for them).

use cib::{format, patch, Document, Element};

fn data(name: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/patch_v1/");
    std::fs::read_to_string(format!("{p}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn load(name: &str) -> Element {
    Document::parse(&data(name)).unwrap().root
}

fn printed(e: &Element) -> String {
    format::element_to_string(e) + "\n"
}

#[test]
fn no_feature_set_means_v1_byte_identical_to_crm_diff() {
    let (old, new) = (load("old.xml"), load("new.xml"));
    let mut d = patch::diff_for(&old, &new).expect("changes");
    assert_eq!(d.attr("format"), Some("1"));
    d.set_attr("digest", cib::digest::versioned_digest_as(&new, None));
    assert_eq!(printed(&d), data("v1.xml"));
}

#[test]
fn stripped_versions_match_crm_diff_no_version() {
    let (old, mut new) = (load("old2.xml"), load("new2.xml"));
    for k in ["admin_epoch", "epoch", "num_updates"] {
        new.set_attr(k, old.attr(k).unwrap());
    }
    let mut d = patch::v1::diff(&old, &new).expect("changes");
    d.set_attr("digest", cib::digest::versioned_digest_as(&new, None));
    patch::v1::strip_versions(&mut d);
    assert_eq!(printed(&d), data("v1-2-no-version.xml"));
}

#[test]
fn feature_set_above_3_0_8_means_v2() {
    let old = load("old.xml").with_attr("crm_feature_set", "3.0.9");
    let new = load("new.xml").with_attr("crm_feature_set", "3.0.9");
    assert_eq!(
        patch::diff_for(&old, &new).unwrap().attr("format"),
        Some("2")
    );
    let old = load("old.xml").with_attr("crm_feature_set", "3.0.8");
    assert_eq!(
        patch::diff_for(&old, &new).unwrap().attr("format"),
        Some("1")
    );
    assert!(patch::diff_for(&old, &old).is_none());
}

#[test]
fn apply_detects_v1_and_matches_pacemaker_including_kept_attributes() {
    // Pacemaker's v1 application never removes an attribute: `description` survives.
    let mut cib = load("old.xml");
    let mut d = load("v1.xml");
    d.remove_attr("digest");
    patch::apply_unchecked(&d, &mut cib).unwrap();
    assert_eq!(printed(&cib), data("applied.xml"));
    assert_eq!(cib.find_by_id("d1").unwrap().attr("description"), Some("x"));
}

#[test]
fn digest_mismatch_is_refused_and_changes_nothing() {
    // The added primitive lands after the comment, so the result's digest differs from the
    // announced one: Pacemaker refuses such a patch, and so do we.
    let old = load("old2.xml");
    let d = load("v1-2-no-version.xml");
    let mut cib = old.clone();
    let err = patch::apply_unchecked(&d, &mut cib).unwrap_err();
    assert!(matches!(err, patch::PatchError::Digest { .. }), "{err}");
    assert_eq!(cib, old);
    // Without the digest (as crmsh sends it) the change goes in.
    let mut d = d;
    d.remove_attr("digest");
    patch::apply_unchecked(&d, &mut cib).unwrap();
    assert!(cib.find_by_id("d1").is_none());
    assert!(cib.find_by_id("d2").is_some());
    assert!(cib.find_by_id("l1").is_some());
}

#[test]
fn version_check_reads_v1_sections() {
    let old = load("old.xml");
    let d = load("v1.xml");
    // 0.5.2 -> 0.6.0 applies to 0.5.2 only.
    patch::check_version(&d, &old).unwrap();
    let newer = old.clone().with_attr("epoch", "7");
    assert!(matches!(
        patch::check_version(&d, &newer),
        Err(patch::PatchError::Old { .. })
    ));
    let older = old.clone().with_attr("epoch", "4");
    assert!(matches!(
        patch::check_version(&d, &older),
        Err(patch::PatchError::Ahead { .. })
    ));
    // Without versions (crm_diff --no-version) any CIB is the source.
    patch::check_version(&load("v1-no-version.xml"), &newer).unwrap();
}

#[test]
fn two_change_sets_are_refused() {
    let mut d = load("v1.xml");
    d.remove_attr("digest");
    let extra = d
        .child("diff-added")
        .unwrap()
        .elements()
        .next()
        .unwrap()
        .clone();
    d.child_mut("diff-added")
        .unwrap()
        .children
        .push(cib::Node::Element(extra));
    let mut cib = load("old.xml");
    assert!(patch::apply_unchecked(&d, &mut cib).is_err());
    assert_eq!(cib, load("old.xml"));
}
