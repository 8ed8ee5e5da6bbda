//! The one text form of node and resource state, shared by `crm_simulate -S`, `crm_mon` and
//! `crm_resource`, so the same state prints the same everywhere. It follows Pacemaker 2.1.5's
//! layout: `name\t(class:provider:type):\t [ORPHANED ](FAILED [role]|role)[ node][ (probe) ]`
//! then one parenthesised flag list, then `[ node node ]` when active on several nodes; and
//! the group and clone headings with their flag lists.

use crate::unpack::{ClusterView, Role, RscIdx};
use cib::Element;

/// What a node's state word depends on.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeMode {
    /// Online.
    pub online: bool,
    /// Must be fenced.
    pub unclean: bool,
    /// Joining.
    pub pending: bool,
    /// In standby.
    pub standby: bool,
    /// In maintenance.
    pub maintenance: bool,
    /// Some resource is active on it.
    pub running_resources: bool,
}

impl NodeMode {
    /// Pacemaker's word for the node: `online` and `OFFLINE` nodes are listed together
    /// (`Online: [ ... ]`), every other word gets a line of its own.
    pub fn word(&self) -> &'static str {
        if self.unclean {
            if self.online {
                "UNCLEAN (online)"
            } else if self.pending {
                "UNCLEAN (pending)"
            } else {
                "UNCLEAN (offline)"
            }
        } else if self.pending {
            "pending"
        } else if self.standby {
            match (self.online, self.running_resources) {
                (false, _) => "OFFLINE (standby)",
                (true, true) => "standby (with active resources)",
                (true, false) => "standby",
            }
        } else if self.maintenance {
            if self.online {
                "maintenance"
            } else {
                "OFFLINE (maintenance)"
            }
        } else if self.online {
            "online"
        } else {
            "OFFLINE"
        }
    }

    /// True when the node goes in the `Online`/`OFFLINE` lists rather than a line of its own.
    pub fn listed(&self) -> bool {
        matches!(self.word(), "online" | "OFFLINE")
    }
}

/// Everything one primitive's line shows. Build it with [`PrimitiveText::of`] from the
/// scheduler's view, or fill it from another model of the same state.
#[derive(Debug, Clone, Default)]
pub struct PrimitiveText {
    /// The name shown (anonymous clone instances go by their base id).
    pub name: String,
    /// `class[:provider]:type`.
    pub agent: String,
    /// Where it is active and in which role, in display order.
    pub on: Vec<ActiveOn>,
    /// The `target-role` in effect (its own or an ancestor's), as configured.
    pub target_role: Option<String>,
    /// A failed operation left it failed.
    pub failed: bool,
    /// In the history but no longer configured.
    pub orphan: bool,
    /// Stopped, and a probe failed with this result (`not installed`).
    pub failed_probe: Option<String>,
    /// Its one node is offline and unclean.
    pub unclean_node: bool,
    /// target-role=Stopped here or on an ancestor.
    pub disabled: bool,
    /// target-role=Unpromoted on an instance of a promotable clone.
    pub target_unpromoted: Option<String>,
    /// A failure froze it (on-fail=block, or a stop that cannot be fenced).
    pub blocked: bool,
    /// Its node or itself is in maintenance.
    pub maintenance: bool,
    /// Managed by the cluster.
    pub managed: bool,
    /// A failure was ignored (on-fail=ignore).
    pub failure_ignored: bool,
    /// An operation in flight shown instead of the role ("Starting", "Stopping", ...).
    pub pending: Option<&'static str>,
    /// The node shown for a resource active nowhere: where that operation is in flight, or
    /// where Pacemaker still lists it (a failed migration's target, stopped later).
    pub idle_node: Option<String>,
    /// The node a shutdown lock holds it to (shown as its node while it is stopped).
    pub locked_to: Option<String>,
    /// An operation in flight shown among the flags (a recurring monitor: "Monitoring").
    pub pending_flag: Option<&'static str>,
}

/// One node a primitive is active on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveOn {
    /// Node name.
    pub name: String,
    /// Node id (XML shows it).
    pub id: String,
    /// The node is online (XML's `cached`, as Pacemaker 2.1.5 fills it).
    pub online: bool,
    /// The role there, as shown.
    pub role: Role,
}

