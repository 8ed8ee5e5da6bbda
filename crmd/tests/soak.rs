//! End to end: a short seeded fault soak (see `crmd::soak`) on a 3-node namespace cluster with
//! fencing must see no violation and converge after every event. Needs root.

use std::path::PathBuf;
use std::time::Duration;

use crmd::soak::{run, SoakOptions};

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

#[test]
fn seeded_soak_has_no_violations_and_converges() {
    if !crmd::lab::is_root() {
        eprintln!("SKIP soak: needs root (network namespaces)");
        return;
    }
    let summary = run(&SoakOptions {
        events: 20,
        seed: 7,
        deadline: Duration::from_secs(60),
        bin_dir: bin_dir(),
    })
    .expect("soak runs");
    assert_eq!(summary.events, 20);
    assert_eq!(
        (summary.violations, summary.not_converged),
        (0, 0),
        "{summary}"
    );
}
