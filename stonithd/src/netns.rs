//! Network namespaces as the lab fence agent and the namespace lab see them.

use std::process::Command;

/// The pids of every process in network namespace `ns` (`ip netns pids`).
pub fn pids(ns: &str) -> Vec<i32> {
    Command::new("ip")
        .args(["netns", "pids", ns])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}
