//! The only XML codec of the project: a lossless element tree.
//!
//! Every element, attribute (in source order) and non-blank text, comment, CDATA and processing
//! instruction survives a parse/write round trip, so parts of a CIB the typed model does not
//! know are carried through untouched. Blank text between elements is formatting, not content,
//! and is dropped; the writer re-indents.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::fmt;
use vocab::xml_escape::{push_escaped, Policy};

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
    /// The input broke one of the [`Limits`] (or declared entities) rather than being malformed:
    /// tools say so even where Pacemaker's print only that the input did not parse.
    pub exceeds_limit: bool,
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
    /// Content left as checked markup by [`Document::parse_deferring`] (then `children` is
    /// empty until [`Element::expanded`]).
    deferred: Option<Box<Deferred>>,
}

/// An element's content kept as source text, already checked to be well-formed: parsed only
/// when read, so a huge section (a status section's histories) never exists as one tree.
#[derive(Debug, Clone)]
struct Deferred {
    /// The whole document read (shared, not copied: it lives while a deferred part does).
    source: std::sync::Arc<String>,
    /// Where the markup between the start and the end tag is in `source`.
    range: std::ops::Range<usize>,
    /// Source line where the markup starts.
    line: usize,
}

impl Deferred {
    fn body(&self) -> &str {
        &self.source[self.range.clone()]
    }
}

impl PartialEq for Deferred {
    fn eq(&self, other: &Self) -> bool {
        self.body() == other.body()
    }
}
impl Eq for Deferred {}

/// Dropping a tree frees its nodes from an explicit stack: a deep tree built in memory must not
/// overflow the thread's stack on the way out.
impl Drop for Element {
    fn drop(&mut self) {
        if self.children.iter().all(|n| match n {
            Node::Element(e) => e.children.is_empty(),
            _ => true,
        }) {
            return;
        }
        let mut pending = std::mem::take(&mut self.children);
        while let Some(node) = pending.pop() {
            if let Node::Element(mut e) = node {
                pending.append(&mut e.children);
            }
        }
    }
}

impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.attrs == other.attrs
            && self.children == other.children
            && self.deferred == other.deferred
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
            attrs: Vec::new(),
            children: Vec::new(),
            line: 0,
            deferred: None,
        }
    }

    /// Whether the content is still source text (see [`Document::parse_deferring`]).
    pub fn is_deferred(&self) -> bool {
        self.deferred.is_some()
    }

    /// This element with its content parsed: itself when it was not deferred, else a copy
    /// whose children come from the deferred text (with their source lines).
    pub fn expanded(&self) -> Result<std::borrow::Cow<'_, Element>, XmlError> {
        let Some(d) = &self.deferred else {
            return Ok(std::borrow::Cow::Borrowed(self));
        };
        // The body was checked when it was read; the wrapper only gives it one root.
        let wrapped = format!("<{}>{}</{}>", self.name, d.body(), self.name);
        let limits = Limits::with_max_bytes(wrapped.len());
        let shift = |line: usize| line + d.line - 1;
        let mut root = parse_document(&wrapped, &limits, None)
            .map_err(|e| XmlError {
                line: shift(e.line),
                ..e
            })?
            .root;
        let mut out = Element::new(self.name.clone());
        out.attrs = self.attrs.clone();
        out.line = self.line;
        out.children = std::mem::take(&mut root.children);
        let mut stack: Vec<&mut Element> = out.elements_mut().collect();
        while let Some(e) = stack.pop() {
            e.line = shift(e.line);
            stack.extend(e.elements_mut());
        }
        Ok(std::borrow::Cow::Owned(out))
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

    /// Levels of elements in the subtree: 1 for an element without child elements.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1)];
        while let Some((e, level)) = stack.pop() {
            deepest = deepest.max(level);
            stack.extend(e.elements().map(|c| (c, level + 1)));
        }
        deepest
    }

    /// The first element of the subtree (this one included) whose `id` is `id`.
    pub fn find_by_id(&self, id: &str) -> Option<&Element> {
        self.descendants().into_iter().find(|e| e.id() == Some(id))
    }

    /// Serialises the subtree, indented by two spaces per level.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        write_element(&mut out, self, Some(0), Policy::Attr);
        out
    }

    /// Serialises the subtree on one line, with no added whitespace.
    pub fn to_xml_compact(&self) -> String {
        let mut out = String::new();
        write_element(&mut out, self, None, Policy::Attr);
        out
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_xml())
    }
}

