//! One read of the CIB plus the scheduler's unpacked view of it, which is where crm_resource
//! learns what resources exist and where they run (the operation history, not the config,
//! says where a resource is active).

use cib::xml::Element;
use pengine::unpack::{ClusterView, Kind, NodeIdx, Role, RscIdx};

/// What Pacemaker's scheduler logs when fencing is enabled but no fence device exists; every
/// crm_resource command that unpacks the CIB repeats it on stderr.
const NO_STONITH: [&str; 3] = [
    "unpack_resources \terror: Resource start-up disabled since no STONITH resources have been defined",
    "unpack_resources \terror: Either configure some or disable STONITH with the stonith-enabled option",
    "unpack_resources \terror: NOTE: Clusters with shared data need STONITH to ensure data integrity",
];

/// The CIB as read, and the view unpacked from it.
pub struct Snapshot {
    /// The whole CIB.
    pub cib: Element,
    /// The scheduler's view.
    pub view: ClusterView,
}

/// Seconds since the epoch, the scheduler's "now" for rules and lifetimes.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Where one resource instance runs, for `--locate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Node name.
    pub node: String,
    /// Running promoted there.
    pub promoted: bool,
}

impl Snapshot {
    /// Unpacks `cib`.
    pub fn new(cib: Element) -> Snapshot {
        let idx = pengine::rules::IdIndex::new(&cib);
        let mut diags = pengine::Diagnostics::default();
        let view = ClusterView::unpack(&cib, &idx, now(), &mut diags);
        Snapshot { cib, view }
    }

    /// The scheduler's complaints Pacemaker prints on stderr (the missing-STONITH errors).
    pub fn warnings(&self) -> String {
        let has_stonith = self
            .cib
            .child("configuration")
            .and_then(|c| c.child("resources"))
            .is_some_and(|r| {
                r.descendants()
                    .iter()
                    .any(|e| e.name == "primitive" && e.attr("class") == Some("stonith"))
            });
        if !self.view.config.stonith_enabled || has_stonith {
            return String::new();
        }
        NO_STONITH.iter().map(|l| format!("{l}\n")).collect()
    }

    /// The resource called `id`: an exact id (clone instances as `rsc:N`), else the first
    /// instance of an anonymous clone's primitive named by its configured id.
    pub fn find(&self, id: &str) -> Option<RscIdx> {
        if let Some(&r) = self.view.rsc_by_id.get(id) {
            return Some(r);
        }
        self.view
            .resources
            .iter()
            .position(|r| r.base_id == id && r.id != id)
    }

    /// True when `r` is one instance of a clone's child (`rsc:N`, or its configured id).
    pub fn is_clone_instance(&self, r: RscIdx) -> bool {
        self.view.resources[r]
            .parent
            .is_some_and(|p| self.view.resources[p].kind == Kind::Clone)
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<NodeIdx> {
        self.view.node_by_name.get(name).copied()
    }

    /// Node name by index.
    pub fn node_name(&self, n: NodeIdx) -> &str {
        &self.view.nodes[n].uname
    }

    /// Where `requested` (found as `r`) runs, in Pacemaker's order: a clone (or the common id
    /// of an anonymous clone's instances) lists every instance; anything else its own nodes.
    pub fn locations(&self, r: RscIdx, requested: &str) -> Vec<Location> {
        let rsc = &self.view.resources[r];
        let clone = if rsc.kind == Kind::Clone {
            Some(r)
        } else if self.is_clone_instance(r) && rsc.id != requested {
            rsc.parent
        } else {
            None
        };
        let mut out = Vec::new();
        match clone {
            Some(c) => {
                let promotable = self.view.resources[c]
                    .clone
                    .as_ref()
                    .is_some_and(|cfg| cfg.promotable);
                for &child in &self.view.resources[c].children {
                    for n in self.view.running_on(child) {
                        out.push(Location {
                            node: self.node_name(n).to_string(),
                            promoted: promotable && self.role_on(child, n) == Role::Promoted,
                        });
                    }
                }
            }
            None => {
                for n in self.view.running_on(r) {
                    out.push(Location {
                        node: self.node_name(n).to_string(),
                        promoted: self.role_on(r, n) == Role::Promoted,
                    });
                }
            }
        }
        // Pacemaker prepends each entry to its list.
        out.reverse();
        out
    }

    /// The highest role any primitive under `r` has on node `n`.
    pub fn role_on(&self, r: RscIdx, n: NodeIdx) -> Role {
        self.view
            .primitives_of(r)
            .iter()
            .filter_map(|p| self.view.resources[*p].node_state.get(&n))
            .map(|s| s.role)
            .max()
            .unwrap_or(Role::Stopped)
    }

    /// The configuration element of a resource (its configured id, without `:N`).
    pub fn config_element(&self, r: RscIdx) -> Option<&Element> {
        let id = &self.view.resources[r].base_id;
        self.cib
            .child("configuration")?
            .child("resources")?
            .descendants()
            .into_iter()
            .find(|e| e.id() == Some(id.as_str()) && is_resource_tag(&e.name))
    }

    /// The top-level ancestor's configured id.
    pub fn top_id(&self, r: RscIdx) -> &str {
        &self.view.resources[self.view.top_of(r)].base_id
    }
}

/// Element names that configure a resource.
pub fn is_resource_tag(name: &str) -> bool {
    matches!(
        name,
        "primitive" | "group" | "clone" | "master" | "bundle" | "template"
    )
}
