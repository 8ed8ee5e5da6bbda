//! Checks the scheduler makes while unpacking the configuration section: option values it
//! resets, deprecated syntax, duplicate operations, fencing prerequisites.

use super::diagnostic::{Check, Diagnostic, Severity};
use super::model::{nvpairs, Cluster, Resource};
use crate::Element;
use vocab::{is_true, parse_bool, parse_duration_ms};

fn err(origin: &'static str, check: Check, e: &Element, msg: String) -> Diagnostic {
    Diagnostic::at(Severity::Error, check, origin, e, msg)
}

fn warn(origin: &'static str, check: Check, e: &Element, msg: String) -> Diagnostic {
    Diagnostic::at(Severity::Warning, check, origin, e, msg)
}

/// All configuration-section findings.
pub fn check(cluster: &Cluster) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check_options(cluster, &mut out);
    check_fencing_devices(cluster, &mut out);
    for (index, rsc) in cluster.resources.iter().enumerate() {
        check_resource_meta(cluster, index, rsc, &mut out);
        if rsc.xml.name == "primitive" {
            let created = recurring_ops_created(cluster, index);
            check_operations(cluster, rsc, created, &mut out);
            // Start and monitor actions exist once the resource is to run somewhere.
            if created && !stopped_by_role(cluster, index) {
                let instance = instance_id(cluster, index);
                check_placed_operations(cluster, rsc, &instance, &mut out);
            }
        }
    }
    check_constraints(cluster, &mut out);
    out
}

fn check_options(cluster: &Cluster, out: &mut Vec<Diagnostic>) {
    if cluster.option("stonith-action") == Some("poweroff") {
        out.push(warn(
            "unpack_config",
            Check::Deprecated,
            cluster.cib,
            "Support for stonith-action of 'poweroff' is deprecated and will be removed in a \
             future release (use 'off' instead)"
                .into(),
        ));
    }
}

fn check_fencing_devices(cluster: &Cluster, out: &mut Vec<Diagnostic>) {
    if !cluster.stonith_enabled() || cluster.has_fencing_device() {
        return;
    }
    for line in [
        "Resource start-up disabled since no STONITH resources have been defined",
        "Either configure some or disable STONITH with the stonith-enabled option",
        "NOTE: Clusters with shared data need STONITH to ensure data integrity",
    ] {
        out.push(err(
            "unpack_resources",
            Check::Fencing,
            cluster.cib,
            line.into(),
        ));
    }
}

/// The ids Pacemaker gives a resource's instances: `rsc:0` .. `rsc:<clone-max - 1>` inside a
/// clone (clone-max defaults to the number of nodes), else just `rsc`.
fn instance_ids(cluster: &Cluster, index: usize) -> Vec<String> {
    let rsc = &cluster.resources[index];
    let mut p = rsc.parent;
    while let Some(i) = p {
        let parent = &cluster.resources[i];
        if parent.is_clone() {
            let nodes = cluster.nodes.len() + cluster.remote_node_names().len();
            let max = parent
                .meta("clone-max")
                .and_then(|v| v.parse().ok())
                .unwrap_or(nodes);
            return (0..max).map(|n| format!("{}:{n}", rsc.id())).collect();
        }
        p = parent.parent;
    }
    vec![rsc.id().to_string()]
}

/// The id of a resource's first instance.
fn instance_id(cluster: &Cluster, index: usize) -> String {
    instance_ids(cluster, index)
        .into_iter()
        .next()
        .unwrap_or_else(|| cluster.resources[index].id().to_string())
}

