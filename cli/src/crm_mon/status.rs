//! Everything one crm_mon screen shows, gathered once from the CIB and the scheduler's
//! unpacked view; the text and XML writers only format it.

use super::args::Options;
use super::filter::Filter;
use super::history::{self, Ban};
use super::model::{self, Item, Prim};
use cib::Element;
use pengine::unpack::ClusterView;
use std::collections::{BTreeMap, BTreeSet};

/// Cluster node, remote node or guest node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A cluster member.
    Member,
    /// A Pacemaker Remote node with its own connection resource.
    Remote,
    /// A guest node inside a container or VM resource.
    Guest,
}

/// One node.
#[derive(Debug, Clone)]
pub struct NodeView {
    /// Name.
    pub name: String,
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: NodeKind,
    /// Online.
    pub online: bool,
    /// In standby.
    pub standby: bool,
    /// In maintenance.
    pub maintenance: bool,
    /// Joining.
    pub pending: bool,
    /// Needs fencing.
    pub unclean: bool,
    /// The worst `#health*` attribute: `red`, `yellow` or `green`.
    pub health: &'static str,
    /// The controller's feature set (`<3.15.1` when not recorded).
    pub feature_set: String,
    /// For guests: the node running the container.
    pub host: Option<String>,
    /// Node attributes shown by `-A` (internal ones left out), sorted.
    pub attrs: BTreeMap<String, String>,
    /// Is the DC.
    pub is_dc: bool,
    /// Expected up (`expected="member"`).
    pub expected_up: bool,
    /// Shutting down.
    pub shutdown: bool,
    /// For guests: the container resource.
    pub container: Option<String>,
}

/// One resource's operation history on a node.
#[derive(Debug, Clone)]
pub struct RscOps {
    /// Resource id as recorded.
    pub id: String,
    /// The operations shown (probes that found it stopped left out).
    pub ops: Vec<cib::history::OpRecord>,
    /// The resource's migration-threshold.
    pub threshold: i64,
    /// The resource's fail count on this node.
    pub fail_count: u64,
    /// When it last failed here (ctime), shown with a fail count.
    pub last_failure: Option<String>,
}

