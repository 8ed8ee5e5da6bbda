//! Runs the chaos scenario over many seeds: `cargo run --release -p ccm --example stress -- FROM TO`.

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (from, to) = (
        args.first().copied().unwrap_or(1),
        args.get(1).copied().unwrap_or(1000),
    );
    let mut failed = 0;
    let mut kinds = std::collections::BTreeMap::<String, u64>::new();
    let mut installs = 0;
    for nodes in [2, 3, 4, 5, 7] {
        for seed in from..=to {
            match sim::ccm::chaos_scenario(nodes, seed, 30) {
                Ok(r) => {
                    installs += r.installs;
                    for (k, v) in r.packets_by_kind {
                        *kinds.entry(k).or_default() += v;
                    }
                }
                Err(e) => {
                    failed += 1;
                    println!("{}", e.lines().next().unwrap_or_default());
                }
            }
        }
    }
    println!("views installed: {installs}; packets by kind: {kinds:?}");
    println!("failed runs: {failed}");
}
