//! No file the CIB store or the policy engine input series writes is readable by others, even
//! under umask 000: they hold fence passwords. One test in this binary, since the umask is
//! process-wide.

use cib::series::{self, Series};
use cib::store::CibStore;
use cib::xml::parse_element;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn nothing_is_world_readable_under_umask_000() {
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    let dir = tempfile::tempdir().unwrap();
    let crm = dir.path().join("state/crm");
    let store = CibStore::open(&crm).unwrap();
    for epoch in 1..=3 {
        let cib = parse_element(&format!(
            r#"<cib epoch="{epoch}" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources><primitive id="f" class="stonith" type="fence_ipmilan"><instance_attributes id="f-ia"><nvpair id="f-pw" name="password" value="secret"/></instance_attributes></primitive></resources><constraints/></configuration></cib>"#
        ))
        .unwrap();
        store.save(&cib).unwrap();
    }
    let pe = dir.path().join("state/pengine");
    series::save(&pe, Series::Input, 10, true, "<cib/>").unwrap();
    series::save(&pe, Series::Warn, 10, false, "<cib/>").unwrap();
    nix::sys::stat::umask(old);

    assert_eq!(mode(&crm), 0o750, "{}", crm.display());
    assert_eq!(mode(&pe), 0o750, "{}", pe.display());
    let mut seen = 0;
    for d in [&crm, &pe] {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            assert_eq!(mode(&p), 0o600, "{}", p.display());
            seen += 1;
        }
    }
    // cib.xml, .sig, lock, cib.last, 2 backups with signatures; 2 inputs with their .last.
    assert_eq!(seen, 8 + 4);
}