impl RscOps {
    /// The counts as name/value pairs, in Pacemaker's order.
    pub fn counts(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("migration-threshold", self.threshold.to_string())];
        if self.fail_count > 0 {
            out.push(("fail-count", self.fail_count.to_string()));
            if let Some(t) = &self.last_failure {
                out.push(("last-failure", t.clone()));
            }
        }
        out
    }

    /// "migration-threshold=N[ fail-count=N last-failure='...']".
    pub fn counts_text(&self) -> String {
        self.counts()
            .into_iter()
            .map(|(k, v)| match k {
                "last-failure" => format!("{k}='{v}'"),
                _ => format!("{k}={v}"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A node's operation history.
#[derive(Debug, Clone)]
pub struct NodeHistory {
    /// Node name.
    pub node: String,
    /// Per resource, in status order.
    pub resources: Vec<RscOps>,
}

/// A failed operation.
#[derive(Debug, Clone)]
pub struct FailedOp {
    /// Node name.
    pub node: String,
    /// Resource id as recorded.
    pub rsc: String,
    /// The line after "* ".
    pub text: String,
}

/// The screen's data.
pub struct Status {
    /// Cluster stack.
    pub stack: String,
    /// DC name and id.
    pub dc: Option<(String, String)>,
    /// The DC's version.
    pub dc_version: String,
    /// Quorum.
    pub have_quorum: bool,
    /// "Last updated" text.
    pub now_text: String,
    /// "Last change" text.
    pub last_change: String,
    /// The parts of the last change: time, user, client, origin (empty when unknown), as
    /// the XML `last_change` element carries them.
    pub last_change_parts: [String; 4],
    /// Nodes, by name (Pacemaker's order).
    pub nodes: Vec<NodeView>,
    /// Configured primitive instances.
    pub instances: usize,
    /// Of which disabled.
    pub disabled: usize,
    /// maintenance-mode.
    pub maintenance_mode: bool,
    /// Resources in configuration order.
    pub resources: Vec<Item>,
    /// Operation history per node.
    pub history: Vec<NodeHistory>,
    /// Failed operations.
    pub failures: Vec<FailedOp>,
    /// Negative location constraints.
    pub bans: Vec<Ban>,
    /// stonith-enabled, symmetric-cluster, no-quorum-policy, stop-all-resources,
    /// stonith-timeout (ms) as the scheduler reads them.
    pub cluster_options: Vec<(&'static str, String)>,
    /// Expected values of connectivity attributes (ping's `name` -> multiplier x hosts).
    pub expected_attrs: BTreeMap<String, String>,
    /// Messages for stderr (what Pacemaker logs while unpacking).
    pub warnings: Vec<String>,
    clone_roles: BTreeMap<String, String>,
    node_filter: Option<BTreeSet<String>>,
    rsc_filter: Option<BTreeSet<String>>,
}

pub use vocab::datetime::ctime;
use vocab::ocf::exec_status_text;
pub use vocab::ocf::ocf_text as rc_text;

fn is_internal_attr(name: &str) -> bool {
    name.starts_with('#')
        || name.starts_with("fail-count-")
        || name.starts_with("last-failure-")
        || ["shutdown", "terminate", "probe_complete"].contains(&name)
}

fn transient(cib: &Element, node_id: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in history::node_states(cib)
        .into_iter()
        .filter(|s| s.id() == Some(node_id))
    {
        for set in s
            .children_named("transient_attributes")
            .flat_map(|t| t.children_named("instance_attributes"))
        {
            for nv in set.children_named("nvpair") {
                if let (Some(k), Some(v)) = (nv.attr("name"), nv.attr("value")) {
                    out.insert(k.to_string(), v.to_string());
                }
            }
        }
    }
    out
}

/// Expands a tag to its members, or returns the name itself.
fn expand_tag(cib: &Element, name: &str) -> BTreeSet<String> {
    let tag = cib
        .child("configuration")
        .and_then(|c| c.child("tags"))
        .and_then(|t| t.children_named("tag").find(|t| t.id() == Some(name)));
    match tag {
        Some(t) => t
            .children_named("obj_ref")
            .filter_map(|o| o.id().map(str::to_string))
            .collect(),
        None => std::iter::once(name.to_string()).collect(),
    }
}

/// The internal clone name (`<bundle>-clone`) of a bundled primitive seen on a guest node.
fn bundle_clone_name(resources: &[Item], rsc: &str, guest: bool) -> Option<String> {
    if !guest {
        return None;
    }
    resources.iter().find_map(|i| match i {
        Item::Bundle { id, replicas, .. }
            if replicas
                .iter()
                .any(|r| r.child.as_ref().is_some_and(|c| c.id == rsc)) =>
        {
            Some(format!("{id}-clone"))
        }
        _ => None,
    })
}

/// (node name, `lrm_rsc_op` id) of every operation the scheduler's replay found failed.
fn failed_operations(view: &ClusterView) -> BTreeSet<(&str, &str)> {
    view.resources
        .iter()
        .flat_map(|r| r.node_state.iter())
        .flat_map(|(&n, st)| {
            st.ops
                .iter()
                .filter(|o| o.failed)
                .map(move |o| (view.nodes[n].uname.as_str(), o.id.as_str()))
        })
        .collect()
}

impl Status {
    /// Gathers the screen for `cib` at time `now`.
    pub fn gather(cib: &Element, view: &ClusterView, opts: &Options, now: i64) -> Status {
        let cfg = &view.config;
        let resources = model::resources(cib, view);
        // (Bundle guest nodes, which the scheduler now unpacks too, come from the bundle
        // model below.)
        let mut nodes: Vec<NodeView> = view
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| pengine::unpack::bundle::replica_on_node(view, *i).is_none())
            .map(|(_, n)| n)
            .map(|n| {
                let state = history::node_states(cib)
                    .into_iter()
                    .find(|s| s.id() == Some(n.id.as_str()));
                let mut attrs: BTreeMap<String, String> = n
                    .attrs
                    .iter()
                    .filter(|(k, _)| !is_internal_attr(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, v) in transient(cib, &n.id) {
                    if !is_internal_attr(&k) {
                        attrs.insert(k, v);
                    }
                }
                NodeView {
                    name: n.uname.clone(),
                    id: n.id.clone(),
                    kind: match n.kind.as_str() {
                        "member" => NodeKind::Member,
                        "container" => NodeKind::Guest,
                        _ => NodeKind::Remote,
                    },
                    // A remote node as unpacked, before scheduling moves its connection.
                    online: n.remote.as_ref().map_or(n.online, |l| l.was_online),
                    standby: n.standby && !n.pending,
                    maintenance: n
                        .attrs
                        .get("maintenance")
                        .is_some_and(|v| pengine::unpack::is_true(v)),
                    pending: n.pending,
                    // As unpacked: a ticket's loss-policy fences only once scheduled.
                    unclean: pengine::render::unclean_before(n),
                    // Without a node-health-strategy every node counts as green.
                    health: match pengine::render::health(n) {
                        _ if matches!(cfg.health_strategy.as_str(), "" | "none") => "green",
                        "RED" => "red",
                        "YELLOW" => "yellow",
                        _ => "green",
                    },
                    feature_set: state
                        .filter(|_| n.online)
                        .and_then(|s| s.attr("crm_feature_set"))
                        .map(str::to_string)
                        .unwrap_or_else(|| "<3.15.1".into()),
                    host: None,
                    attrs,
                    is_dc: cfg.dc_uuid.as_deref() == Some(n.id.as_str()),
                    expected_up: n.expected_up,
                    shutdown: n.remote.as_ref().map_or(n.shutdown, |l| l.was_shutdown),
                    container: None,
                }
            })
            .collect();
        for item in &resources {
            let Item::Bundle { replicas, .. } = item else {
                continue;
            };
            for r in replicas {
                let Some(remote) = &r.remote else { continue };
                let host = r.container.on.first().map(|(n, _)| n.clone());
                let online = host.is_some() && remote.active();
                nodes.push(NodeView {
                    name: remote.id.clone(),
                    id: remote.id.clone(),
                    kind: NodeKind::Guest,
                    online,
                    standby: false,
                    // An offline guest node is not shown, in maintenance or not.
                    maintenance: online && !remote.managed,
                    pending: false,
                    unclean: false,
                    health: "green",
                    feature_set: String::new(),
                    host,
                    attrs: BTreeMap::new(),
                    is_dc: false,
                    expected_up: false,
                    shutdown: false,
                    container: Some(r.container.id.clone()),
                });
            }
        }
        // Pacemaker keeps its node list sorted by name, remote and guest nodes included.
        nodes.sort_by(|a, b| pengine::synapse_order::numeric_casecmp(&a.name, &b.name));
        let prims: Vec<&Prim> = resources
            .iter()
            .flat_map(Item::prims)
            .filter(|p| !p.orphan)
            .collect();
        let instances = prims.len();
        let disabled = prims.iter().filter(|p| p.disabled).count();
        let online: BTreeSet<String> = nodes
            .iter()
            .filter(|n| n.online)
            .map(|n| n.name.clone())
            .collect();
        let mut hist = Vec::new();
        let mut failures = Vec::new();
        let failed_ops = failed_operations(view);
        let mut warnings = Vec::new();
        for state in history::node_states(cib) {
            let name = state
                .attr("uname")
                .or(state.id())
                .unwrap_or_default()
                .to_string();
            let fails = transient(cib, state.id().unwrap_or_default());
            let mut rscs = Vec::new();
            for h in history::histories(state) {
                let guest = state.attr("remote_node").is_some()
                    || view
                        .node_by_name
                        .get(&name)
                        .is_none_or(|&i| view.nodes[i].is_guest());
                // Hard failures: Pacemaker logs, while unpacking, that it bans the resource.
                let mut logged_calls = Vec::new();
                let mut hard: Vec<&cib::history::OpRecord> = h
                    .ops
                    .iter()
                    // A failure the scheduler unpacked (not expired, on a node it reads)
                    // that the executor completed with a hard error.
                    .filter(|o| failed_ops.contains(&(name.as_str(), o.id.as_str())))
                    .filter(|o| o.status == 0 && o.rc != o.expected_rc)
                    .filter(|o| {
                        let probe = o.task == "monitor" && o.interval_ms == 0;
                        matches!(o.rc, 2..=4 | 6) || (o.rc == 5 && !probe)
                    })
                    .collect();
                hard.sort_by_key(|o| (o.call_id, !o.id.ends_with("_last_failure_0")));
                for o in hard {
                    if logged_calls.contains(&o.call_id) {
                        continue;
                    }
                    logged_calls.push(o.call_id);
                    let rsc_name =
                        bundle_clone_name(&resources, &h.id, guest).unwrap_or_else(|| h.id.clone());
                    warnings.push(if o.rc == 6 {
                        format!(
                            "unpack_rsc_op \terror: Preventing {rsc_name} from restarting anywhere because of fatal failure ({})| rc={} id={}",
                            rc_text(o.rc),
                            o.rc,
                            o.id
                        )
                    } else {
                        format!(
                            "unpack_rsc_op \terror: Preventing {rsc_name} from restarting on {name} because of hard failure ({})| rc={} id={}",
                            rc_text(o.rc),
                            o.rc,
                            o.id
                        )
                    });
                }
                for op in &h.ops {
                    // The scheduler's replay decides what failed (expired, masked and
                    // not-unpacked histories are not failures).
                    let probe_not_installed =
                        op.task == "monitor" && op.interval_ms == 0 && op.rc == 5;
                    let failed =
                        !guest && !probe_not_installed && failed_ops.contains(&(&name, &op.id));
                    if failed {
                        let mut text = format!(
                            "{} on {name} '{}' ({}): call={}, status='{}'",
                            op.key,
                            rc_text(op.rc),
                            op.rc,
                            op.call_id,
                            exec_status_text(op.status)
                        );
                        if !op.exit_reason.is_empty() {
                            text.push_str(&format!(", exitreason='{}'", op.exit_reason));
                        }
                        text.push_str(&format!(
                            ", queued={}ms, exec={}ms",
                            op.queue_ms.unwrap_or(0),
                            op.exec_ms.unwrap_or(0)
                        ));
                        if !failures.iter().any(|f: &FailedOp| f.text == text) {
                            failures.push(FailedOp {
                                node: name.clone(),
                                rsc: h.id.clone(),
                                text,
                            });
                        }
                    }
                }
                if !online.contains(&name) {
                    continue;
                }
                let ops: Vec<cib::history::OpRecord> = h
                    .ops
                    .iter()
                    .filter(|o| o.call_id >= 0)
                    .filter(|o| !(o.task == "monitor" && o.interval_ms == 0 && o.rc == 7))
                    .filter(|o| o.task != "notify")
                    .cloned()
                    .collect();
                // The recorded fail count, unless the scheduler found every failure behind
                // it expired (failure-timeout; a failure that blocks recovery never expires).
                let rsc = view
                    .resources
                    .iter()
                    .find(|r| r.id == h.id || r.base_id == h.id);
                // (What the scheduler clears: a blocked resource keeps its fail count.)
                let expired = rsc
                    .filter(|r| r.managed())
                    .zip(view.node_by_name.get(&name))
                    .and_then(|(r, n)| r.node_state.get(n))
                    .is_some_and(|st| {
                        st.clear_failcount && st.on_fail != pengine::unpack::OnFail::Block
                    });
                let prefix = format!("fail-count-{}#", h.id);
                let fail_count = fails
                    .iter()
                    .filter(|_| !expired)
                    .filter(|(k, _)| {
                        k.starts_with(&prefix) || **k == format!("fail-count-{}", h.id)
                    })
                    .map(|(_, v)| vocab::Score::parse(v).unwrap_or_default())
                    .fold(vocab::Score::ZERO, |sum, v| sum + v);
                let threshold = rsc
                    .map_or(vocab::Score::INFINITY, |r| {
                        r.meta_score("migration-threshold", vocab::Score::INFINITY)
                    })
                    .value();
                let last_failure = fails
                    .iter()
                    .filter(|(k, _)| k.starts_with(&format!("last-failure-{}", h.id)))
                    .filter_map(|(_, v)| v.parse::<i64>().ok())
                    .max()
                    .map(ctime);
                rscs.push(RscOps {
                    id: h.id.clone(),
                    ops,
                    threshold,
                    fail_count: u64::try_from(fail_count.value()).unwrap_or(0),
                    last_failure,
                });
            }
            hist.push(NodeHistory {
                node: name,
                resources: rscs,
            });
        }
        let dc = cfg.dc_uuid.as_ref().and_then(|id| {
            view.nodes
                .iter()
                .find(|n| &n.id == id)
                .map(|n| (n.uname.clone(), n.id.clone()))
        });
        // Pacemaker leaves out the parts the CIB does not record.
        let last_change = format!(
            "{}{}{}{}",
            cib.attr("cib-last-written").unwrap_or_default(),
            cib.attr("update-user")
                .map(|u| format!(" by {u}"))
                .unwrap_or_default(),
            cib.attr("update-client")
                .map(|c| format!(" via {c}"))
                .unwrap_or_default(),
            cib.attr("update-origin")
                .map(|o| format!(" on {o}"))
                .unwrap_or_default(),
        );
        let last_change_parts = [
            "cib-last-written",
            "update-user",
            "update-client",
            "update-origin",
        ]
        .map(|a| cib.attr(a).unwrap_or_default().to_string());
        let node_filter = opts.node.as_ref().map(|n| {
            let ids = expand_tag(cib, n);
            nodes
                .iter()
                .filter(|x| ids.contains(&x.name) || ids.contains(&x.id))
                .map(|x| x.name.clone())
                .collect()
        });
        let rsc_filter = opts.resource.as_ref().map(|r| expand_tag(cib, r));
        Status {
            stack: cfg
                .get("cluster-infrastructure")
                .unwrap_or("unknown")
                .to_string(),
            dc,
            dc_version: cfg.get("dc-version").unwrap_or("unknown").to_string(),
            have_quorum: cfg.have_quorum,
            now_text: ctime(now),
            last_change,
            last_change_parts,
            nodes,
            instances,
            disabled,
            maintenance_mode: cfg.maintenance_mode,
            resources,
            history: hist,
            failures,
            bans: history::bans(cib),
            cluster_options: vec![
                ("stonith-enabled", cfg.stonith_enabled.to_string()),
                ("symmetric-cluster", cfg.symmetric.to_string()),
                (
                    "no-quorum-policy",
                    cfg.get("no-quorum-policy").unwrap_or("stop").to_string(),
                ),
                ("maintenance-mode", cfg.maintenance_mode.to_string()),
                ("stop-all-resources", cfg.stop_all.to_string()),
                (
                    "stonith-timeout-ms",
                    vocab::parse_duration_ms(&cfg.stonith_timeout)
                        .unwrap_or(60_000)
                        .to_string(),
                ),
                (
                    "priority-fencing-delay-ms",
                    cfg.get("priority-fencing-delay")
                        .and_then(|v| vocab::parse_duration_ms(v).ok())
                        .unwrap_or(0)
                        .to_string(),
                ),
            ],
            expected_attrs: view
                .resources
                .iter()
                .filter(|r| r.kind == pengine::unpack::Kind::Primitive && r.agent == "ping")
                .map(|r| {
                    let name = r
                        .params
                        .get("name")
                        .cloned()
                        .unwrap_or_else(|| "pingd".into());
                    let mult: i64 = r
                        .params
                        .get("multiplier")
                        .and_then(|m| m.parse().ok())
                        .unwrap_or(1);
                    let hosts = r
                        .params
                        .get("host_list")
                        .map(|h| h.split([' ', ',']).filter(|x| !x.is_empty()).count())
                        .unwrap_or(0) as i64;
                    (name, (mult * hosts).to_string())
                })
                .collect(),
            warnings,
            clone_roles: view
                .resources
                .iter()
                .filter(|r| r.kind == pengine::unpack::Kind::Clone)
                .filter_map(|r| r.meta("target-role").map(|t| (r.id.clone(), t.to_string())))
                .collect(),
            node_filter,
            rsc_filter,
        }
    }

    /// Whether `--node` keeps this node.
    pub fn node_shown(&self, n: &NodeView) -> bool {
        self.node_shown_by_name(&n.name)
    }

    /// Whether `--node` keeps the node named `name`.
    pub fn node_shown_by_name(&self, name: &str) -> bool {
        self.node_filter.as_ref().is_none_or(|f| f.contains(name))
    }

    /// The resources `--resource` and `--node` keep, trimmed to the kept members.
    pub fn shown_resources(&self) -> Vec<Item> {
        let f = Filter {
            rsc: self.rsc_filter.as_ref(),
            nodes: self.node_filter.as_ref(),
        };
        self.resources.iter().filter_map(|i| f.apply(i)).collect()
    }

    /// How many members of group `id` are inactive, before filtering.
    pub fn group_inactive(&self, id: &str) -> Option<usize> {
        self.resources.iter().find_map(|i| match i {
            Item::Group { id: g, members, .. } if g == id => {
                Some(members.iter().filter(|m| !m.active()).count())
            }
            _ => None,
        })
    }

    /// The configured replica count of bundle `id`.
    pub fn bundle_replicas(&self, id: &str) -> usize {
        self.resources
            .iter()
            .find_map(|i| match i {
                Item::Bundle {
                    id: b, replicas, ..
                } if b == id => Some(replicas.len()),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// The number of members group `id` (or a clone instance of it) has, before filtering.
    pub fn group_size(&self, id: &str) -> Option<usize> {
        fn find(items: &[Item], id: &str) -> Option<usize> {
            items.iter().find_map(|i| match i {
                Item::Group { id: g, members, .. } if g == id => Some(members.len()),
                Item::Clone { instances, .. } => find(instances, id),
                _ => None,
            })
        }
        find(&self.resources, id)
    }

    /// The configured `target-role` of clone `id` (XML shows it on the clone).
    pub fn clone_target_role(&self, id: &str) -> Option<String> {
        self.clone_roles.get(id).cloned()
    }

    /// Whether `--resource` names the resource of a failed action itself.
    pub fn failure_shown(&self, rsc: &str) -> bool {
        self.rsc_filter
            .as_ref()
            .is_none_or(|f| f.contains(rsc) || f.iter().any(|x| x.split(':').next() == Some(rsc)))
    }

    /// Whether `--resource` keeps a ban (`--node` does not apply to bans).
    pub fn ban_shown(&self, b: &Ban) -> bool {
        self.rsc_filter.as_ref().is_none_or(|f| f.contains(&b.rsc)) || {
            self.rsc_filter.is_some()
                && self
                    .shown_resources()
                    .iter()
                    .any(|i| i.id() == b.rsc || i.prims().iter().any(|p| p.id == b.rsc))
        }
    }

    /// "name" or, with `-R`, "name (id)" / "guest@host" for a history section.
    pub fn history_node_label(&self, h: &NodeHistory, detail: bool) -> String {
        if !detail {
            return h.node.clone();
        }
        match self.nodes.iter().find(|n| n.name == h.node) {
            Some(n) if n.kind == NodeKind::Guest => {
                format!("{}@{}", n.name, n.host.clone().unwrap_or_default())
            }
            Some(n) if n.id != n.name => format!("{} ({})", n.name, n.id),
            _ => h.node.clone(),
        }
    }

    /// Whether the history of resource `id` (as recorded) belongs to a kept resource.
    pub fn history_shown(&self, id: &str) -> bool {
        if self.rsc_filter.is_none() {
            return true;
        }
        let f = Filter {
            rsc: self.rsc_filter.as_ref(),
            nodes: None,
        };
        // A bundle's members share one history listing: any kept member shows them all.
        self.resources.iter().any(|whole| match f.apply(whole) {
            Some(kept) => {
                let source = if matches!(whole, Item::Bundle { .. }) {
                    whole
                } else {
                    &kept
                };
                source
                    .prims()
                    .iter()
                    .any(|p| p.id == id || p.instance_id == id)
            }
            None => false,
        })
    }

    /// The active primitives on node `name`, in the order its history lists them
    /// (connection resources left out).
    pub fn prims_on(&self, name: &str, connections: bool) -> Vec<&Prim> {
        let all: Vec<&Prim> = self
            .resources
            .iter()
            .flat_map(Item::prims)
            .filter(|p| (connections || !p.connection) && p.on.iter().any(|(n, _)| n == name))
            .collect();
        let order: Vec<&str> = self
            .history
            .iter()
            .find(|h| h.node == name)
            .map(|h| h.resources.iter().map(|r| r.id.as_str()).collect())
            .unwrap_or_default();
        let mut sorted = all.clone();
        sorted.sort_by_key(|p| {
            order
                .iter()
                .position(|id| *id == p.instance_id || *id == p.id)
                .unwrap_or(usize::MAX)
        });
        sorted
    }
}
