//! crm_simulate -S sections: current status, transition summary, execution, revised status.

use crate::Schedule;

/// "Current cluster status:" section.
pub fn current_status(_s: &Schedule) -> String {
    String::new()
}

/// "Transition Summary:" section.
pub fn transition_summary(_s: &Schedule) -> String {
    String::new()
}

/// "Executing Cluster Transition:" and "Revised Cluster Status:" sections.
pub fn execution_and_revised(_s: &Schedule) -> String {
    String::new()
}
