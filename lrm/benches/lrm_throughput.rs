//! LRM throughput and overhead. Prints a table; run with `cargo bench -p lrm`.
//!
//! - Throughput: N resources of ClusterLabs' `ocf:heartbeat:Dummy` (default 1000) started,
//!   monitored and stopped, all queued at once, with the default concurrency bound.
//! - Overhead: one agent run sequentially M times (default 200) directly with
//!   `std::process::Command`, through the library (`Executor::exec_wait`) and through the
//!   lrmd socket (`Client::exec_wait` against an in-process server), for Dummy and for a
//!   trivial `exit 0` script.
//!
//! Environment: `LRM_BENCH_RESOURCES`, `LRM_BENCH_SEQUENTIAL`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lrm::{
    Action, AgentDirs, AgentId, Client, Executor, ExecutorConfig, OcfRc, OpRequest, ResourceSpec,
    RunnerConfig,
};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` / libtest probing: nothing to list.
    }
    let resources = env_number("LRM_BENCH_RESOURCES", 1000);
    let sequential = env_number("LRM_BENCH_SEQUENTIAL", 200);
    let scratch = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        throughput(scratch.path(), resources).await;
        overhead(scratch.path(), sequential).await;
    });
}

fn config(ocf_root: &Path) -> ExecutorConfig {
    ExecutorConfig {
        runner: RunnerConfig {
            dirs: AgentDirs {
                ocf_root: ocf_root.to_path_buf(),
                ..AgentDirs::default()
            },
            ..RunnerConfig::default()
        },
        ..ExecutorConfig::default()
    }
}

async fn throughput(scratch: &Path, n: usize) {
    let cfg = config(Path::new("/usr/lib/ocf"));
    let parallel = cfg.max_parallel;
    let lrm = Executor::new(cfg);
    for i in 0..n {
        let state = scratch.join(format!("dummy-{i}.state"));
        lrm.register(ResourceSpec {
            id: format!("d{i}"),
            agent: AgentId::ocf("heartbeat", "Dummy"),
            params: [("state".to_string(), state.display().to_string())].into(),
        });
    }
    println!("LRM throughput: {n} x ocf:heartbeat:Dummy, max_parallel = {parallel}");
    println!("| phase   | ops  | failed | wall (s) | ops/s  | mean queue (ms) | mean exec (ms) |");
    println!("|---------|------|--------|----------|--------|-----------------|----------------|");
    for action in [Action::Start, Action::Monitor, Action::Stop] {
        let mut events = lrm.subscribe();
        let started = Instant::now();
        for i in 0..n {
            lrm.exec(OpRequest::new(&format!("d{i}"), action.clone(), 0, 60_000))
                .expect("exec");
        }
        let (mut done, mut failed, mut queue_ms, mut exec_ms) = (0, 0, 0u64, 0u64);
        while done < n {
            let r = events.recv().await.expect("event");
            done += 1;
            queue_ms += r.queue_time_ms;
            exec_ms += r.exec_time_ms;
            if r.rc != OcfRc::SUCCESS {
                failed += 1;
            }
        }
        let wall = started.elapsed().as_secs_f64();
        println!(
            "| {:<7} | {n:>4} | {failed:>6} | {wall:>8.2} | {:>6.0} | {:>15.1} | {:>14.1} |",
            action.as_str(),
            n as f64 / wall,
            queue_ms as f64 / n as f64,
            exec_ms as f64 / n as f64
        );
    }
    println!();
}

async fn overhead(scratch: &Path, m: usize) {
    let trivial_root = scratch.join("ocf");
    let trivial = trivial_root.join("resource.d/bench/Trivial");
    std::fs::create_dir_all(trivial.parent().unwrap()).unwrap();
    std::fs::write(&trivial, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&trivial, std::fs::Permissions::from_mode(0o755)).unwrap();

    println!("LRM overhead per operation: {m} sequential monitors, mean wall time per op");
    println!("| agent         | direct (ms) | library (ms) | socket (ms) | library overhead (ms) | socket overhead (ms) |");
    println!("|---------------|-------------|--------------|-------------|-----------------------|----------------------|");
    let dummy_state = scratch.join("overhead-dummy.state");
    let cases: [(&str, PathBuf, AgentId, PathBuf); 2] = [
        (
            "Dummy",
            PathBuf::from("/usr/lib/ocf"),
            AgentId::ocf("heartbeat", "Dummy"),
            PathBuf::from("/usr/lib/ocf/resource.d/heartbeat/Dummy"),
        ),
        (
            "exit 0 script",
            trivial_root.clone(),
            AgentId::ocf("bench", "Trivial"),
            trivial.clone(),
        ),
    ];
    for (label, root, agent, path) in cases {
        let spec = ResourceSpec {
            id: "ovh".into(),
            agent,
            params: [("state".to_string(), dummy_state.display().to_string())].into(),
        };
        let direct = mean(m, || {
            let status = std::process::Command::new(&path)
                .arg("monitor")
                .env("OCF_ROOT", &root)
                .env("OCF_RESOURCE_INSTANCE", "ovh")
                .env("OCF_RESKEY_state", &dummy_state)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .output()
                .expect("run agent");
            assert!(status.status.code().is_some());
        });

        let lrm = Executor::new(config(&root));
        lrm.register(spec.clone());
        let mut library = Duration::ZERO;
        for _ in 0..m {
            let t = Instant::now();
            lrm.exec_wait(OpRequest::new("ovh", Action::Monitor, 0, 20_000))
                .await
                .expect("exec");
            library += t.elapsed();
        }
        let library = library / m as u32;

        let socket_path = scratch.join(format!("lrmd-{}.sock", label.len()));
        let listener = lrm::server::bind(&socket_path).expect("bind");
        let server = tokio::spawn(lrm::server::serve(Executor::new(config(&root)), listener));
        let client = Client::connect(&socket_path).await.expect("connect");
        client.register(spec).await.expect("register");
        let mut socket = Duration::ZERO;
        for _ in 0..m {
            let t = Instant::now();
            client
                .exec_wait(OpRequest::new("ovh", Action::Monitor, 0, 20_000))
                .await
                .expect("exec");
            socket += t.elapsed();
        }
        let socket = socket / m as u32;
        server.abort();

        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {label:<13} | {:>11.2} | {:>12.2} | {:>11.2} | {:>21.2} | {:>20.2} |",
            ms(direct),
            ms(library),
            ms(socket),
            ms(library) - ms(direct),
            ms(socket) - ms(direct)
        );
    }
}

fn mean(m: usize, mut f: impl FnMut()) -> Duration {
    let t = Instant::now();
    for _ in 0..m {
        f();
    }
    t.elapsed() / m as u32
}
