//! Text renderings of a [`crate::Schedule`]: crm_simulate's summary sections, scores,
//! a DOT graph, and the per-node score explanation.

mod bundle_text;
mod ghash;
mod plain;
pub mod status_text;
mod summary;
mod transition;

pub use plain::{assignment_log, plain};
pub use summary::{
    current_status, execution_and_revised, fenced_nodes, health, primitive_text, revised_placement,
    shown_state, unclean_before, Placement,
};
pub use transition::transition_summary;

use crate::graph_build::in_graph;
use crate::Schedule;
use std::fmt::Write;

/// `crm_simulate -S` (and with `with_scores`, `-sS`) output: current status, scores, transition
/// summary, simulated execution and revised status. `original_date` is the CIB's
/// `execution-date` as text, which Pacemaker announces before the status and again before the
/// revised status.
pub fn simulation(s: &Schedule, original_date: Option<&str>, with_scores: bool) -> String {
    let mut out = String::new();
    if s.view.config.schema_validation_disabled {
        out.push_str("Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)\n");
    }
    if let Some(date) = original_date {
        let _ = writeln!(out, "Using the original execution date of: {date}");
    }
    out.push_str(&current_status(s));
    if with_scores {
        out.push_str("\nAllocation scores:\n");
        out.push_str(&scores(s));
    }
    out.push_str(&transition_summary(s));
    let executed = execution_and_revised(s);
    match (original_date, executed.find("Revised Cluster Status:")) {
        (Some(date), Some(at)) => {
            let _ = write!(
                out,
                "{}\nUsing the original execution date of: {date}\n\n{}",
                executed[..at].trim_end_matches('\n'),
                &executed[at..]
            );
        }
        _ => out.push_str(&executed),
    }
    out
}

/// `crm_simulate -s` lines (sorted, as cts-scheduler compares them).
pub fn scores(s: &Schedule) -> String {
    let mut lines: Vec<String> = s.scores.iter().map(score_line).collect();
    // Pacemaker shows a table each time it computes one (an instance may be assigned twice).
    lines.sort();
    let mut out = String::new();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    out
}

/// One score line as Pacemaker prints it.
fn score_line(l: &crate::assign::ScoreLine) -> String {
    if l.prefix == "promotion" {
        format!("{} promotion score on {}: {}", l.rsc, l.node, l.score)
    } else {
        format!(
            "{}: {} allocation score on {}: {}",
            l.prefix, l.rsc, l.node, l.score
        )
    }
}

/// A graphviz rendering of the graph (required actions and their orderings).
pub fn dot(s: &Schedule) -> String {
    let t = &s.actions;
    let name = |i: usize| {
        let a = &t.list[i];
        match a.node {
            Some(n) if a.kind != graph::ActionKind::PseudoEvent => {
                format!("{} {}", a.key, s.view.nodes[n].uname)
            }
            _ => a.key.clone(),
        }
    };
    let mut out = String::from(" digraph \"g\" {\n");
    let mut lines = Vec::new();
    for i in 0..t.list.len() {
        if in_graph(t, i) {
            let style = if t.list[i].kind == graph::ActionKind::PseudoEvent {
                "dashed"
            } else {
                "bold"
            };
            lines.push(format!(
                "\"{}\" [ style={style} color=\"green\" fontcolor=\"black\"]",
                name(i)
            ));
        }
    }
    for e in &t.edges {
        if in_graph(t, e.first) && in_graph(t, e.then) {
            lines.push(format!(
                "\"{}\" -> \"{}\" [ style = bold]",
                name(e.first),
                name(e.then)
            ));
        }
    }
    lines.sort();
    lines.dedup();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    out.push_str("}\n");
    out
}

/// Every score contribution for a resource, per node, and the outcome.
pub fn explain(s: &Schedule, rsc_id: &str) -> Option<String> {
    let view = &s.view;
    let targets: Vec<usize> = view
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.id == rsc_id || r.base_id == rsc_id)
        .map(|(i, _)| i)
        .collect();
    if targets.is_empty() {
        return None;
    }
    let mut out = String::new();
    for r in targets {
        let rsc = &view.resources[r];
        let _ = writeln!(out, "Resource {}:", rsc.id);
        for (n, node) in view.nodes.iter().enumerate() {
            let mut total = if view.config.symmetric {
                vocab::score::Score::ZERO
            } else {
                vocab::score::Score::MINUS_INFINITY
            };
            let mut lines = Vec::new();
            if view.config.symmetric {
                lines.push("    0  symmetric-cluster=true".to_string());
            }
            for c in s
                .assignment
                .contributions
                .iter()
                .filter(|c| c.rsc == r && c.node == n)
            {
                if total.is_minus_infinite() && !view.config.symmetric && lines.is_empty() {
                    total = vocab::score::Score::ZERO;
                }
                total = total.saturating_add(c.score);
                lines.push(format!(
                    "    {:>10}  from {}",
                    c.score.to_string(),
                    c.source
                ));
            }
            let mut why = Vec::new();
            if !node.online {
                why.push("node is offline");
            }
            if node.unclean {
                why.push("node is unclean");
            }
            if node.standby {
                why.push("node is in standby");
            }
            if node.maintenance {
                why.push("node is in maintenance");
            }
            if node.shutdown {
                why.push("node is shutting down");
            }
            let verdict = if s.assignment.node[r] == Some(n) {
                "RUNS HERE".to_string()
            } else if !why.is_empty() {
                format!("cannot run here: {}", why.join(", "))
            } else if total.0 < 0 {
                "cannot run here: negative score".to_string()
            } else {
                "allowed, not chosen".to_string()
            };
            let _ = writeln!(out, "  {}: total {} -> {}", node.uname, total, verdict);
            for l in lines {
                let _ = writeln!(out, "{l}");
            }
        }
        if s.assignment.node[r].is_none() {
            let reason = s
                .assignment
                .why_stopped
                .get(&r)
                .cloned()
                .unwrap_or_else(|| "no node with a non-negative score".into());
            let _ = writeln!(out, "  => stopped: {reason}");
        }
    }
    Some(out)
}

/// Every action (also optional and unrunnable ones) with its flags and orderings.
pub fn debug_actions(s: &Schedule) -> String {
    let t = &s.actions;
    let name = |i: usize| {
        let a = &t.list[i];
        match a.node {
            Some(n) => format!("{} on {}", a.key, s.view.nodes[n].uname),
            None => a.key.clone(),
        }
    };
    let mut out = String::new();
    for (i, a) in t.list.iter().enumerate() {
        let _ = writeln!(
            out,
            "{i:4} {} optional={} runnable={}",
            name(i),
            a.optional,
            a.runnable
        );
    }
    for e in &t.edges {
        let _ = writeln!(
            out,
            "     {} -> {} flags={:#x}",
            name(e.first),
            name(e.then),
            e.flags
        );
    }
    out
}
