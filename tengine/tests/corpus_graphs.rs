//! Drives `Transition` over every transition graph of Pacemaker's scheduler regression corpus
//! with a deterministic fake executor, checking the firing rules against the synapse inputs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use graph::{ActionKind, GraphAction, TransitionGraph};
use tengine::{Outcome, Transition};

fn corpus_dir() -> PathBuf {
    std::env::var_os("SCHEDULER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/scheduler-corpus")
        })
}

/// Every `exp/*.exp` graph, by test name; `None` (after a loud note) when the corpus is absent.
fn corpus() -> Option<Vec<(String, TransitionGraph)>> {
    let dir = corpus_dir().join("exp");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIP: scheduler corpus not found at {}", dir.display());
        return None;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "exp"))
        .collect();
    paths.sort();
    let graphs: Vec<(String, TransitionGraph)> = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("read graph");
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let g = graph::parse_graph(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, g)
        })
        .collect();
    assert!(
        graphs.len() > 100,
        "corpus at {} looks truncated",
        dir.display()
    );
    Some(graphs)
}

/// A small deterministic generator (no dependency needed for test shuffling).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn target_rc(a: &GraphAction) -> i32 {
    a.attributes
        .iter()
        .find(|(k, _)| k == "CRM_meta_op_target_rc")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// The reference model: which actions could complete if every executed one succeeds,
/// computed by plain fixpoint over the synapse inputs.
fn completable(g: &TransitionGraph) -> BTreeSet<u32> {
    let mut done = BTreeSet::new();
    loop {
        let before = done.len();
        for s in &g.synapses {
            if s.inputs.iter().all(|i| done.contains(&i.id)) {
                done.insert(s.action.reference.id);
            }
        }
        if done.len() == before {
            return done;
        }
    }
}

/// Whether action `id` counts as complete given what the fake executor has completed:
/// executed actions when reported, pseudo events once their own inputs are complete.
fn satisfied(
    id: u32,
    g: &HashMap<u32, &graph::Synapse>,
    reported: &BTreeSet<u32>,
    memo: &mut HashMap<u32, bool>,
) -> bool {
    if let Some(&v) = memo.get(&id) {
        return v;
    }
    memo.insert(id, false); // guards against cycles
    let v = match g.get(&id) {
        None => false,
        Some(s) if s.action.reference.kind == ActionKind::PseudoEvent => {
            s.inputs.iter().all(|i| satisfied(i.id, g, reported, memo))
        }
        Some(_) => reported.contains(&id),
    };
    memo.insert(id, v);
    v
}

/// Runs one graph. With `fail_at = Some(k)`, the k-th reported result is an unexpected rc.
/// Returns the fired ids in firing order and the finished transition.
fn drive(name: &str, g: &TransitionGraph, fail_at: Option<usize>) -> (Vec<u32>, Transition) {
    let by_id: HashMap<u32, &graph::Synapse> = g
        .synapses
        .iter()
        .map(|s| (s.action.reference.id, s))
        .collect();
    let mut t = Transition::new(g.clone(), 7);
    let mut rng = Lcg(seed(name));
    let mut reported: BTreeSet<u32> = BTreeSet::new();
    let mut fired: Vec<u32> = Vec::new();
    let mut running: BTreeMap<u32, GraphAction> = BTreeMap::new();
    let mut reports = 0usize;
    let mut failed_at_abort = false;
    loop {
        let ready = t.take_ready();
        if t.is_aborted() {
            assert!(ready.is_empty(), "{name}: fired after abort: {ready:?}");
        }
        for a in ready {
            let id = a.reference.id;
            assert_ne!(
                a.reference.kind,
                ActionKind::PseudoEvent,
                "{name}: pseudo {id} returned"
            );
            assert!(!fired.contains(&id), "{name}: action {id} fired twice");
            let mut memo = HashMap::new();
            for input in &by_id[&id].inputs {
                assert!(
                    satisfied(input.id, &by_id, &reported, &mut memo),
                    "{name}: action {id} fired before input {} completed",
                    input.id
                );
            }
            fired.push(id);
            running.insert(id, a);
        }
        assert_eq!(
            t.in_flight(),
            running.keys().copied().collect::<Vec<_>>(),
            "{name}"
        );
        if running.is_empty() {
            break;
        }
        // Complete a pseudo-random non-empty subset, so results interleave with firing.
        let ids: Vec<u32> = running.keys().copied().collect();
        let pick: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|_| !rng.next().is_multiple_of(3))
            .collect();
        let pick = if pick.is_empty() {
            vec![ids[rng.next() as usize % ids.len()]]
        } else {
            pick
        };
        for id in pick {
            let a = running.remove(&id).expect("picked from running");
            let expected = target_rc(&a);
            let fail = fail_at == Some(reports) && !failed_at_abort;
            let rc = if fail { expected + 1 } else { expected };
            t.complete(id, Outcome::Done { rc, status: 0 })
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            reports += 1;
            if fail {
                failed_at_abort = true;
                let ignored = a
                    .attributes
                    .iter()
                    .any(|(k, v)| k == "CRM_meta_on_fail" && v == "ignore");
                assert_eq!(t.is_aborted(), !ignored, "{name}: unexpected rc of {id}");
                if !ignored {
                    assert_eq!(t.abort_reason(), Some("Event failed"));
                }
            } else {
                reported.insert(id);
            }
        }
    }
    assert!(t.is_finished(), "{name}: not finished with nothing running");
    (fired, t)
}

