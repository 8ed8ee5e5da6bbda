//! Installs the multi-call binary under an OCF provider:
//!
//! ```text
//! <prefix>/lib/<provider>/ocf-agents                    the binary (mode 755)
//! <prefix>/resource.d/<provider>/<Agent> -> ../../lib/<provider>/ocf-agents
//! <heartbeat-dir>/<Agent> -> <prefix>/lib/<provider>/ocf-agents     (optional, v1 scripts)
//! ```

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::agent;

/// Why installing or uninstalling failed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("invalid provider name '{0}'")]
    BadProvider(String),
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} exists and is not ours; use --force to replace it", .0.display())]
    Foreign(PathBuf),
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> InstallError {
    let path = path.to_path_buf();
    move |source| InstallError::Io {
        action,
        path,
        source,
    }
}

/// Where and under which provider name to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The OCF root, normally `/usr/lib/ocf`.
    pub prefix: PathBuf,
    /// The provider directory name under `resource.d`.
    pub provider: String,
    /// Also link heartbeat-class scripts here (e.g. `/etc/ha.d/resource.d`).
    pub heartbeat_dir: Option<PathBuf>,
    /// Replace existing files that are not ours in `heartbeat_dir`.
    pub force: bool,
}

/// The provider name our agents are installed under by default.
pub const DEFAULT_PROVIDER: &str = "heartbeat-rs";
/// The default OCF root.
pub const DEFAULT_PREFIX: &str = "/usr/lib/ocf";
const BINARY_NAME: &str = "ocf-agents";

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            prefix: PathBuf::from(DEFAULT_PREFIX),
            provider: DEFAULT_PROVIDER.to_string(),
            heartbeat_dir: None,
            force: false,
        }
    }
}

impl InstallOptions {
    /// The installed binary's path.
    pub fn binary_path(&self) -> PathBuf {
        self.prefix
            .join("lib")
            .join(&self.provider)
            .join(BINARY_NAME)
    }
    /// The provider directory holding one entry per agent.
    pub fn provider_dir(&self) -> PathBuf {
        self.prefix.join("resource.d").join(&self.provider)
    }
}

/// Copies `exe` into place and creates the agent links; returns the agent paths.
pub fn install(opts: &InstallOptions, exe: &Path) -> Result<Vec<PathBuf>, InstallError> {
    if opts.provider.is_empty() || opts.provider.contains('/') {
        return Err(InstallError::BadProvider(opts.provider.clone()));
    }
    let binary = opts.binary_path();
    let lib_dir = binary.parent().expect("binary path has a parent");
    make_dir(lib_dir)?;
    // Copy next to the target and rename, so a running agent never sees a torn file.
    let staging = lib_dir.join(format!(".{BINARY_NAME}.new.{}", std::process::id()));
    std::fs::copy(exe, &staging).map_err(io("copy the binary to", &staging))?;
    std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o755))
        .map_err(io("chmod", &staging))?;
    std::fs::rename(&staging, &binary).map_err(io("install", &binary))?;

    let provider_dir = opts.provider_dir();
    make_dir(&provider_dir)?;
    let relative = Path::new("../../lib")
        .join(&opts.provider)
        .join(BINARY_NAME);
    let mut installed = Vec::new();
    for spec in agent::all() {
        let link = provider_dir.join(spec.name);
        replace_with_link(&relative, &link)?;
        installed.push(link);
    }
    if let Some(dir) = &opts.heartbeat_dir {
        make_dir(dir)?;
        for spec in agent::all().iter().filter(|s| s.heartbeat_args.is_some()) {
            let link = dir.join(spec.name);
            let ours = std::fs::read_link(&link).is_ok_and(|t| t == binary);
            if link.symlink_metadata().is_ok() && !ours && !opts.force {
                return Err(InstallError::Foreign(link));
            }
            replace_with_link(&binary, &link)?;
            installed.push(link);
        }
    }
    Ok(installed)
}

/// Removes what `install` created (the heartbeat links only when they point at us).
pub fn uninstall(opts: &InstallOptions) -> Result<(), InstallError> {
    let binary = opts.binary_path();
    if let Some(dir) = &opts.heartbeat_dir {
        for spec in agent::all() {
            let link = dir.join(spec.name);
            if std::fs::read_link(&link).is_ok_and(|t| t == binary) {
                remove_file(&link)?;
            }
        }
    }
    let provider_dir = opts.provider_dir();
    for spec in agent::all() {
        remove_file(&provider_dir.join(spec.name))?;
    }
    let _ = std::fs::remove_dir(&provider_dir);
    remove_file(&binary)?;
    if let Some(lib_dir) = binary.parent() {
        let _ = std::fs::remove_dir(lib_dir);
    }
    Ok(())
}

fn make_dir(dir: &Path) -> Result<(), InstallError> {
    std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(io("chmod", dir))
}

fn replace_with_link(target: &Path, link: &Path) -> Result<(), InstallError> {
    remove_file(link)?;
    std::os::unix::fs::symlink(target, link).map_err(io("create the link", link))
}

fn remove_file(path: &Path) -> Result<(), InstallError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("remove", path)(e)),
        _ => Ok(()),
    }
}
