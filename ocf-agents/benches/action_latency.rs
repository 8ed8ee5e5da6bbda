//! Prints how long one agent action takes, ours next to the shell agents from
//! resource-agents and pacemaker (`cargo bench -p ocf-agents --bench action_latency`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 100;

fn time_action(agent: &Path, action: &str, rsctmp: &Path) -> Duration {
    let t = Instant::now();
    let status = Command::new(agent)
        .arg(action)
        .env("OCF_ROOT", "/usr/lib/ocf")
        .env("OCF_RA_VERSION_MAJOR", "1")
        .env("OCF_RA_VERSION_MINOR", "1")
        .env("OCF_RESOURCE_INSTANCE", "bench")
        .env("HA_RSCTMP", rsctmp)
        .env("OCF_RESKEY_state", rsctmp.join("bench.state"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run agent");
    assert!(
        matches!(status.code(), Some(0 | 7)),
        "{} {action}: {status}",
        agent.display()
    );
    t.elapsed()
}

fn summary(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    )
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_ocf-agents"));
    let link = dir.path().join("Dummy");
    std::os::unix::fs::symlink(&ours, &link).expect("link");
    let candidates = [
        ("heartbeat-rs Dummy", link),
        (
            "ocf:heartbeat:Dummy",
            PathBuf::from("/usr/lib/ocf/resource.d/heartbeat/Dummy"),
        ),
        (
            "ocf:pacemaker:Dummy",
            PathBuf::from("/usr/lib/ocf/resource.d/pacemaker/Dummy"),
        ),
    ];
    println!("{RUNS} runs each; milliseconds per action (median / p95)");
    println!(
        "{:<22} {:>16} {:>16} {:>16} {:>16}",
        "agent", "meta-data", "start", "monitor", "stop"
    );
    for (name, path) in candidates {
        if !path.exists() {
            println!("{name:<22} (not installed)");
            continue;
        }
        let rsctmp = dir.path().join(name.replace([':', ' '], "_"));
        std::fs::create_dir_all(&rsctmp).unwrap();
        let mut row = format!("{name:<22}");
        for action in ["meta-data", "start", "monitor", "stop"] {
            let samples: Vec<Duration> = (0..RUNS)
                .map(|_| {
                    if action == "monitor" {
                        time_action(&path, "start", &rsctmp);
                    }
                    time_action(&path, action, &rsctmp)
                })
                .collect();
            let (median, p95) = summary(samples);
            row.push_str(&format!(" {:>7.2} / {:>6.2}", median, p95));
        }
        println!("{row}");
    }
}
