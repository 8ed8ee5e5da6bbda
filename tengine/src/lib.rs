//! The transition engine: executes a transition graph through the LRM.
//!
//! The crate is split so that the part with the interesting rules stays testable without a
//! cluster:
//!
//! - [`transition`]: a sans-IO state machine over one [`graph::TransitionGraph`]. It decides
//!   what may fire, records outcomes and aborts on unexpected results; the caller (crmd) does
//!   all the I/O and owns the clock.
//! - [`lrm_exec`]: turns a graph `rsc_op` into an LRM request and runs it on a local lrmd.
//! - [`record`]: the `<lrm_rsc_op>` status entry a finished operation leaves in the CIB, and
//!   how it is merged into the `<status>` section so the policy engine can read it back.
//! - [`attrs`]: the `CRM_meta_*` conventions of graph action attributes, shared by the above.
//! - [`error`]: the crate's error type.
//!
//! The controller's loop, with a fake executor standing in for [`execute_on_lrm`]:
//!
//! ```
//! use tengine::{Outcome, Transition};
//! let graph = graph::parse_graph(r#"<transition_graph transition_id="1">
//!   <synapse id="0"><action_set><rsc_op id="1" operation="start" operation_key="d_start_0" on_node="n1">
//!     <primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/><attributes/></rsc_op>
//!   </action_set><inputs/></synapse></transition_graph>"#).unwrap();
//! let mut t = Transition::new(graph, 1);
//! while !t.is_finished() {
//!     for action in t.take_ready() {
//!         // Execute, record the result with `lrm_rsc_op` + `record_op`, then:
//!         t.complete(action.reference.id, Outcome::Done { rc: 0, status: 0 }).unwrap();
//!     }
//! }
//! assert_eq!(t.stats().completed, 1);
//! ```
#![deny(missing_docs)]

pub mod attrs;
pub mod error;
pub mod lrm_exec;
pub mod record;
pub mod transition;

pub use error::TengineError;
pub use lrm_exec::{execute_on_lrm, to_lrm_request};
pub use record::{lrm_rsc_op, record_op, OpSummary};
pub use transition::{Outcome, Transition, TransitionStats};