/// How much of the location a line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nodes {
    /// The node (or `[ nodes ]` when active on several), as crm_mon and crm_simulate show it.
    Shown,
    /// No node at all (`crm_resource --list`, per-node listings).
    Hidden,
}

/// The role word of an active resource: a promotable clone's instance that is not promoted
/// is unpromoted.
pub fn shown_role(role: Role, promotable: bool) -> Role {
    match role {
        Role::Started if promotable => Role::Unpromoted,
        Role::Unknown => Role::Started,
        other => other,
    }
}

/// `class:provider:type`, or `class:type` without a provider.
pub fn agent_text(view: &ClusterView, r: RscIdx) -> String {
    let rsc = &view.resources[r];
    match &rsc.provider {
        Some(p) => format!("{}:{p}:{}", rsc.class, rsc.agent),
        None => format!("{}:{}", rsc.class, rsc.agent),
    }
}

/// `target-role=Stopped` in effect for the resource (its own, else inherited, else rsc_defaults).
pub fn disabled(view: &ClusterView, r: RscIdx) -> bool {
    // The resource's own meta already holds its parent's and rsc_defaults' values where it sets
    // none, so a child's `target-role=Started` wins over a parent's (or the defaults') Stopped.
    view.resources[r].target_role() == Some(Role::Stopped)
}

/// Whether a clone's stopped instances show as disabled: the clone's `target-role`, else its
/// first instance's (Pacemaker's configured role of a clone).
pub fn clone_disabled(view: &ClusterView, c: RscIdx) -> bool {
    let clone = &view.resources[c];
    let shown = match clone.meta("target-role") {
        Some(_) => clone,
        None => match clone.children.first() {
            Some(&first) => &view.resources[first],
            None => clone,
        },
    };
    shown.target_role() == Some(Role::Stopped)
}

/// The word Pacemaker shows for an operation in flight (its `native_pending_state`).
pub fn pending_word(task: &str) -> Option<&'static str> {
    match task {
        "start" => Some("Starting"),
        "stop" => Some("Stopping"),
        "migrate_to" | "migrate_from" => Some("Migrating"),
        "promote" => Some("Promoting"),
        "demote" => Some("Demoting"),
        _ => None,
    }
}

/// Managed, as the resource and its ancestors say (maintenance-mode unmanages all).
pub fn managed(view: &ClusterView, r: RscIdx) -> bool {
    // An orphan kept by `stop-orphan-resources=false` is left alone: unmanaged.
    let kept_orphan = {
        let rsc = &view.resources[r];
        rsc.orphan && rsc.parent.is_none() && !view.config.stop_orphan_resources
    };
    !view.config.maintenance_mode
        && !kept_orphan
        && ancestry(view, r).all(|i| view.resources[i].managed_in_status())
}

/// The `target-role` in effect: the resource's own, else the nearest ancestor's.
pub fn target_role(view: &ClusterView, r: RscIdx) -> Option<String> {
    ancestry(view, r).find_map(|i| view.resources[i].meta("target-role").map(str::to_string))
}

/// True when `r` is an instance (or in an instance) of a clone that is not globally unique.
pub fn in_anonymous_clone(view: &ClusterView, r: RscIdx) -> bool {
    ancestry(view, r)
        .skip(1)
        .find_map(|i| view.resources[i].clone.as_ref().map(|c| !c.shown_unique()))
        .unwrap_or(false)
}

/// True when `r` is (in) an instance of a promotable clone.
pub fn in_promotable_clone(view: &ClusterView, r: RscIdx) -> bool {
    ancestry(view, r).any(|i| {
        view.resources[i]
            .clone
            .as_ref()
            .is_some_and(|c| c.promotable)
    })
}

/// `r`, its parent, its parent's parent...
fn ancestry(view: &ClusterView, r: RscIdx) -> impl Iterator<Item = RscIdx> + '_ {
    std::iter::successors(Some(r), move |&i| view.resources[i].parent)
}

