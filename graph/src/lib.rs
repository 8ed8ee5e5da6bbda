//! The transition graph: what the policy engine produces and the transition engine executes.
//!
//! [`model`] holds the types, [`xml`] reads and writes Pacemaker's `<transition_graph>` format,
//! and [`compare`] gives the structural view (action keys and ordering edges) that
//! implementations are compared on, ignoring ids and numbering; [`cycles`] finds ordering loops.

pub mod compare;
pub mod cycles;
pub mod model;
pub mod xml;

pub use model::{ActionKind, ActionRef, GraphAction, Primitive, Synapse, TransitionGraph};
pub use xml::{parse_graph, GraphError};
