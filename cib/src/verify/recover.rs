//! Pacemaker reads CIB files with libxml2 in recovery mode: an end tag closes whatever element
//! is open, and elements still open at the end of the text are closed there. This module makes
//! the same repairs on the text (keeping every line where it was) and reports each one in
//! libxml2's words, so the repaired document can be judged as Pacemaker judges it.

/// One repair, in libxml2's words, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Line of the end tag (or of the end of the text).
    pub line: usize,
    /// The parser's complaint.
    pub message: String,
}

/// The repaired text and what was repaired; `None` when the text holds no element at all.
pub fn recover(text: &str) -> Option<(String, Vec<Repair>)> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut repairs = Vec::new();
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut saw_element = false;
    let mut line = 1;
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let (before, tag_on) = rest.split_at(start);
        line += before.matches('\n').count();
        out.push_str(before);
        let end = tag_end(tag_on);
        let tag = &tag_on[..end];
        if let Some(name) = tag.strip_prefix("</") {
            let name = name.trim_end_matches('>').trim();
            match open.pop() {
                Some((current, opened_at)) if current != name => {
                    repairs.push(Repair {
                        line,
                        message: format!(
                            "Opening and ending tag mismatch: {current} line {opened_at} and {name}"
                        ),
                    });
                    out.push_str(&format!("</{current}>"));
                }
                _ => out.push_str(tag),
            }
        } else {
            if !tag.starts_with("<!") && !tag.starts_with("<?") && !tag.ends_with("/>") {
                let name: String = tag[1..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
                    .collect();
                if !name.is_empty() {
                    open.push((name, line));
                }
            }
            saw_element |= !tag.starts_with("<!") && !tag.starts_with("<?");
            out.push_str(tag);
        }
        line += tag.matches('\n').count();
        rest = &tag_on[end..];
    }
    out.push_str(rest);
    line += rest.matches('\n').count();
    if !saw_element {
        return None;
    }
    if let Some((innermost, opened_at)) = open.last() {
        repairs.push(Repair {
            line,
            message: format!("Premature end of data in tag {innermost} line {opened_at}"),
        });
    }
    while let Some((name, _)) = open.pop() {
        out.push_str(&format!("</{name}>"));
    }
    Some((out, repairs))
}

/// Length of the markup starting at `text[0] == '<'`: a comment, CDATA section, processing
/// instruction or tag (quotes respected), up to and including its `>`.
fn tag_end(text: &str) -> usize {
    let close = |marker: &str| {
        text.find(marker)
            .map(|i| i + marker.len())
            .unwrap_or(text.len())
    };
    if text.starts_with("<!--") {
        return close("-->");
    }
    if text.starts_with("<![CDATA[") {
        return close("]]>");
    }
    if text.starts_with("<?") {
        return close("?>");
    }
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_tags_close_the_open_element_and_the_end_closes_the_rest() {
        let text = "<cib>\n<status>\n<node_state id=\"4\">\n</status>\n</cib>\n";
        let (fixed, repairs) = recover(text).unwrap();
        assert_eq!(
            fixed,
            "<cib>\n<status>\n<node_state id=\"4\">\n</node_state>\n</status>\n</cib>"
        );
        assert_eq!(
            repairs,
            [
                Repair {
                    line: 4,
                    message: "Opening and ending tag mismatch: node_state line 3 and status".into()
                },
                Repair {
                    line: 5,
                    message: "Opening and ending tag mismatch: status line 2 and cib".into()
                },
                Repair {
                    line: 6,
                    message: "Premature end of data in tag cib line 1".into()
                },
            ]
        );
    }

    #[test]
    fn well_formed_text_is_untouched_and_garbage_has_no_document() {
        let text = "<cib a=\"x>y\"><!-- <no> --><x/></cib>";
        assert_eq!(recover(text), Some((text.to_string(), Vec::new())));
        assert_eq!(recover("garbage\n"), None);
    }
}
