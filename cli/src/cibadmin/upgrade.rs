//! `cibadmin --upgrade`, as Pacemaker 2.1.5 does it: the CIB moves to the newest schema
//! (pacemaker-3.9) with admin_epoch raised and epoch restarted at 1; when the move changed
//! its content, that change bumps epoch once more (and num_updates restarts).
//!
//! Pacemaker walks its schemas in order (1.0, 1.2, 1.3, 2.0 ... 2.10, 3.0 ... 3.9) and on
//! the way applies two XSL transforms: `upgrade-1.3.xsl` (the first ACL syntax) and
//! `upgrade-2.10.xsl` (renamed and retired options). heartbeat-rs carries no XSLT; it does
//! the 2.10 rewrites of cluster options and nodes (those a Heartbeat 2.x CIB has:
//! `stonith_enabled`, `cluster-infrastructure=heartbeat`, `default-resource-stickiness`
//! moved to `rsc_defaults`, `type="normal"` nodes), and refuses, naming the construct and
//! changing nothing, where the transform would rewrite ACLs, resources, operations,
//! colocations or options under rules.

use crate::exit::ExitCode;
use cib::{CibVersion, Element};

/// The newest schema Pacemaker 2.1.5 knows.
pub const LATEST: &str = "pacemaker-3.9";

/// Why the CIB was not upgraded.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    /// `validate-with` names no schema Pacemaker knows.
    #[error("Could not connect to the CIB: Update does not conform to the configured schema\nInit failed, could not perform requested operations")]
    UnknownSchema,
    /// The upgrade needs a transform heartbeat-rs does not carry.
    #[error("cibadmin: upgrading from {from} needs Pacemaker's {xsl} for {what}; heartbeat-rs does not carry it (change that by hand, then upgrade)")]
    NeedsTransform {
        /// The CIB's schema.
        from: String,
        /// The transform's file.
        xsl: &'static str,
        /// The construct, with its id.
        what: String,
    },
}

impl UpgradeError {
    /// Pacemaker's exit code (an unknown schema fails as Pacemaker's does).
    pub fn exit_code(&self) -> ExitCode {
        match self {
            UpgradeError::UnknownSchema => ExitCode::Config,
            UpgradeError::NeedsTransform { .. } => ExitCode::UnimplementFeature,
        }
    }
}

/// `(major, minor)` of a schema Pacemaker 2.1.5 ships, `None` for any other name.
fn known(schema: &str) -> Option<(u32, u32)> {
    let (major, minor) = schema.strip_prefix("pacemaker-")?.split_once('.')?;
    let v = (major.parse().ok()?, minor.parse().ok()?);
    let ok = matches!(v, (1, 0) | (1, 2) | (1, 3) | (2, 0..=10) | (3, 0..=9));
    ok.then_some(v)
}

/// Cluster options `upgrade-2.10.xsl` renames in place.
const RENAMED: [(&str, &str); 13] = [
    ("cluster_recheck_interval", "cluster-recheck-interval"),
    ("dc_deadtime", "dc-deadtime"),
    ("election_timeout", "election-timeout"),
    ("no_quorum_policy", "no-quorum-policy"),
    ("remove_after_stop", "remove-after-stop"),
    ("shutdown_escalation", "shutdown-escalation"),
    ("startup_fencing", "startup-fencing"),
    ("stonith_action", "stonith-action"),
    ("stonith_enabled", "stonith-enabled"),
    ("stop_orphan_actions", "stop-orphan-actions"),
    ("stop_orphan_resources", "stop-orphan-resources"),
    ("symmetric_cluster", "symmetric-cluster"),
    ("transition_idle_timeout", "cluster-delay"),
];

/// Cluster options it drops (with no replacement).
const DROPPED: [&str; 5] = [
    "expected-quorum-votes",
    "default-migration-threshold",
    "default_migration_threshold",
    "notification-agent",
    "notification-recipient",
];

/// Cluster options it moves into `op_defaults`/`rsc_defaults`: (old name, section, new name).
const MOVED: [(&str, &str, &str); 6] = [
    ("default-action-timeout", "op_defaults", "timeout"),
    ("default_action_timeout", "op_defaults", "timeout"),
    (
        "default-resource-stickiness",
        "rsc_defaults",
        "resource-stickiness",
    ),
    (
        "default_resource_stickiness",
        "rsc_defaults",
        "resource-stickiness",
    ),
    ("is-managed-default", "rsc_defaults", "is-managed"),
    ("is_managed_default", "rsc_defaults", "is-managed"),
];

/// An option on its way to a defaults section.
struct Moved {
    section: &'static str,
    nvpair: Element,
}

/// Stacks whose `cluster-infrastructure` value the transform removes.
const RETIRED_STACKS: [&str; 5] = [
    "heartbeat",
    "openais",
    "classic openais",
    "classic openais (with plugin)",
    "cman",
];

