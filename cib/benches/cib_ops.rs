//! Timing table for the CIB operations other crates call often: parse, typed model, digest,
//! XPath, diff, apply, and a store save/load. Run with `cargo bench -p cib`.

use cib::store::CibStore;
use cib::{digest, model, patch, xpath, Document, Element};
use std::time::{Duration, Instant};

/// A synthetic CIB with `n` primitives, each with parameters, an op and a status entry.
fn synthetic(n: usize, epoch: u64) -> Element {
    let mut text = format!(
        r#"<cib admin_epoch="0" epoch="{epoch}" num_updates="0" crm_feature_set="3.16.1" validate-with="pacemaker-3.9"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o-1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes><node id="1" uname="n1"/></nodes><resources>"#
    );
    for i in 0..n {
        text.push_str(&format!(
            r#"<primitive id="r{i}" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="r{i}-ia"><nvpair id="r{i}-ip" name="ip" value="10.0.{}.{}"/></instance_attributes><operations><op id="r{i}-mon" name="monitor" interval="10s"/></operations></primitive>"#,
            i / 256,
            i % 256
        ));
    }
    text.push_str(r#"</resources><constraints/></configuration><status><node_state id="1" uname="n1"><lrm id="1"><lrm_resources>"#);
    for i in 0..n {
        text.push_str(&format!(
            r#"<lrm_resource id="r{i}" class="ocf" provider="heartbeat" type="IPaddr2"><lrm_rsc_op id="r{i}_last_0" operation_key="r{i}_start_0" operation="start" call-id="{i}" rc-code="0" op-status="0" interval="0"/></lrm_resource>"#
        ));
    }
    text.push_str("</lrm_resources></lrm></node_state></status></cib>");
    Document::parse(&text).unwrap().root
}

fn time<T>(iterations: u32, mut f: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(f());
    }
    start.elapsed() / iterations
}

fn main() {
    println!(
        "{:<34} {:>10} {:>12} {:>12}",
        "operation", "resources", "bytes", "time"
    );
    for n in [100, 1000, 5000] {
        let cib = synthetic(n, 1);
        let text = cib.to_xml();
        let mut edited = cib.clone();
        // A realistic edit: one parameter changed, one resource removed, one added.
        cib::edit::modify(
            &mut edited,
            None,
            &cib::xml::parse_element(r#"<nvpair id="r7-ip" value="192.168.0.7"/>"#).unwrap(),
            false,
        )
        .unwrap();
        cib::edit::delete_xpath(&mut edited, "//primitive[@id='r3']", false).unwrap();
        cib::edit::create(
            &mut edited,
            Some("resources"),
            &cib::xml::parse_element(
                r#"<primitive id="extra" class="ocf" provider="heartbeat" type="Dummy"/>"#,
            )
            .unwrap(),
        )
        .unwrap();
        cib::edit::bump_for_change(&cib, &mut edited);
        let d = patch::diff(&cib, &edited);
        let iterations = if n >= 5000 { 5 } else { 20 };
        let dir = tempfile::tempdir().unwrap();
        let store = CibStore::open(dir.path()).unwrap().with_max_backups(2);
        let rows: Vec<(&str, Duration)> = vec![
            (
                "parse",
                time(iterations, || Document::parse(&text).unwrap()),
            ),
            (
                "model::Cib::from_element",
                time(iterations, || model::Cib::from_element(&cib).unwrap()),
            ),
            (
                "digest (cibadmin -5)",
                time(iterations, || digest::digest(&cib)),
            ),
            (
                "xpath //primitive[@id='r42']",
                time(iterations, || {
                    xpath::select(&cib, "//primitive[@id='r42']").unwrap().len()
                }),
            ),
            (
                "patch::diff (3 changes)",
                time(iterations, || patch::diff(&cib, &edited)),
            ),
            (
                "patch::apply (3 changes)",
                time(iterations, || {
                    let mut x = cib.clone();
                    patch::apply(&d, &mut x).unwrap();
                    x
                }),
            ),
            (
                "store save (fsync) + load",
                time(iterations.min(5), || {
                    store.save(&cib).unwrap();
                    store.load().unwrap()
                }),
            ),
        ];
        for (name, t) in rows {
            println!("{name:<34} {n:>10} {:>12} {:>12.3?}", text.len(), t);
        }
    }
}
