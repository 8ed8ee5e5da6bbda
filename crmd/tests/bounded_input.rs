//! End to end: hostile XML sent to the live CIB service is refused with a reason, the daemons
//! stay up and the CIB (in memory and on disk) does not change; the CIB size limit holds; the
//! state files are private; the pe-input series stays within `pe-input-series-max`. Needs root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig};
use crmd::proto::{CibClient, ClientError};

const VIP: &str = "10.1.0.100";

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("daemons build")
}

fn client(lab: &Lab, i: usize) -> CibClient {
    CibClient::connect(&lab.nodes[i].cib_socket()).expect("connect")
}

fn version(lab: &Lab) -> (String, String) {
    let cib = cib::xml::parse_element(&client(lab, 0).query().expect("query")).expect("parse");
    let a = |k: &str| cib.attr(k).unwrap_or_default().to_string();
    (a("epoch"), a("num_updates"))
}

/// A v2 patch creating `levels` nested elements under the resources section.
fn deep_patch(levels: usize) -> String {
    format!(
        r#"<diff format="2"><change operation="create" path="/cib/configuration/resources" position="0">{}{}</change></diff>"#,
        "<a>".repeat(levels),
        "</a>".repeat(levels)
    )
}

fn refused(r: Result<(), ClientError>) -> (i32, String) {
    match r {
        Err(ClientError::Refused { rc, message }) => (rc, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn pe_inputs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("pe-input-"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn hostile_xml_is_refused_by_the_live_cib_service() {
    let Some(lab) = start_or_skip("bounded_input", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(VIP, "node1")),
        "{}",
        lab.logs()
    );
    std::thread::sleep(Duration::from_secs(1));
    let before = version(&lab);
    let cib_xml = lab.nodes[0].dir.join("state/crm/cib.xml");
    let disk_before = std::fs::read(&cib_xml).expect("cib.xml");

    // 100,000 levels (700 KB) and 10,000 levels (70 KB), through either node.
    for (levels, node) in [(100_000, 0), (10_000, 1), (10_000, 0)] {
        let (rc, msg) = refused(client(&lab, node).patch(deep_patch(levels)));
        assert_eq!(rc, 65, "{msg}");
        assert!(msg.contains("256 levels"), "{msg}");
    }
    // Entities: declared ones are refused, undeclared ones do not resolve.
    let laughs = r#"<!DOCTYPE diff [<!ENTITY a "aaaa">]><diff format="2"/>"#;
    let (rc, msg) = refused(client(&lab, 0).patch(laughs.into()));
    assert_eq!(rc, 65, "{msg}");
    assert!(msg.contains("DTD"), "{msg}");

    // The whole-CIB limit, named in the refusal; the property itself is an ordinary write.
    let size = cib::xml::parse_element(&client(&lab, 0).query().expect("query"))
        .expect("parse")
        .to_xml_compact()
        .len();
    let limit = size + 1500;
    let (rc, out) = lab
        .run_on(
            0,
            &format!("crm_attribute -t crm_config -n cib-max-size -v {limit}"),
        )
        .expect("crm_attribute");
    assert_eq!(rc, 0, "{out}");
    let limited = version(&lab);
    let many: String = (0..60)
        .map(|i| format!(r#"<primitive id="p{i}" class="ocf" provider="heartbeat" type="Dummy"/>"#))
        .collect();
    let (rc, out) = lab
        .run_on(
            0,
            &format!("cibadmin --create -o resources -X '<group id=\"big\">{many}</group>'"),
        )
        .expect("cibadmin");
    assert_ne!(rc, 0, "{out}");
    assert!(out.contains(&format!("cib-max-size={limit}")), "{out}");
    assert_eq!(version(&lab), limited, "a refused write changes nothing");
    assert_ne!(limited, before);
    let (rc, out) = lab
        .run_on(0, "crm_attribute -t crm_config -n cib-max-size -D")
        .expect("crm_attribute");
    assert_eq!(rc, 0, "{out}");

    // The daemons are all up and the service never moved.
    let (rc, out) = lab.run_on(1, "crm_mon -1").expect("crm_mon");
    assert_eq!(rc, 0, "{out}");
    assert!(lab.serves(VIP, "node1"), "{}", lab.logs());
    let after = std::fs::read_to_string(&cib_xml).expect("cib.xml");
    assert!(
        !after.contains("<a>"),
        "nothing of the deep patches is stored"
    );
    assert!(
        after.len() < disk_before.len() + 4096,
        "{} bytes",
        after.len()
    );

    // Private state: the CIB, its backups and the policy engine inputs.
    let state = lab.nodes[0].dir.join("state");
    for d in ["crm", "pengine"] {
        assert_eq!(mode(&state.join(d)), 0o750, "{d}");
        for e in std::fs::read_dir(state.join(d))
            .expect("state dir")
            .flatten()
        {
            assert_eq!(mode(&e.path()), 0o600, "{}", e.path().display());
        }
    }

    // pe-input-series-max bounds the series: 2 files at most, however many transitions run.
    let (rc, out) = lab
        .run_on(0, "crm_attribute -t crm_config -n pe-input-series-max -v 2")
        .expect("crm_attribute");
    assert_eq!(rc, 0, "{out}");
    for i in 0..6 {
        let (rc, out) = lab
            .run_on(
                0,
                &format!(
                    "crm_attribute -t crm_config -n cluster-recheck-interval -v {}min",
                    i + 5
                ),
            )
            .expect("crm_attribute");
        assert_eq!(rc, 0, "{out}");
        std::thread::sleep(Duration::from_millis(700));
    }
    let pe = state.join("pengine");
    let files = pe_inputs(&pe);
    assert!(
        !files.is_empty() && files.len() <= 2,
        "pe-input files: {files:?}"
    );
    assert!(files.iter().all(|f| f.ends_with(".bz2")), "{files:?}");
}
