//! crm_simulate's plain layout. With `-s` or `-U`, Pacemaker 2.1.5 prints the status and
//! the transition without list headings, bullets or indentation (its text output is not
//! "fancy" then), node lists without their `Online:` names, and the assignment log in the
//! order the scheduler worked: scores, each placement's utilization, and the node
//! capacities before and after.

use super::ghash::GTable;
use crate::Schedule;
use std::fmt::Write;

/// Section headings of the fancy layout, which the plain layout leaves out.
const HEADINGS: [&str; 4] = [
    "Current cluster status:",
    "Transition Summary:",
    "Executing Cluster Transition:",
    "Revised Cluster Status:",
];

/// Node-list items whose name the plain layout drops (`Online: [ a b ]` -> `[ a b ]`).
const NAMED_NODE_LISTS: [&str; 6] = [
    "Online: ",
    "OFFLINE: ",
    "GuestOnline: ",
    "GuestOFFLINE: ",
    "RemoteOnline: ",
    "RemoteOFFLINE: ",
];

/// Converts text in the fancy layout (`current_status`, `transition_summary`,
/// `execution_and_revised`) to the plain one.
pub fn plain(fancy: &str) -> String {
    let mut out = String::new();
    for line in fancy.lines() {
        if HEADINGS.contains(&line) {
            continue;
        }
        let trimmed = line.trim_start_matches(' ');
        let Some(item) = trimmed.strip_prefix("* ") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        // A nested list's heading (node list, group, clone, bundle).
        if item.ends_with(':') {
            continue;
        }
        let item = NAMED_NODE_LISTS
            .iter()
            .find_map(|name| item.strip_prefix(name).filter(|rest| rest.starts_with('[')))
            .unwrap_or(item);
        out.push_str(item);
        out.push('\n');
    }
    out
}

/// The assignment log: with `utilization`, every node's capacity first ("Original"), each
/// placement's utilization after the scores that chose it, and the capacities left
/// ("Remaining"); with `scores`, the score lines in the order they were computed.
pub fn assignment_log(s: &Schedule, scores: bool, utilization: bool) -> String {
    let view = &s.view;
    let mut capacity: Vec<GTable> = view
        .nodes
        .iter()
        .map(|n| {
            GTable::from_pairs(
                n.utilization_text
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone())),
            )
        })
        .collect();
    let order = node_order(s);
    let mut out = String::new();
    if utilization {
        for &n in &order {
            let _ = writeln!(
                out,
                "Original: {} capacity:{}",
                view.nodes[n].uname,
                capacity[n].dump()
            );
        }
    }
    let lines = by_node_name(&s.assignment.scores);
    let mut placed = s.assignment.placed.iter().peekable();
    for at in 0..=lines.len() {
        while let Some(p) = placed.next_if(|p| p.after_scores == at) {
            let rsc = &view.resources[p.rsc];
            let used = GTable::from_pairs(
                rsc.utilization_text
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone())),
            );
            consume(&mut capacity[p.node], &used);
            if utilization {
                let _ = writeln!(
                    out,
                    "pcmk__finalize_assignment: {} utilization on {}:{}",
                    rsc.id,
                    view.nodes[p.node].uname,
                    used.dump()
                );
            }
        }
        if scores {
            if let Some(l) = lines.get(at) {
                let _ = writeln!(out, "{}", super::score_line(l));
            }
        }
    }
    if utilization {
        for &n in &order {
            let _ = writeln!(
                out,
                "Remaining: {} capacity:{}",
                view.nodes[n].uname,
                capacity[n].dump()
            );
        }
    }
    out
}

/// Pacemaker shows each score table (one resource, one step) by node name.
fn by_node_name(lines: &[crate::assign::ScoreLine]) -> Vec<crate::assign::ScoreLine> {
    let mut out = lines.to_vec();
    let mut start = 0;
    while start < out.len() {
        let key = (out[start].prefix, out[start].rsc.clone());
        let end = (start..out.len())
            .find(|&i| (out[i].prefix, &out[i].rsc) != (key.0, &key.1))
            .unwrap_or(out.len());
        out[start..end].sort_by(|a, b| crate::synapse_order::numeric_casecmp(&a.node, &b.node));
        start = end;
    }
    out
}

/// Pacemaker subtracts a placed resource's utilization from its node whatever the
/// placement strategy; a name the node lacks becomes 0.
fn consume(node: &mut GTable, used: &GTable) {
    for (k, v) in used.iter() {
        let left = node
            .get(k)
            .map(|cur| {
                (value(cur) as i64 - value(v) as i64).clamp(i32::MIN as i64, i32::MAX as i64)
            })
            .unwrap_or(0);
        node.replace(k, left.to_string());
    }
}

/// Pacemaker's reading of a utilization value: an integer, else 0.
fn value(s: &str) -> i32 {
    s.trim().parse().unwrap_or(0)
}

/// Nodes as Pacemaker lists them in a working set: by name.
fn node_order(s: &Schedule) -> Vec<usize> {
    let mut order: Vec<usize> = (0..s.view.nodes.len()).collect();
    order.sort_by(|a, b| s.view.nodes[*a].uname.cmp(&s.view.nodes[*b].uname));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_sort_as_pacemaker() {
        let mut v = vec!["node10", "Node2", "node1", "hb2", "hb1"];
        v.sort_by(|a, b| crate::synapse_order::numeric_casecmp(a, b));
        assert_eq!(v, ["hb1", "hb2", "node1", "Node2", "node10"]);
    }

    #[test]
    fn drops_headings_bullets_and_node_list_names() {
        let fancy = "Current cluster status:\n  * Node List:\n    * Node a: standby\n    * Online: [ b c ]\n\n  * Full List of Resources:\n    * Clone Set: cl [d]:\n      * Started: [ b c ]\n    * r\t(ocf:pacemaker:Dummy):\t Stopped\n\nTransition Summary:\n  * Start      r    ( b )\n\n";
        assert_eq!(
            plain(fancy),
            "Node a: standby\n[ b c ]\n\nStarted: [ b c ]\nr\t(ocf:pacemaker:Dummy):\t Stopped\n\nStart      r    ( b )\n\n"
        );
    }
}