fn check_resource_meta(cluster: &Cluster, index: usize, rsc: &Resource, out: &mut Vec<Diagnostic>) {
    let id = rsc.id();
    if rsc
        .meta("restart-type")
        .is_some_and(|v| v.eq_ignore_ascii_case("restart"))
    {
        out.push(warn(
            "pe__unpack_resource",
            Check::Deprecated,
            rsc.xml,
            "Support for restart-type is deprecated and will be removed in a future release".into(),
        ));
    }
    if rsc.xml.name == "group" {
        for flag in ["ordered", "collocated"] {
            if rsc.meta(flag).and_then(parse_bool) == Some(false) {
                out.push(warn(
                    "set_group_flag",
                    Check::Deprecated,
                    rsc.xml,
                    format!(
                        "Support for the '{flag}' group meta-attribute is deprecated and will be \
                         removed in a future release (use a resource set instead)"
                    ),
                ));
            }
        }
    }
    if let Some(role) = rsc.meta("target-role") {
        let promoted_role = match role.to_ascii_lowercase().as_str() {
            "promoted" | "master" => Some("Promoted"),
            "unpromoted" | "slave" => Some("Unpromoted"),
            _ => None,
        };
        if let Some(shown) = promoted_role {
            if !cluster.top(index).is_promotable() {
                out.push(err(
                    "get_target_role",
                    Check::InvalidValue,
                    rsc.xml,
                    format!(
                        "Ignoring 'target-role' for {} because '{shown}' only makes sense for \
                         promotable clones",
                        instance_id(cluster, index)
                    ),
                ));
            }
        }
    }
    if let Some(requires) = rsc.meta("requires").filter(|_| !cluster.stonith_enabled()) {
        for instance in instance_ids(cluster, index) {
            let message = match requires {
                "fencing" => format!("{instance} requires fencing but fencing is disabled"),
                "unfencing" => format!(
                    "Resetting \"requires\" for {instance} to \"quorum\" because fencing is disabled"
                ),
                _ => continue,
            };
            out.push(warn("unpack_requires", Check::Fencing, rsc.xml, message));
        }
    }
    if rsc.is_clone() && rsc.meta("globally-unique").and_then(parse_bool) == Some(true) {
        for child in cluster
            .resources
            .iter()
            .filter(|c| c.xml.name == "primitive")
        {
            let mut p = child.parent;
            let mut inside = false;
            while let Some(i) = p {
                inside |= cluster.resources[i].id() == id;
                p = cluster.resources[i].parent;
            }
            let class = child.xml.attr("class").unwrap_or("");
            // Only these classes cannot tell instances apart.
            let anonymous_only =
                matches!(class, "lsb" | "systemd" | "upstart" | "service" | "nagios");
            if inside && anonymous_only {
                out.push(warn(
                    "pe__force_anon",
                    Check::InvalidValue,
                    rsc.xml,
                    format!(
                        "Ignoring globally-unique for {id} because {class} resources such as \
                         {}:0 can be used only as anonymous clones",
                        child.id()
                    ),
                ));
                break;
            }
        }
    }
}

/// The effective on-fail of an operation: its attribute, its meta sets, then op_defaults.
pub fn op_on_fail<'a>(cluster: &Cluster<'a>, op: &'a Element) -> Option<&'a str> {
    op.attr("on-fail")
        .or_else(|| {
            nvpairs(op, "meta_attributes")
                .into_iter()
                .find(|(k, _)| *k == "on-fail")
                .map(|(_, v)| v)
        })
        .or_else(|| {
            let defaults = cluster.cib.child("configuration")?.child("op_defaults")?;
            nvpairs(defaults, "meta_attributes")
                .into_iter()
                .find(|(k, _)| *k == "on-fail")
                .map(|(_, v)| v)
        })
}

const ON_FAIL_VALUES: &[&str] = &[
    "block",
    "fence",
    "standby",
    "ignore",
    "nothing",
    "stop",
    "restart",
    "restart-container",
    "reset-remote",
    "demote",
];

/// True when the scheduler creates the resource's recurring operations (where duplicates are
/// found): whenever some cluster node is online, unless maintenance or a lost ticket with
/// loss-policy=freeze holds the resource (or an enclosing one) as it is.
fn recurring_ops_created(cluster: &Cluster, index: usize) -> bool {
    if !super::status::has_online_node(cluster) || cluster.maintenance_mode() {
        return false;
    }
    let granted = |ticket: &str| {
        cluster
            .cib
            .child("status")
            .and_then(|s| s.child("tickets"))
            .is_some_and(|t| {
                t.children_named("ticket_state")
                    .any(|ts| ts.id() == Some(ticket) && ts.attr("granted").is_some_and(is_true))
            })
    };
    let tickets: Vec<&Element> = cluster
        .cib
        .child("configuration")
        .and_then(|c| c.child("constraints"))
        .map(|c| c.children_named("rsc_ticket").collect())
        .unwrap_or_default();
    let mut cur = Some(index);
    while let Some(i) = cur {
        let rsc = &cluster.resources[i];
        if rsc.meta("maintenance").is_some_and(is_true) {
            return false;
        }
        let frozen = tickets.iter().any(|t| {
            t.attr("rsc") == Some(rsc.id())
                && t.attr("loss-policy") == Some("freeze")
                && t.attr("rsc-role").is_none_or(|r| r == "Started")
                && !t.attr("ticket").is_some_and(granted)
        });
        if frozen {
            return false;
        }
        cur = rsc.parent;
    }
    true
}