impl PrimitiveText {
    /// The line of primitive `r` active on `on` (node index, role), from the scheduler's view.
    /// What only the caller knows (blocked, failure ignored, a failed probe) stays unset.
    pub fn of(view: &ClusterView, r: RscIdx, on: &[(usize, Role)]) -> PrimitiveText {
        let rsc = &view.resources[r];
        let promotable = in_promotable_clone(view, r);
        let unclean_node = match on {
            [(n, _)] => !view.nodes[*n].online && view.nodes[*n].unclean,
            _ => false,
        };
        let target = target_role(view, r);
        PrimitiveText {
            name: if in_anonymous_clone(view, r) {
                rsc.base_id.clone()
            } else {
                rsc.id.clone()
            },
            agent: agent_text(view, r),
            on: on
                .iter()
                .map(|&(n, role)| ActiveOn {
                    name: view.nodes[n].uname.clone(),
                    id: view.nodes[n].id.clone(),
                    online: view.nodes[n].online,
                    role: shown_role(role, promotable),
                })
                .collect(),
            target_role: target.clone(),
            failed: rsc.node_state.values().any(|s| s.failed),
            orphan: rsc.orphan,
            failed_probe: None,
            unclean_node,
            disabled: disabled(view, r),
            target_unpromoted: target
                .filter(|t| promotable && Role::parse(t) == Some(Role::Unpromoted)),
            blocked: false,
            // maintenance-mode, the resource's (or an ancestor's) maintenance, or a node in
            // maintenance where it runs: unmanaged, whatever its own setting says.
            maintenance: view.config.maintenance_mode
                || ancestry(view, r).any(|i| view.resources[i].meta_flag("maintenance", false))
                || on.iter().any(|&(n, _)| view.nodes[n].maintenance),
            managed: managed(view, r),
            failure_ignored: rsc.node_state.values().any(|s| s.failure_ignored),
            pending: None,
            idle_node: None,
            locked_to: rsc.recorded_lock.map(|n| view.nodes[n].uname.clone()),
            pending_flag: None,
        }
    }

    /// Active anywhere.
    pub fn active(&self) -> bool {
        !self.on.is_empty()
    }

    /// The role shown: the first node's, `Stopped` when inactive.
    pub fn role(&self) -> Role {
        self.on.first().map_or(Role::Stopped, |n| n.role)
    }

    /// The `<resource>` element as crm_mon and crm_resource write it, `indent` spaces in,
    /// ending with a newline.
    pub fn xml(&self, indent: usize) -> String {
        indented(&cib::format::element_to_string(&self.element()), indent)
    }

    /// The `<resource>` element.
    pub fn element(&self) -> Element {
        let mut e = Element::new("resource")
            .with_attr("id", self.name.as_str())
            .with_attr("resource_agent", self.agent.as_str())
            .with_attr("role", self.role().name());
        if let Some(t) = &self.target_role {
            e.set_attr("target_role", t.as_str());
        }
        let flag = |b: bool| b.to_string();
        e = e
            .with_attr("active", flag(self.active()))
            .with_attr("orphaned", flag(self.orphan))
            .with_attr("blocked", flag(self.blocked))
            // Blocked or maintenance implies unmanaged.
            .with_attr(
                "managed",
                flag(self.managed && !self.maintenance && !self.blocked),
            )
            .with_attr("failed", flag(self.failed))
            .with_attr("failure_ignored", flag(self.failure_ignored))
            .with_attr("nodes_running_on", self.on.len().to_string());
        for n in &self.on {
            e = e.with_child(
                Element::new("node")
                    .with_attr("name", n.name.as_str())
                    .with_attr("id", n.id.as_str())
                    .with_attr("cached", flag(n.online)),
            );
        }
        e
    }