/// Upgrades `cib` in place (unchanged on error).
pub fn upgrade(cib: &mut Element) -> Result<(), UpgradeError> {
    let from = cib.attr("validate-with").unwrap_or("none").to_string();
    if from == "none" || from == "pacemaker-next" {
        return Ok(());
    }
    let version = known(&from).ok_or(UpgradeError::UnknownSchema)?;
    if version >= (3, 9) {
        return Ok(());
    }
    let before = cib.clone();
    if version < (2, 0) {
        if let Some(what) = acl_v1(cib) {
            return Err(UpgradeError::NeedsTransform {
                from,
                xsl: "upgrade-1.3.xsl",
                what,
            });
        }
    }
    if version < (3, 0) {
        let mut work = cib.clone();
        rewrite_2_10(&mut work).map_err(|what| UpgradeError::NeedsTransform {
            from: from.clone(),
            xsl: "upgrade-2.10.xsl",
            what,
        })?;
        *cib = work;
    }
    cib.set_attr("validate-with", LATEST);
    let v = CibVersion::from_element(cib);
    let mut next = CibVersion {
        admin_epoch: v.admin_epoch + 1,
        epoch: 1,
        num_updates: v.num_updates,
    };
    if before.child("configuration") != cib.child("configuration") {
        next = next.bump_epoch();
    }
    next.write_to(cib);
    Ok(())
}

/// The first element of the ACL syntax before pacemaker-2.0.
fn acl_v1(cib: &Element) -> Option<String> {
    let acls = cib.child("configuration")?.child("acls")?;
    let mut stack = vec![acls];
    while let Some(e) = stack.pop() {
        if matches!(
            e.name.as_str(),
            "acl_user" | "role_ref" | "read" | "write" | "deny"
        ) {
            return Some(format!("<{} id=\"{}\">", e.name, e.id().unwrap_or("")));
        }
        stack.extend(e.elements());
    }
    None
}

/// The in-place part of `upgrade-2.10.xsl`; `Err` names the first construct it would move
/// or rewrite otherwise.
fn rewrite_2_10(cib: &mut Element) -> Result<(), String> {
    let Some(config) = cib.child_mut("configuration") else {
        return Ok(());
    };
    let mut moved = Vec::new();
    if let Some(crm_config) = config.child_mut("crm_config") {
        for set in crm_config
            .elements_mut()
            .filter(|e| e.name == "cluster_property_set")
        {
            rewrite_cluster_options(set, &mut moved)?;
        }
        // Sets left without options go (the transform drops empty ones).
        crm_config.children.retain(|n| match n {
            cib::Node::Element(e) if e.name == "cluster_property_set" => {
                e.child("rule").is_some() || e.child("nvpair").is_some()
            }
            _ => true,
        });
    }
    for section in ["op_defaults", "rsc_defaults"] {
        let here: Vec<Element> = moved
            .iter()
            .filter(|m| m.section == section)
            .map(|m| m.nvpair.clone())
            .collect();
        if !here.is_empty() {
            add_defaults(config, section, here)?;
        }
    }
    if let Some(nodes) = config.child_mut("nodes") {
        for node in nodes.elements_mut().filter(|e| e.name == "node") {
            if node.attr("type") == Some("normal") {
                node.set_attr("type", "member");
            }
        }
    }
    refuse_resource_rewrites(config)
}

/// Appends `nvpairs` to the section's first rule-less `meta_attributes`, or to a new
/// `_2TO3_-op-defaults` / `_2TO3_-rsc-defaults` block in a new section at the end.
fn add_defaults(config: &mut Element, section: &str, nvpairs: Vec<Element>) -> Result<(), String> {
    if config.child(section).is_none() {
        let id = format!("_2TO3_-{}", section.replace('_', "-"));
        config.children.push(cib::Node::Element(
            Element::new(section).with_child(Element::new("meta_attributes").with_attr("id", id)),
        ));
    }
    let Some(defaults) = config.child_mut(section) else {
        return Ok(());
    };
    let Some(block) = defaults
        .elements_mut()
        .find(|e| e.name == "meta_attributes" && e.child("rule").is_none())
    else {
        return Err(format!("{section} whose meta_attributes all have rules"));
    };
    block
        .children
        .extend(nvpairs.into_iter().map(cib::Node::Element));
    Ok(())
}

