//! Writes XML the way Pacemaker's tools print it, for byte-identical output.
//!
//! The layout is [`Element::to_xml`]'s (two-space indentation, `<x/>` for empty elements); the
//! difference is escaping: Pacemaker also writes `'` as `&apos;` in attribute values (ACL
//! `xpath` attributes and patch paths hold quotes). Unlike Pacemaker, control characters in
//! attribute values stay lossless character references (`&#10;`), and text and the comments
//! before the root are kept.

use crate::xml::{write_element, write_node};
use crate::{Document, Element};
use vocab::xml_escape::Policy;

/// `element` indented, as `cibadmin --query` prints it (no trailing newline).
pub fn element_to_string(element: &Element) -> String {
    let mut out = String::new();
    write_element(&mut out, element, Some(0), Policy::Pacemaker);
    out
}

/// The whole document with a trailing newline, as Pacemaker writes a CIB file.
pub fn document_to_string(doc: &Document) -> String {
    let mut out = String::new();
    for node in &doc.prolog {
        write_node(&mut out, node, Some(0), Policy::Pacemaker);
        out.push('\n');
    }
    write_element(&mut out, &doc.root, Some(0), Policy::Pacemaker);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_element;

    #[test]
    fn matches_element_to_xml_except_apostrophes() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/cli-corpus/crm_mon.xml"
        ))
        .unwrap();
        let e = parse_element(&text).unwrap();
        assert_eq!(element_to_string(&e), e.to_xml());
        let acl =
            parse_element(r#"<p xpath="//x[@id='a']" d="a&#10;b"><!--c--><q>t &amp; u</q></p>"#)
                .unwrap();
        let s = element_to_string(&acl);
        assert_eq!(
            s,
            "<p xpath=\"//x[@id=&apos;a&apos;]\" d=\"a&#10;b\">\n  <!--c-->\n  <q>t &amp; u</q>\n</p>"
        );
        assert_eq!(parse_element(&s).unwrap(), acl);
    }
}
