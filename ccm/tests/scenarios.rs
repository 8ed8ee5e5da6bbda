//! Data-driven simulation scenarios: `tests/data/scenarios/*.txt`.
//!
//! Each file is a list of cases: one command line, a `----` line, the expected output, then a blank
//! line. `#` lines before a command are comments. Commands:
//! `cluster nodes=N seed=S` (start), `run ms=M`, `crash NODE`, `restart NODE`, `restart-ccm NODE`,
//! `partition A,B C,D` (sides), `cut A B`, `heal`, `loss P` (percent), `views`, `converged`.
//! `UPDATE_GOLDEN=1` rewrites the expected outputs.

use std::fmt::Write as _;
use std::path::Path;

use sim::ccm::{Sim, SimConfig};

#[test]
fn scenarios_match_their_expected_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenario dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read scenario");
        let (rendered, mismatches) = check(&text);
        if update {
            std::fs::write(&file, rendered).expect("write scenario");
        } else if !mismatches.is_empty() {
            failures.push(format!("{}:\n{}", file.display(), mismatches.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs every case; returns the file re-rendered with actual outputs, and the mismatches.
fn check(text: &str) -> (String, Vec<String>) {
    let mut sim: Option<Sim> = None;
    let mut out = String::new();
    let mut mismatches = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.starts_with('#') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let cmd = line.trim();
        assert_eq!(lines.next(), Some("----"), "missing ---- after {cmd:?}");
        let mut expected = String::new();
        while let Some(l) = lines.next_if(|l| !l.is_empty()) {
            expected.push_str(l);
            expected.push('\n');
        }
        let actual = run(&mut sim, cmd);
        if actual != expected {
            mismatches.push(format!(
                "command {cmd:?}\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
        let _ = write!(out, "{cmd}\n----\n{actual}");
    }
    (out, mismatches)
}

fn run(sim: &mut Option<Sim>, cmd: &str) -> String {
    let mut words = cmd.split_whitespace();
    let verb = words.next().expect("command word");
    let args: Vec<&str> = words.collect();
    if verb == "cluster" {
        let num = |key: &str| -> u64 {
            args.iter()
                .find_map(|a| a.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("cluster needs {key}="))
        };
        *sim = Some(Sim::new(SimConfig::new(num("nodes") as usize, num("seed"))));
        return String::new();
    }
    let sim = sim.as_mut().expect("`cluster` must come first");
    let node = |name: &str| -> usize {
        (0..sim.len())
            .find(|&i| sim.name(i) == name)
            .unwrap_or_else(|| panic!("unknown node {name}"))
    };
    match verb {
        "run" => {
            let ms = args[0].strip_prefix("ms=").and_then(|v| v.parse().ok());
            sim.run_for(ms.expect("run ms=N"));
        }
        "crash" => sim.crash(node(args[0])),
        "restart" => sim.restart(node(args[0])),
        "restart-ccm" => sim.restart_ccm(node(args[0])),
        "cut" => {
            let (a, b) = (node(args[0]), node(args[1]));
            sim.cut(a, b);
        }
        "heal" => sim.heal(),
        "loss" => sim.set_loss(args[0].parse::<f64>().expect("loss percent") / 100.0),
        "partition" => {
            let mut group = vec![0; sim.len()];
            for (side, names) in args.iter().enumerate() {
                for name in names.split(',') {
                    group[node(name)] = side;
                }
            }
            sim.partition(group);
        }
        "views" => {
            let mut s = String::new();
            for i in 0..sim.len() {
                let line = match (sim.is_up(i), sim.view(i)) {
                    (false, _) => "down".to_string(),
                    (true, None) => "no view".to_string(),
                    (true, Some(v)) => {
                        let members: Vec<String> = v
                            .members
                            .iter()
                            .map(|m| format!("{}(inc {}, born {})", m.name, m.incarnation, m.born))
                            .collect();
                        format!(
                            "instance={} leader={} quorum={} members=[{}]",
                            v.instance,
                            v.leader,
                            u8::from(v.quorum),
                            members.join(" ")
                        )
                    }
                };
                let _ = writeln!(s, "{}: {line}", sim.name(i));
            }
            return s;
        }
        "converged" => {
            return match sim.violation.clone().or_else(|| sim.converged()) {
                None => "yes\n".into(),
                Some(p) => format!("no: {p}\n"),
            }
        }
        other => panic!("unknown command {other:?}"),
    }
    match &sim.violation {
        Some(v) => format!("violation: {v}\n"),
        None => String::new(),
    }
}