    /// The text after `name\t(agent):\t` (with its leading space).
    pub fn state(&self, nodes: Nodes) -> String {
        let mut out = String::new();
        if self.orphan {
            out.push_str(" ORPHANED");
        }
        let role = self.role();
        if self.failed {
            out.push_str(" FAILED");
            if role > Role::Unpromoted {
                out.push(' ');
                out.push_str(role.name());
            }
        } else {
            out.push(' ');
            out.push_str(self.pending.unwrap_or(role.name()));
        }
        // The node shown: where it is active, else the node it is locked to.
        let shown = match (self.on.as_slice(), nodes) {
            ([node], Nodes::Shown) => Some(node.name.as_str()),
            ([], Nodes::Shown) => self.idle_node.as_deref().or(self.locked_to.as_deref()),
            _ => None,
        };
        if let Some(name) = shown {
            out.push(' ');
            out.push_str(name);
        }
        if let (Some(probe), false) = (&self.failed_probe, self.active()) {
            // Pacemaker leaves a space after the parenthesis.
            out.push_str(&format!(" ({probe}) "));
        }
        let mut flags: Vec<String> = Vec::new();
        if self.unclean_node && nodes == Nodes::Shown {
            flags.push("UNCLEAN".into());
        }
        if shown.is_some() && shown == self.locked_to.as_deref() {
            flags.push("LOCKED".into());
        }
        if let Some(f) = self.pending_flag {
            flags.push(f.into());
        }
        if self.disabled {
            flags.push("disabled".into());
        } else if let Some(t) = &self.target_unpromoted {
            flags.push(format!("target-role:{t}"));
        }
        // Blocked or maintenance implies unmanaged (Pacemaker 2.1.5 has no "maintenance"
        // word for a resource).
        if self.blocked {
            flags.push("blocked".into());
        } else if self.maintenance || !self.managed {
            flags.push("unmanaged".into());
        }
        if self.failure_ignored {
            flags.push("failure ignored".into());
        }
        out.push_str(&flag_list(&flags));
        if self.on.len() > 1 && nodes == Nodes::Shown {
            let names: Vec<&str> = self.on.iter().map(|n| n.name.as_str()).collect();
            out.push_str(&format!(" [ {} ]", names.join(" ")));
        }
        out
    }

    /// The whole line without indentation or bullet: `name\t(agent):\t state`.
    pub fn line(&self, nodes: Nodes) -> String {
        self.line_named(&self.name, nodes)
    }

    /// As [`PrimitiveText::line`], under another name (bundle replicas show `guest (ip)`).
    pub fn line_named(&self, name: &str, nodes: Nodes) -> String {
        format!("{name}\t({}):\t{}", self.agent, self.state(nodes))
    }
}

/// Every line of `xml` indented by `indent` spaces, each ending with a newline.
pub fn indented(xml: &str, indent: usize) -> String {
    xml.lines()
        .map(|l| format!("{:indent$}{l}\n", ""))
        .collect()
}

/// Where an active instance (its primitives) of an anonymous clone is summed up
/// (`Started: [ node ]`), with its highest role; `None` when Pacemaker prints the instance in
/// full instead: failed, unmanaged, orphaned, partially active, spread over nodes, on an
/// offline unclean node, or with an operation in flight.
pub fn summarised_location(instance: &[PrimitiveText]) -> Option<(String, Role)> {
    let whole = |p: &PrimitiveText| {
        !(p.failed || !p.managed || p.maintenance || p.blocked || p.orphan || p.unclean_node)
            && p.pending.is_none()
            && p.pending_flag.is_none()
            && p.on.len() == 1
    };
    if !instance.iter().all(whole) {
        return None;
    }
    let node = &instance.first()?.on[0].name;
    if instance.iter().any(|p| p.on[0].name != *node) {
        return None;
    }
    let role = instance.iter().map(|p| p.on[0].role).max()?;
    Some((node.clone(), role))
}

/// ` (a, b)`, or nothing for no flags.
pub fn flag_list<S: AsRef<str>>(flags: &[S]) -> String {
    if flags.is_empty() {
        return String::new();
    }
    let words: Vec<&str> = flags.iter().map(AsRef::as_ref).collect();
    format!(" ({})", words.join(", "))
}

/// `Resource Group: id (flags):`.
pub fn group_heading<S: AsRef<str>>(id: &str, flags: &[S]) -> String {
    format!("Resource Group: {id}{}:", flag_list(flags))
}

/// The flags of a clone's heading, in Pacemaker's order.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloneFlags {
    /// promotable.
    pub promotable: bool,
    /// globally-unique.
    pub unique: bool,
    /// Not managed.
    pub unmanaged: bool,
    /// target-role=Stopped.
    pub disabled: bool,
}

impl CloneFlags {
    /// The flags of clone `r` in the scheduler's view.
    pub fn of(view: &ClusterView, r: RscIdx) -> CloneFlags {
        let cfg = view.resources[r].clone.clone().unwrap_or_default();
        CloneFlags {
            promotable: cfg.promotable,
            unique: cfg.shown_unique(),
            unmanaged: !managed(view, r),
            disabled: disabled(view, r),
        }
    }
}

/// The flags of group `r`'s heading: `unmanaged`, `disabled`.
pub fn group_flags(view: &ClusterView, r: RscIdx) -> Vec<&'static str> {
    group_flag_words(managed(view, r), disabled(view, r))
}

