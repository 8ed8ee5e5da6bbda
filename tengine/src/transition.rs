//! The sans-IO state machine that runs one transition graph.
//!
//! The controller owns every side effect: it asks [`Transition::take_ready`] what may run,
//! executes it (LRM, fencing, its own shutdown logic), and feeds results back through
//! [`Transition::complete`]. Keeping the rules here free of clocks and sockets makes them
//! testable against Pacemaker's own scheduler output, and keeps timeouts a caller decision
//! (the caller turns an expired timer into [`Outcome::TimedOut`]).
//!
//! Rules, following Pacemaker's transition engine:
//! - an action fires once every action named in its synapse's inputs has completed
//!   successfully;
//! - pseudo events are never executed: they complete as soon as they become ready;
//! - a result other than the action's target rc (`CRM_meta_op_target_rc`, default 0), a
//!   non-`done` executor status, a timeout or a failure fails the action and aborts the
//!   transition ("Event failed"), unless the action's `on-fail` is `ignore`;
//! - after an abort nothing new fires, but in-flight actions may still complete, so the
//!   caller can record their results before asking the scheduler for a new graph.

use std::collections::HashMap;

use graph::{ActionKind, GraphAction, Synapse, TransitionGraph};

use crate::attrs;
use crate::error::TengineError;

/// The reason recorded when an action's result aborts the transition.
pub const EVENT_FAILED: &str = "Event failed";

/// The result of a fired action, as reported by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The action ran to the end: agent rc (OCF) and executor op-status (0 = done).
    Done {
        /// OCF return code.
        rc: i32,
        /// LRM op-status (`lrm::ExecStatus::code`; 0 when the agent ran and exited).
        status: i32,
    },
    /// The action did not finish within its timeout.
    TimedOut,
    /// The action could not be executed at all.
    Failed(String),
}

/// Where each synapse is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not fired yet.
    Waiting,
    /// Handed out by `take_ready`, result not known yet.
    InFlight,
    /// Completed with the expected result (or a failure that is ignored).
    Succeeded,
    /// Completed with an unexpected result.
    Failed,
}

/// Counts of synapses by state (pseudo events included, as in Pacemaker's transition log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransitionStats {
    /// Completed successfully.
    pub completed: usize,
    /// Completed with an unexpected result.
    pub failed: usize,
    /// Fired and still running.
    pub in_flight: usize,
    /// Not fired yet, and still able to fire.
    pub pending: usize,
    /// Not fired, and never will: the transition was aborted, or an input failed, is missing
    /// from the graph or waits on itself.
    pub skipped: usize,
}

/// One transition in progress.
#[derive(Debug, Clone)]
pub struct Transition {
    transition_id: u64,
    /// Synapses in firing order: priority (higher first), then action id.
    synapses: Vec<Synapse>,
    states: Vec<State>,
    /// Action id to index in `synapses`.
    by_action: HashMap<u32, usize>,
    abort_reason: Option<String>,
    /// Unexpected results, in the order they were reported.
    failures: Vec<(u32, Outcome)>,
    /// Actions that wait on themselves (never fired), found before the transition starts.
    loops: Vec<Vec<u32>>,
}

impl Transition {
    /// Starts tracking `graph`, numbered `transition_id` (used in transition keys).
    pub fn new(graph: TransitionGraph, transition_id: u64) -> Transition {
        let loops = graph::cycles::ordering_loops(&graph);
        for l in &loops {
            tracing::error!(
                "transition {transition_id}: actions {l:?} wait on each other and will never run"
            );
        }
        let mut synapses = graph.synapses;
        synapses.sort_by_key(|s| {
            (
                std::cmp::Reverse(s.priority.unwrap_or(0)),
                s.action.reference.id,
            )
        });
        let mut by_action = HashMap::with_capacity(synapses.len());
        for (i, s) in synapses.iter().enumerate() {
            // A well-formed graph has one synapse per action; keep the first if not.
            by_action.entry(s.action.reference.id).or_insert(i);
        }
        let states = vec![State::Waiting; synapses.len()];
        Transition {
            transition_id,
            synapses,
            states,
            by_action,
            abort_reason: None,
            failures: Vec::new(),
            loops,
        }
    }

    /// The graph's ordering loops (action ids), which can never run; empty when well formed.
    pub fn ordering_loops(&self) -> &[Vec<u32>] {
        &self.loops
    }

    /// The transition's number.
    pub fn transition_id(&self) -> u64 {
        self.transition_id
    }

    /// The action with this id, fired or not.
    pub fn action(&self, action_id: u32) -> Option<&GraphAction> {
        self.by_action
            .get(&action_id)
            .map(|&i| &self.synapses[i].action)
    }

    /// Actions whose inputs are all complete and which have not been fired yet, marked in
    /// flight. Pseudo events are completed internally (never returned) and their dependants
    /// become ready in the same call. Returns nothing once aborted.
    pub fn take_ready(&mut self) -> Vec<GraphAction> {
        let mut ready: Vec<usize> = Vec::new();
        if self.is_aborted() {
            return Vec::new();
        }
        loop {
            let mut pseudo_completed = false;
            for i in 0..self.synapses.len() {
                if self.states[i] != State::Waiting || !self.inputs_done(i) {
                    continue;
                }
                if self.synapses[i].action.reference.kind == ActionKind::PseudoEvent {
                    self.states[i] = State::Succeeded;
                    pseudo_completed = true;
                } else {
                    self.states[i] = State::InFlight;
                    ready.push(i);
                }
            }
            if !pseudo_completed {
                break;
            }
        }
        // Indices follow firing order already; sorting keeps that across pseudo rounds.
        ready.sort_unstable();
        ready
            .into_iter()
            .map(|i| self.synapses[i].action.clone())
            .collect()
    }

