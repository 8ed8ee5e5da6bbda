//! Fuzzes the CIB reader: parse, typed model, digest, XPath, edits and patch round trips must
//! never panic, and a diff must always turn its source into its target.
#![no_main]

use cib::{digest, edit, model, patch, xpath, Document};
use libfuzzer_sys::fuzz_target;

/// What fuzzed patches are applied to.
const TARGET: &str = r#"<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config>
<cluster_property_set id="o"><nvpair id="o-a" name="a" value="1"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><!-- c --><node id="2" uname="n2"/></nodes><resources><group id="g">
<primitive id="p" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="p-m" name="monitor"
interval="10s"/></operations></primitive></group></resources><constraints/></configuration><status/></cib>"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = Document::parse(text) else {
        return;
    };
    let root = &doc.root;
    // Every walk below recurses; the reader's depth limit is what keeps them on the stack.
    assert!(root.depth() <= cib::xml::MAX_DEPTH);
    // A patch from the network must fail cleanly, never panic, and never half-apply.
    if root.name == "diff" {
        let mut target = cib::xml::parse_element(TARGET).expect("fixed CIB parses");
        let before = target.clone();
        if patch::apply(root, &mut target).is_err() {
            assert_eq!(target, before, "a failed patch changed the CIB");
        }
        let _ = patch::apply_unchecked(root, &mut target);
        return;
    }
    let _ = model::Cib::from_element(root);
    let _ = digest::digest(root);
    // The writer's output must read back as the same tree.
    let again = Document::parse(&doc.to_xml()).expect("own output parses");
    assert_eq!(&again.root, root);
    let again = Document::parse(&cib::format::document_to_string(&doc)).expect("parses");
    assert_eq!(&again.root, root);
    for expr in [
        "//primitive[@id='x']",
        "//*[@id]",
        "/cib/configuration/*[1]",
        "//nvpair[@name='a' and @value='b']",
    ] {
        let _ = xpath::select(root, expr);
    }
    // Diff against an edited copy and back (text right under the root has no patch form).
    // A root tag a path can not spell has no patch form either.
    if !patch::is_path_name(&root.name)
        || root
            .children
            .iter()
            .any(|n| matches!(n, cib::Node::Text(_) | cib::Node::CData(_)))
    {
        return;
    }
    let mut edited = root.clone();
    let _ = edit::delete_xpath(&mut edited, "//*[@id][1]", false);
    let _ = edit::modify(
        &mut edited,
        None,
        &cib::Element::new(root.name.clone()).with_attr("epoch", "epoch++"),
        false,
    );
    let d = patch::diff(root, &edited);
    let mut applied = root.clone();
    patch::apply(&d, &mut applied).expect("own diff applies");
    assert_eq!(applied, edited);
    let back = patch::diff(&edited, root);
    let mut restored = edited.clone();
    patch::apply(&back, &mut restored).expect("own reverse diff applies");
    assert_eq!(&restored, root);
});
