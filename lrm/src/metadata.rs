//! Meta-data for classes whose scripts cannot describe themselves (LSB and heartbeat):
//! generated from the script's LSB header, as Pacemaker does for init scripts.

use std::path::Path;

use crate::agent::ResourceClass;

/// Meta-data XML for a non-OCF script.
pub fn generated(class: ResourceClass, name: &str, path: &Path) -> String {
    let header = std::fs::read_to_string(path).map(|t| lsb_header(&t)).unwrap_or_default();
    let short = header.short.unwrap_or_else(|| format!("{name} {class} script"));
    let long = header.long.unwrap_or_else(|| short.clone());
    let (timeout, actions): (&str, &[&str]) = match class {
        // Heartbeat 2.x's CRM used 15s timeouts and a 15s monitor interval for these.
        ResourceClass::Heartbeat => ("15s", &["start", "stop", "status", "monitor", "meta-data"]),
        _ => ("15s", &["start", "stop", "status", "restart", "force-reload", "monitor", "meta-data"]),
    };
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\"?>\n");
    xml.push_str("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n");
    xml.push_str(&format!("<resource-agent name=\"{}\" version=\"0.1\">\n", escape(name)));
    xml.push_str("  <version>1.1</version>\n");
    xml.push_str(&format!("  <longdesc lang=\"en\">{}</longdesc>\n", escape(&long)));
    xml.push_str(&format!("  <shortdesc lang=\"en\">{}</shortdesc>\n", escape(&short)));
    xml.push_str("  <parameters/>\n  <actions>\n");
    for action in actions {
        if *action == "monitor" {
            xml.push_str(&format!(
                "    <action name=\"monitor\" timeout=\"{timeout}\" interval=\"15s\"/>\n"
            ));
        } else {
            xml.push_str(&format!("    <action name=\"{action}\" timeout=\"{timeout}\"/>\n"));
        }
    }
    xml.push_str("  </actions>\n  <special tag=\"LSB\">\n");
    for (tag, value) in &header.fields {
        xml.push_str(&format!("    <{tag}>{}</{tag}>\n", escape(value)));
    }
    xml.push_str("  </special>\n</resource-agent>\n");
    xml
}

#[derive(Default)]
struct LsbHeader {
    short: Option<String>,
    long: Option<String>,
    fields: Vec<(&'static str, String)>,
}

/// Reads the `### BEGIN INIT INFO` block.
fn lsb_header(text: &str) -> LsbHeader {
    const TAGS: [(&str, &str); 7] = [
        ("Provides:", "Provides"),
        ("Required-Start:", "Required-Start"),
        ("Required-Stop:", "Required-Stop"),
        ("Should-Start:", "Should-Start"),
        ("Should-Stop:", "Should-Stop"),
        ("Default-Start:", "Default-Start"),
        ("Default-Stop:", "Default-Stop"),
    ];
    let mut header = LsbHeader::default();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("### BEGIN INIT INFO") {
            inside = true;
            continue;
        }
        if line.starts_with("### END INIT INFO") {
            break;
        }
        let Some(body) = line.strip_prefix('#').filter(|_| inside) else { continue };
        let body = body.trim();
        if let Some(v) = body.strip_prefix("Short-Description:") {
            header.short = Some(v.trim().to_string());
        } else if let Some(v) = body.strip_prefix("Description:") {
            header.long = Some(v.trim().to_string());
        } else if let Some((_, tag)) = TAGS.iter().find(|(p, _)| body.starts_with(p)) {
            header.fields.push((tag, body[tag.len() + 1..].trim().to_string()));
        }
    }
    header
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsb_header_becomes_descriptions() {
        let h = lsb_header(
            "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: foo\n# Short-Description: Foo <daemon>\n# Description: Runs foo\n### END INIT INFO\n",
        );
        assert_eq!(h.short.as_deref(), Some("Foo <daemon>"));
        assert_eq!(h.long.as_deref(), Some("Runs foo"));
        assert_eq!(h.fields, vec![("Provides", "foo".to_string())]);
        assert_eq!(escape("Foo <daemon>"), "Foo &lt;daemon&gt;");
    }
}