impl Document {
    /// Parses a document within [`Limits::default`]. Fails on malformed XML, on a missing root,
    /// on content after it, and on input beyond the limits.
    pub fn parse(text: &str) -> Result<Document, XmlError> {
        parse_document(text, &Limits::default(), None)
    }

    /// Parses a document within `limits`.
    pub fn parse_with(text: &str, limits: &Limits) -> Result<Document, XmlError> {
        parse_document(text, limits, None)
    }

    /// As [`Document::parse_with`], but the content of each element for which
    /// `defer(parent name, element name)` holds is checked (well-formed, within the limits)
    /// and kept as text instead of a subtree: [`Element::expanded`] parses it when needed.
    /// A reader of a large CIB that visits one such part at a time (the scheduler replaying
    /// one node's history) then never holds the whole tree. The deferred parts share `text`
    /// (no copy); it is freed with the last of them.
    pub fn parse_deferring(
        text: &std::sync::Arc<String>,
        limits: &Limits,
        defer: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Document, XmlError> {
        parse_document(text, limits, Some((defer, text)))
    }

    /// Serialises the prolog and the root, indented, with a trailing newline and no declaration.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        for node in &self.prolog {
            write_node(&mut out, node, Some(0), Policy::Attr);
            out.push('\n');
        }
        write_element(&mut out, &self.root, Some(0), Policy::Attr);
        out.push('\n');
        out
    }
}

/// Parses `text` within [`Limits::default`] and returns only its root element.
pub fn parse_element(text: &str) -> Result<Element, XmlError> {
    Ok(parse_document(text, &Limits::default(), None)?.root)
}

/// Deepest element nesting a parse accepts (the root is level 1): libxml2's default, which
/// Pacemaker's parser uses, so a document one side accepts the other does too. Every recursive
/// walk over a tree in the project relies on this bound.
pub const MAX_DEPTH: usize = 256;

/// Default largest document a parse accepts, in bytes.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Bounds on what a parse accepts, so no input can exhaust the stack or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting (root = 1); at most [`MAX_DEPTH`] is meaningful.
    pub max_depth: usize,
    /// Largest document in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: MAX_DEPTH,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl Limits {
    /// The default depth with a different size limit.
    pub fn with_max_bytes(max_bytes: usize) -> Limits {
        Limits {
            max_bytes,
            ..Limits::default()
        }
    }
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
        exceeds_limit: false,
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
    scratch: &mut Vec<(String, String)>,
) -> Result<Element, XmlError> {
    scratch.clear();
    let name = check_start(text, start, pos, |k, v| {
        scratch.push((k.to_string(), v.into_owned()))
    })?;
    let mut el = Element::new(name);
    el.line = lines.line_at(text, pos);
    // Exactly sized: growth slack would be a third of a large tree.
    el.attrs = Vec::with_capacity(scratch.len());
    el.attrs.append(scratch);
    Ok(el)
}

/// Checks a start tag (names, attribute syntax and values, repeats) and hands each attribute
/// to `each`; returns the element's name. A deferred element's content is only checked.
fn check_start<'s>(
    text: &str,
    start: &'s BytesStart<'_>,
    pos: usize,
    mut each: impl FnMut(&str, std::borrow::Cow<'s, str>),
) -> Result<&'s str, XmlError> {
    let err = |m: String| position_error(text, pos, m);
    let name = start.name().into_inner();
    if !is_xml_name(name) {
        return Err(err(format!("invalid element name {name:?}")));
    }
    // Checked attributes: a repeated name is an error.
    for attr in start.attributes().with_checks(true) {
        let attr = attr.map_err(|e| err(format!("bad attribute in <{name}>: {e}")))?;
        let key = attr.key.into_inner();
        if !is_xml_name(key) {
            return Err(err(format!("invalid attribute name {key:?} in <{name}>")));
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| err(format!("bad value of attribute {key} in <{name}>: {e}")))?;
        each(key, value);
    }
    Ok(name)
}