fn rewrite_cluster_options(set: &mut Element, moved: &mut Vec<Moved>) -> Result<(), String> {
    let ruled = set.child("rule").is_some();
    let mut keep = Vec::with_capacity(set.children.len());
    for node in std::mem::take(&mut set.children) {
        let cib::Node::Element(mut nv) = node else {
            keep.push(node);
            continue;
        };
        if nv.name != "nvpair" {
            keep.push(cib::Node::Element(nv));
            continue;
        }
        let name = nv.attr("name").unwrap_or("").to_string();
        let value = nv.attr("value").unwrap_or("").to_string();
        let failure_stickiness = name == "default-resource-failure-stickiness"
            || name == "default_resource_failure_stickiness";
        // -INFINITY failure stickiness meant "move away at the first failure".
        let target = MOVED
            .iter()
            .find(|(old, _, _)| *old == name)
            .map(|(_, section, new)| (*section, *new, value.clone()))
            .or_else(|| {
                (failure_stickiness && value == "-INFINITY")
                    .then(|| ("rsc_defaults", "migration-threshold", "1".to_string()))
            });
        if let Some((section, new_name, new_value)) = target {
            if ruled {
                let what = format!(
                    "cluster option {name} (nvpair {}) under a rule",
                    nv.id().unwrap_or("")
                );
                set.children = keep;
                return Err(what);
            }
            nv.set_attr("name", new_name);
            nv.set_attr("value", new_value);
            moved.push(Moved {
                section,
                nvpair: nv,
            });
            continue;
        }
        let retired_stack =
            name == "cluster-infrastructure" && RETIRED_STACKS.contains(&value.as_str());
        if retired_stack || DROPPED.contains(&name.as_str()) || failure_stickiness {
            continue;
        }
        if let Some((_, new)) = RENAMED.iter().find(|(old, _)| *old == name) {
            nv.set_attr("name", *new);
        }
        keep.push(cib::Node::Element(nv));
    }
    set.children = keep;
    Ok(())
}

/// Resource, operation and colocation constructs the transform rewrites.
fn refuse_resource_rewrites(config: &Element) -> Result<(), String> {
    const RSC_PARAMS: [&str; 7] = [
        "pcmk_arg_map",
        "pcmk_list_cmd",
        "pcmk_monitor_cmd",
        "pcmk_off_cmd",
        "pcmk_on_cmd",
        "pcmk_reboot_cmd",
        "pcmk_status_cmd",
    ];
    const RSC_META: [&str; 6] = [
        "isolation",
        "isolation-host",
        "isolation-instance",
        "isolation-wrapper",
        "resource-failure-stickiness",
        "resource_failure_stickiness",
    ];
    let mut stack: Vec<&Element> = vec![config];
    while let Some(e) = stack.pop() {
        let id = e.id().unwrap_or("");
        let names = |block: &'static str| -> Vec<&str> {
            e.children_named(block)
                .flat_map(|b| b.children_named("nvpair"))
                .filter_map(|nv| nv.attr("name"))
                .collect()
        };
        match e.name.as_str() {
            "primitive" | "template" => {
                if let Some(n) = names("instance_attributes")
                    .into_iter()
                    .find(|n| RSC_PARAMS.contains(n))
                {
                    return Err(format!("parameter {n} of {id}"));
                }
                if let Some(n) = names("meta_attributes")
                    .into_iter()
                    .find(|n| RSC_META.contains(n))
                {
                    return Err(format!("meta attribute {n} of {id}"));
                }
            }
            "op" if e.attr("requires").is_some() || e.child("instance_attributes").is_some() => {
                return Err(format!("operation {id} (requires or instance_attributes)"));
            }
            "rsc_colocation"
                if e.attr("score-attribute").is_some()
                    || e.attr("score-attribute-mangle").is_some() =>
            {
                return Err(format!("colocation {id} (score-attribute)"));
            }
            _ => {}
        }
        stack.extend(e.elements());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Element {
        cib::xml::parse_element(s).unwrap()
    }

    #[test]
    fn unknown_schemas_and_none() {
        for v in [
            "transitional-0.6",
            "pacemaker-0.7",
            "pacemaker-1.1",
            "bogus",
        ] {
            let mut c = parse(&format!(r#"<cib validate-with="{v}"/>"#));
            assert!(
                matches!(upgrade(&mut c), Err(UpgradeError::UnknownSchema)),
                "{v}"
            );
        }
        let mut c = parse(r#"<cib validate-with="none" epoch="5"/>"#);
        upgrade(&mut c).unwrap();
        assert_eq!(c.attr("epoch"), Some("5"));
    }

    #[test]
    fn acl_v1_and_operation_rewrites_are_refused_unchanged() {
        let text = r#"<cib validate-with="pacemaker-1.2" epoch="5" admin_epoch="0"><configuration><crm_config><cluster_property_set id="c"><nvpair id="n" name="stonith_enabled" value="false"/></cluster_property_set></crm_config><resources><primitive id="p" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="p-start" name="start" interval="0" requires="fencing"/></operations></primitive></resources><acls><acl_user id="u"/></acls></configuration></cib>"#;
        let mut c = parse(text);
        let e = upgrade(&mut c).unwrap_err();
        assert!(e.to_string().contains("upgrade-1.3.xsl"), "{e}");
        assert_eq!(c, parse(text));
        let text = text.replace(r#"<acls><acl_user id="u"/></acls>"#, "");
        let mut c = parse(&text);
        let e = upgrade(&mut c).unwrap_err();
        assert!(e.to_string().contains("operation p-start"), "{e}");
        assert_eq!(e.exit_code(), ExitCode::UnimplementFeature);
        assert_eq!(c, parse(&text));
    }
}