/// A group heading's flags from its state, in Pacemaker's order.
pub fn group_flag_words(managed: bool, disabled: bool) -> Vec<&'static str> {
    [(!managed, "unmanaged"), (disabled, "disabled")]
        .into_iter()
        .filter_map(|(on, word)| on.then_some(word))
        .collect()
}

/// The id a clone's heading shows in brackets: its child's configured id.
pub fn clone_child_name(view: &ClusterView, r: RscIdx) -> String {
    let rsc = &view.resources[r];
    rsc.children
        .first()
        .map(|&c| view.resources[c].base_id.clone())
        .unwrap_or_default()
}

/// `Clone Set: id [child] (flags):`.
pub fn clone_heading(id: &str, child: &str, f: CloneFlags) -> String {
    let flags: Vec<&str> = [
        (f.promotable, "promotable"),
        (f.unique, "unique"),
        (f.unmanaged, "unmanaged"),
        (f.disabled, "disabled"),
    ]
    .into_iter()
    .filter_map(|(on, word)| on.then_some(word))
    .collect();
    format!("Clone Set: {id} [{child}]{}:", flag_list(&flags))
}

/// `<group>` with its members' elements.
pub fn group_element(
    id: &str,
    size: usize,
    managed: bool,
    disabled: bool,
    members: Vec<Element>,
) -> Element {
    let mut e = Element::new("group")
        .with_attr("id", id)
        .with_attr("number_resources", size.to_string())
        .with_attr("managed", managed.to_string())
        .with_attr("disabled", disabled.to_string());
    for m in members {
        e = e.with_child(m);
    }
    e
}

/// `<clone>` with its instances' elements.
pub fn clone_element(
    id: &str,
    f: CloneFlags,
    failed: bool,
    target_role: Option<&str>,
    instances: Vec<Element>,
) -> Element {
    let mut e = Element::new("clone")
        .with_attr("id", id)
        .with_attr("multi_state", f.promotable.to_string())
        .with_attr("unique", f.unique.to_string())
        .with_attr("managed", (!f.unmanaged).to_string())
        .with_attr("disabled", f.disabled.to_string())
        .with_attr("failed", failed.to_string())
        .with_attr("failure_ignored", "false");
    if let Some(t) = target_role {
        e.set_attr("target_role", t);
    }
    for i in instances {
        e = e.with_child(i);
    }
    e
}

/// The label of a clone's stopped-instances line.
pub fn stopped_label(disabled: bool) -> &'static str {
    if disabled {
        "Stopped (disabled)"
    } else {
        "Stopped"
    }
}

/// A clone's `Stopped: [ nodes ]` line: the nodes running no instance, sorted as Pacemaker
/// sorts node names (numbers as numbers), shown only while `missing` instances are not in
/// the clone's node lists (a clone whose every instance runs has none).
pub fn stopped_line(disabled: bool, nodes: Vec<String>, missing: usize) -> Option<String> {
    let nodes = nodes.into_iter().map(|n| (n, None)).collect();
    stopped_lines(disabled, nodes, missing).into_iter().next()
}

/// A clone's stopped lines when some nodes say why (a probe found the agent not installed
/// there: `Stopped (not installed): [ n2 ]`): one line per state, the states in text order.
pub fn stopped_lines(
    disabled: bool,
    nodes: Vec<(String, Option<String>)>,
    missing: usize,
) -> Vec<String> {
    if missing == 0 {
        return Vec::new();
    }
    let mut by_state: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (node, why) in nodes {
        let state = match why {
            Some(why) => format!("Stopped ({why})"),
            None => stopped_label(disabled).to_string(),
        };
        by_state.entry(state).or_default().push(node);
    }
    by_state
        .into_iter()
        .map(|(state, mut nodes)| {
            nodes.sort_by(|a, b| crate::unpack::cmp_node_names(a, b));
            node_list_line(&state, &nodes)
        })
        .collect()
}