fn limit_error(text: &str, pos: usize, message: impl Into<String>) -> XmlError {
    XmlError {
        exceeds_limit: true,
        ..position_error(text, pos, message)
    }
}

/// XML's `Name` production, simplified: every non-ASCII character counts as a name character.
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':' || !c.is_ascii())
        && chars.all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.') || !c.is_ascii()
        })
}

/// Position of the first control character XML 1.0 forbids (all below 0x20 but tab, LF, CR).
fn forbidden_control(text: &str) -> Option<usize> {
    text.bytes()
        .position(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

/// Where the content of the element being deferred starts, and how deep the reader is in it.
struct Skip {
    start: usize,
    line: usize,
    nested: usize,
}

/// Which elements to defer, and the shared text their content stays in.
type DeferRule<'a> = (&'a dyn Fn(&str, &str) -> bool, &'a std::sync::Arc<String>);

fn parse_document(
    text: &str,
    limits: &Limits,
    defer: Option<DeferRule<'_>>,
) -> Result<Document, XmlError> {
    if text.len() > limits.max_bytes {
        return Err(limit_error(
            text,
            0,
            format!(
                "the document is {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
        ));
    }
    if let Some(pos) = forbidden_control(text) {
        return Err(position_error(
            text,
            pos,
            format!(
                "control character {:#04x} is not allowed in XML",
                text.as_bytes()[pos]
            ),
        ));
    }
    let too_deep = |pos: usize| {
        limit_error(
            text,
            pos,
            format!(
                "elements nested deeper than {} levels (the depth limit)",
                limits.max_depth
            ),
        )
    };
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut prolog = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut lines = LineCounter { pos: 0, line: 1 };
    let mut skipping: Option<Skip> = None;
    let mut scratch = Vec::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| position_error(text, reader.error_position() as usize, e.to_string()))?;
        if let Some(skip) = &mut skipping {
            // Inside a deferred element: every check a parse makes, nothing kept.
            let nested = skip.nested;
            let check_depth = || {
                if stack.len() + nested >= limits.max_depth {
                    Err(too_deep(pos))
                } else {
                    Ok(())
                }
            };
            match event {
                Event::Eof => break,
                Event::Start(s) => {
                    check_depth()?;
                    check_start(text, &s, pos, |_, _| {})?;
                    skip.nested += 1;
                }
                Event::Empty(s) => {
                    check_depth()?;
                    check_start(text, &s, pos, |_, _| {})?;
                }
                Event::End(_) if skip.nested > 0 => skip.nested -= 1,
                Event::End(_) => {
                    let mut done = stack.pop().expect("the deferred element is open");
                    let source = defer.expect("only deferred with a rule").1.clone();
                    done.deferred = Some(Box::new(Deferred {
                        source,
                        range: skip.start..pos,
                        line: skip.line,
                    }));
                    skipping = None;
                    attach(&mut stack, &mut root, Node::Element(done), text, pos)?;
                }
                Event::Text(t) => {
                    quick_xml::escape::unescape(&t.xml10_content())
                        .map_err(|e| position_error(text, pos, format!("bad text: {e}")))?;
                }
                Event::GeneralRef(r) => {
                    quick_xml::escape::unescape(&format!("&{};", r.into_inner()))
                        .map_err(|e| position_error(text, pos, format!("bad reference: {e}")))?;
                }
                Event::DocType(d) => {
                    if d.into_inner().contains('[') {
                        return Err(entity_error(text, pos));
                    }
                }
                Event::Decl(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
            }
            continue;
        }
        let node = match event {
            Event::Eof => break,
            Event::Decl(_) => continue,
            // An internal subset could declare entities (billion laughs) or defaults; a CIB
            // needs neither, so only a bare `<!DOCTYPE name ...>` is let through.
            Event::DocType(d) => {
                if d.into_inner().contains('[') {
                    return Err(entity_error(text, pos));
                }
                continue;
            }
            Event::Start(s) => {
                if root.is_some() && stack.is_empty() {
                    return Err(position_error(text, pos, "content after the root element"));
                }
                if stack.len() >= limits.max_depth {
                    return Err(too_deep(pos));
                }
                let el = start_element(text, &s, pos, &mut lines, &mut scratch)?;
                let parent = stack.last().map_or("", |p| p.name.as_str());
                if defer.is_some_and(|(d, _)| d(parent, &el.name)) {
                    let start = reader.buffer_position() as usize;
                    // Blank content is no content: nothing to defer.
                    let blank = text[start..].trim_start().starts_with("</");
                    if !blank {
                        let line = lines.line_at(text, start);
                        skipping = Some(Skip {
                            start,
                            line,
                            nested: 0,
                        });
                    }
                }
                stack.push(el);
                continue;
            }
            Event::Empty(s) => {
                if root.is_some() && stack.is_empty() {
                    return Err(position_error(text, pos, "content after the root element"));
                }
                if stack.len() >= limits.max_depth {
                    return Err(too_deep(pos));
                }
                Node::Element(start_element(text, &s, pos, &mut lines, &mut scratch)?)
            }
            Event::End(_) => {
                let mut done = stack.pop().expect("reader checks end tags");
                // Blank text is formatting; it is dropped only now, after entity references
                // have been merged with their neighbours, so `x &gt; ` keeps its spaces.
                done.children
                    .retain(|n| !matches!(n, Node::Text(t) if t.trim().is_empty()));
                // Growth slack would be a third of a large tree.
                done.children.shrink_to_fit();
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
        if let Some(other) = attach(&mut stack, &mut root, node, text, pos)? {
            if root.is_none() {
                prolog.push(other)
            }
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

/// Puts a finished node into its parent (or makes it the root); returns what precedes the root
/// (comments, processing instructions) for the prolog.
fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    node: Node,
    text: &str,
    pos: usize,
) -> Result<Option<Node>, XmlError> {
    match stack.last_mut() {
        Some(parent) => push_merging_text(&mut parent.children, node),
        None => match node {
            Node::Element(e) => {
                if root.is_some() {
                    return Err(position_error(text, pos, "more than one root element"));
                }
                *root = Some(e);
            }
            Node::Text(_) | Node::CData(_) => {
                return Err(position_error(text, pos, "text outside the root element"))
            }
            other => return Ok(Some(other)),
        },
    }
    Ok(None)
}

fn entity_error(text: &str, pos: usize) -> XmlError {
    limit_error(
        text,
        pos,
        "DTD declarations (<!DOCTYPE ... [...]>, <!ENTITY>) are not accepted",
    )
}

/// Entity references arrive as separate events; join them with neighbouring text.
fn push_merging_text(children: &mut Vec<Node>, node: Node) {
    if let (Node::Text(new), Some(Node::Text(prev))) = (&node, children.last_mut()) {
        prev.push_str(new);
        return;
    }
    children.push(node);
}

/// Indentation (of this writer and `cib::format`'s) stops growing at this level, so the written size stays linear in the tree's
/// size however deep it is; a normal CIB (about 10 levels) never reaches it.
const MAX_INDENT_LEVEL: usize = 32;

/// Writes `node` with `indent` levels (`None` writes everything on one line), escaping
/// attribute values under `attrs` (libxml2's for the CIB, Pacemaker's for `cib::format`).
pub(crate) fn write_node(out: &mut String, node: &Node, indent: Option<usize>, attrs: Policy) {
    match node {
        Node::Element(e) => write_element(out, e, indent, attrs),
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

pub(crate) fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level.min(MAX_INDENT_LEVEL) {
        out.push_str("  ");
    }
}

/// `<name attr="value" ...` without the closing `>`.
fn write_start_tag(out: &mut String, e: &Element, attrs: Policy) {
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        push_escaped(out, v, attrs);
        out.push('"');
    }
}

/// Writes `e` as [`write_node`] does.
pub(crate) fn write_element(out: &mut String, e: &Element, indent: Option<usize>, attrs: Policy) {
    if let Some(d) = &e.deferred {
        match e.expanded() {
            Ok(full) => write_element(out, &full, indent, attrs),
            // Checked when read, so not expected; the source text is still the content.
            Err(_) => {
                write_start_tag(out, e, attrs);
                out.push('>');
                out.push_str(d.body());
                out.push_str("</");
                out.push_str(&e.name);
                out.push('>');
            }
        }
        return;
    }
    write_start_tag(out, e, attrs);
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
            push_indent(out, level);
        }
        write_node(out, child, child_indent, attrs);
    }
    if let (Some(level), false) = (indent, has_text) {
        out.push('\n');
        push_indent(out, level);
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

    #[test]
    fn names_and_control_characters_are_checked() {
        assert!(parse_element("<a \u{1}b='1'/>").is_err());
        assert!(parse_element("<a>x\u{0}y</a>").is_err());
        assert!(parse_element("<1a/>").is_err());
        assert!(parse_element("<a b@c='1'/>").is_err());
        let ok = parse_element("<x:a-b.c _d='1' é='2'>\tt\r\n</x:a-b.c>").unwrap();
        assert_eq!(ok.attrs.len(), 2);
    }

    fn nested(levels: usize) -> String {
        let mut s = String::new();
        for _ in 0..levels {
            s.push_str("<a>");
        }
        for _ in 0..levels {
            s.push_str("</a>");
        }
        s
    }

    #[test]
    fn depth_is_limited_to_libxml2s_256_levels() {
        assert_eq!(parse_element(&nested(256)).unwrap().depth(), 256);
        let err = parse_element(&nested(257)).unwrap_err();
        assert!(err.message.contains("256 levels"), "{err}");
        // Line of the offending start tag, on a multi-line document.
        let err = parse_element(&nested(300).replace("<a><a>", "<a>\n<a>")).unwrap_err();
        assert!(err.line > 100, "{err}");
        let err = parse_element(&nested(100_000)).unwrap_err();
        assert!(err.message.contains("depth limit"), "{err}");
        assert!(err.exceeds_limit);
        assert!(!parse_element("<a>").unwrap_err().exceeds_limit);
        let empty_too = format!("{}<b/>{}", "<a>".repeat(256), "</a>".repeat(256));
        assert!(parse_element(&empty_too).is_err());
    }

    #[test]
    fn entities_beyond_the_predefined_ones_are_refused() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE cib [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><cib>&b;</cib>"#;
        let err = Document::parse(laughs).unwrap_err();
        assert!(err.message.contains("DTD"), "{err}");
        let xxe = r#"<!DOCTYPE cib [<!ENTITY x SYSTEM "file:///etc/shadow">]><cib>&x;</cib>"#;
        assert!(Document::parse(xxe).is_err());
        let undeclared = Document::parse("<cib>&x;</cib>").unwrap_err();
        assert!(undeclared.message.contains("reference"), "{undeclared}");
        let ok = parse_element("<cib>&lt;&gt;&amp;&apos;&quot;&#65;</cib>").unwrap();
        assert_eq!(ok.text(), "<>&'\"A");
        assert!(Document::parse("<!DOCTYPE cib><cib/>").is_ok());
    }

    #[test]
    fn size_limit_names_the_limit() {
        let text = "<cib><a/></cib>";
        let err = Document::parse_with(text, &Limits::with_max_bytes(10)).unwrap_err();
        assert!(err.message.contains("limit of 10 bytes"), "{err}");
        assert!(Document::parse_with(text, &Limits::with_max_bytes(text.len())).is_ok());
    }

    #[test]
    fn indentation_stops_growing_on_deep_trees() {
        let deep = parse_element(&nested(256)).unwrap();
        let written = deep.to_xml();
        // 256 levels * (open + close tags + newline + at most 64 spaces) each way.
        assert!(
            written.len() < 256 * 2 * (5 + 1 + 2 * MAX_INDENT_LEVEL),
            "{}",
            written.len()
        );
        assert_eq!(parse_element(&written).unwrap(), deep);
        let shallow = parse_element("<a><b><c/></b></a>").unwrap();
        assert_eq!(shallow.to_xml(), "<a>\n  <b>\n    <c/>\n  </b>\n</a>");
    }

    #[test]
    fn a_deep_tree_built_in_memory_drops_without_overflow() {
        let mut root = Element::new("a");
        for _ in 0..1_000_000 {
            root = Element::new("a").with_child(root);
        }
        assert_eq!(root.depth(), 1_000_001);
        drop(root);
    }

    const HISTORY: &str = "<cib>\n<status>\n<node_state id=\"1\">\n<lrm id=\"1\">\n\
        <lrm_resources>\n<lrm_resource id=\"a\">\n<lrm_rsc_op id=\"a_0\" x=\"1 &amp; 2\"/>\n\
        <!-- kept --></lrm_resource>\n</lrm_resources>\n</lrm>\n<lrm/>\n<lrm>  </lrm>\n\
        </node_state>\n</status>\n</cib>\n";

    fn lrm_deferred(parent: &str, name: &str) -> bool {
        parent == "node_state" && name == "lrm"
    }

    fn lines(e: &Element) -> Vec<(String, usize)> {
        e.descendants()
            .into_iter()
            .map(|d| (d.name.clone(), d.line))
            .collect()
    }

    #[test]
    fn deferred_content_expands_to_the_same_subtree() {
        let full = Document::parse(HISTORY).unwrap();
        let shared = std::sync::Arc::new(HISTORY.to_string());
        let lazy = Document::parse_deferring(&shared, &Limits::default(), &lrm_deferred).unwrap();
        let ns = |d: &Document| {
            d.root
                .child("status")
                .unwrap()
                .child("node_state")
                .unwrap()
                .clone()
        };
        let (full_ns, lazy_ns) = (ns(&full), ns(&lazy));
        let lrms: Vec<&Element> = lazy_ns.children_named("lrm").collect();
        assert!(lrms[0].is_deferred() && lrms[0].children.is_empty());
        // Empty and blank content has nothing to defer.
        assert!(!lrms[1].is_deferred() && !lrms[2].is_deferred());
        let expanded = lrms[0].expanded().unwrap();
        let original = full_ns.child("lrm").unwrap();
        assert_eq!(&*expanded, original);
        assert_eq!(lines(&expanded), lines(original), "source lines survive");
        assert_eq!(lazy.to_xml(), full.to_xml(), "written as if never deferred");
        assert_ne!(
            lazy, full,
            "a deferred tree is not the parsed one until expanded"
        );
    }

    #[test]
    fn deferred_content_is_checked_when_read() {
        let bad = [
            (
                "<cib><node_state><lrm>\n<a b=\"1\" b=\"2\"/></lrm></node_state></cib>",
                2,
                "duplicated",
            ),
            (
                "<cib><node_state><lrm>\n\n<a></b></lrm></node_state></cib>",
                3,
                "",
            ),
            (
                "<cib><node_state><lrm><a>&bogus;</a></lrm></node_state></cib>",
                1,
                "",
            ),
            ("<cib><node_state><lrm><a>", 1, "not closed"),
            (
                "<cib><node_state><lrm><a><b><c/></b></a></lrm></node_state></cib>",
                1,
                "deeper",
            ),
        ];
        let limits = Limits {
            max_depth: 5,
            ..Limits::default()
        };
        for (text, line, what) in bad {
            let shared = std::sync::Arc::new(text.to_string());
            let e = Document::parse_deferring(&shared, &limits, &lrm_deferred).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.message.contains(what), "{text}: {e}");
            let plain = Document::parse_with(text, &limits).unwrap_err();
            assert_eq!(plain.line, e.line, "{text}: the same verdict either way");
            assert!(plain.message.contains(what), "{text}: {plain}");
        }
    }
}
