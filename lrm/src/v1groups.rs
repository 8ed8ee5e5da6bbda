//! Running Heartbeat v1 resource groups (haresources lines) the way Heartbeat's ResourceManager
//! did: a group starts resource by resource in file order and stops in reverse order, each
//! resource a heartbeat-class script called with its `::` arguments then `start`/`stop`. Used by
//! `hb_v1rsc`, the resource manager a node of ours runs next to a Heartbeat 3.0.6 peer.

use std::path::Path;

use cib::haresources::{HaResources, HaResourcesError, ResourceGroup};
use messaging::v1rsc::Held;
use thiserror::Error;

use crate::agent::{AgentId, ResourceClass};
use crate::op::{Action, OpRequest, ResourceSpec};
use crate::runner::{execute_blocking, RunnerConfig};
use crate::OcfRc;

/// Time each start or stop may take (Heartbeat's scripts had no limit; ours has a generous one).
const ACTION_TIMEOUT_MS: u64 = 120_000;

/// Why the groups cannot be read.
#[derive(Debug, Error)]
pub enum V1GroupsError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// haresources.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {source}")]
    Parse {
        /// haresources.
        path: String,
        /// The error.
        source: HaResourcesError,
    },
}

/// This node's view of the site's groups.
#[derive(Debug, Clone)]
pub struct Groups {
    me: String,
    groups: Vec<ResourceGroup>,
}

impl Groups {
    /// The groups of `haresources` as seen from node `me`.
    pub fn load(path: &Path, me: &str) -> Result<Groups, V1GroupsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| V1GroupsError::Read {
            path: shown.clone(),
            source,
        })?;
        let parsed = HaResources::parse(&text).map_err(|source| V1GroupsError::Parse {
            path: shown,
            source,
        })?;
        Ok(Groups::new(me, parsed))
    }

    /// The groups of `site` as seen from node `me`.
    pub fn new(me: &str, site: HaResources) -> Groups {
        Groups {
            me: me.to_ascii_lowercase(),
            groups: site.groups,
        }
    }

    /// The groups in `set`, in file order: local ones have their home here.
    pub fn select(&self, set: Held) -> Vec<&ResourceGroup> {
        self.groups
            .iter()
            .filter(|g| {
                let bit = if g.node.eq_ignore_ascii_case(&self.me) {
                    Held::LOCAL
                } else {
                    Held::FOREIGN
                };
                set.contains(bit)
            })
            .collect()
    }

    /// The keys (Heartbeat's group names) of the groups in `set`, in file order.
    pub fn keys(&self, set: Held) -> Vec<String> {
        self.select(set)
            .into_iter()
            .map(|g| g.key.clone())
            .collect()
    }

    /// Starts the group called `key`, as [`Groups::acquire`] (an unknown key is a failure).
    pub fn acquire_group(&self, runner: &RunnerConfig, key: &str) -> Vec<String> {
        let Some(g) = self.groups.iter().find(|g| g.key == key) else {
            return vec![format!("no resource group [{key}] in haresources")];
        };
        (0..g.resources.len())
            .map(|i| run(runner, g, i, Action::Start))
            .find_map(Result::err)
            .into_iter()
            .collect()
    }

    /// Stops the group called `key`, last resource first.
    pub fn release_group(&self, runner: &RunnerConfig, key: &str) -> Vec<String> {
        let Some(g) = self.groups.iter().find(|g| g.key == key) else {
            return vec![format!("no resource group [{key}] in haresources")];
        };
        (0..g.resources.len())
            .rev()
            .filter_map(|i| run(runner, g, i, Action::Stop).err())
            .collect()
    }

    /// Starts the groups of `set`; a group stops at its first failing resource. Returns one
    /// line per failure.
    pub fn acquire(&self, runner: &RunnerConfig, set: Held) -> Vec<String> {
        let mut failures = Vec::new();
        for g in self.select(set) {
            for (i, _) in g.resources.iter().enumerate() {
                if let Err(e) = run(runner, g, i, Action::Start) {
                    failures.push(e);
                    break;
                }
            }
        }
        failures
    }

    /// Stops the groups of `set`, last group and last resource first; carries on past failures.
    pub fn release(&self, runner: &RunnerConfig, set: Held) -> Vec<String> {
        let mut failures = Vec::new();
        for g in self.select(set).into_iter().rev() {
            for i in (0..g.resources.len()).rev() {
                if let Err(e) = run(runner, g, i, Action::Stop) {
                    failures.push(e);
                }
            }
        }
        failures
    }
}

/// The LRM view of resource `i` of `g`: a heartbeat-class script with positional parameters.
fn spec(g: &ResourceGroup, i: usize) -> ResourceSpec {
    let r = &g.resources[i];
    ResourceSpec {
        id: format!("{}_{}", r.agent, g.line),
        agent: AgentId::new(ResourceClass::Heartbeat, &r.agent),
        params: r
            .args
            .iter()
            .enumerate()
            .map(|(n, a)| ((n + 1).to_string(), a.clone()))
            .collect(),
    }
}

fn run(runner: &RunnerConfig, g: &ResourceGroup, i: usize, action: Action) -> Result<(), String> {
    let rsc = spec(g, i);
    let what = format!(
        "{} {} {}",
        rsc.agent.kind,
        g.resources[i].args.join(" "),
        action.as_str()
    );
    let req = OpRequest::new(&rsc.id, action, 0, ACTION_TIMEOUT_MS);
    match execute_blocking(runner, &rsc, &req) {
        Ok(e) if e.rc == OcfRc::SUCCESS => Ok(()),
        Ok(e) => Err(format!(
            "{what} failed: rc {} {} {}",
            e.rc.0,
            e.exit_reason,
            e.stderr.trim()
        )),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::AgentDirs;
    use std::os::unix::fs::PermissionsExt;

    /// A heartbeat-class script that appends "<arg> <verb>" to a log file.
    fn script(dir: &Path, name: &str, log: &Path) {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{name} $*\" >> {}\nexit 0\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn groups_start_in_order_and_stop_in_reverse_by_home_node() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        script(dir.path(), "A", &log);
        script(dir.path(), "B", &log);
        let site = HaResources::parse("node1 A::x B\nnode2 B::y\n").unwrap();
        let groups = Groups::new("NODE1", site);
        let runner = RunnerConfig {
            dirs: AgentDirs {
                heartbeat_dirs: vec![dir.path().to_path_buf()],
                ..AgentDirs::default()
            },
            ..RunnerConfig::default()
        };
        assert!(groups.acquire(&runner, Held::LOCAL).is_empty());
        assert!(groups.release(&runner, Held::ALL).is_empty());
        let got = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            got, "A x start\nB start\nB y stop\nB stop\nA x stop\n",
            "local = node1's line; release = node2's group then node1's, each reversed"
        );
        let missing = Groups::new("node1", HaResources::parse("node1 Nope\n").unwrap());
        let failures = missing.acquire(&runner, Held::ALL);
        assert_eq!(failures.len(), 1, "{failures:?}");
    }
}
