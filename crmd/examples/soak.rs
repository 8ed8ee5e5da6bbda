//! The namespace fault soak (see `crmd::soak`). Needs root.
//!
//! `cargo run --release -p crmd --example soak -- [--events N] [--seed S] [--deadline SECS]`
//! prints one line per event and `events N, violations V, not converged C, longest outage X s`,
//! and exits 1 on any violation or event that did not converge.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use crmd::soak::{run, SoakOptions};
use flags::{Dialect, Given, Opt, Spec};

const SPEC: Spec = Spec {
    tool: "soak",
    dialect: Dialect::Getopt,
    options: &[
        Opt::long_value("events"),
        Opt::long_value("seed"),
        Opt::long_value("deadline"),
    ],
    help_groups: &[],
    help: "usage: soak [--events N] [--seed S] [--deadline SECS]",
    version: "soak",
};

fn main() -> Result<()> {
    let (mut events, mut seed, mut deadline) = (200usize, 1u64, 60u64);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let given = flags::parse(&SPEC, &args).unwrap_or_else(|stop| {
        std::process::exit(
            stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr())
                .into(),
        )
    });
    for g in given {
        let Given::Opt { name, value } = g else {
            bail!("unexpected argument {g:?} (--events N, --seed S, --deadline SECS)");
        };
        let number: u64 = value
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("--{name} takes a number"))?;
        match name {
            "events" => events = number as usize,
            "seed" => seed = number,
            _ => deadline = number,
        }
    }
    if !crmd::lab::is_root() {
        bail!("the soak needs root (network namespaces)");
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
