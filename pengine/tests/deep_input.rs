//! The deepest CIB the reader accepts (256 levels) goes through every recursive walk of the
//! policy engine, the checker and the patch code on a thread with a 2 MiB stack (the default
//! for the daemons' threads) without overflowing it.

use cib::xml::{parse_element, MAX_DEPTH};

/// A CIB with `levels` nested rules in a location constraint and as many nested unknown
/// elements inside a primitive, each reaching the total depth given.
fn deep_cib(total: usize) -> String {
    // cib > configuration > constraints > rsc_location = 4 levels, then the rules, then the
    // innermost expression.
    let rules = total - 5;
    let mut rule = String::from(r#"<expression id="e" attribute="a" operation="defined"/>"#);
    for i in 0..rules {
        rule = format!(r#"<rule id="r{i}" score="10" boolean-op="and">{rule}</rule>"#);
    }
    // cib > configuration > resources > primitive = 4 levels before the first extra element.
    let extra = total - 4;
    let junk = format!("{}{}", "<x>".repeat(extra), "</x>".repeat(extra));
    format!(
        r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes><resources><primitive id="p" class="ocf" provider="heartbeat" type="Dummy">{junk}</primitive></resources><constraints><rsc_location id="l" rsc="p">{rule}</rsc_location></constraints></configuration><status><node_state id="1" uname="n1" crmd="online" join="member" expected="member" in_ccm="true"/></status></cib>"#
    )
}

#[test]
fn the_deepest_accepted_cib_fits_a_2_mib_stack() {
    let text = deep_cib(MAX_DEPTH);
    let cib = parse_element(&text).expect("within the limit");
    assert_eq!(cib.depth(), MAX_DEPTH);
    assert!(parse_element(&deep_cib(MAX_DEPTH + 1)).is_err());
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let sched = pengine::schedule(&cib, 0).expect("schedules");
            let _ = pengine::render::scores(&sched);
            let _ = cib::verify::verify_root(&cib);
            let _ = cib::digest::digest(&cib);
            let empty = cib::xml::Element::new("cib");
            let d = cib::patch::diff(&empty, &cib);
            let mut applied = empty.clone();
            cib::patch::apply(&d, &mut applied).expect("own diff applies");
            assert_eq!(applied, cib);
            let back = parse_element(&cib.to_xml()).expect("own output parses");
            assert_eq!(back, cib);
        })
        .expect("spawn");
    worker.join().expect("no stack overflow or panic");
}