    /// Records the outcome of a fired action. An unexpected result aborts the transition.
    pub fn complete(&mut self, action_id: u32, outcome: Outcome) -> Result<(), TengineError> {
        let &i = self
            .by_action
            .get(&action_id)
            .ok_or(TengineError::UnknownAction(action_id))?;
        if self.states[i] != State::InFlight {
            return Err(TengineError::NotInFlight(action_id));
        }
        let action = &self.synapses[i].action;
        let ok = match &outcome {
            Outcome::Done { rc, status } => *status == 0 && *rc == attrs::target_rc(action),
            Outcome::TimedOut | Outcome::Failed(_) => false,
        };
        if ok || attrs::failure_ignored(action) {
            self.states[i] = State::Succeeded;
        } else {
            tracing::warn!(
                transition = self.transition_id,
                action = action_id,
                key = %action.reference.operation_key,
                ?outcome,
                "action failed, aborting transition"
            );
            self.states[i] = State::Failed;
            self.failures.push((action_id, outcome));
            self.abort(EVENT_FAILED);
        }
        Ok(())
    }

    /// Stops firing new actions (membership change, new CIB, unexpected result); in-flight
    /// ones may still complete. The first reason is kept.
    pub fn abort(&mut self, reason: &str) {
        if self.abort_reason.is_none() {
            tracing::info!(
                transition = self.transition_id,
                reason,
                "transition aborted"
            );
            self.abort_reason = Some(reason.to_string());
        }
    }

    /// Whether the transition was aborted.
    pub fn is_aborted(&self) -> bool {
        self.abort_reason.is_some()
    }

    /// Why the transition was aborted.
    pub fn abort_reason(&self) -> Option<&str> {
        self.abort_reason.as_deref()
    }

    /// The unexpected results reported so far (action id, outcome).
    pub fn failures(&self) -> &[(u32, Outcome)] {
        &self.failures
    }

    /// True when no action is in flight and nothing more can fire (all done, or aborted, or
    /// the rest is blocked).
    pub fn is_finished(&self) -> bool {
        let stats = self.stats();
        stats.in_flight == 0 && stats.pending == 0
    }

    /// Ids of the actions fired and not completed, ascending.
    pub fn in_flight(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .states
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == State::InFlight)
            .map(|(i, _)| self.synapses[i].action.reference.id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Counts of synapses by state.
    pub fn stats(&self) -> TransitionStats {
        let blocked = self.blocked();
        let mut stats = TransitionStats::default();
        for (i, state) in self.states.iter().enumerate() {
            match state {
                State::Succeeded => stats.completed += 1,
                State::Failed => stats.failed += 1,
                State::InFlight => stats.in_flight += 1,
                State::Waiting if self.is_aborted() || blocked[i] => stats.skipped += 1,
                State::Waiting => stats.pending += 1,
            }
        }
        stats
    }

    fn inputs_done(&self, i: usize) -> bool {
        self.synapses[i].inputs.iter().all(|input| {
            self.by_action
                .get(&input.id)
                .is_some_and(|&j| self.states[j] == State::Succeeded)
        })
    }

    /// For each synapse: whether it can never fire because an input failed, is not in the
    /// graph, or (transitively) waits on such an input or on itself.
    fn blocked(&self) -> Vec<bool> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Unvisited,
            Visiting,
            Done(bool),
        }
        let mut marks = vec![Mark::Unvisited; self.synapses.len()];
        // Iterative depth-first search: graphs can be deep enough to make recursion risky.
        for root in 0..self.synapses.len() {
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if *next == 0 {
                    if let Mark::Done(_) = marks[node] {
                        stack.pop();
                        continue;
                    }
                    marks[node] = Mark::Visiting;
                }
                let inputs = &self.synapses[node].inputs;
                if *next < inputs.len() {
                    let input = inputs[*next].id;
                    *next += 1;
                    match self.by_action.get(&input) {
                        None => marks[node] = Mark::Done(true),
                        Some(&j) => match marks[j] {
                            Mark::Unvisited => stack.push((j, 0)),
                            // A cycle: nothing on it can ever fire.
                            Mark::Visiting => marks[node] = Mark::Done(true),
                            Mark::Done(_) => {}
                        },
                    }
                    continue;
                }
                stack.pop();
                let state = self.states[node];
                let is_blocked = match state {
                    State::Failed => true,
                    State::Succeeded | State::InFlight => false,
                    State::Waiting => {
                        marks[node] == Mark::Done(true)
                            || inputs.iter().any(|r| {
                                self.by_action.get(&r.id).is_none_or(|&j| {
                                    self.states[j] == State::Failed || marks[j] != Mark::Done(false)
                                })
                            })
                    }
                };
                marks[node] = Mark::Done(is_blocked);
            }
        }
        marks.into_iter().map(|m| m != Mark::Done(false)).collect()
    }
}

#[cfg(test)]
mod tests;