fn check_operations(cluster: &Cluster, rsc: &Resource, created: bool, out: &mut Vec<Diagnostic>) {
    let Some(ops) = rsc.xml.child("operations") else {
        return;
    };
    let ops: Vec<&Element> = ops.children_named("op").collect();
    // Recurring operations must differ in name or interval. Pacemaker checks each recurring
    // operation and names the first two of its group, so a pair is reported twice.
    let key = |op: &Element| {
        let interval = op
            .attr("interval")
            .and_then(|v| parse_duration_ms(v).ok())
            .unwrap_or(0);
        (op.attr("name").unwrap_or("").to_string(), interval)
    };
    for op in &ops {
        let (name, interval) = key(op);
        if interval == 0 || !created {
            continue;
        }
        let mut group = ops.iter().filter(|o| key(o) == (name.clone(), interval));
        if let (Some(first), Some(second)) = (group.next(), group.next()) {
            out.push(err(
                "is_op_dup",
                Check::DuplicateOperation,
                op,
                format!(
                    "Operation {} is duplicate of {} (do not use same name and interval \
                     combination more than once per resource)",
                    second.id().unwrap_or(""),
                    first.id().unwrap_or("")
                ),
            ));
        }
    }
    for op in &ops {
        // An unreadable interval is only logged: Pacemaker treats it as 0 (not recurring).
        if let Some(interval) = op
            .attr("interval")
            .filter(|v| parse_duration_ms(v).is_err())
        {
            out.push(Diagnostic::at(
                Severity::Advisory,
                Check::InvalidDuration,
                "crm_parse_interval_spec",
                op,
                format!("Using 0 instead of '{interval}'"),
            ));
        }
        let Some(on_fail) = op_on_fail(cluster, op) else {
            continue;
        };
        let op_id = op.id().unwrap_or("");
        if !ON_FAIL_VALUES.contains(&on_fail) {
            out.push(err(
                "unpack_operation",
                Check::InvalidValue,
                op,
                format!("Resetting 'on-fail' for operation '{op_id}' to default because '{on_fail}' is not valid"),
            ));
        }
        // Valid values are judged only once actions exist: see check_active_operations.
    }
}

