//! Meta-data goldens: `tests/data/metadata/<Agent>.xml` is exactly what `<Agent> meta-data`
//! prints. The directory is the registry (an agent without a golden fails); rewrite them
//! with `UPDATE_GOLDEN=1 cargo test -p ocf-agents --test tests metadata_golden`.

use std::path::PathBuf;
use std::process::Command;

use crate::support::*;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/metadata")
}

#[test]
fn meta_data_matches_the_goldens() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let agents: Vec<String> = run_ok(BINARY, &["list"])
        .lines()
        .map(String::from)
        .collect();
    let mut mismatches = Vec::new();
    for agent in &agents {
        let out = Command::new(BINARY)
            .args(["run", agent, "meta-data"])
            .env_clear()
            .output()
            .unwrap();
        assert!(out.status.success(), "{agent} meta-data failed");
        let actual = String::from_utf8(out.stdout).unwrap();
        let path = golden_dir().join(format!("{agent}.xml"));
        if update {
            std::fs::create_dir_all(golden_dir()).unwrap();
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => mismatches.push(format!(
                "{agent}: meta-data differs from {}\n{}",
                path.display(),
                first_difference(&expected, &actual)
            )),
            Err(_) => mismatches.push(format!("{agent}: no golden at {}", path.display())),
        }
    }
    // A golden without an agent is stale.
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let agent = name.trim_end_matches(".xml");
        if !agents.iter().any(|a| a == agent) {
            mismatches.push(format!("stale golden {name}: no such agent"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{}\n(rerun with UPDATE_GOLDEN=1 to accept)",
        mismatches.join("\n")
    );
}

fn first_difference(expected: &str, actual: &str) -> String {
    let pairs = expected.lines().zip(actual.lines()).enumerate();
    for (n, (e, a)) in pairs {
        if e != a {
            return format!("line {}:\n- {e}\n+ {a}", n + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}
