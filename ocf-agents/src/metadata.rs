//! Builds an agent's meta-data XML (valid against `ra-api-1.dtd`, which `ocf-tester` lints
//! with, and claiming OCF RA API 1.1).

use std::fmt::Write;
use vocab::xml_escape::{escape, Policy};

/// The content type of a parameter; the DTD allows exactly these four.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    String,
    Integer,
    Boolean,
    Time,
}

impl ContentType {
    fn as_str(self) -> &'static str {
        match self {
            ContentType::String => "string",
            ContentType::Integer => "integer",
            ContentType::Boolean => "boolean",
            ContentType::Time => "time",
        }
    }
}

/// One `<parameter>`.
#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: &'static str,
    pub required: bool,
    pub unique: bool,
    pub content: ContentType,
    pub default: Option<String>,
    pub shortdesc: &'static str,
    pub longdesc: &'static str,
}

impl Parameter {
    /// An optional string parameter without default; refine with the builder methods.
    pub fn new(name: &'static str, shortdesc: &'static str, longdesc: &'static str) -> Self {
        Parameter {
            name,
            required: false,
            unique: false,
            content: ContentType::String,
            default: None,
            shortdesc,
            longdesc,
        }
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    pub fn of_type(mut self, content: ContentType) -> Self {
        self.content = content;
        self
    }
    pub fn default(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }
}

/// One `<action>` with its advised timeout (and interval/depth/role for monitors).
#[derive(Debug, Clone)]
pub struct ActionHint {
    pub name: &'static str,
    pub timeout_s: u32,
    pub interval_s: Option<u32>,
    pub depth: Option<u32>,
    pub role: Option<&'static str>,
}

impl ActionHint {
    pub fn new(name: &'static str, timeout_s: u32) -> Self {
        ActionHint {
            name,
            timeout_s,
            interval_s: None,
            depth: None,
            role: None,
        }
    }
    pub fn every(mut self, interval_s: u32) -> Self {
        self.interval_s = Some(interval_s);
        self.depth = Some(self.depth.unwrap_or(0));
        self
    }
    pub fn depth(mut self, depth: u32) -> Self {
        self.depth = Some(depth);
        self
    }
    pub fn role(mut self, role: &'static str) -> Self {
        self.role = Some(role);
        self
    }
}

/// An agent's whole meta-data.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub name: &'static str,
    pub version: &'static str,
    pub shortdesc: &'static str,
    pub longdesc: &'static str,
    pub parameters: Vec<Parameter>,
    pub actions: Vec<ActionHint>,
}

/// The OCF RA API version our agents implement.
pub const OCF_API_VERSION: &str = "1.1";

impl Metadata {
    /// The default value of a parameter, as advertised.
    pub fn default_of(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.default.as_deref())
    }

    /// Renders the XML document printed by `meta-data`.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        out.push_str("<?xml version=\"1.0\"?>\n");
        out.push_str("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n");
        let _ = writeln!(
            out,
            "<resource-agent name=\"{}\" version=\"{}\">",
            escape(self.name, Policy::Attr),
            escape(self.version, Policy::Attr)
        );
        let _ = writeln!(out, "  <version>{OCF_API_VERSION}</version>");
        let _ = writeln!(
            out,
            "  <longdesc lang=\"en\">\n{}\n  </longdesc>",
            escape(self.longdesc.trim(), Policy::Text)
        );
        let _ = writeln!(
            out,
            "  <shortdesc lang=\"en\">{}</shortdesc>",
            escape(self.shortdesc, Policy::Text)
        );
        out.push_str("  <parameters>\n");
        for p in &self.parameters {
            let _ = writeln!(
                out,
                "    <parameter name=\"{}\" unique=\"{}\" required=\"{}\">",
                escape(p.name, Policy::Attr),
                u8::from(p.unique),
                u8::from(p.required)
            );
            let _ = writeln!(
                out,
                "      <longdesc lang=\"en\">{}</longdesc>",
                escape(p.longdesc.trim(), Policy::Text)
            );
            let _ = writeln!(
                out,
                "      <shortdesc lang=\"en\">{}</shortdesc>",
                escape(p.shortdesc, Policy::Text)
            );
            match &p.default {
                Some(d) => {
                    let _ = writeln!(
                        out,
                        "      <content type=\"{}\" default=\"{}\"/>",
                        p.content.as_str(),
                        escape(d, Policy::Attr)
                    );
                }
                None => {
                    let _ = writeln!(out, "      <content type=\"{}\"/>", p.content.as_str());
                }
            }
            out.push_str("    </parameter>\n");
        }
        out.push_str("  </parameters>\n  <actions>\n");
        for a in &self.actions {
            let _ = write!(
                out,
                "    <action name=\"{}\" timeout=\"{}s\"",
                a.name, a.timeout_s
            );
            if let Some(i) = a.interval_s {
                let _ = write!(out, " interval=\"{i}s\"");
            }
            if let Some(d) = a.depth {
                let _ = write!(out, " depth=\"{d}\"");
            }
            if let Some(r) = a.role {
                let _ = write!(out, " role=\"{r}\"");
            }
            out.push_str("/>\n");
        }
        out.push_str("  </actions>\n</resource-agent>\n");
        out
    }
}

/// The action hints most agents share; monitor every `monitor_s`.
pub fn standard_actions(start_s: u32, stop_s: u32, monitor_s: u32) -> Vec<ActionHint> {
    vec![
        ActionHint::new("start", start_s),
        ActionHint::new("stop", stop_s),
        ActionHint::new("monitor", 20).every(monitor_s),
        ActionHint::new("meta-data", 5),
        ActionHint::new("validate-all", 20),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_defaults_and_escapes() {
        let md = Metadata {
            name: "T",
            version: "1.0",
            shortdesc: "a < b",
            longdesc: "long",
            parameters: vec![Parameter::new("p", "s", "l & m")
                .required()
                .of_type(ContentType::Integer)
                .default("3")],
            actions: standard_actions(20, 20, 10),
        };
        let xml = md.to_xml();
        assert!(xml.contains("<shortdesc lang=\"en\">a &lt; b</shortdesc>"));
        assert!(xml.contains("<content type=\"integer\" default=\"3\"/>"));
        assert!(
            xml.contains("<action name=\"monitor\" timeout=\"20s\" interval=\"10s\" depth=\"0\"/>")
        );
        assert_eq!(md.default_of("p"), Some("3"));
    }
}
