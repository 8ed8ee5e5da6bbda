//! The only XML codec of the project: a lossless element tree.
//!
//! Every element, attribute (in source order) and non-blank text, comment, CDATA and processing
//! instruction survives a parse/write round trip, so parts of a CIB the typed model does not
//! know are carried through untouched. Blank text between elements is formatting, not content,
//! and is dropped; the writer re-indents.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::fmt;

/// A parse failure, with the 1-based line and column where the reader stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct XmlError {
    /// 1-based line of the failure.
    pub line: usize,
    /// 1-based column of the failure.
    pub column: usize,
    /// What went wrong.
    pub message: String,
}

/// A child of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Character data (unescaped), never blank.
    Text(String),
    /// A comment's content.
    Comment(String),
    /// A CDATA section's content.
    CData(String),
    /// A processing instruction's content.
    ProcessingInstruction(String),
}

/// An XML element: name, attributes in source order, children.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// Tag name.
    pub name: String,
    /// Attributes in source order, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// Child nodes in source order.
    pub children: Vec<Node>,
    /// 1-based source line of the start tag (0 when built in memory); not part of equality.
    pub line: usize,
}

impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.attrs == other.attrs && self.children == other.children
    }
}
impl Eq for Element {}

/// A whole document: what precedes the root (comments, PIs) and the root element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Comments and processing instructions before the root element.
    pub prolog: Vec<Node>,
    /// The root element.
    pub root: Element,
}

impl Element {
    /// A new element with no attributes or children.
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Builder: adds or replaces an attribute.
    pub fn with_attr(mut self, key: &str, value: impl Into<String>) -> Self {
        self.set_attr(key, value);
        self
    }

    /// Builder: appends a child element.
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// The value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The `id` attribute.
    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    /// Sets `key` to `value`, keeping the attribute's position if it exists.
    pub fn set_attr(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((key.to_string(), value)),
        }
    }

    /// Removes attribute `key`, returning its value.
    pub fn remove_attr(&mut self, key: &str) -> Option<String> {
        let pos = self.attrs.iter().position(|(k, _)| k == key)?;
        Some(self.attrs.remove(pos).1)
    }

    /// Child elements in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements in order, mutable.
    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element> {
        self.children.iter_mut().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The first child element named `name`, mutable.
    pub fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.elements_mut().find(|e| e.name == name)
    }

    /// The first child element named `name`, created (appended) when missing.
    pub fn child_or_insert(&mut self, name: &str) -> &mut Element {
        if self.child(name).is_none() {
            self.children.push(Node::Element(Element::new(name)));
        }
        self.child_mut(name).expect("just inserted")
    }

    /// The concatenated text and CDATA directly inside this element.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) | Node::CData(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Every element of the subtree in document order, this one first.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            out.push(e);
            let kids: Vec<&Element> = e.elements().collect();
            stack.extend(kids.into_iter().rev());
        }
        out
    }

    /// The first element of the subtree (this one included) whose `id` is `id`.
    pub fn find_by_id(&self, id: &str) -> Option<&Element> {
        self.descendants().into_iter().find(|e| e.id() == Some(id))
    }

    /// Serialises the subtree, indented by two spaces per level.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        write_element(&mut out, self, Some(0));
        out
    }

    /// Serialises the subtree on one line, with no added whitespace.
    pub fn to_xml_compact(&self) -> String {
        let mut out = String::new();
        write_element(&mut out, self, None);
        out
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_xml())
    }
}

impl Document {
    /// Parses a document. Fails on malformed XML, on a missing root, and on content after it.
    pub fn parse(text: &str) -> Result<Document, XmlError> {
        parse_document(text)
    }

    /// Serialises the prolog and the root, indented, with a trailing newline and no declaration.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        for node in &self.prolog {
            write_node(&mut out, node, Some(0));
            out.push('\n');
        }
        write_element(&mut out, &self.root, Some(0));
        out.push('\n');
        out
    }
}

/// Parses `text` and returns only its root element.
pub fn parse_element(text: &str) -> Result<Element, XmlError> {
    Ok(parse_document(text)?.root)
}

fn position_error(text: &str, pos: usize, message: impl Into<String>) -> XmlError {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = pos
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    XmlError {
        line,
        column,
        message: message.into(),
    }
}

/// Counts lines incrementally: parse positions only grow, so the whole parse stays linear.
struct LineCounter {
    pos: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, pos: usize) -> usize {
        let pos = pos.min(text.len());
        if pos < self.pos {
            *self = LineCounter { pos: 0, line: 1 };
        }
        self.line += text.as_bytes()[self.pos..pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = pos;
        self.line
    }
}

fn start_element(
    text: &str,
    start: &BytesStart<'_>,
    pos: usize,
    lines: &mut LineCounter,
) -> Result<Element, XmlError> {
    let err = |m: String| position_error(text, pos, m);
    let name = start.name().as_ref().to_string();
    let mut el = Element::new(name);
    el.line = lines.line_at(text, pos);
    for attr in start.attributes().with_checks(true) {
        let attr = attr.map_err(|e| err(format!("bad attribute in <{}>: {e}", el.name)))?;
        let key = attr.key.as_ref().to_string();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| {
                err(format!(
                    "bad value of attribute {key} in <{}>: {e}",
                    el.name
                ))
            })?
            .into_owned();
        if el.attr(&key).is_some() {
            return Err(err(format!("attribute {key} repeated in <{}>", el.name)));
        }
        el.attrs.push((key, value));
    }
    Ok(el)
}

