//! Meta-data for classes whose scripts cannot describe themselves (LSB and heartbeat),
//! generated from the script's LSB header in the layout Pacemaker 2.1.5 prints: header values
//! are kept verbatim (leading blanks and the line end included), and description
//! continuation lines (`#` then a tab or two blanks) are appended.

use std::path::Path;
use vocab::xml_escape::{escape, Policy};

use crate::agent::ResourceClass;

/// LSB header keywords shown under `<special tag='LSB'>`, in this order.
const LSB_FIELDS: [&str; 7] = [
    "Provides",
    "Required-Start",
    "Required-Stop",
    "Should-Start",
    "Should-Stop",
    "Default-Start",
    "Default-Stop",
];

/// Meta-data XML for a non-OCF script.
pub fn generated(class: ResourceClass, name: &str, path: &Path) -> String {
    let header = std::fs::read_to_string(path)
        .map(|t| lsb_header(&t))
        .unwrap_or_default();
    let long = header.long.unwrap_or_else(|| name.to_string());
    let short = header.short.unwrap_or_else(|| name.to_string());
    let actions: &[(&str, &str)] = match class {
        // Heartbeat 2.x used 15s timeouts and a 15s monitor interval for these scripts too.
        ResourceClass::Heartbeat => &[
            ("meta-data", "timeout='5' "),
            ("start", "timeout='15' "),
            ("stop", "timeout='15' "),
            ("status", "timeout='15' "),
            ("monitor", "timeout='15' interval='15' "),
        ],
        _ => &[
            ("meta-data", "timeout='5' "),
            ("start", "timeout='15' "),
            ("stop", "timeout='15' "),
            ("status", "timeout='15' "),
            ("restart", "timeout='15' "),
            ("force-reload", "timeout='15' "),
            ("monitor", "timeout='15' interval='15' "),
        ],
    };
    let mut xml = String::new();
    xml.push_str("<?xml version='1.0'?>\n<!DOCTYPE resource-agent SYSTEM 'ra-api-1.dtd'>\n");
    xml.push_str(&format!(
        "<resource-agent name='{}' version='0.1'>\n",
        escape(name, Policy::Pacemaker)
    ));
    xml.push_str("  <version>1.0</version>\n");
    xml.push_str(&format!(
        "  <longdesc lang='en'>\n{}  </longdesc>\n",
        escape(&long, Policy::Text)
    ));
    xml.push_str(&format!(
        "  <shortdesc lang='en'>{}</shortdesc>\n",
        escape(&short, Policy::Text)
    ));
    xml.push_str("  <parameters>\n  </parameters>\n  <actions>\n");
    for (action, attrs) in actions {
        let quoted = format!("'{action}'");
        xml.push_str(&format!("    <action name={quoted:<15}{attrs}/>\n"));
    }
    xml.push_str("  </actions>\n  <special tag='LSB'>\n");
    for field in LSB_FIELDS {
        let value = header
            .fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| v.as_str());
        xml.push_str(&format!(
            "    <{field}>{}</{field}>\n",
            escape(value, Policy::Text)
        ));
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

/// Reads the `### BEGIN INIT INFO` block, keeping values verbatim with their line end.
fn lsb_header(text: &str) -> LsbHeader {
    let mut header = LsbHeader::default();
    let mut inside = false;
    let mut in_description = false;
    for line in text.lines() {
        if line.starts_with("### BEGIN INIT INFO") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.starts_with("### END INIT INFO") {
            break;
        }
        let Some(body) = line.strip_prefix("# ").or_else(|| line.strip_prefix('#')) else {
            continue;
        };
        if in_description && (line.starts_with("#\t") || line.starts_with("#  ")) {
            if let Some(long) = header.long.as_mut() {
                long.push_str(&line[1..]);
                long.push('\n');
            }
            continue;
        }
        in_description = false;
        if let Some(v) = body.strip_prefix("Short-Description:") {
            header.short = Some(format!("{v}\n"));
        } else if let Some(v) = body.strip_prefix("Description:") {
            header.long = Some(format!("{v}\n"));
            in_description = true;
        } else if let Some(field) = LSB_FIELDS
            .iter()
            .find(|f| body.strip_prefix(**f).is_some_and(|r| r.starts_with(':')))
        {
            header
                .fields
                .push((field, format!("{}\n", &body[field.len() + 1..])));
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsb_header_values_are_kept_verbatim() {
        let h = lsb_header(
            "#!/bin/sh\n### BEGIN INIT INFO\n# Provides:  foo\n# Short-Description: Foo <d>\n# Description: Runs\n#   more\n### END INIT INFO\n",
        );
        assert_eq!(h.short.as_deref(), Some(" Foo <d>\n"));
        assert_eq!(h.long.as_deref(), Some(" Runs\n   more\n"));
        assert_eq!(h.fields, vec![("Provides", "  foo\n".to_string())]);
        assert_eq!(
            escape("Foo <d> & \"q\"", Policy::Text),
            "Foo &lt;d&gt; &amp; \"q\""
        );
    }
}
