//! Choosing who belongs together when connectivity is not symmetric or not transitive.
//!
//! Every node reports which nodes it hears (in its `Hello`). Two nodes are *linked* when each
//! hears the other. When links are missing inside a group of nodes that can reach each other
//! through a third, no single view can hold them all, and without a rule two overlapping views
//! would replace each other for ever. The rule here is deterministic, so every node that has the
//! same reports draws the same groups: take the largest set of pairwise linked nodes (ties go to
//! the set whose sorted names come first), remove it, repeat with the rest.
//!
//! A node whose report we lack (we do not hear it) is assumed to hear exactly those that hear it:
//! only first-hand reports can remove a link.

use std::collections::{BTreeMap, BTreeSet};

/// Who hears whom: each reporting node and the nodes it hears.
pub type Reports = BTreeMap<String, BTreeSet<String>>;

/// Whether the reporting nodes all hear each other and nobody else, so they are one group
/// (the common case, checked without searching for groups). A reporter's silence about a
/// node that reports is taken as not hearing it; a missing report as hearing back.
pub fn is_closed_group(reports: &Reports) -> bool {
    reports.iter().all(|(node, heard)| {
        heard.iter().all(|h| h == node || reports.contains_key(h))
            && reports
                .keys()
                .all(|other| other == node || heard.contains(other))
    })
}

/// The group of `node`: the fully linked set it belongs to under the rule above (always holds
/// `node` itself).
pub fn group_of(reports: &Reports, node: &str) -> BTreeSet<String> {
    let graph = Graph::new(reports);
    let mut left: BTreeSet<usize> = (0..graph.names.len()).collect();
    while !left.is_empty() {
        let best = graph.best_clique(&left);
        if best.iter().any(|&i| graph.names[i] == node) {
            return best.iter().map(|&i| graph.names[i].clone()).collect();
        }
        left.retain(|i| !best.contains(i));
    }
    [node.to_string()].into()
}

/// The mutual-hearing graph over every node named in the reports.
struct Graph {
    names: Vec<String>,
    links: Vec<BTreeSet<usize>>,
}

impl Graph {
    fn new(reports: &Reports) -> Graph {
        let names: Vec<String> = reports
            .iter()
            .flat_map(|(n, heard)| std::iter::once(n).chain(heard))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let hears = |x: &String, y: &String| match (reports.get(x), reports.get(y)) {
            (Some(heard), _) => heard.contains(y),
            (None, Some(theirs)) => theirs.contains(x),
            (None, None) => false,
        };
        let links = names
            .iter()
            .map(|x| {
                (0..names.len())
                    .filter(|&j| names[j] != *x && hears(x, &names[j]) && hears(&names[j], x))
                    .collect()
            })
            .collect();
        Graph { names, links }
    }

    /// The largest clique within `within`, ties to the lowest sorted names (indices are in name
    /// order, so comparing index lists compares names).
    fn best_clique(&self, within: &BTreeSet<usize>) -> Vec<usize> {
        let mut best: Vec<usize> = Vec::new();
        self.maximal_cliques(&mut Vec::new(), within.clone(), BTreeSet::new(), &mut |c| {
            if c.len() > best.len() || (c.len() == best.len() && c < best.as_slice()) {
                best = c.to_vec();
            }
        });
        best
    }

