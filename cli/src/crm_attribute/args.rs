//! `crm_attribute`'s command line (Pacemaker 2.1.5's options and aliases), read by the flags
//! layer.

use flags::{Dialect, Given, Opt, Spec};

/// What to do with the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    /// Print the value (the default without `-v`/`-D`).
    #[default]
    Query,
    /// Set the value.
    Update,
    /// Remove the attribute.
    Delete,
}

/// Parsed options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-n NAME`.
    pub name: Option<String>,
    /// `-P PATTERN` (several attributes at once).
    pub pattern: Option<String>,
    /// `-v VALUE`.
    pub value: Option<String>,
    /// Query, update or delete.
    pub action: Action,
    /// `-N NODE`.
    pub node: Option<String>,
    /// `-l reboot|forever` (normalized to `reboot` or `forever`).
    pub lifetime: Option<String>,
    /// `-t SECTION`.
    pub section: Option<String>,
    /// `-q`.
    pub quiet: bool,
    /// `-d VALUE`: printed by a query when the attribute does not exist.
    pub default: Option<String>,
    /// `-s SET-ID`.
    pub set_id: Option<String>,
    /// `-i ID`.
    pub attr_id: Option<String>,
    /// `-z`: the node's utilization instead of its attributes.
    pub utilization: bool,
    /// `-p RSC`: the promotion score attribute `master-RSC`.
    pub promotion: Option<String>,
    /// `--output-as=xml`.
    pub xml: bool,
}

/// The command line `crm_attribute` accepts, with Pacemaker's deprecated aliases.
pub const SPEC: Spec = Spec {
    tool: "crm_attribute",
    dialect: Dialect::Glib,
    options: &[
        Opt::flag('V', "verbose"),
        Opt::value('n', "name"),
        Opt::long_value("attr-name"),
        Opt::value('P', "pattern"),
        Opt::value('v', "update"),
        Opt::long_value("attr-value"),
        Opt::flag('G', "query"),
        Opt::long_flag("get-value"),
        Opt::flag('D', "delete"),
        Opt::long_flag("delete-attr"),
        Opt::value('N', "node"),
        Opt::value('U', "uname"),
        Opt::value('l', "lifetime"),
        Opt::value('t', "type"),
        Opt::long_value("scope"),
        Opt::flag('q', "quiet"),
        Opt::flag('Q', "quiet").short_only(),
        Opt::value('d', "default"),
        Opt::value('s', "set-name"),
        Opt::value('i', "id"),
        Opt::long_value("attr-id"),
        Opt::flag('z', "utilization"),
        Opt::value('p', "promotion"),
        Opt::value('W', "wait"),
        Opt::value('u', "wait").short_only(),
        Opt::flag('!', "force"),
        Opt::long_value("output-as"),
    ],
    help_groups: &[],
    help: super::USAGE,
    version: crate::version::BANNER,
};

/// The options given, in order; a bad value is refused with Pacemaker's message.
pub fn options(given: Vec<Given>) -> Result<Options, String> {
    let mut o = Options::default();
    for g in given {
        let Given::Opt { name, value } = g else {
            continue;
        };
        let v = value.unwrap_or_default();
        match name {
            "name" | "attr-name" => o.name = Some(v),
            "pattern" => o.pattern = Some(v),
            "update" | "attr-value" => {
                o.value = Some(v);
                o.action = Action::Update;
            }
            "query" | "get-value" => o.action = Action::Query,
            "delete" | "delete-attr" => o.action = Action::Delete,
            "node" | "uname" => o.node = Some(v),
            "lifetime" => {
                o.lifetime = Some(match v.as_str() {
                    "reboot" => "reboot".into(),
                    "forever" | "permanent" => "forever".into(),
                    _ => {
                        return Err(format!(
                            "Invalid value for --lifetime: {v} (use reboot or forever)"
                        ))
                    }
                });
            }
            "type" | "scope" => o.section = Some(v),
            "quiet" => o.quiet = true,
            "default" => o.default = Some(v),
            "set-name" => o.set_id = Some(v),
            "id" | "attr-id" => o.attr_id = Some(v),
            "utilization" => o.utilization = true,
            "promotion" => o.promotion = Some(v),
            "output-as" => match v.as_str() {
                "xml" => o.xml = true,
                "text" => o.xml = false,
                _ => return Err(format!("Unknown output format '{v}'")),
            },
            _ => {}
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Options {
        let args: Vec<String> = s.split_whitespace().map(String::from).collect();
        options(flags::parse(&SPEC, &args).expect("parse")).expect("values")
    }

    #[test]
    fn parses_common_forms() {
        let o = p("-n standby -v on -N node1 -l forever");
        assert_eq!(o.action, Action::Update);
        assert_eq!(o.name.as_deref(), Some("standby"));
        assert_eq!(o.lifetime.as_deref(), Some("forever"));
        let o = p("--name=x --query -q");
        assert_eq!(o.action, Action::Query);
        assert!(o.quiet);
        let o = p("-qG -n y");
        assert!(o.quiet);
        assert_eq!(o.name.as_deref(), Some("y"));
    }
}
