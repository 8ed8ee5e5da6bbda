//! Network namespaces as the lab fence agent and the namespace lab see them.

use std::process::Command;

/// The pids of every process in network namespace `ns` (`ip netns pids`); empty also when the
/// namespace cannot be looked at (see [`pids_checked`]).
pub fn pids(ns: &str) -> Vec<i32> {
    pids_checked(ns).unwrap_or_default()
}

/// The pids of every process in network namespace `ns`, or why they cannot be listed (no such
/// namespace, `ip` missing or refused): "no processes" must never be mistaken for "cannot see".
pub fn pids_checked(ns: &str) -> Result<Vec<i32>, String> {
    let out = Command::new("ip")
        .args(["netns", "pids", ns])
        .output()
        .map_err(|e| format!("ip netns pids {ns}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ip netns pids {ns}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect())
}

/// Network interfaces of namespace `ns` other than `lo` that are administratively up, or why
/// they cannot be listed.
pub fn links_up(ns: &str) -> Result<Vec<String>, String> {
    let out = Command::new("ip")
        .args(["-n", ns, "-o", "link", "show", "up"])
        .output()
        .map_err(|e| format!("ip -n {ns} link show: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ip -n {ns} link show: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .filter(|n| n != "lo")
        .collect())
}