fn check_constraints(cluster: &Cluster, out: &mut Vec<Diagnostic>) {
    let Some(constraints) = cluster
        .cib
        .child("configuration")
        .and_then(|c| c.child("constraints"))
    else {
        return;
    };
    for c in constraints.elements() {
        let id = c.id().unwrap_or("");
        match c.name.as_str() {
            "rsc_order" => {
                if let Some(kind) = c.attr("kind") {
                    if !["mandatory", "optional", "serialize"]
                        .contains(&kind.to_ascii_lowercase().as_str())
                    {
                        out.push(err(
                            "get_ordering_type",
                            Check::InvalidValue,
                            c,
                            format!("Resetting 'kind' for constraint {id} to 'Mandatory' because '{kind}' is not valid"),
                        ));
                    }
                }
                let first_is_clone = c
                    .attr("first")
                    .and_then(|f| cluster.resource(f))
                    .is_some_and(|r| r.is_clone() && r.meta("clone-min").is_none());
                if first_is_clone && c.attr("require-all").is_some() {
                    out.push(warn(
                        "get_minimum_first_instances",
                        Check::Deprecated,
                        c,
                        "Support for require-all in ordering constraints is deprecated and will be \
                         removed in a future release (use clone-min clone meta-attribute instead)"
                            .into(),
                    ));
                }
            }
            "rsc_ticket"
                if c.attr("loss-policy") == Some("fence") && !cluster.stonith_enabled() =>
            {
                out.push(err(
                    "rsc_ticket_new",
                    Check::Fencing,
                    c,
                    format!(
                        "Resetting 'loss-policy' for ticket '{}' to 'stop' because fencing is \
                         not configured",
                        c.attr("ticket").unwrap_or("")
                    ),
                ));
            }
            "rsc_colocation" => {
                if let Some(influence) = c.attr("influence") {
                    if parse_bool(influence).is_none() {
                        out.push(err(
                            "unpack_influence",
                            Check::InvalidValue,
                            c,
                            format!(
                                "Constraint '{id}' has invalid value for influence (using default)"
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Findings Pacemaker makes about a primitive's operations only when it creates their actions,
/// so the status checks call this for resources recorded as active (`active_instances` names
/// each active instance): on-fail values a stop cannot take, and on-fail=fence without fencing.
pub fn check_active_operations(
    cluster: &Cluster,
    index: usize,
    active_instances: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let Some(ops) = cluster.resources[index].xml.child("operations") else {
        return;
    };
    if active_instances.is_empty() {
        return;
    }
    // A resource held down by target-role still gets actions where it runs; one that is to run
    // had its other operations judged with the configuration already.
    let held_down = stopped_by_role(cluster, index);
    for op in ops.children_named("op") {
        let Some(on_fail) = op_on_fail(cluster, op) else {
            continue;
        };
        if op.attr("name") == Some("stop") {
            check_active_stop(cluster, op, on_fail, active_instances, out);
        } else if held_down && on_fail == "fence" && !cluster.stonith_enabled() {
            out.extend(
                active_instances
                    .iter()
                    .map(|i| fence_without_fencing(op, i)),
            );
        }
    }
}

/// The key Pacemaker gives an operation's action: `<instance>_<task>_<interval in ms>`.
fn action_key(instance: &str, op: &Element) -> String {
    let interval = op
        .attr("interval")
        .and_then(|v| parse_duration_ms(v).ok())
        .unwrap_or(0);
    format!("{instance}_{}_{interval}", op.attr("name").unwrap_or(""))
}

fn fence_without_fencing(op: &Element, instance: &str) -> Diagnostic {
    err(
        "unpack_operation",
        Check::Fencing,
        op,
        format!(
            "Resetting 'on-fail' for operation '{}' to 'stop' because 'fence' is not valid when \
             fencing is disabled",
            action_key(instance, op)
        ),
    )
}

/// True when target-role=Stopped holds the resource or an enclosing one down.
fn stopped_by_role(cluster: &Cluster, index: usize) -> bool {
    let mut cur = Some(index);
    while let Some(i) = cur {
        let rsc = &cluster.resources[i];
        if rsc
            .meta("target-role")
            .is_some_and(|r| r.eq_ignore_ascii_case("stopped"))
        {
            return true;
        }
        cur = rsc.parent;
    }
    false
}

/// Findings about the operations of a resource that is to run: on-fail=fence without fencing
/// (stops are judged separately, for the instances that are active).
fn check_placed_operations(
    cluster: &Cluster,
    rsc: &Resource,
    instance: &str,
    out: &mut Vec<Diagnostic>,
) {
    if cluster.stonith_enabled() {
        return;
    }
    let Some(ops) = rsc.xml.child("operations") else {
        return;
    };
    for op in ops
        .children_named("op")
        .filter(|op| op.attr("name") != Some("stop"))
    {
        if op_on_fail(cluster, op) == Some("fence") {
            out.push(fence_without_fencing(op, instance));
        }
    }
}

fn check_active_stop(
    cluster: &Cluster,
    op: &Element,
    on_fail: &str,
    active_instances: &[String],
    out: &mut Vec<Diagnostic>,
) {
    if matches!(on_fail, "standby" | "stop" | "demote") {
        for instance in active_instances {
            out.push(err(
                "unpack_operation_on_fail",
                Check::InvalidValue,
                op,
                format!(
                    "Resetting 'on-fail' for {instance} stop action to default value because \
                     '{on_fail}' is not allowed for stop"
                ),
            ));
        }
    } else if on_fail == "fence" && !cluster.stonith_enabled() {
        out.extend(
            active_instances
                .iter()
                .map(|i| fence_without_fencing(op, i)),
        );
    }
}
