//! The environment an OCF agent gets (OCF RA API 1.1 plus Pacemaker's additions).

use std::collections::BTreeMap;
use std::path::Path;

use crate::op::{OpRequest, ResourceSpec};

/// Inherited variables removed before ours are set, so a daemon started from a shell that
/// happened to export `OCF_RESKEY_x` cannot leak it into every agent.
pub const INHERITED_PREFIXES_REMOVED: [&str; 3] =
    ["OCF_RESKEY_", "OCF_RESOURCE_", "OCF_CHECK_LEVEL"];

/// Prefix agents put in front of their exit reason on stderr.
pub const EXIT_REASON_PREFIX: &str = "ocf-exit-reason:";

/// Builds the variables for one OCF operation.
pub fn ocf_env(ocf_root: &Path, rsc: &ResourceSpec, req: &OpRequest) -> Vec<(String, String)> {
    let mut env = vec![
        ("OCF_ROOT".to_string(), ocf_root.display().to_string()),
        ("OCF_RA_VERSION_MAJOR".to_string(), "1".to_string()),
        ("OCF_RA_VERSION_MINOR".to_string(), "1".to_string()),
        ("OCF_RESOURCE_INSTANCE".to_string(), rsc.id.clone()),
        ("OCF_RESOURCE_TYPE".to_string(), rsc.agent.kind.clone()),
        (
            "OCF_EXIT_REASON_PREFIX".to_string(),
            EXIT_REASON_PREFIX.to_string(),
        ),
    ];
    if let Some(provider) = &rsc.agent.provider {
        env.push(("OCF_RESOURCE_PROVIDER".to_string(), provider.clone()));
    }
    let mut params: BTreeMap<&str, &str> = rsc
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    params.extend(req.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    for (name, value) in params {
        env.push((format!("OCF_RESKEY_{name}"), value.to_string()));
    }
    for (name, value) in meta_with_timing(req) {
        env.push((
            format!("OCF_RESKEY_CRM_meta_{}", name.replace('-', "_")),
            value,
        ));
    }
    if let Some(level) = req.check_level {
        env.push(("OCF_CHECK_LEVEL".to_string(), level.to_string()));
    }
    env
}

/// The request's meta attributes plus `timeout` (always) and `interval` (when not 0), in ms.
fn meta_with_timing(req: &OpRequest) -> BTreeMap<String, String> {
    let mut meta = req.meta.clone();
    meta.insert("timeout".into(), req.timeout_ms.to_string());
    if req.interval_ms > 0 {
        meta.insert("interval".into(), req.interval_ms.to_string());
    }
    meta
}

/// The text after the last `ocf-exit-reason:` on stderr, up to the end of its line, at most
/// 127 bytes, as Pacemaker reads it (anywhere in a line, untrimmed; empty means none).
pub fn exit_reason(stderr: &str) -> Option<String> {
    let start = stderr.rfind(EXIT_REASON_PREFIX)? + EXIT_REASON_PREFIX.len();
    let line = stderr[start..].split('\n').next().unwrap_or("");
    let mut end = line.len().min(127);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let reason = &line[..end];
    (!reason.is_empty()).then(|| reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::AgentId;
    use crate::op::Action;

    #[test]
    fn ocf_environment_follows_the_spec() {
        let rsc = ResourceSpec {
            id: "db:1".into(),
            agent: AgentId::ocf("heartbeat", "Dummy"),
            params: [("state".to_string(), "/tmp/s".to_string())].into(),
        };
        let mut req = OpRequest::new("db:1", Action::Monitor, 10_000, 20_000);
        req.meta.insert("clone-max".into(), "2".into());
        req.check_level = Some(10);
        let env: BTreeMap<String, String> = ocf_env(Path::new("/usr/lib/ocf"), &rsc, &req)
            .into_iter()
            .collect();
        assert_eq!(env["OCF_RESOURCE_INSTANCE"], "db:1");
        assert_eq!(env["OCF_RESOURCE_PROVIDER"], "heartbeat");
        assert_eq!(env["OCF_RESKEY_state"], "/tmp/s");
        assert_eq!(env["OCF_RESKEY_CRM_meta_clone_max"], "2");
        assert_eq!(env["OCF_RESKEY_CRM_meta_interval"], "10000");
        assert_eq!(env["OCF_RESKEY_CRM_meta_timeout"], "20000");
        assert_eq!(env["OCF_CHECK_LEVEL"], "10");
        assert_eq!(env["OCF_RA_VERSION_MINOR"], "1");
    }

    #[test]
    fn last_exit_reason_wins() {
        let err = "x\nocf-exit-reason:first\nocf-exit-reason: second \n";
        assert_eq!(exit_reason(err).as_deref(), Some(" second "));
        assert_eq!(
            exit_reason("ocf-exit-reason:x\nOCF_EXIT_REASON_PREFIX=ocf-exit-reason:\n"),
            None
        );
        assert_eq!(
            exit_reason(&format!("ocf-exit-reason:{}", "a".repeat(300)))
                .unwrap()
                .len(),
            127
        );
        assert_eq!(exit_reason("nothing"), None);
    }
}
