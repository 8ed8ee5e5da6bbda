//! Choosing the Designated Controller (DC).
//!
//! Every member receives the same agreed view from ccm, so a pure function of the view elects the
//! same DC on every node without a message round. The oldest member wins (smallest `born`
//! instance, then smallest name): a node that joins never takes over from a running DC, so a
//! returning node does not disturb the cluster, and when the DC leaves the next-oldest member takes
//! over at once.

/// The DC for a view given as `(node name, born instance)` pairs; `None` for an empty view.
pub fn choose_dc(members: &[(String, u64)]) -> Option<&str> {
    members
        .iter()
        .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
        .map(|(name, _)| name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn view(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(n, b)| (n.to_string(), *b)).collect()
    }

    #[test]
    fn oldest_member_wins_and_ties_break_by_name() {
        assert_eq!(choose_dc(&view(&[("b", 3), ("a", 5), ("c", 3)])), Some("b"));
        assert_eq!(choose_dc(&view(&[])), None);
    }

    #[test]
    fn a_joining_node_never_displaces_the_dc() {
        let before = view(&[("node2", 4), ("node3", 4)]);
        let after = view(&[("node1", 9), ("node2", 4), ("node3", 4)]);
        assert_eq!(choose_dc(&before), choose_dc(&after));
    }

    /// Seeded simulation: random views over 5 nodes with random loss and return. Every node
    /// evaluating the same view (in any order of members) agrees, the DC is a member, and the DC
    /// only changes when the previous DC left.
    #[test]
    fn seeded_membership_churn_keeps_one_agreed_dc() {
        for seed in 0..50u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let names = ["n1", "n2", "n3", "n4", "n5"];
            let mut born: Vec<Option<u64>> = vec![Some(1); 5];
            let mut instance = 1u64;
            let mut dc: Option<String> = None;
            for _ in 0..200 {
                instance += 1;
                let i = rng.random_range(0..5);
                born[i] = match born[i] {
                    Some(_) if rng.random_bool(0.5) => None,
                    Some(b) => Some(b),
                    None => Some(instance),
                };
                let mut members: Vec<(String, u64)> = names
                    .iter()
                    .zip(&born)
                    .filter_map(|(n, b)| b.map(|b| (n.to_string(), b)))
                    .collect();
                let agreed = choose_dc(&members).map(str::to_string);
                // Another node may list the members in a different order.
                members.reverse();
                assert_eq!(
                    choose_dc(&members).map(str::to_string),
                    agreed,
                    "seed {seed}"
                );
                if let Some(d) = &agreed {
                    assert!(members.iter().any(|(n, _)| n == d));
                }
                if let (Some(old), Some(new)) = (&dc, &agreed) {
                    if old != new {
                        assert!(
                            !members.iter().any(|(n, _)| n == old),
                            "seed {seed}: DC moved from {old} to {new} while {old} stayed"
                        );
                    }
                }
                dc = agreed;
            }
        }
    }
}