/// A clone summary line: `Started: [ n1 n2 ]`, `Stopped (disabled): [ n3 ]`.
pub fn node_list_line(label: &str, nodes: &[String]) -> String {
    format!("{label}: [ {} ]", nodes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prim(on: &[(&str, Role)]) -> PrimitiveText {
        PrimitiveText {
            name: "ip".into(),
            agent: "ocf:heartbeat:IPaddr2".into(),
            on: on
                .iter()
                .map(|(n, r)| ActiveOn {
                    name: n.to_string(),
                    id: format!("id-{n}"),
                    online: true,
                    role: *r,
                })
                .collect(),
            managed: true,
            ..Default::default()
        }
    }

    #[test]
    fn lines_follow_pacemakers_layout() {
        assert_eq!(
            prim(&[("n1", Role::Started)]).line(Nodes::Shown),
            "ip\t(ocf:heartbeat:IPaddr2):\t Started n1"
        );
        assert_eq!(
            prim(&[]).line(Nodes::Shown),
            "ip\t(ocf:heartbeat:IPaddr2):\t Stopped"
        );
        let mut p = prim(&[("n1", Role::Promoted)]);
        p.failed = true;
        p.disabled = true;
        p.managed = false;
        assert_eq!(
            p.state(Nodes::Shown),
            " FAILED Promoted n1 (disabled, unmanaged)"
        );
        assert_eq!(
            p.state(Nodes::Hidden),
            " FAILED Promoted (disabled, unmanaged)"
        );
        let mut p = prim(&[("n1", Role::Started), ("n2", Role::Started)]);
        p.orphan = true;
        assert_eq!(p.state(Nodes::Shown), " ORPHANED Started [ n1 n2 ]");
        let mut p = prim(&[]);
        p.failed_probe = Some("not installed".into());
        p.blocked = true;
        p.managed = false;
        assert_eq!(p.state(Nodes::Shown), " Stopped (not installed)  (blocked)");
    }

    #[test]
    fn xml_carries_the_same_state() {
        let mut p = prim(&[("n1", Role::Started)]);
        p.target_role = Some("Started".into());
        p.name = "a&b".into();
        assert_eq!(
            p.xml(2),
            "  <resource id=\"a&amp;b\" resource_agent=\"ocf:heartbeat:IPaddr2\" role=\"Started\" target_role=\"Started\" active=\"true\" orphaned=\"false\" blocked=\"false\" managed=\"true\" failed=\"false\" failure_ignored=\"false\" nodes_running_on=\"1\">\n    <node name=\"n1\" id=\"id-n1\" cached=\"true\"/>\n  </resource>\n"
        );
        assert!(prim(&[]).xml(0).ends_with("nodes_running_on=\"0\"/>\n"));
    }

    #[test]
    fn node_words_follow_pacemakers_precedence() {
        let m = |online, unclean, pending, standby, maintenance| NodeMode {
            online,
            unclean,
            pending,
            standby,
            maintenance,
            running_resources: false,
        };
        assert_eq!(
            m(true, true, false, false, false).word(),
            "UNCLEAN (online)"
        );
        assert_eq!(
            m(false, false, false, true, false).word(),
            "OFFLINE (standby)"
        );
        assert_eq!(m(true, false, false, true, true).word(), "standby");
        assert_eq!(
            m(false, false, false, false, true).word(),
            "OFFLINE (maintenance)"
        );
        assert!(m(false, false, false, false, false).listed());
        let mut busy = m(true, false, false, true, false);
        busy.running_resources = true;
        assert_eq!(busy.word(), "standby (with active resources)");
    }

    #[test]
    fn headings() {
        assert_eq!(group_heading::<&str>("g", &[]), "Resource Group: g:");
        let f = CloneFlags {
            promotable: true,
            disabled: true,
            ..Default::default()
        };
        assert_eq!(
            clone_heading("c", "d", f),
            "Clone Set: c [d] (promotable, disabled):"
        );
        assert_eq!(
            node_list_line("Stopped", &["a".into(), "b".into()]),
            "Stopped: [ a b ]"
        );
    }

    #[test]
    fn a_monitor_in_flight_is_a_flag_and_keeps_the_instance_out_of_the_lists() {
        let mut p = prim(&[("n1", Role::Started)]);
        assert!(summarised_location(std::slice::from_ref(&p)).is_some());
        p.pending_flag = Some("Monitoring");
        assert_eq!(
            p.line(Nodes::Shown),
            "ip\t(ocf:heartbeat:IPaddr2):\t Started n1 (Monitoring)"
        );
        assert_eq!(summarised_location(std::slice::from_ref(&p)), None);
    }
}