#[test]
fn every_completable_action_fires_once_after_its_inputs() {
    let Some(graphs) = corpus() else { return };
    let mut total_fired = 0;
    let mut crm_events = 0;
    for (name, g) in &graphs {
        let (fired, t) = drive(name, g, None);
        let expected: BTreeSet<u32> = completable(g)
            .into_iter()
            .filter(|id| {
                g.synapses.iter().any(|s| {
                    s.action.reference.id == *id
                        && s.action.reference.kind != ActionKind::PseudoEvent
                })
            })
            .collect();
        let got: BTreeSet<u32> = fired.iter().copied().collect();
        assert_eq!(
            got, expected,
            "{name}: fired set differs from the reference model"
        );
        assert!(!t.is_aborted(), "{name}");
        let stats = t.stats();
        assert_eq!(stats.completed, completable(g).len(), "{name}: {stats:?}");
        assert_eq!(
            stats.completed + stats.skipped,
            g.synapses.len(),
            "{name}: {stats:?}"
        );
        assert_eq!(
            (stats.failed, stats.in_flight, stats.pending),
            (0, 0, 0),
            "{name}"
        );
        total_fired += fired.len();
        crm_events += g
            .synapses
            .iter()
            .filter(|s| {
                s.action.reference.kind == ActionKind::CrmEvent
                    && got.contains(&s.action.reference.id)
            })
            .count();
    }
    assert!(
        crm_events > 100,
        "only {crm_events} crm_events were handed out"
    );
    assert!(
        total_fired > 1000,
        "the corpus exercised only {total_fired} actions"
    );
}

#[test]
fn take_ready_order_is_priority_then_id() {
    let Some(graphs) = corpus() else { return };
    for (name, g) in &graphs {
        let prio: HashMap<u32, i64> = g
            .synapses
            .iter()
            .map(|s| (s.action.reference.id, s.priority.unwrap_or(0)))
            .collect();
        let mut t = Transition::new(g.clone(), 1);
        let first: Vec<(i64, u32)> = t
            .take_ready()
            .iter()
            .map(|a| (-prio[&a.reference.id], a.reference.id))
            .collect();
        let mut sorted = first.clone();
        sorted.sort_unstable();
        assert_eq!(first, sorted, "{name}");
    }
}

#[test]
fn unexpected_rc_aborts_and_only_in_flight_completes() {
    let Some(graphs) = corpus() else { return };
    let mut aborted = 0;
    for (name, g) in &graphs {
        let executable = g
            .synapses
            .iter()
            .filter(|s| s.action.reference.kind != ActionKind::PseudoEvent)
            .count();
        if executable < 2 {
            continue;
        }
        let fail_at = seed(name) as usize % (executable - 1);
        let (fired, t) = drive(name, g, Some(fail_at));
        if t.is_aborted() {
            aborted += 1;
            let stats = t.stats();
            assert_eq!(stats.failed, 1, "{name}: {stats:?}");
            assert_eq!(t.failures().len(), 1, "{name}");
            assert_eq!(
                (stats.in_flight, stats.pending),
                (0, 0),
                "{name}: {stats:?}"
            );
            assert!(fired.len() <= executable, "{name}");
            assert_eq!(
                stats.completed + stats.failed + stats.skipped,
                g.synapses.len(),
                "{name}: {stats:?}"
            );
        }
    }
    assert!(
        aborted > 100,
        "only {aborted} graphs exercised the abort path"
    );
}
