//! Names that select an agent program: a resource's `class`, `provider` and `type`, a fence
//! device's agent. Agents run only from the installed agent directories (OCF root, init.d,
//! `resource.d`, the fence agents and cluster-glue plugin directories), so each of these names is
//! one file name inside such a directory, never a path: this is the one rule the CIB checks,
//! lrmd, stonithd and the tools apply.

/// Why a name cannot select an agent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid {field} '{value}': {reason}; agents run only from the installed agent directories"
)]
pub struct BadAgentName {
    /// Which name (`type`, `provider`, `class`, `agent`).
    pub field: &'static str,
    /// The name as given (NUL shown as `\0`).
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Checks one name component (a provider, a type, a unit or script name).
pub fn check(field: &'static str, value: &str) -> Result<(), BadAgentName> {
    let reason = if value.is_empty() {
        "empty"
    } else if value.contains('\0') {
        "contains NUL"
    } else if value.contains('/') {
        "contains '/' (a path, not a name)"
    } else if value.contains("..") {
        "contains '..'"
    } else if value.starts_with('.') {
        "starts with '.'"
    } else {
        return Ok(());
    };
    Err(BadAgentName {
        field,
        value: value.replace('\0', "\\0"),
        reason,
    })
}

/// Prefix of cluster-glue's external plugins (`external/ssh`), the one `/` a fence agent's name
/// may hold.
pub const EXTERNAL_PREFIX: &str = "external/";

/// Checks a fence agent's name: `fence_NAME` (the fence agents directory), `external/NAME`
/// (cluster-glue plugins) or `meatware` (manual confirmation).
pub fn check_fence_agent(value: &str) -> Result<(), BadAgentName> {
    let name = value.strip_prefix(EXTERNAL_PREFIX).unwrap_or(value);
    check("agent", name).map_err(|e| BadAgentName {
        value: value.replace('\0', "\\0"),
        ..e
    })?;
    if name == value && !value.starts_with("fence_") && value != "meatware" {
        return Err(BadAgentName {
            field: "agent",
            value: value.to_string(),
            reason: "not a fence agent (fence_*, external/* or meatware)",
        });
    }
    Ok(())
}

/// Checks the `class`, `provider` and `type` of a resource. A fence device's type may be any
/// plugin name (cluster-glue's `null`, `ssh`, `external/NAME`, ...), as Pacemaker accepts in a
/// configuration; which of them this node can run is stonithd's [`check_fence_agent`].
pub fn check_resource(class: &str, provider: Option<&str>, kind: &str) -> Result<(), BadAgentName> {
    check("class", class)?;
    if let Some(p) = provider {
        check("provider", p)?;
    }
    if class == "stonith" {
        let name = kind.strip_prefix(EXTERNAL_PREFIX).unwrap_or(kind);
        check("type", name).map_err(|e| BadAgentName {
            value: kind.replace('\0', "\\0"),
            ..e
        })
    } else {
        check("type", kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for ok in [
            "Dummy",
            "IPaddr2",
            "sshd.service",
            "getty@tty1.service",
            "my-app_2",
        ] {
            assert_eq!(check("type", ok), Ok(()), "{ok}");
        }
        assert_eq!(check_fence_agent("fence_xvm"), Ok(()));
        assert_eq!(check_fence_agent("external/ssh"), Ok(()));
        assert_eq!(check_fence_agent("meatware"), Ok(()));
        assert_eq!(check_resource("ocf", Some("heartbeat"), "Dummy"), Ok(()));
    }

    #[test]
    fn paths_and_tricks_are_refused_with_the_reason() {
        for bad in [
            "/tmp/x.sh",
            "../x",
            "a/../../b",
            ".hidden",
            "x\0y",
            "",
            "sub/x",
        ] {
            let e = check("type", bad).unwrap_err();
            assert!(e.to_string().starts_with("invalid type '"), "{e}");
        }
        for bad in [
            "/tmp/x.sh",
            "./fence_x",
            "external/../x",
            "external/a/b",
            "reboot",
            "sh",
        ] {
            assert!(check_fence_agent(bad).is_err(), "{bad}");
        }
        let e = check_resource("ocf", Some(".."), "Dummy").unwrap_err();
        assert_eq!(e.field, "provider");
        let e = check_resource("stonith", None, "/tmp/x.sh").unwrap_err();
        assert_eq!(e.field, "type");
        assert!(e.to_string().contains("'/tmp/x.sh'"), "{e}");
        assert!(check_resource("stonith", None, "external/../x").is_err());
        // Cluster-glue plugin names are valid configuration, as in Pacemaker.
        assert_eq!(check_resource("stonith", None, "null"), Ok(()));
        assert_eq!(check_resource("stonith", None, "external/ssh"), Ok(()));
    }
}
