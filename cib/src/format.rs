//! Writes XML the way Pacemaker's tools print it, for byte-identical output.
//!
//! The layout is [`Element::to_xml`]'s (two-space indentation, `<x/>` for empty elements); the
//! difference is escaping: Pacemaker also writes `'` as `&apos;` in attribute values (ACL
//! `xpath` attributes and patch paths hold quotes). Unlike Pacemaker, control characters in
//! attribute values stay lossless character references (`&#10;`), and text and the comments
//! before the root are kept.

use crate::{Document, Element, Node};
use vocab::xml_escape::{push_escaped, Policy};

/// `element` indented, as `cibadmin --query` prints it (no trailing newline).
pub fn element_to_string(element: &Element) -> String {
    let mut out = String::new();
    write_element(&mut out, element, Some(0));
    out
}

/// The whole document with a trailing newline, as Pacemaker writes a CIB file.
pub fn document_to_string(doc: &Document) -> String {
    let mut out = String::new();
    for node in &doc.prolog {
        write_node(&mut out, node, Some(0));
        out.push('\n');
    }
    write_element(&mut out, &doc.root, Some(0));
    out.push('\n');
    out
}

fn write_node(out: &mut String, node: &Node, indent: Option<usize>) {
    match node {
        Node::Element(e) => write_element(out, e, indent),
        Node::Text(t) => push_escaped(out, t, Policy::Text),
        Node::Comment(c) => {
            out.push_str("<!--");
            out.push_str(c);
            out.push_str("-->");
        }
        Node::CData(c) => {
            out.push_str("<![CDATA[");
            out.push_str(c);
            out.push_str("]]>");
        }
        Node::ProcessingInstruction(p) => {
            out.push_str("<?");
            out.push_str(p);
            out.push_str("?>");
        }
    }
}

fn write_element(out: &mut String, e: &Element, indent: Option<usize>) {
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        push_escaped(out, v, Policy::Pacemaker);
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    // Mixed content stays inline: added whitespace would change the text.
    let inline = e
        .children
        .iter()
        .any(|n| matches!(n, Node::Text(_) | Node::CData(_)));
    let child_indent = if inline { None } else { indent.map(|i| i + 1) };
    for child in &e.children {
        if let Some(level) = child_indent {
            out.push('\n');
            crate::xml::push_indent(out, level);
        }
        write_node(out, child, child_indent);
    }
    if let (Some(level), false) = (indent, inline) {
        out.push('\n');
        crate::xml::push_indent(out, level);
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
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
