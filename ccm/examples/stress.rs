//! Runs the chaos scenario over many seeds: `cargo run --release -p ccm --example stress -- FROM TO`.

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let (from, to) = (args.first().copied().unwrap_or(1), args.get(1).copied().unwrap_or(1000));
    let mut failed = 0;
    for nodes in [2, 3, 4, 5, 7] {
        for seed in from..=to {
            if let Err(e) = ccm::sim::chaos_scenario(nodes, seed, 30) {
                failed += 1;
                println!("{}", e.lines().next().unwrap_or_default());
            }
        }
    }
    println!("failed runs: {failed}");
}
