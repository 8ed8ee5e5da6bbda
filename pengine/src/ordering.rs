//! Stage 5: propagation over the ordering edges until nothing changes: required-ness flows
//! along implies-then (forward) and implies-first (backward) edges, unrunnability along
//! runnable-left edges. A worklist keeps it linear in the number of edges touched.

use crate::actions::{flags::*, ActionTable};
use std::collections::VecDeque;

/// Propagates required and runnable flags to a fixed point.
pub fn propagate(t: &mut ActionTable) {
    let n = t.list.len();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut in_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in t.edges.iter().enumerate() {
        out_edges[e.first].push(i);
        in_edges[e.then].push(i);
    }
    let mut queue: VecDeque<usize> = (0..t.edges.len()).collect();
    let mut queued = vec![true; t.edges.len()];
    while let Some(ei) = queue.pop_front() {
        queued[ei] = false;
        let e = t.edges[ei];
        let (f, th) = (e.first, e.then);
        let mut changed = Vec::new();
        if e.flags & IMPLIES_THEN != 0 && !t.list[f].optional && t.list[th].optional {
            t.list[th].optional = false;
            changed.push(th);
        }
        if e.flags & IMPLIES_FIRST != 0 && !t.list[th].optional && t.list[f].optional {
            t.list[f].optional = false;
            changed.push(f);
        }
        if e.flags & RUNNABLE_LEFT != 0 && !t.list[f].runnable && t.list[th].runnable {
            t.list[th].runnable = false;
            changed.push(th);
        }
        for a in changed {
            for &x in out_edges[a].iter().chain(in_edges[a].iter()) {
                if !queued[x] {
                    queued[x] = true;
                    queue.push_back(x);
                }
            }
        }
    }
}
