//! XML escaping: the policies of the texts the project writes, in one table.
//!
//! They differ on purpose, because each output is compared byte for byte with what a
//! Pacemaker or libxml2 program writes (or hashed as Pacemaker hashes it).

use std::borrow::Cow;

/// Which characters an output escapes, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Element text as libxml2 writes it: `&`, `<`, `>`; quotes stay.
    Text,
    /// An attribute value as libxml2 writes it: `&`, `<`, `>`, `"`, and `\n`, `\r`, `\t` as
    /// character references, so attribute-value normalisation gives the value back unchanged.
    Attr,
    /// An attribute value as Pacemaker's own XML writer (`crm_xml_escape`) writes it: the
    /// [`Policy::Attr`] set plus `'` as `&apos;`.
    Pacemaker,
    /// An attribute value in the text Pacemaker hashes for a CIB or operation digest: the
    /// entities of [`Policy::Pacemaker`], but `\n`, `\t`, `\r` as backslash escapes.
    Digest,
}

fn replacement(c: char, policy: Policy) -> Option<&'static str> {
    use Policy::*;
    Some(match (c, policy) {
        ('&', _) => "&amp;",
        ('<', _) => "&lt;",
        ('>', _) => "&gt;",
        (_, Text) => return None,
        ('"', _) => "&quot;",
        ('\'', Pacemaker | Digest) => "&apos;",
        ('\n', Digest) => "\\n",
        ('\t', Digest) => "\\t",
        ('\r', Digest) => "\\r",
        ('\n', _) => "&#10;",
        ('\r', _) => "&#13;",
        ('\t', _) => "&#9;",
        _ => return None,
    })
}

/// Appends `text` to `out`, escaped under `policy`.
pub fn push_escaped(out: &mut String, text: &str, policy: Policy) {
    let mut rest = text;
    while let Some((at, c, rep)) = rest
        .char_indices()
        .find_map(|(i, c)| replacement(c, policy).map(|r| (i, c, r)))
    {
        out.push_str(&rest[..at]);
        out.push_str(rep);
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// `text` escaped under `policy`; borrowed when nothing needs escaping.
pub fn escape(text: &str, policy: Policy) -> Cow<'_, str> {
    if !text.chars().any(|c| replacement(c, policy).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    push_escaped(&mut out, text, policy);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy() {
        let s = "a&b<c>d\"e'f\ng\th\ri";
        assert_eq!(escape(s, Policy::Text), "a&amp;b&lt;c&gt;d\"e'f\ng\th\ri");
        assert_eq!(
            escape(s, Policy::Attr),
            "a&amp;b&lt;c&gt;d&quot;e'f&#10;g&#9;h&#13;i"
        );
        assert_eq!(
            escape(s, Policy::Pacemaker),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f&#10;g&#9;h&#13;i"
        );
        assert_eq!(
            escape(s, Policy::Digest),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f\\ng\\th\\ri"
        );
    }

    #[test]
    fn plain_text_is_borrowed_and_unicode_kept() {
        assert!(matches!(escape("plain", Policy::Attr), Cow::Borrowed(_)));
        let mut out = String::from(">");
        push_escaped(&mut out, "é<ü", Policy::Text);
        assert_eq!(out, ">é&lt;ü");
    }
}
