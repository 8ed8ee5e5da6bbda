//! The start-up check Heartbeat runs on `haresources` when no CRM is configured: the file must exist
//! and every group's preferred node must be a cluster node. (Running v1 resource groups is not done here.)

use super::{conf_path, ConfigError};

/// Checks `<confdir>/haresources` against the configured `nodes` (lowercase).
pub fn check_haresources(confdir: &str, nodes: &[String]) -> Result<(), ConfigError> {
    let path = conf_path(confdir, "haresources");
    let text = std::fs::read_to_string(&path)
        .map_err(|_| ConfigError::CannotOpenResources(path.clone()))?;
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("");
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        if let Some(node) = logical.split_whitespace().next() {
            if !nodes.contains(&node.to_ascii_lowercase()) {
                return Err(ConfigError::BadResourceNode {
                    path,
                    node: node.to_string(),
                });
            }
        }
        logical.clear();
    }
    Ok(())
}
