//! Types of a transition graph: synapses, each holding one action and the actions it waits for.

/// What executes an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    /// A resource agent operation run by the executor on a node (`<rsc_op>`).
    RscOp,
    /// An ordering point that is never executed (`<pseudo_event>`).
    PseudoEvent,
    /// An action of the controller itself: fencing, shutdown, fail count clearing (`<crm_event>`).
    CrmEvent,
}

impl ActionKind {
    /// The XML element name.
    pub fn tag(self) -> &'static str {
        match self {
            ActionKind::RscOp => "rsc_op",
            ActionKind::PseudoEvent => "pseudo_event",
            ActionKind::CrmEvent => "crm_event",
        }
    }

    /// The kind for an XML element name.
    pub fn from_tag(tag: &str) -> Option<ActionKind> {
        match tag {
            "rsc_op" => Some(ActionKind::RscOp),
            "pseudo_event" => Some(ActionKind::PseudoEvent),
            "crm_event" => Some(ActionKind::CrmEvent),
            _ => None,
        }
    }
}

/// The identity of an action, as written in a `<trigger>` (a reference without children).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionRef {
    /// Scheduler-assigned action id, unique within the graph.
    pub id: u32,
    /// Element kind.
    pub kind: ActionKind,
    /// Operation name (start, stop, monitor, stonith, ...).
    pub operation: String,
    /// `RESOURCE_OPERATION_INTERVALMS`, or `stonith-NODE-ACTION` and similar.
    pub operation_key: String,
    /// Anonymous clone instance key (`rsc:1_start_0`).
    pub internal_operation_key: Option<String>,
    /// Target node name.
    pub on_node: Option<String>,
    /// Target node id.
    pub on_node_uuid: Option<String>,
    /// Cluster node relaying to a remote/guest node.
    pub router_node: Option<String>,
}

/// The agent that runs a resource operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Primitive {
    /// Resource id (clone-less for anonymous clones).
    pub id: String,
    /// Full instance id (`rsc:1`) when it differs from `id`.
    pub long_id: Option<String>,
    /// Agent class (ocf, lsb, stonith, ...).
    pub class: String,
    /// OCF provider.
    pub provider: Option<String>,
    /// Agent type.
    pub agent_type: String,
}

/// One action with everything the executor needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphAction {
    /// Identity (also used by triggers that reference this action).
    pub reference: ActionRef,
    /// Agent, for resource operations.
    pub primitive: Option<Primitive>,
    /// Resource parameters and `CRM_meta_*` entries, in output order.
    pub attributes: Vec<(String, String)>,
    /// Node ids that go down as a result (fencing, shutdown).
    pub downed: Vec<String>,
}

/// One unit of the graph: an action and its prerequisites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synapse {
    /// 0..n-1 in output order.
    pub id: u32,
    /// Scheduling priority (higher runs first), when set.
    pub priority: Option<i64>,
    /// The action.
    pub action: GraphAction,
    /// Actions that must complete before this one may start.
    pub inputs: Vec<ActionRef>,
}

/// A whole transition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransitionGraph {
    /// `<transition_graph>` attributes (cluster-delay, stonith-timeout, transition_id, ...), in order.
    pub attributes: Vec<(String, String)>,
    /// The synapses in output order.
    pub synapses: Vec<Synapse>,
}

impl TransitionGraph {
    /// The value of a `<transition_graph>` attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
