//! Startup recovery of the stored CIB: a damaged `cib.xml` falls back to the newest valid
//! backup; the store refuses only when no copy is usable.

use std::fs;
use std::path::Path;

use cib::store::{CibStore, StoreError, CIB_FILE};
use cib::xml::parse_element;

fn cib(epoch: u32) -> cib::Element {
    parse_element(&format!(
        r#"<cib epoch="{epoch}" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>"#
    ))
    .unwrap()
}

/// A store holding epochs 1..=n: `cib.xml` is epoch n, backups 0..n-1 hold epochs 1..n-1.
fn store_with(dir: &Path, n: u32) -> CibStore {
    let store = CibStore::open(dir).unwrap();
    for e in 1..=n {
        store.save(&cib(e)).unwrap();
    }
    store
}

fn epoch(store: &CibStore) -> String {
    let doc = store.load_or_backup().unwrap().expect("a configuration");
    doc.root.attr("epoch").unwrap().to_string()
}

#[test]
fn a_hand_edited_cib_xml_falls_back_to_the_newest_valid_backup() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 3);
    let path = dir.path().join(CIB_FILE);
    let edited = fs::read_to_string(&path).unwrap().replace(
        "<resources/>",
        "<resources><primitive id=\"x\"/></resources>",
    );
    fs::write(&path, edited).unwrap();
    assert!(matches!(
        store.load(),
        Err(StoreError::DigestMismatch { .. })
    ));
    assert_eq!(epoch(&store), "2");
    // The damaged file is left for the administrator; the next save replaces it.
    store.save(&cib(4)).unwrap();
    assert_eq!(epoch(&store), "4");
    assert_eq!(store.load().unwrap().unwrap().root.attr("epoch"), Some("4"));
}

#[test]
fn damaged_backups_are_skipped_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 4);
    fs::write(dir.path().join(CIB_FILE), "<cib epoch=").unwrap();
    let newest = store.last_backup().unwrap();
    fs::write(dir.path().join(format!("cib-{newest}.raw")), "garbage").unwrap();
    fs::remove_file(dir.path().join(format!("cib-{}.raw.sig", newest - 1))).unwrap();
    assert_eq!(epoch(&store), "1");
}

#[test]
fn an_unreadable_or_unsigned_cib_xml_also_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 2);
    fs::remove_file(dir.path().join("cib.xml.sig")).unwrap();
    assert_eq!(epoch(&store), "1");
    fs::remove_file(dir.path().join(CIB_FILE)).unwrap();
    fs::create_dir(dir.path().join(CIB_FILE)).unwrap();
    assert_eq!(epoch(&store), "1");
}

#[test]
fn no_usable_copy_is_an_error_naming_the_primary_problem() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 2);
    fs::write(dir.path().join(CIB_FILE), "<cib/>").unwrap();
    fs::write(dir.path().join("cib-0.raw"), "<cib/>").unwrap();
    let err = store.load_or_backup().unwrap_err();
    assert!(
        matches!(&err, StoreError::NoUsableCopy { primary, backups: 1 }
            if matches!(**primary, StoreError::DigestMismatch { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("cib.xml") && text.contains("digest mismatch"),
        "{text}"
    );
    // Nothing was changed on disk by the attempt.
    assert_eq!(
        fs::read_to_string(dir.path().join(CIB_FILE)).unwrap(),
        "<cib/>"
    );
}

#[test]
fn an_empty_store_and_a_good_cib_xml_load_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = CibStore::open(dir.path()).unwrap();
    assert!(store.load_or_backup().unwrap().is_none());
    store.save(&cib(7)).unwrap();
    assert_eq!(epoch(&store), "7");
}
