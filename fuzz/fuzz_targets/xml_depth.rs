//! Fuzzes the reader's bounds: arbitrary content wrapped in up to 200,000 levels of nesting (and
//! optionally a DTD) must be refused above the depth limit and, below it, survive every walk the
//! project does over a tree (writers, digest, typed model, patch diff and apply, drop) without
//! exhausting the stack.
#![no_main]

use cib::xml::{Limits, MAX_DEPTH};
use cib::{digest, model, patch, Document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    // Bytes 0-1: nesting levels (scaled so both sides of the limit and very deep trees occur);
    // byte 2: tag name and whether a DTD precedes; the rest: the innermost content.
    let raw = u16::from_le_bytes([data[0], data[1]]) as usize;
    let levels = if raw & 1 == 0 { raw >> 1 & 0x1ff } else { (raw >> 1) * 6 };
    let tag = ["a", "cib", "primitive", "diff", "x-y"][data[2] as usize % 5];
    let inner = String::from_utf8_lossy(&data[3..]);
    let mut text = String::new();
    if data[2] & 0x80 != 0 {
        text.push_str("<!DOCTYPE a [<!ENTITY e \"ee\">]>");
    }
    for _ in 0..levels {
        text.push('<');
        text.push_str(tag);
        text.push('>');
    }
    text.push_str(&inner);
    for _ in 0..levels {
        text.push_str("</");
        text.push_str(tag);
        text.push('>');
    }
    let limits = Limits::default();
    let Ok(doc) = Document::parse_with(&text, &limits) else {
        return;
    };
    assert!(data[2] & 0x80 == 0, "a DTD was accepted");
    let depth = doc.root.depth();
    assert!(depth <= MAX_DEPTH, "parsed {depth} levels");
    assert!(levels <= MAX_DEPTH, "{levels} levels accepted");
    let _ = digest::digest(&doc.root);
    let _ = model::Cib::from_element(&doc.root);
    let written = doc.to_xml();
    let again = Document::parse(&written).expect("own output parses");
    assert_eq!(again.root, doc.root);
    if doc.root.name == "diff" {
        let mut target = cib::Element::new("cib");
        let _ = patch::apply(&doc.root, &mut target);
    } else if patch::is_path_name(&doc.root.name) {
        let empty = cib::Element::new(doc.root.name.clone());
        let d = patch::diff(&empty, &doc.root);
        let mut applied = empty.clone();
        if patch::apply(&d, &mut applied).is_ok() {
            let _ = cib::limits::check_result(&empty, &applied);
        }
    }
});
