//! The namespace fault soak (see `crmd::soak`). Needs root.
//!
//! `cargo run --release -p crmd --example soak -- [--events N] [--seed S] [--deadline SECS]`
//! prints one line per event and `events N, violations V, not converged C, longest outage X s`,
//! and exits 1 on any violation or event that did not converge.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use crmd::soak::{run, SoakOptions};

fn main() -> Result<()> {
    if !crmd::lab::is_root() {
        bail!("the soak needs root (network namespaces)");
    }
    let (mut events, mut seed, mut deadline) = (200usize, 1u64, 60u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| -> Result<u64> {
            args.next()
                .with_context(|| format!("{name} needs a value"))?
                .parse()
                .with_context(|| format!("{name} takes a number"))
        };
        match a.as_str() {
            "--events" => events = value("--events")? as usize,
            "--seed" => seed = value("--seed")?,
            "--deadline" => deadline = value("--deadline")?,
            other => bail!("unknown argument {other} (--events N, --seed S, --deadline SECS)"),
        }
    }
    let exe = std::env::current_exe().context("own path")?;
    // examples/ sits below the profile directory holding the daemons.
    let profile = exe
        .parent()
        .and_then(|p| p.parent())
        .context("profile dir")?;
    let bin_dir = crmd::lab::prepare_bins(&profile.join("crmd"))?;
    println!("soak: seed {seed}, {events} events, deadline {deadline} s");
    let summary = run(&SoakOptions {
        events,
        seed,
        deadline: Duration::from_secs(deadline),
        bin_dir,
    })?;
    if summary.violations > 0 || summary.not_converged > 0 {
        std::process::exit(1);
    }
    Ok(())
}