fn parse_document(text: &str) -> Result<Document, XmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut prolog = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut lines = LineCounter { pos: 0, line: 1 };
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| position_error(text, reader.error_position() as usize, e.to_string()))?;
        let node = match event {
            Event::Eof => break,
            Event::Decl(_) | Event::DocType(_) => continue,
            Event::Start(s) => {
                if root.is_some() && stack.is_empty() {
                    return Err(position_error(text, pos, "content after the root element"));
                }
                stack.push(start_element(text, &s, pos, &mut lines)?);
                continue;
            }
            Event::Empty(s) => {
                if root.is_some() && stack.is_empty() {
                    return Err(position_error(text, pos, "content after the root element"));
                }
                Node::Element(start_element(text, &s, pos, &mut lines)?)
            }
            Event::End(_) => {
                let mut done = stack.pop().expect("reader checks end tags");
                // Blank text is formatting; it is dropped only now, after entity references
                // have been merged with their neighbours, so `x &gt; ` keeps its spaces.
                done.children
                    .retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
                Node::Element(done)
            }
            Event::Text(t) => {
                let s = t.xml10_content();
                let s = quick_xml::escape::unescape(&s)
                    .map_err(|e| position_error(text, pos, format!("bad text: {e}")))?
                    .into_owned();
                if stack.is_empty() && s.trim().is_empty() {
                    continue;
                }
                Node::Text(s)
            }
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                let raw = format!("&{name};");
                let s = quick_xml::escape::unescape(&raw)
                    .map_err(|e| position_error(text, pos, format!("bad reference: {e}")))?
                    .into_owned();
                Node::Text(s)
            }
            Event::CData(c) => Node::CData(c.into_inner().into_owned()),
            Event::Comment(c) => Node::Comment(c.into_inner().into_owned()),
            Event::PI(p) => Node::ProcessingInstruction(p.into_inner().into_owned()),
        };
        match stack.last_mut() {
            Some(parent) => push_merging_text(&mut parent.children, node),
            None => match node {
                Node::Element(e) => {
                    if root.is_some() {
                        return Err(position_error(text, pos, "more than one root element"));
                    }
                    root = Some(e);
                }
                Node::Text(_) | Node::CData(_) => {
                    return Err(position_error(text, pos, "text outside the root element"))
                }
                other => {
                    if root.is_none() {
                        prolog.push(other)
                    }
                }
            },
        }
    }
    if let Some(open) = stack.last() {
        return Err(position_error(
            text,
            text.len(),
            format!("element <{}> is not closed", open.name),
        ));
    }
    let root = root.ok_or_else(|| position_error(text, text.len(), "no root element"))?;
    Ok(Document { prolog, root })
}

/// Entity references arrive as separate events; join them with neighbouring text.
fn push_merging_text(children: &mut Vec<Node>, node: Node) {
    if let (Node::Text(new), Some(Node::Text(prev))) = (&node, children.last_mut()) {
        prev.push_str(new);
        return;
    }
    children.push(node);
}

/// Escapes text content: `&`, `<`, `>`.
fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// Escapes an attribute value so that attribute-value normalisation gives it back unchanged.
fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// Indentation per level; `None` writes everything on one line.
fn write_node(out: &mut String, node: &Node, indent: Option<usize>) {
    match node {
        Node::Element(e) => write_element(out, e, indent),
        Node::Text(t) => escape_text(t, out),
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
        escape_attr(v, out);
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    // Mixed content is written inline: added whitespace would change the text.
    let has_text = e
        .children
        .iter()
        .any(|n| matches!(n, Node::Text(_) | Node::CData(_)));
    let child_indent = if has_text {
        None
    } else {
        indent.map(|i| i + 1)
    };
    for child in &e.children {
        if let Some(level) = child_indent {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        }
        write_node(out, child, child_indent);
    }
    if let (Some(level), false) = (indent, has_text) {
        out.push('\n');
        out.push_str(&"  ".repeat(level));
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_attributes_text_and_comments() {
        let src = r#"<?xml version="1.0"?>
<!-- top -->
<cib a="1" b="x &amp; &quot;y&quot;"><configuration><!-- c --><x>t &lt; u</x><y/></configuration></cib>"#;
        let doc = Document::parse(src).unwrap();
        assert_eq!(doc.root.attr("b"), Some("x & \"y\""));
        let again = Document::parse(&doc.to_xml()).unwrap();
        assert_eq!(doc, again);
        let conf = again.root.child("configuration").unwrap();
        assert_eq!(conf.child("x").unwrap().text(), "t < u");
        assert!(matches!(conf.children[0], Node::Comment(_)));
        assert_eq!(again.prolog.len(), 1);
    }

    #[test]
    fn blank_text_next_to_an_entity_is_kept() {
        let doc = Document::parse("<a><b>x/&gt;\n  </b>\n  <c/>\n</a>").unwrap();
        assert_eq!(doc.root.child("b").unwrap().text(), "x/>\n  ");
        assert_eq!(
            doc.root.children.len(),
            2,
            "formatting blanks are not content"
        );
        assert_eq!(Document::parse(&doc.to_xml()).unwrap(), doc);
    }

    #[test]
    fn errors_name_the_line() {
        let err = Document::parse("<cib>\n<a>\n</b>\n</cib>").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let err = Document::parse("<cib>\n<a x='1' x='2'/>\n</cib>").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(Document::parse("").is_err());
        assert!(Document::parse("<a/><b/>").is_err());
        assert!(Document::parse("<a>").is_err());
    }
}
