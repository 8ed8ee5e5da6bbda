//! Pacemaker 2.1.5's text and XML renderings of an agent action's result.

use lrm::{ExecStatus, OcfRc};
use std::borrow::Cow;
use vocab::exit::exit_text;
use vocab::xml_escape::{self, Policy};

/// Pacemaker's `api-version` for `--output-as=xml`.
const API_VERSION: &str = "2.25";

/// What ran, for the heading line and the XML attributes.
pub struct ActionReport<'a> {
    /// `force-start`, `validate`, ...
    pub name: &'a str,
    /// Resource id when the resource came from the CIB (`-r`).
    pub rsc: Option<&'a str>,
    /// Agent class.
    pub class: &'a str,
    /// OCF provider.
    pub provider: Option<&'a str>,
    /// Agent type.
    pub kind: &'a str,
    /// Result.
    pub rc: OcfRc,
    /// Execution status.
    pub status: ExecStatus,
    /// Exit reason.
    pub reason: &'a str,
    /// Agent stdout.
    pub stdout: &'a str,
    /// Agent stderr.
    pub stderr: &'a str,
}

impl ActionReport<'_> {
    fn spec(&self) -> String {
        match self.provider {
            Some(p) => format!("{}:{}:{}", self.class, p, self.kind),
            None => format!("{}:{}", self.class, self.kind),
        }
    }

    fn subject(&self) -> String {
        match self.rsc {
            Some(rsc) => format!("Operation {} for {rsc} ({})", self.name, self.spec()),
            None => format!("Operation {} ({})", self.name, self.spec()),
        }
    }
}

/// Text output: (stdout, stderr).
pub fn text(report: &ActionReport<'_>) -> (String, String) {
    let mut out = String::new();
    let mut err = String::new();
    if report.status == ExecStatus::Done {
        let reason = if report.reason.is_empty() {
            String::new()
        } else {
            format!(": {}", report.reason)
        };
        out.push_str(&format!(
            "{} returned {} ({}{reason})\n",
            report.subject(),
            report.rc.0,
            report.rc.text()
        ));
    } else {
        err.push_str(&format!(
            "{} could not be executed ({}: {})\n",
            report.subject(),
            report.status.text(),
            report.reason
        ));
    }
    for stream in [report.stdout, report.stderr] {
        if !stream.is_empty() {
            out.push_str(stream);
            out.push('\n');
        }
    }
    if report.rc != OcfRc::SUCCESS {
        err.push_str(&format!(
            "crm_resource: Error performing operation: {}\n",
            exit_text(report.rc.0)
        ));
    }
    (out, err)
}

/// XML output (`--output-as=xml`).
pub fn xml(request: &str, report: &ActionReport<'_>) -> String {
    let mut x = result_open(request);
    x.push_str(&format!(
        "  <resource-agent-action action=\"{}\" class=\"{}\" type=\"{}\"",
        escape(report.name),
        escape(report.class),
        escape(report.kind)
    ));
    if let Some(rsc) = report.rsc {
        x.push_str(&format!(" rsc=\"{}\"", escape(rsc)));
    }
    if let Some(p) = report.provider {
        x.push_str(&format!(" provider=\"{}\"", escape(p)));
    }
    x.push_str(">\n    <overrides/>\n");
    x.push_str(&format!(
        "    <agent-status code=\"{}\" message=\"{}\" execution_code=\"{}\" execution_message=\"{}\"",
        report.rc.0,
        escape(report.rc.text()),
        report.status.code(),
        escape(report.status.text())
    ));
    if !report.reason.is_empty() {
        x.push_str(&format!(" reason=\"{}\"", escape(report.reason)));
    }
    x.push_str("/>\n");
    if !report.stdout.is_empty() || !report.stderr.is_empty() {
        x.push_str(&format!("    <command code=\"{}\">\n", report.rc.0));
        for (source, text) in [("stdout", report.stdout), ("stderr", report.stderr)] {
            if !text.is_empty() {
                x.push_str(&format!(
                    "      <output source=\"{source}\">{}</output>\n",
                    escape_text(text)
                ));
            }
        }
        x.push_str("    </command>\n");
    }
    x.push_str("  </resource-agent-action>\n");
    let errors: Vec<String> = if report.rc == OcfRc::SUCCESS {
        Vec::new()
    } else {
        vec![format!(
            "crm_resource: Error performing operation: {}",
            exit_text(report.rc.0)
        )]
    };
    x.push_str(&result_close(report.rc.0, &errors));
    x
}

/// `<pacemaker-result ...>` opening line.
pub fn result_open(request: &str) -> String {
    format!(
        "<pacemaker-result api-version=\"{API_VERSION}\" request=\"{}\">\n",
        escape(request)
    )
}

/// `<status>` and the closing tag.
pub fn result_close(code: i32, errors: &[String]) -> String {
    let mut x = format!(
        "  <status code=\"{code}\" message=\"{}\"",
        escape(exit_text(code))
    );
    if errors.is_empty() {
        x.push_str("/>\n");
    } else {
        x.push_str(">\n    <errors>\n");
        for e in errors {
            x.push_str(&format!("      <error>{}</error>\n", escape_text(e)));
        }
        x.push_str("    </errors>\n  </status>\n");
    }
    x.push_str("</pacemaker-result>\n");
    x
}

/// Attribute escaping as libxml2 writes it.
pub fn escape(text: &str) -> Cow<'_, str> {
    xml_escape::escape(text, Policy::Attr)
}

/// Element text escaping (quotes stay as they are, as libxml2 writes them).
pub fn escape_text(text: &str) -> Cow<'_, str> {
    xml_escape::escape(text, Policy::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report<'a>(
        rc: i32,
        status: ExecStatus,
        reason: &'a str,
        stdout: &'a str,
    ) -> ActionReport<'a> {
        ActionReport {
            name: "validate",
            rsc: None,
            class: "ocf",
            provider: Some("pacemaker"),
            kind: "Dummy",
            rc: OcfRc(rc),
            status,
            reason,
            stdout,
            stderr: "",
        }
    }

    #[test]
    fn text_matches_the_regression_transcript() {
        let (out, err) = text(&report(6, ExecStatus::Done, "", ""));
        assert_eq!(
            out,
            "Operation validate (ocf:pacemaker:Dummy) returned 6 (not configured)\n"
        );
        assert_eq!(
            err,
            "crm_resource: Error performing operation: Not configured\n"
        );
        let (out, err) = text(&report(
            1,
            ExecStatus::Timeout,
            "Resource agent did not exit within specified timeout",
            "x",
        ));
        assert_eq!(out, "x\n");
        assert!(err.starts_with("Operation validate (ocf:pacemaker:Dummy) could not be executed (Timed Out: Resource agent"));
    }

    #[test]
    fn xml_matches_the_regression_transcript() {
        let got = xml("crm_resource --validate --class ocf --provider pacemaker --agent Dummy --output-as=xml", &report(0, ExecStatus::Done, "", ""));
        let want = r#"<pacemaker-result api-version="2.25" request="crm_resource --validate --class ocf --provider pacemaker --agent Dummy --output-as=xml">
  <resource-agent-action action="validate" class="ocf" type="Dummy" provider="pacemaker">
    <overrides/>
    <agent-status code="0" message="ok" execution_code="0" execution_message="complete"/>
  </resource-agent-action>
  <status code="0" message="OK"/>
</pacemaker-result>
"#;
        assert_eq!(got, want);
    }
}