    /// Bron-Kerbosch with pivoting: calls `found` with every maximal clique (sorted).
    fn maximal_cliques(
        &self,
        clique: &mut Vec<usize>,
        mut candidates: BTreeSet<usize>,
        mut excluded: BTreeSet<usize>,
        found: &mut dyn FnMut(&[usize]),
    ) {
        if candidates.is_empty() && excluded.is_empty() {
            let mut sorted = clique.clone();
            sorted.sort_unstable();
            found(&sorted);
            return;
        }
        let pivot = *candidates
            .union(&excluded)
            .max_by_key(|&&p| self.links[p].intersection(&candidates).count())
            .expect("candidates or excluded is non-empty");
        let branch: Vec<usize> = candidates.difference(&self.links[pivot]).copied().collect();
        for v in branch {
            clique.push(v);
            let next_candidates = candidates.intersection(&self.links[v]).copied().collect();
            let next_excluded = excluded.intersection(&self.links[v]).copied().collect();
            self.maximal_cliques(clique, next_candidates, next_excluded, found);
            clique.pop();
            candidates.remove(&v);
            excluded.insert(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reports(lines: &[(&str, &[&str])]) -> Reports {
        lines
            .iter()
            .map(|(n, heard)| (n.to_string(), heard.iter().map(|h| h.to_string()).collect()))
            .collect()
    }

    fn group(r: &Reports, node: &str) -> Vec<String> {
        group_of(r, node).into_iter().collect()
    }

    #[test]
    fn everyone_linked_is_one_group() {
        let r = reports(&[("a", &["b", "c"]), ("b", &["a", "c"]), ("c", &["a", "b"])]);
        for n in ["a", "b", "c"] {
            assert_eq!(group(&r, n), ["a", "b", "c"]);
        }
    }

    #[test]
    fn a_one_way_loss_leaves_the_higher_named_end_out_on_a_tie() {
        // b does not hear a; a hears b; c hears both.
        let r = reports(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &["a", "b"])]);
        assert_eq!(group(&r, "a"), ["a", "c"]);
        assert_eq!(group(&r, "c"), ["a", "c"]);
        assert_eq!(group(&r, "b"), ["b"]);
    }

    #[test]
    fn the_side_without_a_report_is_inferred_the_same_everywhere() {
        // What b knows: its own report and c's; a's report never reaches b.
        let at_b = reports(&[("b", &["c"]), ("c", &["a", "b"])]);
        assert_eq!(group(&at_b, "b"), ["b"]);
        // What a knows: every report (a hears b and c).
        let at_a = reports(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &["a", "b"])]);
        assert_eq!(group(&at_a, "a"), ["a", "c"]);
    }

    #[test]
    fn the_largest_fully_linked_set_wins_then_the_lower_names() {
        // e cannot hear a: {a, b, c, d} and {b, c, d, e} tie at four; the lower names win.
        let all = ["a", "b", "c", "d", "e"];
        let mut lines: Vec<(&str, Vec<&str>)> = all
            .iter()
            .map(|n| (*n, all.iter().copied().filter(|m| m != n).collect()))
            .collect();
        lines[4].1.retain(|m| *m != "a");
        let r: Reports = lines
            .iter()
            .map(|(n, h)| (n.to_string(), h.iter().map(|x| x.to_string()).collect()))
            .collect();
        assert_eq!(group(&r, "b"), ["a", "b", "c", "d"]);
        assert_eq!(group(&r, "e"), ["e"]);
        assert_eq!(group(&r, "a"), ["a", "b", "c", "d"]);
        // With c and d also deaf to a, {b, c, d, e} is the largest.
        let mut r = r;
        for n in ["c", "d"] {
            r.get_mut(n).unwrap().remove("a");
        }
        assert_eq!(group(&r, "e"), ["b", "c", "d", "e"]);
        assert_eq!(group(&r, "a"), ["a"]);
    }

    #[test]
    fn closed_groups_are_recognised_without_a_search() {
        let r = reports(&[("a", &["a", "b"]), ("b", &["a", "b"])]);
        assert!(is_closed_group(&r));
        // b hears c, whom a does not know: not closed.
        let r = reports(&[("a", &["a", "b"]), ("b", &["a", "b", "c"])]);
        assert!(!is_closed_group(&r));
        // b does not hear a.
        let r = reports(&[("a", &["a", "b"]), ("b", &["b"])]);
        assert!(!is_closed_group(&r));
    }

    #[test]
    fn a_lone_node_is_its_own_group() {
        assert_eq!(group(&Reports::new(), "a"), ["a"]);
        assert_eq!(group(&reports(&[("a", &[])]), "a"), ["a"]);
    }
}
